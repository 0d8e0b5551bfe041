//! The HTTP boundary: a small [`Transport`] trait (one request in, one response out) and
//! [`HttpTransport`], its reqwest implementation. Retries, rate limiting and concurrency are not
//! here: they are a decorator around any transport ([`crate::Resilient`]).

use crate::config::{AuthScheme, ClientConfig};
use async_trait::async_trait;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use std::fmt;
use std::time::Duration;
use ward_core::{ManagerError, Secret};

/// An HTTP method the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    /// The method's name, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One API call, relative to the base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub method: Method,
    /// Path under the base URL, starting with `/` (e.g. `/computers/search`).
    pub path: String,
    /// Query parameters, in order; a name may repeat (`expand`).
    pub query: Vec<(String, String)>,
    /// JSON body, if any.
    pub body: Option<serde_json::Value>,
    /// The API's operation id (e.g. `searchComputers`), for logs and errors.
    pub operation: &'static str,
    /// Whether sending the request twice has the same effect as once. Requests that are not
    /// idempotent (creating a scheduled task) are retried only when they surely did not arrive.
    pub idempotent: bool,
}

impl ApiRequest {
    /// A request without query or body, idempotent.
    pub fn new(method: Method, path: impl Into<String>, operation: &'static str) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            operation,
            idempotent: true,
        }
    }

    /// Adds a query parameter (repeat the call for repeated names).
    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// Sets the JSON body.
    pub fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Marks the request as not safe to repeat.
    pub fn not_idempotent(mut self) -> Self {
        self.idempotent = false;
        self
    }

    /// The path with its query string, form-encoded as it is sent (no secrets live in paths or
    /// queries).
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.query)
            .finish();
        format!("{}?{query}", self.path)
    }
}

/// What the manager answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    /// The `Retry-After` header, verbatim.
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

impl ApiResponse {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why no answer came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No connection could be made: the request was never sent.
    #[error("connection failed: {cause}")]
    Connect { cause: String },
    /// No answer within the timeout: the request may have arrived.
    #[error("no answer within {timeout_ms} ms")]
    Timeout { timeout_ms: u64 },
    /// The connection broke (reset, closed, bad framing): the request may have arrived.
    #[error("connection broke: {cause}")]
    Broken { cause: String },
    /// The request could not be built; trying again will not help.
    #[error("invalid request: {cause}")]
    Invalid { cause: String },
}

impl TransportError {
    /// Whether the request surely never reached the manager.
    pub fn never_sent(&self) -> bool {
        matches!(self, Self::Connect { .. })
    }

    /// Whether another attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, Self::Invalid { .. })
    }
}

/// Sends one request and returns the manager's answer, whatever its status.
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError>;
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        (**self).send(request).await
    }
}

/// The reqwest transport: rustls with certificate verification always on, an optional extra root
/// CA, a per-request timeout, `api-version: v1`, JSON in and out, and the key in the header the
/// [`AuthScheme`] says.
pub struct HttpTransport {
    client: reqwest::Client,
    /// The base URL without a trailing slash.
    base_url: String,
    auth: AuthScheme,
    api_key: Secret,
    timeout: Duration,
}

