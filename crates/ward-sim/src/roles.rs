//! The two built-in roles ("Full Access", ID 1, and the read-only "Auditor", ID 2), the API keys
//! that carry them, and the tenant's identity (`apiKeyCurrent`, activation token).
//!
//! The rights a handler checks are read from the same [`Role`] that `GET /roles` returns, so what
//! a client reads about its role is what the simulator enforces.

use crate::computer::Guid;
use crate::rng::{Rng, mix};
use serde::Serialize;
use uuid::Uuid;

/// `computerRights`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ComputerRights {
    pub can_add_and_remove_computer_groups: bool,
    pub can_create_new_computers: bool,
    pub can_delete_computers: bool,
    pub can_dismiss_alerts: bool,
    pub can_edit_computer_properties: bool,
    pub can_import_computers: bool,
    pub can_manage_cloud_accounts: bool,
    pub can_manage_directories: bool,
    #[serde(rename = "canManageVCenters")]
    pub can_manage_vcenters: bool,
    pub can_tag_computers: bool,
    pub can_view_not_related_to_computers: bool,
    pub can_view_other_computers: bool,
}

/// `policyRights`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PolicyRights {
    pub can_create_new_policies: bool,
    pub can_delete_policies: bool,
    pub can_edit_policy_properties: bool,
    pub can_import_policies: bool,
    pub can_view_other_policies: bool,
}

/// `scheduledTaskRights`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScheduledTaskRights {
    pub can_create_new_scheduled_tasks: bool,
    pub can_delete_scheduled_tasks: bool,
    pub can_edit_scheduled_task_properties: bool,
    pub can_execute_scheduled_tasks: bool,
    pub can_view_scheduled_tasks: bool,
}

/// `alertRights`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AlertRights {
    pub can_dismiss_global_alerts: bool,
}

/// `apiKeyRights` (under `platformRights.apikeyRights`, lower-case `k`, as in the schema).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyRights {
    pub can_create_new_api_keys: bool,
    pub can_delete_api_keys: bool,
    pub can_edit_api_key_properties: bool,
    pub can_view_api_keys: bool,
}

/// `platformRights` (the groups the simulator enforces or reports).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlatformRights {
    pub alert_rights: AlertRights,
    pub computer_rights: ComputerRights,
    pub policy_rights: PolicyRights,
    pub scheduled_task_rights: ScheduledTaskRights,
    pub apikey_rights: ApiKeyRights,
}

/// `intrusionPreventionRuleRights`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IntrusionPreventionRuleRights {
    pub can_create_new_intrusion_prevention_rules: bool,
    pub can_delete_intrusion_prevention_rules: bool,
    pub can_edit_intrusion_prevention_rule_properties: bool,
}

/// `intrusionPreventionRights`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IntrusionPreventionRights {
    pub intrusion_prevention_rule_rights: IntrusionPreventionRuleRights,
}

/// `integrityMonitoringRuleRights`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IntegrityMonitoringRuleRights {
    pub can_create_new_integrity_monitoring_rules: bool,
    pub can_delete_integrity_monitoring_rules: bool,
    pub can_edit_integrity_monitoring_rule_properties: bool,
}

/// `integrityMonitoringRights`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IntegrityMonitoringRights {
    pub integrity_monitoring_rule_rights: IntegrityMonitoringRuleRights,
}

/// `rights`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Rights {
    pub platform_rights: PlatformRights,
    pub intrusion_prevention_rights: IntrusionPreventionRights,
    pub integrity_monitoring_rights: IntegrityMonitoringRights,
}

/// A `role`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Role {
    pub name: &'static str,
    pub description: &'static str,
    pub urn: String,
    pub immutable: bool,
    pub can_only_manipulate_users_with_equal_or_lesser_rights: bool,
    pub all_computers: bool,
    pub all_policies: bool,
    pub allow_user_interface: bool,
    pub allow_web_service: bool,
    pub rights: Rights,
    #[serde(rename = "computerIDs")]
    pub computer_ids: Vec<i32>,
    #[serde(rename = "computerGroupIDs")]
    pub computer_group_ids: Vec<i32>,
    #[serde(rename = "policyIDs")]
    pub policy_ids: Vec<i32>,
    #[serde(rename = "ID")]
    pub id: i32,
}

/// `{"roles": […]}`.
#[derive(Debug, Serialize)]
pub(crate) struct RolesOut<'a> {
    pub roles: &'a [Role],
}

