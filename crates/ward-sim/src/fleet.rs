//! Generates the fleet: `fleet` computers from the seed, then the `protect` and `unprotected`
//! instances, with realistic platforms, agents, AWS metadata, policies and module health.
//!
//! Each computer's fields come from its own random stream `(seed, index)`, so the fleet is the
//! same for a seed whatever its size, and generating 100,000 computers takes well under a
//! second. Times are offsets from the `now` the fleet is generated at.
//!
//! The mix: about 85 % of computers are known to the AWS connector and run an agent, 6 % run an
//! agent on an instance no connector knows (only `noConnectorVirtualMachineSummary`), 9 % have
//! no agent (`agentVersion` "0.0.0.0"). A few agents are offline, warn or report module errors.
//! The lowest-ID computer always has a healthy, online agent.

use crate::computer::{Agent, AgentReported, Computer, Ec2Summary, SecurityGroup};
use crate::config::SimConfig;
use crate::module::{Health, Module};
use crate::policies::{
    DATABASE_SERVER, DEVELOPMENT, KUBERNETES_NODE, LINUX_SERVER, Policies, WEB_SERVER,
    WINDOWS_IIS_SERVER, WINDOWS_SERVER,
};
use crate::rng::{Rng, hash_str, mix};
use crate::rules::{Family, RuleCatalog};
use std::collections::HashMap;
use std::net::Ipv4Addr;
use uuid::Uuid;

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// Random streams, one per purpose.
const STREAM_IDS: u64 = 1;
const STREAM_COMPUTER: u64 = 2;
const STREAM_ACCOUNTS: u64 = 3;
const STREAM_GROUPS: u64 = 4;
const STREAM_AMIS: u64 = 5;
const STREAM_EXTRA: u64 = 6;
const STREAM_RETRY: u64 = 7;

/// An operating system the fleet runs.
struct Os {
    family: Family,
    weight: u32,
    platforms: &'static [&'static str],
    agent_versions: &'static [&'static str],
}

const LINUX_AGENTS: &[&str] = &["20.0.1-21510", "20.0.1-19250", "20.0.0-8438", "20.0.1-3180"];
const WINDOWS_AGENTS: &[&str] = &["20.0.1-9400", "20.0.0-8438", "20.0.0-5394"];

const OPERATING_SYSTEMS: &[Os] = &[
    Os {
        family: Family::Linux,
        weight: 28,
        platforms: &[
            "Amazon Linux 2 (64 bit) (4.14.336-257.568.amzn2.x86_64)",
            "Amazon Linux 2 (64 bit) (5.10.215-203.850.amzn2.x86_64)",
            "Amazon Linux 2 (64 bit) (5.10.220-209.869.amzn2.x86_64)",
        ],
        agent_versions: LINUX_AGENTS,
    },
    Os {
        family: Family::Linux,
        weight: 12,
        platforms: &[
            "Amazon Linux 2023 (64 bit) (6.1.84-99.169.amzn2023.x86_64)",
            "Amazon Linux 2023 (64 bit) (6.1.94-99.176.amzn2023.x86_64)",
        ],
        agent_versions: LINUX_AGENTS,
    },
    Os {
        family: Family::Linux,
        weight: 14,
        platforms: &[
            "Ubuntu Linux 22 (64 bit) (5.15.0-1051-aws)",
            "Ubuntu Linux 22 (64 bit) (6.5.0-1017-aws)",
        ],
        agent_versions: LINUX_AGENTS,
    },
    Os {
        family: Family::Linux,
        weight: 7,
        platforms: &["Ubuntu Linux 20 (64 bit) (5.15.0-1055-aws)"],
        agent_versions: LINUX_AGENTS,
    },
    Os {
        family: Family::Linux,
        weight: 3,
        platforms: &["Ubuntu Linux 24 (64 bit) (6.8.0-1009-aws)"],
        agent_versions: &["20.0.1-21510"],
    },
    Os {
        family: Family::Linux,
        weight: 7,
        platforms: &["Red Hat Enterprise 8 (64 bit) (4.18.0-513.24.1.el8_9.x86_64)"],
        agent_versions: LINUX_AGENTS,
    },
    Os {
        family: Family::Linux,
        weight: 4,
        platforms: &["Red Hat Enterprise 9 (64 bit) (5.14.0-362.24.1.el9_3.x86_64)"],
        agent_versions: LINUX_AGENTS,
    },
    Os {
        family: Family::Linux,
        weight: 3,
        platforms: &["CentOS 7 (64 bit) (3.10.0-1160.108.1.el7.x86_64)"],
        agent_versions: &["12.0.0-1908", "20.0.0-8438"],
    },
    Os {
        family: Family::Linux,
        weight: 2,
        platforms: &["Debian 11 (64 bit) (5.10.0-28-cloud-amd64)"],
        agent_versions: LINUX_AGENTS,
    },
    Os {
        family: Family::Linux,
        weight: 1,
        platforms: &["SUSE Linux Enterprise Server 15 (64 bit) (5.14.21-150500.55.52-default)"],
        agent_versions: LINUX_AGENTS,
    },
    Os {
        family: Family::Windows,
        weight: 2,
        platforms: &["Microsoft Windows Server 2016 (64 bit)  Build 14393"],
        agent_versions: WINDOWS_AGENTS,
    },
    Os {
        family: Family::Windows,
        weight: 8,
        platforms: &["Microsoft Windows Server 2019 (64 bit)  Build 17763"],
        agent_versions: WINDOWS_AGENTS,
    },
    Os {
        family: Family::Windows,
        weight: 9,
        platforms: &["Microsoft Windows Server 2022 (64 bit)  Build 20348"],
        agent_versions: WINDOWS_AGENTS,
    },
];

