//! The `expand` and `overrides` query parameters.
//!
//! `expand` repeats (`?expand=computerStatus&expand=intrusionPrevention`, as the SDKs send it);
//! comma-separated values are accepted too. Without `expand` the manager returns everything
//! (`all`); `none` returns only the computer's top-level scalars.

use crate::module::Module;

/// Which optional parts of a computer to include.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expand(u32);

impl Expand {
    pub(crate) const NONE: Self = Self(0);
    pub(crate) const COMPUTER_STATUS: Self = Self(1 << 0);
    pub(crate) const TASKS: Self = Self(1 << 1);
    pub(crate) const EC2: Self = Self(1 << 2);
    pub(crate) const NO_CONNECTOR: Self = Self(1 << 3);
    /// Parts the simulator accepts but never populates (security updates, settings, interfaces,
    /// SAP, ESX and the other clouds' summaries).
    const UNPOPULATED: Self = Self(1 << 4);
    const MODULE_SHIFT: u32 = 8;
    const ALL_MODULES: Self = Self(0xFF << Self::MODULE_SHIFT);
    pub(crate) const ALL: Self = Self(u32::MAX);

    /// The bit of one module's extension.
    pub(crate) fn module(module: Module) -> Self {
        Self(1 << (Self::MODULE_SHIFT + module.index() as u32))
    }

    pub(crate) fn has(self, part: Self) -> bool {
        self.0 & part.0 == part.0
    }

    /// Parses the `expand` values; an error names a value that is not in the API's enum.
    pub(crate) fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut expand = Self::NONE;
        let mut any = false;
        for value in values.into_iter().flat_map(|value| value.split(',')) {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            any = true;
            let part = match value {
                "none" => Self::NONE,
                "all" => Self::ALL,
                "computerStatus" => Self::COMPUTER_STATUS,
                "tasks" => Self::TASKS,
                "allSecurityModules" => Self::ALL_MODULES,
                "antiMalware" => Self::module(Module::AntiMalware),
                "webReputation" => Self::module(Module::WebReputation),
                "activityMonitoring" => Self::module(Module::ActivityMonitoring),
                "firewall" => Self::module(Module::Firewall),
                "intrusionPrevention" => Self::module(Module::IntrusionPrevention),
                "integrityMonitoring" => Self::module(Module::IntegrityMonitoring),
                "logInspection" => Self::module(Module::LogInspection),
                "applicationControl" => Self::module(Module::ApplicationControl),
                "allVirtualMachineSummaries" => Self(Self::EC2.0 | Self::NO_CONNECTOR.0),
                "ec2VirtualMachineSummary" => Self::EC2,
                "noConnectorVirtualMachineSummary" => Self::NO_CONNECTOR,
                "securityUpdates"
                | "computerSettings"
                | "SAP"
                | "interfaces"
                | "ESXSummary"
                | "azureARMVirtualMachineSummary"
                | "azureVMVirtualMachineSummary"
                | "vmwareVMVirtualMachineSummary"
                | "vcloudVMVirtualMachineSummary"
                | "workspaceVirtualMachineSummary"
                | "gcpVirtualMachineSummary" => Self::UNPOPULATED,
                other => return Err(format!("invalid expand value `{other}`")),
            };
            expand = Self(expand.0 | part.0);
        }
        Ok(if any { expand } else { Self::ALL })
    }
}

/// The query parameters the simulator reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Params {
    pub expand: Expand,
    /// `overrides=true`: only what is set on the object itself, not what it inherits.
    pub overrides: bool,
}

