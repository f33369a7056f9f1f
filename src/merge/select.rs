//! Which branches go into which target: names and task names resolved, bad input refused.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use gix::bstr::ByteSlice;
use gix::ObjectId;

use crate::error::{Error, Fix};
use crate::gitops::worktree::local_branch_tip as branch_tip;
use crate::repo::Project;
use crate::tasks;

/// The branch being merged into.
pub struct Target {
    /// Short branch name, like `main`.
    pub name: String,
    /// `refs/heads/<name>`.
    pub full_name: String,
    /// The commit it points at before the merge.
    pub tip: ObjectId,
    /// Where it is checked out, if anywhere.
    pub worktree: Option<CheckedOut>,
}

/// A worktree with the target branch checked out.
pub struct CheckedOut {
    pub path: PathBuf,
    /// The repository opened for that worktree (the main one or a linked one).
    pub repo: gix::Repository,
}

/// A branch to merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Short branch name, like `feature/auth`.
    pub branch: String,
    /// The task it belongs to, if any.
    pub task: Option<String>,
    pub tip: ObjectId,
}

pub struct Selection {
    pub target: Target,
    pub branches: Vec<Candidate>,
    /// Tasks (default selection only) whose branch does not exist yet.
    pub without_branch: Vec<String>,
    /// Warnings from reading the task files.
    pub warnings: Vec<String>,
}

/// Resolve the target (`into`, or the main worktree's branch) and the branches named in `names`
/// (task names first, then branch names), or every task's existing branch when `names` is empty.
///
/// A task whose last contract check failed is left out, with a warning, unless `no_verify`.
/// The default selection follows the tasks' dependency order.
pub fn select(
    project: &Project,
    names: &[String],
    into: Option<&str>,
    no_verify: bool,
) -> Result<Selection> {
    let repo = &project.repo;
    refuse_in_progress(repo, &project.root)?;
    let target = target(project, into)?;
    if let Some(wt) = &target.worktree {
        if wt.path != project.root {
            refuse_in_progress(&wt.repo, &wt.path)?;
        }
    }

    let (tasks, warnings, tasks_error) = read_tasks(project, names.is_empty())?;
    let mut warnings = warnings;
    let (mut branches, without_branch) = if names.is_empty() {
        default_selection(project, &tasks, &target.name)?
    } else {
        (named(project, &tasks, names, tasks_error)?, Vec::new())
    };
    if !no_verify {
        leave_out_failed_checks(project, &mut branches, &mut warnings)?;
    }
    if let Some(same) = branches.iter().find(|c| c.branch == target.name) {
        return Err(Error::usage(format!(
            "'{}' is the branch being merged into, so it cannot be merged into itself",
            same.branch
        ))
        .with_fix(Fix::LeaveOutTarget)
        .into());
    }
    Ok(Selection {
        target,
        branches,
        without_branch,
        warnings,
    })
}

/// The task files, their warnings, and (when branches were named) the error reading them, which
/// only matters for a name that is not a branch.
fn read_tasks(
    project: &Project,
    all: bool,
) -> Result<(Vec<tasks::Task>, Vec<String>, Option<anyhow::Error>)> {
    match tasks::discover(&project.root, project.tasks_dir()) {
        Ok((tasks, warnings)) => Ok((tasks, warnings.into_iter().map(|w| w.0).collect(), None)),
        Err(err) if all => Err(err),
        Err(err) => {
            // A missing or empty tasks directory is no error here; unreadable task files are.
            let dir = project.root.join(project.tasks_dir());
            let has_tasks = std::fs::read_dir(&dir).is_ok_and(|entries| {
                entries
                    .flatten()
                    .any(|e| e.path().extension().is_some_and(|x| x == "md"))
            });
            Ok((Vec::new(), Vec::new(), has_tasks.then_some(err)))
        }
    }
}

/// Every task's existing branch in dependency order, and the tasks without one.
fn default_selection(
    project: &Project,
    tasks: &[tasks::Task],
    target: &str,
) -> Result<(Vec<Candidate>, Vec<String>)> {
    let mut branches = Vec::new();
    let mut without_branch = Vec::new();
    for task in &crate::tasks::dependency_order(tasks, tasks.to_vec(), &|_| false)? {
        let branch = project.branch_for(&task.slug);
        if branch == target {
            continue; // the target's own task: merging others into it is what was asked
        }
        match branch_tip(&project.repo, &branch)? {
            Some(tip) => branches.push(Candidate {
                branch,
                task: Some(task.name.clone()),
                tip,
            }),
            None => without_branch.push(task.name.clone()),
        }
    }
    Ok((branches, without_branch))
}

/// The named tasks or branches, in order, each once.
fn named(
    project: &Project,
    tasks: &[tasks::Task],
    names: &[String],
    mut tasks_error: Option<anyhow::Error>,
) -> Result<Vec<Candidate>> {
    let mut branches: Vec<Candidate> = Vec::new();
    for name in names {
        let candidate = match resolve_name(project, tasks, name) {
            Err(_) if tasks_error.is_some() && branch_tip(&project.repo, name)?.is_none() => {
                return Err(tasks_error.take().expect("checked"));
            }
            other => other?,
        };
        if !branches.iter().any(|c| c.branch == candidate.branch) {
            branches.push(candidate);
        }
    }
    Ok(branches)
}