/// What a computer is for: names, sizes and the policy it gets.
struct Role {
    name: &'static str,
    family: Family,
    weight: u32,
    policy_id: i32,
    instance_types: &'static [&'static str],
    public: f64,
}

const ROLES: &[Role] = &[
    Role {
        name: "web",
        family: Family::Linux,
        weight: 30,
        policy_id: WEB_SERVER,
        instance_types: &[
            "t3.medium",
            "t3.large",
            "m5.large",
            "c5.xlarge",
            "m6i.large",
        ],
        public: 0.7,
    },
    Role {
        name: "db",
        family: Family::Linux,
        weight: 14,
        policy_id: DATABASE_SERVER,
        instance_types: &["r5.large", "r5.xlarge", "m5.2xlarge", "r6i.xlarge"],
        public: 0.0,
    },
    Role {
        name: "app",
        family: Family::Linux,
        weight: 34,
        policy_id: LINUX_SERVER,
        instance_types: &["t3.small", "t3.medium", "m5.large", "m5.xlarge", "t2.micro"],
        public: 0.08,
    },
    Role {
        name: "k8s-node",
        family: Family::Linux,
        weight: 12,
        policy_id: KUBERNETES_NODE,
        instance_types: &["m5.xlarge", "m6i.2xlarge", "c5.2xlarge"],
        public: 0.0,
    },
    Role {
        name: "dev",
        family: Family::Linux,
        weight: 10,
        policy_id: DEVELOPMENT,
        instance_types: &["t3.micro", "t3.small", "t2.micro", "t3.medium"],
        public: 0.2,
    },
    Role {
        name: "iis",
        family: Family::Windows,
        weight: 40,
        policy_id: WINDOWS_IIS_SERVER,
        instance_types: &["t3.large", "m5.large", "m5.xlarge"],
        public: 0.6,
    },
    Role {
        name: "win-app",
        family: Family::Windows,
        weight: 50,
        policy_id: WINDOWS_SERVER,
        instance_types: &["t3.large", "m5.large", "m5.xlarge", "r5.large"],
        public: 0.05,
    },
    Role {
        name: "win-dev",
        family: Family::Windows,
        weight: 10,
        policy_id: DEVELOPMENT,
        instance_types: &["t3.medium", "t3.large"],
        public: 0.2,
    },
];