/// A right a call needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Right {
    EditComputers,
    EditPolicies,
    CreateScheduledTasks,
    ExecuteScheduledTasks,
    EditScheduledTasks,
    DeleteScheduledTasks,
}

impl Role {
    fn built_in(id: i32, full: bool, tenant: &Tenant) -> Self {
        let (name, description, slug) = if full {
            (
                "Full Access",
                "Full access to every computer, policy and setting.",
                "full-access",
            )
        } else {
            (
                "Auditor",
                "Read-only access to every computer, policy and setting.",
                "auditor",
            )
        };
        Self {
            name,
            description,
            urn: format!("urn:tmds:identity:us-east-ds-1:{}:role/{slug}", tenant.id),
            immutable: true,
            can_only_manipulate_users_with_equal_or_lesser_rights: !full,
            all_computers: true,
            all_policies: true,
            allow_user_interface: true,
            allow_web_service: true,
            rights: Rights {
                platform_rights: PlatformRights {
                    alert_rights: AlertRights {
                        can_dismiss_global_alerts: full,
                    },
                    computer_rights: ComputerRights {
                        can_add_and_remove_computer_groups: full,
                        can_create_new_computers: full,
                        can_delete_computers: full,
                        can_dismiss_alerts: full,
                        can_edit_computer_properties: full,
                        can_import_computers: full,
                        can_manage_cloud_accounts: full,
                        can_manage_directories: full,
                        can_manage_vcenters: full,
                        can_tag_computers: full,
                        can_view_not_related_to_computers: true,
                        can_view_other_computers: true,
                    },
                    policy_rights: PolicyRights {
                        can_create_new_policies: full,
                        can_delete_policies: full,
                        can_edit_policy_properties: full,
                        can_import_policies: full,
                        can_view_other_policies: true,
                    },
                    scheduled_task_rights: ScheduledTaskRights {
                        can_create_new_scheduled_tasks: full,
                        can_delete_scheduled_tasks: full,
                        can_edit_scheduled_task_properties: full,
                        can_execute_scheduled_tasks: full,
                        can_view_scheduled_tasks: true,
                    },
                    apikey_rights: ApiKeyRights {
                        can_create_new_api_keys: full,
                        can_delete_api_keys: full,
                        can_edit_api_key_properties: full,
                        can_view_api_keys: true,
                    },
                },
                intrusion_prevention_rights: IntrusionPreventionRights {
                    intrusion_prevention_rule_rights: IntrusionPreventionRuleRights {
                        can_create_new_intrusion_prevention_rules: full,
                        can_delete_intrusion_prevention_rules: full,
                        can_edit_intrusion_prevention_rule_properties: full,
                    },
                },
                integrity_monitoring_rights: IntegrityMonitoringRights {
                    integrity_monitoring_rule_rights: IntegrityMonitoringRuleRights {
                        can_create_new_integrity_monitoring_rules: full,
                        can_delete_integrity_monitoring_rules: full,
                        can_edit_integrity_monitoring_rule_properties: full,
                    },
                },
            },
            computer_ids: Vec::new(),
            computer_group_ids: Vec::new(),
            policy_ids: Vec::new(),
            id,
        }
    }

    /// Whether the role holds a right; an API role also needs `allowWebService`.
    pub(crate) fn has(&self, right: Right) -> bool {
        let platform = &self.rights.platform_rights;
        let tasks = &platform.scheduled_task_rights;
        self.allow_web_service
            && match right {
                Right::EditComputers => platform.computer_rights.can_edit_computer_properties,
                Right::EditPolicies => platform.policy_rights.can_edit_policy_properties,
                Right::CreateScheduledTasks => tasks.can_create_new_scheduled_tasks,
                Right::ExecuteScheduledTasks => tasks.can_execute_scheduled_tasks,
                Right::EditScheduledTasks => tasks.can_edit_scheduled_task_properties,
                Right::DeleteScheduledTasks => tasks.can_delete_scheduled_tasks,
            }
    }
}

/// The tenant the simulated manager serves.
#[derive(Debug, Clone)]
pub(crate) struct Tenant {
    /// Numeric tenant ID (`apiKeyCurrent.tenantID`, `?tenantID=` in download URLs).
    pub id: i32,
    /// `apiKeyCurrent.tenantGUID`, also the `tenantID:` of agent activation.
    pub guid: String,
    /// The agent activation token (`token:`).
    pub activation_token: String,
    pub cloud_one_account_id: String,
    /// The Cloud One region the tenant lives in.
    pub region: &'static str,
    /// When the two API keys were created.
    pub keys_created_ms: i64,
}

