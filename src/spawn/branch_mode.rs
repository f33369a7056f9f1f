//! Branch per task (the seed's Pattern 2): one task after another in the main worktree, each
//! on its own branch checked out for it, and back to where the user was at the end.

use anyhow::{Context as _, Result};
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};

use super::execute::{self, Context};
use super::plan::{Plan, TaskPlan};
use super::schedule::Finished;
use crate::gitops::{checkout, commit, worktree};
use crate::repo::Project;
use crate::state::TaskState;

/// Where HEAD was before the run.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `refs/heads/main`, or `None` when HEAD was detached.
    pub branch: Option<String>,
    pub commit: gix::ObjectId,
}

/// The main worktree must be clean (task files, contracts and CLAUDE.md aside).
pub fn check_clean(project: &Project) -> Result<Origin> {
    super::dir_mode::ensure_clean(project, "branch mode checks out each task's branch there")?;
    let head = project.repo.head_id().context("reading HEAD")?.detach();
    Ok(Origin {
        branch: project.repo.head_name()?.map(|n| n.to_string()),
        commit: head,
    })
}

/// Run every task in order. Returns the records and, when an agent left changes that could not
/// be committed, why the run stopped there (the tree is left as it is, on that task's branch).
pub fn run(
    cx: &Context<'_>,
    plan: &Plan,
    origin: &Origin,
) -> Result<(Vec<TaskState>, Option<String>)> {
    let project = &plan.project;
    let mut finished = plan.known.clone();
    let mut records = Vec::new();
    let mut stopped: Option<String> = None;
    for task in &plan.tasks {
        if let Some(why) = &stopped {
            records.push(execute::fail(cx, task, format!("not started: {why}")));
            continue;
        }
        let mut heads = Vec::new();
        let mut blocked = None;
        for dep in &task.task.meta.depends_on {
            match finished.get(dep) {
                Some(Finished::Ok(head)) => heads.push((dep.clone(), *head)),
                Some(Finished::Failed(why)) => {
                    blocked = Some(format!("its dependency '{dep}' {why}"))
                }
                None => blocked = Some(format!("its dependency '{dep}' did not run")),
            }
        }
        let record = match blocked {
            Some(why) => execute::fail(cx, task, format!("not started: {why}")),
            None => run_one(cx, project, plan.base, task, &heads)?,
        };
        let outcome = match (&record.head, record.state.is_finished()) {
            (Some(head), true) => Finished::Ok(head.parse().expect("a commit id we wrote")),
            _ => Finished::Failed(record.state.label().to_owned()),
        };
        finished.insert(task.task.name.clone(), outcome);
        let repo = crate::gitops::open_worktree(&project.root)?;
        let left =
            commit::pending_changes(&repo, &|p| super::dir_mode::is_task_material(project, p))?;
        if left.is_empty() {
            switch(&repo, origin.branch.as_deref(), origin.commit)?;
        } else {
            stopped = Some(format!(
                "'{}' left changes that were not committed; they are still in the main worktree, on {}",
                task.task.name, task.branch
            ));
        }
        records.push(record);
    }
    Ok((records, stopped))
}

fn run_one(
    cx: &Context<'_>,
    project: &Project,
    base: gix::ObjectId,
    task: &TaskPlan,
    heads: &[(String, gix::ObjectId)],
) -> Result<TaskState> {
    let repo = crate::gitops::open_worktree(&project.root)?;
    let base = match heads {
        [] => base,
        _ => match super::deps::base_from(&repo, &task.task.name, heads)? {
            Ok(base) => base,
            Err(paths) => {
                return Ok(execute::fail(
                    cx,
                    task,
                    format!(
                        "its dependencies conflict when merged, in: {}",
                        paths.join(", ")
                    ),
                ))
            }
        },
    };
    let full = format!("refs/heads/{}", task.branch);
    worktree::ensure_branch(&repo, &full, base)?;
    let tip = worktree::branch_tip(&repo, &full)?.expect("just ensured");
    switch(&repo, Some(&full), tip)?;
    Ok(execute::run_task(cx, task, base))
}

/// Check out `commit` in the main worktree (which must be clean) and point HEAD at `branch`,
/// or detach it there.
pub fn switch(repo: &gix::Repository, branch: Option<&str>, commit: gix::ObjectId) -> Result<()> {
    let from = repo.head_id()?.detach();
    let from_tree = repo.find_commit(from)?.tree_id()?.detach();
    let to_tree = repo.find_commit(commit)?.tree_id()?.detach();
    if from_tree != to_tree {
        checkout::update_worktree(repo, from_tree, to_tree)
            .with_context(|| format!("checking out {}", branch.unwrap_or("the original commit")))?;
    }
    let from_name = repo
        .head_name()?
        .map(|n| n.shorten().to_string())
        .unwrap_or_else(|| from.to_string());
    let to_name = branch
        .map(|b| b.trim_start_matches("refs/heads/").to_owned())
        .unwrap_or_else(|| commit.to_string());
    let new = match branch {
        Some(branch) => gix::refs::Target::Symbolic(branch.try_into()?),
        None => gix::refs::Target::Object(commit),
    };
    repo.edit_reference(RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: "".into(),
            },
            expected: PreviousValue::Any,
            new,
        },
        name: "HEAD".try_into()?,
        deref: false,
    })
    .context("moving HEAD")?;
    let message = format!("checkout: moving from {from_name} to {to_name}");
    log_head_move(repo, from, commit, &message)
}

/// gix writes no reflog entry when HEAD's symbolic target changes; git does, and `git checkout -`
/// relies on it. Append git's line to `logs/HEAD` when that log exists.
fn log_head_move(
    repo: &gix::Repository,
    from: gix::ObjectId,
    to: gix::ObjectId,
    message: &str,
) -> Result<()> {
    use std::io::Write;
    let path = repo.git_dir().join("logs").join("HEAD");
    let Some(Ok(signature)) = repo.committer() else {
        return Ok(());
    };
    if !path.is_file() {
        return Ok(());
    }
    let mut line = format!("{from} {to} ").into_bytes();
    signature.write_to(&mut line)?;
    line.extend_from_slice(format!("\t{message}\n").as_bytes());
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    log.write_all(&line)
        .with_context(|| format!("writing {}", path.display()))
}
