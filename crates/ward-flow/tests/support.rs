//! Helpers shared by the tests.

use serde_json::{Value, json};
use ward_flow::{Destination, FlowDefinition, FlowPlan, Record, TaskDefinition, Trigger};

/// A flow over `computers` with `tasks`, to a local directory.
pub fn flow(tasks: Vec<TaskDefinition>) -> FlowDefinition {
    FlowDefinition {
        name: "test-flow".to_owned(),
        description: None,
        source: ward_flow::FlowSource::Manager(ward_flow::ManagerObject::Computers),
        tasks,
        destination: Destination::new("./out"),
        trigger: Trigger::OnDemand,
    }
}

pub fn plan(tasks: Vec<TaskDefinition>) -> FlowPlan {
    FlowPlan::compile_builtin(&flow(tasks)).expect("flow compiles")
}

pub fn record(value: Value) -> Record {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// A computer as the manager returns it.
pub fn computer(id: i64, host: &str, status: &str, instance_type: &str) -> Record {
    record(json!({
        "ID": id,
        "hostName": host,
        "platform": "Amazon Linux 2 (64 bit) (4.14.355-275.570.amzn2.x86_64)",
        "agentVersion": "20.0.1-21510",
        "lastAgentCommunication": 1_714_564_800_000i64 + id,
        "policyID": 3,
        "computerStatus": {"agentStatus": status, "agentStatusMessages": ["Managed (Online)"]},
        "ec2VirtualMachineSummary": {
            "accountID": "111122223333",
            "instanceID": format!("i-{id:017x}"),
            "type": instance_type,
            "availabilityZone": "us-east-1a",
            "securityGroups": [{"ID": "sg-1", "name": "web"}]
        },
        "antiMalware": {"state": "on", "moduleStatus": {"agentStatus": "active"}}
    }))
}
