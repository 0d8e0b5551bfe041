//! The rule catalogue: about 3000 intrusion prevention rules with realistic identifiers, names, CVE
//! lists and CVSS scores, plus the integrity monitoring rule IDs.
//!
//! The catalogue is Trend Micro's, not the customer's: it is the same for every fleet seed. It
//! holds well-known rules (Apache Struts CVE-2017-5638, Shellshock, Log4Shell, EternalBlue, …) and
//! a few CVEs listed by more than one rule, as in the real catalogue.

use crate::rng::Rng;
use crate::search::{Kind, Searchable, Value};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Which operating systems a rule's application runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Any,
    Linux,
    Windows,
}

impl Family {
    /// Whether a rule of this family fits a computer running `os`.
    pub(crate) fn fits(self, os: Family) -> bool {
        self == Family::Any || os == Family::Any || self == os
    }
}

/// What kind of workload a rule protects, for choosing policy rules and recommendations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    Web,
    Database,
    Core,
    Container,
}

/// An application type: rules belong to one.
#[derive(Debug, Clone, Copy)]
struct AppType {
    id: i32,
    family: Family,
    topic: Topic,
}

/// A product rules are written for.
#[derive(Debug, Clone, Copy)]
struct Product {
    name: &'static str,
    app: AppType,
    weight: u32,
}

const fn app(id: i32, family: Family, topic: Topic) -> AppType {
    AppType { id, family, topic }
}

const fn product(name: &'static str, app: AppType, weight: u32) -> Product {
    Product { name, app, weight }
}

const WEB_COMMON: AppType = app(1, Family::Any, Topic::Web);
const APACHE: AppType = app(10, Family::Linux, Topic::Web);
const NGINX: AppType = app(11, Family::Linux, Topic::Web);
const IIS: AppType = app(12, Family::Windows, Topic::Web);
const TOMCAT: AppType = app(13, Family::Any, Topic::Web);
const STRUTS: AppType = app(14, Family::Any, Topic::Web);
const PHP_APPS: AppType = app(15, Family::Any, Topic::Web);
const WEBLOGIC: AppType = app(16, Family::Any, Topic::Web);
const JAVA_APPS: AppType = app(17, Family::Any, Topic::Web);
const DOTNET_APPS: AppType = app(18, Family::Windows, Topic::Web);
const MYSQL: AppType = app(20, Family::Any, Topic::Database);
const POSTGRES: AppType = app(21, Family::Linux, Topic::Database);
const MSSQL: AppType = app(22, Family::Windows, Topic::Database);
const REDIS: AppType = app(23, Family::Linux, Topic::Database);
const ELASTIC: AppType = app(24, Family::Any, Topic::Database);
const SSH: AppType = app(30, Family::Linux, Topic::Core);
const TLS: AppType = app(31, Family::Any, Topic::Core);
const SAMBA: AppType = app(33, Family::Linux, Topic::Core);
const LINUX_SYSTEM: AppType = app(34, Family::Linux, Topic::Core);
const SMB: AppType = app(40, Family::Windows, Topic::Core);
const RDP: AppType = app(41, Family::Windows, Topic::Core);
const WINDOWS_RPC: AppType = app(42, Family::Windows, Topic::Core);
const EXCHANGE: AppType = app(43, Family::Windows, Topic::Web);
const DNS_CLIENT: AppType = app(50, Family::Any, Topic::Core);
const CONTAINERS: AppType = app(60, Family::Linux, Topic::Container);

