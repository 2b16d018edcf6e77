//! Writes the Rust side of the error table (`js/errors.json`): the `ErrorKind` enum, the
//! class each kind becomes in JS, and which HTTP status picks which kind.
// A build script fails by panicking, with the reason.
#![allow(clippy::panic, clippy::unwrap_used, clippy::indexing_slicing)]

use std::fmt::Write;

fn main() {
    let table_path = "js/errors.json";
    println!("cargo:rerun-if-changed={table_path}");
    let text = std::fs::read_to_string(table_path).unwrap_or_else(|e| panic!("build.rs: cannot read {table_path}: {e}"));
    let table: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("build.rs: {table_path} is not JSON: {e}"));
    let rows = table["errors"].as_array().unwrap_or_else(|| panic!("build.rs: {table_path} has no `errors` array"));
    let field = |row: &serde_json::Value, key: &str| -> String {
        row[key].as_str().unwrap_or_else(|| panic!("build.rs: a row of {table_path} has no `{key}`")).to_owned()
    };
    let (mut variants, mut names, mut statuses) = (String::new(), String::new(), String::new());
    for (index, row) in rows.iter().enumerate() {
        let (kind, class) = (field(row, "kind"), field(row, "class"));
        let when = field(row, "when").replace('`', "");
        let _ = writeln!(variants, "    /// `{class}`: {when}.\n    {kind} = {index},");
        let _ = writeln!(names, "            ErrorKind::{kind} => \"{class}\",");
        for status in row["statuses"].as_array().into_iter().flatten() {
            let status = status.as_str().unwrap_or_else(|| panic!("build.rs: statuses of {class} must be strings"));
            let pattern = status.replace('-', "..=");
            let _ = writeln!(statuses, "            {pattern} => ErrorKind::{kind},");
        }
    }
    let base = field(&rows[0], "kind");
    let code = format!(
        "/// Which error class a failure becomes in JS (generated from `js/errors.json` by build.rs).\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq)]\n#[repr(u8)]\npub enum ErrorKind {{\n{variants}}}\n\n\
         impl ErrorKind {{\n    /// The name of the exported JS class.\n    pub fn class_name(self) -> &'static str {{\n        match self {{\n{names}        }}\n    }}\n\n\
         \x20   /// The class for an HTTP status that is not a success.\n    pub fn from_status(status: u16) -> ErrorKind {{\n        match status {{\n{statuses}            _ => ErrorKind::{base},\n        }}\n    }}\n}}\n"
    );
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|e| panic!("build.rs: no OUT_DIR: {e}"))).join("error_kind.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("build.rs: cannot write {}: {e}", out.display()));
}
