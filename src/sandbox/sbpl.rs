//! The Seatbelt profile (SBPL, the macOS sandbox's Scheme dialect) that `sandbox-exec` applies
//! in dir mode: everything allowed except writing, and writing only beneath the allowed paths.
//! Plain text building, so it is compiled (and tested) on every platform.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// Devices any program may need to write, whatever the allow list says.
const DEVICES: &[(&str, &str)] = &[
    ("literal", "/dev/null"),
    ("literal", "/dev/zero"),
    ("literal", "/dev/tty"),
    ("literal", "/dev/dtracehelper"),
    ("subpath", "/dev/fd"),
];

/// The profile for `sandbox-exec -p`. A rule with a filter beats the bare `(deny file-write*)`
/// both by coming later and by being more specific, however a macOS version ranks rules.
pub fn profile(writable: &[PathBuf]) -> OsString {
    let mut out =
        b"(version 1)\n(allow default)\n(deny file-write*)\n(allow file-write*\n".to_vec();
    for (filter, path) in DEVICES {
        rule(&mut out, filter, Path::new(path));
    }
    for path in writable {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
        let resolved = resolved(&absolute);
        // The sandbox matches the path it resolved, symlinks followed (/tmp is /private/tmp).
        rule(&mut out, "subpath", &resolved);
        if resolved != absolute {
            rule(&mut out, "subpath", &absolute);
        }
    }
    out.extend_from_slice(b")\n");
    OsString::from_vec(out)
}

fn rule(out: &mut Vec<u8>, filter: &str, path: &Path) {
    out.extend_from_slice(format!("  ({filter} ").as_bytes());
    quote(out, path.as_os_str().as_bytes());
    out.extend_from_slice(b")\n");
}

/// An SBPL string literal: in double quotes, with `"` and `\` escaped by a backslash. Every
/// other byte (a newline included) may stand as it is inside a Scheme string.
fn quote(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'"');
    for &byte in text {
        if byte == b'"' || byte == b'\\' {
            out.push(b'\\');
        }
        out.push(byte);
    }
    out.push(b'"');
}

/// `path` with symlinks resolved; for a path that does not exist yet (a config dir an agent
/// creates later), its deepest existing ancestor resolved and the rest appended.
fn resolved(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut existing = path;
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |acc, name| acc.join(name));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name);
                existing = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(text: &str) -> String {
        let mut out = Vec::new();
        quote(&mut out, text.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn string_literals_escape_quotes_and_backslashes() {
        assert_eq!(quoted("/plain/path"), r#""/plain/path""#);
        assert_eq!(quoted(r#"/a "b"/c"#), r#""/a \"b\"/c""#);
        assert_eq!(quoted(r"/a\b\\c"), r#""/a\\b\\\\c""#);
        assert_eq!(
            quoted("/x\")(allow file-write* (subpath \"/\""),
            r#""/x\")(allow file-write* (subpath \"/\"""#
        );
        assert_eq!(quoted("/new\nline"), "\"/new\nline\"");
    }

    /// The string literals of one line, read the way a Scheme reader does.
    fn literals(line: &str) -> Vec<String> {
        let (mut found, mut current, mut inside, mut escaped) = (Vec::new(), None, false, false);
        for c in line.chars() {
            match (inside, escaped, c) {
                (true, false, '\\') => escaped = true,
                (true, false, '"') => {
                    found.push(current.take().unwrap());
                    inside = false;
                }
                (true, _, c) => {
                    current.get_or_insert_with(String::new).push(c);
                    escaped = false;
                }
                (false, _, '"') => {
                    current = Some(String::new());
                    inside = true;
                }
                _ => {}
            }
        }
        assert!(!inside, "unterminated literal in {line:?}");
        found
    }

    #[test]
    fn a_path_cannot_break_out_of_its_literal() {
        let dir = std::env::temp_dir().canonicalize().unwrap();
        let evil = dir.join(r#"x")) (allow file-write* (subpath "\"#);
        let text = profile(std::slice::from_ref(&evil)).into_string().unwrap();
        assert!(text.starts_with("(version 1)\n(allow default)\n(deny file-write*)\n"));
        let last = text.lines().rev().nth(1).unwrap();
        assert_eq!(literals(last), [evil.to_str().unwrap()], "{text}");
        assert_eq!(text.lines().last(), Some(")"));
    }

    #[test]
    fn paths_are_resolved_through_symlinks_even_when_missing() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap().join("real");
        std::fs::create_dir(&real).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert_eq!(resolved(&link.join("not/yet")), real.join("not/yet"));
        let text = profile(&[link.join("sub")]).into_string().unwrap();
        assert!(text.contains(&format!("  (subpath \"{}\")\n", real.join("sub").display())));
        assert!(text.contains(&format!("  (subpath \"{}\")\n", link.join("sub").display())));
        assert!(text.contains("  (literal \"/dev/null\")\n"));
    }
}
