//! `merge_commits` as git's `ort` strategy does it when there are several merge bases.
//!
//! gix 0.90 merges multiple merge bases into a virtual one like git, with one difference: a text
//! conflict between two bases is resolved in favour of one of them, where git keeps it, conflict
//! markers and all, in the virtual base. With a criss-cross history whose two sides resolved the
//! same conflict differently, gix then merges cleanly and silently picks a side, while git reports
//! the conflict. So the bases are merged here with the markers kept (everything else as gix and
//! git do it: binary and tree conflicts take the ancestor, markers grow by two per level), and
//! the final merge is a gix tree merge against that base.
//!
//! Every blob merge here diffs with the histogram algorithm, as ort does (always up to git 2.49,
//! and in `git merge-tree` still; by default since): gix would otherwise take `diff.algorithm`,
//! Myers by default, and Myers and histogram can differ in outcome, clean or conflict.

use anyhow::{Context, Result};
use gix::bstr::{BStr, ByteSlice};
use gix::merge::blob::builtin_driver::{binary, text::Labels};
use gix::merge::plumbing::tree::{Options as TreeOptions, ResolveWith};
use gix::merge::tree::ResolutionFailure;
use gix::prelude::ObjectIdExt;
use gix::ObjectId;

use crate::error::Error;

/// Merge `theirs` into `ours` (both commits) given their merge `bases` (at least one, in any
/// order), with `labels.current` / `labels.other` naming the sides.
pub fn merge_commits<'repo>(
    repo: &'repo gix::Repository,
    ours: ObjectId,
    theirs: ObjectId,
    bases: &[ObjectId],
    labels: Labels<'_>,
    options: &TreeOptions,
) -> Result<gix::merge::tree::Outcome<'repo>> {
    let mut options = options.clone();
    options.blob_merge.text.diff_algorithm = gix::diff::blob::Algorithm::Histogram;
    merge_at_depth(repo, ours, theirs, bases, labels, &options, 0)
}

/// Merge the trees `ours` and `theirs` over the single merge base `base` (a commit) as
/// [`merge_commits`] does: the merged tree, or `None` when conflicts remain unresolved.
pub fn clean_tree_over(
    repo: &gix::Repository,
    base: ObjectId,
    ours: ObjectId,
    theirs: ObjectId,
    labels: Labels<'_>,
    options: &TreeOptions,
) -> Result<Option<ObjectId>> {
    let mut options = options.clone();
    options.blob_merge.text.diff_algorithm = gix::diff::blob::Algorithm::Histogram;
    options.marker_size_multiplier = 0;
    let ancestor = base.attach(repo).shorten_or_id().to_string();
    let labels = Labels {
        ancestor: labels.ancestor.or(Some(ancestor.as_bytes().as_bstr())),
        ..labels
    };
    let base_tree = tree_of(repo, base)?;
    let mut outcome = repo.merge_trees(base_tree, ours, theirs, labels, options.into())?;
    if outcome.has_unresolved_conflicts(gix::merge::tree::TreatAsUnresolved::git()) {
        return Ok(None);
    }
    Ok(Some(outcome.tree.write()?.detach()))
}

fn merge_at_depth<'repo>(
    repo: &'repo gix::Repository,
    ours: ObjectId,
    theirs: ObjectId,
    bases: &[ObjectId],
    labels: Labels<'_>,
    options: &TreeOptions,
    depth: u8,
) -> Result<gix::merge::tree::Outcome<'repo>> {
    let bases = newest_first(repo, bases)?;
    let (base_tree, ancestor) = match bases.as_slice() {
        [] => {
            return Err(
                Error::internal(format!("no common ancestor between {ours} and {theirs}")).into(),
            )
        }
        [base] => (
            tree_of(repo, *base)?,
            base.attach(repo).shorten_or_id().to_string(),
        ),
        many => (
            virtual_base(repo, many, options, depth)?,
            "merged common ancestors".to_owned(),
        ),
    };
    let labels = Labels {
        ancestor: labels.ancestor.or(Some(ancestor.as_bytes().as_bstr())),
        ..labels
    };
    let mut options = options.clone();
    options.marker_size_multiplier = depth;
    Ok(repo.merge_trees(
        base_tree,
        tree_of(repo, ours)?,
        tree_of(repo, theirs)?,
        labels,
        options.into(),
    )?)
}

