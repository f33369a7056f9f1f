//! Bring finished task branches home: the whole sequence of merges is computed in memory with gix
//! first, and only then does the target branch move, once, to the last clean result.
//!
//! * [`select`] resolves the target and the branches (task names or branch names), and refuses
//!   bad input before anything is read twice;
//! * [`plan`] merges in memory (`merge_commits` with git's labels, so trees equal git's), deciding
//!   fast-forward / merge / already merged / conflict per branch, plus the files each branch touched;
//! * [`local`] applies git's rules for local changes in a checked-out target;
//! * [`apply`] lands it: objects durably, children first ([`objects`]), then the files and the
//!   index of a checked-out target, then the ref, each step recorded in a [`journal`];
//! * [`resume`](mod@resume) repairs a landing that was killed: `--continue`, `--abort`, or by itself;
//! * [`resolve`](mod@resolve) hands conflicts to agents (`--resolve`), in resolve worktrees;
//! * [`report`] is the result (JSON via serde), [`text`] renders it for people.
#![doc(hidden)]

pub mod apply;
pub mod journal;
pub mod local;
pub mod objects;
pub mod plan;
mod record;
mod recursive;
pub mod report;
pub mod resolve;
pub mod resume;
pub mod select;
mod sequence;
pub mod text;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::gitops::checkout::{self, LocalChanges};
use crate::repo::Project;
pub use report::{BranchReport, Outcome, Overlap, Report, Resolution};
pub use resolve::{Agents, ResolveReport, ResolveState};
pub use resume::{resume, Action, ResumeReport};

/// What to merge, where, and how.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {
    /// Task names or branch names, merged in this order; empty means every task's branch in task order.
    pub names: Vec<String>,
    /// The branch to merge into; `None` means the branch checked out in the main worktree.
    pub into: Option<String>,
    /// Forecast only: objects stay in memory, no ref, index or file changes.
    pub dry_run: bool,
    /// Land everything or nothing: a conflict anywhere leaves the target where it was.
    pub atomic: bool,
    /// Always create a merge commit, even where a fast-forward is possible.
    pub no_ff: bool,
    /// Merge tasks whose last contract check failed too.
    pub no_verify: bool,
    /// Hand each conflicting branch to an agent (the task's, as spawn picks it) in a resolve
    /// worktree, and go on once it resolved the conflicts and the task's check passes.
    pub resolve: bool,
    /// With `resolve`: run agent and check commands from committed task files without their
    /// approval (`git agents trust`).
    pub trust: bool,
    /// Once set (by a signal handler, say), the merge stops at the next safe point: before the
    /// target's files begin to move everything is left as it was, after that the landing is
    /// finished.
    pub interrupt: Option<Arc<AtomicBool>>,
}

crate::builder::setters!(Options {
    /// Merge these tasks' (or branches') branches, in this order.
    names: list String,
    /// Merge into this branch instead of the main worktree's.
    into: some String,
    /// Forecast only: nothing is written.
    dry_run: value bool,
    /// Land everything or nothing.
    atomic: value bool,
    /// Always create a merge commit.
    no_ff: value bool,
    /// Merge tasks whose last contract check failed too.
    no_verify: value bool,
    /// Hand conflicts to an agent.
    resolve: value bool,
    /// Run commands from committed task files without their approval.
    trust: value bool,
    /// Stop at the next safe point once this flag is set.
    interrupt: some Arc<AtomicBool>,
});

/// A flag set by SIGINT and SIGTERM, for [`Options::interrupt`] and [`resume()`]: the process then
/// stops at the next safe point instead of dying with locks held and files half-written.
pub fn interrupt_on_signals() -> std::io::Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&flag))?;
    }
    Ok(flag)
}

