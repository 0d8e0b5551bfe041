//! The AWS side of the WAF sweep: the WebACLs in front of ALBs and CloudFront distributions, the
//! EC2 instances behind each, and adding managed rule groups to a WebACL.
//!
//! Resources are asked one at a time (`GetWebACLForResource` per ALB, `WebACLId` per distribution)
//! rather than per WebACL (`ListResourcesForWebACL`, `ListDistributionsByWebACLId`): every AWS
//! endpoint, emulators included, answers the per-resource calls. A call that fails (a denied
//! permission, a throttled API) is reported for the resource it was about; the sweep goes on.

use crate::error::{describe_call, outbound};
use async_trait::async_trait;
use aws_sdk_wafv2::types::{
    ManagedRuleGroupStatement, NoneAction, OverrideAction, Rule, Scope, Statement, VisibilityConfig,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::{BTreeSet, HashMap};
use ward_core::OutboundError;
use ward_core::waf::{
    AclRule, AclScope, PlanAdditions, ProtectedResource, ResourceKind, RuleAddition, WafInventory,
    WebAclRef, WebAcls,
};

/// The SDK's name for a scope.
fn sdk_scope(scope: AclScope) -> Scope {
    match scope {
        AclScope::Regional => Scope::Regional,
        AclScope::CloudFront => Scope::Cloudfront,
    }
}

/// The clients the sweep uses, for one account and region.
#[derive(Debug, Clone)]
pub struct WafSweeper {
    /// REGIONAL WebACLs, in the configured region.
    regional: aws_sdk_wafv2::Client,
    /// CLOUDFRONT WebACLs live in us-east-1.
    global: aws_sdk_wafv2::Client,
    cloudfront: aws_sdk_cloudfront::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
    ec2: aws_sdk_ec2::Client,
}

/// The region CloudFront-scope WebACLs are managed in.
const CLOUDFRONT_WAF_REGION: &str = "us-east-1";

/// How many times an update is tried when another writer changed the WebACL in between.
const UPDATE_ATTEMPTS: usize = 3;

impl WafSweeper {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        let global = aws_sdk_wafv2::config::Builder::from(config)
            .region(aws_config::Region::new(CLOUDFRONT_WAF_REGION))
            .build();
        Self {
            regional: aws_sdk_wafv2::Client::new(config),
            global: aws_sdk_wafv2::Client::from_conf(global),
            cloudfront: aws_sdk_cloudfront::Client::new(config),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(config),
            ec2: aws_sdk_ec2::Client::new(config),
        }
    }

    fn waf(&self, scope: AclScope) -> &aws_sdk_wafv2::Client {
        match scope {
            AclScope::Regional => &self.regional,
            AclScope::CloudFront => &self.global,
        }
    }

    /// Every ALB and distribution with a WebACL, and the instances behind each.
    async fn sweep_inventory(&self) -> WafInventory {
        let mut inventory = WafInventory::default();
        let load_balancers = match self.load_balancers().await {
            Ok(load_balancers) => load_balancers,
            Err(error) => {
                inventory
                    .errors
                    .push(outbound("Elastic Load Balancing", error));
                Vec::new()
            }
        };
        // Instances behind every ALB (a distribution may front an ALB without a WebACL of its own).
        let mut behind: HashMap<String, (Vec<String>, Vec<OutboundError>)> = HashMap::new();
        for (arn, _) in &load_balancers {
            behind.insert(arn.clone(), self.alb_instances(arn).await);
        }
        for (arn, dns_name) in &load_balancers {
            let web_acl = match self
                .regional
                .get_web_acl_for_resource()
                .resource_arn(arn)
                .send()
                .await
            {
                Ok(answer) => answer
                    .web_acl()
                    .and_then(|acl| WebAclRef::from_arn(acl.arn())),
                Err(error) => {
                    if error.code() == Some("WAFNonexistentItemException") {
                        None
                    } else {
                        inventory.errors.push(outbound(
                            &format!("ALB {arn}"),
                            describe_call("GetWebACLForResource", &error),
                        ));
                        None
                    }
                }
            };
            let Some(web_acl) = web_acl else { continue };
            let (instances, errors) = behind.get(arn).cloned().unwrap_or_default();
            inventory.resources.push(ProtectedResource {
                kind: ResourceKind::LoadBalancer,
                id: arn.clone(),
                dns_name: dns_name.clone(),
                web_acl,
                instances,
                errors,
            });
        }
        let distributions = match self.distributions().await {
            Ok(distributions) => distributions,
            Err(error) => {
                inventory.errors.push(outbound("CloudFront", error));
                Vec::new()
            }
        };
        let mut ec2_hosts: Option<Result<HashMap<String, String>, String>> = None;
        for distribution in distributions {
            let Some(web_acl) = WebAclRef::from_arn(&distribution.web_acl_id) else {
                inventory.errors.push(outbound(
                    &format!("distribution {}", distribution.id),
                    format!(
                        "web ACL `{}` is not a WAFv2 WebACL ARN (WAF Classic is not swept)",
                        distribution.web_acl_id
                    ),
                ));
                continue;
            };
            let mut instances = BTreeSet::new();
            let mut errors = Vec::new();
            for origin in &distribution.origins {
                let origin = origin.trim_end_matches('.').to_ascii_lowercase();
                if let Some((arn, _)) = load_balancers.iter().find(|(_, dns_name)| {
                    dns_name.trim_end_matches('.').eq_ignore_ascii_case(&origin)
                }) {
                    if let Some((found, failed)) = behind.get(arn) {
                        instances.extend(found.iter().cloned());
                        errors.extend(failed.iter().cloned());
                    }
                    continue;
                }
                if !looks_like_ec2_host(&origin) {
                    continue;
                }
                if ec2_hosts.is_none() {
                    ec2_hosts = Some(self.ec2_hosts().await);
                }
                match ec2_hosts.as_ref() {
                    Some(Ok(hosts)) => instances.extend(hosts.get(&origin).cloned()),
                    Some(Err(error)) => errors.push(outbound("EC2", error.clone())),
                    None => {}
                }
            }
            inventory.resources.push(ProtectedResource {
                kind: ResourceKind::CloudFront,
                id: distribution.id,
                dns_name: distribution.domain_name,
                web_acl,
                instances: instances.into_iter().collect(),
                errors,
            });
        }
        inventory
    }

    /// Application load balancers: (ARN, DNS name).
    async fn load_balancers(&self) -> Result<Vec<(String, String)>, String> {
        let mut found = Vec::new();
        let mut pages = self.elb.describe_load_balancers().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| describe_call("DescribeLoadBalancers", &error))?;
            for load_balancer in page.load_balancers() {
                let is_application = load_balancer.r#type().is_none_or(|kind| {
                    *kind == aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum::Application
                });
                if let (true, Some(arn)) = (is_application, load_balancer.load_balancer_arn()) {
                    found.push((
                        arn.to_owned(),
                        load_balancer.dns_name().unwrap_or_default().to_owned(),
                    ));
                }
            }
        }
        Ok(found)
    }

    /// The instances registered in an ALB's instance target groups, and the calls that failed.
    async fn alb_instances(&self, arn: &str) -> (Vec<String>, Vec<OutboundError>) {
        let mut instances = BTreeSet::new();
        let mut errors = Vec::new();
        let groups = match self
            .elb
            .describe_target_groups()
            .load_balancer_arn(arn)
            .send()
            .await
        {
            Ok(answer) => answer.target_groups().to_vec(),
            Err(error) => {
                errors.push(outbound(
                    &format!("ALB {arn}"),
                    describe_call("DescribeTargetGroups", &error),
                ));
                Vec::new()
            }
        };
        for group in groups {
            let is_instance = group.target_type().is_none_or(|kind| {
                *kind == aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::Instance
            });
            let Some(group_arn) = group.target_group_arn().filter(|_| is_instance) else {
                continue;
            };
            match self
                .elb
                .describe_target_health()
                .target_group_arn(group_arn)
                .send()
                .await
            {
                Ok(answer) => instances.extend(
                    answer
                        .target_health_descriptions()
                        .iter()
                        .filter_map(|target| target.target()?.id())
                        .filter(|id| id.starts_with("i-"))
                        .map(str::to_owned),
                ),
                Err(error) => errors.push(outbound(
                    &format!("target group {group_arn}"),
                    describe_call("DescribeTargetHealth", &error),
                )),
            }
        }
        (instances.into_iter().collect(), errors)
    }

    /// Distributions with a web ACL.
    async fn distributions(&self) -> Result<Vec<Distribution>, String> {
        let mut found = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let answer = self
                .cloudfront
                .list_distributions()
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|error| describe_call("ListDistributions", &error))?;
            let Some(list) = answer.distribution_list() else {
                break;
            };
            for summary in list.items() {
                let web_acl_id = summary.web_acl_id();
                if web_acl_id.is_empty() {
                    continue;
                }
                found.push(Distribution {
                    id: summary.id().to_owned(),
                    domain_name: summary.domain_name().to_owned(),
                    web_acl_id: web_acl_id.to_owned(),
                    origins: summary
                        .origins()
                        .map(|origins| {
                            origins
                                .items()
                                .iter()
                                .map(|origin| origin.domain_name().to_owned())
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
            match list.next_marker() {
                Some(next) if list.is_truncated() && !next.is_empty() => {
                    marker = Some(next.to_owned());
                }
                _ => break,
            }
        }
        Ok(found)
    }

    /// Instance IDs by public DNS name and public IP (lower case), to match CloudFront origins.
    async fn ec2_hosts(&self) -> Result<HashMap<String, String>, String> {
        let mut hosts = HashMap::new();
        let mut pages = self.ec2.describe_instances().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| describe_call("DescribeInstances", &error))?;
            for instance in page
                .reservations()
                .iter()
                .flat_map(|reservation| reservation.instances())
            {
                let Some(id) = instance.instance_id() else {
                    continue;
                };
                for host in [instance.public_dns_name(), instance.public_ip_address()]
                    .into_iter()
                    .flatten()
                    .filter(|host| !host.is_empty())
                {
                    hosts.insert(host.to_ascii_lowercase(), id.to_owned());
                }
            }
        }
        Ok(hosts)
    }

    async fn get(&self, acl: &WebAclRef) -> Result<(aws_sdk_wafv2::types::WebAcl, String), String> {
        let answer = self
            .waf(acl.scope)
            .get_web_acl()
            .name(&acl.name)
            .id(&acl.id)
            .scope(sdk_scope(acl.scope))
            .send()
            .await
            .map_err(|error| describe_call("GetWebACL", &error))?;
        let lock_token = answer.lock_token().unwrap_or_default().to_owned();
        let web_acl = answer
            .web_acl
            .ok_or_else(|| format!("GetWebACL {}: no WebACL in the answer", acl.name))?;
        Ok((web_acl, lock_token))
    }

    /// Adds the rules `plan` asks for, given the WebACL's current rules, keeping every other rule
    /// and setting exactly as it was (`UpdateWebACL` with the lock token from `GetWebACL`; tried
    /// again from the start if another writer got in between). Returns what was added: nothing
    /// when `plan` finds nothing missing.
    async fn add_managed_rule_groups(
        &self,
        acl: &WebAclRef,
        plan: &PlanAdditions<'_>,
    ) -> Result<Vec<RuleAddition>, String> {
        let mut last_error = String::new();
        for _ in 0..UPDATE_ATTEMPTS {
            let (web_acl, lock_token) = self.get(acl).await?;
            let additions = plan(&summarize(web_acl.rules()));
            if additions.is_empty() {
                return Ok(additions);
            }
            let mut rules = web_acl.rules().to_vec();
            for addition in &additions {
                rules.push(managed_rule(addition)?);
            }
            let update = self
                .waf(acl.scope)
                .update_web_acl()
                .name(web_acl.name())
                .id(web_acl.id())
                .scope(sdk_scope(acl.scope))
                .lock_token(lock_token)
                .set_default_action(web_acl.default_action.clone())
                .set_description(web_acl.description.clone())
                .set_rules(Some(rules))
                .set_visibility_config(web_acl.visibility_config.clone())
                .set_data_protection_config(web_acl.data_protection_config.clone())
                .set_custom_response_bodies(web_acl.custom_response_bodies.clone())
                .set_captcha_config(web_acl.captcha_config.clone())
                .set_challenge_config(web_acl.challenge_config.clone())
                .set_token_domains(web_acl.token_domains.clone())
                .set_association_config(web_acl.association_config.clone())
                .set_on_source_d_do_s_protection_config(
                    web_acl.on_source_d_do_s_protection_config.clone(),
                )
                .set_application_config(web_acl.application_config.clone())
                .set_monetization_config(web_acl.monetization_config.clone())
                .send()
                .await;
            match update {
                Ok(_) => return Ok(additions),
                Err(error) => {
                    last_error = describe_call("UpdateWebACL", &error);
                    if error.code() != Some("WAFOptimisticLockException") {
                        return Err(last_error);
                    }
                    tracing::info!(
                        web_acl = acl.name,
                        "WebACL changed meanwhile; reading it again"
                    );
                }
            }
        }
        Err(last_error)
    }
}

