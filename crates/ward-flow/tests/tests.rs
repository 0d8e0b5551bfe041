//! ward-flow's integration tests: AppFlow task semantics through a compiled plan, compile errors
//! naming flow / task / field, the AppFlow import of a `CreateFlow` fixture, `ward.toml` flow
//! definitions, and properties (tasks never panic; filters only drop; masks keep length).

mod compile_errors;
mod definitions;
mod flat;
mod import;
mod properties;
mod semantics;
mod support;
