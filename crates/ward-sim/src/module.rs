//! The agent's protection modules as the API names them, with the states each accepts.

/// A protection module. Computers and policies carry one extension object per module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Module {
    AntiMalware,
    WebReputation,
    ActivityMonitoring,
    Firewall,
    IntrusionPrevention,
    IntegrityMonitoring,
    LogInspection,
    ApplicationControl,
}

impl Module {
    pub(crate) const ALL: [Self; 8] = [
        Self::AntiMalware,
        Self::WebReputation,
        Self::ActivityMonitoring,
        Self::Firewall,
        Self::IntrusionPrevention,
        Self::IntegrityMonitoring,
        Self::LogInspection,
        Self::ApplicationControl,
    ];

    /// Position in [`Module::ALL`], for per-module arrays.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The extension's field name on `computer` and `policy`.
    pub(crate) fn field(self) -> &'static str {
        match self {
            Self::AntiMalware => "antiMalware",
            Self::WebReputation => "webReputation",
            Self::ActivityMonitoring => "activityMonitoring",
            Self::Firewall => "firewall",
            Self::IntrusionPrevention => "intrusionPrevention",
            Self::IntegrityMonitoring => "integrityMonitoring",
            Self::LogInspection => "logInspection",
            Self::ApplicationControl => "applicationControl",
        }
    }

    /// The states that can be read back (`inherited` is write-only and not among them).
    pub(crate) fn states(self) -> &'static [&'static str] {
        match self {
            Self::IntrusionPrevention => &["prevent", "detect", "off"],
            Self::IntegrityMonitoring => &["real-time", "on", "off"],
            _ => &["on", "off"],
        }
    }

    /// The interned form of a state the module accepts (`inherited` excluded).
    pub(crate) fn state(self, given: &str) -> Option<&'static str> {
        self.states().iter().copied().find(|state| *state == given)
    }

    /// An error message listing what the module accepts.
    pub(crate) fn invalid_state(self, given: &str) -> String {
        format!(
            "{}.state `{given}` is not one of inherited, {}",
            self.field(),
            self.states().join(", ")
        )
    }
}

/// How a module is doing on one agent, apart from being on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Health {
    #[default]
    Fine,
    Warning(&'static str),
    Error(&'static str),
}

impl Health {
    /// What a module may warn about.
    pub(crate) fn warning_for(module: Module) -> &'static [&'static str] {
        match module {
            Module::AntiMalware => &[
                "Anti-Malware pattern out of date",
                "Smart Scan Server Disconnected",
            ],
            Module::WebReputation => &["Smart Protection Server Disconnected for Web Reputation"],
            Module::ActivityMonitoring => &["Activity Monitoring configuration pending"],
            Module::Firewall => &["Firewall rules require configuration"],
            Module::IntrusionPrevention => &[
                "Intrusion Prevention rules require configuration",
                "Recommendation scan out of date",
            ],
            Module::IntegrityMonitoring => &["Integrity Monitoring baseline out of date"],
            Module::LogInspection => &["Log Inspection rules require configuration"],
            Module::ApplicationControl => &["Application Control maintenance mode expired"],
        }
    }

    /// What a module may fail with.
    pub(crate) fn error_for(module: Module) -> &'static str {
        match module {
            Module::AntiMalware => "Anti-Malware Engine Offline",
            Module::WebReputation => "Web Reputation Engine Offline",
            Module::ActivityMonitoring => "Activity Monitoring Engine Offline",
            Module::Firewall => "Firewall Engine Offline",
            Module::IntrusionPrevention => "Intrusion Prevention Engine Offline",
            Module::IntegrityMonitoring => "Integrity Monitoring Engine Offline",
            Module::LogInspection => "Log Inspection Engine Offline",
            Module::ApplicationControl => "Application Control Engine Offline",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_interned_and_inherited_is_not_readable() {
        assert_eq!(
            Module::IntrusionPrevention.state("prevent"),
            Some("prevent")
        );
        assert_eq!(Module::IntrusionPrevention.state("on"), None);
        assert_eq!(Module::AntiMalware.state("inherited"), None);
        assert_eq!(
            Module::IntegrityMonitoring.invalid_state("x"),
            "integrityMonitoring.state `x` is not one of inherited, real-time, on, off"
        );
        for (position, module) in Module::ALL.into_iter().enumerate() {
            assert_eq!(module.index(), position);
        }
    }
}
