//! Config evaluations as JSON lines in a file: one object per evaluation with its result token,
//! appended, for setups without `PutEvaluations` (and for tests).

use async_trait::async_trait;
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;
use ward_core::{Evaluation, Evaluations, OutboundError};

/// Appends evaluations to a JSON-lines file (created with its directory).
#[derive(Debug)]
pub struct JsonLinesEvaluations {
    path: PathBuf,
    /// Writers in one process take turns, so lines never interleave.
    lock: Mutex<()>,
}

impl JsonLinesEvaluations {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

#[async_trait]
impl Evaluations for JsonLinesEvaluations {
    async fn put(
        &self,
        result_token: &str,
        evaluations: &[Evaluation],
    ) -> Result<(), OutboundError> {
        let failed = |cause: String| OutboundError {
            destination: self.path.display().to_string(),
            cause,
        };
        let mut text = String::new();
        for evaluation in evaluations {
            let mut line =
                serde_json::to_value(evaluation).map_err(|error| failed(error.to_string()))?;
            line["result_token"] = result_token.into();
            text.push_str(&line.to_string());
            text.push('\n');
        }
        let _turn = self.lock.lock().await;
        if let Some(parent) = self
            .path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|error| failed(error.to_string()))?;
        }
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(|error| failed(error.to_string()))?;
        file.write_all(text.as_bytes())
            .await
            .map_err(|error| failed(error.to_string()))?;
        file.flush()
            .await
            .map_err(|error| failed(error.to_string()))
    }
}
