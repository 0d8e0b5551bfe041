//! An in-memory inventory for deciding many events fast: computers by EC2 instance ID and policies
//! by ID, built once from the store. Deciding against it costs no store or manager call.

use crate::decision::Facts;
use std::collections::HashMap;
use ward_core::{Computer, Policy};
use ward_events::Event;

/// Computers by instance ID and policies by ID.
#[derive(Debug, Clone, Default)]
pub struct InventoryIndex {
    computers: HashMap<String, Computer>,
    policies: HashMap<i64, Policy>,
}

impl InventoryIndex {
    /// Indexes the computers that have an instance ID, and every policy.
    pub fn new(computers: Vec<Computer>, policies: Vec<Policy>) -> Self {
        Self {
            computers: computers
                .into_iter()
                .filter_map(|computer| Some((computer.instance_id.clone()?, computer)))
                .collect(),
            policies: policies
                .into_iter()
                .map(|policy| (policy.policy_id.0, policy))
                .collect(),
        }
    }

    pub fn computer(&self, instance_id: &str) -> Option<&Computer> {
        self.computers.get(instance_id)
    }

    pub fn policy(&self, policy_id: i64) -> Option<&Policy> {
        self.policies.get(&policy_id)
    }

    pub fn len(&self) -> usize {
        self.computers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.computers.is_empty()
    }

    /// The facts this index holds about an event's instance (covering rules are not indexed: the
    /// engine reads them per CVE).
    pub fn facts(&self, event: &Event) -> Facts<'_> {
        let computer = event
            .instance_id()
            .and_then(|instance_id| self.computer(instance_id.as_str()));
        let policy = computer
            .and_then(|computer| computer.policy_id)
            .and_then(|policy_id| self.policy(policy_id.0));
        Facts {
            computer,
            policy,
            ..Facts::default()
        }
    }
}
