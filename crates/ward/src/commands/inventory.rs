//! `ward inventory`: the synced computers as a table, JSON or CSV.

use crate::cli::{InventoryArgs, Output};
use crate::config::Config;
use crate::output::{self, Table};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use ward_core::{Computer, InventoryFilter, Module};

/// One computer as `--output json` prints it.
#[derive(Debug, Serialize)]
pub struct InventoryRow<'a> {
    pub computer_id: i64,
    pub host_name: &'a str,
    pub display_name: Option<&'a str>,
    pub platform: Option<&'a str>,
    pub os_type: &'static str,
    pub agent_version: Option<&'a str>,
    pub agent_status: &'static str,
    pub policy_id: Option<i64>,
    pub instance_id: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub availability_zone: Option<&'a str>,
    pub region: Option<&'a str>,
    pub instance_type: Option<&'a str>,
    pub ec2_state: Option<&'a str>,
    pub protected: bool,
    pub modules: BTreeMap<&'static str, ModuleView<'a>>,
}

/// A module's state as printed.
#[derive(Debug, Serialize)]
pub struct ModuleView<'a> {
    pub state: &'a str,
    pub status: &'static str,
}

impl<'a> From<&'a Computer> for InventoryRow<'a> {
    fn from(computer: &'a Computer) -> Self {
        Self {
            computer_id: computer.computer_id.0,
            host_name: &computer.host_name,
            display_name: computer.display_name.as_deref(),
            platform: computer.platform.as_deref(),
            os_type: computer.os_type(),
            agent_version: computer.agent_version.as_deref(),
            agent_status: computer.agent_status.as_str(),
            policy_id: computer.policy_id.map(|id| id.0),
            instance_id: computer.instance_id.as_deref(),
            account_id: computer.account_id.as_deref(),
            availability_zone: computer.availability_zone.as_deref(),
            region: computer.region.as_deref(),
            instance_type: computer.instance_type.as_deref(),
            ec2_state: computer.ec2_state.as_deref(),
            protected: computer.protected(),
            modules: computer
                .modules
                .iter()
                .map(|(module, state)| {
                    (
                        module.as_str(),
                        ModuleView {
                            state: &state.state,
                            status: state.status.as_str(),
                        },
                    )
                })
                .collect(),
        }
    }
}

pub async fn run(config: &Config, args: &InventoryArgs) -> anyhow::Result<()> {
    let store = crate::wire::open_store(&config.store_url).await?;
    if store.last_sync().await?.is_none() {
        tracing::warn!("the store holds no finished sync yet; run `ward sync` first");
    }
    let filter = InventoryFilter {
        unprotected_only: args.unprotected,
        account_id: args.account.clone(),
        region: args.region.clone(),
    };
    let computers = store.computers(&filter).await?;
    let mut out = output::stdout();
    match args.output {
        Output::Json => {
            let rows: Vec<InventoryRow<'_>> = computers.iter().map(InventoryRow::from).collect();
            output::ignore_broken_pipe(
                serde_json::to_writer_pretty(&mut out, &rows)
                    .map_err(std::io::Error::from)
                    .and_then(|()| writeln!(out))
                    .and_then(|()| out.flush()),
            )
        }
        Output::Csv => write_csv(&mut out, &computers),
        Output::Table => {
            let mut table = Table::new([
                "ID",
                "HOST",
                "OS",
                "AGENT",
                "POLICY",
                "INSTANCE",
                "ACCOUNT",
                "REGION",
                "TYPE",
                "EC2 STATE",
                "PROTECTED",
            ])
            .right_align(0);
            for computer in &computers {
                let row = InventoryRow::from(computer);
                table.row([
                    row.computer_id.to_string(),
                    row.host_name.to_owned(),
                    row.os_type.to_owned(),
                    row.agent_status.to_owned(),
                    row.policy_id.map(|id| id.to_string()).unwrap_or_default(),
                    row.instance_id.unwrap_or("").to_owned(),
                    row.account_id.unwrap_or("").to_owned(),
                    row.region.unwrap_or("").to_owned(),
                    row.instance_type.unwrap_or("").to_owned(),
                    row.ec2_state.unwrap_or("").to_owned(),
                    if row.protected { "yes" } else { "no" }.to_owned(),
                ]);
            }
            output::line(&mut out, &table.render())?;
            output::line(&mut out, &format!("{} computers", computers.len()))
        }
    }
}

/// CSV with one column per field and two per module (`<module>_state`, `<module>_status`).
fn write_csv(out: &mut impl Write, computers: &[Computer]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header: Vec<String> = [
        "computer_id",
        "host_name",
        "platform",
        "os_type",
        "agent_version",
        "agent_status",
        "policy_id",
        "instance_id",
        "account_id",
        "availability_zone",
        "region",
        "instance_type",
        "ec2_state",
        "protected",
    ]
    .iter()
    .map(|name| (*name).to_owned())
    .collect();
    for module in Module::ALL {
        header.push(format!("{module}_state"));
        header.push(format!("{module}_status"));
    }
    let result = (|| -> csv::Result<()> {
        writer.write_record(&header)?;
        for computer in computers {
            let row = InventoryRow::from(computer);
            let mut record = vec![
                row.computer_id.to_string(),
                row.host_name.to_owned(),
                row.platform.unwrap_or("").to_owned(),
                row.os_type.to_owned(),
                row.agent_version.unwrap_or("").to_owned(),
                row.agent_status.to_owned(),
                row.policy_id.map(|id| id.to_string()).unwrap_or_default(),
                row.instance_id.unwrap_or("").to_owned(),
                row.account_id.unwrap_or("").to_owned(),
                row.availability_zone.unwrap_or("").to_owned(),
                row.region.unwrap_or("").to_owned(),
                row.instance_type.unwrap_or("").to_owned(),
                row.ec2_state.unwrap_or("").to_owned(),
                row.protected.to_string(),
            ];
            for module in Module::ALL {
                match computer.modules.get(&module) {
                    Some(state) => {
                        record.push(state.state.clone());
                        record.push(state.status.as_str().to_owned());
                    }
                    None => record.extend([String::new(), String::new()]),
                }
            }
            writer.write_record(&record)?;
        }
        writer.flush()?;
        Ok(())
    })();
    match result {
        Err(error) => match error.into_kind() {
            csv::ErrorKind::Io(io) => output::ignore_broken_pipe(Err(io)),
            other => Err(anyhow::anyhow!("cannot write CSV: {other:?}")),
        },
        Ok(()) => Ok(()),
    }
}
