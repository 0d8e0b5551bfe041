//! Store URLs: which backend a `store.url` names, and the same URL with its password redacted for
//! messages and logs.

use std::path::PathBuf;
use ward_core::StoreError;

/// Where a store lives, as a store URL says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    /// `sqlite::memory:` (or `:memory:`): a private in-memory database, for tests.
    SqliteMemory,
    /// `sqlite://path`, `sqlite:path` or a bare path.
    SqliteFile(PathBuf),
    /// `postgres://…` or `postgresql://…`, passed to the driver as written.
    Postgres,
}

/// Reads a store URL.
pub(crate) fn parse(url: &str) -> Result<Location, StoreError> {
    let open_error = |cause: String| StoreError::Open {
        url: redact_url(url),
        cause,
    };
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return Err(open_error("the store url is empty".into()));
    }
    if trimmed == "sqlite::memory:" || trimmed == ":memory:" {
        return Ok(Location::SqliteMemory);
    }
    if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
        return Ok(Location::Postgres);
    }
    let path = if let Some(path) = trimmed.strip_prefix("sqlite://") {
        path
    } else if let Some(path) = trimmed.strip_prefix("sqlite:") {
        path
    } else if let Some(scheme) = scheme(trimmed) {
        return Err(open_error(format!(
            "unsupported scheme `{scheme}` \
             (expected sqlite://PATH, sqlite::memory: or postgres://…)"
        )));
    } else {
        trimmed
    };
    if path.is_empty() {
        return Err(open_error("the sqlite url names no file".into()));
    }
    if path.contains('?') {
        return Err(open_error("a sqlite url takes no query parameters".into()));
    }
    Ok(Location::SqliteFile(PathBuf::from(path)))
}

/// The scheme of `scheme://…`, if the text starts with one.
fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once("://")?;
    let mut chars = scheme.chars();
    let starts_with_letter = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic());
    let rest_valid = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (starts_with_letter && rest_valid).then_some(scheme)
}

/// The URL with the password of any `user:password@` replaced by `<redacted>`, for messages and
/// logs.
///
/// Works on anything, URL or not: text without `scheme://` is returned as it is.
pub fn redact_url(url: &str) -> String {
    let Some(authority_start) = url.find("://").map(|index| index + 3) else {
        return url.to_owned();
    };
    let rest = &url[authority_start..];
    // The userinfo ends at the last `@` before the query or fragment (a password may hold `/`).
    let before_query = rest.find(['?', '#']).map_or(rest, |end| &rest[..end]);
    let Some(at) = before_query.rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &rest[..at];
    match userinfo.split_once(':') {
        Some((user, _password)) => {
            format!(
                "{}{user}:<redacted>{}",
                &url[..authority_start],
                &rest[at..]
            )
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls() {
        let file = |path: &str| Some(Location::SqliteFile(PathBuf::from(path)));
        assert_eq!(
            parse("sqlite://ward-data/ward.db").ok(),
            file("ward-data/ward.db")
        );
        assert_eq!(
            parse("sqlite:///var/lib/ward/ward.db").ok(),
            file("/var/lib/ward/ward.db")
        );
        assert_eq!(parse("sqlite:ward.db").ok(), file("ward.db"));
        assert_eq!(parse("./ward.db").ok(), file("./ward.db"));
        assert_eq!(parse("/tmp/ward.db").ok(), file("/tmp/ward.db"));
        assert_eq!(parse(" ward.db ").ok(), file("ward.db"));
        assert_eq!(parse("sqlite::memory:").ok(), Some(Location::SqliteMemory));
        assert_eq!(parse(":memory:").ok(), Some(Location::SqliteMemory));
    }

    #[test]
    fn postgres_urls() {
        assert_eq!(
            parse("postgres://ward@db/ward").ok(),
            Some(Location::Postgres)
        );
        assert_eq!(
            parse("postgresql://ward:pw@db:5432/ward").ok(),
            Some(Location::Postgres)
        );
    }

    #[test]
    fn bad_urls_name_the_url_without_its_password() {
        let message = parse("mysql://ward:hunter2@db/ward")
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "cannot open the store at mysql://ward:<redacted>@db/ward: unsupported scheme `mysql` \
             (expected sqlite://PATH, sqlite::memory: or postgres://…)"
        );
        assert!(parse("").unwrap_err().to_string().contains("empty"));
        assert!(
            parse("sqlite://")
                .unwrap_err()
                .to_string()
                .contains("no file")
        );
        assert!(
            parse("sqlite://ward.db?mode=rwc")
                .unwrap_err()
                .to_string()
                .contains("query")
        );
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_url("postgres://ward:s3cret@db/ward"),
            "postgres://ward:<redacted>@db/ward"
        );
        assert_eq!(
            redact_url("postgres://ward:a/b@c@db/ward"),
            "postgres://ward:<redacted>@db/ward"
        );
        assert_eq!(
            redact_url("postgres://ward:pw@db/ward?options=a@b"),
            "postgres://ward:<redacted>@db/ward?options=a@b"
        );
        assert_eq!(
            redact_url("postgres://ward@db/ward"),
            "postgres://ward@db/ward"
        );
        assert_eq!(redact_url("postgres://db/ward"), "postgres://db/ward");
        assert_eq!(redact_url("sqlite://ward.db"), "sqlite://ward.db");
        assert_eq!(redact_url("user:pw@host"), "user:pw@host");
    }
}