impl Tenant {
    pub(crate) fn new(seed: u64) -> Self {
        let mut rng = Rng::derive(seed, 0x7E_4A47, 0);
        let guid =
            |rng: &mut Rng| Guid(Uuid::from_u64_pair(rng.next_u64(), rng.next_u64())).to_string();
        Self {
            id: 10_000 + rng.below(90_000) as i32,
            guid: guid(&mut rng),
            activation_token: guid(&mut rng),
            cloud_one_account_id: format!("{:012}", mix(seed) % 1_000_000_000_000),
            region: "us-1",
            keys_created_ms: 1_672_531_200_000 + rng.below(365) as i64 * 86_400_000,
        }
    }

    /// The built-in roles: Full Access (ID 1) and Auditor (ID 2).
    pub(crate) fn roles(&self) -> Vec<Role> {
        vec![
            Role::built_in(1, true, self),
            Role::built_in(2, false, self),
        ]
    }

    /// `dsm://agents.workload.<region>.cloudone.trendmicro.com:443/`.
    pub(crate) fn activation_url(&self) -> String {
        format!(
            "dsm://agents.workload.{}.cloudone.trendmicro.com:443/",
            self.region
        )
    }

    /// `https://workload.<region>.cloudone.trendmicro.com:443`.
    pub(crate) fn manager_url(&self) -> String {
        format!(
            "https://workload.{}.cloudone.trendmicro.com:443",
            self.region
        )
    }
}

/// `apiKeyCurrent`: the key making the call (never its secret).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyCurrent<'a> {
    pub key_name: &'static str,
    pub description: &'static str,
    pub locale: &'static str,
    #[serde(rename = "roleID")]
    pub role_id: i32,
    pub time_zone: &'static str,
    pub active: bool,
    pub created: i64,
    pub last_sign_in: i64,
    pub unsuccessful_sign_in_attempts: i32,
    pub service_account: bool,
    #[serde(rename = "roleURN")]
    pub role_urn: &'a str,
    #[serde(rename = "tenantID")]
    pub tenant_id: i32,
    #[serde(rename = "tenantGUID")]
    pub tenant_guid: &'a str,
    #[serde(rename = "cloudOneAccountID")]
    pub cloud_one_account_id: &'a str,
    #[serde(rename = "ID")]
    pub id: i32,
}

impl<'a> ApiKeyCurrent<'a> {
    /// The key with role `role`, as seen at `now_ms`.
    pub(crate) fn new(role: &'a Role, tenant: &'a Tenant, now_ms: i64) -> Self {
        let full = role.id == 1;
        Self {
            key_name: if full {
                "ward-sim full access"
            } else {
                "ward-sim auditor"
            },
            description: "A key of the ward simulator",
            locale: "en-US",
            role_id: role.id,
            time_zone: "UTC",
            active: true,
            created: tenant.keys_created_ms,
            last_sign_in: now_ms,
            unsuccessful_sign_in_attempts: 0,
            service_account: false,
            role_urn: &role.urn,
            tenant_id: tenant.id,
            tenant_guid: &tenant.guid,
            cloud_one_account_id: &tenant.cloud_one_account_id,
            id: role.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_access_writes_and_the_auditor_reads() {
        let tenant = Tenant::new(1);
        let roles = tenant.roles();
        let rights = [
            Right::EditComputers,
            Right::EditPolicies,
            Right::CreateScheduledTasks,
            Right::ExecuteScheduledTasks,
            Right::EditScheduledTasks,
            Right::DeleteScheduledTasks,
        ];
        assert!(rights.iter().all(|right| roles[0].has(*right)));
        assert!(rights.iter().all(|right| !roles[1].has(*right)));
        let json = serde_json::to_value(&roles[1]).expect("serializes");
        assert_eq!(json["allowWebService"], true);
        assert_eq!(
            json["rights"]["platformRights"]["computerRights"]["canEditComputerProperties"],
            false
        );
        assert!(json["rights"]["platformRights"]["apikeyRights"].is_object());
        assert_eq!(json["ID"], 2);
    }

    #[test]
    fn the_tenant_is_stable_per_seed() {
        let a = Tenant::new(5);
        let b = Tenant::new(5);
        assert_eq!(a.guid, b.guid);
        assert_eq!(a.guid.len(), 36);
        assert_ne!(a.guid, Tenant::new(6).guid);
        assert_eq!(a.cloud_one_account_id.len(), 12);
    }
}