/// Regions, their share of the fleet and their zones.
const REGIONS: &[(&str, u32, &[&str])] = &[
    (
        "us-east-1",
        40,
        &[
            "us-east-1a",
            "us-east-1b",
            "us-east-1c",
            "us-east-1d",
            "us-east-1f",
        ],
    ),
    ("us-west-2", 20, &["us-west-2a", "us-west-2b", "us-west-2c"]),
    ("eu-west-1", 15, &["eu-west-1a", "eu-west-1b", "eu-west-1c"]),
    (
        "eu-central-1",
        10,
        &["eu-central-1a", "eu-central-1b", "eu-central-1c"],
    ),
    (
        "ap-southeast-2",
        8,
        &["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"],
    ),
    (
        "ap-northeast-1",
        7,
        &["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"],
    ),
];

const ENVIRONMENTS: &[(&str, u32)] = &[("prod", 55), ("staging", 20), ("dev", 25)];
const TEAMS: &[&str] = &[
    "payments",
    "platform",
    "data",
    "identity",
    "search",
    "marketing",
    "mobile",
];
const ACCOUNT_WEIGHTS: &[(usize, u32)] = &[(0, 50), (1, 25), (2, 15), (3, 10)];
const AGENT_WARNINGS: &[&str] = &[
    "Reboot Required",
    "Software Update: Agent Software Available",
    "Clock Change Detected",
];
const AGENT_TASKS: &[&[&str]] = &[
    &["Scanning for Recommendations"],
    &["Updating Configuration"],
    &["Anti-Malware Scan Pending"],
];

/// The generated fleet and its lookup tables.
#[derive(Debug, Clone)]
pub(crate) struct Fleet {
    /// Sorted by ID.
    pub computers: Vec<Computer>,
    /// Lowercased `ec2VirtualMachineSummary.instanceID` → position.
    pub by_ec2_instance: HashMap<String, usize>,
    /// Lowercased `noConnectorVirtualMachineSummary.instanceID` → position.
    pub by_reported_instance: HashMap<String, usize>,
    /// Security group sets, referred to by [`Ec2Summary::security_groups`].
    pub security_groups: Vec<Vec<SecurityGroup>>,
}

impl Fleet {
    /// The position of a computer by ID.
    pub(crate) fn position(&self, id: i32) -> Option<usize> {
        self.computers.binary_search_by_key(&id, |c| c.id).ok()
    }
}

/// How a generated computer is managed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Management {
    /// Known to the connector, running an agent.
    Managed,
    /// Running an agent on an instance no connector knows.
    AgentOnly,
    /// Known to the connector, no agent.
    NoAgent,
}

/// Everything generation shares between computers.
struct Generator<'a> {
    seed: u64,
    now_ms: i64,
    accounts: Vec<String>,
    policies: &'a Policies,
    /// Rule IDs that fit Linux and Windows computers, for extra assignments.
    linux_rules: Vec<i32>,
    windows_rules: Vec<i32>,
}