const PRODUCTS: &[Product] = &[
    product("Apache HTTP Server", APACHE, 9),
    product("Nginx", NGINX, 5),
    product("Microsoft IIS", IIS, 5),
    product("Apache Tomcat", TOMCAT, 5),
    product("Apache Struts", STRUTS, 3),
    product("WordPress", PHP_APPS, 9),
    product("Drupal", PHP_APPS, 4),
    product("Joomla", PHP_APPS, 4),
    product("PHP", PHP_APPS, 4),
    product("Oracle WebLogic Server", WEBLOGIC, 4),
    product("Spring Framework", JAVA_APPS, 3),
    product("Jenkins", JAVA_APPS, 3),
    product("Atlassian Confluence", JAVA_APPS, 3),
    product("Microsoft .NET Framework", DOTNET_APPS, 3),
    product("Microsoft Exchange Server", EXCHANGE, 4),
    product("MySQL", MYSQL, 4),
    product("PostgreSQL", POSTGRES, 3),
    product("Microsoft SQL Server", MSSQL, 4),
    product("Redis", REDIS, 2),
    product("Elasticsearch", ELASTIC, 2),
    product("OpenSSH", SSH, 3),
    product("OpenSSL", TLS, 4),
    product("Samba", SAMBA, 3),
    product("Linux Kernel", LINUX_SYSTEM, 3),
    product("Microsoft Windows SMB", SMB, 5),
    product("Microsoft Windows Remote Desktop", RDP, 3),
    product("Microsoft Windows", WINDOWS_RPC, 7),
    product("DNS Client", DNS_CLIENT, 2),
    product("Docker", CONTAINERS, 2),
    product("Kubernetes", CONTAINERS, 2),
];

/// Weakness kinds, with a typical CVSS base score.
const WEAKNESSES: &[(&str, f64)] = &[
    ("Remote Code Execution", 9.3),
    ("SQL Injection", 8.4),
    ("Cross-Site Scripting", 6.1),
    ("Directory Traversal", 7.5),
    ("Denial Of Service", 6.5),
    ("Information Disclosure", 5.3),
    ("Buffer Overflow", 8.1),
    ("Authentication Bypass", 9.1),
    ("Server-Side Request Forgery", 7.2),
    ("Privilege Escalation", 7.8),
    ("Arbitrary File Upload", 8.8),
    ("XML External Entity Injection", 7.1),
    ("Insecure Deserialization", 9.0),
    ("Command Injection", 9.4),
];

/// Rule types by share of the catalogue.
const RULE_TYPES: &[(&str, u32)] = &[
    ("vulnerability", 78),
    ("exploit", 13),
    ("smart", 6),
    ("policy", 2),
    ("info", 1),
];

/// How many rules are generated around the well-known ones.
pub(crate) const GENERATED_RULES: usize = 3000;

/// The catalogue's own seed: every fleet sees the same rules.
const CATALOGUE_SEED: u64 = 0x1D5_2024;

/// 2008-01-01T00:00:00Z and 2025-01-01T00:00:00Z, in milliseconds.
const FIRST_ISSUE_MS: i64 = 1_199_145_600_000;
const LAST_ISSUE_MS: i64 = 1_735_689_600_000;
const DAY_MS: i64 = 86_400_000;

/// A well-known rule the catalogue always holds.
struct KnownRule {
    identifier: &'static str,
    name: &'static str,
    app: AppType,
    cves: &'static [&'static str],
    cvss: &'static str,
    issued_ms: i64,
}

