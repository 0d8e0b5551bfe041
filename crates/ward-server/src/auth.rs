//! Who may call the API: with no token configured (ward then listens on loopback only) everyone
//! may; otherwise a request carries `Authorization: Bearer <token>` or the `ward_token` cookie
//! (set by `POST /login`, for the dashboard in a browser). The operator token may read and
//! trigger; the viewer token may only read (403 on anything but GET and HEAD). Tokens are compared
//! in constant time (as SHA-256 digests, so not even their length leaks).

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use ward_core::Secret;

/// The cookie `POST /login` sets.
pub const COOKIE: &str = "ward_token";

/// The configured tokens.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    /// May read and trigger (`server.token`).
    pub operator: Option<Secret>,
    /// May only read (`server.viewer_token`).
    pub viewer: Option<Secret>,
}

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Read and trigger.
    Operator,
    /// Read only.
    Viewer,
}

impl Auth {
    /// No token configured: every request is accepted (ward listens on loopback only then).
    pub fn open() -> Self {
        Self::default()
    }

    /// Whether requests need a token.
    pub fn required(&self) -> bool {
        self.operator.is_some() || self.viewer.is_some()
    }

    /// The role of a presented token, if it is one of the configured ones.
    pub fn role_of(&self, presented: &str) -> Option<Role> {
        let presented = Sha256::digest(presented.as_bytes());
        let is = |secret: &Option<Secret>| {
            secret.as_ref().is_some_and(|secret| {
                bool::from(Sha256::digest(secret.expose().as_bytes()).ct_eq(&presented))
            })
        };
        // Both compared, always, so timing does not say which one matched.
        let (operator, viewer) = (is(&self.operator), is(&self.viewer));
        if operator {
            Some(Role::Operator)
        } else if viewer {
            Some(Role::Viewer)
        } else {
            None
        }
    }

    /// The caller's role, from the bearer token or the cookie.
    pub fn role(&self, headers: &HeaderMap) -> Result<Role, ApiError> {
        if !self.required() {
            return Ok(Role::Operator);
        }
        let token = bearer(headers).or_else(|| cookie(headers, COOKIE));
        match token {
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "authentication required: send Authorization: Bearer <token>",
            )),
            Some(token) => self
                .role_of(token)
                .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "the token is not valid")),
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// Middleware on every route but `/healthz`, the webhook and `/login`: 401 without a valid token
/// (a browser asking for a page is sent to `/login` instead), 403 when a viewer tries to change
/// anything.
pub async fn require(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match state.auth.role(request.headers()) {
        Ok(Role::Viewer) if !matches!(*request.method(), Method::GET | Method::HEAD) => {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "the viewer token is read-only: this needs the operator token (server.token)",
            )
            .into_response()
        }
        Ok(_) => next.run(request).await,
        Err(error) => {
            let path = request.uri().path();
            let page =
                request.method() == Method::GET && !path.starts_with("/api/") && path != "/metrics";
            if page {
                Redirect::to("/login").into_response()
            } else {
                error.into_response()
            }
        }
    }
}

/// `GET /login`: the sign-in form.
pub async fn login_form() -> Html<String> {
    Html(ward_dashboard::login(
        "Sign in with the operator or viewer token (server.token, server.viewer_token).",
    ))
}

/// The sign-in form's fields.
#[derive(Debug, serde::Deserialize)]
pub struct LoginForm {
    token: String,
}

/// `POST /login`: a valid token becomes an HttpOnly, SameSite=Strict cookie and the browser goes
/// to the dashboard; a wrong one gets the form again with 401.
pub async fn login(
    State(state): State<AppState>,
    form: Result<axum::Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let token = form.map(|axum::Form(form)| form.token).unwrap_or_default();
    let valid = !token.is_empty()
        && !token.contains([';', ',', ' ', '"', '\\'])
        && state.auth.role_of(&token).is_some();
    if !valid {
        let page = ward_dashboard::login("That token is not valid. Try again.");
        return (StatusCode::UNAUTHORIZED, Html(page)).into_response();
    }
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_give_their_roles_and_nothing_else_does() {
        let auth = Auth {
            operator: Some(Secret::new("op")),
            viewer: Some(Secret::new("view")),
        };
        assert_eq!(auth.role_of("op"), Some(Role::Operator));
        assert_eq!(auth.role_of("view"), Some(Role::Viewer));
        assert_eq!(auth.role_of("o"), None);
        assert_eq!(auth.role_of(""), None);
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=b; ward_token=view".parse().unwrap());
        assert_eq!(auth.role(&headers).unwrap(), Role::Viewer);
        headers.insert(header::AUTHORIZATION, "bearer op".parse().unwrap());
        assert_eq!(auth.role(&headers).unwrap(), Role::Operator);
        assert_eq!(
            Auth::open().role(&HeaderMap::new()).unwrap(),
            Role::Operator
        );
    }
}
