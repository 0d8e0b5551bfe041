//! Tidy tests: the invariants written in `ARCHITECTURE.md`, checked against the real dependency
//! graph (`cargo metadata`) and the files of the workspace.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Crates that must stay free of I/O.
const PURE_CRATES: &[&str] = &[
    "ward-core",
    "ward-events",
    "ward-respond",
    "ward-flow",
    "ward-sigma",
    "ward-dashboard",
];

/// Dependencies a pure crate may never reach, directly or through another crate.
fn is_forbidden(name: &str) -> bool {
    matches!(
        name,
        "tokio" | "reqwest" | "sqlx" | "hyper" | "axum" | "mio"
    ) || name.starts_with("aws-")
        || name.starts_with("sqlx-")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

/// package id → (name, ids of its normal and build dependencies)
fn dependency_graph(metadata: &Value) -> BTreeMap<String, (String, Vec<String>)> {
    let names: BTreeMap<&str, &str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|package| Some((package["id"].as_str()?, package["name"].as_str()?)))
        .collect();
    metadata["resolve"]["nodes"]
        .as_array()
        .expect("resolve nodes")
        .iter()
        .filter_map(|node| {
            let id = node["id"].as_str()?;
            let deps = node["deps"]
                .as_array()?
                .iter()
                .filter(|dep| {
                    dep["dep_kinds"].as_array().is_some_and(|kinds| {
                        kinds
                            .iter()
                            .any(|kind| kind["kind"].as_str() != Some("dev"))
                    })
                })
                .filter_map(|dep| dep["pkg"].as_str().map(str::to_owned))
                .collect();
            Some((id.to_owned(), ((*names.get(id)?).to_owned(), deps)))
        })
        .collect()
}

#[test]
fn pure_crates_never_depend_on_io_crates() {
    let metadata = metadata();
    let graph = dependency_graph(&metadata);
    let mut checked = 0;
    for (id, (name, _)) in &graph {
        if !PURE_CRATES.contains(&name.as_str()) {
            continue;
        }
        checked += 1;
        // Walk the graph, remembering how each crate was reached, to print the path on failure.
        let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
        let mut stack = vec![id.as_str()];
        let mut seen = BTreeSet::from([id.as_str()]);
        while let Some(current) = stack.pop() {
            let (current_name, deps) = &graph[current];
            if is_forbidden(current_name) {
                let mut path = vec![current_name.as_str()];
                let mut at = current;
                while let Some(up) = parent.get(at) {
                    path.push(graph[*up].0.as_str());
                    at = up;
                }
                path.reverse();
                panic!(
                    "pure crate {name} depends on {current_name}: {}",
                    path.join(" -> ")
                );
            }
            for dep in deps {
                if seen.insert(dep.as_str()) {
                    parent.insert(dep.as_str(), current);
                    stack.push(dep.as_str());
                }
            }
        }
    }
    assert!(checked >= 1, "no pure crate found in the workspace");
}

fn workspace_crates() -> Vec<PathBuf> {
    let mut crates: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("crates"))
        .expect("crates/ exists")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.join("Cargo.toml").exists())
        .collect();
    crates.push(workspace_root().join("xtask"));
    crates.sort();
    crates
}

#[test]
fn architecture_md_names_every_crate() {
    let architecture = std::fs::read_to_string(workspace_root().join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md exists");
    for krate in workspace_crates() {
        let name = krate
            .file_name()
            .and_then(|name| name.to_str())
            .expect("crate folder name");
        assert!(
            architecture.contains(&format!("`{name}`")),
            "ARCHITECTURE.md does not describe `{name}`"
        );
    }
    for pure in PURE_CRATES {
        if workspace_root().join("crates").join(pure).exists() {
            assert!(
                architecture.contains(pure),
                "ARCHITECTURE.md does not list pure crate {pure}"
            );
        }
    }
}

#[test]
fn every_crate_uses_workspace_lints_and_says_what_it_is_for() {
    for krate in workspace_crates() {
        let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).expect("manifest");
        assert!(
            manifest.contains("[lints]\nworkspace = true"),
            "{} does not inherit the workspace lints",
            krate.display()
        );
        let name = krate
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "{}: the folder name must be the crate name",
            krate.display()
        );
        for root in ["src/lib.rs", "src/main.rs"] {
            let path = krate.join(root);
            if let Ok(text) = std::fs::read_to_string(&path) {
                assert!(
                    text.starts_with("//!"),
                    "{} does not start with a //! header",
                    path.display()
                );
            }
        }
    }
}