#[async_trait]
impl WebAcls for WafSweeper {
    async fn inventory(&self) -> WafInventory {
        self.sweep_inventory().await
    }

    async fn rules(&self, acl: &WebAclRef) -> Result<Vec<AclRule>, OutboundError> {
        let (web_acl, _) = self
            .get(acl)
            .await
            .map_err(|cause| outbound(&web_acl_name(acl), cause))?;
        Ok(summarize(web_acl.rules()))
    }

    async fn add_rules(
        &self,
        acl: &WebAclRef,
        plan: &PlanAdditions<'_>,
    ) -> Result<Vec<RuleAddition>, OutboundError> {
        self.add_managed_rule_groups(acl, plan)
            .await
            .map_err(|cause| outbound(&web_acl_name(acl), cause))
    }
}

/// How errors name a WebACL.
fn web_acl_name(acl: &WebAclRef) -> String {
    format!("WebACL {}", acl.name)
}

/// A distribution with a web ACL, as the sweep needs it.
#[derive(Debug, Clone)]
struct Distribution {
    id: String,
    domain_name: String,
    web_acl_id: String,
    origins: Vec<String>,
}

/// An EC2 public DNS name (`ec2-…compute….amazonaws.com`) or an IPv4 address.
fn looks_like_ec2_host(host: &str) -> bool {
    host.parse::<std::net::Ipv4Addr>().is_ok()
        || (host.starts_with("ec2-")
            && host.ends_with(".amazonaws.com")
            && host.contains("compute"))
}