/// Generates the fleet for a configuration, with times relative to `now_ms`.
pub(crate) fn generate(
    config: &SimConfig,
    now_ms: i64,
    policies: &Policies,
    catalog: &RuleCatalog,
) -> Fleet {
    let seed = config.seed;
    let mut account_rng = Rng::derive(seed, STREAM_ACCOUNTS, 0);
    let accounts = (0..4)
        .map(|_| {
            format!(
                "{}{}",
                1 + account_rng.below(9),
                decimal(&mut account_rng, 11)
            )
        })
        .collect::<Vec<_>>();
    let applicable = |os: Family| -> Vec<i32> {
        catalog
            .ips
            .iter()
            .filter(|rule| rule.family.fits(os) && rule.rule_type != "info")
            .map(|rule| rule.id)
            .collect()
    };
    let generator = Generator {
        seed,
        now_ms,
        accounts,
        policies,
        linux_rules: applicable(Family::Linux),
        windows_rules: applicable(Family::Windows),
    };
    let security_groups = security_group_sets(seed, generator.accounts.len());

    let total = config.fleet + config.protect.len() + config.unprotected.len();
    let mut fleet = Fleet {
        computers: Vec::with_capacity(total),
        by_ec2_instance: HashMap::with_capacity(total),
        by_reported_instance: HashMap::new(),
        security_groups,
    };
    let mut id_rng = Rng::derive(seed, STREAM_IDS, 0);
    let mut next_id = 0_i32;
    let mut take_id = |rng: &mut Rng| {
        next_id += 1;
        if rng.chance(0.03) {
            next_id += rng.between(1, 3) as i32;
        }
        next_id
    };
    for index in 0..config.fleet {
        let id = take_id(&mut id_rng);
        let mut rng = Rng::derive(seed, STREAM_COMPUTER, index as u64);
        let mut instance = format!("i-0{}", rng.hex(16));
        let mut retry = 0;
        while fleet.by_ec2_instance.contains_key(&instance)
            || fleet.by_reported_instance.contains_key(&instance)
        {
            retry += 1;
            instance = format!(
                "i-0{}",
                Rng::derive(seed, STREAM_RETRY, ((index as u64) << 8) | retry).hex(16)
            );
        }
        let management = if index == 0 {
            Management::Managed
        } else {
            *rng.weighted(&[
                (Management::Managed, 85),
                (Management::AgentOnly, 6),
                (Management::NoAgent, 9),
            ])
        };
        let computer = generator.computer(id, &instance, management, index == 0, &mut rng);
        fleet.push(computer);
    }
    for (listed, instances) in [(true, &config.protect), (false, &config.unprotected)] {
        for instance in instances {
            let instance = instance.trim();
            let key = instance.to_ascii_lowercase();
            if instance.is_empty()
                || fleet.by_ec2_instance.contains_key(&key)
                || fleet.by_reported_instance.contains_key(&key)
            {
                continue;
            }
            let id = take_id(&mut id_rng);
            let mut rng = Rng::derive(seed, STREAM_EXTRA, hash_str(instance));
            let management = if listed {
                Management::Managed
            } else {
                Management::NoAgent
            };
            let mut computer = generator.computer(id, instance, management, true, &mut rng);
            if !listed {
                computer.policy_id = 0;
            }
            fleet.push(computer);
        }
    }
    fleet
}

impl Fleet {
    fn push(&mut self, computer: Computer) {
        let position = self.computers.len();
        if let Some(ec2) = &computer.ec2 {
            self.by_ec2_instance
                .insert(ec2.instance_id.to_ascii_lowercase(), position);
        }
        if let Some(reported) = &computer.agent_reported {
            self.by_reported_instance
                .insert(reported.instance_id.to_ascii_lowercase(), position);
        }
        self.computers.push(computer);
    }
}

