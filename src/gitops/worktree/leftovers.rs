//! What git-agents processes killed mid-way left in the state directory, put right by the next
//! spawn or clean: locks they noted, admin directories they were writing, and removals they
//! had begun. Only the debris of processes that are gone is touched.

use std::fs;
use std::path::{Path, PathBuf};

use super::create::NEW;
use super::delete::{remove_tree, REMOVED};
use crate::gitops::{ledger, refs};
use crate::lock::process_alive;

/// Put right what dead git-agents processes left; returns what was done, in words.
pub fn sweep(common_dir: &Path, state_dir: &Path) -> Vec<String> {
    let mut notes = ledger::sweep(state_dir);
    for staged in dead_entries(&state_dir.join(refs::TMP)) {
        let _ = fs::remove_file(staged);
    }
    for aside in dead_entries(&state_dir.join(NEW)) {
        let _ = remove_tree(&aside);
        // The id it had reserved, still empty: git skips it, and it is ours to take back.
        let id = aside.file_name().and_then(|n| n.to_str()?.split_once('-'));
        if let Some((_, id)) = id {
            let _ = fs::remove_dir(common_dir.join("worktrees").join(id));
        }
    }
    for dir in dead_entries(&state_dir.join(REMOVED)) {
        for admin in fs::read_dir(&dir).into_iter().flatten().flatten() {
            notes.extend(finish_removal(common_dir, &admin.path()));
            let _ = remove_tree(&admin.path());
        }
        let _ = fs::remove_dir(&dir);
    }
    notes
}

/// Entries of `dir` named `<pid>` or `<pid>-...` after a process that is gone.
fn dead_entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let pid = name
                .to_str()
                .and_then(|n| n.split('-').next()?.parse::<u32>().ok());
            pid.is_some_and(|pid| pid != std::process::id() && !process_alive(pid))
        })
        .map(|entry| entry.path())
        .collect()
}

/// A clean killed after it unregistered `admin` but before it moved the worktree away: the
/// worktree's `.git` still points at the entry that is gone. Finish what it began.
fn finish_removal(common_dir: &Path, admin: &Path) -> Option<String> {
    let gitdir = fs::read_to_string(admin.join("gitdir")).ok()?;
    let dot_git = PathBuf::from(gitdir.trim_end_matches('\n'));
    let tree = dot_git.parent()?;
    let link = fs::read_to_string(&dot_git).ok()?;
    let target = PathBuf::from(link.strip_prefix("gitdir: ")?.trim_end_matches('\n'));
    let worktrees = common_dir.canonicalize().ok()?.join("worktrees");
    let dangling = target.parent() == Some(worktrees.as_path()) && !target.exists();
    if !dangling {
        return None;
    }
    remove_tree(tree).ok()?;
    Some(format!(
        "finished removing the worktree {}, which an interrupted clean had unregistered",
        tree.display()
    ))
}
