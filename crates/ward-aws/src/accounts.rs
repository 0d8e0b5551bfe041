//! `ward_core::waf::AwsAccounts` on the SDK: ward's own account (`GetCallerIdentity`) and other
//! accounts through their roles (STS `AssumeRole`, session `ward`).

use crate::WafSweeper;
use crate::error::outbound;
use async_trait::async_trait;
use aws_config::SdkConfig;
use std::sync::Arc;
use ward_core::OutboundError;
use ward_core::waf::{AccountRole, AwsAccounts, WebAcls};

/// The accounts ward reaches from one SDK configuration.
#[derive(Debug, Clone)]
pub struct SdkAccounts {
    base: SdkConfig,
}

impl SdkAccounts {
    pub fn new(base: SdkConfig) -> Self {
        Self { base }
    }
}

#[async_trait]
impl AwsAccounts for SdkAccounts {
    async fn own_account(&self) -> Result<String, OutboundError> {
        crate::caller_identity(&self.base)
            .await
            .map(|(account, _)| account)
            .map_err(|cause| outbound("STS", cause))
    }

    async fn web_acls(&self, role: Option<&AccountRole>) -> Arc<dyn WebAcls> {
        let sdk = crate::account_sdk_config(&self.base, role).await;
        Arc::new(WafSweeper::new(&sdk))
    }
}
