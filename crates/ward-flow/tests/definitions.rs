//! `[[flows]]` in `ward.toml`: serde shapes and their refusals.

use serde::Deserialize;
use ward_flow::{FileFormat, FlowDefinition, FlowPlan, Location, Trigger};

#[derive(Debug, Deserialize)]
struct Config {
    flows: Vec<FlowDefinition>,
}

const TOML: &str = r#"
[[flows]]
name = "computers-to-lake"
source = "computers"

[[flows.tasks]]
type = "Map"
source_fields = ["ec2VirtualMachineSummary.type"]
destination = "instanceType"

[[flows.tasks]]
type = "Filter"
operator = "EQUAL_TO"
source_fields = ["computerStatus.agentStatus"]
properties = { VALUE = "active", DATA_TYPE = "string" }

[flows.destination]
path = "s3://my-lake/ward"
format = "parquet"
aggregation = "single-file"
target_file_size_mb = 64
preserve_source_data_typing = true
sse_kms_key_id = "alias/lake"
prefix = { type = "path", format = "day", hierarchy = ["execution-id"] }

[flows.trigger]
type = "scheduled"
schedule = "cron(0 */6 * * ? *)"
pull_mode = "incremental"
watermark_field = "lastAgentCommunication"

[[flows]]
name = "rules"
source = "intrusion_prevention_rules"
tasks = [{ type = "Map_all" }]
destination = { path = "./ward-data/rules", format = "csv" }
"#;

#[test]
fn ward_toml_flows_parse_and_compile() {
    let config: Config = toml::from_str(TOML).unwrap();
    let [lake, rules] = &config.flows[..] else {
        panic!("two flows")
    };
    assert_eq!(lake.destination.format, FileFormat::Parquet);
    assert_eq!(
        lake.destination.location(),
        Some(Location::S3 {
            bucket: "my-lake".into(),
            prefix: "ward".into()
        })
    );
    assert!(lake.trigger.is_incremental());
    let next = lake.trigger.schedule().unwrap().next_after(0).unwrap();
    assert_eq!(next, 6 * 3_600_000);
    assert_eq!(rules.trigger, Trigger::OnDemand);
    assert_eq!(rules.destination.format, FileFormat::Csv);
    for flow in &config.flows {
        FlowPlan::compile_builtin(flow).unwrap();
    }
}

#[test]
fn ward_toml_refusals() {
    let unknown_key = TOML.replace("target_file_size_mb", "target_size");
    assert!(
        toml::from_str::<Config>(&unknown_key)
            .unwrap_err()
            .to_string()
            .contains("target_size")
    );
    let bad_schedule = TOML.replace("cron(0 */6 * * ? *)", "cron(0 */6 * * * *)");
    let error = toml::from_str::<Config>(&bad_schedule)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("exactly one of day-of-month and day-of-week"),
        "{error}"
    );
    let bad_format = TOML.replace("format = \"csv\"", "format = \"avro\"");
    assert!(toml::from_str::<Config>(&bad_format).is_err());
}
