//! The tenant and the key: `/apikeys/current`, `/roles`, `/agentactivationinformation` and
//! `/agentdeploymentscripts`.

use super::body::parse_optional;
use super::{Caller, json, parse_id};
use crate::Simulator;
use crate::error::ApiError;
use crate::roles::{ApiKeyCurrent, RolesOut, Tenant};
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

/// `GET /apikeys/current`.
pub(super) async fn current_key(
    State(sim): State<Simulator>,
    Extension(caller): Extension<Caller>,
) -> Response {
    json(&ApiKeyCurrent::new(
        caller.role(&sim),
        sim.tenant(),
        sim.clock_ms(),
    ))
}

/// `GET /roles`.
pub(super) async fn roles(State(sim): State<Simulator>) -> Response {
    json(&RolesOut { roles: sim.roles() })
}

/// `GET /roles/{roleID}`.
pub(super) async fn role(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "roleID")?;
    sim.roles()
        .iter()
        .find(|role| role.id == id)
        .map(json)
        .ok_or_else(|| ApiError::not_found("The role does not exist."))
}

/// `agentActivationInformation`.
#[derive(Serialize)]
struct ActivationOut {
    #[serde(rename = "activationURL")]
    activation_url: String,
    #[serde(rename = "activationToken")]
    activation_token: String,
}

/// `GET /agentactivationinformation`.
pub(super) async fn activation(State(sim): State<Simulator>) -> Response {
    let tenant = sim.tenant();
    json(&ActivationOut {
        activation_url: tenant.activation_url(),
        activation_token: tenant.activation_token.clone(),
    })
}

/// `AgentDeploymentScript`: the options sent, and the script in the answer.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeploymentScript {
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    validate_certificate_required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    validate_digital_signature_required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    activation_required: Option<bool>,
    #[serde(rename = "dsmProxyID", skip_serializing_if = "Option::is_none")]
    dsm_proxy_id: Option<i32>,
    #[serde(rename = "relayProxyID", skip_serializing_if = "Option::is_none")]
    relay_proxy_id: Option<i32>,
    #[serde(rename = "policyID", skip_serializing_if = "Option::is_none")]
    policy_id: Option<i32>,
    #[serde(rename = "relayGroupID", skip_serializing_if = "Option::is_none")]
    relay_group_id: Option<i32>,
    #[serde(rename = "computerGroupID", skip_serializing_if = "Option::is_none")]
    computer_group_id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    script_body: Option<String>,
}

/// `POST /agentdeploymentscripts`: generates a script for the options (the body is optional).
pub(super) async fn deployment_script(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut options: DeploymentScript = parse_optional(&body)?.unwrap_or_default();
    let platform = options.platform.clone().unwrap_or_else(|| "linux".into());
    const PLATFORMS: [&str; 5] = ["linux", "windows", "solaris", "aix", "macos"];
    if !PLATFORMS.contains(&platform.as_str()) {
        return Err(ApiError::bad_request(format!(
            "platform `{platform}` is not one of {}",
            PLATFORMS.join(", ")
        )));
    }
    if let Some(policy_id) = options.policy_id.filter(|id| *id != 0)
        && sim.read().policies.get(policy_id).is_none()
    {
        return Err(ApiError::bad_request(format!(
            "policy {policy_id} does not exist"
        )));
    }
    options.platform = Some(platform.clone());
    options.script_body = Some(script(&platform, &options, sim.tenant()));
    Ok(json(&options))
}

/// The `dsa_control -a` arguments after the activation URL.
fn activation_arguments(options: &DeploymentScript, tenant: &Tenant) -> String {
    let mut arguments = format!(
        "\"tenantID:{}\" \"token:{}\"",
        tenant.guid, tenant.activation_token
    );
    for (name, value) in [
        ("policyid", options.policy_id),
        ("groupid", options.computer_group_id),
        ("relaygroupid", options.relay_group_id),
    ] {
        if let Some(value) = value.filter(|v| *v != 0) {
            arguments.push_str(&format!(" \"{name}:{value}\""));
        }
    }
    arguments
}

