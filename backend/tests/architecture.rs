//! The server's layers, checked from its source (ARCHITECTURE.md draws them): no two modules
//! import each other, directly or through others; a handler file imports no other handler
//! file; each layer imports only the layers below it; and SQL is written only in `store/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each top-level module may import (besides the leaves every module may use).
const ALLOWED: &[(&str, &[&str])] = &[
    ("main", &["cli", "telemetry"]),
    (
        "cli",
        &[
            "startup",
            "configuration",
            "store",
            "auth",
            "domain",
            "email",
            "state",
            "telemetry",
            "clock",
            "pycompat",
            "i18n",
            "flows",
            "error",
        ],
    ),
    (
        "startup",
        &[
            "routes",
            "http",
            "state",
            "store",
            "email",
            "configuration",
            "telemetry",
            "clock",
            "throttle",
            "revocation",
            "webhooks",
        ],
    ),
    (
        "routes",
        &["flows", "http", "error", "state", "domain", "auth", "throttle", "configuration", "pycompat", "telemetry"],
    ),
    ("http", &["error", "domain", "messages", "pycompat", "i18n"]),
    (
        "flows",
        &[
            "state",
            "store",
            "auth",
            "domain",
            "email",
            "throttle",
            "error",
            "messages",
            "clock",
            "pycompat",
            "providers",
        ],
    ),
    ("state", &["configuration", "store", "auth", "email", "domain", "throttle", "revocation", "i18n", "providers"]),
    ("providers", &["configuration", "auth", "clock"]),
    ("throttle", &["store", "configuration", "error", "clock"]),
    ("revocation", &["store", "clock"]),
    ("email", &["store", "auth", "domain", "configuration", "clock", "i18n", "webhooks"]),
    ("webhooks", &["configuration", "clock"]),
    ("store", &["domain", "clock"]),
    ("auth", &["domain", "messages", "pycompat"]),
    ("domain", &["messages", "pycompat", "clock"]),
    ("configuration", &["auth", "store", "domain"]),
    ("error", &["messages"]),
    ("i18n", &[]),
    ("telemetry", &[]),
    ("messages", &[]),
    ("pycompat", &[]),
    ("clock", &[]),
    ("lib", &[]),
];

/// The shared steps of the handlers: not a handler file.
const ROUTES_SHARED: &[&str] = &["routes", "routes::request"];

fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every source file, by its module path (`flows::password`, `routes`, `lib`, …).
fn modules() -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut folders = vec![source_root()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path.strip_prefix(source_root()).unwrap().with_extension("");
                let mut parts: Vec<String> =
                    relative.components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
                if parts.last().is_some_and(|last| last == "mod") {
                    parts.pop();
                }
                found.insert(parts.join("::"), std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    found
}

/// The source without its `#[cfg(test)]` module and comments, so that unit tests and prose
/// are not taken for imports.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The modules `module`'s code names with `crate::…` or `super::…` paths (including those
/// inside `use` groups), resolved to the longest known module path.
fn imports_of(module: &str, code: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut imports = BTreeSet::new();
    let words: Vec<&str> = code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).collect();
    let is_folder = known.iter().any(|other| other.starts_with(&format!("{module}::")));
    for word in words {
        let path: Vec<&str> = if let Some(rest) = word.strip_prefix("crate::") {
            rest.split("::").collect()
        } else if let Some(rest) = word.strip_prefix("super::") {
            let mut parent: Vec<&str> = module.split("::").collect();
            if !is_folder {
                parent.pop();
            }
            parent.extend(rest.split("::"));
            parent
        } else {
            continue;
        };
        for length in (1..=path.len()).rev() {
            let candidate = path[..length].join("::");
            if known.contains(&candidate) {
                if candidate != module {
                    imports.insert(candidate);
                }
                break;
            }
        }
        // `use crate::flows::{links, password}` names the folder and then, inside the braces,
        // its children: count the children the group names.
    }
    for (at, _) in code.match_indices("::{") {
        let before = &code[..at];
        let start = before.rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).map_or(0, |i| i + 1);
        let prefix = &before[start..];
        let Some(prefix) = prefix.strip_prefix("crate::") else { continue };
        let group_end = code[at..].find('}').map_or(code.len(), |end| at + end);
        for item in code[at + 3..group_end].split(',') {
            let name = item.trim().split("::").next().unwrap_or("").trim_start_matches('{').trim();
            let name = name.split_whitespace().next().unwrap_or("");
            let candidate = format!("{prefix}::{name}");
            if known.contains(&candidate) && candidate != module {
                imports.insert(candidate);
            }
        }
    }
    imports
}

