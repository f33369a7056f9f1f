//! After the agent: the resolution is checked (HEAD where it was, no conflict marker left, the
//! task's check passing), committed as the merge (both parents, git's message), and its worktree
//! removed.

use anyhow::{Context, Result};
use gix::bstr::{BStr, BString, ByteSlice};
use gix::ObjectId;

use super::prepare::{resolution_of, same_side, Found, Prepared};
use super::{ResolveReport, Resolving};
use crate::gitops::{self, commit, worktree};
use crate::merge::plan::Conflicted;
use crate::repo::Project;

/// Check the resolution in `prepared` and commit it: the merge commit, or why it is refused.
pub(super) fn checked(
    cx: &Resolving<'_>,
    conflict: &Conflicted<'_>,
    check: Option<crate::config::Program>,
    prepared: &Prepared,
    report: &mut ResolveReport,
) -> Result<Result<ObjectId, String>> {
    let wt = gitops::open_worktree(&prepared.path)?;
    let head = wt.head_id()?.detach();
    let parents = [conflict.ours, conflict.theirs];
    let committed = !same_side(&wt, head, conflict.ours)?;
    if committed && !resolution_of(&wt, head, conflict)? {
        return Ok(Err(format!(
            "HEAD of the resolve worktree moved to {head}, which is not the merge of '{}'",
            conflict.branch
        )));
    }
    let marked = markers_left(cx.project, &wt, &prepared.paths, conflict)?;
    if !marked.is_empty() {
        let list: Vec<_> = marked.iter().map(|p| p.to_str_lossy()).collect();
        return Ok(Err(format!(
            "conflict markers remain in {}",
            list.join(", ")
        )));
    }
    clear_conflicts(&wt)?;
    let tree = commit::stage_tree(&wt).context("could not stage the resolution")?;
    if let Some(check) = check {
        let passed = verify(cx, conflict, prepared, check)?;
        report.verify = Some(passed.passed);
        if !passed.passed {
            let why = passed.message.unwrap_or_else(|| "it failed".into());
            return Ok(Err(format!("the task's check failed: {why}")));
        }
    }
    // A person's commit stays as it is; an agent's gets git's merge message.
    let by_hand = committed && matches!(prepared.found, Found::Committed);
    let head_commit = wt.find_commit(head)?;
    let same_parents = head_commit.parent_ids().map(gix::Id::detach).eq(parents);
    if by_hand && same_parents && head_commit.tree_id()?.detach() == tree {
        return Ok(Ok(head));
    }
    let message = match by_hand {
        true => head_commit.message_raw()?.to_string(),
        false => conflict.message.to_owned(),
    };
    let commit = wt.new_commit(message.as_str(), tree, parents)?.id;
    commit_there(&wt, commit, &message)?;
    Ok(Ok(commit))
}

/// Move the resolve worktree's HEAD to the merge commit and end the merge there, as `git commit`
/// does: killed before the target lands, the next merge finds the resolution there.
fn commit_there(wt: &gix::Repository, commit: ObjectId, message: &str) -> Result<()> {
    use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
    let subject = message.lines().next().unwrap_or_default();
    wt.edit_reference(RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: format!("commit (merge): {subject}").into(),
            },
            expected: PreviousValue::Any,
            new: gix::refs::Target::Object(commit),
        },
        name: "HEAD".try_into()?,
        deref: false,
    })?;
    for name in ["MERGE_HEAD", "MERGE_MSG", "MERGE_MODE"] {
        match std::fs::remove_file(wt.git_dir().join(name)) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err.into()),
            _ => {}
        }
    }
    Ok(())
}

/// Run the task's check in the resolve worktree.
fn verify(
    cx: &Resolving<'_>,
    conflict: &Conflicted<'_>,
    prepared: &Prepared,
    check: crate::config::Program,
) -> Result<crate::verify::VerifyResult> {
    let command = crate::verify::Command::from(check);
    let name = conflict.task.unwrap_or(conflict.branch);
    let place = prepared
        .path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy();
    let log = cx.project.log_dir().join(format!("{place}.verify.log"));
    crate::verify::run(
        cx.runner,
        &crate::verify::Check {
            task: name,
            branch: conflict.branch,
            workspace: &prepared.path,
            root: &cx.project.root,
            contracts_dir: &cx.project.settings.contracts_dir.value,
            copied: &[],
            base: Some(conflict.ours),
            command: Some(&command),
            log,
        },
    )
}

/// The conflicted paths whose file still holds a conflict marker line that neither side had.
fn markers_left(
    project: &Project,
    wt: &gix::Repository,
    paths: &[BString],
    conflict: &Conflicted<'_>,
) -> Result<Vec<BString>> {
    let workdir = wt.workdir().context("the resolve worktree has no files")?;
    let mut left = Vec::new();
    for path in paths {
        let file = workdir.join(gix::path::from_bstr(path.as_bstr())?);
        let Ok(text) = std::fs::read(&file) else {
            continue;
        };
        let mut known = Vec::new();
        for side in [conflict.ours, conflict.theirs] {
            known.extend(blob_at(&project.repo, side, path.as_bstr())?);
        }
        let had = |line: &[u8]| known.lines().any(|k| k == line);
        if text.lines().any(|line| is_marker(line) && !had(line)) {
            left.push(path.clone());
        }
    }
    Ok(left)
}

/// A line as git writes conflict markers (of the default size, 7).
fn is_marker(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line == b"======="
        || ["<<<<<<<", ">>>>>>>", "|||||||"].iter().any(|m| {
            line.strip_prefix(m.as_bytes())
                .is_some_and(|rest| rest.is_empty() || rest[0] == b' ')
        })
}

fn blob_at(repo: &gix::Repository, commit: ObjectId, path: &BStr) -> Result<Vec<u8>> {
    let tree = repo.find_commit(commit)?.tree()?;
    let Some(entry) = tree.lookup_entry(path.split_str("/"))? else {
        return Ok(Vec::new());
    };
    if !entry.mode().is_blob() {
        return Ok(Vec::new());
    }
    Ok(entry.object()?.detach().data)
}

/// Take the conflict stages out of the index: the files as they are now are the resolution
/// (an agent need not `git add` them), and are staged with everything else it changed.
fn clear_conflicts(wt: &gix::Repository) -> Result<()> {
    let mut index = wt.open_index()?;
    if !index.entries().iter().any(|e| e.stage_raw() != 0) {
        return Ok(());
    }
    index.remove_entries(|_, _, e| e.stage_raw() != 0);
    index.remove_tree();
    index.write(gitops::index_write_options(wt))?;
    Ok(())
}

/// Remove the resolve worktree of a resolution that landed: its entry out of git's sight first.
pub(super) fn remove(project: &Project, path: &std::path::Path) -> Result<()> {
    let registered = worktree::list(&project.repo)?;
    if let Some(entry) = worktree::find_at(&registered, path) {
        let aside = worktree::unregister(&entry.git_dir, &project.state_dir())?;
        worktree::remove_tree(&aside)?;
    }
    worktree::remove_tree(path).with_context(|| format!("could not remove {}", path.display()))
}
