//! The WAF sweep's decisions: which of Trend Micro's
//! managed rule groups for AWS WAF a WebACL should hold, judged by the IPS rules that protect the
//! instances behind it, and how to add the missing groups to the WebACL's rules without touching
//! the rules already there.
//!
//! Rules are judged by their names: an application type ID differs from one manager to the next,
//! a rule's name says which product it is about ("Apache Struts2 …", "WordPress …"). Pure: no I/O.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use ward_core::IpsRule;
pub use ward_core::waf::{AclRule, RuleAddition, RuleGroup};

/// Products an IPS rule name may mention, and the group that covers them. A word of the name
/// must equal the key (case-insensitive).
const PRODUCT_WORDS: [(&str, RuleGroup); 9] = [
    ("nginx", RuleGroup::WebServer),
    ("httpd", RuleGroup::WebServer),
    ("tomcat", RuleGroup::WebServer),
    ("struts", RuleGroup::WebServer),
    ("struts2", RuleGroup::WebServer),
    ("solr", RuleGroup::WebServer),
    ("wordpress", RuleGroup::Cms),
    ("drupal", RuleGroup::Cms),
    ("joomla", RuleGroup::Cms),
];

/// Words that, right after "Apache", name the HTTP server ("Apache HTTP Server", "Apache httpd",
/// "Apache Web Server", "Apache mod_…"). Other Apache projects (Log4j, Kafka, ActiveMQ) are not
/// what the WebServer group covers.
const APACHE_SERVER_WORDS: [&str; 5] = ["http", "httpd", "web", "server", "mod"];

/// The group an IPS rule's name points at, if any.
pub fn group_for_rule_name(name: &str) -> BTreeSet<RuleGroup> {
    let words: Vec<String> = name
        .split(|c: char| !(c.is_alphanumeric()))
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut groups = BTreeSet::new();
    for (index, word) in words.iter().enumerate() {
        if let Some((_, group)) = PRODUCT_WORDS.iter().find(|(key, _)| key == word) {
            groups.insert(*group);
        }
        if word == "apache"
            && words
                .get(index + 1)
                .is_some_and(|next| APACHE_SERVER_WORDS.contains(&next.as_str()))
        {
            groups.insert(RuleGroup::WebServer);
        }
    }
    groups
}

/// The groups a set of IPS rules calls for, each with the names of the rules that call for it
/// (sorted, deduplicated).
pub fn recommend<'a>(
    rules: impl IntoIterator<Item = &'a IpsRule>,
) -> BTreeMap<RuleGroup, Vec<String>> {
    let mut because: BTreeMap<RuleGroup, BTreeSet<String>> = BTreeMap::new();
    for rule in rules {
        for group in group_for_rule_name(&rule.name) {
            because.entry(group).or_default().insert(rule.name.clone());
        }
    }
    because
        .into_iter()
        .map(|(group, names)| (group, names.into_iter().collect()))
        .collect()
}

/// Where the managed groups are published: the vendor and each group's name as AWS WAF lists them
/// (`ListAvailableManagedRuleGroups`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupNames {
    pub vendor: String,
    pub webserver: String,
    pub cms: String,
}

impl GroupNames {
    pub fn name(&self, group: RuleGroup) -> &str {
        match group {
            RuleGroup::WebServer => &self.webserver,
            RuleGroup::Cms => &self.cms,
        }
    }
}

/// How the recommended groups meet a WebACL's rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclPlan {
    /// Recommended groups the WebACL already holds.
    pub present: Vec<RuleGroup>,
    /// Rules to add, in priority order, after every rule already there.
    pub add: Vec<RuleAddition>,
}

/// A name AWS WAF accepts (`^[\w\-]+$`, at most 128 characters): other characters become `-`.
pub fn waf_name(text: &str) -> String {
    let name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(128)
        .collect();
    if name.is_empty() { "-".into() } else { name }
}