impl Params {
    /// Parses a raw query string (`application/x-www-form-urlencoded`, as the SDKs send it); the
    /// first malformed parameter is the error.
    pub(crate) fn parse(query: Option<&str>) -> Result<Self, String> {
        let mut expands = Vec::new();
        let mut overrides = false;
        for parameter in query.unwrap_or_default().split('&') {
            check_escapes(parameter)?;
            let Some((name, value)) = url::form_urlencoded::parse(parameter.as_bytes()).next()
            else {
                continue;
            };
            match name.as_ref() {
                "expand" => expands.push(value),
                "overrides" => {
                    overrides = match value.as_ref() {
                        "true" => true,
                        "false" | "" => false,
                        other => return Err(format!("overrides `{other}` is not true or false")),
                    }
                }
                _ => {}
            }
        }
        Ok(Self {
            expand: Expand::parse(expands.iter().map(AsRef::as_ref))?,
            overrides,
        })
    }
}

/// Refuses a `%` that is not followed by two hexadecimal digits in one `name=value`, naming the
/// name or value that holds it (`form_urlencoded` would keep such a `%` as it is).
fn check_escapes(parameter: &str) -> Result<(), String> {
    let malformed = |text: &str| {
        let bytes = text.as_bytes();
        bytes.iter().enumerate().any(|(at, byte)| {
            *byte == b'%'
                && !bytes
                    .get(at + 1..at + 3)
                    .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
        })
    };
    let (name, value) = parameter.split_once('=').unwrap_or((parameter, ""));
    match [value, name].into_iter().find(|part| malformed(part)) {
        Some(part) => Err(format!("bad percent escape in query `{part}`")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_expand_means_all_and_none_means_basics() {
        assert_eq!(Params::parse(None).expect("parses").expand, Expand::ALL);
        let none = Params::parse(Some("expand=none")).expect("parses").expand;
        assert!(!none.has(Expand::COMPUTER_STATUS));
        assert!(!none.has(Expand::module(Module::AntiMalware)));
    }

    #[test]
    fn repeated_and_comma_separated_values_add_up() {
        let params = Params::parse(Some(
            "expand=computerStatus&expand=intrusionPrevention,ec2VirtualMachineSummary&overrides=true",
        ))
        .expect("parses");
        assert!(params.overrides);
        let expand = params.expand;
        assert!(expand.has(Expand::COMPUTER_STATUS));
        assert!(expand.has(Expand::EC2));
        assert!(expand.has(Expand::module(Module::IntrusionPrevention)));
        assert!(!expand.has(Expand::module(Module::AntiMalware)));
        assert!(!expand.has(Expand::NO_CONNECTOR));
        let modules = Params::parse(Some("expand=allSecurityModules")).expect("parses");
        assert!(
            Module::ALL
                .iter()
                .all(|m| modules.expand.has(Expand::module(*m)))
        );
        assert!(!modules.expand.has(Expand::TASKS));
    }

    #[test]
    fn form_encoding_is_decoded() {
        let params = Params::parse(Some(
            "&expand=computer%53tatus%2CintrusionPrevention&&over%72ides=true&expand=+tasks+&x",
        ))
        .expect("parses");
        assert!(params.overrides);
        assert!(params.expand.has(Expand::COMPUTER_STATUS));
        assert!(params.expand.has(Expand::TASKS));
        assert!(
            params
                .expand
                .has(Expand::module(Module::IntrusionPrevention))
        );
        assert!(!params.expand.has(Expand::EC2));
        assert_eq!(
            Params::parse(Some("overrides")).expect("parses"),
            Params::parse(Some("overrides=false")).expect("parses")
        );
        assert_eq!(Params::parse(Some("")).expect("parses").expand, Expand::ALL);
    }

    #[test]
    fn bad_values_are_refused() {
        assert_eq!(
            Params::parse(Some("expand=everything")).unwrap_err(),
            "invalid expand value `everything`"
        );
        assert!(Params::parse(Some("overrides=maybe")).is_err());
        assert!(Params::parse(Some("expand=%ZZ")).is_err());
        assert_eq!(
            Params::parse(Some("expand=none&other=%4")).unwrap_err(),
            "bad percent escape in query `%4`"
        );
        assert!(Params::parse(Some("expand=%C3%28")).is_err());
        assert!(
            Params::parse(Some("expand=computer%53tatus"))
                .expect("parses")
                .expand
                .has(Expand::COMPUTER_STATUS)
        );
    }
}
