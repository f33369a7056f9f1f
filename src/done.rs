//! `git agents done`: retire finished tasks. Each task file moves into `<tasksDir>/done/`, where
//! spawn no longer finds it; the task's record stays, and `status --all` still shows it.
#![doc(hidden)]

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::config::Overrides;
use crate::error::{Error, Fix};
use crate::inventory::Inventory;
use crate::repo::Project;

/// What to retire.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct DoneOptions {
    /// Task names or slugs; at least one.
    pub tasks: Vec<String>,
    /// Retire tasks that are not finished too.
    pub force: bool,
}

/// One task file moved.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct Retired {
    /// The task.
    pub task: String,
    /// Where its file was (relative to the main worktree).
    pub from: PathBuf,
    /// Where it is now (relative to the main worktree).
    pub to: PathBuf,
}

/// Retire the named tasks: every one must have a task file, and be finished (done, no changes
/// or merged) unless `force`. Nothing moves unless every one can.
pub fn retire(cwd: &std::path::Path, options: &DoneOptions) -> Result<Vec<Retired>> {
    let inventory = Inventory::load(Project::open(cwd, &Overrides::default())?)?;
    let tasks = inventory.select(&options.tasks)?;
    let root = &inventory.project.root;
    let done_dir = inventory.project.tasks_dir().join("done");
    let mut moves = Vec::new();
    for task in &tasks {
        let Some(file) = &task.file else {
            return Err(Error::usage(format!(
                "task '{}' has no task file to retire (retired already?)",
                task.name
            ))
            .with_fix(Fix::Text(
                "git agents status --all shows retired tasks".into(),
            ))
            .into());
        };
        let finished = task
            .record
            .as_ref()
            .is_some_and(|r| r.merged.is_some() || r.state.is_finished());
        if !finished && !options.force {
            let state = task
                .record
                .as_ref()
                .map_or("not started", |r| r.state.label());
            return Err(Error::usage(format!(
                "task '{}' is not finished ({state}); retiring it would hide its work from spawn",
                task.name
            ))
            .with_fix(Fix::RetireAnyway {
                task: task.name.clone(),
            })
            .into());
        }
        let to = done_dir.join(file.rel_file.file_name().unwrap_or_default());
        if root.join(&to).symlink_metadata().is_ok() {
            return Err(Error::usage(format!(
                "{} exists already: a task of that name was retired before",
                to.display()
            ))
            .with_fix(Fix::Text("rename or remove the older one first".into()))
            .into());
        }
        moves.push(Retired {
            task: task.name.clone(),
            from: file.rel_file.clone(),
            to,
        });
    }
    std::fs::create_dir_all(root.join(&done_dir))
        .with_context(|| format!("creating {}", done_dir.display()))?;
    for retired in &moves {
        std::fs::rename(root.join(&retired.from), root.join(&retired.to)).with_context(|| {
            format!(
                "moving {} to {}",
                retired.from.display(),
                retired.to.display()
            )
        })?;
    }
    Ok(moves)
}
