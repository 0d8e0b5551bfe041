//! AWS Config custom rules: which check a rule asks for (from its `ruleParameters`, or the original
//! integration's rule names and parameters), and the verdict for one instance.

use crate::decision::Facts;
use serde_json::Value;
use ward_core::{AgentStatus, Compliance, Computer, Module};
use ward_events::RuleParameters;

/// The check a Config rule asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleKind {
    /// The module is on (`prevent` for IPS, `real-time` for anti-malware and integrity
    /// monitoring) and its status is active.
    ProtectedBy(Module),
    /// The computer's policy has this name (case-insensitive).
    HasPolicy(String),
    /// The agent is active and no module reports a warning or an error.
    IsClear,
    /// Anti-malware real-time scanning is on and active.
    AntiMalwareRealTime,
}

impl RuleKind {
    /// A short description, for reasons.
    pub fn describe(&self) -> String {
        match self {
            Self::ProtectedBy(module) => format!("protected-by {module}"),
            Self::HasPolicy(policy) => format!("has-policy {policy:?}"),
            Self::IsClear => "is-clear".into(),
            Self::AntiMalwareRealTime => "anti-malware-real-time".into(),
        }
    }
}

/// The original integration's parameters (and the 2019 rework's spelling) that ward ignores:
/// credentials and connection settings now come from `ward.toml`.
const ORIGINAL_CONNECTION_KEYS: [&str; 18] = [
    "dsUsername",
    "dsPassword",
    "dsPasswordKey",
    "dsPasswordEncryptionContext",
    "dsTenant",
    "dsHostname",
    "dsPort",
    "dsIgnoreSslValidation",
    "dsUsernameKey",
    "DSUsername",
    "DSPassword",
    "DSUsernameKey",
    "DSPasswordKey",
    "DSHostname",
    "DSPort",
    "DSTenant",
    "DSIgnoreSslValidation",
    "dsPasswordEncrypted",
];

/// The check a rule asks for: `ruleParameters` `{"kind": …}` when given; else the original
/// parameters (`dsControl`, `dsPolicy`) or rule names (`ds-IsInstanceProtectedBy`, …); else
/// `is-clear`. Errors say what is wrong with the parameters.
pub fn rule_kind(rule_name: &str, parameters: Option<&RuleParameters>) -> Result<RuleKind, String> {
    let object = match parameters {
        None => serde_json::Map::new(),
        Some(RuleParameters::Invalid { error, .. }) => {
            return Err(format!("ruleParameters is not valid JSON: {error}"));
        }
        Some(RuleParameters::Json { value, .. }) => match value {
            Value::Object(object) => object.clone(),
            Value::Null => serde_json::Map::new(),
            other => {
                return Err(format!(
                    "ruleParameters must be a JSON object, not {}",
                    json_type(other)
                ));
            }
        },
    };
    if let Some(kind) = object.get("kind") {
        return ward_kind(kind, &object);
    }
    original_kind(rule_name, &object)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string_parameter<'a>(
    object: &'a serde_json::Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, String> {
    match object.get(name) {
        None => Ok(None),
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(Some(text.trim())),
        Some(Value::String(_)) => Err(format!("ruleParameters.{name} is empty")),
        Some(other) => Err(format!(
            "ruleParameters.{name} must be a string, not {}",
            json_type(other)
        )),
    }
}

fn module(name: &str, text: &str) -> Result<Module, String> {
    text.parse::<Module>()
        .map_err(|error| format!("ruleParameters.{name}: {error}"))
}

