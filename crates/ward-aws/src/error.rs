//! AWS errors in words: the operation, the service's error code and message, and a plain "denied"
//! when a permission is missing, so a decision can record which call was refused.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// An error about `destination` (a resource, a service) with its cause in words.
pub fn outbound(destination: &str, cause: impl Into<String>) -> ward_core::OutboundError {
    ward_core::OutboundError {
        destination: destination.to_owned(),
        cause: cause.into(),
    }
}

/// [`describe`] for the error of an SDK call. A 403 answer whose error code cannot be read (some
/// emulators and proxies answer so) is a denial too; a call that never got an answer (timeout,
/// connection) says why.
pub fn describe_call<E>(operation: &str, error: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match error.as_service_error() {
        Some(service) if service.code().is_some() => describe(operation, service),
        _ if error
            .raw_response()
            .is_some_and(|response| response.status().as_u16() == 403) =>
        {
            format!("AWS denied {operation} (HTTP 403): access denied")
        }
        Some(service) => describe(operation, service),
        None => format!("{operation}: {}", DisplayErrorContext(error)),
    }
}

/// `operation: <code>: <message>`, or `AWS denied <operation> (<code>): <message>`.
pub fn describe<E>(operation: &str, error: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match (error.code(), error.message()) {
        (Some(code), message) if is_denied(code) => format!(
            "AWS denied {operation} ({code}): {}",
            message.unwrap_or("missing permission")
        ),
        (Some(code), Some(message)) => format!("{operation}: {code}: {message}"),
        (Some(code), None) => format!("{operation}: {code}"),
        (None, _) => format!("{operation}: {}", DisplayErrorContext(error)),
    }
}

fn is_denied(code: &str) -> bool {
    code.contains("AccessDenied")
        || code.contains("UnauthorizedOperation")
        || code.contains("AuthorizationError")
        || code == "NotAuthorized"
}
