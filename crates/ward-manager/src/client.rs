//! [`ManagerClient`]: typed Workload Security API v1 operations over a [`Transport`], and the
//! mapping of HTTP outcomes into [`ManagerError`].
//!
//! How a 403 is read: the manager answers 403 both to a key it does not accept and to a valid key
//! whose role lacks a right. A 403 on a read (GET, or a search POST) means the key itself was
//! refused ([`ManagerError::Unauthorized`]); on a write, the client asks `GET /apikeys/current`
//! once: if that is refused too, the key is the problem (`Unauthorized`), otherwise the role is
//! ([`ManagerError::Forbidden`]). A 401 is always `Unauthorized`.

use crate::config::ClientConfig;
use crate::model::{
    AgentActivationInformation, AgentDeploymentScript, ApiKeyCurrent, Assignments, Computer,
    Computers, IntrusionPreventionRule, IntrusionPreventionRules, Policies, Policy, Role, Roles,
    RuleIds, ScheduledTask, SearchFilter,
};
use crate::resilient::Resilient;
use crate::transport::{ApiRequest, ApiResponse, HttpTransport, Method, Transport, TransportError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use ward_core::{Clock, ComputerId, ManagerError, Module, PolicyId, RuleId, ScanKind};

/// Builds the production client: HTTPS transport wrapped in retries, rate limit and concurrency limit.
pub fn connect(config: ClientConfig) -> Result<ManagerClient, ManagerError> {
    let http = HttpTransport::new(&config)?;
    let mut transport =
        Resilient::new(http, config.retry).with_max_concurrency(config.max_concurrency);
    if let Some(per_minute) = config.rate_limit_per_minute {
        transport = transport.with_rate_limit(per_minute);
    }
    let transport = transport.with_clock(Arc::clone(&config.clock));
    Ok(ManagerClient::new(transport, String::from(config.base_url)).with_clock(config.clock))
}

/// A computer's optional parts (`expand` values). Without any, the manager returns them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expand {
    None,
    All,
    ComputerStatus,
    Tasks,
    SecurityUpdates,
    ComputerSettings,
    AllSecurityModules,
    AntiMalware,
    WebReputation,
    ActivityMonitoring,
    Firewall,
    IntrusionPrevention,
    IntegrityMonitoring,
    LogInspection,
    ApplicationControl,
    Interfaces,
    AllVirtualMachineSummaries,
    Ec2VirtualMachineSummary,
    NoConnectorVirtualMachineSummary,
}

impl Expand {
    /// The `expand` value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::All => "all",
            Self::ComputerStatus => "computerStatus",
            Self::Tasks => "tasks",
            Self::SecurityUpdates => "securityUpdates",
            Self::ComputerSettings => "computerSettings",
            Self::AllSecurityModules => "allSecurityModules",
            Self::AntiMalware => "antiMalware",
            Self::WebReputation => "webReputation",
            Self::ActivityMonitoring => "activityMonitoring",
            Self::Firewall => "firewall",
            Self::IntrusionPrevention => "intrusionPrevention",
            Self::IntegrityMonitoring => "integrityMonitoring",
            Self::LogInspection => "logInspection",
            Self::ApplicationControl => "applicationControl",
            Self::Interfaces => "interfaces",
            Self::AllVirtualMachineSummaries => "allVirtualMachineSummaries",
            Self::Ec2VirtualMachineSummary => "ec2VirtualMachineSummary",
            Self::NoConnectorVirtualMachineSummary => "noConnectorVirtualMachineSummary",
        }
    }

    /// Every expansion.
    pub const ALL: [Expand; 19] = [
        Self::None,
        Self::All,
        Self::ComputerStatus,
        Self::Tasks,
        Self::SecurityUpdates,
        Self::ComputerSettings,
        Self::AllSecurityModules,
        Self::AntiMalware,
        Self::WebReputation,
        Self::ActivityMonitoring,
        Self::Firewall,
        Self::IntrusionPrevention,
        Self::IntegrityMonitoring,
        Self::LogInspection,
        Self::ApplicationControl,
        Self::Interfaces,
        Self::AllVirtualMachineSummaries,
        Self::Ec2VirtualMachineSummary,
        Self::NoConnectorVirtualMachineSummary,
    ];

    /// Reads the wire value (`computerStatus`, …); it is also the name of the computer's field
    /// the expansion fills.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|expand| expand.as_str() == text)
    }

    /// Whether it stands for several parts (`none`, `all`, `allSecurityModules`,
    /// `allVirtualMachineSummaries`) rather than one field.
    pub fn is_group(self) -> bool {
        matches!(
            self,
            Self::None | Self::All | Self::AllSecurityModules | Self::AllVirtualMachineSummaries
        )
    }

    /// The expansion of one module.
    pub fn module(module: Module) -> Self {
        match module {
            Module::AntiMalware => Self::AntiMalware,
            Module::WebReputation => Self::WebReputation,
            Module::Firewall => Self::Firewall,
            Module::IntrusionPrevention => Self::IntrusionPrevention,
            Module::IntegrityMonitoring => Self::IntegrityMonitoring,
            Module::LogInspection => Self::LogInspection,
            Module::ApplicationControl => Self::ApplicationControl,
        }
    }
}

