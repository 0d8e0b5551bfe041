//! The WAF sweep against moto and the simulator: an ALB (two instances behind it, one protected by
//! a computer whose policy holds an Apache HTTP Server rule, one without an agent) behind a
//! REGIONAL WebACL, and a CloudFront distribution (origin: an instance whose computer holds a
//! WordPress rule) behind a CLOUDFRONT WebACL. The sweep recommends WebServer for the first and CMS
//! for the second; `--apply` adds each once and keeps the WebACLs' own rules. The sweep runs
//! through the role configured for the account (`[[aws.accounts]]`).

use crate::support::{Sim, moto_sdk, moto_url, sim_api, stderr, ward, ward_with};
use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, DefaultAction, RateBasedStatement,
    RateBasedStatementAggregateKeyType, Rule, RuleAction, Scope, Statement, VisibilityConfig,
};
use serde_json::{Value, json};
use std::path::Path;

fn visibility(name: &str) -> VisibilityConfig {
    VisibilityConfig::builder()
        .sampled_requests_enabled(false)
        .cloud_watch_metrics_enabled(false)
        .metric_name(name)
        .build()
        .unwrap()
}

/// A WebACL with one rate-based blocking rule of its own; returns its ARN.
async fn web_acl(waf: &aws_sdk_wafv2::Client, name: &str, scope: Scope) -> String {
    let rule = Rule::builder()
        .name("rate-limit")
        .priority(5)
        .statement(
            Statement::builder()
                .rate_based_statement(
                    RateBasedStatement::builder()
                        .limit(2000)
                        .aggregate_key_type(RateBasedStatementAggregateKeyType::Ip)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .action(
            RuleAction::builder()
                .block(BlockAction::builder().build())
                .build(),
        )
        .visibility_config(visibility("rate-limit"))
        .build()
        .unwrap();
    waf.create_web_acl()
        .name(name)
        .scope(scope)
        .default_action(
            DefaultAction::builder()
                .allow(AllowAction::builder().build())
                .build(),
        )
        .rules(rule)
        .visibility_config(visibility(name))
        .send()
        .await
        .unwrap()
        .summary()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned()
}

/// (name, priority, managed group vendor/name) of every rule of a WebACL.
async fn rules_of(
    waf: &aws_sdk_wafv2::Client,
    arn: &str,
    scope: Scope,
) -> Vec<(String, i32, Option<(String, String)>)> {
    let parts: Vec<&str> = arn.rsplit('/').collect();
    let acl = waf
        .get_web_acl()
        .name(parts[1])
        .id(parts[0])
        .scope(scope)
        .send()
        .await
        .unwrap();
    let mut rules: Vec<_> = acl
        .web_acl()
        .unwrap()
        .rules()
        .iter()
        .map(|rule| {
            (
                rule.name().to_owned(),
                rule.priority(),
                rule.statement()
                    .and_then(|s| s.managed_rule_group_statement())
                    .map(|m| (m.vendor_name().to_owned(), m.name().to_owned())),
            )
        })
        .collect();
    rules.sort();
    rules
}

struct Fixture {
    web: String,
    agentless: String,
    cms: String,
    alb_acl: String,
    cdn_acl: String,
    role_arn: String,
}

async fn build_fixture(moto: &str, suffix: &str) -> Fixture {
    let sdk = moto_sdk(moto).await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let image = ec2.describe_images().owners("amazon").send().await.unwrap();
    let image_id = image.images()[0].image_id().unwrap().to_owned();
    let vpc = ec2
        .describe_vpcs()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("is-default")
                .values("true")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let vpc_id = vpc.vpcs()[0].vpc_id().unwrap().to_owned();
    let subnets = ec2
        .describe_subnets()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&vpc_id)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let subnet_ids: Vec<String> = subnets
        .subnets()
        .iter()
        .take(2)
        .map(|subnet| subnet.subnet_id().unwrap().to_owned())
        .collect();
    let mut instances = Vec::new();
    for _ in 0..3 {
        let run = ec2
            .run_instances()
            .image_id(&image_id)
            .min_count(1)
            .max_count(1)
            .subnet_id(&subnet_ids[0])
            .send()
            .await
            .unwrap();
        instances.push(run.instances()[0].instance_id().unwrap().to_owned());
    }
    let described = ec2
        .describe_instances()
        .instance_ids(&instances[2])
        .send()
        .await
        .unwrap();
    let cms_host = described.reservations()[0].instances()[0]
        .public_dns_name()
        .filter(|name| !name.is_empty())
        .expect("moto gives default-VPC instances a public DNS name")
        .to_owned();

    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
    let lb = elb
        .create_load_balancer()
        .name(format!("shop-{suffix}"))
        .set_subnets(Some(subnet_ids.clone()))
        .send()
        .await
        .unwrap();
    let lb_arn = lb.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let group = elb
        .create_target_group()
        .name(format!("shop-web-{suffix}"))
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
        .port(80)
        .vpc_id(&vpc_id)
        .target_type(aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::Instance)
        .send()
        .await
        .unwrap();
    let group_arn = group.target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_owned();
    elb.create_listener()
        .load_balancer_arn(&lb_arn)
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
        .port(80)
        .default_actions(
            aws_sdk_elasticloadbalancingv2::types::Action::builder()
                .r#type(aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum::Forward)
                .target_group_arn(&group_arn)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut register = elb.register_targets().target_group_arn(&group_arn);
    for instance in &instances[..2] {
        register = register.targets(
            aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
                .id(instance)
                .port(80)
                .build(),
        );
    }
    register.send().await.unwrap();

    let regional = aws_sdk_wafv2::Client::new(&sdk);
    let alb_acl = web_acl(&regional, &format!("shop-{suffix}"), Scope::Regional).await;
    regional
        .associate_web_acl()
        .web_acl_arn(&alb_acl)
        .resource_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    let cdn_acl = web_acl(&regional, &format!("cdn-{suffix}"), Scope::Cloudfront).await;

    use aws_sdk_cloudfront::types::{
        CustomOriginConfig, DefaultCacheBehavior, DistributionConfig, Origin, OriginProtocolPolicy,
        Origins, ViewerProtocolPolicy,
    };
    let origin = Origin::builder()
        .id("blog")
        .domain_name(&cms_host)
        .custom_origin_config(
            CustomOriginConfig::builder()
                .http_port(80)
                .https_port(443)
                .origin_protocol_policy(OriginProtocolPolicy::HttpOnly)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    aws_sdk_cloudfront::Client::new(&sdk)
        .create_distribution()
        .distribution_config(
            DistributionConfig::builder()
                .caller_reference(format!("blog-{suffix}"))
                .comment("blog")
                .enabled(true)
                .web_acl_id(&cdn_acl)
                .origins(
                    Origins::builder()
                        .quantity(1)
                        .items(origin)
                        .build()
                        .unwrap(),
                )
                .default_cache_behavior(
                    DefaultCacheBehavior::builder()
                        .target_origin_id("blog")
                        .viewer_protocol_policy(ViewerProtocolPolicy::AllowAll)
                        .cache_policy_id("658327ea-f89d-4fab-a63d-7e88639e58f6")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let iam = aws_sdk_iam::Client::new(&sdk);
    let role = iam
        .create_role()
        .role_name(format!("ward-waf-{suffix}"))
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
    Fixture {
        web: instances[0].clone(),
        agentless: instances[1].clone(),
        cms: instances[2].clone(),
        alb_acl,
        cdn_acl,
        role_arn: role.role().unwrap().arn().to_owned(),
    }
}

/// The first rule whose name starts with `prefix`.
async fn rule_named(api: &str, prefix: &str) -> i64 {
    let found = sim_api(
        reqwest::Method::POST,
        &format!("{api}/intrusionpreventionrules/search"),
        Some(json!({"maxItems": 1, "searchCriteria": [
            {"fieldName": "name", "stringTest": "equal", "stringValue": format!("{prefix}%")}
        ]})),
    )
    .await;
    found["intrusionPreventionRules"][0]["ID"]
        .as_i64()
        .unwrap_or_else(|| panic!("no rule named {prefix}…: {found}"))
}

/// The web computer gets a policy holding only an Apache HTTP Server rule (and no rules of its
/// own); the CMS computer no policy and a WordPress rule of its own.
async fn assign_rules(api: &str, fixture: &Fixture) {
    let computers = sim_api(reqwest::Method::GET, &format!("{api}/computers"), None).await;
    let computer_id = |instance: &str| {
        computers["computers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["ec2VirtualMachineSummary"]["instanceID"] == instance)
            .and_then(|c| c["ID"].as_i64())
            .unwrap_or_else(|| panic!("no computer for {instance}"))
    };
    let (web, cms) = (computer_id(&fixture.web), computer_id(&fixture.cms));
    let policies = sim_api(reqwest::Method::GET, &format!("{api}/policies"), None).await;
    let development = policies["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Development")
        .and_then(|p| p["ID"].as_i64())
        .unwrap();
    let apache = rule_named(api, "Apache HTTP Server").await;
    let wordpress = rule_named(api, "WordPress").await;
    let put = reqwest::Method::PUT;
    let post = reqwest::Method::POST;
    sim_api(
        put.clone(),
        &format!("{api}/policies/{development}/intrusionprevention/assignments"),
        Some(json!({"ruleIDs": [apache]})),
    )
    .await;
    sim_api(
        post.clone(),
        &format!("{api}/computers/{web}"),
        Some(json!({"policyID": development})),
    )
    .await;
    sim_api(
        put.clone(),
        &format!("{api}/computers/{web}/intrusionprevention/assignments"),
        Some(json!({"ruleIDs": []})),
    )
    .await;
    sim_api(
        post,
        &format!("{api}/computers/{cms}"),
        Some(json!({"policyID": 0})),
    )
    .await;
    sim_api(
        put,
        &format!("{api}/computers/{cms}/intrusionprevention/assignments"),
        Some(json!({"ruleIDs": [wordpress]})),
    )
    .await;
}

fn sweep(config: &Path, dir: &Path, extra: &[&str]) -> Value {
    let output = ward()
        .arg("--config")
        .arg(config)
        .args(["waf", "sweep", "--output", "json"])
        .args(extra)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn acl<'a>(report: &'a Value, arn: &str) -> &'a Value {
    report["web_acls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|acl| acl["arn"] == arn)
        .unwrap_or_else(|| panic!("no report for {arn}: {report:#}"))
}

fn groups(acl: &Value, key: &str) -> Vec<String> {
    acl[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["group"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn waf_sweep_recommends_and_adds_the_group_each_web_acl_needs() {
    let Some(moto) = moto_url("waf") else {
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let suffix = format!("{}-{nanos}", std::process::id());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fixture = runtime.block_on(build_fixture(&moto, &suffix));
    let sim = Sim::start(&[
        "--fleet",
        "5",
        "--protect",
        &format!("{},{}", fixture.web, fixture.cms),
        "--unprotected",
        &fixture.agentless,
    ]);
    runtime.block_on(assign_rules(&sim.base_url, &fixture));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ward.toml");
    std::fs::write(
        &config,
        format!(
            "version = 1\n[manager]\nurl = \"{}\"\n[store]\nurl = \"sqlite://{}\"\n\
             [aws]\nregion = \"us-east-1\"\nendpoint_url = \"{moto}\"\n\
             [[aws.accounts]]\nid = \"123456789012\"\nrole_arn = \"{}\"\n",
            sim.base_url,
            dir.path().join("ward.db").display(),
            fixture.role_arn,
        ),
    )
    .unwrap();
    let synced = ward_with(&config, dir.path(), &["sync"]);
    assert!(synced.status.success(), "{}", stderr(&synced));

    // Report only: nothing changes.
    let report = sweep(&config, dir.path(), &[]);
    assert_eq!(
        report["accounts"].as_array().unwrap().len(),
        1,
        "{report:#}"
    );
    assert_eq!(report["accounts"][0]["account"], "123456789012");
    assert_eq!(report["accounts"][0]["role_arn"], fixture.role_arn.as_str());
    let shop = acl(&report, &fixture.alb_acl);
    assert_eq!(shop["scope"], "REGIONAL");
    assert_eq!(shop["resources"][0]["kind"], "alb");
    let instances: Vec<(String, bool)> = shop["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["instance_id"].as_str().unwrap().to_owned(),
                i["protected"].as_bool().unwrap(),
            )
        })
        .collect();
    let mut expected = vec![
        (fixture.web.clone(), true),
        (fixture.agentless.clone(), false),
    ];
    expected.sort();
    assert_eq!(instances, expected, "{shop:#}");
    assert_eq!(shop["policies"], json!(["Development"]));
    assert_eq!(groups(shop, "recommended"), ["webserver"], "{shop:#}");
    assert_eq!(groups(shop, "missing"), ["webserver"]);
    assert_eq!(shop["decision"], "notify");
    let cdn = acl(&report, &fixture.cdn_acl);
    assert_eq!(cdn["scope"], "CLOUDFRONT");
    assert_eq!(cdn["resources"][0]["kind"], "cloudfront");
    assert_eq!(cdn["instances"][0]["instance_id"], fixture.cms.as_str());
    assert_eq!(groups(cdn, "recommended"), ["cms"], "{cdn:#}");
    assert!(
        cdn["recommended"][0]["because"][0]
            .as_str()
            .unwrap()
            .starts_with("WordPress"),
        "{cdn:#}"
    );
    let waf = runtime.block_on(async { aws_sdk_wafv2::Client::new(&moto_sdk(&moto).await) });
    let original = runtime.block_on(rules_of(&waf, &fixture.alb_acl, Scope::Regional));
    assert_eq!(original.len(), 1);

    // Apply: each WebACL gets its group after its own rule, which stays.
    let applied = sweep(&config, dir.path(), &["--apply"]);
    let shop = acl(&applied, &fixture.alb_acl);
    assert_eq!(groups(shop, "added"), ["webserver"], "{shop:#}");
    assert_eq!(shop["decision"], "respond");
    assert_eq!(groups(acl(&applied, &fixture.cdn_acl), "added"), ["cms"]);
    let shop_rules = runtime.block_on(rules_of(&waf, &fixture.alb_acl, Scope::Regional));
    assert_eq!(
        shop_rules,
        vec![
            ("rate-limit".to_owned(), 5, None),
            (
                "ward-TrendMicro-WebServer".to_owned(),
                6,
                Some(("Trend Micro".to_owned(), "TrendMicro-WebServer".to_owned()))
            ),
        ]
    );
    let cdn_rules = runtime.block_on(rules_of(&waf, &fixture.cdn_acl, Scope::Cloudfront));
    assert_eq!(
        cdn_rules,
        vec![
            ("rate-limit".to_owned(), 5, None),
            (
                "ward-TrendMicro-CMS".to_owned(),
                6,
                Some(("Trend Micro".to_owned(), "TrendMicro-CMS".to_owned()))
            ),
        ]
    );

    // Again: nothing to do.
    let again = sweep(&config, dir.path(), &["--apply"]);
    let shop = acl(&again, &fixture.alb_acl);
    assert_eq!(shop["decision"], "compliant", "{shop:#}");
    assert_eq!(groups(shop, "present"), ["webserver"]);
    assert!(shop["added"].as_array().unwrap().is_empty());
    assert_eq!(
        runtime.block_on(rules_of(&waf, &fixture.alb_acl, Scope::Regional)),
        shop_rules
    );
    assert_eq!(
        runtime.block_on(rules_of(&waf, &fixture.cdn_acl, Scope::Cloudfront)),
        cdn_rules
    );
}
