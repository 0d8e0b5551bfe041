//! Renders every page for a fabricated fleet into a directory, to look at them in a browser:
//! `cargo run -p ward-dashboard --example render -- /tmp/dash` writes `overview.html`,
//! `findings.html`, `unprotected.html`, `flows.html`, `empty.html`, `not-found.html` and
//! `assets/ward.css` (the pages' stylesheet link is made relative so `file://` URLs work).

use std::collections::BTreeMap;
use std::path::PathBuf;
use ward_core::ids::ComputerId;
use ward_core::inventory::{AgentStatus, Computer, Module, ModuleState};
use ward_core::ledger::{ActionRecord, ActionStatus, DecisionRecord};
use ward_core::ports::{FlowRun, FlowRunStatus};
use ward_core::summary::FleetSummary;
use ward_dashboard::{Context, Filters, FlowInfo};

/// A small deterministic generator (64-bit LCG), so the pages look the same every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// An index into `weights`, drawn with those weights.
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut pick = self.next() % total;
        for (index, weight) in weights.iter().enumerate() {
            if pick < *weight {
                return index;
            }
            pick -= weight;
        }
        weights.len() - 1
    }

    fn pick<'a>(&mut self, items: &[(&'a str, u64)]) -> &'a str {
        let weights: Vec<u64> = items.iter().map(|(_, weight)| *weight).collect();
        items[self.weighted(&weights)].0
    }
}

const NOW: i64 = 1_796_000_000_000;

fn fleet(size: i64) -> Vec<Computer> {
    let mut rng = Lcg(7);
    let platforms = [
        (
            "Amazon Linux 2 (64 bit) (4.14.336-257.568.amzn2.x86_64)",
            34,
        ),
        ("Amazon Linux 2023 (64 bit)", 14),
        ("Microsoft Windows Server 2019 (64 bit)", 16),
        ("Microsoft Windows Server 2022 (64 bit)", 8),
        ("Ubuntu 22.04 LTS (64 bit)", 14),
        ("Red Hat Enterprise Linux 8 (64 bit)", 7),
        ("CentOS 7 (64 bit)", 3),
        ("Debian 12 (64 bit)", 2),
        ("SUSE Linux Enterprise Server 15 (64 bit)", 1),
    ];
    let types = [
        ("t3.micro", 22),
        ("t3.medium", 18),
        ("m5.large", 15),
        ("m5.xlarge", 9),
        ("c5.large", 8),
        ("r5.large", 6),
        ("t3.small", 6),
        ("m6i.large", 4),
        ("c6g.xlarge", 3),
        ("r6i.xlarge", 2),
        ("t2.micro", 2),
        ("m5.2xlarge", 1),
    ];
    let accounts = [
        ("111122223333", 5),
        ("444455556666", 3),
        ("777788889999", 2),
    ];
    let regions = [("us-east-1", 5), ("eu-west-2", 3), ("ap-southeast-2", 2)];
    (1..=size)
        .map(|id| {
            let status = [
                AgentStatus::Active,
                AgentStatus::Warning,
                AgentStatus::Error,
                AgentStatus::Inactive,
                AgentStatus::Unknown,
            ][rng.weighted(&[74, 7, 4, 12, 3])];
            let no_agent = matches!(status, AgentStatus::Inactive | AgentStatus::Unknown)
                && rng.next().is_multiple_of(2);
            let mut modules = BTreeMap::new();
            if !no_agent {
                for module in Module::ALL {
                    let roll = rng.next() % 100;
                    let (state, module_status) = match roll {
                        0..=69 => (module.on_state(), AgentStatus::Active),
                        70..=84 => ("off", AgentStatus::Inactive),
                        85..=91 => (module.on_state(), AgentStatus::Warning),
                        92..=95 => (module.on_state(), AgentStatus::Error),
                        _ => continue,
                    };
                    let state = if module == Module::ApplicationControl && roll < 40 {
                        "off"
                    } else {
                        state
                    };
                    modules.insert(
                        module,
                        ModuleState {
                            state: state.to_owned(),
                            status: module_status,
                            message: None,
                        },
                    );
                }
            }
            let region = rng.pick(&regions);
            let stopped = rng.next().is_multiple_of(10);
            Computer {
                computer_id: ComputerId(id),
                host_name: format!("ip-10-{}-{}-{}.ec2.internal", id % 7, id % 250, id % 97),
                display_name: (id % 9 == 0).then(|| format!("web-{id:03}")),
                platform: Some(rng.pick(&platforms).to_owned()),
                agent_version: Some(if no_agent { "0.0.0.0" } else { "20.0.1-12345" }.to_owned()),
                agent_status: status,
                agent_status_messages: vec![],
                policy_id: None,
                last_agent_communication: (!no_agent)
                    .then(|| NOW - (rng.next() % (5 * 86_400)) as i64 * 1000),
                instance_id: Some(format!("i-0{:016x}", rng.next() * 7919 + id as u64)),
                account_id: Some(rng.pick(&accounts).to_owned()),
                availability_zone: Some(format!("{region}a")),
                region: Some(region.to_owned()),
                instance_type: Some(rng.pick(&types).to_owned()),
                ec2_state: Some(if stopped { "POWER OFF" } else { "POWER ON" }.to_owned()),
                modules,
                ips_rule_ids: vec![],
            }
        })
        .collect()
}

