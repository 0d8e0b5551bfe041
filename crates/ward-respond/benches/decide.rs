//! Parse + decide throughput: 100,000 GuardDuty events (EventBridge envelopes, JSON lines) decided
//! against a warm inventory of 100,000 computers, on one thread. Compared with the target of
//! 100,000 events/s; prints the median of several runs and the ratio.
//!
//! `cargo bench -p ward-respond --bench decide` (or `bench/respond.py`, which runs it with the
//! other response benchmarks).

#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;
use ward_core::{AgentStatus, Computer, ComputerId, Module, ModuleState, Policy, PolicyId, RuleId};
use ward_respond::{InventoryIndex, Settings, decide};

const COMPUTERS: usize = 100_000;
const EVENTS: usize = 100_000;
const RUNS: usize = 7;
const TARGET_PER_SECOND: f64 = 100_000.0;
const TYPES: [&str; 6] = [
    "Recon:EC2/PortProbeUnprotectedPort",
    "Trojan:EC2/DNSDataExfiltration",
    "UnauthorizedAccess:EC2/SSHBruteForce",
    "CryptoCurrency:EC2/BitcoinTool.B!DNS",
    "Backdoor:EC2/C&CActivity.B!DNS",
    "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
];

fn instance_id(index: usize) -> String {
    format!("i-{:017x}", 0x0a00_0000_0000_0000_u64 + index as u64)
}

fn computer(index: usize) -> Computer {
    let module = |state: &str| ModuleState {
        state: state.into(),
        status: AgentStatus::Active,
        message: None,
    };
    Computer {
        computer_id: ComputerId(index as i64 + 1),
        host_name: format!(
            "ip-10-{}-{}-{}.ec2.internal",
            index % 250,
            index / 250 % 250,
            index % 7
        ),
        display_name: None,
        platform: Some("Amazon Linux 2 (64 bit)".into()),
        agent_version: Some("20.0.1-12345".into()),
        agent_status: if index.is_multiple_of(10) {
            AgentStatus::Inactive
        } else {
            AgentStatus::Active
        },
        agent_status_messages: vec!["Managed (Online)".into()],
        policy_id: Some(PolicyId(1 + (index % 5) as i64)),
        last_agent_communication: Some(1_700_000_000_000),
        instance_id: Some(instance_id(index)),
        account_id: Some(format!(
            "{:012}",
            111_111_111_111_u64 * (1 + index as u64 % 3)
        )),
        availability_zone: Some("us-east-1a".into()),
        region: Some("us-east-1".into()),
        instance_type: Some("m5.large".into()),
        ec2_state: Some("POWER ON".into()),
        modules: BTreeMap::from([
            (Module::AntiMalware, module("on")),
            (
                Module::IntrusionPrevention,
                module(if index.is_multiple_of(3) {
                    "off"
                } else {
                    "prevent"
                }),
            ),
            (Module::IntegrityMonitoring, module("real-time")),
        ]),
        ips_rule_ids: vec![RuleId(1), RuleId(2)],
    }
}

