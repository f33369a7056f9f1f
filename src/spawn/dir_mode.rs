//! Directory isolation (the seed's Pattern 3): agents share the main worktree, each confined
//! to its scope — by Landlock where the kernel allows, by attribution afterwards everywhere —
//! and each task's changes become its own commit on the current branch.

use std::collections::BTreeSet;

use anyhow::{Context as _, Result};
use gix::bstr::{BStr, ByteSlice};

use super::plan::TaskPlan;
use crate::error::{Error, Fix};
use crate::gitops::commit;
use crate::progress::{Event, Reporter};
use crate::repo::Project;
use crate::state::{self, Status, Store, TaskState};
use crate::tasks::Task;
use crate::{sandbox, scope};

/// How scopes are held in a dir-mode run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Enforcement {
    /// Writes outside a task's scope are refused by the kernel.
    pub landlock: bool,
    /// One line for the user.
    pub detail: String,
}

impl Enforcement {
    pub fn detection_only(reason: &str) -> Enforcement {
        Enforcement {
            landlock: false,
            detail: format!("scopes are checked after the run (detection only): {reason}"),
        }
    }
}

/// The sentence added to the prompt.
pub fn scope_instruction(task: &Task, scope: &[String]) -> Result<String> {
    if scope.is_empty() {
        return Err(Error::usage(format!(
            "task '{}' has no scope, and dir mode needs one",
            task.name
        ))
        .with_fix(Fix::AddScope {
            task: task.name.clone(),
        })
        .into());
    }
    let dirs: Vec<String> = scope.iter().map(|s| format!("{s}/")).collect();
    Ok(format!(
        " Work ONLY in {}. Do NOT touch any other directories.",
        dirs.join(" and ")
    ))
}

/// Check what dir mode needs (disjoint scopes, a clean main worktree) and decide enforcement.
pub fn prepare(project: &Project, plans: &mut [TaskPlan]) -> Result<Enforcement> {
    for (i, a) in plans.iter().enumerate() {
        for b in &plans[i + 1..] {
            if let Some((x, y)) = scope::overlap(&a.scope, &b.scope) {
                return Err(Error::usage(format!(
                    "the scopes of '{}' ({x}) and '{}' ({y}) overlap, so their changes could not be told apart",
                    a.task.name, b.task.name
                ))
                .with_fix(Fix::Text("give every task its own directories in dir mode".into()))
                .into());
            }
        }
    }
    ensure_clean(project, "dir mode attributes every change to a task")?;
    if !project.settings.landlock.value {
        return Ok(Enforcement::detection_only(
            "Landlock turned off by git config agents.landlock",
        ));
    }
    if let Err(reason) = sandbox::probe() {
        return Ok(Enforcement::detection_only(&reason));
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let mut allowed = sandbox::default_allow_list(home.as_deref(), &project.root);
    allowed.extend(project.settings.allow_write.iter().cloned());
    for plan in plans.iter_mut() {
        let mut writable: Vec<_> = plan.scope.iter().map(|s| project.root.join(s)).collect();
        writable.extend(allowed.iter().cloned());
        writable.push(sandbox::private_tmp(&plan.task.slug));
        plan.write_scope = Some(writable);
    }
    Ok(Enforcement {
        landlock: true,
        detail: "each agent may write only inside its scope (Landlock), plus a private TMPDIR and its config dirs"
            .into(),
    })
}

/// Refuse to work in place in a main worktree with changes (task material aside): they would
/// mix with the agents' work. `why` finishes the sentence.
pub(super) fn ensure_clean(project: &Project, why: &str) -> Result<()> {
    let dirty = commit::pending_changes(&project.repo, &|path| is_task_material(project, path))?;
    if dirty.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = dirty
        .iter()
        .take(5)
        .map(|p| p.to_str_lossy().into_owned())
        .collect();
    let more = if dirty.len() > 5 { ", ..." } else { "" };
    Err(Error::usage(format!(
        "the main worktree has changes ({}{more}), and {why}",
        shown.join(", ")
    ))
    .with_fix(Fix::Text("commit or stash them first".into()))
    .into())
}

/// Task files, contracts and CLAUDE.md may sit untracked in the main worktree.
pub(super) fn is_task_material(project: &Project, path: &BStr) -> bool {
    let path = path.to_str_lossy();
    let under = |dir: &std::path::Path| {
        let dir = dir.to_string_lossy();
        path.starts_with(&format!("{}/", dir.trim_end_matches('/')))
    };
    path == "CLAUDE.md"
        || under(project.tasks_dir())
        || under(&project.settings.contracts_dir.value)
}

/// After every agent ended: attribute each change to the task whose scope holds it, commit each
/// successful task's changes as its own commit, and return the changes outside every scope.
pub fn commit_changes(
    project: &Project,
    plans: &[TaskPlan],
    records: &mut [TaskState],
    store: &Store,
    reporter: &dyn Reporter,
) -> Result<Vec<String>> {
    let pending = commit::pending_changes(&project.repo, &|path| is_task_material(project, path))?;
    let pending: Vec<String> = pending
        .iter()
        .map(|p| p.to_str_lossy().into_owned())
        .collect();
    let outside: Vec<String> = pending
        .iter()
        .filter(|p| !plans.iter().any(|t| scope::contains(&t.scope, p)))
        .cloned()
        .collect();
    for (plan, record) in plans.iter().zip(records.iter_mut()) {
        if record.state != Status::Committing {
            continue;
        }
        let owned: BTreeSet<&str> = pending
            .iter()
            .filter(|p| scope::contains(&plan.scope, p))
            .map(String::as_str)
            .collect();
        let repo =
            crate::gitops::open_worktree(&project.root).context("opening the main worktree")?;
        let outcome = if owned.is_empty() {
            // Nothing in its scope changed: no status walk, no commit.
            commit::CommitOutcome {
                commit: None,
                changed: Vec::new(),
            }
        } else {
            let exclude = |path: &BStr| !owned.contains(path.to_str_lossy().as_ref());
            commit::commit_all(&repo, &super::execute::subject(plan), &exclude)
                .with_context(|| format!("committing the changes of task '{}'", plan.task.name))?
        };
        let head = repo.head_id()?.detach();
        let status = if outcome.commit.is_some() {
            Status::Done
        } else {
            Status::NoChanges
        };
        *record = store.update(&plan.task.name, |old| {
            let mut record = old.expect("recorded while running");
            record.state = status;
            record.exit_code = Some(0);
            record.ended = Some(state::now());
            record.head = Some(head.to_string());
            record.commits = u32::from(outcome.commit.is_some());
            record.files_changed = outcome.changed.len() as u32;
            record
        })?;
        if let Some(commit) = outcome.commit {
            reporter.event(&Event::Committed {
                task: plan.task.name.clone(),
                commit: commit.to_string(),
                files_changed: outcome.changed.len() as u32,
            });
        }
        super::execute::announce(reporter, record.clone());
    }
    Ok(outside)
}