fn ward_kind(kind: &Value, object: &serde_json::Map<String, Value>) -> Result<RuleKind, String> {
    let Value::String(kind) = kind else {
        return Err(format!(
            "ruleParameters.kind must be a string, not {}",
            json_type(kind)
        ));
    };
    let allowed: &[&str] = match kind.as_str() {
        "protected-by" => &["kind", "module"],
        "has-policy" => &["kind", "policy"],
        "is-clear" | "anti-malware-real-time" => &["kind"],
        other => {
            return Err(format!(
                "ruleParameters.kind `{other}` is unknown (expected protected-by, has-policy, \
                 is-clear or anti-malware-real-time)"
            ));
        }
    };
    if let Some(unknown) = object.keys().find(|key| !allowed.contains(&key.as_str())) {
        return Err(format!(
            "ruleParameters.{unknown} is not a parameter of kind `{kind}`"
        ));
    }
    match kind.as_str() {
        "protected-by" => {
            let name = string_parameter(object, "module")?
                .ok_or("ruleParameters.module is required for kind `protected-by`")?;
            Ok(RuleKind::ProtectedBy(module("module", name)?))
        }
        "has-policy" => {
            let name = string_parameter(object, "policy")?
                .ok_or("ruleParameters.policy is required for kind `has-policy`")?;
            Ok(RuleKind::HasPolicy(name.to_owned()))
        }
        "is-clear" => Ok(RuleKind::IsClear),
        _ => Ok(RuleKind::AntiMalwareRealTime),
    }
}

fn original_kind(
    rule_name: &str,
    object: &serde_json::Map<String, Value>,
) -> Result<RuleKind, String> {
    let control = match string_parameter(object, "dsControl")? {
        Some(control) => Some(("dsControl", control)),
        None => string_parameter(object, "DSControl")?.map(|control| ("DSControl", control)),
    };
    let policy = match string_parameter(object, "dsPolicy")? {
        Some(policy) => Some(policy),
        None => string_parameter(object, "DSPolicy")?,
    };
    if let Some(unknown) = object.keys().find(|key| {
        !ORIGINAL_CONNECTION_KEYS.contains(&key.as_str())
            && !["dsControl", "DSControl", "dsPolicy", "DSPolicy"].contains(&key.as_str())
    }) {
        return Err(format!(
            "ruleParameters.{unknown} is unknown (expected `kind`, or the original `dsControl` / `dsPolicy`)"
        ));
    }
    let name = rule_name.to_ascii_lowercase();
    if let Some((key, control)) = control {
        return Ok(RuleKind::ProtectedBy(module(key, control)?));
    }
    if let Some(policy) = policy {
        return Ok(RuleKind::HasPolicy(policy.to_owned()));
    }
    if name.contains("isinstanceprotectedbyantimalware") {
        Ok(RuleKind::AntiMalwareRealTime)
    } else if name.contains("isinstanceprotectedby") {
        Err("rule ds-IsInstanceProtectedBy needs ruleParameters.dsControl (or kind/module)".into())
    } else if name.contains("doesinstancehavepolicy") {
        Err("rule ds-DoesInstanceHavePolicy needs ruleParameters.dsPolicy (or kind/policy)".into())
    } else {
        Ok(RuleKind::IsClear)
    }
}

/// The verdict of `kind` on one instance, and why.
pub fn evaluate(kind: &RuleKind, instance_id: &str, facts: &Facts<'_>) -> (Compliance, String) {
    let Some(computer) = facts.computer else {
        return (
            Compliance::NonCompliant,
            format!(
                "instance {instance_id} has no Workload Security agent (no computer in the manager)"
            ),
        );
    };
    if !computer.protected() {
        return (
            Compliance::NonCompliant,
            format!(
                "instance {instance_id} has no active agent: computer {} ({}) agent status {}",
                computer.computer_id, computer.host_name, computer.agent_status
            ),
        );
    }
    match kind {
        RuleKind::ProtectedBy(module) => module_verdict(computer, *module),
        RuleKind::AntiMalwareRealTime => module_verdict(computer, Module::AntiMalware),
        RuleKind::HasPolicy(wanted) => match facts.policy {
            Some(policy) if policy.name.eq_ignore_ascii_case(wanted) => (
                Compliance::Compliant,
                format!(
                    "computer {} has policy {:?}",
                    computer.computer_id, policy.name
                ),
            ),
            Some(policy) => (
                Compliance::NonCompliant,
                format!(
                    "computer {} has policy {:?}, not {wanted:?}",
                    computer.computer_id, policy.name
                ),
            ),
            None => (
                Compliance::NonCompliant,
                format!(
                    "computer {} has no policy (wanted {wanted:?})",
                    computer.computer_id
                ),
            ),
        },
        RuleKind::IsClear => {
            let troubled: Vec<String> = computer
                .modules
                .iter()
                .filter(|(_, state)| {
                    matches!(state.status, AgentStatus::Warning | AgentStatus::Error)
                })
                .map(|(module, state)| format!("{module} {}", state.status))
                .collect();
            if computer.agent_status != AgentStatus::Active {
                (
                    Compliance::NonCompliant,
                    format!(
                        "computer {} agent status is {}",
                        computer.computer_id, computer.agent_status
                    ),
                )
            } else if troubled.is_empty() {
                (
                    Compliance::Compliant,
                    format!(
                        "computer {} is active with no warnings or errors",
                        computer.computer_id
                    ),
                )
            } else {
                (
                    Compliance::NonCompliant,
                    format!("computer {}: {}", computer.computer_id, troubled.join(", ")),
                )
            }
        }
    }
}

