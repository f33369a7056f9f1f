//! Which tasks have finished work to send: the same notion merge uses (committed, not failed,
//! its last contract check not failed unless `no_verify`), plus commits over the task's base.

use anyhow::Result;
use gix::ObjectId;

use crate::error::{Error, Fix};
use crate::gitops::worktree::local_branch_tip;
use crate::inventory::{Inventory, KnownTask};

/// A task whose branch has finished work to send.
#[derive(Debug, Clone)]
pub struct Ready {
    pub task: KnownTask,
    pub tip: ObjectId,
    /// Where its branch started, when the record says.
    pub base: Option<ObjectId>,
}

/// A task left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Skipped {
    /// The task.
    pub task: String,
    /// Why, in a few words ("failed", "no commits", ...).
    pub why: String,
}

/// The named tasks (all of them when `names` is empty) that are ready. A named task that is not
/// ready is refused; in the default selection it is skipped, and none ready is refused.
pub fn finished(
    inventory: &Inventory,
    names: &[String],
    no_verify: bool,
    verb: &str,
) -> Result<(Vec<Ready>, Vec<Skipped>)> {
    let mut ready = Vec::new();
    let mut skipped = Vec::new();
    for task in inventory.select(names)? {
        match check(inventory, &task, no_verify)? {
            Ok((tip, base)) => ready.push(Ready { task, tip, base }),
            Err((why, fix)) if !names.is_empty() => {
                return Err(Error::usage(format!(
                    "task '{}' has nothing to {verb}: {why}",
                    task.name
                ))
                .with_fix(Fix::Text(fix))
                .into())
            }
            Err((why, _)) => skipped.push(Skipped {
                task: task.name,
                why,
            }),
        }
    }
    if ready.is_empty() && names.is_empty() {
        return Err(Error::usage(format!("no finished task to {verb}"))
            .with_fix(Fix::Text(
                "git agents status shows where each task stands; spawn them first".into(),
            ))
            .into());
    }
    Ok((ready, skipped))
}

type Verdict = std::result::Result<(ObjectId, Option<ObjectId>), (String, String)>;

fn check(inventory: &Inventory, task: &KnownTask, no_verify: bool) -> Result<Verdict> {
    let rerun = format!(
        "git agents spawn --rerun {0} (or git agents continue {0} -p ...) until it is done",
        task.name
    );
    let Some(record) = &task.record else {
        let spawn = format!("git agents spawn {}", task.name);
        return Ok(Err(("it never ran".into(), spawn)));
    };
    if record.merged.is_none() && !record.state.is_finished() {
        return Ok(Err((format!("it is {}", record.state.label()), rerun)));
    }
    if record.merged.is_none() && record.state == crate::state::Status::NoChanges {
        return Ok(Err(("its agent changed nothing".into(), rerun)));
    }
    let Some(tip) = local_branch_tip(&inventory.project.repo, &task.branch)? else {
        let why = format!("its branch {} does not exist", task.branch);
        return Ok(Err((why, rerun)));
    };
    let base = record.base.map(|b| b.to_gix());
    if base == Some(tip) {
        return Ok(Err(("its branch has no commits".into(), rerun)));
    }
    if !no_verify && record.verify.as_ref().is_some_and(|v| !v.passed) {
        let why = "its last contract check failed".to_owned();
        let fix = format!(
            "fix it and run git agents verify {}, or pass --no-verify to send it anyway",
            task.name
        );
        return Ok(Err((why, fix)));
    }
    Ok(Ok((tip, base)))
}
