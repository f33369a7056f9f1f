//! Task files: discovery in the tasks directory, front matter, and names git can use.
#![doc(hidden)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::error::{Error, Fix};

mod front_matter;
mod order;

use front_matter::parse_front_matter;

pub use order::order as dependency_order;

/// Front-matter keys git-agents understands.
pub const KNOWN_KEYS: &[&str] = &[
    "scope",
    "agent",
    "command",
    "prompt",
    "verify",
    "timeout",
    "retries",
    "depends_on",
    "sparse",
    "setup",
];

/// The optional YAML block at the top of a task file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FrontMatter {
    pub scope: Vec<String>,
    pub agent: Option<String>,
    /// An argv template; a YAML list is joined with shell quoting so it splits back identically.
    pub command: Option<String>,
    pub prompt: Option<String>,
    pub verify: Option<String>,
    pub timeout: Option<String>,
    pub retries: Option<u32>,
    pub depends_on: Vec<String>,
    /// Check the task's worktree out sparse over its scope (beats `agents.sparse`).
    pub sparse: Option<bool>,
    /// Commands run in a new workspace before the agent, each an argv template; replaces
    /// `agents.setup` for the task (an empty list: none). `None`: not given.
    pub setup: Option<Vec<String>>,
}

/// One task file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Task {
    /// The file stem, exactly as on disk.
    pub name: String,
    /// A name safe as a branch component, a directory and a file name; equals `name` when it already is.
    pub slug: String,
    /// Absolute path of the task file.
    pub file: PathBuf,
    /// Path of the task file relative to the repository root.
    pub rel_file: PathBuf,
    pub meta: FrontMatter,
}

/// A warning found while reading task files (unknown keys and such).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning(pub String);

/// Every `*.md` task in `root/tasks_dir`, sorted by name, plus warnings.
pub fn discover(root: &Path, tasks_dir: &Path) -> Result<(Vec<Task>, Vec<Warning>)> {
    let dir = root.join(tasks_dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::usage(format!(
                "no tasks directory: {} does not exist",
                tasks_dir.display()
            ))
            .with_fix(Fix::CreateTasksDir)
            .into())
        }
        Err(err) => return Err(err).with_context(|| format!("reading {}", dir.display())),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) == Some("md") {
            paths.push(path);
        }
    }
    // Each file is read and parsed on its own; the outcome is the one of a loop in
    // directory order: the first error, the warnings in that order.
    let read: Vec<Result<(Option<Task>, Vec<Warning>)>> = paths
        .into_par_iter()
        .map(|path| read_task(path, tasks_dir))
        .collect();
    let mut tasks = Vec::new();
    let mut warnings = Vec::new();
    for outcome in read {
        let (task, said) = outcome?;
        tasks.extend(task);
        warnings.extend(said);
    }
    if tasks.is_empty() {
        return Err(Error::usage(format!(
            "no tasks: {} holds no *.md files",
            tasks_dir.display()
        ))
        .with_fix(Fix::AddTasks)
        .into());
    }
    tasks.sort_by(|a, b| a.name.cmp(&b.name));
    check_distinct_slugs(&tasks)?;
    Ok((tasks, warnings))
}

/// The task in the `*.md` file at `path`, or only a warning why it is skipped.
fn read_task(path: PathBuf, tasks_dir: &Path) -> Result<(Option<Task>, Vec<Warning>)> {
    let mut warnings = Vec::new();
    if !path.is_file() {
        // Never open a FIFO or device: reading it would block or never end.
        return Err(Error::usage(format!(
            "the task file {} is not a regular file",
            path.display()
        ))
        .with_fix(Fix::Text(
            "task files must be files (or links to files); move it out of the tasks directory"
                .into(),
        ))
        .into());
    }
    let Some(stem) = path.file_stem() else {
        return Ok((None, warnings));
    };
    let Some(name) = stem.to_str().map(str::to_owned) else {
        warnings.push(Warning(format!(
            "{}: skipped, the file name is not valid UTF-8",
            path.display()
        )));
        return Ok((None, warnings));
    };
    let text = std::fs::read(&path).map_err(|err| {
        Error::usage(format!("cannot read the task file {}", path.display()))
            .with_fix(Fix::Text(
                "make it readable, or move it out of the tasks directory".into(),
            ))
            .caused_by(err)
    })?;
    let text = String::from_utf8_lossy(&text);
    let rel_file = tasks_dir.join(path.file_name().expect("has a stem"));
    let meta = parse_front_matter(&text, &rel_file, &mut warnings)?;
    let task = Task {
        slug: slug(&name),
        name,
        file: path,
        rel_file,
        meta,
    };
    Ok((Some(task), warnings))
}

/// Keep the tasks named in `selected` (by name or slug), in task order; all when `selected` is empty.
pub fn select(tasks: Vec<Task>, selected: &[String]) -> Result<Vec<Task>> {
    if selected.is_empty() {
        return Ok(tasks);
    }
    for wanted in selected {
        if !tasks.iter().any(|t| &t.name == wanted || &t.slug == wanted) {
            let known = tasks.iter().map(|t| t.name.clone()).collect();
            return Err(Error::usage(format!("no task named '{wanted}'"))
                .with_fix(Fix::ChooseTask { known })
                .into());
        }
    }
    Ok(tasks
        .into_iter()
        .filter(|t| selected.iter().any(|s| s == &t.name || s == &t.slug))
        .collect())
}

