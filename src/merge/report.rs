//! The merge report: what happened (or would happen) to each branch, which branches touch the same
//! files, and how to resolve a conflict by hand. Serialises to JSON; [`super::text`] renders it.

use std::path::PathBuf;

use gix::bstr::ByteSlice;
use gix::ObjectId;
use serde::Serialize;

use super::apply::shell_quote;
use super::plan::{Plan, StepKind};
use super::select::Selection;
use super::Options;
use crate::error::exit;
use crate::gitops::checkout::related;
use crate::repo::Project;

/// The whole report, for a merge or a dry run.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The branch merged into (short name).
    pub target: String,
    /// Where the target is checked out, if anywhere.
    pub worktree: Option<PathBuf>,
    /// A forecast was asked (`dry_run`): nothing was written and the target did not move.
    pub dry_run: bool,
    /// All or nothing was asked (`atomic`): after a conflict the target stays where it was.
    pub atomic: bool,
    /// Merge commits were asked even where a fast-forward would do (`no_ff`).
    pub no_ff: bool,
    /// The target's tip before.
    pub before: String,
    /// The target's tip after; for a dry run, the forecast tip of the clean branches before the
    /// first conflict (an in-memory commit that was not written).
    pub after: String,
    /// Whether the target moved.
    pub landed: bool,
    /// Every selected branch, in the order they were merged.
    pub branches: Vec<BranchReport>,
    /// Tasks whose branch does not exist yet (default selection only).
    pub without_branch: Vec<String>,
    /// Pairs of branches that changed at least one file in common.
    pub overlaps: Vec<Overlap>,
    /// How to resolve the first conflict by hand, if there is one.
    pub resolve: Option<Resolution>,
    /// Warnings found while reading the task files.
    pub warnings: Vec<String>,
}

/// One branch.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct BranchReport {
    /// The branch (short name, like `feature/auth`).
    pub branch: String,
    /// The task whose branch it is; `None` for a branch that belongs to no task.
    pub task: Option<String>,
    /// The branch's tip.
    pub tip: String,
    /// What happened to it, or would in a dry run.
    pub outcome: Outcome,
    /// The target's tip after this branch (fast-forward: the branch tip; merge: the merge commit).
    pub commit: Option<String>,
    /// Whether this branch's result is now in the target.
    pub landed: bool,
    /// Conflicting paths.
    pub conflicts: Vec<String>,
    /// Earlier branches of this run that changed the conflicting paths.
    pub conflicts_with: Vec<String>,
    /// Why the merge could not be computed (outcome `failed`).
    pub error: Option<String>,
    /// Number of files the branch changed since it forked from the target.
    pub files_changed: usize,
    /// `--resolve`: what the agent did with this branch's conflicts (or would, in a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<super::ResolveReport>,
}

/// What merging one branch into the target did (or, in a dry run, would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Outcome {
    /// The target moves to the branch's tip: no merge commit.
    FastForward,
    /// A clean merge commit.
    Merge,
    /// The target already holds the branch's tip: nothing to do.
    AlreadyMerged,
    /// Unresolved conflicts at [`BranchReport::conflicts`]; the target takes none of this branch.
    Conflict,
    /// Conflicts at [`BranchReport::conflicts`] resolved by an agent (`--resolve`): a merge
    /// commit; see [`BranchReport::resolution`].
    Resolved,
    /// The merge could not be computed (unrelated histories); see [`BranchReport::error`].
    Failed,
    /// Not tried: an earlier branch conflicted or failed and the merge stopped there (a dry run
    /// goes on past it instead, as if it were left out).
    NotAttempted,
}

/// Two branches of the run that changed the same files since they forked from the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Overlap {
    /// The branch merged first (short name).
    pub a: String,
    /// The branch merged later (short name).
    pub b: String,
    /// The files both changed, repository-relative.
    pub paths: Vec<String>,
}

/// How to finish the first conflicting merge by hand.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Resolution {
    /// The branch whose merge conflicted (short name).
    pub branch: String,
    /// The git command that leaves this merge, with its conflicts, in a worktree to resolve.
    pub command: String,
}

impl Report {
    /// 1 when a conflict or failure happened or is forecast, else 0.
    pub fn exit_code(&self) -> i32 {
        // A dry run of `--resolve` counts a conflict the agent would be given as handled.
        let bad = self.branches.iter().any(|b| {
            let forecast = b
                .resolution
                .as_ref()
                .is_some_and(|r| r.state == super::ResolveState::WouldResolve);
            matches!(b.outcome, Outcome::Conflict | Outcome::Failed) && !forecast
        });
        if bad {
            exit::FAILED
        } else {
            exit::OK
        }
    }
}

