//! Before clean looks: what killed git-agents processes left behind is put right, so that it
//! is judged like everything else (locks they noted, removals they began, worktree entries of
//! theirs left half-made).

use anyhow::Result;

use super::assess::own_entry;
use crate::gitops::worktree;
use crate::inventory::{is_live, process_alive, Inventory};

/// Put right what dead git-agents processes left; returns what was done, in words.
pub(super) fn recover(inventory: &mut Inventory) -> Result<Vec<String>> {
    let project = &inventory.project;
    let mut notes = worktree::sweep(&project.common_dir, &project.state_dir());
    for task in &inventory.tasks {
        let Some(entry) = own_entry(task, &inventory.worktrees) else {
            continue;
        };
        let creating = entry
            .creator()
            .is_some_and(|pid| pid != std::process::id() && process_alive(pid));
        if !entry.repairable() || creating || task.record.as_ref().is_some_and(is_live) {
            continue;
        }
        match worktree::repair(&project.repo, entry, &task.name, &task.full_branch()) {
            Ok(note) => notes.push(note),
            Err(err) => notes.push(format!("{}: {err:#}", task.name)),
        }
    }
    if !notes.is_empty() {
        inventory.worktrees = worktree::list(&project.repo)?;
    }
    Ok(notes)
}
