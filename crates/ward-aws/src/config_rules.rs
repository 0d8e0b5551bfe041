//! `Evaluations` on AWS Config `PutEvaluations`, in calls of at most 100 evaluations (Config's
//! limit), with the invocation's result token. `test_mode` sets `TestMode` (the emulator used in
//! tests only accepts test-mode calls; real Config then records nothing).

use crate::error::describe_call;
use async_trait::async_trait;
use aws_sdk_config::types::{ComplianceType, Evaluation as AwsEvaluation};
use aws_smithy_types::DateTime;
use ward_core::{Compliance, Evaluation, Evaluations, OutboundError};

/// Config's limit on evaluations per `PutEvaluations` call.
pub const EVALUATIONS_PER_CALL: usize = 100;

/// Reports evaluations to AWS Config.
#[derive(Debug, Clone)]
pub struct ConfigEvaluations {
    client: aws_sdk_config::Client,
    test_mode: bool,
}

impl ConfigEvaluations {
    pub fn new(config: &aws_config::SdkConfig, test_mode: bool) -> Self {
        Self {
            client: aws_sdk_config::Client::new(config),
            test_mode,
        }
    }
}

fn compliance(compliance: Compliance) -> ComplianceType {
    match compliance {
        Compliance::Compliant => ComplianceType::Compliant,
        Compliance::NonCompliant => ComplianceType::NonCompliant,
        Compliance::NotApplicable => ComplianceType::NotApplicable,
        Compliance::InsufficientData => ComplianceType::InsufficientData,
    }
}

fn failed(cause: String) -> OutboundError {
    OutboundError {
        destination: "AWS Config PutEvaluations".into(),
        cause,
    }
}

#[async_trait]
impl Evaluations for ConfigEvaluations {
    async fn put(
        &self,
        result_token: &str,
        evaluations: &[Evaluation],
    ) -> Result<(), OutboundError> {
        for chunk in evaluations.chunks(EVALUATIONS_PER_CALL) {
            let mut items = Vec::with_capacity(chunk.len());
            for evaluation in chunk {
                let mut builder = AwsEvaluation::builder()
                    .compliance_resource_type(&evaluation.resource_type)
                    .compliance_resource_id(&evaluation.resource_id)
                    .compliance_type(compliance(evaluation.compliance))
                    .ordering_timestamp(DateTime::from_millis(evaluation.ordering_timestamp));
                if let Some(annotation) = &evaluation.annotation {
                    builder = builder.annotation(annotation);
                }
                items.push(builder.build().map_err(|error| failed(error.to_string()))?);
            }
            let answer = self
                .client
                .put_evaluations()
                .result_token(result_token)
                .set_evaluations(Some(items))
                .test_mode(self.test_mode)
                .send()
                .await
                .map_err(|error| failed(describe_call("PutEvaluations", &error)))?;
            if !answer.failed_evaluations().is_empty() {
                let ids: Vec<&str> = answer
                    .failed_evaluations()
                    .iter()
                    .map(|failed| failed.compliance_resource_id())
                    .collect();
                return Err(failed(format!(
                    "Config refused evaluations for {}",
                    ids.join(", ")
                )));
            }
        }
        Ok(())
    }
}