/// What a sync needs of a computer: status, the two EC2 summaries and the seven modules
/// (intrusion prevention carries the assigned rule IDs).
pub const SYNC_EXPANDS: [Expand; 10] = [
    Expand::ComputerStatus,
    Expand::Ec2VirtualMachineSummary,
    Expand::NoConnectorVirtualMachineSummary,
    Expand::AntiMalware,
    Expand::WebReputation,
    Expand::Firewall,
    Expand::IntrusionPrevention,
    Expand::IntegrityMonitoring,
    Expand::LogInspection,
    Expand::ApplicationControl,
];

/// The manager's default and documented page size for searches.
pub const MAX_PAGE: usize = 5000;

/// The modules whose rules can be assigned through `…/assignments`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleModule {
    IntrusionPrevention,
    IntegrityMonitoring,
}

impl RuleModule {
    fn path(self) -> &'static str {
        match self {
            Self::IntrusionPrevention => "intrusionprevention",
            Self::IntegrityMonitoring => "integritymonitoring",
        }
    }
}

/// What rules are assigned to: one computer, or a policy (and so every computer using it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssignmentTarget {
    Computer(ComputerId),
    Policy(PolicyId),
}

impl AssignmentTarget {
    fn path(self, module: RuleModule) -> String {
        match self {
            Self::Computer(id) => format!("/computers/{id}/{}/assignments", module.path()),
            Self::Policy(id) => format!("/policies/{id}/{}/assignments", module.path()),
        }
    }

    fn what(self) -> String {
        match self {
            Self::Computer(id) => format!("computer {id}"),
            Self::Policy(id) => format!("policy {id}"),
        }
    }

    fn operation(self, module: RuleModule, verb: Verb) -> &'static str {
        use AssignmentTarget::{Computer, Policy};
        use RuleModule::{IntegrityMonitoring as Im, IntrusionPrevention as Ips};
        match (verb, module, self) {
            (Verb::List, Ips, Computer(_)) => "listIntrusionPreventionRuleIDsOnComputer",
            (Verb::List, Ips, Policy(_)) => "listIntrusionPreventionRuleIDsOnPolicy",
            (Verb::List, Im, Computer(_)) => "listIntegrityMonitoringRuleIDsOnComputer",
            (Verb::List, Im, Policy(_)) => "listIntegrityMonitoringRuleIDsOnPolicy",
            (Verb::Add, Ips, Computer(_)) => "addIntrusionPreventionRuleIDsToComputer",
            (Verb::Add, Ips, Policy(_)) => "addIntrusionPreventionRuleIDsToPolicy",
            (Verb::Add, Im, Computer(_)) => "addIntegrityMonitoringRuleIDsToComputer",
            (Verb::Add, Im, Policy(_)) => "addIntegrityMonitoringRuleIDsToPolicy",
            (Verb::Set, Ips, Computer(_)) => "setIntrusionPreventionRuleIDsOnComputer",
            (Verb::Set, Ips, Policy(_)) => "setIntrusionPreventionRuleIDsOnPolicy",
            (Verb::Set, Im, Computer(_)) => "setIntegrityMonitoringRuleIDsOnComputer",
            (Verb::Set, Im, Policy(_)) => "setIntegrityMonitoringRuleIDsOnPolicy",
            (Verb::Remove, Ips, Computer(_)) => "removeIntrusionPreventionRuleIDFromComputer",
            (Verb::Remove, Ips, Policy(_)) => "removeIntrusionPreventionRuleIDFromPolicy",
            (Verb::Remove, Im, Computer(_)) => "removeIntegrityMonitoringRuleIDFromComputer",
            (Verb::Remove, Im, Policy(_)) => "removeIntegrityMonitoringRuleIDFromPolicy",
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Verb {
    List,
    Add,
    Set,
    Remove,
}

/// Whether a call only reads (a 403 then means the key was refused) or changes something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

/// A call: the request, what it is about (for "no such …" errors), and whether it writes.
struct Call {
    request: ApiRequest,
    what: String,
    access: Access,
}

impl Call {
    fn read(request: ApiRequest, what: impl Into<String>) -> Self {
        Self {
            request,
            what: what.into(),
            access: Access::Read,
        }
    }

    fn write(request: ApiRequest, what: impl Into<String>) -> Self {
        Self {
            request,
            what: what.into(),
            access: Access::Write,
        }
    }
}

/// The typed Workload Security API v1 client. Cheap to share behind an `Arc`.
pub struct ManagerClient<T = Resilient<HttpTransport>> {
    transport: T,
    /// Named in `Unreachable` errors; never holds the key.
    base_url: String,
    /// What a `Retry-After` date is measured from.
    clock: Arc<dyn Clock>,
}

impl<T: fmt::Debug> fmt::Debug for ManagerClient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagerClient")
            .field("base_url", &self.base_url)
            .field("transport", &self.transport)
            .finish()
    }
}

