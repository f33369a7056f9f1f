//! Directory isolation (the seed's Pattern 3): agents share the main worktree, each confined
//! to its scope — by Landlock where the kernel allows, by attribution afterwards everywhere —
//! and each task's changes become its own commit on the current branch.

use std::collections::BTreeSet;

use anyhow::{Context as _, Result};
use gix::bstr::{BStr, ByteSlice};

use super::{Commit, RunEnd, TaskMaterial};
use crate::error::{Error, Fix};
use crate::gitops::commit;
use crate::progress::Event;
use crate::repo::Project;
use crate::spawn::execute::{self, Context};
use crate::spawn::plan::{Capabilities, Existing, Placement, Survey, TaskPlan};
use crate::state::{self, Status, TaskState};
use crate::tasks::Task;
use crate::{sandbox, scope};

/// In place, in parallel: each agent's work is attributed and committed once all have ended.
pub struct Driver;

impl super::Driver for Driver {
    fn prepare(
        &self,
        _cx: &Context<'_>,
        task: &TaskPlan,
        _base: gix::ObjectId,
    ) -> Result<Vec<String>> {
        Ok(task
            .copies
            .iter()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .collect())
    }

    fn commit(&self) -> Commit {
        Commit::AfterRun
    }

    fn finish_run(
        &self,
        project: &Project,
        cx: &Context<'_>,
        tasks: &[TaskPlan],
        deferred: &mut [(&TaskPlan, &mut TaskState)],
    ) -> Result<RunEnd> {
        let outside_scopes = commit_changes(project, cx, tasks, deferred)?;
        Ok(RunEnd { outside_scopes })
    }
}

/// How scopes are held in a dir-mode run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Enforcement {
    /// Writes outside the places a task may write (its scope in dir mode, its worktree in
    /// worktree mode) are refused by the kernel (Landlock, or the macOS sandbox).
    pub landlock: bool,
    /// One line for the user.
    pub detail: String,
}

impl Enforcement {
    /// Worktree mode without confinement, and why.
    pub fn unconfined(reason: &str) -> Enforcement {
        Enforcement {
            landlock: false,
            detail: format!("agents are not confined: {reason}"),
        }
    }

    /// Scopes only checked after the run, because of `reason` (Landlock turned off or not
    /// available, no supervisor).
    pub fn detection_only(reason: &str) -> Enforcement {
        Enforcement {
            landlock: false,
            detail: format!("scopes are checked after the run (detection only): {reason}"),
        }
    }
}

/// In place, on the main worktree's branch; nothing is copied.
pub fn place(survey: &Survey) -> Placement {
    Placement {
        branch: survey.in_place_branch(),
        workspace: survey.project.root.clone(),
        existing: Existing::InPlace,
        copies: Vec::new(),
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
/// Why dir mode needs a clean main worktree, for [`super::ensure_clean`].
pub const CLEAN_BECAUSE: &str = "dir mode attributes every change to a task";

/// Check the tasks' scopes and confine them; `clean` is the main worktree's clean check,
/// run beside the planning (see [`CLEAN_BECAUSE`]).
pub fn prepare(
    project: &Project,
    plans: &mut [TaskPlan],
    capabilities: Capabilities,
    clean: Result<()>,
) -> Result<Enforcement> {
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
    clean?;
    if !project.settings.landlock.value {
        return Ok(Enforcement::detection_only(
            "Landlock turned off by git config agents.landlock",
        ));
    }
    if !capabilities.supervised {
        return Ok(Enforcement::detection_only(
            "no git-agents binary to apply Landlock from",
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
        let tmp = sandbox::private_tmp(&project.common_dir, &plan.task.slug);
        writable.push(tmp.clone());
        plan.write_scope = Some(writable);
        plan.tmp = Some(tmp);
    }
    Ok(Enforcement {
        landlock: true,
        detail: "each agent may write only inside its scope (Landlock), plus a private TMPDIR and its config dirs"
            .into(),
    })
}

/// After every agent ended: attribute each change to the task whose scope holds it, commit each
/// successful task's changes as its own commit, and return the changes outside every scope.
fn commit_changes(
    project: &Project,
    cx: &Context<'_>,
    tasks: &[TaskPlan],
    deferred: &mut [(&TaskPlan, &mut TaskState)],
) -> Result<Vec<String>> {
    let material = TaskMaterial::of(project);
    // What `git status` lists now, with status' own fast scan, less the task material.
    let pending = crate::gitops::scan::uncommitted(&project.repo, &project.root, &[], false)?;
    let pending: Vec<String> = pending
        .iter()
        .filter(|p| !material.contains(p.as_ref()))
        .map(|p| p.to_str_lossy().into_owned())
        .collect();
    let outside: Vec<String> = pending
        .iter()
        .filter(|p| !tasks.iter().any(|t| scope::contains(&t.scope, p)))
        .cloned()
        .collect();
    // Opened once for the whole run: each commit re-reads HEAD and the index from disk anyway.
    let repo = crate::gitops::open_worktree(&project.root).context("opening the main worktree")?;
    // Every agent has ended, so only these commits move HEAD: read once, then followed.
    let mut head = repo.head_id().ok().map(|id| id.detach());
    for (plan, record) in deferred.iter_mut() {
        let owned: BTreeSet<&str> = pending
            .iter()
            .filter(|p| scope::contains(&plan.scope, p))
            .map(String::as_str)
            .collect();
        **record = commit_owned(&repo, cx, plan, &owned, &mut head)?;
        execute::announce(cx.reporter, record.clone());
    }
    Ok(outside)
}

/// Commit the changes in `owned` (all in `plan`'s scope) as its task's commit, on
/// `head_now` (HEAD's commit, when known), which then names the new commit.
fn commit_owned(
    repo: &gix::Repository,
    cx: &Context<'_>,
    plan: &TaskPlan,
    owned: &BTreeSet<&str>,
    head_now: &mut Option<gix::ObjectId>,
) -> Result<TaskState> {
    let outcome = if owned.is_empty() {
        // Nothing in its scope changed: no status walk, no commit.
        commit::CommitOutcome {
            commit: None,
            changed: Vec::new(),
        }
    } else {
        let exclude = |path: &BStr| !owned.contains(path.to_str_lossy().as_ref());
        commit::commit_all(repo, &plan.subject(), &exclude)
            .with_context(|| format!("committing the changes of task '{}'", plan.task.name))?
    };
    let head = match outcome.commit.or(*head_now) {
        Some(id) => id,
        None => repo.head_id()?.detach(),
    };
    *head_now = Some(head);
    let status = if outcome.commit.is_some() {
        Status::Done
    } else {
        Status::NoChanges
    };
    let record = cx.store.update(&plan.task.name, |old| {
        let mut record = old.unwrap_or_else(|| crate::spawn::queued_record(plan, None));
        record.state = status;
        record.exit_code = Some(0);
        record.ended = Some(state::now());
        record.head = Some(head.into());
        record.commits = u32::from(outcome.commit.is_some());
        record.files_changed = outcome.changed.len() as u32;
        record
    })?;
    if let Some(commit) = outcome.commit {
        cx.reporter.event(&Event::Committed {
            task: plan.task.name.clone(),
            commit: commit.to_string(),
            files_changed: outcome.changed.len() as u32,
        });
    }
    Ok(record)
}