fn decisions() -> (Vec<DecisionRecord>, Vec<ActionRecord>) {
    let findings = [
        (
            "guardduty",
            "Backdoor:EC2/C&CActivity.B!DNS",
            "respond",
            "instance i-0a1b2c3d4e5f60718 is protected: run a recommendation scan and an anti-malware scan",
        ),
        (
            "inspector2",
            "PACKAGE_VULNERABILITY CVE-2024-6387",
            "respond",
            "CVE-2024-6387 is covered by IPS rule 1012014; assigning it to computer 42",
        ),
        (
            "guardduty",
            "UnauthorizedAccess:EC2/SSHBruteForce",
            "notify",
            "instance i-0f9e8d7c6b5a49382 has no agent: notified the account's channel",
        ),
        (
            "macie",
            "SensitiveData:S3Object/Personal",
            "respond",
            "bucket customer-exports is read by 3 instances; integrity scans requested",
        ),
        (
            "config",
            "ward-agent-active",
            "compliant",
            "agent active on i-0123456789abcdef0",
        ),
        (
            "securityhub",
            "EC2.8 IMDSv2",
            "ignore",
            "finding type is not handled by any playbook",
        ),
    ];
    let mut decisions = Vec::new();
    let mut actions = Vec::new();
    for (index, (source, kind, verdict, reason)) in findings.iter().enumerate() {
        let event_id = format!("evt-{:04}-{}", 1000 + index, source);
        let at = NOW - index as i64 * 47 * 60_000;
        decisions.push(DecisionRecord {
            event_id: event_id.clone(),
            source: (*source).to_owned(),
            finding_type: (*kind).to_owned(),
            instance_id: Some(format!("i-0{:016x}", 0xabc123 * (index as u64 + 3))),
            computer_id: Some(ComputerId(40 + index as i64)),
            account_id: Some("111122223333".to_owned()),
            protected: Some(*verdict != "notify"),
            decision: ward_core::Verdict::parse(verdict).unwrap_or(ward_core::Verdict::Ignore),
            reason: (*reason).to_owned(),
            actions: serde_json::json!([]),
            at,
        });
        if *verdict == "respond" {
            for (n, (action, status, detail)) in [
                (
                    "scan-recommendations",
                    ActionStatus::Done,
                    "scheduled task 17 ran",
                ),
                (
                    "scan-malware",
                    if index == 1 {
                        ActionStatus::Failed
                    } else {
                        ActionStatus::Done
                    },
                    if index == 1 {
                        "manager answered 429 Too Many Requests"
                    } else {
                        "scheduled task 18 ran"
                    },
                ),
            ]
            .into_iter()
            .enumerate()
            {
                actions.push(ActionRecord {
                    id: (index * 10 + n) as i64,
                    finding: event_id.clone(),
                    target: format!("computer:{}", 40 + index),
                    action: action.to_owned(),
                    coalesce: None,
                    status,
                    attempts: 1,
                    requested_at: at + n as i64,
                    settled_at: Some(at + 900),
                    detail: Some(detail.to_owned()),
                    coalesced_into: None,
                    computer_id: Some(ComputerId(40 + index as i64)),
                });
            }
        }
    }
    (decisions, actions)
}