impl<T: Transport> ManagerClient<Resilient<T>> {
    /// HTTP attempts made so far, retries included.
    pub fn calls(&self) -> u64 {
        self.transport.calls()
    }
}

fn with_expand(mut request: ApiRequest, expand: &[Expand]) -> ApiRequest {
    for item in expand {
        request = request.query("expand", item.as_str());
    }
    request
}

fn to_json(value: &impl Serialize) -> serde_json::Value {
    // The wire models are plain data: serializing them cannot fail.
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

impl<T: Transport> ManagerClient<T> {
    /// A client over any transport; `base_url` is only used in error messages.
    pub fn new(transport: T, base_url: impl Into<String>) -> Self {
        Self {
            transport,
            base_url: base_url.into(),
            clock: ward_clock::SystemClock::shared(),
        }
    }

    /// Measures `Retry-After` dates from this clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The transport the client sends through.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The base URL errors name.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    // --- computers -------------------------------------------------------------------------

    /// `GET /computers`: every computer (no paging on the manager's side).
    pub async fn list_computers(&self, expand: &[Expand]) -> Result<Vec<Computer>, ManagerError> {
        let request = with_expand(
            ApiRequest::new(Method::Get, "/computers", "listComputers"),
            expand,
        );
        Ok(self
            .json::<Computers>(Call::read(request, "computers"))
            .await?
            .computers)
    }

    /// `POST /computers/search`.
    pub async fn search_computers(
        &self,
        filter: &SearchFilter,
        expand: &[Expand],
    ) -> Result<Vec<Computer>, ManagerError> {
        let request = ApiRequest::new(Method::Post, "/computers/search", "searchComputers")
            .body(to_json(filter));
        let request = with_expand(request, expand);
        Ok(self
            .json::<Computers>(Call::read(request, "computers"))
            .await?
            .computers)
    }

    /// One page of computers by id order: ids greater than `after`, at most `limit` (capped at
    /// [`MAX_PAGE`]).
    pub async fn computers_after(
        &self,
        after: Option<i64>,
        limit: usize,
        expand: &[Expand],
    ) -> Result<Vec<Computer>, ManagerError> {
        self.search_computers(&SearchFilter::page(after, page_size(limit)), expand)
            .await
    }

    /// `GET /computers/{id}`.
    pub async fn describe_computer(
        &self,
        computer_id: ComputerId,
        expand: &[Expand],
    ) -> Result<Computer, ManagerError> {
        let request = ApiRequest::new(
            Method::Get,
            format!("/computers/{computer_id}"),
            "describeComputer",
        );
        self.json(Call::read(
            with_expand(request, expand),
            format!("computer {computer_id}"),
        ))
        .await
    }

    /// `POST /computers/{id}`: a partial update; returns the whole computer.
    pub async fn modify_computer(
        &self,
        computer_id: ComputerId,
        changes: &Computer,
        expand: &[Expand],
    ) -> Result<Computer, ManagerError> {
        let request = ApiRequest::new(
            Method::Post,
            format!("/computers/{computer_id}"),
            "modifyComputer",
        )
        .body(to_json(changes));
        self.json(Call::write(
            with_expand(request, expand),
            format!("computer {computer_id}"),
        ))
        .await
    }

    /// The computers whose `field` (a slash path) equals `value` exactly, at most `max_items`.
    pub async fn computers_where(
        &self,
        field: &str,
        value: &str,
        max_items: usize,
        expand: &[Expand],
    ) -> Result<Vec<Computer>, ManagerError> {
        let filter = SearchFilter::string_equal(field, value, false, Some(page_size(max_items)));
        self.search_computers(&filter, expand).await
    }

    // --- policies --------------------------------------------------------------------------

    /// `GET /policies`: every policy.
    pub async fn list_policies(&self) -> Result<Vec<Policy>, ManagerError> {
        let request = ApiRequest::new(Method::Get, "/policies", "listPolicies");
        Ok(self
            .json::<Policies>(Call::read(request, "policies"))
            .await?
            .policies)
    }

    /// `GET /policies/{id}`.
    pub async fn describe_policy(&self, policy_id: PolicyId) -> Result<Policy, ManagerError> {
        let request = ApiRequest::new(
            Method::Get,
            format!("/policies/{policy_id}"),
            "describePolicy",
        );
        self.json(Call::read(request, format!("policy {policy_id}")))
            .await
    }

    /// `POST /policies/{id}`: a partial update; returns the whole policy.
    pub async fn modify_policy(
        &self,
        policy_id: PolicyId,
        changes: &Policy,
    ) -> Result<Policy, ManagerError> {
        let request = ApiRequest::new(
            Method::Post,
            format!("/policies/{policy_id}"),
            "modifyPolicy",
        )
        .body(to_json(changes));
        self.json(Call::write(request, format!("policy {policy_id}")))
            .await
    }

    // --- intrusion prevention rules --------------------------------------------------------

    /// `GET /intrusionpreventionrules`: every rule (thousands; prefer paging).
    pub async fn list_ips_rules(&self) -> Result<Vec<IntrusionPreventionRule>, ManagerError> {
        let request = ApiRequest::new(
            Method::Get,
            "/intrusionpreventionrules",
            "listIntrusionPreventionRules",
        );
        let rules: IntrusionPreventionRules = self
            .json(Call::read(request, "intrusion prevention rules"))
            .await?;
        Ok(rules.intrusion_prevention_rules)
    }

    /// `POST /intrusionpreventionrules/search`.
    pub async fn search_ips_rules(
        &self,
        filter: &SearchFilter,
    ) -> Result<Vec<IntrusionPreventionRule>, ManagerError> {
        let request = ApiRequest::new(
            Method::Post,
            "/intrusionpreventionrules/search",
            "searchIntrusionPreventionRules",
        )
        .body(to_json(filter));
        let rules: IntrusionPreventionRules = self
            .json(Call::read(request, "intrusion prevention rules"))
            .await?;
        Ok(rules.intrusion_prevention_rules)
    }

    /// One page of IPS rules by id order.
    pub async fn ips_rules_after(
        &self,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<IntrusionPreventionRule>, ManagerError> {
        self.search_ips_rules(&SearchFilter::page(after, page_size(limit)))
            .await
    }

    /// The rules whose `CVE` list matches `%<cve>%`. The wildcard over-matches
    /// (`CVE-2017-563` finds `CVE-2017-5638`): filter with
    /// [`IntrusionPreventionRule::lists_cve`].
    pub async fn search_ips_rules_by_cve(
        &self,
        cve: &str,
    ) -> Result<Vec<IntrusionPreventionRule>, ManagerError> {
        let filter = SearchFilter::string_equal("CVE", &format!("%{}%", cve.trim()), true, None);
        self.search_ips_rules(&filter).await
    }

    // --- raw objects (flows) ----------------------------------------------------------------

    /// One page of computers by id order, as the manager's JSON objects (every field the
    /// manager sent, under its own name): for flows, which export what the API returns.
    pub async fn computers_after_json(
        &self,
        after: Option<i64>,
        limit: usize,
        expand: &[Expand],
    ) -> Result<Vec<JsonObject>, ManagerError> {
        let request = ApiRequest::new(Method::Post, "/computers/search", "searchComputers")
            .body(to_json(&SearchFilter::page(after, page_size(limit))));
        let list: RawList = self
            .json(Call::read(with_expand(request, expand), "computers"))
            .await?;
        Ok(list.computers)
    }

    /// Every policy, as the manager's JSON objects.
    pub async fn policies_json(&self) -> Result<Vec<JsonObject>, ManagerError> {
        let request = ApiRequest::new(Method::Get, "/policies", "listPolicies");
        let list: RawList = self.json(Call::read(request, "policies")).await?;
        Ok(list.policies)
    }

    /// One page of IPS rules by id order, as the manager's JSON objects.
    pub async fn ips_rules_after_json(
        &self,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<JsonObject>, ManagerError> {
        let request = ApiRequest::new(
            Method::Post,
            "/intrusionpreventionrules/search",
            "searchIntrusionPreventionRules",
        )
        .body(to_json(&SearchFilter::page(after, page_size(limit))));
        let list: RawList = self
            .json(Call::read(request, "intrusion prevention rules"))
            .await?;
        Ok(list.intrusion_prevention_rules)
    }

    // --- rule assignments ------------------------------------------------------------------

    /// `GET …/{module}/assignments`: assigned and recommended rules.
    pub async fn assignments(
        &self,
        target: AssignmentTarget,
        module: RuleModule,
    ) -> Result<Assignments, ManagerError> {
        let request = ApiRequest::new(
            Method::Get,
            target.path(module),
            target.operation(module, Verb::List),
        );
        self.json(Call::read(request, target.what())).await
    }

    /// `POST …/{module}/assignments`: adds rules, keeping the ones already assigned.
    pub async fn add_assignments(
        &self,
        target: AssignmentTarget,
        module: RuleModule,
        rule_ids: &[RuleId],
    ) -> Result<Assignments, ManagerError> {
        let body = RuleIds {
            rule_ids: rule_ids.iter().map(|id| id.0).collect(),
        };
        let request = ApiRequest::new(
            Method::Post,
            target.path(module),
            target.operation(module, Verb::Add),
        )
        .body(to_json(&body));
        self.json(Call::write(request, target.what())).await
    }

    /// `PUT …/{module}/assignments`: replaces the assigned rules.
    pub async fn set_assignments(
        &self,
        target: AssignmentTarget,
        module: RuleModule,
        rule_ids: &[RuleId],
    ) -> Result<Assignments, ManagerError> {
        let body = RuleIds {
            rule_ids: rule_ids.iter().map(|id| id.0).collect(),
        };
        let request = ApiRequest::new(
            Method::Put,
            target.path(module),
            target.operation(module, Verb::Set),
        )
        .body(to_json(&body));
        self.json(Call::write(request, target.what())).await
    }

    /// `DELETE …/{module}/assignments/{ruleID}`: unassigns one rule; returns the assignments.
    pub async fn remove_assignment(
        &self,
        target: AssignmentTarget,
        module: RuleModule,
        rule_id: RuleId,
    ) -> Result<Assignments, ManagerError> {
        let request = ApiRequest::new(
            Method::Delete,
            format!("{}/{rule_id}", target.path(module)),
            target.operation(module, Verb::Remove),
        );
        let operation = request.operation;
        let response = self.execute(Call::write(request, target.what())).await?;
        if response.body.iter().all(u8::is_ascii_whitespace) {
            // An empty "request is successful" answer: read the assignments back.
            return self.assignments(target, module).await;
        }
        decode(operation, &response.body)
    }

    // --- scans, agents, keys ---------------------------------------------------------------

    /// `POST /scheduledtasks`.
    pub async fn create_scheduled_task(
        &self,
        task: &ScheduledTask,
    ) -> Result<ScheduledTask, ManagerError> {
        let request = ApiRequest::new(Method::Post, "/scheduledtasks", "createScheduledTask")
            .body(to_json(task))
            .not_idempotent();
        self.json(Call::write(request, "scheduled task")).await
    }

    /// Runs one scan on one computer now, through a run-once task the manager deletes after it ran.
    pub async fn run_scan_now(
        &self,
        kind: ScanKind,
        computer_id: ComputerId,
        name: &str,
    ) -> Result<ScheduledTask, ManagerError> {
        self.create_scheduled_task(&ScheduledTask::run_once_scan(kind, computer_id, name))
            .await
    }

    /// `GET /agentactivationinformation` (Workload Security only): activation URL and token.
    pub async fn agent_activation_information(
        &self,
    ) -> Result<AgentActivationInformation, ManagerError> {
        let request = ApiRequest::new(
            Method::Get,
            "/agentactivationinformation",
            "describeAgentActivationInformation",
        );
        self.json(Call::read(request, "agent activation information"))
            .await
    }

    /// `POST /agentdeploymentscripts`: a deployment script for the given options.
    pub async fn agent_deployment_script(
        &self,
        options: &AgentDeploymentScript,
    ) -> Result<AgentDeploymentScript, ManagerError> {
        // Generating a script changes nothing: a read, and safe to repeat.
        let request = ApiRequest::new(
            Method::Post,
            "/agentdeploymentscripts",
            "generateAgentDeploymentScript",
        )
        .body(to_json(options));
        self.json(Call::read(request, "agent deployment script"))
            .await
    }

    /// `GET /apikeys/current`: the key making the calls.
    pub async fn current_api_key(&self) -> Result<ApiKeyCurrent, ManagerError> {
        let request = ApiRequest::new(Method::Get, "/apikeys/current", "describeCurrentApiKey");
        self.json(Call::read(request, "current API key")).await
    }

    /// `GET /roles`.
    pub async fn roles(&self) -> Result<Vec<Role>, ManagerError> {
        let request = ApiRequest::new(Method::Get, "/roles", "listAdministratorRoles");
        Ok(self
            .json::<Roles>(Call::read(request, "roles"))
            .await?
            .roles)
    }

    /// The role of the key making the calls, when the key names one the manager lists.
    pub async fn current_role(&self) -> Result<Option<Role>, ManagerError> {
        let Some(role_id) = self.current_api_key().await?.role_id else {
            return Ok(None);
        };
        Ok(self
            .roles()
            .await?
            .into_iter()
            .find(|role| role.id == Some(role_id)))
    }

    // --- plumbing --------------------------------------------------------------------------

    async fn json<R: DeserializeOwned>(&self, call: Call) -> Result<R, ManagerError> {
        let operation = call.request.operation;
        let response = self.execute(call).await?;
        decode(operation, &response.body)
    }

    /// Sends a call and turns anything but a 2xx into the matching [`ManagerError`].
    async fn execute(&self, call: Call) -> Result<ApiResponse, ManagerError> {
        let response = self
            .transport
            .send(call.request)
            .await
            .map_err(|error| self.unreachable(&error))?;
        if response.is_success() {
            return Ok(response);
        }
        let mut error = error_for_status(&response, call.access, &call.what, self.clock.now_ms());
        if let ManagerError::Forbidden { status, message } = &error
            && self.key_is_refused().await
        {
            error = ManagerError::Unauthorized {
                status: *status,
                message: message.clone(),
            };
        }
        Err(error)
    }

    /// After a 403 on a write: whether the key itself is refused (a read of the key fails too).
    async fn key_is_refused(&self) -> bool {
        let request = ApiRequest::new(Method::Get, "/apikeys/current", "describeCurrentApiKey");
        matches!(
            self.transport.send(request).await,
            Ok(ApiResponse {
                status: 401 | 403,
                ..
            })
        )
    }

    fn unreachable(&self, error: &TransportError) -> ManagerError {
        let cause = match error {
            TransportError::Invalid { cause } => format!("invalid request: {cause}"),
            other => other.to_string(),
        };
        ManagerError::Unreachable {
            url: self.base_url.clone(),
            cause,
        }
    }
}

/// A JSON object as the manager sent it.
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// A list response read as raw objects (only the key of the call's object is present).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawList {
    #[serde(default)]
    computers: Vec<JsonObject>,
    #[serde(default)]
    policies: Vec<JsonObject>,
    #[serde(default)]
    intrusion_prevention_rules: Vec<JsonObject>,
}

fn page_size(limit: usize) -> i64 {
    i64::try_from(limit.clamp(1, MAX_PAGE)).unwrap_or(1)
}

/// Reads a JSON answer, naming the operation and the path of the field that did not fit.
pub(crate) fn decode<R: DeserializeOwned>(operation: &str, body: &[u8]) -> Result<R, ManagerError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| ManagerError::Decode {
        operation: operation.to_owned(),
        cause: if error.path().iter().next().is_some() {
            format!("at `{}`: {}", error.path(), error.inner())
        } else {
            error.inner().to_string()
        },
    })
}