/// Merge every task's branch (or the names in `options`) into the target of the repository
/// around `cwd`: computed in memory first, then landed as git would. Tasks whose last contract
/// check failed are left out, with a warning in the report, unless `options.no_verify`.
///
/// A conflict is not an error: the report says which branch, which paths and how to resolve it,
/// and [`Report::exit_code`] is then 1. With `options.resolve` each conflict goes to an agent
/// first (see [`resolve`](mod@resolve)); a refused resolution is reported the same way, with
/// [`BranchReport::resolution`] saying why.
///
/// # Errors
///
/// Usage errors (exit code 2, [`ErrorKind::Usage`](crate::ErrorKind::Usage)), found before
/// anything is written, each with a [`Fix`](crate::Fix): `cwd` is in no repository, bad
/// `agents.*` config, an unknown branch or task, a named task without a branch yet, the target
/// among the branches, a target that does not exist or has no commit, a detached main worktree
/// without `into`, a merge, rebase or other operation in progress, an interrupted
/// `git agents merge` to continue or abort. The merge (a dry run says so too) refuses local
/// changes it would overwrite, untracked files in the way, an index it cannot update, and a
/// missing author identity.
///
/// Failures (exit code 1, [`ErrorKind::Failed`](crate::ErrorKind::Failed)): the target could
/// not be moved because it moved meanwhile (nothing was changed;
/// [`Fix::MergeAgain`](crate::Fix::MergeAgain)), or writing the checked-out files failed (a
/// filter, a full disk: rolled back, the ref not moved). Errors with no
/// [`Error`](crate::Error) in their chain come from reading the repository or the file system.
pub fn merge(cwd: &std::path::Path, options: &Options) -> Result<Report> {
    run(
        &Project::open(cwd, &crate::config::Overrides::default())?,
        options,
    )
}

/// Merge the selected branches into the target, or forecast it with `options.dry_run`.
///
/// Bad input (unknown branch or task, missing target, the target itself named, local changes the
/// merge would overwrite, a detached main worktree without `into`, a merge in progress, an
/// interrupted merge to continue or abort) is an `Err` carrying a usage [`Error`](crate::Error), and nothing is
/// written; a dry run refuses exactly as the merge would. A conflict is not an error: the report
/// says which branch, which paths and how to resolve it; [`Report::exit_code`] is then 1.
pub fn run(project: &Project, options: &Options) -> Result<Report> {
    match options.resolve && !options.dry_run {
        true => {
            let grace = project.settings.kill_grace.value;
            let runner =
                crate::runner::Runner::new(grace, crate::runner::Runner::find_supervisor());
            let agents = resolve::Agents {
                runner: &runner,
                reporter: &crate::progress::Silent,
            };
            run_with(project, options, Some(agents))
        }
        false => run_with(project, options, None),
    }
}

/// [`run`], with `options.resolve` running the agents on `agents.runner` (interrupting it ends
/// them, and the merge with exit code 130, the target unmoved), each resolution told to
/// `agents.reporter` as a [`Note`](crate::progress::Event::Note) when it starts and ends.
pub fn run_with(
    project: &Project,
    options: &Options,
    agents: Option<resolve::Agents<'_>>,
) -> Result<Report> {
    if options.resolve && !options.dry_run && agents.is_none() {
        return run(project, options);
    }
    let state = project.state_dir();
    let _lock = match options.dry_run {
        true => journal::MergeLock::probe(&state).map(|()| None)?,
        false => Some(journal::MergeLock::acquire(&state)?),
    };
    let ours = resume::before_merge(project, options.dry_run)?;
    let selection = select::select(
        project,
        &options.names,
        options.into.as_deref(),
        options.no_verify,
    )?;
    crate::repo::check_identity(&project.repo)?;
    let mut mem = project.repo.clone().with_object_memory();
    // Trees are read over and over (merge bases, both sides, each step): cache them.
    mem.object_cache_size_if_unset(16 * 1024 * 1024);
    let (local, plan, mut resolutions) = planned(project, &mem, &selection, options, agents)?;
    let target = &selection.target;
    let tip = match options.atomic && plan.stopped() {
        true => None,
        false => plan.landing_tip(target.tip),
    };
    let (verdict, fast_forward) = match (tip, &target.worktree) {
        (Some(tip), Some(wt)) => judged(&mem, target, wt, &local, &plan, tip, ours.as_ref())?,
        _ => (local::Verdict::default(), false),
    };
    let interrupt = options.interrupt.clone().unwrap_or_default();
    if interrupt.load(Ordering::SeqCst) {
        return Err(apply::interrupted(&target.name));
    }
    let mut warnings = Vec::new();
    let landed = match tip {
        Some(tip) if !options.dry_run => {
            let landing = apply::Landing {
                state_dir: state,
                target,
                tip,
                message: plan.reflog_message(),
                sources: sources(&selection),
                update: verdict.update,
                kept: verdict.kept,
                fast_forward,
            };
            if apply::land(&project.repo, &mut mem, &landing, &interrupt)? {
                warnings.push(format!(
                    "interrupted while '{}' was landing; the landing was finished",
                    target.name
                ));
            }
            let end = plan.stop.unwrap_or(plan.steps.len());
            resolve::remove_landed(project, &mut resolutions, end)?;
            Some(tip)
        }
        _ => None,
    };
    let mut report = report::build(project, &selection, &plan, options, landed, resolutions);
    report.warnings.extend(warnings);
    record::merged_tasks(project, &report)?;
    Ok(report)
}

