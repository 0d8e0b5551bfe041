//! Fuzz target: whatever a manager (or something pretending to be one) answers, decoding the wire
//! models and mapping them to ward's domain never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ward_manager::model::{Assignments, Computers, IntrusionPreventionRules, Policies};

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = serde_json::from_slice::<Computers>(data) {
        for computer in page.computers {
            let _ = computer.into_domain();
        }
    }
    if let Ok(page) = serde_json::from_slice::<Policies>(data) {
        for policy in page.policies {
            let _ = policy.into_domain();
        }
    }
    if let Ok(page) = serde_json::from_slice::<IntrusionPreventionRules>(data) {
        for rule in page.intrusion_prevention_rules {
            let _ = rule.into_domain();
        }
    }
    if let Ok(assignments) = serde_json::from_slice::<Assignments>(data) {
        let _ = assignments.into_domain();
    }
});
