//! AWS WAF as the WAF sweep sees it: WebACLs in front of load balancers and CloudFront
//! distributions, the instances behind them, the rules a WebACL holds, Trend Micro's managed rule
//! groups, and the ports the sweep reaches AWS through ([`WebAcls`] for one account, [`AwsAccounts`]
//! for the accounts ward may enter). The sweep's decisions are in `ward-respond`; the adapter on
//! the AWS SDK is in `ward-aws`.

use crate::ports::OutboundError;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// WebACL scope: regional (ALB, API Gateway, …) or CloudFront (global, managed in us-east-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AclScope {
    #[serde(rename = "REGIONAL")]
    Regional,
    #[serde(rename = "CLOUDFRONT")]
    CloudFront,
}

impl AclScope {
    /// The API's spelling (`REGIONAL`, `CLOUDFRONT`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Regional => "REGIONAL",
            Self::CloudFront => "CLOUDFRONT",
        }
    }
}

impl fmt::Display for AclScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A WAFv2 WebACL, located by its ARN
/// (`arn:aws:wafv2:<region>:<account>:<regional|global>/webacl/<name>/<id>`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WebAclRef {
    pub arn: String,
    pub name: String,
    pub id: String,
    pub scope: AclScope,
}

impl WebAclRef {
    /// Reads a WAFv2 WebACL ARN; `None` for anything else (a WAF Classic ID, say).
    pub fn from_arn(arn: &str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(_partition), Some("wafv2"), Some(_region), Some(_account)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let resource: Vec<&str> = parts.next()?.split('/').collect();
        let [scope, "webacl", name, id] = resource.as_slice() else {
            return None;
        };
        let scope = match *scope {
            "regional" => AclScope::Regional,
            "global" => AclScope::CloudFront,
            _ => return None,
        };
        (!name.is_empty() && !id.is_empty()).then(|| Self {
            arn: arn.to_owned(),
            name: (*name).to_owned(),
            id: (*id).to_owned(),
            scope,
        })
    }
}

/// What kind of resource a WebACL protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ResourceKind {
    #[serde(rename = "alb")]
    LoadBalancer,
    #[serde(rename = "cloudfront")]
    CloudFront,
}

impl ResourceKind {
    /// ward's short name (`alb`, `cloudfront`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoadBalancer => "alb",
            Self::CloudFront => "cloudfront",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource in front of instances, with the WebACL that protects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedResource {
    pub kind: ResourceKind,
    /// The ALB's ARN or the distribution's ID.
    pub id: String,
    /// Its DNS name.
    pub dns_name: String,
    pub web_acl: WebAclRef,
    /// EC2 instance IDs behind it, sorted.
    pub instances: Vec<String>,
    /// Calls about this resource that failed (the instance list may then be partial).
    pub errors: Vec<OutboundError>,
}

/// What a sweep of one account and region found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WafInventory {
    pub resources: Vec<ProtectedResource>,
    /// Calls that failed before a resource was known (listing ALBs or distributions), and
    /// distributions whose WebACL is not a WAFv2 ARN.
    pub errors: Vec<OutboundError>,
}

impl WafInventory {
    /// The resources grouped by the WebACL protecting them, in WebACL order.
    pub fn by_web_acl(&self) -> Vec<(&WebAclRef, Vec<&ProtectedResource>)> {
        let mut groups: std::collections::BTreeMap<&WebAclRef, Vec<&ProtectedResource>> =
            std::collections::BTreeMap::new();
        for resource in &self.resources {
            groups.entry(&resource.web_acl).or_default().push(resource);
        }
        groups.into_iter().collect()
    }
}

/// A rule of a WebACL, as far as the sweep needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclRule {
    pub name: String,
    pub priority: i32,
    /// `(vendor, group)` when the rule is a managed rule group statement.
    pub managed_group: Option<(String, String)>,
}

/// One of Trend Micro's managed rule groups for AWS WAF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleGroup {
    /// "WebServer (Apache, NGINX)": Apache httpd, Tomcat, Struts, Solr, NGINX.
    WebServer,
    /// "Content Management System (CMS)": WordPress, Drupal, Joomla.
    Cms,
}

impl RuleGroup {
    pub const ALL: [RuleGroup; 2] = [Self::WebServer, Self::Cms];

    /// ward's short name (`webserver`, `cms`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebServer => "webserver",
            Self::Cms => "cms",
        }
    }
}

impl fmt::Display for RuleGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A managed rule group rule to add to a WebACL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleAddition {
    pub group: RuleGroup,
    /// The rule's name in the WebACL (also its CloudWatch metric name, `^[\w\-]+$`).
    pub rule_name: String,
    pub priority: i32,
    pub vendor: String,
    /// The managed rule group's name as AWS WAF lists it.
    pub group_name: String,
}

/// Picks the rules to add from the WebACL's rules as read just before the update (read again
/// when another writer changed the WebACL in between).
pub type PlanAdditions<'a> = dyn Fn(&[AclRule]) -> Vec<RuleAddition> + Send + Sync + 'a;

/// The WebACLs of one account, and the resources in front of its instances.
#[async_trait]
pub trait WebAcls: Send + Sync + std::fmt::Debug {
    /// Every ALB and CloudFront distribution with a WebACL, and the instances behind each. A call
    /// that fails is reported for what it was about; the rest is still listed.
    async fn inventory(&self) -> WafInventory;
    /// The rules of a WebACL.
    async fn rules(&self, acl: &WebAclRef) -> Result<Vec<AclRule>, OutboundError>;
    /// Adds the rules `plan` picks from the WebACL's current rules, keeping every rule and setting
    /// as read; returns what was added.
    async fn add_rules(
        &self,
        acl: &WebAclRef,
        plan: &PlanAdditions<'_>,
    ) -> Result<Vec<RuleAddition>, OutboundError>;
}

/// A role ward assumes to work in another account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRole {
    pub role_arn: String,
    /// The external ID the role's trust policy asks for, if any (not a secret, but not logged).
    pub external_id: Option<String>,
}

/// The AWS accounts ward reaches: its own credentials' account, and others through a role.
#[async_trait]
pub trait AwsAccounts: Send + Sync + std::fmt::Debug {
    /// The account of ward's own credentials (`GetCallerIdentity`).
    async fn own_account(&self) -> Result<String, OutboundError>;
    /// The WebACLs of an account: ward's own (`None`), or another through its role. Nothing is
    /// called until the first request, whose error says when the role could not be assumed.
    async fn web_acls(&self, role: Option<&AccountRole>) -> Arc<dyn WebAcls>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_acl_arns_are_read() {
        let acl = WebAclRef::from_arn(
            "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop/a1b2c3d4-5678",
        )
        .expect("a WebACL");
        assert_eq!(acl.name, "shop");
        assert_eq!(acl.id, "a1b2c3d4-5678");
        assert_eq!(acl.scope, AclScope::Regional);
        let global =
            WebAclRef::from_arn("arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/x")
                .expect("a WebACL");
        assert_eq!(global.scope, AclScope::CloudFront);
        for not in [
            "",
            "a1b2c3d4-classic-id",
            "arn:aws:wafv2:us-east-1:123456789012:regional/ipset/shop/a1",
            "arn:aws:wafv2:us-east-1:123456789012:regional/webacl//a1",
            "arn:aws:s3:::bucket",
        ] {
            assert_eq!(WebAclRef::from_arn(not), None, "{not}");
        }
    }
}
