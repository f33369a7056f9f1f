//! The merges of one run, one after another into the same target, each costing what its own
//! branch changed rather than what the target has gathered so far.
//!
//! Merged one by one, the branches of a run usually all fork from the target's tip before the
//! run (the start). Done naively, merge `k` walks the `k - 1` merges before it to find its
//! merge base, and diffs and rewrites every file they changed: a quadratic run. Two shortcuts
//! keep each step to its branch's size, and fall back to the full merge wherever they cannot
//! prove they give its result:
//!
//! * **merge bases**: the tip's history is the start's plus what the run gathered (the merged
//!   branches' own commits, the merge commits). When none of a branch's own commits (those the
//!   start does not reach) were gathered, its merge bases with the tip are those with the start.
//! * **trees**: with the start as the only merge base, a branch whose changed files the run left
//!   as they were at the start (their directories too) merges as the tip with the branch's
//!   versions of those files; files both changed are merged by gix, over the start, in a tree
//!   holding only them. Any deletion of a directory, a rename on the run's side reaching the
//!   branch's files, a file and a directory at one path, or a conflict takes the full merge.

use std::collections::{BTreeSet, HashSet};

use anyhow::Result;
use gix::bstr::{BStr, BString, ByteSlice};
use gix::merge::blob::builtin_driver::text::Labels;
use gix::merge::plumbing::tree::Options as TreeOptions;
use gix::objs::tree::EntryMode;
use gix::ObjectId;

use super::plan::{self, Merged, StepKind};

/// A merge run into one target, from its tip before the run.
pub(crate) struct Sequence<'a> {
    repo: &'a gix::Repository,
    options: &'a TreeOptions,
    no_ff: bool,
    start: ObjectId,
    start_tree: ObjectId,
    /// Commits the current tip reaches and `start` does not.
    gathered: HashSet<ObjectId>,
}

type Entry = Option<(EntryMode, ObjectId)>;

impl<'a> Sequence<'a> {
    pub fn new(
        repo: &'a gix::Repository,
        start: ObjectId,
        options: &'a TreeOptions,
        no_ff: bool,
    ) -> Result<Self> {
        Ok(Sequence {
            repo,
            options,
            no_ff,
            start,
            start_tree: tree_of(repo, start)?,
            gathered: HashSet::new(),
        })
    }

    /// Merge `theirs` into `ours`, the tip this sequence has reached; `touched` are the files
    /// `theirs` changed since its merge base with the start.
    pub fn step(
        &mut self,
        ours: ObjectId,
        theirs: ObjectId,
        touched: &BTreeSet<BString>,
        labels: Labels<'_>,
        message: &str,
    ) -> Result<(StepKind, Option<ObjectId>)> {
        let repo = self.repo;
        let own = self.own(theirs)?;
        let bases = self.merge_bases(ours, theirs, &own)?;
        let done = match plan::settled(repo, ours, theirs, &bases, message, self.no_ff)? {
            Some(done) => done,
            None => {
                let quick = match bases.as_slice() {
                    [base] if *base == self.start => {
                        self.quick_tree(ours, theirs, touched, labels)?
                    }
                    _ => None,
                };
                let merged = match quick {
                    Some(tree) => Merged::Clean(tree),
                    None => plan::three_way(repo, ours, theirs, &bases, labels, self.options)?,
                };
                plan::commit_merge(repo, merged, ours, theirs, message)?
            }
        };
        if let (StepKind::FastForward | StepKind::Merge, Some(tip)) = &done {
            self.gathered.extend(own);
            self.gathered.insert(*tip);
        }
        Ok(done)
    }

    /// `theirs` was merged into the tip by `tip`, a merge commit made outside the sequence (a
    /// resolved conflict).
    pub fn resolved(&mut self, theirs: ObjectId, tip: ObjectId) -> Result<()> {
        let own = self.own(theirs)?;
        self.gathered.extend(own);
        self.gathered.insert(tip);
        Ok(())
    }

    /// The commits of `theirs` the start does not reach.
    fn own(&self, theirs: ObjectId) -> Result<Vec<ObjectId>> {
        Ok(self
            .repo
            .rev_walk([theirs])
            .with_hidden([self.start])
            .all()?
            .map(|info| info.map(|info| info.id))
            .collect::<Result<_, _>>()?)
    }