/// Which recommended groups are present and which rules to add: each missing group as a rule named
/// `ward-<group>`, at the priorities after the highest one in use (so every existing rule keeps
/// its place and is evaluated first), with a suffix when that name is taken.
pub fn plan(existing: &[AclRule], wanted: &BTreeSet<RuleGroup>, names: &GroupNames) -> AclPlan {
    let mut plan = AclPlan::default();
    let taken: BTreeSet<&str> = existing.iter().map(|rule| rule.name.as_str()).collect();
    let mut new_names = Vec::new();
    let mut next_priority = existing
        .iter()
        .map(|rule| rule.priority)
        .max()
        .map_or(0, |max| max.saturating_add(1));
    for &group in wanted {
        let group_name = names.name(group);
        let present = existing.iter().any(|rule| {
            rule.managed_group
                .as_ref()
                .is_some_and(|(vendor, name)| vendor == &names.vendor && name == group_name)
        });
        if present {
            plan.present.push(group);
            continue;
        }
        let base = waf_name(&format!("ward-{group_name}"));
        let mut rule_name = base.clone();
        let mut suffix = 2;
        while taken.contains(rule_name.as_str()) || new_names.contains(&rule_name) {
            rule_name = format!("{base}-{suffix}");
            suffix += 1;
        }
        new_names.push(rule_name.clone());
        plan.add.push(RuleAddition {
            group,
            rule_name,
            priority: next_priority,
            vendor: names.vendor.clone(),
            group_name: group_name.to_owned(),
        });
        next_priority = next_priority.saturating_add(1);
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use ward_core::RuleId;

    fn rule(id: i64, name: &str) -> IpsRule {
        IpsRule {
            rule_id: RuleId(id),
            identifier: None,
            name: name.into(),
            cves: vec![],
            cvss_score: None,
            severity: None,
            rule_type: None,
            application_type_id: None,
        }
    }

    fn names() -> GroupNames {
        GroupNames {
            vendor: "Trend Micro".into(),
            webserver: "TrendMicro-WebServer".into(),
            cms: "TrendMicro-CMS".into(),
        }
    }

    fn existing(name: &str, priority: i32, managed: Option<(&str, &str)>) -> AclRule {
        AclRule {
            name: name.into(),
            priority,
            managed_group: managed.map(|(v, n)| (v.into(), n.into())),
        }
    }

    #[test]
    fn rule_names_point_at_their_group() {
        let web = BTreeSet::from([RuleGroup::WebServer]);
        let cms = BTreeSet::from([RuleGroup::Cms]);
        for name in [
            "Apache Struts2 Jakarta Multipart Parser File Upload Remote Code Execution Vulnerability (CVE-2017-5638)",
            "Apache HTTP Server Denial Of Service Vulnerability (CVE-2017-9788)",
            "Apache Tomcat Remote Code Execution Via JSP Upload (CVE-2017-12615)",
            "Nginx Chunked Transfer Encoding Stack Buffer Overflow (CVE-2013-2028)",
            "NGINX Range Filter Integer Overflow",
            "Apache Solr RunExecutableListener Remote Code Execution",
            "Apache httpd mod_status heap overflow",
        ] {
            assert_eq!(group_for_rule_name(name), web, "{name}");
        }
        for name in [
            "WordPress REST API Content Injection Vulnerability",
            "Drupal Core SQL Injection (CVE-2014-3704)",
            "Joomla! Core Remote Privilege Escalation (CVE-2016-8869)",
        ] {
            assert_eq!(group_for_rule_name(name), cms, "{name}");
        }
        for name in [
            "Apache Log4j Remote Code Execution Vulnerability (CVE-2021-44228)",
            "Microsoft IIS Remote Code Execution",
            "OpenSSH Username Enumeration",
            "Nginxish Thing",
            "",
        ] {
            assert!(group_for_rule_name(name).is_empty(), "{name}");
        }
        assert_eq!(
            group_for_rule_name("WordPress Plugin On Apache Tomcat"),
            BTreeSet::from([RuleGroup::WebServer, RuleGroup::Cms])
        );
    }

    #[test]
    fn recommendations_name_the_rules_behind_them() {
        let rules = [
            rule(1, "Apache Struts2 Remote Code Execution"),
            rule(2, "WordPress XSS"),
            rule(3, "Apache Struts2 Remote Code Execution"),
            rule(4, "OpenSSL Heartbleed"),
        ];
        let recommended = recommend(&rules);
        assert_eq!(
            recommended,
            BTreeMap::from([
                (
                    RuleGroup::WebServer,
                    vec!["Apache Struts2 Remote Code Execution".to_owned()]
                ),
                (RuleGroup::Cms, vec!["WordPress XSS".to_owned()]),
            ])
        );
        assert!(recommend(&[rule(5, "Samba")]).is_empty());
    }

    #[test]
    fn missing_groups_go_after_every_existing_rule() {
        let rules = [
            existing("rate-limit", 3, None),
            existing(
                "aws-common",
                10,
                Some(("AWS", "AWSManagedRulesCommonRuleSet")),
            ),
        ];
        let wanted = BTreeSet::from([RuleGroup::WebServer, RuleGroup::Cms]);
        let plan = plan(&rules, &wanted, &names());
        assert!(plan.present.is_empty());
        assert_eq!(
            plan.add,
            vec![
                RuleAddition {
                    group: RuleGroup::WebServer,
                    rule_name: "ward-TrendMicro-WebServer".into(),
                    priority: 11,
                    vendor: "Trend Micro".into(),
                    group_name: "TrendMicro-WebServer".into(),
                },
                RuleAddition {
                    group: RuleGroup::Cms,
                    rule_name: "ward-TrendMicro-CMS".into(),
                    priority: 12,
                    vendor: "Trend Micro".into(),
                    group_name: "TrendMicro-CMS".into(),
                },
            ]
        );
    }

    #[test]
    fn a_group_already_present_is_not_added_again() {
        let rules = [existing(
            "whatever-name",
            0,
            Some(("Trend Micro", "TrendMicro-WebServer")),
        )];
        let wanted = BTreeSet::from([RuleGroup::WebServer]);
        let plan = plan(&rules, &wanted, &names());
        assert_eq!(plan.present, vec![RuleGroup::WebServer]);
        assert!(plan.add.is_empty());
        // Same group name from another vendor is not the same group.
        let other = [existing("x", 0, Some(("Other", "TrendMicro-WebServer")))];
        assert_eq!(plan_for(&other, RuleGroup::WebServer).add.len(), 1);
    }

    fn plan_for(rules: &[AclRule], group: RuleGroup) -> AclPlan {
        plan(rules, &BTreeSet::from([group]), &names())
    }

    #[test]
    fn an_empty_acl_starts_at_priority_zero_and_names_do_not_clash() {
        assert_eq!(plan_for(&[], RuleGroup::Cms).add[0].priority, 0);
        let rules = [existing("ward-TrendMicro-CMS", 4, None)];
        let added = &plan_for(&rules, RuleGroup::Cms).add[0];
        assert_eq!(added.rule_name, "ward-TrendMicro-CMS-2");
        assert_eq!(added.priority, 5);
        assert_eq!(waf_name("Trend Micro/CMS (x)"), "Trend-Micro-CMS--x-");
    }

    proptest::proptest! {
        /// Adding more rules never takes a recommendation away.
        #[test]
        fn recommendations_only_grow(
            first in proptest::collection::vec("[A-Za-z0-9 ()!-]{0,40}", 0..6),
            more in proptest::collection::vec("[A-Za-z0-9 ()!-]{0,40}", 0..6),
        ) {
            let base: Vec<IpsRule> = first.iter().enumerate().map(|(i, n)| rule(i as i64, n)).collect();
            let all: Vec<IpsRule> = base.iter().cloned()
                .chain(more.iter().enumerate().map(|(i, n)| rule(100 + i as i64, n)))
                .collect();
            let before: BTreeSet<RuleGroup> = recommend(&base).into_keys().collect();
            let after: BTreeSet<RuleGroup> = recommend(&all).into_keys().collect();
            proptest::prop_assert!(before.is_subset(&after));
        }

        /// A plan keeps every existing rule where it is: new priorities are above all existing
        /// ones and unique, new names are valid WAF names and clash with nothing.
        #[test]
        fn plans_never_disturb_existing_rules(
            priorities in proptest::collection::vec(0i32..1000, 0..8),
            rule_names in proptest::collection::vec("(ward-TrendMicro-(CMS|WebServer)(-[0-9])?|[a-z]{1,6})", 0..8),
            has_web in proptest::bool::ANY,
        ) {
            let rules: Vec<AclRule> = priorities.iter().zip(&rule_names).enumerate()
                .map(|(i, (p, n))| existing(n, *p,
                    (has_web && i == 0).then_some(("Trend Micro", "TrendMicro-WebServer"))))
                .collect();
            let wanted = BTreeSet::from(RuleGroup::ALL);
            let plan = plan(&rules, &wanted, &names());
            let max = rules.iter().map(|r| r.priority).max();
            let mut seen = BTreeSet::new();
            for added in &plan.add {
                proptest::prop_assert!(max.is_none_or(|max| added.priority > max));
                proptest::prop_assert!(seen.insert(added.priority));
                proptest::prop_assert!(!rules.iter().any(|r| r.name == added.rule_name));
                proptest::prop_assert!(added.rule_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
            }
            proptest::prop_assert_eq!(plan.present.len() + plan.add.len(), 2);
        }
    }
}