fn module_verdict(computer: &Computer, module: Module) -> (Compliance, String) {
    let wanted = if module == Module::AntiMalware {
        "real-time"
    } else {
        module.on_state()
    };
    match computer.modules.get(&module) {
        Some(state) if state.is_on(module) => (
            Compliance::Compliant,
            format!(
                "computer {}: {module} is {} and active",
                computer.computer_id, state.state
            ),
        ),
        Some(state) => (
            Compliance::NonCompliant,
            format!(
                "computer {}: {module} is {} with status {} (wanted {wanted}, active)",
                computer.computer_id, state.state, state.status
            ),
        ),
        None => (
            Compliance::NonCompliant,
            format!(
                "computer {}: the manager reports no {module} state",
                computer.computer_id
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> RuleParameters {
        RuleParameters::Json {
            raw: text.into(),
            value: serde_json::from_str(text).unwrap(),
        }
    }

    #[test]
    fn kinds_come_from_parameters_or_the_original_names() {
        let kind = |name: &str, params: Option<&str>| rule_kind(name, params.map(json).as_ref());
        assert_eq!(kind("any", None), Ok(RuleKind::IsClear));
        assert_eq!(
            kind(
                "any",
                Some(r#"{"kind": "protected-by", "module": "intrusion_prevention"}"#)
            ),
            Ok(RuleKind::ProtectedBy(Module::IntrusionPrevention))
        );
        assert_eq!(
            kind(
                "any",
                Some(r#"{"kind": "has-policy", "policy": "Linux Server"}"#)
            ),
            Ok(RuleKind::HasPolicy("Linux Server".into()))
        );
        assert_eq!(
            kind(
                "ds-IsInstanceProtectedBy",
                Some(r#"{"dsControl": "anti_malware", "dsHostname": "x"}"#)
            ),
            Ok(RuleKind::ProtectedBy(Module::AntiMalware))
        );
        assert_eq!(
            kind(
                "ds-DoesInstanceHavePolicy",
                Some(r#"{"dsPolicy": "base policy"}"#)
            ),
            Ok(RuleKind::HasPolicy("base policy".into()))
        );
        assert_eq!(
            kind("ds-IsInstanceProtectedByAntiMalware", Some("{}")),
            Ok(RuleKind::AntiMalwareRealTime)
        );
        assert_eq!(kind("ds-IsInstanceClear", None), Ok(RuleKind::IsClear));
    }

    #[test]
    fn bad_parameters_say_what_is_wrong() {
        let kind = |name: &str, params: &str| rule_kind(name, Some(&json(params))).unwrap_err();
        assert!(kind("r", r#"{"kind": "protected-by"}"#).contains("module is required"));
        assert!(
            kind("r", r#"{"kind": "protected-by", "module": "lasers"}"#).contains("unknown module")
        );
        assert!(kind("r", r#"{"kind": "teleport"}"#).contains("`teleport` is unknown"));
        assert!(kind("r", r#"{"kind": "is-clear", "extra": 1}"#).contains("ruleParameters.extra"));
        assert!(kind("r", r#"[1]"#).contains("not an array"));
        assert!(kind("ds-IsInstanceProtectedBy", "{}").contains("dsControl"));
        let invalid = RuleParameters::Invalid {
            raw: "{".into(),
            error: "EOF while parsing".into(),
        };
        assert!(
            rule_kind("r", Some(&invalid))
                .unwrap_err()
                .contains("not valid JSON")
        );
    }
}