    /// The merge bases of `ours` and `theirs`, whose commits unknown to the start are `own`.
    fn merge_bases(
        &self,
        ours: ObjectId,
        theirs: ObjectId,
        own: &[ObjectId],
    ) -> Result<Vec<ObjectId>> {
        let crosses = own.iter().any(|id| self.gathered.contains(id));
        if ours == self.start || crosses {
            return plan::merge_bases(self.repo, ours, theirs);
        }
        let bases = plan::merge_bases(self.repo, self.start, theirs)?;
        // Several bases: their order can decide the merge, and is the full search's to give.
        match bases.len() {
            1 => Ok(bases),
            _ => plan::merge_bases(self.repo, ours, theirs),
        }
    }

    /// The merged tree when `theirs`, whose only merge base with `ours` is the start, changed
    /// files the sequence left alone, or files both modified that merge cleanly; `None` when
    /// only the full merge can tell.
    fn quick_tree(
        &self,
        ours: ObjectId,
        theirs: ObjectId,
        touched: &BTreeSet<BString>,
        labels: Labels<'_>,
    ) -> Result<Option<ObjectId>> {
        let copies = self.options.rewrites.is_some_and(|r| r.copies.is_some());
        if touched.is_empty() || copies {
            return Ok(None);
        }
        let repo = self.repo;
        let start = repo.find_tree(self.start_tree)?;
        let (ours_tree, theirs_tree) = (tree_of(repo, ours)?, tree_of(repo, theirs)?);
        let (now, goes) = (repo.find_tree(ours_tree)?, repo.find_tree(theirs_tree)?);
        let mut both = Vec::new();
        for path in touched {
            let (was, is, will) = (
                entry(&start, path)?,
                entry(&now, path)?,
                entry(&goes, path)?,
            );
            if !dirs_stay(&start, &now, &goes, path.as_bstr(), will.is_none())? {
                return Ok(None);
            }
            if is == was {
                continue;
            }
            match (was, is, will) {
                (Some(a), Some(b), Some(c)) if [a.0, b.0, c.0].iter().all(is_file) => {
                    both.push((path, b));
                }
                _ => return Ok(None),
            }
        }
        let merged = match both.is_empty() {
            true => theirs_tree,
            false => {
                let mut edit = repo.edit_tree(self.start_tree)?;
                for (path, (mode, id)) in &both {
                    edit.upsert(path.as_bstr(), mode.kind(), *id)?;
                }
                let only_both = edit.write()?.detach();
                let over = super::recursive::clean_tree_over;
                match over(
                    repo,
                    self.start,
                    only_both,
                    theirs_tree,
                    labels,
                    self.options,
                )? {
                    Some(tree) => tree,
                    None => return Ok(None),
                }
            }
        };
        let merged = repo.find_tree(merged)?;
        let mut edit = repo.edit_tree(ours_tree)?;
        for path in touched {
            match entry(&merged, path)? {
                Some((mode, id)) if !mode.is_tree() => {
                    edit.upsert(path.as_bstr(), mode.kind(), id)?
                }
                _ => edit.remove(path.as_bstr())?,
            };
        }
        Ok(Some(edit.write()?.detach()))
    }
}

/// Whether the directories above `path` keep it out of reach of renames and of file/directory
/// clashes: each directory of the start is still one in `now`, `now` put no file where the
/// start had nothing, a file of the start above it is unchanged in `now`, and for a file
/// `theirs` deleted, its directory is still one in `theirs` (no directory was removed).
fn dirs_stay(
    start: &gix::Tree<'_>,
    now: &gix::Tree<'_>,
    theirs: &gix::Tree<'_>,
    path: &BStr,
    deleted: bool,
) -> Result<bool> {
    let cuts: Vec<usize> = path.find_iter("/").collect();
    for &cut in &cuts {
        let dir = &path[..cut];
        let (was, is) = (entry(start, dir)?, entry(now, dir)?);
        let fine = match (was, is) {
            (Some(w), is) if w.0.is_tree() => is.is_some_and(|i| i.0.is_tree()),
            (None, is) => is.is_none_or(|i| i.0.is_tree()),
            (was, is) => was == is,
        };
        if !fine {
            return Ok(false);
        }
    }
    Ok(match (deleted, cuts.last()) {
        (true, Some(&cut)) => entry(theirs, &path[..cut])?.is_some_and(|e| e.0.is_tree()),
        _ => true,
    })
}

fn is_file(mode: &EntryMode) -> bool {
    mode.is_blob_or_symlink()
}

fn entry(tree: &gix::Tree<'_>, path: &[u8]) -> Result<Entry> {
    Ok(tree
        .lookup_entry(path.split_str("/"))?
        .map(|e| (e.mode(), e.object_id())))
}

fn tree_of(repo: &gix::Repository, commit: ObjectId) -> Result<ObjectId> {
    Ok(repo.find_commit(commit)?.tree_id()?.detach())
}