/// Leave out tasks whose last contract check failed, with a warning each.
fn leave_out_failed_checks(
    project: &Project,
    branches: &mut Vec<Candidate>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let state = crate::state::Store::new(project.state_dir()).load()?;
    branches.retain(|candidate| {
        let failed = candidate
            .task
            .as_ref()
            .and_then(|t| state.tasks.get(t))
            .and_then(|r| r.verify.as_ref())
            .is_some_and(|v| !v.passed);
        if failed {
            warnings.push(format!(
                "{}: skipped, its last contract check failed (git agents verify; --no-verify merges it anyway)",
                candidate.branch
            ));
        }
        !failed
    });
    Ok(())
}

fn resolve_name(project: &Project, tasks: &[tasks::Task], name: &str) -> Result<Candidate> {
    let repo = &project.repo;
    if let Some(task) = tasks.iter().find(|t| t.name == name || t.slug == name) {
        let branch = project.branch_for(&task.slug);
        return match branch_tip(repo, &branch)? {
            Some(tip) => Ok(Candidate {
                branch,
                task: Some(task.name.clone()),
                tip,
            }),
            None => Err(
                Error::usage(format!("task '{}' has no branch '{branch}' yet", task.name))
                    .with_fix(Fix::SpawnOrNameBranch {
                        task: task.name.clone(),
                    })
                    .into(),
            ),
        };
    }
    let short = name.strip_prefix("refs/heads/").unwrap_or(name);
    if let Some(tip) = branch_tip(repo, short)? {
        let task = tasks
            .iter()
            .find(|t| project.branch_for(&t.slug) == short)
            .map(|t| t.name.clone());
        return Ok(Candidate {
            branch: short.to_owned(),
            task,
            tip,
        });
    }
    let known_tasks = tasks.iter().map(|t| t.name.clone()).collect();
    Err(Error::usage(format!("no branch or task named '{name}'"))
        .with_fix(Fix::NameBranch { known_tasks })
        .into())
}

fn target(project: &Project, into: Option<&str>) -> Result<Target> {
    let repo = &project.repo;
    let name = match into {
        Some(name) => name.strip_prefix("refs/heads/").unwrap_or(name).to_owned(),
        None => {
            let head = repo
                .head_name()
                .context("could not read HEAD of the main worktree")?;
            match head.as_ref().and_then(|n| n.as_bstr().strip_prefix(b"refs/heads/")) {
                Some(short) => short.to_str_lossy().into_owned(),
                None => {
                    return Err(Error::usage(
                        format!("HEAD is detached in the main worktree ({}), so there is no branch to merge into", project.root.display()),
                    )
                    .with_fix(Fix::CheckOutTargetBranch)
                    .into())
                }
            }
        }
    };
    let Some(tip) = branch_tip(repo, &name)? else {
        return Err(match into {
            Some(_) => Error::usage(format!("no branch named '{name}' to merge into")).with_fix(
                Fix::CreateTargetBranch {
                    branch: name.clone(),
                },
            ),
            None => Error::usage(format!(
                "the main worktree's branch '{name}' has no commit yet"
            ))
            .with_fix(Fix::CommitOnTarget),
        }
        .into());
    };
    let full_name = format!("refs/heads/{name}");
    let worktree = checked_out(project, &full_name)?;
    Ok(Target {
        name,
        full_name,
        tip,
        worktree,
    })
}

/// The worktree (main or linked) whose HEAD is `full_name`, if any still exists on disk.
fn checked_out(project: &Project, full_name: &str) -> Result<Option<CheckedOut>> {
    let repo = &project.repo;
    if repo.head_name()?.is_some_and(|n| n.as_bstr() == full_name) {
        return Ok(Some(CheckedOut {
            path: project.root.clone(),
            repo: repo.clone(),
        }));
    }
    for proxy in repo
        .worktrees()
        .context("could not list the linked worktrees")?
    {
        let head = std::fs::read_to_string(proxy.git_dir().join("HEAD")).unwrap_or_default();
        if head.trim().strip_prefix("ref:").map(str::trim) != Some(full_name) {
            continue;
        }
        let Ok(base) = proxy.base() else { continue };
        if !base.is_dir() {
            continue;
        }
        let wt_repo = proxy
            .into_repo()
            .with_context(|| format!("could not open the worktree at {}", base.display()))?;
        let path = base.canonicalize().unwrap_or(base);
        return Ok(Some(CheckedOut {
            path,
            repo: wt_repo,
        }));
    }
    Ok(None)
}

/// Refuse when a merge (or another multi-step operation) is in progress in the worktree at `path`.
fn refuse_in_progress(repo: &gix::Repository, path: &Path) -> Result<()> {
    use gix::state::InProgress;
    let Some(state) = repo.state() else {
        return Ok(());
    };
    let what = match state {
        InProgress::Merge => "a merge",
        InProgress::CherryPick | InProgress::CherryPickSequence => "a cherry-pick",
        InProgress::Revert | InProgress::RevertSequence => "a revert",
        InProgress::Rebase | InProgress::RebaseInteractive | InProgress::ApplyMailboxRebase => {
            "a rebase"
        }
        InProgress::ApplyMailbox => "git am",
        InProgress::Bisect => "a bisect",
    };
    let detail = if state == InProgress::Merge {
        " (MERGE_HEAD exists)"
    } else {
        ""
    };
    Err(Error::usage(format!(
        "{what} is already in progress in {}{detail}",
        path.display()
    ))
    .with_fix(Fix::FinishOperation {
        operation: state.into(),
    })
    .into())
}
