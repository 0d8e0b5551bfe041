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

/// Package name → (kinds of the edge: `normal`, `build`, `dev`) for every workspace crate's
/// direct dependencies.
fn direct_dependencies(metadata: &Value) -> BTreeMap<String, Vec<(String, BTreeSet<String>)>> {
    let names: BTreeMap<&str, &str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|package| Some((package["id"].as_str()?, package["name"].as_str()?)))
        .collect();
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .expect("workspace members")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    metadata["resolve"]["nodes"]
        .as_array()
        .expect("resolve nodes")
        .iter()
        .filter(|node| node["id"].as_str().is_some_and(|id| members.contains(id)))
        .filter_map(|node| {
            let name = names.get(node["id"].as_str()?)?;
            let deps = node["deps"]
                .as_array()?
                .iter()
                .filter_map(|dep| {
                    let dep_name = names.get(dep["pkg"].as_str()?)?;
                    let kinds = dep["dep_kinds"]
                        .as_array()?
                        .iter()
                        .map(|kind| kind["kind"].as_str().unwrap_or("normal").to_owned())
                        .collect();
                    Some(((*dep_name).to_owned(), kinds))
                })
                .collect();
            Some(((*name).to_owned(), deps))
        })
        .collect()
}

#[test]
fn the_aws_sdk_lives_only_in_ward_aws() {
    // The SDK's crates are the slowest part of a build: one adapter crate holds them. The
    // binary's end-to-end tests may use them (dev-dependencies) to set up moto.
    let metadata = metadata();
    let mut checked = 0;
    for (krate, deps) in direct_dependencies(&metadata) {
        checked += 1;
        for (dep, kinds) in deps {
            if !(dep.starts_with("aws-sdk-") || dep == "aws-config") || krate == "ward-aws" {
                continue;
            }
            let only_dev = kinds.iter().all(|kind| kind == "dev");
            assert!(
                only_dev && krate == "ward",
                "{krate} depends on {dep} ({kinds:?}): the AWS SDK belongs in ward-aws"
            );
        }
    }
    assert!(checked > 5, "no workspace crate found");
}

/// `{package version} → features` as `cargo tree` prints them, for the given arguments.
fn features(args: &[&str]) -> BTreeMap<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["tree", "--locked", "--prefix", "none", "-f", "{p}|{f}"])
        .args(args)
        .current_dir(workspace_root())
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let (package, features) = line.trim_end_matches(" (*)").split_once('|')?;
            // `name vX.Y.Z (path)` → `name vX.Y.Z`
            let package: Vec<&str> = package.split(' ').take(2).collect();
            Some((
                package.join(" "),
                features.trim_end_matches(" (*)").to_owned(),
            ))
        })
        .collect()
}

#[test]
fn the_binary_and_the_test_suite_build_dependencies_with_one_feature_set() {
    // `cargo run -p ward` and the workspace's test build share every compiled dependency only
    // when no dev-dependency switches on a feature the binary's build lacks (if one does, the
    // AWS SDK and everything else above the changed crate compile twice).
    let binary = features(&["-p", "ward", "-e", "normal,build"]);
    let tests = features(&["--workspace", "-e", "normal,build,dev"]);
    assert!(binary.len() > 100, "cargo tree printed too little");
    let differing: Vec<String> = binary
        .iter()
        .filter_map(|(package, features)| {
            let other = tests.get(package)?;
            (other != features).then(|| format!("{package}: binary [{features}], tests [{other}]"))
        })
        .collect();
    assert!(
        differing.is_empty(),
        "features differ between `cargo build -p ward` and the test build:\n{}",
        differing.join("\n")
    );
}

/// The binary's command modules: `(file name, text)`.
fn command_modules() -> Vec<(String, String)> {
    let dir = workspace_root().join("crates/ward/src/commands");
    let mut modules: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("crates/ward/src/commands exists")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .map(|path| {
            let name = path
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or_default()
                .to_owned();
            (name, std::fs::read_to_string(&path).expect("readable"))
        })
        .collect();
    modules.sort();
    modules
}

/// Command modules only parse arguments, wire and print: they stay short, reach no sibling
/// command (shared wiring is in `crates/ward/src/wire.rs`), and no adapter internals (the AWS SDK
/// is reached through `ward-aws` and `wire`).
#[test]
fn command_modules_only_wire_and_print() {
    /// Lines a command module may hold (tests included): wiring and presentation fit.
    const BUDGET: usize = 300;
    let modules = command_modules();
    assert!(modules.len() >= 5, "no command modules found");
    for (name, text) in modules {
        let lines = text.lines().count();
        assert!(
            lines <= BUDGET,
            "commands/{name} has {lines} lines (budget {BUDGET}): move its decisions into a library crate"
        );
        for forbidden in [
            "crate::commands",
            "super::",
            "aws_sdk_",
            "aws_config::",
            "sqlx::",
            "reqwest::",
        ] {
            assert!(
                !text.contains(forbidden),
                "commands/{name} uses `{forbidden}`: commands wire adapters through crate::wire and import no sibling command"
            );
        }
    }
}

/// `ward-manager`'s modules form no import cycle, of any length.
#[test]
fn ward_manager_modules_form_no_cycle() {
    let dir = workspace_root().join("crates/ward-manager/src");
    let modules: Vec<String> = std::fs::read_dir(&dir)
        .expect("crates/ward-manager/src exists")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_stem()?.to_str()?.to_owned();
            (path.extension()? == "rs" && name != "lib").then_some(name)
        })
        .collect();
    assert!(modules.len() >= 5, "ward-manager's modules not found");
    let imports: BTreeMap<&str, Vec<&str>> = modules
        .iter()
        .map(|module| {
            let text =
                std::fs::read_to_string(dir.join(format!("{module}.rs"))).unwrap_or_default();
            // Only the module's own code: its tests may reach anywhere.
            let code = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .to_owned();
            let uses = modules
                .iter()
                .filter(|other| *other != module && code.contains(&format!("crate::{other}")))
                .map(String::as_str)
                .collect();
            (module.as_str(), uses)
        })
        .collect();
    // Depth-first search from every module; a module met again on the current path is a cycle.
    fn visit<'a>(
        module: &'a str,
        imports: &BTreeMap<&'a str, Vec<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(start) = path.iter().position(|on_path| *on_path == module) {
            let mut cycle = path[start..].to_vec();
            cycle.push(module);
            panic!(
                "ward-manager's modules import each other in a cycle: {}",
                cycle.join(" → ")
            );
        }
        if !done.insert(module) {
            return;
        }
        path.push(module);
        for next in imports.get(module).into_iter().flatten() {
            visit(next, imports, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for module in imports.keys() {
        visit(module, &imports, &mut Vec::new(), &mut done);
    }
}
