//! Which files differ between two commits.

use anyhow::Result;
use gix::bstr::ByteSlice;

/// Repo-relative paths of files (not trees) that differ between `old` and `new`, sorted;
/// renames count as a delete and an add.
pub fn changed_paths(
    repo: &gix::Repository,
    old: gix::ObjectId,
    new: gix::ObjectId,
) -> Result<Vec<String>> {
    if old == new {
        return Ok(Vec::new());
    }
    let old = repo.find_commit(old)?.tree()?;
    let new = repo.find_commit(new)?.tree()?;
    let mut options = gix::diff::Options::default();
    options.track_rewrites(None);
    let mut paths: Vec<String> = repo
        .diff_tree_to_tree(&old, &new, options)?
        .iter()
        .filter(|c| !c.entry_mode().is_tree())
        .map(|c| c.location().to_str_lossy().into_owned())
        .collect();
    paths.sort();
    paths.dedup();
    Ok(paths)
}
