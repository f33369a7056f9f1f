//! Task scopes: the directories a task may change, where they come from, and what lies outside.

use std::path::{Component, Path};

use anyhow::Result;
use gix::bstr::ByteSlice;

use crate::error::{Error, Fix};
use crate::tasks::Task;

/// A task's scope: front matter `scope`, else git config `agents.scope.<task>` (may repeat,
/// each value one directory). A directory may be written as a glob of all it holds, `src/api/**`,
/// and `**` alone is the whole repository (`.`).
/// Entries are checked: relative, inside the repository, and existing in the main worktree.
pub fn for_task(repo: &gix::Repository, root: &Path, task: &Task) -> Result<Vec<String>> {
    let raw: Vec<String> = if task.meta.scope.is_empty() {
        configured(repo, &task.name)
    } else {
        task.meta.scope.clone()
    };
    raw.iter()
        .map(|entry| validate(root, &task.name, entry))
        .collect()
}

fn configured(repo: &gix::Repository, task: &str) -> Vec<String> {
    let snapshot = repo.config_snapshot();
    snapshot
        .plumbing()
        .strings_by("agents", Some(b"scope".as_bstr()), task)
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.to_str_lossy().into_owned())
        .collect()
}

fn validate(root: &Path, task: &str, entry: &str) -> Result<String> {
    let trimmed = entry.trim().trim_end_matches('/');
    let trimmed = match trimmed.strip_suffix("**") {
        Some("") => ".",
        Some(dir) if dir.ends_with('/') => dir.trim_end_matches('/'),
        _ => trimmed,
    };
    let path = Path::new(trimmed);
    let escapes = trimmed.is_empty()
        || path.is_absolute()
        || path.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        });
    if escapes {
        return Err(Error::usage(format!(
            "scope '{entry}' of task '{task}' is not a path inside the repository"
        ))
        .with_fix(Fix::Text(
            "write scopes as directories relative to the repository root, like src/auth".into(),
        ))
        .into());
    }
    let normalized: Vec<String> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let normalized = match normalized.join("/") {
        root if root.is_empty() => ".".to_owned(),
        path => path,
    };
    if !root.join(&normalized).exists() {
        return Err(Error::usage(format!(
            "scope '{entry}' of task '{task}' does not exist in the main worktree"
        ))
        .with_fix(Fix::Text(
            "create the directory first, or fix the task's scope".into(),
        ))
        .into());
    }
    Ok(normalized)
}

/// Whether `path` (repo-relative, '/'-separated) lies within one of `scope`'s entries.
pub fn contains(scope: &[String], path: &str) -> bool {
    scope.iter().any(|s| {
        s == "."
            || path == s
            || (path.len() > s.len()
                && path.starts_with(s.as_str())
                && path.as_bytes()[s.len()] == b'/')
    })
}

/// The changed paths that lie outside `scope`; none when the task has no scope.
pub fn violations(scope: &[String], changed: &[String]) -> Vec<String> {
    if scope.is_empty() {
        return Vec::new();
    }
    changed
        .iter()
        .filter(|p| !contains(scope, p))
        .cloned()
        .collect()
}

/// Two scopes overlap when an entry of one contains an entry of the other.
pub fn overlap(a: &[String], b: &[String]) -> Option<(String, String)> {
    for x in a {
        for y in b {
            if contains(std::slice::from_ref(x), y) || contains(std::slice::from_ref(y), x) {
                return Some((x.clone(), y.clone()));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_inside_and_outside() {
        let scope = vec!["src/auth".to_owned()];
        assert!(contains(&scope, "src/auth/login.rs"));
        assert!(contains(&scope, "src/auth"));
        assert!(!contains(&scope, "src/authz/x.rs"));
        assert!(!contains(&scope, "README.md"));
        assert_eq!(
            violations(&scope, &["src/auth/a".into(), "src/api/b".into()]),
            vec!["src/api/b".to_owned()]
        );
        assert!(violations(&[], &["anything".into()]).is_empty());
    }

    #[test]
    fn overlapping_scopes() {
        let a = vec!["src".to_owned()];
        let b = vec!["src/api".to_owned()];
        let c = vec!["docs".to_owned()];
        assert!(overlap(&a, &b).is_some());
        assert!(overlap(&b, &c).is_none());
    }

    #[test]
    fn scopes_must_stay_inside_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/auth")).unwrap();
        assert_eq!(
            validate(dir.path(), "t", "./src/auth/").unwrap(),
            "src/auth"
        );
        for bad in ["../x", "/etc", "src/../../x", ""] {
            assert!(validate(dir.path(), "t", bad).is_err(), "{bad}");
        }
        assert!(validate(dir.path(), "t", "src/missing").is_err());
        assert_eq!(
            validate(dir.path(), "t", "src/auth/**").unwrap(),
            "src/auth"
        );
        assert_eq!(validate(dir.path(), "t", "**").unwrap(), ".");
        assert_eq!(validate(dir.path(), "t", "./").unwrap(), ".");
    }
}
