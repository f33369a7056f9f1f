//! Branches and linked worktrees through gix.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};

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
    /// The worktree directory is gone: the entry is stale.
    pub prunable: bool,
}

/// Every linked worktree of `repo`.
pub fn list(repo: &gix::Repository) -> Result<Vec<Registered>> {
    let mut out = Vec::new();
    for proxy in repo.worktrees().context("listing worktrees")? {
        let id = proxy.id().map(|id| id.to_string()).unwrap_or_default();
        let git_dir = proxy.git_dir().to_owned();
        let prunable = proxy.is_prunable();
        let path = proxy.base().unwrap_or_default();
        let path = path.canonicalize().unwrap_or(path);
        let branch = std::fs::read_to_string(git_dir.join("HEAD"))
            .ok()
            .and_then(|head| head.trim().strip_prefix("ref: ").map(str::to_owned));
        out.push(Registered {
            id,
            git_dir,
            path,
            branch,
            prunable,
        });
    }
    Ok(out)
}

/// The registered worktree at `path`, if any (compared canonically).
pub fn find_at<'a>(registered: &'a [Registered], path: &Path) -> Option<&'a Registered> {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    registered.iter().find(|w| w.path == path)
}

/// Remove the admin directory of a worktree whose directory is gone, like `git worktree prune`.
pub fn prune(entry: &Registered) -> Result<()> {
    std::fs::remove_dir_all(&entry.git_dir).with_context(|| {
        format!(
            "pruning the stale worktree entry {}",
            entry.git_dir.display()
        )
    })
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

static REGISTRATION: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Add a linked worktree at `dest` with `full_name` checked out.
pub fn add(
    repo: &gix::Repository,
    dest: &Path,
    full_name: &str,
    interrupt: &AtomicBool,
) -> Result<()> {
    let name: gix::refs::FullName = full_name
        .try_into()
        .with_context(|| format!("{full_name} is not a valid branch name"))?;
    let context = || format!("adding the worktree {}", dest.display());
    // Registration writes files that a concurrent registration reads back (the `gitdir` of
    // every worktree), so registrations take turns; the checkout, the costly part, runs in parallel.
    let prepared = {
        let _turn = REGISTRATION
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        repo.prepare_add_worktree(dest, gix::worktree::add::Head::Attached(name), interrupt)
            .with_context(context)?
    };
    prepared
        .checkout(gix::progress::Discard, interrupt)
        .with_context(context)?;
    Ok(())
}
