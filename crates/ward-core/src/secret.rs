//! A secret value (API key, token, HMAC secret) whose `Debug` and `Display` never show it.
//!
//! The only way to read the value is [`Secret::expose`], which makes every place that handles the
//! clear text easy to find with grep.

use std::fmt;

/// A string that must never be printed or logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The clear text. Call it only where the value leaves the process (an HTTP header, a hash).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty (an unset environment variable, an empty file).
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_and_display_redact_the_value() {
        let secret = Secret::new("2:vJC6lckDygB6FYURIvR0WK2ZTAhIY8rb0Amy9UMn4mo=");
        let printed = format!("{secret} {secret:?} {:?}", Some(&secret));
        assert!(!printed.contains("vJC6"), "{printed}");
        assert_eq!(
            secret.expose(),
            "2:vJC6lckDygB6FYURIvR0WK2ZTAhIY8rb0Amy9UMn4mo="
        );
    }

    #[test]
    fn blank_is_empty() {
        assert!(Secret::new("  \n").is_empty());
        assert!(!Secret::new("k").is_empty());
    }
}