const KNOWN_RULES: &[KnownRule] = &[
    KnownRule {
        identifier: "1006256",
        name: "GNU Bash Remote Code Execution Vulnerability (CVE-2014-6271)",
        app: WEB_COMMON,
        cves: &["CVE-2014-6271", "CVE-2014-7169"],
        cvss: "10.0",
        issued_ms: 1_411_603_200_000,
    },
    KnownRule {
        identifier: "1006257",
        name: "GNU Bash Remote Code Execution Vulnerability Over DHCP (CVE-2014-6271)",
        app: LINUX_SYSTEM,
        cves: &["CVE-2014-6271"],
        cvss: "10.0",
        issued_ms: 1_411_689_600_000,
    },
    KnownRule {
        identifier: "1008224",
        name: "Microsoft Windows SMB Remote Code Execution Vulnerabilities (MS17-010)",
        app: SMB,
        cves: &[
            "CVE-2017-0143",
            "CVE-2017-0144",
            "CVE-2017-0145",
            "CVE-2017-0146",
            "CVE-2017-0148",
        ],
        cvss: "9.3",
        issued_ms: 1_489_449_600_000,
    },
    KnownRule {
        identifier: "1008610",
        name: "Apache Struts2 Jakarta Multipart Parser File Upload Remote Code Execution Vulnerability (CVE-2017-5638)",
        app: STRUTS,
        cves: &["CVE-2017-5638"],
        cvss: "10.0",
        issued_ms: 1_488_931_200_000,
    },
    KnownRule {
        identifier: "1008632",
        name: "Apache Struts2 Remote Code Execution Vulnerability Over Content-Disposition (CVE-2017-5638)",
        app: STRUTS,
        cves: &["CVE-2017-5638"],
        cvss: "10.0",
        issued_ms: 1_490_054_400_000,
    },
    KnownRule {
        identifier: "1009749",
        name: "Microsoft Windows Remote Desktop Services Remote Code Execution Vulnerability (CVE-2019-0708)",
        app: RDP,
        cves: &["CVE-2019-0708"],
        cvss: "9.8",
        issued_ms: 1_557_878_400_000,
    },
    KnownRule {
        identifier: "1011140",
        name: "Microsoft Exchange Server Remote Code Execution Vulnerability (CVE-2021-26855)",
        app: EXCHANGE,
        cves: &["CVE-2021-26855", "CVE-2021-27065"],
        cvss: "9.8",
        issued_ms: 1_614_816_000_000,
    },
    KnownRule {
        identifier: "1011242",
        name: "Apache Log4j Remote Code Execution Vulnerability (CVE-2021-44228)",
        app: JAVA_APPS,
        cves: &["CVE-2021-44228"],
        cvss: "10.0",
        issued_ms: 1_639_094_400_000,
    },
    KnownRule {
        identifier: "1011249",
        name: "Identified Apache Log4j Remote Code Execution Vulnerability (CVE-2021-44228 and CVE-2021-45046)",
        app: JAVA_APPS,
        cves: &["CVE-2021-44228", "CVE-2021-45046"],
        cvss: "10.0",
        issued_ms: 1_639_440_000_000,
    },
    KnownRule {
        identifier: "1011251",
        name: "Apache Log4j Remote Code Execution Vulnerability Over SMTP (CVE-2021-44228)",
        app: JAVA_APPS,
        cves: &["CVE-2021-44228"],
        cvss: "10.0",
        issued_ms: 1_639_526_400_000,
    },
    KnownRule {
        identifier: "1011372",
        name: "Spring Framework Remote Code Execution Vulnerability (CVE-2022-22965)",
        app: JAVA_APPS,
        cves: &["CVE-2022-22965"],
        cvss: "9.8",
        issued_ms: 1_648_771_200_000,
    },
    KnownRule {
        identifier: "1012005",
        name: "Canonical Snapd Symlink Following Arbitrary File Read Vulnerability (CVE-2024-29069)",
        app: LINUX_SYSTEM,
        cves: &["CVE-2024-29069"],
        cvss: "5.5",
        issued_ms: 1_722_470_400_000,
    },
];

/// An intrusion prevention rule (`intrusionPreventionRule`), serialized as the API does.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IpsRule {
    pub name: String,
    pub description: String,
    pub minimum_agent_version: &'static str,
    #[serde(rename = "applicationTypeID")]
    pub application_type_id: i32,
    pub priority: &'static str,
    pub severity: &'static str,
    pub detect_only: bool,
    pub event_logging_disabled: bool,
    pub generate_event_on_packet_drop: bool,
    pub always_include_packet_data: bool,
    pub debug_mode_enabled: bool,
    #[serde(rename = "type")]
    pub rule_type: &'static str,
    pub original_issue: i64,
    pub last_updated: i64,
    pub identifier: String,
    pub alert_enabled: bool,
    pub recommendations_mode: &'static str,
    pub can_be_assigned_alone: bool,
    #[serde(rename = "dependsOnRuleIDs")]
    pub depends_on_rule_ids: Vec<i32>,
    #[serde(rename = "ID")]
    pub id: i32,
    #[serde(rename = "CVSSScore", skip_serializing_if = "Option::is_none")]
    pub cvss_score: Option<String>,
    #[serde(rename = "CVE", skip_serializing_if = "Vec::is_empty")]
    pub cve: Vec<String>,
    #[serde(skip)]
    pub family: Family,
    #[serde(skip)]
    pub topic: Topic,
}