/// Merge `bases` (newest first) pairwise, oldest first as git does, into one virtual base;
/// return its tree.
fn virtual_base(
    repo: &gix::Repository,
    bases: &[ObjectId],
    options: &TreeOptions,
    depth: u8,
) -> Result<ObjectId> {
    let mut inner = options.clone();
    inner.tree_conflicts = Some(ResolveWith::Ancestor);
    inner.blob_merge.is_virtual_ancestor = true;
    inner.blob_merge.resolve_binary_with = Some(binary::ResolveWith::Ancestor);
    inner.symlink_conflicts = Some(binary::ResolveWith::Ancestor);
    // `inner.blob_merge.text.conflict` stays `Keep`: this is where git and gix differ.

    let mut others = bases.to_vec();
    let mut merged = others.pop().expect("at least two bases");
    let mut tree = tree_of(repo, merged)?;
    while let Some(next) = others.pop() {
        let next_bases: Vec<ObjectId> = repo
            .merge_bases_many(merged, &[next])?
            .into_iter()
            .map(gix::Id::detach)
            .collect();
        let labels = Labels {
            ancestor: None,
            current: Some(BStr::new("Temporary merge branch 1")),
            other: Some(BStr::new("Temporary merge branch 2")),
        };
        let outcome = if next_bases.is_empty() {
            let mut opts = inner.clone();
            opts.marker_size_multiplier = depth + 1;
            let empty = ObjectId::empty_tree(repo.object_hash());
            let labels = Labels {
                ancestor: Some(BStr::new("empty tree")),
                ..labels
            };
            repo.merge_trees(
                empty,
                tree_of(repo, merged)?,
                tree_of(repo, next)?,
                labels,
                opts.into(),
            )?
        } else {
            merge_at_depth(repo, merged, next, &next_bases, labels, &inner, depth + 1)?
        };
        let mut outcome = outcome;
        keep_ancestor_of_modify_delete(&mut outcome)?;
        tree = outcome
            .tree
            .write()
            .context("could not write a virtual merge base")?
            .detach();
        merged = virtual_commit(repo, merged, next, tree)?;
    }
    Ok(tree)
}

/// `bases` in git's order: newest committer date first, ties as found (`commit_list_insert_by_date`).
/// gix's order follows generation numbers when there is a commit-graph, and with three bases or
/// more the order can decide whether the merge is clean.
fn newest_first(repo: &gix::Repository, bases: &[ObjectId]) -> Result<Vec<ObjectId>> {
    let mut dated = bases
        .iter()
        .map(|id| Ok((repo.find_commit(*id)?.time()?.seconds, *id)))
        .collect::<Result<Vec<_>>>()?;
    dated.sort_by_key(|(seconds, _)| std::cmp::Reverse(*seconds));
    Ok(dated.into_iter().map(|(_, id)| id).collect())
}

/// In a merge of merge bases, git keeps the base's version of a file one side modified and the
/// other deleted; gix's `ResolveWith::Ancestor` leaves the first side's state (modified or gone),
/// which can turn git's modify/delete conflict one level up into a clean merge.
fn keep_ancestor_of_modify_delete(outcome: &mut gix::merge::tree::Outcome<'_>) -> Result<()> {
    for conflict in &outcome.conflicts {
        let modify_delete = matches!(
            conflict.resolution,
            Err(ResolutionFailure::OursModifiedTheirsDeleted)
        );
        // A rename on one side is git's rename/delete, which it resolves otherwise.
        if !modify_delete || conflict.ours.location() != conflict.theirs.location() {
            continue;
        }
        if let Some(base) = conflict.entries()[0] {
            let path = conflict.ours.location();
            outcome.tree.upsert(path, base.mode.kind(), base.id)?;
        }
    }
    Ok(())
}

/// A commit like `first` but with `tree` and parents `first`, `second` (as gix and git make them).
fn virtual_commit(
    repo: &gix::Repository,
    first: ObjectId,
    second: ObjectId,
    tree: ObjectId,
) -> Result<ObjectId> {
    let mut commit = repo.find_commit(first)?.decode()?.to_owned()?;
    commit.parents = vec![first, second].into();
    commit.tree = tree;
    Ok(repo.write_object(&commit)?.detach())
}

fn tree_of(repo: &gix::Repository, commit: ObjectId) -> Result<ObjectId> {
    Ok(repo.find_commit(commit)?.tree_id()?.detach())
}
