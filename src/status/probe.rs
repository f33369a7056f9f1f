//! What git says about a task branch, read in-process with gix: commits ahead of and behind
//! the target, and files changed since the task's base.

use anyhow::{Context, Result};
use gix::ObjectId;

use super::facts::{Facts, Measure};

/// A task branch measured against the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BranchFacts {
    pub tip: ObjectId,
    /// Commits on the branch that the target lacks; `None` without a target commit.
    pub ahead: Option<u32>,
    /// Commits on the target that the branch lacks.
    pub behind: Option<u32>,
    /// Files that differ between the task's base and the branch tip.
    pub files: u32,
}

/// Facts about `full_name`, or `None` when the branch does not exist. `base` is where the task
/// started (from the state); without it the merge base with the target stands in. What was
/// measured before comes from `facts`.
pub fn branch_facts(
    repo: &gix::Repository,
    full_name: &str,
    target: Option<ObjectId>,
    base: Option<ObjectId>,
    facts: &Facts,
) -> Result<Option<BranchFacts>> {
    let Some(tip) = crate::gitops::worktree::branch_tip(repo, full_name)? else {
        return Ok(None);
    };
    let (ahead, behind, files) =
        facts.get((tip, target, base), || measure(repo, tip, target, base))?;
    Ok(Some(BranchFacts {
        tip,
        ahead,
        behind,
        files,
    }))
}

fn measure(
    repo: &gix::Repository,
    tip: ObjectId,
    target: Option<ObjectId>,
    base: Option<ObjectId>,
) -> Result<Measure> {
    let (ahead, behind) = match target {
        Some(target) => (
            Some(commits_missing(repo, tip, target)?),
            Some(commits_missing(repo, target, tip)?),
        ),
        None => (None, None),
    };
    let base = match (base, target) {
        (Some(base), _) => Some(base),
        (None, Some(target)) => repo.merge_base(tip, target)?.map(|id| id.detach()),
        (None, None) => None,
    };
    let files = match base {
        Some(base) => crate::gitops::diff::files_between(repo, base, tip)?.len() as u32,
        None => 0,
    };
    Ok((ahead, behind, files))
}

/// How many commits reachable from `tip` are not reachable from `other` (`git rev-list --count other..tip`).
pub fn commits_missing(repo: &gix::Repository, tip: ObjectId, other: ObjectId) -> Result<u32> {
    if tip == other {
        return Ok(0);
    }
    let walk = repo
        .rev_walk([tip])
        .with_hidden([other])
        .all()
        .with_context(|| format!("walking the history of {tip}"))?;
    let mut count = 0;
    for info in walk {
        info.with_context(|| format!("walking the history of {tip}"))?;
        count += 1;
    }
    Ok(count)
}
