//! Landing a computed plan: persist exactly the objects the new tip needs, move the target once
//! (compare-and-swap against the tip the plan started from) and, when the target is checked out,
//! bring that worktree's files and index along.

use std::collections::HashSet;

use anyhow::{Context, Result};
use gix::objs::Write as _;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::Target as RefTarget;
use gix::ObjectId;

use super::select::Target;
use crate::error::{Error, Fix};
use crate::gitops::checkout;

/// Move `target` from its planned-from tip to `tip`, whose new objects live in `mem`'s object memory.
///
/// All checks that can fail (index lock, index matching the old tree) run before the ref moves.
pub fn land(
    repo: &gix::Repository,
    mem: &mut gix::Repository,
    target: &Target,
    tip: ObjectId,
    message: &str,
) -> Result<()> {
    let memory = mem.objects.take_object_memory().unwrap_or_default();
    persist(repo, &memory, tip).context("could not write the merge commits")?;
    drop(memory);

    let Some(wt) = &target.worktree else {
        repo.reference(
            target.full_name.as_str(),
            tip,
            PreviousValue::MustExistAndMatch(RefTarget::Object(target.tip)),
            message,
        )
        .map_err(|err| moved_meanwhile(&target.name, err))?;
        return Ok(());
    };

    let from = tree_of(repo, target.tip)?;
    let to = tree_of(repo, tip)?;
    let update = checkout::prepare(&wt.repo, from, to).map_err(|err| {
        Error::usage(format!("cannot update {}", wt.path.display()))
            .with_fix(Fix::FixThenMergeAgain)
            .caused_by(err)
    })?;
    let edit = RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: message.into(),
            },
            expected: PreviousValue::MustExistAndMatch(RefTarget::Object(target.tip)),
            new: RefTarget::Object(tip),
        },
        name: "HEAD".try_into().expect("valid name"),
        deref: true,
    };
    wt.repo
        .edit_reference(edit)
        .map_err(|err| moved_meanwhile(&target.name, err))?;
    update.apply().map_err(|err| {
        Error::failed(format!(
            "'{}' moved to {tip}, but updating the files in {} failed",
            target.name,
            wt.path.display()
        ))
        .with_fix(Fix::ResetWorktree {
            worktree: wt.path.clone(),
        })
        .caused_by(err)
    })?;
    Ok(())
}

fn moved_meanwhile(target: &str, err: gix::Error) -> anyhow::Error {
    Error::failed(format!("could not move '{target}'"))
        .with_fix(Fix::MergeAgain)
        .caused_by(err)
        .into()
}

fn tree_of(repo: &gix::Repository, commit: ObjectId) -> Result<ObjectId> {
    Ok(repo
        .find_commit(commit)
        .and_then(|c| c.tree_id())
        .with_context(|| format!("could not read the tree of commit {commit}"))?
        .detach())
}

/// Write every object in `memory` reachable from `tip` into `repo`'s object database; objects
/// outside `memory` are already stored, and so is everything they reach. Loose objects are
/// written in parallel: each write is mostly file-system latency.
pub fn persist(
    repo: &gix::Repository,
    memory: &gix::odb::memory::Storage,
    tip: ObjectId,
) -> Result<usize> {
    use rayon::prelude::*;
    let hash = repo.object_hash();
    let mut stack = vec![tip];
    let mut seen = HashSet::new();
    let mut needed = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some((kind, data)) = memory.get(&id) else {
            continue;
        };
        match kind {
            gix::objs::Kind::Commit => {
                let mut commit = gix::objs::CommitRefIter::from_bytes(data, hash);
                stack.push(commit.tree_id()?);
                stack.extend(commit.parent_ids());
            }
            gix::objs::Kind::Tree => {
                for entry in gix::objs::TreeRefIter::from_bytes(data, hash) {
                    stack.push(entry?.oid.to_owned());
                }
            }
            gix::objs::Kind::Blob | gix::objs::Kind::Tag => {}
        }
        needed.push((id, *kind, data.as_slice()));
    }
    let loose = gix::odb::loose::Store::at(repo.objects.store_ref().path(), hash);
    needed
        .par_iter()
        .filter(|(id, _, _)| !repo_has(&loose, id))
        .try_for_each(|(id, kind, data)| {
            loose.write_buf_with_known_id(*kind, data, *id).map(drop)
        })?;
    Ok(needed.len())
}

fn repo_has(loose: &gix::odb::loose::Store, id: &ObjectId) -> bool {
    loose.object_path(id).exists()
}

/// Quote for a POSIX shell when needed, for commands we print (never run).
pub fn shell_quote(word: &str) -> String {
    shlex::try_quote(word)
        .map(|q| q.into_owned())
        .unwrap_or_else(|_| word.to_owned())
}
