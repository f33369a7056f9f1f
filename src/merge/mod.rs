//! Bring finished task branches home: the whole sequence of merges is computed in memory with gix
//! first, and only then does the target branch move, once, to the last clean result.
//!
//! * [`select`] resolves the target and the branches (task names or branch names), and refuses
//!   bad input before anything is read twice;
//! * [`plan`] merges in memory (`merge_commits` with git's labels, so trees equal git's), deciding
//!   fast-forward / merge / already merged / conflict per branch, plus the files each branch touched;
//! * [`apply`] writes the objects the landing commit needs, moves the ref and, when the target is
//!   checked out, brings its files and index along;
//! * [`report`] is the result (JSON via serde), [`text`] renders it for people.
#![doc(hidden)]

pub mod apply;
pub mod plan;
mod recursive;
pub mod report;
pub mod select;
pub mod text;

use anyhow::{Context, Result};

use crate::error::{Error, Fix};
use crate::gitops::checkout::{self, LocalChanges};
use crate::repo::Project;
pub use report::{BranchReport, Outcome, Overlap, Report, Resolution};

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
});

/// Merge every task's branch (or the names in `options`) into the target of the repository
/// around `cwd`: computed in memory first, then landed as git would. Tasks whose last contract
/// check failed are left out, with a warning in the report, unless `options.no_verify`.
///
/// A conflict is not an error: the report says which branch, which paths and how to resolve it,
/// and [`Report::exit_code`] is then 1.
///
/// # Errors
///
/// Usage errors (exit code 2, [`ErrorKind::Usage`](crate::ErrorKind::Usage)), found before
/// anything is written, each with a [`Fix`](crate::Fix): `cwd` is in no repository, bad
/// `agents.*` config, an unknown branch or task, a named task without a branch yet, the target
/// among the branches, a target that does not exist or has no commit, a detached main worktree
/// without `into`, a merge, rebase or other operation in progress. A real merge (not a dry run)
/// also refuses a checked-out target with local changes, untracked files it would overwrite or
/// an index it cannot update, and a missing author identity.
///
/// Failures (exit code 1, [`ErrorKind::Failed`](crate::ErrorKind::Failed)): the target could
/// not be moved, usually because it moved meanwhile (nothing was changed;
/// [`Fix::MergeAgain`]), or it moved but updating its checked-out files failed
/// ([`Fix::ResetWorktree`]). Errors with no [`Error`] in their chain come from reading the
/// repository or the file system.
pub fn merge(cwd: &std::path::Path, options: &Options) -> Result<Report> {
    run(
        &Project::open(cwd, &crate::config::Overrides::default())?,
        options,
    )
}

/// Merge the selected branches into the target, or forecast it with `options.dry_run`.
///
/// Bad input (unknown branch or task, missing target, the target itself named, a dirty checked-out
/// target, a detached main worktree without `into`, a merge in progress) is an `Err` carrying a
/// usage [`Error`], and nothing is written. A conflict is not an error: the report
/// says which branch, which paths and how to resolve it; [`Report::exit_code`] is then 1.
pub fn run(project: &Project, options: &Options) -> Result<Report> {
    let selection = select::select(
        project,
        &options.names,
        options.into.as_deref(),
        options.no_verify,
    )?;
    let target = &selection.target;

    if !options.dry_run {
        crate::repo::check_identity(&project.repo)?;
    }
    let mut mem = project.repo.clone().with_object_memory();
    // Trees are read over and over (merge bases, both sides, each step): cache them.
    mem.object_cache_size_if_unset(16 * 1024 * 1024);
    if options.dry_run {
        plan::ensure_identity(&mut mem)?;
    }
    let plan_options = plan::PlanOptions {
        no_ff: options.no_ff,
        keep_going: options.dry_run,
        suppress_dest: plan::suppress_dest_patterns(&project.repo),
    };
    // The status of the checked-out target (a walk of its files) and the in-memory plan are
    // independent: compute them side by side. Nothing is written before both are known.
    let (local, plan) = std::thread::scope(|scope| {
        let status = target.worktree.as_ref().map(|wt| {
            let repo = wt.repo.clone().into_sync();
            scope.spawn(move || checkout::local_changes(&repo.to_thread_local()))
        });
        let plan = plan::compute(&mem, &selection, &plan_options);
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
    let local = local?;
    if !local.tracked.is_empty() && !options.dry_run {
        return Err(refuse(target, "has local changes", &local.tracked, false).into());
    }
    let plan = plan?;

    let tip = if options.atomic && plan.stopped() {
        None
    } else {
        plan.landing_tip(target.tip)
    };
    let in_the_way = match (tip, &target.worktree) {
        (Some(tip), Some(wt)) if !local.untracked.is_empty() => {
            let changed = crate::gitops::diff::files_between(&mem, target.tip, tip)?;
            let to_tree = mem.find_commit(tip)?.tree_id()?.detach();
            checkout::in_the_way(&mem, &wt.path, &local.untracked, &changed, to_tree)?
        }
        _ => Vec::new(),
    };
    if !in_the_way.is_empty() && !options.dry_run {
        return Err(refuse(
            target,
            "has untracked files the merge would overwrite",
            &in_the_way,
            true,
        )
        .into());
    }
    let landed = match tip {
        Some(tip) if !options.dry_run => {
            apply::land(&project.repo, &mut mem, target, tip, &plan.reflog_message())?;
            Some(tip)
        }
        _ => None,
    };
    let blocking = local.tracked.into_iter().chain(in_the_way).collect();
    Ok(report::build(
        project, &selection, &plan, options, landed, blocking,
    ))
}

fn refuse(
    target: &select::Target,
    what: &str,
    paths: &[gix::bstr::BString],
    untracked: bool,
) -> Error {
    const SHOWN: usize = 10;
    let mut list: Vec<String> = paths.iter().take(SHOWN).map(|p| p.to_string()).collect();
    if paths.len() > SHOWN {
        list.push(format!("and {} more", paths.len() - SHOWN));
    }
    let place = target
        .worktree
        .as_ref()
        .map(|wt| wt.path.display().to_string())
        .unwrap_or_default();
    Error::usage(format!(
        "'{}' is checked out in {place} and {what}: {}",
        target.name,
        list.join(", ")
    ))
    .with_fix(Fix::CleanTarget { untracked })
}
