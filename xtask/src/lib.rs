//! Repository checks that keep the house clean, run as ordinary tests (`cargo test -p xtask`):
//! the architecture invariants of `ARCHITECTURE.md` and the layout conventions of the workspace.

#[cfg(test)]
mod tidy;
