//! `git agents verify`: run the contract check of spawned tasks, in parallel, and record it.

use std::path::Path;

use anyhow::{Context, Result};

use super::{run, Check, VerifyResult};
use crate::config::{Origin, Overrides, Resolver};
use crate::error::{Error, Fix};
use crate::inventory::{Inventory, KnownTask};
use crate::repo::Project;
use crate::runner::Runner;
use crate::state::Store;
use crate::state::TaskState;
use crate::tasks::Task;
use crate::trust;

/// What to check, and with which command.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Task names; all spawned tasks when empty.
    pub tasks: Vec<String>,
    /// A check command for every task, beating front matter and git config.
    pub command: Option<String>,
    /// How many checks run at once, beating `agents.jobs`; at least 1.
    pub jobs: Option<usize>,
    /// Run checks from committed task files even if not approved (`git agents trust`).
    pub trust: bool,
}

crate::builder::setters!(VerifyOptions {
    /// Only these tasks (names or slugs).
    tasks: list String,
    /// This check command for every task.
    command: some String,
    /// How many checks run at once.
    jobs: some usize,
    /// Run checks from committed task files without their approval.
    trust: value bool,
});

/// One task's verdict.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct Verdict {
    /// The task's name.
    pub task: String,
    /// How its check went, as recorded in its state.
    pub result: VerifyResult,
}

/// Check every selected task that has a workspace; refuse before running anything when a
/// check command cannot be found or a named task was never spawned.
///
/// Each check is the built-in one (the contracts are unchanged) and then the task's check
/// command, if it has one, run in its workspace; verdicts come back in task order and are
/// recorded in the state, where `git agents merge` looks for them. A failed check is not an
/// error: its verdict has `passed` false.
///
/// # Errors
///
/// Usage errors (exit code 2, [`ErrorKind::Usage`](crate::ErrorKind::Usage)), each with a
/// [`Fix`](crate::Fix), before any check runs: `cwd` is in no repository or a bare one, a bad
/// `agents.*` value or `options.jobs` of 0, a name in `options.tasks` that is no task, a named
/// task whose task file is gone or that was never spawned, no spawned task at all
/// ([`Fix::SpawnFirst`](crate::Fix::SpawnFirst)), a check command that cannot be split or is
/// not on PATH ([`Fix::InstallCheck`](crate::Fix::InstallCheck)), check commands from committed
/// task files not approved, unless `options.trust`
/// ([`Fix::TrustCommands`](crate::Fix::TrustCommands)).
///
/// Failures (exit code 1): a state file this build cannot read or write, a check that cannot
/// be started, and I/O or git errors (with no [`Error`] in their chain) on the way; verdicts
/// already recorded stay recorded.
pub fn verify_tasks(cwd: &Path, options: &VerifyOptions, runner: &Runner) -> Result<Vec<Verdict>> {
    let project = Project::open(
        cwd,
        &Overrides {
            jobs: options.jobs,
            ..Overrides::default()
        },
    )?;
    let inventory = Inventory::load(project)?;
    let selected = inventory.select(&options.tasks)?;
    let (project, store) = (&inventory.project, inventory.store());
    let checks = gather(project, selected, options)?;
    if checks.is_empty() {
        return Err(not_spawned(None));
    }
    run_all(project, &store, runner, &checks)
}

/// A task, its record, and its check.
type Planned = (Task, TaskState, Option<super::Command>);

/// Each selected task with a workspace, its record and its check; refused as a whole when a
/// check comes from a committed task file and is not approved.
fn gather(
    project: &Project,
    selected: Vec<KnownTask>,
    options: &VerifyOptions,
) -> Result<Vec<Planned>> {
    let resolver = Resolver::new(&project.settings, &project.root)
        .with_verify_command(options.command.as_deref());
    let mut checks = Vec::new();
    let mut from_repository = Vec::new();
    for known in selected {
        let Some(task) = known.file else {
            if options.tasks.is_empty() {
                continue;
            }
            return Err(
                Error::usage(format!("task '{}' has no task file any more", known.name))
                    .with_fix(Fix::Text(
                        "its check comes from its task file: restore it to check the task".into(),
                    ))
                    .into(),
            );
        };
        let Some(record) = known.record.filter(|r| r.workspace.is_dir()) else {
            if options.tasks.is_empty() {
                continue;
            }
            return Err(not_spawned(Some(&task.name)));
        };
        let program = resolver.verify(&task)?;
        if let Some(program) = &program {
            if program.template.origin == Origin::FrontMatter && trust::committed(project, &task)? {
                from_repository.push(trust::command(
                    &task,
                    trust::Use::Verify,
                    &program.template.value,
                ));
            }
        }
        checks.push((task, record, program.map(super::Command::from)));
    }
    trust::require(project, &from_repository, options.trust)?;
    Ok(checks)
}

/// Run every check on a pool of `agents.jobs` threads and record each verdict.
fn run_all(
    project: &Project,
    store: &Store,
    runner: &Runner,
    checks: &[Planned],
) -> Result<Vec<Verdict>> {
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
                let log = crate::logs::runs::latest(&record.log, crate::logs::runs::Kind::Verify);
                let result = run(
                    runner,
                    &Check {
                        task: &task.name,
                        branch: &record.branch,
                        workspace: &record.workspace,
                        root,
                        contracts_dir,
                        copied: &record.copied,
                        base: record.base.map(|b| b.to_gix()),
                        command: command.as_ref(),
                        log,
                    },
                )?;
                record_result(store, &task.name, &result)?;
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

/// Keep the verdict in the task's record; a record removed meanwhile (a `clean` running at the
/// same time) is not brought back.
fn record_result(store: &Store, task: &str, result: &VerifyResult) -> Result<()> {
    store.update_existing(task, |record| record.verify = Some(result.clone()))?;
    Ok(())
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