fn check_distinct_slugs(tasks: &[Task]) -> Result<()> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for task in tasks {
        let key = task.slug.to_lowercase();
        if let Some(other) = seen.insert(key, &task.name) {
            return Err(Error::usage(format!(
                "tasks '{other}' and '{}' map to the same branch and directory name '{}'",
                task.name, task.slug
            ))
            .with_fix(Fix::Text("rename one of the task files".into()))
            .into());
        }
    }
    Ok(())
}

/// A task name fit for one line of output: control characters (a newline in a file name, say)
/// are shown escaped.
pub fn display_name(name: &str) -> std::borrow::Cow<'_, str> {
    if name.chars().any(char::is_control) {
        name.escape_debug().to_string().into()
    } else {
        name.into()
    }
}

/// A name that is valid as a branch-name component, a directory name and a log-file name.
///
/// Names that already are stay as they are; any other is cleaned up and given a short stable
/// hash of the original, so two different names never meet on one branch.
pub fn slug(name: &str) -> String {
    if is_safe_component(name) {
        return name.to_owned();
    }
    let mut cleaned = String::new();
    for ch in name.chars() {
        let keep = ch.is_alphanumeric() || matches!(ch, '-' | '_' | '.' | '+');
        if keep {
            cleaned.push(ch);
        } else if !cleaned.ends_with('-') {
            cleaned.push('-');
        }
    }
    while cleaned.contains("..") {
        cleaned = cleaned.replace("..", ".");
    }
    let mut cleaned: String = cleaned
        .trim_matches(|c| c == '-' || c == '.')
        .chars()
        .take(48)
        .collect();
    cleaned = cleaned.trim_end_matches(['-', '.']).to_owned();
    if cleaned.ends_with(".lock") {
        cleaned.truncate(cleaned.len() - ".lock".len());
    }
    let hash = format!("{:08x}", fnv1a(name.as_bytes()) as u32);
    if cleaned.is_empty() {
        format!("task-{hash}")
    } else {
        format!("{cleaned}-{hash}")
    }
}

fn is_safe_component(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with(['-', '.'])
        && !name.ends_with(['.', '-'])
        && !name.ends_with(".lock")
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_are_kept() {
        assert_eq!(slug("task-001-auth"), "task-001-auth");
        assert_eq!(slug("api_v2.1"), "api_v2.1");
    }

    #[test]
    fn hostile_names_become_valid_distinct_branches() {
        let names = [
            "$(rm -rf ~)",
            "`id`",
            "a b",
            "a\tb",
            "a\nb",
            "-rf",
            "..",
            "a..b",
            "x@{1}",
            "x.lock",
            "x.",
            "a//b",
            "a\\b",
            "'q'",
            "\"q\"",
            "ünïcødé",
            "日本語",
            &"x".repeat(220),
            "a;b",
            "a|b",
            "a&b",
            "*",
            "?",
            "[x]",
            "~x",
            "^x",
            ":x",
            ".hidden",
            "a b c",
            "  ",
            "--",
            "@",
            "{}",
            "a/b",
        ];
        let mut seen = std::collections::BTreeSet::new();
        for name in names {
            let s = slug(name);
            let full = format!("refs/heads/feature/{s}");
            assert!(
                gix::validate::reference::name(full.as_str().into()).is_ok(),
                "{name:?} -> {s:?} is not a valid ref"
            );
            assert!(
                !s.starts_with('-') && !s.contains('/') && !s.contains('\\'),
                "{s:?}"
            );
            assert!(s.len() <= 64, "{s:?}");
            assert!(seen.insert(s.clone()), "{name:?} collides as {s:?}");
        }
    }

    #[test]
    fn front_matter_is_parsed_and_unknown_keys_warned() {
        let text = "---\nscope: [src/auth, src/api]\nretries: 2\ncommand: [my-agent, \"--say\", \"a b\"]\ncolour: red\n---\n# Task\n";
        let mut warnings = Vec::new();
        let meta = parse_front_matter(text, Path::new("t.md"), &mut warnings).unwrap();
        assert_eq!(meta.scope, vec!["src/auth", "src/api"]);
        assert_eq!(meta.retries, Some(2));
        assert_eq!(meta.command.as_deref(), Some("my-agent --say 'a b'"));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].0.contains("t.md") && warnings[0].0.contains("'colour'"));
    }

    #[test]
    fn setup_is_one_command_or_a_list_of_them() {
        let parse = |yaml: &str| {
            let text = format!("---\n{yaml}\n---\n# t\n");
            parse_front_matter(&text, Path::new("t.md"), &mut Vec::new())
                .unwrap()
                .setup
        };
        assert_eq!(parse("setup: npm ci"), Some(vec!["npm ci".to_owned()]));
        let list = parse("setup:\n  - npm ci\n  - [./gen, \"a b\"]");
        assert_eq!(
            list,
            Some(vec!["npm ci".to_owned(), "./gen 'a b'".to_owned()])
        );
        assert_eq!(parse("setup: []"), Some(Vec::new()));
        assert_eq!(parse("agent: codex"), None);
    }

    #[test]
    fn no_front_matter_means_defaults() {
        let mut warnings = Vec::new();
        let meta =
            parse_front_matter("# Just a task\n---\n", Path::new("t.md"), &mut warnings).unwrap();
        assert_eq!(meta, FrontMatter::default());
        assert!(warnings.is_empty());
    }
}
