//! The API's errors and its strict extractors: every refusal is JSON `{message}` naming what was
//! wrong (axum's default plain-text rejections never reach a client).

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::str::FromStr;

/// The body of every API error.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What was wrong, e.g. "limit: must be between 1 and 1000".
    pub message: String,
}

/// An API error: a status and a message (4xx say what was wrong; 5xx are logged and hidden).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// 400 naming the parameter.
    pub fn bad_parameter(name: &str, reason: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::BAD_REQUEST, format!("{name}: {reason}"))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 503 for a store that failed: logged with its cause, hidden from the client.
    pub fn store(error: &ward_core::StoreError) -> Self {
        tracing::error!(%error, "store failed while answering an API request");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the store is unavailable; retry later",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(ErrorBody {
                message: self.message,
            }),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ward\""),
            );
        }
        response
    }
}

/// The query string as name/value pairs, read strictly: a parameter given twice, an unknown one
/// or a value that does not parse is a 400 naming the parameter.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("query: {}", rejection.body_text()),
                )
            })?;
        Ok(Self { pairs })
    }
}

impl Params {
    /// The parameter's value, once at most.
    pub fn take(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        let mut found = None;
        let mut index = 0;
        while index < self.pairs.len() {
            if self.pairs[index].0 == name {
                let (_, value) = self.pairs.remove(index);
                if found.is_some() {
                    return Err(ApiError::bad_parameter(name, "given more than once"));
                }
                found = Some(value);
            } else {
                index += 1;
            }
        }
        Ok(found)
    }

    /// The parameter parsed with `FromStr`.
    pub fn parse<T: FromStr>(&mut self, name: &str, expected: &str) -> Result<Option<T>, ApiError> {
        self.take(name)?
            .map(|value| {
                value.parse().map_err(|_| {
                    ApiError::bad_parameter(name, format!("`{value}` is not {expected}"))
                })
            })
            .transpose()
    }

    /// `limit`: 1..=1000, 100 when absent.
    pub fn limit(&mut self) -> Result<u32, ApiError> {
        let limit = self
            .parse::<u32>("limit", "an integer between 1 and 1000")?
            .unwrap_or(100);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::bad_parameter(
                "limit",
                "must be between 1 and 1000",
            ));
        }
        Ok(limit)
    }

    /// Refuses any parameter not read.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.pairs.first() {
            None => Ok(()),
            Some((name, _)) => Err(ApiError::bad_parameter(name, "unknown parameter")),
        }
    }
}

/// The largest `limit`.
pub const MAX_LIMIT: u32 = 1000;

/// One path parameter as text, with a JSON rejection.
#[derive(Debug)]
pub struct PathText(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathText {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(text)| Self(text))
            .map_err(|rejection| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("path: {}", rejection.body_text()),
                )
            })
    }
}