/// `count` random decimal digits.
fn decimal(rng: &mut Rng, count: usize) -> String {
    (0..count)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

/// Per account and role, the security groups its instances are in.
fn security_group_sets(seed: u64, accounts: usize) -> Vec<Vec<SecurityGroup>> {
    let mut rng = Rng::derive(seed, STREAM_GROUPS, 0);
    let mut sets = Vec::with_capacity(accounts * ROLES.len());
    for _ in 0..accounts {
        let admin = SecurityGroup {
            name: "admin-access".into(),
            id: format!("sg-0{}", rng.hex(16)),
        };
        for role in ROLES {
            let mut set = vec![SecurityGroup {
                name: format!("{}-sg", role.name),
                id: format!("sg-0{}", rng.hex(16)),
            }];
            if rng.chance(0.5) {
                set.push(admin.clone());
            }
            sets.push(set);
        }
    }
    sets
}

/// A private address in the region's block.
fn private_ip(rng: &mut Rng, region_index: usize) -> Ipv4Addr {
    Ipv4Addr::new(
        10,
        (region_index * 16) as u8 + rng.below(16) as u8,
        rng.below(256) as u8,
        1 + rng.below(254) as u8,
    )
}

/// A public address from AWS-looking ranges.
fn public_ip(rng: &mut Rng) -> Ipv4Addr {
    let first = rng.choose(&[3_u8, 18, 34, 35, 44, 52, 54]);
    Ipv4Addr::new(
        first,
        rng.below(256) as u8,
        rng.below(256) as u8,
        1 + rng.below(254) as u8,
    )
}

impl Generator<'_> {
    /// One computer. `healthy` makes it a clean, online, fully protected computer.
    fn computer(
        &self,
        id: i32,
        instance_id: &str,
        management: Management,
        healthy: bool,
        rng: &mut Rng,
    ) -> Computer {
        let now = self.now_ms;
        let os_weights: Vec<(usize, u32)> = OPERATING_SYSTEMS
            .iter()
            .enumerate()
            .map(|(index, os)| (index, os.weight))
            .collect();
        let os_index = if healthy {
            0
        } else {
            *rng.weighted(&os_weights)
        };
        let os = &OPERATING_SYSTEMS[os_index];
        let role_weights: Vec<(usize, u32)> = ROLES
            .iter()
            .enumerate()
            .filter(|(_, role)| role.family == os.family)
            .map(|(index, role)| (index, role.weight))
            .collect();
        let role_index = if healthy {
            2
        } else {
            *rng.weighted(&role_weights)
        };
        let role = &ROLES[role_index];
        let region_weights: Vec<(usize, u32)> = REGIONS
            .iter()
            .enumerate()
            .map(|(index, (_, weight, _))| (index, *weight))
            .collect();
        let region_index = *rng.weighted(&region_weights);
        let (region, _, zones) = REGIONS[region_index];
        let zone = rng.choose(zones);
        let account_index = *rng.weighted(ACCOUNT_WEIGHTS);
        let account_id = self.accounts[account_index].clone();
        let environment = if role.name.ends_with("dev") {
            "dev"
        } else {
            *rng.weighted(ENVIRONMENTS)
        };
        let team = rng.choose(TEAMS);
        let number = 1 + rng.below(400);
        let display_name = format!("{}-{environment}-{number:03}", role.name);
        let private = private_ip(rng, region_index);
        let public = rng.chance(role.public).then(|| public_ip(rng));
        let host_name = match os.family {
            Family::Windows => format!("EC2AMAZ-{}", rng.hex(7).to_ascii_uppercase()),
            _ if region == "us-east-1" => format!("ip-{}.ec2.internal", dashed(private)),
            _ => format!("ip-{}.{region}.compute.internal", dashed(private)),
        };
        let powered_on = healthy || rng.chance(0.93);
        let ami = Rng::derive(
            self.seed,
            STREAM_AMIS,
            (region_index * 64 + os_index) as u64,
        )
        .hex(16);
        let ec2 = (management != Management::AgentOnly).then(|| {
            Box::new(Ec2Summary {
                account_id: account_id.clone(),
                operating_system: match os.family {
                    Family::Windows => "Microsoft Windows (64 bit)",
                    _ => "Linux (64 bit)",
                },
                private_ip: private,
                public_ip: public,
                availability_zone: zone,
                instance_id: instance_id.to_owned(),
                security_groups: account_index * ROLES.len() + role_index,
                instance_type: rng.choose(role.instance_types),
                powered_on,
                name_tag: display_name.clone(),
                environment,
                team,
                ami_id: format!("ami-0{ami}"),
            })
        });
        let agent_reported = (management == Management::AgentOnly).then(|| {
            Box::new(AgentReported {
                account_id: account_id.clone(),
                instance_id: instance_id.to_owned(),
                region,
            })
        });
        let agent = (management != Management::NoAgent).then(|| {
            let online = healthy || (powered_on && rng.chance(0.97));
            let request = now - rng.between(HOUR_MS, 14 * DAY_MS);
            Agent {
                version: rng.choose(os.agent_versions),
                online,
                warning: (!healthy && rng.chance(0.025)).then(|| rng.choose(AGENT_WARNINGS)),
                last_communication: if online {
                    now - rng.between(5_000, 600_000)
                } else {
                    now - rng.between(DAY_MS, 60 * DAY_MS)
                },
                fingerprint: rng.next_u64(),
                last_ip_used: private,
                last_send_policy_request: request,
                last_send_policy_success: if rng.chance(0.95) {
                    request
                } else {
                    request - rng.between(DAY_MS, 10 * DAY_MS)
                },
                tasks: if !healthy && online && rng.chance(0.01) {
                    rng.choose(AGENT_TASKS)
                } else {
                    &[]
                },
            }
        });
        let policy_id = match management {
            Management::NoAgent if rng.chance(0.85) => 0,
            _ if !healthy && rng.chance(0.01) => 0,
            _ => role.policy_id,
        };
        let mut states = [None; 8];
        let mut health = [Health::Fine; 8];
        if !healthy && agent.is_some() {
            if rng.chance(0.04) {
                let module = rng.choose(&Module::ALL);
                states[module.index()] = Some(rng.choose(module.states()));
            }
            for module in Module::ALL {
                let roll = rng.unit();
                if roll < 0.004 {
                    health[module.index()] = Health::Error(Health::error_for(module));
                } else if roll < 0.016 {
                    health[module.index()] =
                        Health::Warning(rng.choose(Health::warning_for(module)));
                }
            }
        }
        let online = agent.as_ref().is_some_and(|a| a.online);
        let ips_rules = (agent.is_some() && !healthy && rng.chance(0.15)).then(|| {
            let pool = match os.family {
                Family::Windows => &self.windows_rules,
                _ => &self.linux_rules,
            };
            let mut rules = self
                .policies
                .get(policy_id)
                .map(|p| p.ips_rule_ids.clone())
                .unwrap_or_default();
            for _ in 0..rng.between(1, 5) {
                rules.push(rng.choose(pool));
            }
            rules.sort_unstable();
            rules.dedup();
            rules
        });
        let last_recommendation_scan = (online && (healthy || rng.chance(0.75)))
            .then(|| now - rng.between(HOUR_MS, 40 * DAY_MS));
        let im_on = policy_id != 0
            && self
                .policies
                .effective_state(policy_id, Module::IntegrityMonitoring)
                != "off";
        let last_baseline_created = (online && im_on && rng.chance(0.8))
            .then(|| now - rng.between(20 * DAY_MS, 200 * DAY_MS));
        let last_integrity_scan = last_baseline_created
            .filter(|_| rng.chance(0.7))
            .map(|_| now - rng.between(HOUR_MS, 20 * DAY_MS));
        let last_scheduled_scan =
            (online && rng.chance(0.8)).then(|| now - rng.between(HOUR_MS, 7 * DAY_MS));
        let last_manual_scan =
            (online && rng.chance(0.1)).then(|| now - rng.between(DAY_MS, 90 * DAY_MS));
        Computer {
            id,
            host_name,
            display_name,
            description: String::new(),
            platform: rng.choose(os.platforms),
            os: os.family,
            group_id: 0,
            policy_id,
            asset_importance_id: 0,
            relay_list_id: 0,
            host_guid: Uuid::from_u64_pair(rng.next_u64(), rng.next_u64()),
            agent,
            ec2,
            agent_reported,
            states,
            health,
            ips_rules,
            im_rules: None,
            firewall_rules: None,
            log_inspection_rules: None,
            last_recommendation_scan,
            last_manual_scan,
            last_scheduled_scan,
            last_integrity_scan,
            last_baseline_created,
            settings: None,
            seed: mix(self.seed ^ u64::from(id as u32)),
        }
    }
}

