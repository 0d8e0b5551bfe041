//! `CloudInventory` on S3, IAM and EC2: a bucket's policy → the roles it allows → the instance
//! profiles holding them → the instances using those profiles. The instance filter runs here, not
//! in EC2 (`iam-instance-profile.arn` is not a filter every endpoint supports).

use crate::error::describe_call;
use async_trait::async_trait;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::BTreeSet;
use ward_core::bucket_policy::allowed_principals;
use ward_core::{BucketExposure, CloudInventory, OutboundError};

/// S3, IAM and EC2 clients.
#[derive(Debug, Clone)]
pub struct AwsCloudInventory {
    s3: aws_sdk_s3::Client,
    iam: aws_sdk_iam::Client,
    ec2: aws_sdk_ec2::Client,
}

impl AwsCloudInventory {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        // Path-style addressing when the endpoint is overridden (emulators, VPC endpoints).
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        Self {
            s3: aws_sdk_s3::Client::from_conf(s3),
            iam: aws_sdk_iam::Client::new(config),
            ec2: aws_sdk_ec2::Client::new(config),
        }
    }

    async fn instance_profiles(&self, role_arn: &str) -> Result<Vec<String>, OutboundError> {
        let role_name = role_arn.rsplit('/').next().unwrap_or(role_arn);
        let mut profiles = Vec::new();
        let mut pages = self
            .iam
            .list_instance_profiles_for_role()
            .role_name(role_name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => profiles.extend(
                    page.instance_profiles()
                        .iter()
                        .map(|profile| profile.arn().to_owned()),
                ),
                Err(error) => {
                    if error.code() == Some("NoSuchEntity") {
                        // The policy names a role that no longer exists: no profile holds it.
                        return Ok(Vec::new());
                    }
                    return Err(failed(describe_call(
                        &format!("ListInstanceProfilesForRole {role_name}"),
                        &error,
                    )));
                }
            }
        }
        Ok(profiles)
    }

    async fn instances_using(
        &self,
        profiles: &BTreeSet<String>,
    ) -> Result<Vec<String>, OutboundError> {
        let mut instances = Vec::new();
        let mut pages = self.ec2.describe_instances().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| failed(describe_call("DescribeInstances", &error)))?;
            for instance in page
                .reservations()
                .iter()
                .flat_map(|reservation| reservation.instances())
            {
                let uses_profile = instance
                    .iam_instance_profile()
                    .and_then(|profile| profile.arn())
                    .is_some_and(|arn| profiles.contains(arn));
                if let (true, Some(id)) = (uses_profile, instance.instance_id()) {
                    instances.push(id.to_owned());
                }
            }
        }
        instances.sort();
        Ok(instances)
    }
}

fn failed(cause: String) -> OutboundError {
    OutboundError {
        destination: "AWS".into(),
        cause,
    }
}

#[async_trait]
impl CloudInventory for AwsCloudInventory {
    async fn bucket_exposure(&self, bucket: &str) -> Result<BucketExposure, OutboundError> {
        let mut exposure = BucketExposure {
            bucket: bucket.to_owned(),
            ..BucketExposure::default()
        };
        let policy = match self.s3.get_bucket_policy().bucket(bucket).send().await {
            Ok(answer) => answer.policy().map(str::to_owned),
            Err(error) => {
                if error.code() == Some("NoSuchBucketPolicy") {
                    None
                } else {
                    return Err(failed(describe_call(
                        &format!("GetBucketPolicy {bucket}"),
                        &error,
                    )));
                }
            }
        };
        let Some(policy) = policy else {
            return Ok(exposure);
        };
        exposure.has_policy = true;
        let allowed = allowed_principals(&policy)
            .map_err(|error| failed(format!("bucket {bucket}: {error}")))?;
        exposure.other_principals = allowed
            .services
            .iter()
            .chain(allowed.others.iter())
            .cloned()
            .collect();
        exposure.roles = allowed.roles.iter().cloned().collect();
        let mut profiles = BTreeSet::new();
        for role in &allowed.roles {
            profiles.extend(self.instance_profiles(role).await?);
        }
        exposure.instance_profiles = profiles.iter().cloned().collect();
        if !profiles.is_empty() {
            exposure.instances = self.instances_using(&profiles).await?;
        }
        Ok(exposure)
    }
}