/// The plan (with `--resolve`, its conflicts handed to agents, or forecast for a dry run), the
/// local changes of the checked-out target, and what each resolution did.
fn planned(
    project: &Project,
    mem: &gix::Repository,
    selection: &select::Selection,
    options: &Options,
    agents: Option<resolve::Agents<'_>>,
) -> Result<(
    LocalChanges,
    plan::Plan,
    std::collections::BTreeMap<usize, ResolveReport>,
)> {
    Ok(match (options.resolve, agents) {
        (true, Some(agents)) if !options.dry_run => {
            let mut resolving = resolve::Resolving::new(
                project,
                agents,
                selection,
                mem,
                options.trust,
                options.no_ff,
            )?;
            let (local, plan) = plan_and_status(mem, selection, options, Some(&mut resolving))?;
            (local, plan, resolving.reports)
        }
        _ => {
            let (local, plan) = plan_and_status(mem, selection, options, None)?;
            let resolutions = match options.resolve {
                true => resolve::forecast(project, selection, &plan, options.trust)?,
                false => Default::default(),
            };
            (local, plan, resolutions)
        }
    })
}

/// git's rules for the checked-out target (the same for a dry run): what the landing updates and
/// whether it is a fast-forward, or the refusal.
fn judged(
    mem: &gix::Repository,
    target: &select::Target,
    wt: &select::CheckedOut,
    local: &LocalChanges,
    plan: &plan::Plan,
    tip: gix::ObjectId,
    ours: Option<&journal::LockFile>,
) -> Result<(local::Verdict, bool)> {
    let (touched, any_merge) = local::landed_changes(mem, plan, target.tip)?;
    let how = local::Move {
        old: target.tip,
        tip,
        touched: &touched,
        any_merge,
    };
    let verdict = local::judge(mem, wt, local, &how)?;
    if let Some(refusal) = local::refusal(target, &verdict) {
        return Err(refusal.into());
    }
    local::refuse_locked_index(wt, ours)?;
    Ok((verdict, !any_merge))
}

fn sources(selection: &select::Selection) -> Vec<gix::ObjectId> {
    std::iter::once(selection.target.tip)
        .chain(selection.branches.iter().map(|b| b.tip))
        .collect()
}

/// The in-memory plan and the local changes of the checked-out target (a walk of its files),
/// computed side by side: they are independent, and nothing is written before both are known.
///
/// With a resolver (agents resolving conflicts, which takes a while) the plan comes first, so that
/// the local changes are those at its end.
fn plan_and_status(
    mem: &gix::Repository,
    selection: &select::Selection,
    options: &Options,
    resolving: Option<&mut resolve::Resolving<'_>>,
) -> Result<(LocalChanges, plan::Plan)> {
    let target = &selection.target;
    let plan_options = plan::PlanOptions {
        no_ff: options.no_ff,
        keep_going: options.dry_run,
        suppress_dest: plan::suppress_dest_patterns(mem),
    };
    if let Some(resolving) = resolving {
        let mut resolver = |conflict: &plan::Conflicted<'_>| resolving.resolve(conflict);
        let plan = plan::compute_resolving(mem, selection, &plan_options, Some(&mut resolver))?;
        let local = match &target.worktree {
            Some(wt) => checkout::local_changes(&wt.repo).with_context(|| {
                format!("could not check {} for local changes", wt.path.display())
            })?,
            None => LocalChanges::default(),
        };
        return Ok((local, plan));
    }
    let (local, plan) = std::thread::scope(|scope| {
        let status = target.worktree.as_ref().map(|wt| {
            let repo = wt.repo.clone().into_sync();
            scope.spawn(move || checkout::local_changes(&repo.to_thread_local()))
        });
        let plan = plan::compute(mem, selection, &plan_options);
        let local = match (status, &target.worktree) {
            (Some(handle), Some(wt)) => handle
                .join()
                .expect("the status thread does not panic")
                .with_context(|| {
                    format!("could not check {} for local changes", wt.path.display())
                }),
            _ => Ok(LocalChanges::default()),
        };
        (local, plan)
    });
    Ok((local?, plan?))
}
