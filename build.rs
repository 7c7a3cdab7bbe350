//! Embeds `knowledge/`, `themes/default/` and `book.toml` into the binary.
//! Writes a table of `include_bytes!` entries; it never reads file contents itself.

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

fn main() -> io::Result<()> {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(io::Error::other)?);
    let mut files = Vec::new();
    for dir in ["knowledge", "themes/default"] {
        // A directory makes cargo rerun this script when any file below it is added, removed or changed.
        println!("cargo:rerun-if-changed={dir}");
        collect(&root.join(dir), &mut files)?;
    }
    println!("cargo:rerun-if-changed=book.toml");
    files.push(root.join("book.toml"));
    files.sort();

    let mut out = String::from(
        "/// Every embedded file: path relative to the repository root, and its bytes.\n",
    );
    out.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .map_err(io::Error::other)?
            .to_string_lossy()
            .replace('\\', "/");
        out.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            file.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(env::var("OUT_DIR").map_err(io::Error::other)?).join("embedded.rs");
    fs::write(dest, out)
}

/// Every regular file below `dir`, skipping hidden files and editor droppings.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect(&path, files)?;
        } else if kind.is_file() {
            files.push(path);
        }
    }
    Ok(())
}