/// Every intrusion prevention rule, sorted by ID, and the integrity monitoring rule IDs.
#[derive(Debug, Clone)]
pub(crate) struct RuleCatalog {
    pub ips: Vec<IpsRule>,
    by_id: HashMap<i32, usize>,
    /// Integrity monitoring rule IDs (the rules themselves are not simulated).
    pub im: BTreeSet<i32>,
}

impl RuleCatalog {
    /// Builds the catalogue (the same every time).
    pub(crate) fn build() -> Self {
        let ips = generate_ips_rules();
        let by_id = ips
            .iter()
            .enumerate()
            .map(|(index, rule)| (rule.id, index))
            .collect();
        let mut rng = Rng::derive(CATALOGUE_SEED, 2, 0);
        let mut im = BTreeSet::new();
        let mut id = 100;
        while im.len() < 400 {
            id += 1 + rng.below(3) as i32;
            im.insert(id);
        }
        Self { ips, by_id, im }
    }

    pub(crate) fn ips_rule(&self, id: i32) -> Option<&IpsRule> {
        self.by_id.get(&id).map(|&index| &self.ips[index])
    }

    /// The application types of a set of rules, sorted and deduplicated.
    pub(crate) fn application_types(&self, rule_ids: &[i32]) -> Vec<i32> {
        let types: BTreeSet<i32> = rule_ids
            .iter()
            .filter_map(|id| self.ips_rule(*id))
            .map(|rule| rule.application_type_id)
            .collect();
        types.into_iter().collect()
    }

    /// The IPS rule IDs matching a predicate, thinned to about `count` evenly spread rules.
    pub(crate) fn pick_ips(&self, count: usize, keep: impl Fn(&IpsRule) -> bool) -> Vec<i32> {
        let matching: Vec<i32> = self
            .ips
            .iter()
            .filter(|rule| keep(rule))
            .map(|rule| rule.id)
            .collect();
        if matching.len() <= count || count == 0 {
            return matching;
        }
        let step = matching.len() as f64 / count as f64;
        (0..count)
            .map(|n| matching[(n as f64 * step) as usize])
            .collect()
    }

    /// The IPS rule ID of a well-known rule by its identifier.
    pub(crate) fn ips_by_identifier(&self, identifier: &str) -> Option<i32> {
        self.ips
            .iter()
            .find(|rule| rule.identifier == identifier)
            .map(|rule| rule.id)
    }
}

/// The searchable fields of `intrusionPreventionRule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleField {
    Name,
    Description,
    MinimumAgentVersion,
    ApplicationTypeId,
    Priority,
    Severity,
    EventLoggingDisabled,
    GenerateEventOnPacketDrop,
    AlwaysIncludePacketData,
    DebugModeEnabled,
    Type,
    OriginalIssue,
    LastUpdated,
    Identifier,
    AlertEnabled,
    ScheduleId,
    ContextId,
    RecommendationsMode,
    CvssScore,
    Cve,
}

impl Searchable for IpsRule {
    type Field = RuleField;
    const OBJECT: &'static str = "intrusion prevention rule";

    fn field(name: &str) -> Option<(RuleField, Kind)> {
        use RuleField as F;
        Some(match name {
            "name" => (F::Name, Kind::String),
            "description" => (F::Description, Kind::String),
            "minimumAgentVersion" => (F::MinimumAgentVersion, Kind::String),
            "applicationTypeID" => (F::ApplicationTypeId, Kind::Numeric),
            "priority" => (F::Priority, Kind::Choice),
            "severity" => (F::Severity, Kind::Choice),
            "eventLoggingDisabled" => (F::EventLoggingDisabled, Kind::Boolean),
            "generateEventOnPacketDrop" => (F::GenerateEventOnPacketDrop, Kind::Boolean),
            "alwaysIncludePacketData" => (F::AlwaysIncludePacketData, Kind::Boolean),
            "debugModeEnabled" => (F::DebugModeEnabled, Kind::Boolean),
            "type" => (F::Type, Kind::Choice),
            "originalIssue" => (F::OriginalIssue, Kind::Date),
            "lastUpdated" => (F::LastUpdated, Kind::Date),
            "identifier" => (F::Identifier, Kind::String),
            "alertEnabled" => (F::AlertEnabled, Kind::Boolean),
            "scheduleID" => (F::ScheduleId, Kind::Numeric),
            "contextID" => (F::ContextId, Kind::Numeric),
            "recommendationsMode" => (F::RecommendationsMode, Kind::Choice),
            "CVSSScore" => (F::CvssScore, Kind::StringOrNumeric),
            "CVE" => (F::Cve, Kind::String),
            _ => return None,
        })
    }

