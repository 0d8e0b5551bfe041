//! Fuzz target: JSON-lines input to a flow (a `file` source, or exports read back). Whatever the
//! bytes, the flat reading and the whole-record path agree: both fail (naming a line) or both keep
//! the same number of rows with the same counters — and neither panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ward_flow::{FlowDefinition, FlowPlan};

fn plan() -> FlowPlan {
    let definition: FlowDefinition = serde_json::from_value(serde_json::json!({
        "name": "fuzz",
        "source": "computers",
        "tasks": [
            { "type": "Filter", "operator": "EQUAL_TO",
              "source_fields": ["computerStatus.agentStatus"],
              "properties": { "VALUE": "active", "DATA_TYPE": "string" } },
            { "type": "Map_all", "properties": { "EXCLUDE_SOURCE_FIELDS_LIST": "interfaces" } },
            { "type": "Mask", "operator": "MASK_LAST_N", "source_fields": ["hostName"],
              "properties": { "MASK_LENGTH": "4" } },
            { "type": "Truncate", "source_fields": ["description"],
              "properties": { "TRUNCATE_LENGTH": "32" } },
            { "type": "Merge", "source_fields": ["platform", "agentVersion"],
              "destination": "platformAgent",
              "properties": { "CONCAT_FORMAT": "${platform} / ${agentVersion}" } }
        ],
        "destination": { "path": "/nonexistent", "format": "parquet" }
    }))
    .expect("the fuzz flow is valid");
    FlowPlan::compile_builtin(&definition).expect("the fuzz flow compiles")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (mut flat, mut whole) = (plan(), plan());
    let by_flat = flat.apply_json_lines_flat(text.to_owned());
    let by_records = whole.apply_json_lines(text);
    match (by_flat, by_records) {
        (Ok(batch), Ok(records)) => {
            assert_eq!(batch.len(), records.len(), "{text:?}");
            assert_eq!(flat.stats(), whole.stats(), "{text:?}");
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text:?}"),
        (a, b) => panic!("the two readings disagree on {text:?}: {:?} vs {:?}", a.is_ok(), b.is_ok()),
    }
});