fn summarize(rules: &[Rule]) -> Vec<AclRule> {
    rules
        .iter()
        .map(|rule| AclRule {
            name: rule.name().to_owned(),
            priority: rule.priority(),
            managed_group: rule
                .statement()
                .and_then(|statement| statement.managed_rule_group_statement())
                .map(|group| (group.vendor_name().to_owned(), group.name().to_owned())),
        })
        .collect()
}

fn managed_rule(addition: &RuleAddition) -> Result<Rule, String> {
    let statement = ManagedRuleGroupStatement::builder()
        .vendor_name(&addition.vendor)
        .name(&addition.group_name)
        .build()
        .map_err(|error| format!("rule {}: {error}", addition.rule_name))?;
    let visibility = VisibilityConfig::builder()
        .sampled_requests_enabled(true)
        .cloud_watch_metrics_enabled(true)
        .metric_name(&addition.rule_name)
        .build()
        .map_err(|error| format!("rule {}: {error}", addition.rule_name))?;
    Rule::builder()
        .name(&addition.rule_name)
        .priority(addition.priority)
        .statement(
            Statement::builder()
                .managed_rule_group_statement(statement)
                .build(),
        )
        .override_action(
            OverrideAction::builder()
                .none(NoneAction::builder().build())
                .build(),
        )
        .visibility_config(visibility)
        .build()
        .map_err(|error| format!("rule {}: {error}", addition.rule_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_origins_are_recognised() {
        assert!(looks_like_ec2_host("ec2-54-1-2-3.compute-1.amazonaws.com"));
        assert!(looks_like_ec2_host(
            "ec2-3-4-5-6.eu-west-1.compute.amazonaws.com"
        ));
        assert!(looks_like_ec2_host("54.1.2.3"));
        assert!(!looks_like_ec2_host("shop.s3.amazonaws.com"));
        assert!(!looks_like_ec2_host("www.example.com"));
    }

    #[test]
    fn added_rules_are_managed_group_statements_without_override() {
        let rule = managed_rule(&RuleAddition {
            group: ward_core::waf::RuleGroup::Cms,
            rule_name: "ward-TrendMicro-CMS".into(),
            priority: 7,
            vendor: "Trend Micro".into(),
            group_name: "TrendMicro-CMS".into(),
        })
        .expect("valid rule");
        assert_eq!(rule.priority(), 7);
        assert!(rule.override_action().and_then(|o| o.none()).is_some());
        assert_eq!(
            summarize(&[rule]),
            vec![AclRule {
                name: "ward-TrendMicro-CMS".into(),
                priority: 7,
                managed_group: Some(("Trend Micro".into(), "TrendMicro-CMS".into())),
            }]
        );
    }
}
