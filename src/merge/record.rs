//! A merged task's record says so: when, into what, at which commit. `spawn` then leaves it
//! alone unless asked, and `clean` keeps the record when it removes the worktree and branch.

use anyhow::Result;

use super::Report;
use crate::repo::Project;
use crate::state::{self, Merged, Store};

/// Mark the tasks whose branches landed in the target.
pub fn merged_tasks(project: &Project, report: &Report) -> Result<()> {
    if report.dry_run {
        return Ok(());
    }
    let landed: Vec<_> = report
        .branches
        .iter()
        .filter(|b| b.landed)
        .filter_map(|b| Some((b.task.as_ref()?, b.commit.as_ref()?.parse().ok()?)))
        .collect();
    if landed.is_empty() {
        return Ok(());
    }
    let store = Store::new(project.state_dir());
    let at = state::now();
    for (task, commit) in landed {
        store.update_existing(task, |record| {
            record.merged = Some(Merged {
                at,
                into: report.target.clone(),
                commit,
            });
        })?;
    }
    store.flush()
}