/// Whether `one` is `other`'s folder or lies in it.
fn related(one: &str, other: &str) -> bool {
    one.starts_with(&format!("{other}::")) || other.starts_with(&format!("{one}::"))
}

/// What every file imports, but its own folder's `mod.rs` or its own files: a folder's
/// `mod.rs` is the folder's shared part, which its files use and which names them.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(module, text)| {
            let imports = imports_of(module, &code_of(text), &known);
            (module.clone(), imports.into_iter().filter(|import| !related(module, import)).collect())
        })
        .collect()
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap()
}

/// A cycle of `edges`, if there is one.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|seen| seen == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_two_source_files_import_each_other_directly_or_through_others() {
    let graph = graph();
    assert!(graph.len() > 40, "the source files were found: {}", graph.len());
    assert_eq!(find_cycle(&graph), None);
}

#[test]
fn no_two_top_level_modules_import_each_other_directly_or_through_others() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, imports) in graph() {
        let entry = edges.entry(top(&module).to_owned()).or_default();
        entry.extend(imports.iter().map(|import| top(import).to_owned()).filter(|import| import != top(&module)));
    }
    assert_eq!(find_cycle(&edges), None);
}

#[test]
fn each_layer_imports_only_the_layers_the_architecture_allows() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut breaches = Vec::new();
    for (module, imports) in graph() {
        let layer = top(&module);
        let Some(may) = allowed.get(layer) else {
            breaches.push(format!("{module}: its layer {layer} is not in ARCHITECTURE.md's table"));
            continue;
        };
        for import in imports {
            let target = top(&import);
            if target != layer && !may.contains(&target) {
                breaches.push(format!("{module} imports {import}"));
            }
        }
    }
    assert_eq!(breaches, Vec::<String>::new());
}

#[test]
fn no_handler_file_imports_another_handler_file() {
    let mut breaches = Vec::new();
    for (module, imports) in graph() {
        if top(&module) != "routes" || ROUTES_SHARED.contains(&module.as_str()) {
            continue;
        }
        for import in imports {
            if top(&import) == "routes" && !ROUTES_SHARED.contains(&import.as_str()) {
                breaches.push(format!("{module} imports {import}"));
            }
        }
    }
    assert_eq!(breaches, Vec::<String>::new());
}

#[test]
fn sql_is_written_only_in_the_store() {
    let keywords = ["SELECT ", "INSERT INTO", "DELETE FROM", "CREATE TABLE", "PRAGMA ", " SET "];
    let mut breaches = Vec::new();
    for (module, text) in modules() {
        if top(&module) == "store" {
            continue;
        }
        for literal in code_of(&text).split('"').skip(1).step_by(2) {
            if keywords.iter().any(|keyword| literal.contains(keyword))
                && literal.chars().any(|c| c.is_ascii_uppercase())
            {
                let uppercase_words = literal
                    .split_whitespace()
                    .filter(|word| word.len() > 2 && word.chars().all(|c| c.is_ascii_uppercase()))
                    .count();
                if uppercase_words >= 2 {
                    breaches.push(format!("{module}: {literal:?}"));
                }
            }
        }
    }
    assert_eq!(breaches, Vec::<String>::new());
}

#[test]
fn the_checker_sees_an_import_loop_and_a_group_import() {
    let known: BTreeSet<String> = ["a", "b", "flows", "flows::links"].iter().map(|m| m.to_string()).collect();
    let imports = imports_of("a", "use crate::b::Thing;\nuse crate::flows::{links, Other};", &known);
    assert_eq!(imports, ["b", "flows", "flows::links"].iter().map(|m| m.to_string()).collect());
    let edges: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_owned(), ["b".to_owned()].into()),
        ("b".to_owned(), ["c".to_owned()].into()),
        ("c".to_owned(), ["a".to_owned()].into()),
    ]
    .into();
    assert_eq!(find_cycle(&edges), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
}
