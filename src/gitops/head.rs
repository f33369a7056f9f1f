//! Where a worktree's HEAD is: the one reader every command uses.

use anyhow::{Context, Result};

/// A worktree's HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The branch it is on, full name (`refs/heads/main`); `None` when detached.
    pub branch: Option<String>,
    /// The commit it points to; `None` while the branch is unborn.
    pub commit: Option<gix::ObjectId>,
}

impl Head {
    /// The branch's short name, or `HEAD` when detached.
    pub fn name(&self) -> String {
        self.branch
            .as_deref()
            .map(|b| b.trim_start_matches("refs/heads/").to_owned())
            .unwrap_or_else(|| "HEAD".to_owned())
    }

    /// The commit, for callers that cannot work on an unborn branch.
    pub fn born(&self) -> Result<gix::ObjectId> {
        self.commit
            .with_context(|| format!("{} has no commit yet", self.name()))
    }
}

/// Read `repo`'s HEAD.
pub fn read(repo: &gix::Repository) -> Result<Head> {
    let head = repo.head().context("reading HEAD")?;
    let branch = head.referent_name().map(|n| n.as_bstr().to_string());
    let commit = repo.head_id().ok().map(|id| id.detach());
    Ok(Head { branch, commit })
}

/// [`commit_at`] for a worktree that may be the main one at `root`, whose repository `main`
/// is already open (dir and branch modes work there): no second open for it.
pub fn commit_in(
    main: &gix::ThreadSafeRepository,
    root: &std::path::Path,
    path: &std::path::Path,
) -> Option<gix::ObjectId> {
    if path != root {
        return commit_at(path);
    }
    // What HEAD's branch holds, as `git rev-parse HEAD` reads it: no object is looked up (a
    // fresh thread-local handle has an empty object cache, and every task asks).
    let repo = main.to_thread_local();
    let head = repo.head().ok()?;
    Some(head.id()?.detach())
}

/// The commit the worktree at `path` has checked out; `None` when it cannot be read or its
/// branch is unborn.
pub fn commit_at(path: &std::path::Path) -> Option<gix::ObjectId> {
    let repo = super::open_worktree(path).ok()?;
    let id = repo.head_id().ok()?.detach();
    Some(id)
}