fn runs() -> (Vec<FlowInfo>, Vec<FlowRun>) {
    let flows = vec![
        FlowInfo {
            name: "computers-daily".to_owned(),
            source: "computers".to_owned(),
            trigger: "cron(0 2 * * ? *)".to_owned(),
            destination: "s3://ward-lake-111122223333/computers/".to_owned(),
        },
        FlowInfo {
            name: "findings-hourly".to_owned(),
            source: "findings".to_owned(),
            trigger: "rate(1 hour)".to_owned(),
            destination: "s3://ward-lake-111122223333/findings/".to_owned(),
        },
        FlowInfo {
            name: "ips-rules".to_owned(),
            source: "intrusion_prevention_rules".to_owned(),
            trigger: "on demand".to_owned(),
            destination: "/var/lib/ward/export".to_owned(),
        },
    ];
    let mut runs = Vec::new();
    for index in 0..7i64 {
        let flow = if index % 2 == 0 {
            "findings-hourly"
        } else {
            "computers-daily"
        };
        let started = NOW - index * 3_600_000 - 120_000;
        let failed = index == 3;
        let mut run = FlowRun::started(
            &format!("0f3c9a2e-{index:04}-4b1d-9a7e-5c2f1e0d{index:04}"),
            flow,
            started,
        );
        run.status = if failed {
            FlowRunStatus::Error
        } else {
            FlowRunStatus::Successful
        };
        run.finished_at = Some(started + 2_400 + index * 310);
        run.records_read = 480 + index as u64 * 3;
        run.records_written = if failed { 0 } else { 470 + index as u64 };
        run.records_filtered = 8;
        run.records_invalid = u64::from(index == 2);
        run.bytes_written = if failed {
            0
        } else {
            182_000 + index as u64 * 1000
        };
        run.files = if failed {
            vec![]
        } else if index == 0 {
            vec![
                format!("s3://ward-lake-111122223333/findings/2026/11/29/{index}/part-0.parquet"),
                format!("s3://ward-lake-111122223333/findings/2026/11/29/{index}/part-1.parquet"),
            ]
        } else {
            vec![format!(
                "s3://ward-lake-111122223333/{flow}/2026/11/29/part-0.parquet"
            )]
        };
        run.error = failed.then(|| {
            "AccessDenied: s3:PutObject on ward-lake-111122223333/computers/ (check the bucket policy)"
                .to_owned()
        });
        runs.push(run);
    }
    (flows, runs)
}

fn main() -> std::io::Result<()> {
    let out: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/dash"));
    std::fs::create_dir_all(out.join("assets"))?;
    std::fs::write(out.join("assets/ward.css"), ward_dashboard::STYLESHEET)?;
    let computers = fleet(500);
    let filters = Filters {
        account: None,
        region: None,
        accounts: vec![
            "111122223333".to_owned(),
            "444455556666".to_owned(),
            "777788889999".to_owned(),
        ],
        regions: vec![
            "ap-southeast-2".to_owned(),
            "eu-west-2".to_owned(),
            "us-east-1".to_owned(),
        ],
    };
    let cx = Context {
        filters: &filters,
        synced_at: Some(NOW - 4 * 60_000),
        generated_at: NOW,
    };
    let summary = FleetSummary::of(&computers);
    let unprotected: Vec<Computer> = computers
        .iter()
        .filter(|computer| !computer.protected())
        .cloned()
        .collect();
    let (decisions, actions) = decisions();
    let (flows, runs) = runs();
    let empty_filters = Filters {
        account: Some("444455556666".to_owned()),
        ..filters.clone()
    };
    let empty_cx = Context {
        filters: &empty_filters,
        ..cx
    };
    let pages = [
        ("overview.html", ward_dashboard::overview(&cx, &summary)),
        (
            "findings.html",
            ward_dashboard::findings(&cx, &decisions, &actions),
        ),
        (
            "unprotected.html",
            ward_dashboard::unprotected(
                &cx,
                &unprotected[..unprotected.len().min(100)],
                unprotected.len(),
                computers.len(),
            ),
        ),
        ("flows.html", ward_dashboard::flows(&cx, &flows, &runs)),
        (
            "empty.html",
            ward_dashboard::overview(&empty_cx, &FleetSummary::of(&[])),
        ),
        (
            "flows-empty.html",
            ward_dashboard::flows(&empty_cx, &[], &[]),
        ),
        (
            "not-found.html",
            ward_dashboard::not_found(&cx, "page /nope"),
        ),
    ];
    for (name, html) in pages {
        let html = html.replace("href=\"/assets/ward.css\"", "href=\"assets/ward.css\"");
        std::fs::write(out.join(name), html)?;
    }
    Ok(())
}
