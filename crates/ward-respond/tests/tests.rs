//! ward-respond's integration tests: the engine's rules with its real adapters in one process.

mod engine;