/// `10.1.2.3` → `10-1-2-3`.
fn dashed(ip: Ipv4Addr) -> String {
    let [a, b, c, d] = ip.octets();
    format!("{a}-{b}-{c}-{d}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet(config: &SimConfig) -> Fleet {
        let catalog = RuleCatalog::build();
        let policies = Policies::build(&catalog);
        generate(config, 1_700_000_000_000, &policies, &catalog)
    }

    #[test]
    fn same_seed_same_fleet_other_seed_other_fleet() {
        let config = SimConfig {
            fleet: 300,
            seed: 7,
            ..SimConfig::default()
        };
        let a = fleet(&config);
        let b = fleet(&config);
        let c = fleet(&SimConfig { seed: 8, ..config });
        let summary = |fleet: &Fleet| -> Vec<String> {
            fleet
                .computers
                .iter()
                .map(|c| {
                    format!(
                        "{} {} {} {:?}",
                        c.id,
                        c.host_name,
                        c.platform,
                        c.ec2.as_ref().map(|e| &e.instance_id)
                    )
                })
                .collect()
        };
        assert_eq!(summary(&a), summary(&b));
        assert_ne!(summary(&a), summary(&c));
        let small = fleet(&SimConfig {
            fleet: 100,
            seed: 7,
            ..SimConfig::default()
        });
        assert_eq!(
            summary(&small)[..],
            summary(&a)[..100],
            "a prefix of a bigger fleet"
        );
    }

    #[test]
    fn ids_ascend_and_instances_are_indexed() {
        let fleet = fleet(&SimConfig {
            fleet: 2000,
            seed: 7,
            protect: vec!["i-0ward000000000001".into()],
            unprotected: vec!["i-0ward000000000002".into(), "i-0ward000000000001".into()],
            ..SimConfig::default()
        });
        assert_eq!(
            fleet.computers.len(),
            2002,
            "a duplicate instance is added once"
        );
        assert!(
            fleet
                .computers
                .windows(2)
                .all(|pair| pair[0].id < pair[1].id)
        );
        assert!(
            fleet.computers.last().map(|c| c.id).unwrap_or_default() > 2002,
            "IDs have gaps"
        );
        for (position, computer) in fleet.computers.iter().enumerate() {
            assert_eq!(fleet.position(computer.id), Some(position));
            if let Some(ec2) = &computer.ec2 {
                assert_eq!(ec2.instance_id.len(), 19, "{}", ec2.instance_id);
                assert_eq!(fleet.by_ec2_instance.get(&ec2.instance_id), Some(&position));
            }
        }
        let protected = &fleet.computers[fleet.by_ec2_instance["i-0ward000000000001"]];
        assert!(protected.agent_online());
        let unprotected = &fleet.computers[fleet.by_ec2_instance["i-0ward000000000002"]];
        assert_eq!(unprotected.agent_version(), "0.0.0.0");
        assert_eq!(unprotected.policy_id, 0);
    }

    #[test]
    fn the_mix_is_realistic() {
        let catalog = RuleCatalog::build();
        let policies = Policies::build(&catalog);
        let fleet = generate(
            &SimConfig {
                fleet: 5000,
                seed: 3,
                ..SimConfig::default()
            },
            1_700_000_000_000,
            &policies,
            &catalog,
        );
        let count =
            |keep: &dyn Fn(&Computer) -> bool| fleet.computers.iter().filter(|c| keep(c)).count();
        let no_agent = count(&|c| c.agent.is_none());
        let agent_only = count(&|c| c.ec2.is_none());
        let windows = count(&|c| c.os == Family::Windows);
        assert!((300..600).contains(&no_agent), "{no_agent}");
        assert!((200..450).contains(&agent_only), "{agent_only}");
        assert!((700..1300).contains(&windows), "{windows}");
        let statuses: HashMap<&str, usize> =
            fleet.computers.iter().fold(HashMap::new(), |mut map, c| {
                *map.entry(c.status(&policies).0).or_default() += 1;
                map
            });
        for status in ["active", "inactive", "warning", "error"] {
            assert!(
                statuses.get(status).copied().unwrap_or_default() > 10,
                "{statuses:?}"
            );
        }
        assert!(statuses["active"] > 3500, "{statuses:?}");
        let first = &fleet.computers[0];
        assert_eq!(first.status(&policies).0, "active");
        assert!(first.last_recommendation_scan.is_some());
    }
}
