//! Request bodies and query parameters: malformed input is a 400 with a `{"message": …}` that says
//! where, never a 500.

use crate::error::ApiError;
use crate::expand::Params;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Parses a JSON body; an empty body is refused.
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    parse_optional(body)?.ok_or_else(|| ApiError::bad_request("a JSON body is required"))
}

/// Parses a JSON body; an empty body is `None`.
pub(crate) fn parse_optional<T: DeserializeOwned>(body: &[u8]) -> Result<Option<T>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| ApiError::bad_request(describe(&error)))?;
    deserializer
        .end()
        .map_err(|error| ApiError::bad_request(format!("malformed JSON body: {error}")))?;
    Ok(Some(value))
}

/// Parses a JSON body into a value kept for the action log and the typed form.
pub(crate) fn parse_keeping<T: DeserializeOwned>(
    body: &[u8],
) -> Result<(serde_json::Value, T), ApiError> {
    let value: serde_json::Value = parse(body)?;
    let typed = serde_path_to_error::deserialize(&value)
        .map_err(|error| ApiError::bad_request(describe(&error)))?;
    Ok((value, typed))
}

fn describe<E: std::fmt::Display>(error: &serde_path_to_error::Error<E>) -> String {
    let path = error.path().to_string();
    if path.is_empty() || path == "." {
        format!("malformed JSON body: {}", error.inner())
    } else {
        format!("malformed JSON body at `{path}`: {}", error.inner())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Params::parse(parts.uri.query()).map_err(ApiError::bad_request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code, reason = "only parsed")]
    struct Body {
        #[serde(rename = "ruleIDs")]
        rule_ids: Vec<i32>,
    }

    #[test]
    fn malformed_bodies_say_where() {
        let error = parse::<Body>(br#"{"ruleIDs": [1, "x"]}"#).unwrap_err();
        assert!(
            error
                .message
                .starts_with("malformed JSON body at `ruleIDs[1]`"),
            "{}",
            error.message
        );
        let error = parse::<Body>(b"{not json").unwrap_err();
        assert!(
            error.message.starts_with("malformed JSON body"),
            "{}",
            error.message
        );
        let error = parse::<Body>(b"  ").unwrap_err();
        assert_eq!(error.message, "a JSON body is required");
        let error = parse::<Body>(br#"{"ruleIDs": []} trailing"#).unwrap_err();
        assert!(error.message.contains("trailing"), "{}", error.message);
        assert!(
            parse_optional::<Body>(b"")
                .expect("empty is fine")
                .is_none()
        );
        let (value, body) = parse_keeping::<Body>(br#"{"ruleIDs": [3]}"#).expect("valid");
        assert_eq!(value["ruleIDs"][0], 3);
        assert_eq!(body.rule_ids, vec![3]);
    }
}
