//! The house's floors: every module of the library imports only modules listed above it in
//! `docs/architecture.md`'s module table, and every module is in the table.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The modules of `docs/architecture.md`'s "Modules, in import order" table, in order.
fn documented_order() -> Vec<String> {
    let doc =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md"))
            .expect("read docs/architecture.md");
    let table = doc
        .split("## Modules, in import order")
        .nth(1)
        .expect("a `## Modules, in import order` section");
    table
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| {
            let first = line.trim_start_matches('|').split('|').next()?.trim();
            let name = first.strip_prefix('`')?.strip_suffix('`')?;
            Some(name.to_owned())
        })
        .collect()
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The library's modules a file names (`use crate::kb::…`, or a path `crate::kb::…` in code),
/// leaving out comments and its `#[cfg(test)] mod tests`.
fn imports(text: &str) -> BTreeSet<String> {
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut found = BTreeSet::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

/// The module a file of `src/` belongs to (`src/render/page/note.rs` → `render`), or `None`
/// for the crate root, the binary and test-only files.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs").to_owned();
    let test_only = rel.file_name().is_some_and(|n| n == "tests.rs");
    (!test_only && !["lib", "main", "cmd", "testing"].contains(&name.as_str())).then_some(name)
}

// No module imports one listed after it in docs/architecture.md, and the table names every
// module (so a new module must be placed in the order).
#[test]
fn modules_import_only_modules_above_them() {
    let order = documented_order();
    assert!(order.len() >= 10, "module table not found: {order:?}");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let Some(floor) = order.iter().position(|m| *m == module) else {
            problems.push(format!(
                "`{module}` is not in docs/architecture.md's module table"
            ));
            continue;
        };
        let text = fs::read_to_string(file).expect("read source");
        for import in imports(&text) {
            if import == module || import == "testing" {
                continue;
            }
            match order.iter().position(|m| *m == import) {
                Some(at) if at < floor => {}
                Some(_) => problems.push(format!(
                    "{}: `{module}` imports `{import}`, listed after it",
                    file.strip_prefix(&src).unwrap_or(file).display()
                )),
                None => problems.push(format!(
                    "{}: imports `{import}`, which is not in the module table",
                    file.strip_prefix(&src).unwrap_or(file).display()
                )),
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// The import scanner sees `use` lines and inline paths, and skips comments and test modules.
#[test]
fn import_scanner() {
    let text = "use crate::kb::{Note};\n// crate::serve\nlet x = crate::render::escape(y);\n\
                #[cfg(test)]\nmod tests {\n    use crate::site;\n}\n";
    let found: Vec<String> = imports(text).into_iter().collect();
    assert_eq!(found, ["kb", "render"]);
}
