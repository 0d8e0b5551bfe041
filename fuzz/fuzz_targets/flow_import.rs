//! Fuzz target: the flow inputs from outside — an AppFlow `CreateFlow`/`DescribeFlow` JSON, a
//! schedule expression, a field path — never panic, whatever the bytes. An imported definition
//! either compiles or fails with an error that can be displayed; a schedule's next run is after
//! the time asked about.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ward_flow::{FieldPath, FlowPlan, ScheduleExpression, import_appflow};

fuzz_target!(|data: &[u8]| {
    if let Ok(definition) = import_appflow(data) {
        if let Err(error) = FlowPlan::compile_builtin(&definition) {
            let _ = error.to_string();
        }
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(schedule) = ScheduleExpression::parse(&text) {
        let now = 1_700_000_000_000;
        if let Some(next) = schedule.next_after(now) {
            assert!(next > now, "{text:?}: next run {next} is not after {now}");
        }
    }
    let _ = FieldPath::parse(&text);
});
