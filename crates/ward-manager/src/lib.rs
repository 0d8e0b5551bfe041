//! The Workload Security API v1 client: typed wire models with the real field names
//! ([`model`]), a [`Transport`] boundary with its reqwest implementation ([`HttpTransport`]), the
//! [`Resilient`] decorator (retries with backoff and jitter, `Retry-After`, client-side rate limit,
//! concurrency limit, call counting), and [`ManagerClient`], which offers the API's operations and
//! implements [`ward_core::ManagerApi`].
//!
//! ```no_run
//! # async fn example() -> Result<(), ward_core::ManagerError> {
//! use ward_core::{ManagerApi, Secret};
//! let config = ward_manager::ClientConfig::for_region("us-1", Secret::new("…")).expect("known region");
//! let client = ward_manager::connect(config)?;
//! let first_page = client.computers_page(None, 1000).await?;
//! # let _ = first_page; Ok(()) }
//! ```
//!
//! The API key never appears in `Debug`, `Display`, errors or logs.

mod api;
mod client;
mod config;
pub mod model;
mod objects;
mod resilient;
mod transport;

pub use client::{
    AssignmentTarget, Expand, JsonObject, MAX_PAGE, ManagerClient, RuleModule, SYNC_EXPANDS,
    connect,
};
pub use config::{AuthScheme, ClientConfig, RetryPolicy};
pub use objects::expand_for_fields;
pub use resilient::{Resilient, parse_retry_after};
pub use transport::{ApiRequest, ApiResponse, HttpTransport, Method, Transport, TransportError};