impl fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpTransport")
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("api_key", &self.api_key)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl HttpTransport {
    /// Builds the HTTP client. Fails when the CA bundle cannot be read or parsed.
    pub fn new(config: &ClientConfig) -> Result<Self, ManagerError> {
        let base_url = config.base_url.as_str().trim_end_matches('/').to_owned();
        let unreachable = |cause: String| ManagerError::Unreachable {
            url: base_url.clone(),
            cause,
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("api-version"),
            HeaderValue::from_static("v1"),
        );
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .https_only(config.base_url.scheme() == "https")
            .default_headers(headers)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("ward/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_bundle {
            let pem = std::fs::read(path).map_err(|error| {
                unreachable(format!(
                    "cannot read the CA bundle {}: {error}",
                    path.display()
                ))
            })?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|error| {
                unreachable(format!(
                    "cannot parse the CA bundle {}: {}",
                    path.display(),
                    cause_chain(&error)
                ))
            })?;
            if certificates.is_empty() {
                return Err(unreachable(format!(
                    "the CA bundle {} holds no certificate",
                    path.display()
                )));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder.build().map_err(|error| {
            unreachable(format!(
                "cannot build the HTTP client: {}",
                cause_chain(&error)
            ))
        })?;
        Ok(Self {
            client,
            base_url,
            auth: config.auth,
            api_key: config.api_key.clone(),
            timeout: config.timeout,
        })
    }

    fn auth_header(&self) -> Result<(HeaderName, HeaderValue), TransportError> {
        let (name, value) = match self.auth {
            AuthScheme::ApiKey => (AUTHORIZATION, format!("ApiKey {}", self.api_key.expose())),
            AuthScheme::ApiSecretKey => (
                HeaderName::from_static("api-secret-key"),
                self.api_key.expose().to_owned(),
            ),
        };
        // The error names no part of the key.
        let mut value = HeaderValue::from_str(&value).map_err(|_| TransportError::Invalid {
            cause: "the API key holds characters not allowed in an HTTP header".into(),
        })?;
        value.set_sensitive(true);
        Ok((name, value))
    }

    fn map_error(&self, error: &reqwest::Error) -> TransportError {
        if error.is_timeout() {
            TransportError::Timeout {
                timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
            }
        } else if error.is_connect() {
            TransportError::Connect {
                cause: cause_chain(error),
            }
        } else if error.is_builder() {
            TransportError::Invalid {
                cause: cause_chain(error),
            }
        } else {
            TransportError::Broken {
                cause: cause_chain(error),
            }
        }
    }
}

#[async_trait]
impl Transport for HttpTransport {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        let url = format!("{}{}", self.base_url, request.path);
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        let (auth_name, auth_value) = self.auth_header()?;
        let mut builder = self
            .client
            .request(method, url)
            .header(auth_name, auth_value);
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if let Some(body) = &request.body {
            let bytes = serde_json::to_vec(body).map_err(|error| TransportError::Invalid {
                cause: error.to_string(),
            })?;
            builder = builder.header(CONTENT_TYPE, "application/json").body(bytes);
        }
        let response = builder
            .send()
            .await
            .map_err(|error| self.map_error(&error))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response
            .bytes()
            .await
            .map_err(|error| self.map_error(&error))?;
        Ok(ApiResponse {
            status,
            retry_after,
            body: body.to_vec(),
        })
    }
}

/// An error and its sources, joined with `: ` (reqwest's own `Display` hides the cause).
pub(crate) fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_query_keeps_repeated_names() {
        let request = ApiRequest::new(Method::Get, "/computers", "listComputers")
            .query("expand", "computerStatus")
            .query("expand", "ec2VirtualMachineSummary");
        assert_eq!(
            request.path_and_query(),
            "/computers?expand=computerStatus&expand=ec2VirtualMachineSummary"
        );
        assert!(request.idempotent);
        assert!(!request.not_idempotent().idempotent);
    }

    #[test]
    fn path_and_query_encodes_names_and_values() {
        let request = ApiRequest::new(Method::Get, "/computers", "listComputers")
            .query("expand", "computerStatus,tasks")
            .query("name", "web 1&2=ok/ü");
        assert_eq!(
            request.path_and_query(),
            "/computers?expand=computerStatus%2Ctasks&name=web+1%262%3Dok%2F%C3%BC"
        );
        assert_eq!(
            ApiRequest::new(Method::Get, "/computers", "listComputers").path_and_query(),
            "/computers"
        );
    }

    #[test]
    fn cause_chain_joins_sources() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] std::io::Error);
        let error = Outer(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset by peer",
        ));
        assert_eq!(cause_chain(&error), "outer: reset by peer");
    }

    #[test]
    fn auth_headers_follow_the_scheme_and_are_sensitive() {
        let mut config = ClientConfig::new(
            url::Url::parse("http://127.0.0.1:9/api/").expect("valid URL"),
            Secret::new("SECRET-KEY-1"),
        );
        let transport = HttpTransport::new(&config).expect("builds");
        let (name, value) = transport.auth_header().expect("valid key");
        assert_eq!(name.as_str(), "authorization");
        assert_eq!(value.to_str().ok(), Some("ApiKey SECRET-KEY-1"));
        assert!(value.is_sensitive());
        assert_eq!(transport.base_url, "http://127.0.0.1:9/api");
        assert!(!format!("{transport:?}").contains("SECRET-KEY-1"));

        config.auth = AuthScheme::ApiSecretKey;
        let transport = HttpTransport::new(&config).expect("builds");
        let (name, value) = transport.auth_header().expect("valid key");
        assert_eq!(
            (name.as_str(), value.to_str().ok()),
            ("api-secret-key", Some("SECRET-KEY-1"))
        );

        config.api_key = Secret::new("bad\nkey");
        let transport = HttpTransport::new(&config).expect("builds");
        let error = transport.auth_header().unwrap_err();
        assert!(!error.to_string().contains("bad"));
    }

    #[test]
    fn missing_ca_bundle_is_reported_with_its_path() {
        let mut config = ClientConfig::new(
            url::Url::parse("https://dsm.example.com:4119/api").expect("valid URL"),
            Secret::new("k"),
        );
        config.ca_bundle = Some("/nonexistent/ca.pem".into());
        let error = HttpTransport::new(&config).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("https://dsm.example.com:4119/api")
                && text.contains("/nonexistent/ca.pem"),
            "{text}"
        );
    }
}