pub(super) fn build(
    project: &Project,
    selection: &Selection,
    plan: &Plan,
    options: &Options,
    landed_tip: Option<ObjectId>,
    mut resolutions: std::collections::BTreeMap<usize, super::ResolveReport>,
) -> Report {
    let target = &selection.target;
    let end = plan.stop.unwrap_or(plan.steps.len());
    let landed = landed_tip.is_some();
    let mut branches = Vec::new();
    for (i, (step, candidate)) in plan.steps.iter().zip(&selection.branches).enumerate() {
        let (outcome, conflicts, error) = match &step.kind {
            StepKind::FastForward => (Outcome::FastForward, Vec::new(), None),
            StepKind::Merge => (Outcome::Merge, Vec::new(), None),
            StepKind::AlreadyMerged => (Outcome::AlreadyMerged, Vec::new(), None),
            StepKind::Conflict(paths) => (Outcome::Conflict, paths.clone(), None),
            StepKind::Resolved(paths) => (Outcome::Resolved, paths.clone(), None),
            StepKind::Failed(reason) => (Outcome::Failed, Vec::new(), Some(reason.clone())),
            StepKind::NotAttempted => (Outcome::NotAttempted, Vec::new(), None),
        };
        let conflicts_with = plan.steps[..i]
            .iter()
            .filter(|earlier| earlier.kind.moves())
            .filter(|earlier| {
                conflicts
                    .iter()
                    .any(|p| related(&earlier.touched, p.as_bstr()))
            })
            .map(|earlier| earlier.branch.clone())
            .collect();
        let moved = step.kind.moves();
        branches.push(BranchReport {
            branch: step.branch.clone(),
            task: candidate.task.clone(),
            tip: candidate.tip.to_string(),
            outcome,
            commit: step.tip_after.filter(|_| moved).map(|id| id.to_string()),
            landed: landed && moved && i < end,
            conflicts: conflicts.iter().map(|p| p.to_string()).collect(),
            conflicts_with,
            error,
            files_changed: step.touched.len(),
            resolution: resolutions.remove(&i),
        });
    }
    let after = if options.dry_run {
        plan.landing_tip(target.tip)
    } else {
        landed_tip
    };
    let resolve = hand_resolution(project, selection, plan, &branches);
    Report {
        target: target.name.clone(),
        worktree: target.worktree.as_ref().map(|wt| wt.path.clone()),
        dry_run: options.dry_run,
        atomic: options.atomic,
        no_ff: options.no_ff,
        before: target.tip.to_string(),
        after: after.unwrap_or(target.tip).to_string(),
        landed,
        branches,
        without_branch: selection.without_branch.clone(),
        overlaps: overlaps(plan),
        resolve,
        warnings: selection.warnings.clone(),
    }
}

/// How to finish the first conflict by hand: in the resolve worktree a failed resolution kept,
/// else with `git merge` in the target's worktree.
fn hand_resolution(
    project: &Project,
    selection: &Selection,
    plan: &Plan,
    branches: &[BranchReport],
) -> Option<Resolution> {
    plan.stop.and_then(|i| {
        let step = &plan.steps[i];
        let kept = branches[i]
            .resolution
            .as_ref()
            .filter(|r| r.state == super::ResolveState::Failed);
        let command = match kept {
            Some(kept) => format!(
                "git -C {} commit",
                shell_quote(&kept.worktree.to_string_lossy())
            ),
            None => resolve_command(project, selection, &step.branch),
        };
        matches!(step.kind, StepKind::Conflict(_)).then(|| Resolution {
            branch: step.branch.clone(),
            command,
        })
    })
}

fn resolve_command(project: &Project, selection: &Selection, branch: &str) -> String {
    let target = &selection.target;
    let branch = shell_quote(branch);
    match &target.worktree {
        Some(wt) => format!(
            "git -C {} merge {branch}",
            shell_quote(&wt.path.to_string_lossy())
        ),
        None => format!(
            "git -C {root} switch {} && git -C {root} merge {branch}",
            shell_quote(&target.name),
            root = shell_quote(&project.root.to_string_lossy())
        ),
    }
}

fn overlaps(plan: &Plan) -> Vec<Overlap> {
    let steps: Vec<_> = plan
        .steps
        .iter()
        .filter(|s| !s.touched.is_empty())
        .collect();
    let mut out = Vec::new();
    for (i, a) in steps.iter().enumerate() {
        for b in &steps[i + 1..] {
            let paths: Vec<String> = a
                .touched
                .intersection(&b.touched)
                .map(|p| p.to_string())
                .collect();
            if !paths.is_empty() {
                out.push(Overlap {
                    a: a.branch.clone(),
                    b: b.branch.clone(),
                    paths,
                });
            }
        }
    }
    out
}