/// The longest manager message (or raw body) an error carries.
const MESSAGE_LIMIT: usize = 300;

/// The manager's `{"message": …}`, or the raw body (truncated), or the status's reason.
pub(crate) fn error_message(response: &ApiResponse) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        message: Option<String>,
        error: Option<String>,
    }
    if let Ok(ErrorBody { message, error }) = serde_json::from_slice::<ErrorBody>(&response.body)
        && let Some(text) = message.or(error).filter(|text| !text.trim().is_empty())
    {
        return truncate(text.trim());
    }
    let raw = String::from_utf8_lossy(&response.body);
    let raw = raw.trim();
    if raw.is_empty() {
        reqwest::StatusCode::from_u16(response.status)
            .ok()
            .and_then(|status| status.canonical_reason())
            .unwrap_or("no message")
            .to_owned()
    } else {
        truncate(raw)
    }
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(MESSAGE_LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Maps a non-2xx answer. 403 is read by [`Access`]; see the module documentation.
fn error_for_status(
    response: &ApiResponse,
    access: Access,
    what: &str,
    now_ms: i64,
) -> ManagerError {
    let message = error_message(response);
    let status = response.status;
    match status {
        401 => ManagerError::Unauthorized { status, message },
        403 if access == Access::Read => ManagerError::Unauthorized { status, message },
        403 => ManagerError::Forbidden { status, message },
        404 => ManagerError::NotFound {
            what: what.to_owned(),
            message,
        },
        429 => ManagerError::RateLimited {
            message,
            retry_after_ms: response
                .retry_after
                .as_deref()
                .and_then(|value| crate::resilient::parse_retry_after(value, now_ms))
                .map(|wait| u64::try_from(wait.as_millis()).unwrap_or(u64::MAX)),
        },
        400..=499 => ManagerError::Rejected { status, message },
        500..=599 => ManagerError::Server { status, message },
        _ => ManagerError::Decode {
            operation: what.to_owned(),
            cause: format!("unexpected HTTP status {status}: {message}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use std::sync::Mutex;
    use ward_core::Secret;

    fn answer(status: u16, body: &str) -> ApiResponse {
        ApiResponse {
            status,
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn unauthorized_message_is_the_managers() {
        let response = answer(403, r#"{"message": "Invalid API key"}"#);
        let error = error_for_status(&response, Access::Read, "computers", 0);
        assert_eq!(
            error.to_string(),
            "manager refused the API key (403): Invalid API key"
        );
        let error = error_for_status(&answer(401, ""), Access::Write, "computers", 0);
        assert_eq!(
            error.to_string(),
            "manager refused the API key (401): Unauthorized"
        );
    }

    #[test]
    fn statuses_map_to_variants() {
        let body = r#"{"message": "nope"}"#;
        assert!(matches!(
            error_for_status(&answer(403, body), Access::Write, "computer 1", 0),
            ManagerError::Forbidden { status: 403, .. }
        ));
        assert_eq!(
            error_for_status(&answer(404, body), Access::Read, "computer 1", 0).to_string(),
            "manager has no computer 1: nope"
        );
        assert!(matches!(
            error_for_status(&answer(400, body), Access::Read, "x", 0),
            ManagerError::Rejected { status: 400, .. }
        ));
        assert!(matches!(
            error_for_status(&answer(409, body), Access::Write, "x", 0),
            ManagerError::Rejected { status: 409, .. }
        ));
        assert!(matches!(
            error_for_status(&answer(503, body), Access::Read, "x", 0),
            ManagerError::Server { status: 503, .. }
        ));
        let throttled = ApiResponse {
            retry_after: Some("12".into()),
            ..answer(429, r#"{"message": "Too many API requests"}"#)
        };
        assert_eq!(
            error_for_status(&throttled, Access::Read, "x", 0),
            ManagerError::RateLimited {
                message: "Too many API requests".into(),
                retry_after_ms: Some(12_000)
            }
        );
        assert!(matches!(
            error_for_status(&answer(302, ""), Access::Read, "x", 0),
            ManagerError::Decode { .. }
        ));
    }

    #[test]
    fn raw_bodies_are_truncated() {
        let long = "x".repeat(5000);
        let message = error_message(&answer(500, &long));
        assert_eq!(message.chars().count(), MESSAGE_LIMIT + 1);
        assert_eq!(
            error_message(&answer(502, "  <html>bad gateway</html> ")),
            "<html>bad gateway</html>"
        );
        assert_eq!(
            error_message(&answer(500, r#"{"message": ""}"#)),
            r#"{"message": ""}"#
        );
    }

    #[test]
    fn decode_errors_name_the_operation_and_field() {
        let error =
            decode::<Computers>("searchComputers", br#"{"computers": [{"ID": "x"}]}"#).unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with(
                "unexpected answer from the manager for searchComputers: at `computers[0].ID`"
            ),
            "{text}"
        );
        let error = decode::<Computers>("listComputers", b"<html>").unwrap_err();
        assert!(matches!(error, ManagerError::Decode { .. }));
    }

    #[test]
    fn config_for_region_and_debug_redacts() {
        let config =
            ClientConfig::for_region("de-1", Secret::new("TOPSECRET-KEY")).expect("known region");
        assert_eq!(
            config.base_url.as_str(),
            "https://workload.de-1.cloudone.trendmicro.com/api"
        );
        assert!(ClientConfig::for_region("xx-9", Secret::new("k")).is_none());
        assert!(!format!("{config:?}").contains("TOPSECRET"));
        let client = connect(config).expect("builds");
        let printed = format!("{client:?}");
        assert!(
            !printed.contains("TOPSECRET") && printed.contains("de-1"),
            "{printed}"
        );
        assert_eq!(client.calls(), 0);
    }

    /// Answers from a list of (method, path) → response rules; records requests.
    #[derive(Debug, Default)]
    struct Canned {
        answers: Vec<(Method, &'static str, ApiResponse)>,
        seen: Mutex<Vec<ApiRequest>>,
    }

    #[async_trait]
    impl Transport for Canned {
        async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
            self.seen
                .lock()
                .expect("not poisoned")
                .push(request.clone());
            self.answers
                .iter()
                .find(|(method, path, _)| *method == request.method && request.path == *path)
                .map(|(_, _, response)| response.clone())
                .ok_or(TransportError::Connect {
                    cause: "connection refused".into(),
                })
        }
    }

    #[tokio::test]
    async fn forbidden_write_is_told_apart_from_a_refused_key() {
        let denied = answer(403, r#"{"message": "Not authorized to modify computer"}"#);
        let role_lacks_right = Canned {
            answers: vec![
                (Method::Post, "/computers/1", denied.clone()),
                (
                    Method::Get,
                    "/apikeys/current",
                    answer(200, r#"{"ID": 2, "roleID": 2}"#),
                ),
            ],
            ..Canned::default()
        };
        let client = ManagerClient::new(role_lacks_right, "http://manager/api");
        let error = client
            .modify_computer(ComputerId(1), &Computer::default(), &[])
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "manager refused the request (403): Not authorized to modify computer"
        );

        let key_refused = Canned {
            answers: vec![
                (Method::Post, "/computers/1", denied),
                (
                    Method::Get,
                    "/apikeys/current",
                    answer(403, r#"{"message": "bad key"}"#),
                ),
            ],
            ..Canned::default()
        };
        let client = ManagerClient::new(key_refused, "http://manager/api");
        let error = client
            .modify_computer(ComputerId(1), &Computer::default(), &[])
            .await
            .unwrap_err();
        assert!(
            matches!(error, ManagerError::Unauthorized { status: 403, .. }),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn transport_failures_name_the_base_url() {
        let client = ManagerClient::new(Canned::default(), "https://dsm.example.com:4119/api");
        let error = client.list_policies().await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot reach the manager at https://dsm.example.com:4119/api: connection failed: connection refused"
        );
        assert!(error.is_retryable());
    }

    #[tokio::test]
    async fn requests_carry_expand_and_bodies() {
        let canned = Canned {
            answers: vec![
                (
                    Method::Post,
                    "/computers/search",
                    answer(200, r#"{"computers": []}"#),
                ),
                (
                    Method::Delete,
                    "/policies/3/intrusionprevention/assignments/9",
                    answer(200, ""),
                ),
                (
                    Method::Get,
                    "/policies/3/intrusionprevention/assignments",
                    answer(200, r#"{"assignedRuleIDs": [1]}"#),
                ),
            ],
            ..Canned::default()
        };
        let client = ManagerClient::new(canned, "http://manager/api");
        client
            .computers_after(Some(10), 100_000, &SYNC_EXPANDS)
            .await
            .expect("answers");
        let removed = client
            .remove_assignment(
                AssignmentTarget::Policy(PolicyId(3)),
                RuleModule::IntrusionPrevention,
                RuleId(9),
            )
            .await
            .expect("answers");
        assert_eq!(removed.assigned_rule_ids, Some(vec![1]));
        let seen = client
            .transport()
            .seen
            .lock()
            .expect("not poisoned")
            .clone();
        let search = &seen[0];
        assert_eq!(
            search
                .query
                .iter()
                .filter(|(name, _)| name == "expand")
                .count(),
            10
        );
        assert_eq!(
            search
                .body
                .as_ref()
                .and_then(|b| b.get("maxItems"))
                .and_then(|v| v.as_i64()),
            Some(5000)
        );
        assert_eq!(
            seen[1].operation,
            "removeIntrusionPreventionRuleIDFromPolicy"
        );
        assert_eq!(seen[2].method, Method::Get);
    }
}