    fn object_id(&self) -> i64 {
        i64::from(self.id)
    }

    fn value(&self, field: RuleField) -> Value<'_> {
        use RuleField as F;
        match field {
            F::Name => Value::Str(&self.name),
            F::Description => Value::Str(&self.description),
            F::MinimumAgentVersion => Value::Str(self.minimum_agent_version),
            F::ApplicationTypeId => Value::Number(f64::from(self.application_type_id)),
            F::Priority => Value::Str(self.priority),
            F::Severity => Value::Str(self.severity),
            F::EventLoggingDisabled => Value::Bool(self.event_logging_disabled),
            F::GenerateEventOnPacketDrop => Value::Bool(self.generate_event_on_packet_drop),
            F::AlwaysIncludePacketData => Value::Bool(self.always_include_packet_data),
            F::DebugModeEnabled => Value::Bool(self.debug_mode_enabled),
            F::Type => Value::Str(self.rule_type),
            F::OriginalIssue => Value::Date(self.original_issue),
            F::LastUpdated => Value::Date(self.last_updated),
            F::Identifier => Value::Str(&self.identifier),
            F::AlertEnabled => Value::Bool(self.alert_enabled),
            F::ScheduleId | F::ContextId => Value::Null,
            F::RecommendationsMode => Value::Str(self.recommendations_mode),
            F::CvssScore => self.cvss_score.as_deref().map_or(Value::Null, Value::Str),
            F::Cve => Value::List(&self.cve),
        }
    }
}

fn severity_of(cvss: f64) -> &'static str {
    match cvss {
        s if s >= 9.0 => "critical",
        s if s >= 7.0 => "high",
        s if s >= 4.0 => "medium",
        _ => "low",
    }
}

fn priority_of(severity: &str) -> &'static str {
    match severity {
        "critical" => "high",
        "high" => "normal",
        "medium" => "normal",
        _ => "low",
    }
}

fn minimum_agent_version(identifier: u32) -> &'static str {
    match identifier {
        0..1_005_000 => "7.5.0.0",
        1_005_000..1_008_000 => "9.0.0.0",
        1_008_000..1_010_000 => "10.0.0.0",
        1_010_000..1_011_000 => "11.0.0.0",
        _ => "12.0.0.0",
    }
}