/// A realistic current-format GuardDuty EventBridge event (about 2.3 KB).
fn event(index: usize, instance: &str) -> String {
    let finding_type = TYPES[index % TYPES.len()];
    format!(
        r#"{{"version":"0","id":"{index:08x}-e5f6-47a8-9b0c-d1e2f3a4b5c6","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"111122223333","time":"2024-09-10T04:06:33Z","region":"us-east-1","resources":[],"detail":{{"schemaVersion":"2.0","accountId":"111122223333","region":"us-east-1","partition":"aws","id":"{index:032x}","arn":"arn:aws:guardduty:us-east-1:111122223333:detector/12abc34d567e8fa901bc2d34e56789f0/finding/{index:032x}","type":"{finding_type}","resource":{{"resourceType":"Instance","instanceDetails":{{"instanceId":"{instance}","instanceType":"m5.large","outpostArn":null,"launchTime":"2024-08-30T06:12:09.000Z","platform":null,"productCodes":[],"iamInstanceProfile":{{"arn":"arn:aws:iam::111122223333:instance-profile/web","id":"AIPAEXAMPLE"}},"networkInterfaces":[{{"ipv6Addresses":[],"networkInterfaceId":"eni-0a1b2c3d4e5f60718","privateDnsName":"ip-10-0-3-17.ec2.internal","privateIpAddress":"10.0.3.17","privateIpAddresses":[{{"privateDnsName":"ip-10-0-3-17.ec2.internal","privateIpAddress":"10.0.3.17"}}],"subnetId":"subnet-0a1b2c3d","vpcId":"vpc-0a1b2c3d","securityGroups":[{{"groupName":"web","groupId":"sg-0a1b2c3d"}}],"publicDnsName":"","publicIp":"198.51.100.7"}}],"tags":[{{"key":"Name","value":"web-{index}"}}],"instanceState":"running","availabilityZone":"us-east-1a","imageId":"ami-0abcdef1234567890","imageDescription":"Amazon Linux 2"}}}},"service":{{"serviceName":"guardduty","detectorId":"12abc34d567e8fa901bc2d34e56789f0","action":{{"actionType":"PORT_PROBE","portProbeAction":{{"blocked":false,"portProbeDetails":[{{"localPortDetails":{{"port":22,"portName":"SSH"}},"remoteIpDetails":{{"ipAddressV4":"203.0.113.9","organization":{{"asn":"64496","asnOrg":"Example","isp":"Example","org":"Example"}},"country":{{"countryName":"Example"}},"city":{{"cityName":"Example"}},"geoLocation":{{"lat":0.0,"lon":0.0}}}}}}]}}}},"resourceRole":"TARGET","additionalInfo":{{"value":"{{}}","type":"default"}},"eventFirstSeen":"2024-09-10T03:50:00.000Z","eventLastSeen":"2024-09-10T04:00:00.000Z","archived":false,"count":3}},"severity":5.0,"createdAt":"2024-09-10T04:00:00.000Z","updatedAt":"2024-09-10T04:06:00.000Z","title":"Unprotected port on EC2 instance is being probed.","description":"EC2 instance has an unprotected port which is being probed by a known malicious host."}}}}"#
    )
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let computers: Vec<Computer> = (0..COMPUTERS).map(computer).collect();
    let policies: Vec<Policy> = (1..=5)
        .map(|id| Policy {
            policy_id: PolicyId(id),
            parent_id: None,
            name: format!("Policy {id}"),
            description: None,
            module_states: BTreeMap::new(),
            ips_rule_ids: vec![RuleId(1)],
        })
        .collect();
    let index = InventoryIndex::new(computers, policies);
    let mut input = String::new();
    for event_index in 0..EVENTS {
        // Spread over the fleet, with 1 in 50 instances unknown to the manager.
        let instance = if event_index.is_multiple_of(50) {
            instance_id(COMPUTERS + event_index)
        } else {
            instance_id(event_index * 7919 % COMPUTERS)
        };
        input.push_str(&event(event_index, &instance));
        input.push('\n');
    }
    let settings = Settings::default();
    let mut rates = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut decided = 0usize;
        let mut actions = 0usize;
        ward_events::parse_each(input.as_bytes(), |parsed| {
            if let Some(event) = parsed.event() {
                let facts = index.facts(event);
                let decision = decide(event, &facts, &settings);
                actions += decision.actions.len();
                decided += 1;
                black_box(&decision);
            }
        });
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(decided, EVENTS, "every event parses");
        assert!(actions > EVENTS, "decisions carry actions");
        rates.push(EVENTS as f64 / seconds);
    }
    let rate = median(rates.clone());
    println!(
        "parse + decide: {EVENTS} GuardDuty events ({:.1} MB) against {COMPUTERS} computers, one thread",
        input.len() as f64 / 1e6
    );
    println!(
        "  runs (events/s): {}",
        rates
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  median {rate:.0} events/s ({:.2} µs/event); target {TARGET_PER_SECOND:.0}/s; ratio {:.2}x",
        1e6 / rate,
        rate / TARGET_PER_SECOND
    );
}
