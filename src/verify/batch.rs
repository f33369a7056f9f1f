//! `git agents verify`: run the contract check of spawned tasks, in parallel, and record it.

use std::path::Path;

use anyhow::{Context, Result};

use super::{run, Check, VerifyResult};
use crate::config::Overrides;
use crate::error::{Error, Fix};
use crate::repo::Project;
use crate::runner::Runner;
use crate::state::Store;
use crate::tasks;

#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Task names; all spawned tasks when empty.
    pub tasks: Vec<String>,
    /// A check command for every task, beating front matter and git config.
    pub command: Option<String>,
    pub jobs: Option<usize>,
}

/// One task's verdict.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verdict {
    pub task: String,
    pub result: VerifyResult,
}

/// Check every selected task that has a workspace; refuse before running anything when a
/// check command cannot be found or a named task was never spawned.
pub fn verify_tasks(cwd: &Path, options: &VerifyOptions, runner: &Runner) -> Result<Vec<Verdict>> {
    let project = Project::open(
        cwd,
        &Overrides {
            jobs: options.jobs,
            ..Overrides::default()
        },
    )?;
    let (all, _) = tasks::discover(&project.root, project.tasks_dir())?;
    let selected = tasks::select(all, &options.tasks)?;
    let store = Store::new(project.state_dir());
    let state = store.load()?;
    let spawn_options = crate::spawn::SpawnOptions {
        verify_command: options.command.clone(),
        ..Default::default()
    };
    let mut checks = Vec::new();
    for task in selected {
        let Some(record) = state.tasks.get(&task.name).filter(|r| r.workspace.is_dir()) else {
            if options.tasks.is_empty() {
                continue;
            }
            return Err(not_spawned(Some(&task.name)));
        };
        let command = crate::spawn::verify_for(&project, &spawn_options, &task)?;
        checks.push((task, record.clone(), command));
    }
    if checks.is_empty() {
        return Err(not_spawned(None));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(project.settings.jobs.value.min(checks.len()))
        .build()
        .context("starting the worker pool")?;
    let contracts_dir = &project.settings.contracts_dir.value;
    let root = &project.root;
    let results: Vec<Result<Verdict>> = pool.install(|| {
        use rayon::prelude::*;
        checks
            .par_iter()
            .map(|(task, record, command)| {
                let log = record
                    .log
                    .with_file_name(format!("{}.verify.log", task.slug));
                let result = run(
                    runner,
                    &Check {
                        task: &task.name,
                        branch: &record.branch,
                        workspace: &record.workspace,
                        root,
                        contracts_dir,
                        copied: &record.copied,
                        base: record.base.as_deref().and_then(|b| b.parse().ok()),
                        command: command.as_ref(),
                        log,
                    },
                )?;
                let stored = result.clone();
                store.update(&task.name, |old| {
                    let mut record = old.expect("checked above");
                    record.verify = Some(stored);
                    record
                })?;
                Ok(Verdict {
                    task: task.name.clone(),
                    result,
                })
            })
            .collect()
    });
    store.flush()?;
    results.into_iter().collect()
}

/// Nothing to check: `task` (every task when `None`) was never spawned.
fn not_spawned(task: Option<&str>) -> anyhow::Error {
    let message = match task {
        Some(name) => format!("task '{name}' has no workspace to check"),
        None => "no spawned task to check".to_owned(),
    };
    let task = task.map(str::to_owned);
    Error::usage(message)
        .with_fix(Fix::SpawnFirst { task })
        .into()
}
