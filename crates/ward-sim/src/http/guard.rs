//! What runs before every `/api` handler, in order: the call is counted; the rate limit may
//! refuse it (429); an injected fault may replace it (429, 500, 503, a slow answer, a dropped
//! connection); `api-version: v1` is required (400); the key must be one the simulator knows
//! (401 without a key, 403 with a wrong one). A faulted or refused call never reaches a handler,
//! so it changes nothing.
//!
//! Nothing here logs a key, in part or whole.

use super::Caller;
use crate::Simulator;
use crate::error::ApiError;
use crate::faults::Fault;
use crate::serve::Connection;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The manager version the simulator answers as (`X-DSM-Version`).
const DSM_VERSION: &str = "Workload Security 50.0.827 (ward-sim)";

pub(super) async fn guard(
    State(sim): State<Simulator>,
    mut request: Request,
    next: Next,
) -> Response {
    sim.count_call();
    if let Err(wait) = sim.admit() {
        tracing::debug!(wait, "simulator rate limit reached");
        return ApiError::too_many_requests(wait).into_response();
    }
    if let Some(fault) = sim.roll_fault() {
        tracing::debug!(?fault, path = %request.uri().path(), "simulator injects a fault");
        match fault {
            Fault::TooManyRequests => return ApiError::too_many_requests(1).into_response(),
            Fault::InternalError => {
                return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
                    .into_response();
            }
            Fault::Unavailable => {
                return ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The service is temporarily unavailable",
                )
                .into_response();
            }
            Fault::Slow(wait) => tokio::time::sleep(wait).await,
            Fault::Reset => return reset(&request),
        }
    }
    if let Err(error) = check_version(request.headers()) {
        return error.into_response();
    }
    let caller = match authenticate(&sim, request.headers()) {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    request.extensions_mut().insert(caller);
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert("x-dsm-version", HeaderValue::from_static(DSM_VERSION));
    response
}

/// Drops the connection without an answer; without a connection handle (the router used
/// in-process), answers with a body that breaks off.
fn reset(request: &Request) -> Response {
    if let Some(ConnectInfo(connection)) = request.extensions().get::<ConnectInfo<Connection>>() {
        connection.reset();
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let broken = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset by the simulator",
        ))
    });
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        Body::from_stream(broken),
    )
        .into_response()
}

fn check_version(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get("api-version").map(HeaderValue::to_str) {
        None => Err(ApiError::bad_request(
            "The api-version header is required: send `api-version: v1`",
        )),
        Some(Ok(version)) if version.trim() == "v1" => Ok(()),
        Some(Ok(version)) => Err(ApiError::bad_request(format!(
            "api-version `{version}` is not supported: send `api-version: v1`"
        ))),
        Some(Err(_)) => Err(ApiError::bad_request(
            "api-version is not valid: send `api-version: v1`",
        )),
    }
}

/// The key from `Authorization: ApiKey …` or `api-secret-key: …`.
fn presented_key(headers: &HeaderMap) -> Result<&str, ApiError> {
    let from_authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, key) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("ApiKey").then_some(key.trim())
        });
    let from_secret_header = headers
        .get("api-secret-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim);
    from_authorization
        .or(from_secret_header)
        .filter(|key| !key.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "No API key: send `Authorization: ApiKey <key>` or `api-secret-key: <key>`",
            )
        })
}

/// Compares without an early exit, so timing does not tell how much of a key was right.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0_u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

fn authenticate(sim: &Simulator, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let key = presented_key(headers)?;
    let config = sim.config();
    let role_id = if same(key, &config.full_access_key) {
        1
    } else if same(key, &config.auditor_key) {
        2
    } else {
        return Err(ApiError::forbidden("Invalid API key"));
    };
    let role = sim
        .roles()
        .iter()
        .position(|role| role.id == role_id)
        .ok_or_else(|| ApiError::forbidden("Invalid API key"))?;
    Ok(Caller { role })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn keys_come_from_either_header() {
        assert_eq!(
            presented_key(&headers(&[("authorization", "ApiKey abc")])).ok(),
            Some("abc")
        );
        assert_eq!(
            presented_key(&headers(&[("api-secret-key", "2:xyz=")])).ok(),
            Some("2:xyz=")
        );
        assert_eq!(
            presented_key(&headers(&[
                ("authorization", "Bearer t"),
                ("api-secret-key", "k")
            ]))
            .ok(),
            Some("k")
        );
        let error = presented_key(&headers(&[("authorization", "Bearer t")])).unwrap_err();
        assert_eq!(error.status, StatusCode::UNAUTHORIZED);
        assert!(presented_key(&headers(&[("api-secret-key", " ")])).is_err());
    }

    #[test]
    fn version_must_be_v1() {
        assert!(check_version(&headers(&[("api-version", "v1")])).is_ok());
        assert!(check_version(&headers(&[("api-version", "v2")])).is_err());
        assert!(check_version(&headers(&[])).is_err());
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
