//! Which files differ between two commits: the one tree diff every command uses.

use std::collections::BTreeSet;

use anyhow::Result;
use gix::bstr::{BString, ByteSlice};

/// Repo-relative paths of files (not trees) that differ between the trees of commits `old` and
/// `new`; renames count as a delete and an add (git's `diff --no-renames --name-only`).
pub fn files_between(
    repo: &gix::Repository,
    old: gix::ObjectId,
    new: gix::ObjectId,
) -> Result<BTreeSet<BString>> {
    if old == new {
        return Ok(BTreeSet::new());
    }
    let old = repo.find_commit(old)?.tree_id()?.detach();
    let new = repo.find_commit(new)?.tree_id()?.detach();
    files_between_trees(repo, old, new)
}

/// [`files_between`] for two trees.
pub fn files_between_trees(
    repo: &gix::Repository,
    old: gix::ObjectId,
    new: gix::ObjectId,
) -> Result<BTreeSet<BString>> {
    if old == new {
        return Ok(BTreeSet::new());
    }
    let old = repo.find_tree(old)?;
    let new = repo.find_tree(new)?;
    let changes = repo.diff_tree_to_tree(
        &old,
        &new,
        gix::diff::Options::default().with_rewrites(None),
    )?;
    Ok(changes
        .iter()
        .filter(|c| !c.entry_mode().is_tree())
        .map(|c| c.location().to_owned())
        .collect())
}

/// [`files_between`] as sorted strings, for records and messages.
pub fn changed_paths(
    repo: &gix::Repository,
    old: gix::ObjectId,
    new: gix::ObjectId,
) -> Result<Vec<String>> {
    Ok(files_between(repo, old, new)?
        .iter()
        .map(|p| p.to_str_lossy().into_owned())
        .collect())
}

/// The work `new` holds over `old`: the commits it reaches that `old` does not
/// (`git rev-list --count old..new`), and the files changed between them.
pub fn work_since(
    repo: &gix::Repository,
    old: gix::ObjectId,
    new: gix::ObjectId,
) -> Result<(u32, u32)> {
    let commits = repo.rev_walk([new]).with_hidden([old]).all()?.count() as u32;
    Ok((commits, files_between(repo, old, new)?.len() as u32))
}
