//! Branches and linked worktrees through gix, and which worktree entries git-agents made.
//!
//! An entry is git-agents' own when its admin directory holds [`MARKER`] (written when it is
//! made) or, for entries made before markers existed, when it has none and is registered at the
//! workspace a task's record names. Nothing here ever prunes an entry that is not ours.

mod create;
mod delete;
mod leftovers;
mod repair;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub use create::{add, add_detached};
pub use delete::{remove_tree, unregister};
pub use leftovers::sweep;
pub use repair::repair;

/// The file in a worktree's admin directory that says git-agents made it; it holds the task's name.
pub const MARKER: &str = "git-agents";

/// How the `locked` file of an entry being created begins; the creator's pid follows.
const INITIALIZING: &str = "initializing by git-agents (pid ";

/// A linked worktree registered in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The admin directory's name under `<common-dir>/worktrees/`.
    pub id: String,
    /// Its private git directory.
    pub git_dir: PathBuf,
    /// The worktree's directory, canonical when it exists.
    pub path: PathBuf,
    /// Full name of the checked-out branch, if any.
    pub branch: Option<String>,
    /// The worktree directory is gone (and the entry not locked): git would prune it.
    pub prunable: bool,
    /// The task git-agents made it for, from its marker; `None` when unmarked.
    pub owner: Option<String>,
    /// What an interrupted creation left undone (no commondir, no HEAD, still locked as
    /// initializing); `None` when the entry is complete.
    pub half_made: Option<String>,
}

impl Registered {
    /// Made by git-agents for task `name`: its marker says so, or it has no marker and sits
    /// where the task's record (`recorded`) says its workspace is.
    pub fn made_for(&self, name: &str, recorded: Option<&Path>) -> bool {
        match &self.owner {
            Some(owner) => owner == name,
            None => recorded.is_some_and(|path| same_place(&self.path, path)),
        }
    }

    /// Left half-made by a creation that was cut short, and still locked (so never moved by
    /// the user): finishing it loses nothing. Unlocked with its directory gone, it is a
    /// worktree whose directory is missing like any other.
    pub fn repairable(&self) -> bool {
        self.half_made.is_some() && !self.prunable
    }

    /// The pid of the git-agents process creating it, while its lock says one is.
    pub fn creator(&self) -> Option<u32> {
        let reason = std::fs::read_to_string(self.git_dir.join("locked")).ok()?;
        reason
            .trim()
            .strip_prefix(INITIALIZING)?
            .strip_suffix(')')?
            .parse()
            .ok()
    }
}

/// Every linked worktree of `repo`.
pub fn list(repo: &gix::Repository) -> Result<Vec<Registered>> {
    let mut out = Vec::new();
    for proxy in repo.worktrees().context("listing worktrees")? {
        let id = proxy.id().map(|id| id.to_string()).unwrap_or_default();
        let git_dir = proxy.git_dir().to_owned();
        let prunable = proxy.is_prunable();
        let path = lenient_canonical(&proxy.base().unwrap_or_default());
        let branch = std::fs::read_to_string(git_dir.join("HEAD"))
            .ok()
            .and_then(|head| head.trim().strip_prefix("ref: ").map(str::to_owned));
        let owner = std::fs::read_to_string(git_dir.join(MARKER))
            .ok()
            .map(|name| name.trim_end_matches('\n').to_owned());
        out.push(Registered {
            half_made: half_made(&git_dir),
            id,
            git_dir,
            path,
            branch,
            prunable,
            owner,
        });
    }
    Ok(out)
}

/// What a creation killed halfway left out of `git_dir`, in words.
fn half_made(git_dir: &Path) -> Option<String> {
    let filled = |name: &str| {
        std::fs::read(git_dir.join(name)).is_ok_and(|bytes| !bytes.trim_ascii().is_empty())
    };
    let lock = std::fs::read_to_string(git_dir.join("locked")).ok();
    if !filled("commondir") {
        Some("its commondir file is empty or missing".into())
    } else if !filled("HEAD") {
        Some("it has no HEAD".into())
    } else if lock.is_some_and(|l| l.trim() == "initializing" || l.starts_with(INITIALIZING)) {
        Some("it is still locked as initializing".into())
    } else {
        None
    }
}

/// `path` canonical, or, when it does not exist, its parent canonical joined with its name.
fn lenient_canonical(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => lenient_canonical(parent).join(name),
        _ => path.to_owned(),
    }
}

/// Whether `a` and `b` name the same place, whether or not it exists.
pub fn same_place(a: &Path, b: &Path) -> bool {
    lenient_canonical(a) == lenient_canonical(b)
}

/// The registered worktree at `path`, if any (compared canonically).
pub fn find_at<'a>(registered: &'a [Registered], path: &Path) -> Option<&'a Registered> {
    let path = lenient_canonical(path);
    registered.iter().find(|w| w.path == path)
}

/// The commit a local branch points to, if the branch exists.
pub fn branch_tip(repo: &gix::Repository, full_name: &str) -> Result<Option<gix::ObjectId>> {
    match repo.try_find_reference(full_name)? {
        Some(mut reference) => Ok(Some(
            reference
                .peel_to_id()
                .with_context(|| format!("reading {full_name}"))?
                .detach(),
        )),
        None => Ok(None),
    }
}

/// The commit `refs/heads/<branch>` points at, `None` if there is no such (valid) branch.
pub fn local_branch_tip(repo: &gix::Repository, branch: &str) -> Result<Option<gix::ObjectId>> {
    let full = format!("refs/heads/{branch}");
    if gix::validate::reference::name(full.as_bytes().into()).is_err() {
        return Ok(None);
    }
    branch_tip(repo, &full)
}

/// Create `full_name` at `base` unless it exists; returns whether it was created. No lock file
/// is made (see [`crate::gitops::refs`]).
pub fn ensure_branch(repo: &gix::Repository, full_name: &str, base: gix::ObjectId) -> Result<bool> {
    if branch_tip(repo, full_name)?.is_some() {
        return Ok(false);
    }
    let message = format!("branch: Created from {base}");
    crate::gitops::refs::update(repo, full_name, None, base, message.as_str().into(), None)
        .with_context(|| format!("creating branch {full_name}"))?;
    Ok(true)
}

/// The repository of the worktree `entry`, even when its directory is missing.
pub fn open(repo: &gix::Repository, entry: &Registered) -> Result<gix::Repository> {
    let proxy = repo
        .worktrees()?
        .into_iter()
        .find(|p| p.git_dir() == entry.git_dir)
        .with_context(|| format!("{} is no longer registered", entry.git_dir.display()))?;
    Ok(proxy.into_repo_with_possibly_inaccessible_worktree()?)
}

/// The lock file git takes to change the ref `full_name`.
pub fn ref_lock(repo: &gix::Repository, full_name: &str) -> PathBuf {
    repo.common_dir().join(format!("{full_name}.lock"))
}