fn script(platform: &str, options: &DeploymentScript, tenant: &Tenant) -> String {
    let activate = options.activation_required != Some(false);
    let arguments = activation_arguments(options, tenant);
    let activation_url = tenant.activation_url();
    let manager_url = tenant.manager_url();
    if platform == "windows" {
        let mut script = format!(
            "#requires -version 4.0\r\n\
             # This script detects platform and architecture, then downloads and installs the Deep Security Agent.\r\n\
             if (-NOT ([Security.Principal.WindowsPrincipal] [Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole] \"Administrator\")) {{\r\n\
             \x20   Write-Warning \"You are not running as an Administrator. Please try again with admin privileges.\"\r\n\
             \x20   exit 1\r\n\
             }}\r\n\
             $managerUrl=\"{manager_url}/\"\r\n\
             $sourceUrl=-join($managerUrl, \"software/agent/Windows/x86_64/agent.msi?tenantID={tenant_id}\")\r\n\
             Invoke-WebRequest -Uri $sourceUrl -OutFile \"$env:temp\\agent.msi\"\r\n\
             Start-Process -FilePath msiexec -ArgumentList \"/i $env:temp\\agent.msi /qn ADDLOCAL=ALL /l*v `\"$env:LogPath\\dsa_install.log`\"\" -Wait\r\n",
            tenant_id = tenant.id
        );
        if activate {
            script.push_str(&format!(
                "& $Env:ProgramFiles\"\\Trend Micro\\Deep Security Agent\\dsa_control\" -r\r\n\
                 & $Env:ProgramFiles\"\\Trend Micro\\Deep Security Agent\\dsa_control\" -a {activation_url} {arguments}\r\n"
            ));
        }
        return script;
    }
    let mut script = format!(
        "#!/usr/bin/env bash\n\
         # This script detects platform and architecture, then downloads and installs the Deep Security Agent ({platform}).\n\
         ACTIVATIONURL='{activation_url}'\n\
         MANAGERURL='{manager_url}'\n\
         CURLOPTIONS='--silent --tlsv1.2'\n\
         if [[ $(/usr/bin/id -u) -ne 0 ]]; then echo You are not running as the root user. Please try again with root privileges.; exit 1; fi\n\
         if ! type curl >/dev/null 2>&1; then echo Please install CURL before running this script.; exit 1; fi\n\
         curl -L $MANAGERURL/software/deploymentscript/platform/linuxdetectscriptv1/ -o /tmp/PlatformDetection $CURLOPTIONS\n\
         . /tmp/PlatformDetection\n\
         platform_detect\n\
         curl -H \"Agent-Version-Control: on\" -L $MANAGERURL/software/agent/${{runningPlatform}}${{majorVersion}}/${{archType}}/$package?tenantID={tenant_id} -o /tmp/agent.$package $CURLOPTIONS\n\
         install_agent /tmp/agent.$package\n",
        tenant_id = tenant.id
    );
    if activate {
        script.push_str(&format!(
            "sleep 15\n\
             /opt/ds_agent/dsa_control -r\n\
             /opt/ds_agent/dsa_control -a $ACTIVATIONURL {arguments}\n"
        ));
    }
    script
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_activates_with_the_tenant_and_token() {
        let tenant = Tenant::new(3);
        let options = DeploymentScript {
            policy_id: Some(4),
            ..DeploymentScript::default()
        };
        let body = script("linux", &options, &tenant);
        let last = body.lines().last().expect("a last line");
        assert!(
            last.starts_with("/opt/ds_agent/dsa_control -a $ACTIVATIONURL"),
            "{last}"
        );
        assert!(last.contains(&format!("\"tenantID:{}\"", tenant.guid)));
        assert!(last.contains(&format!("\"token:{}\"", tenant.activation_token)));
        assert!(last.ends_with("\"policyid:4\""));
        assert!(
            body.contains(
                "ACTIVATIONURL='dsm://agents.workload.us-1.cloudone.trendmicro.com:443/'"
            )
        );
        let quiet = DeploymentScript {
            activation_required: Some(false),
            ..DeploymentScript::default()
        };
        assert!(!script("linux", &quiet, &tenant).contains("dsa_control -a"));
        assert!(script("windows", &options, &tenant).contains("dsa_control\" -a dsm://"));
    }
}