/// The text of a rule's CVE list in its name: `A`, `A and B`, `A, B and C`.
fn cve_phrase(cves: &[String]) -> String {
    match cves {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

struct Draft {
    identifier: u32,
    rule: IpsRule,
}

#[allow(clippy::too_many_arguments)]
fn rule(
    identifier: u32,
    name: String,
    description: String,
    app: AppType,
    rule_type: &'static str,
    issued_ms: i64,
    updated_ms: i64,
    cvss: Option<f64>,
    cvss_text: Option<String>,
    cve: Vec<String>,
) -> Draft {
    let severity = cvss.map_or("medium", severity_of);
    Draft {
        identifier,
        rule: IpsRule {
            name,
            description,
            minimum_agent_version: minimum_agent_version(identifier),
            application_type_id: app.id,
            priority: priority_of(severity),
            severity,
            detect_only: rule_type == "info",
            event_logging_disabled: false,
            generate_event_on_packet_drop: true,
            always_include_packet_data: false,
            debug_mode_enabled: false,
            rule_type,
            original_issue: issued_ms,
            last_updated: updated_ms,
            identifier: identifier.to_string(),
            alert_enabled: false,
            recommendations_mode: "enabled",
            can_be_assigned_alone: true,
            depends_on_rule_ids: Vec::new(),
            id: 0,
            cvss_score: cvss_text,
            cve,
            family: app.family,
            topic: app.topic,
        },
    }
}

fn generate_ips_rules() -> Vec<IpsRule> {
    let known_identifiers: BTreeSet<u32> = KNOWN_RULES
        .iter()
        .filter_map(|known| known.identifier.parse().ok())
        .collect();
    let known_cves: BTreeSet<&str> = KNOWN_RULES
        .iter()
        .flat_map(|known| known.cves.iter().copied())
        .collect();
    let products: Vec<(usize, u32)> = PRODUCTS
        .iter()
        .enumerate()
        .map(|(index, product)| (index, product.weight))
        .collect();
    let mut rng = Rng::derive(CATALOGUE_SEED, 1, 0);
    let mut drafts = Vec::with_capacity(GENERATED_RULES + KNOWN_RULES.len());
    let mut seen_cves: BTreeSet<String> = BTreeSet::new();
    let mut cves_by_product: Vec<Vec<String>> = vec![Vec::new(); PRODUCTS.len()];
    let mut identifier: u32 = 1_000_100;
    for index in 0..GENERATED_RULES {
        identifier += 1 + rng.below(7) as u32;
        while known_identifiers.contains(&identifier) {
            identifier += 1;
        }
        let span = LAST_ISSUE_MS - FIRST_ISSUE_MS;
        let issued_ms = FIRST_ISSUE_MS
            + span * index as i64 / GENERATED_RULES as i64
            + rng.between(0, 20) * DAY_MS;
        let updated_ms = if rng.chance(0.3) {
            issued_ms + rng.between(7, 700) * DAY_MS
        } else {
            issued_ms
        };
        let year = 1970 + issued_ms / (DAY_MS * 36525 / 100);
        let product_index = *rng.weighted(&products);
        let product = PRODUCTS[product_index];
        let rule_type = *rng.weighted(RULE_TYPES);
        let (weakness, base_score) = *rng.pick(WEAKNESSES);
        let cve_count = match rule_type {
            "vulnerability" | "exploit" => *rng.weighted(&[(1_usize, 75), (2, 18), (3, 7)]),
            "smart" => usize::from(rng.chance(0.3)),
            _ => 0,
        };
        let mut cves: Vec<String> = Vec::with_capacity(cve_count);
        while cves.len() < cve_count {
            let shared = &cves_by_product[product_index];
            let cve = if !shared.is_empty() && rng.chance(0.04) {
                rng.pick(shared).clone()
            } else {
                let cve_year = (year - rng.between(0, 1)).max(1999);
                format!("CVE-{cve_year}-{:04}", rng.between(1000, 49_999))
            };
            if known_cves.contains(cve.as_str()) || cves.contains(&cve) {
                continue;
            }
            cves.push(cve);
        }
        for cve in &cves {
            if seen_cves.insert(cve.clone()) {
                cves_by_product[product_index].push(cve.clone());
            }
        }
        let cvss = (!cves.is_empty()).then(|| {
            let score = (base_score + rng.between(-12, 9) as f64 / 10.0).clamp(2.0, 10.0);
            (score * 10.0).round() / 10.0
        });
        let name = match rule_type {
            "vulnerability" | "exploit" => {
                let noun = if cves.len() > 1 {
                    "Vulnerabilities"
                } else {
                    "Vulnerability"
                };
                format!("{} {weakness} {noun} ({})", product.name, cve_phrase(&cves))
            }
            "smart" if cves.is_empty() => {
                format!("Generic {weakness} Prevention - {}", product.name)
            }
            "smart" => format!(
                "Identified {} {weakness} Attempt ({})",
                product.name,
                cve_phrase(&cves)
            ),
            "policy" => format!("Restrict {} Traffic", product.name),
            _ => format!("{} Protocol Decoder", product.name),
        };
        let description = match rule_type {
            "vulnerability" | "exploit" => format!(
                "{} is prone to a {} vulnerability. A remote attacker could exploit it with a specially crafted request. This rule detects and blocks such attempts.",
                product.name,
                weakness.to_lowercase()
            ),
            "smart" => format!(
                "This rule detects generic {} attempts against {}.",
                weakness.to_lowercase(),
                product.name
            ),
            "policy" => format!("This rule restricts {} traffic by policy.", product.name),
            _ => format!(
                "This rule decodes {} traffic for other rules.",
                product.name
            ),
        };
        let cvss_text = cvss.map(|score| format!("{score:.1}"));
        drafts.push(rule(
            identifier,
            name,
            description,
            product.app,
            rule_type,
            issued_ms,
            updated_ms,
            cvss,
            cvss_text,
            cves,
        ));
    }
    for known in KNOWN_RULES {
        let cvss: f64 = known.cvss.parse().unwrap_or(5.0);
        let identifier = known.identifier.parse().unwrap_or_default();
        drafts.push(rule(
            identifier,
            known.name.to_owned(),
            format!(
                "This rule protects against exploitation of {}.",
                cve_phrase(
                    &known
                        .cves
                        .iter()
                        .map(|c| (*c).to_owned())
                        .collect::<Vec<_>>()
                )
            ),
            known.app,
            "vulnerability",
            known.issued_ms,
            known.issued_ms + 14 * DAY_MS,
            Some(cvss),
            Some(known.cvss.to_owned()),
            known.cves.iter().map(|cve| (*cve).to_owned()).collect(),
        ));
    }
    drafts.sort_by_key(|draft| draft.identifier);
    let mut id = 0;
    drafts
        .into_iter()
        .map(|mut draft| {
            id += 1 + if rng.chance(0.05) {
                rng.between(1, 4) as i32
            } else {
                0
            };
            draft.rule.id = id;
            draft.rule
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_large_sorted_and_stable() {
        let catalog = RuleCatalog::build();
        assert_eq!(catalog.ips.len(), GENERATED_RULES + KNOWN_RULES.len());
        assert!(catalog.ips.windows(2).all(|pair| pair[0].id < pair[1].id));
        let identifiers: BTreeSet<&str> = catalog
            .ips
            .iter()
            .map(|rule| rule.identifier.as_str())
            .collect();
        assert_eq!(
            identifiers.len(),
            catalog.ips.len(),
            "identifiers are unique"
        );
        let again = RuleCatalog::build();
        assert!(
            catalog
                .ips
                .iter()
                .zip(&again.ips)
                .all(|(a, b)| a.id == b.id && a.name == b.name && a.cve == b.cve)
        );
        assert_eq!(catalog.im.len(), 400);
    }

    #[test]
    fn well_known_cves_are_listed_and_some_cves_are_shared() {
        let catalog = RuleCatalog::build();
        let listing = |cve: &str| {
            catalog
                .ips
                .iter()
                .filter(|rule| rule.cve.iter().any(|c| c == cve))
                .count()
        };
        assert_eq!(listing("CVE-2017-5638"), 2);
        assert_eq!(listing("CVE-2014-6271"), 2);
        assert_eq!(listing("CVE-2021-44228"), 3);
        assert_eq!(listing("CVE-2024-29069"), 1);
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for cve in catalog.ips.iter().flat_map(|rule| rule.cve.iter()) {
            *counts.entry(cve.as_str()).or_default() += 1;
        }
        let shared = counts.values().filter(|count| **count > 1).count();
        assert!(shared >= 10, "{shared} shared CVEs");
        assert!(counts.len() > 3000, "{} distinct CVEs", counts.len());
        let struts = catalog.ips_by_identifier("1008610").expect("known rule");
        assert_eq!(
            catalog.ips_rule(struts).map(|rule| rule.severity),
            Some("critical")
        );
    }

    #[test]
    fn generated_rules_look_real() {
        let catalog = RuleCatalog::build();
        for rule in &catalog.ips {
            assert!(rule.identifier.len() == 7 && rule.identifier.starts_with("10"));
            assert!(!rule.name.is_empty());
            assert_eq!(rule.cvss_score.is_some(), !rule.cve.is_empty(), "{rule:?}");
            for cve in &rule.cve {
                assert!(cve.starts_with("CVE-") && cve.len() >= 13, "{cve}");
            }
        }
        assert_eq!(
            cve_phrase(&["A".into(), "B".into(), "C".into()]),
            "A, B and C"
        );
    }
}
