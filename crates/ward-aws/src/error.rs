//! AWS errors in words: the operation, the service's error code and message, and a plain "denied"
//! when a permission is missing, so a decision can record which call was refused.

use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

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
