//! `git agents continue`: the agent to talk to again, and the conversation it picks up.

use anyhow::Result;

use super::{SpawnOptions, Survey, TaskPlan};
use crate::config::Resolver;

/// `git agents continue` talks to the agent the task last ran, unless a flag names another.
pub(super) fn same_agent(
    survey: &Survey,
    resolver: &Resolver<'_>,
    options: &SpawnOptions,
    plan: &mut TaskPlan,
) -> Result<()> {
    let flagged = options.overrides.agent.is_some() || options.overrides.command.is_some();
    let last = survey
        .state
        .tasks
        .get(&plan.task.name)
        .and_then(|r| r.agent.preset.as_deref());
    if let Some(last) = last.filter(|last| !flagged && *last != plan.template.source) {
        let program = resolver.preset(last)?;
        plan.template = program.template.value;
        plan.program = program.path;
    }
    Ok(())
}

/// `git agents continue` needs a conversation to pick up: a session the task's agent reported,
/// and a preset that can continue one.
pub(super) fn can_continue(survey: &Survey, plan: &TaskPlan) -> Result<()> {
    let name = &plan.task.name;
    let session = survey
        .state
        .tasks
        .get(name)
        .and_then(|r| r.agent.last_session());
    let resumable = plan
        .template
        .preset_info()
        .is_some_and(|p| p.resume.is_some());
    if session.is_some() && resumable {
        return Ok(());
    }
    let why = match (session, resumable) {
        (_, false) => format!(
            "task '{name}' runs {}, which git-agents cannot make continue a conversation",
            plan.template.program()
        ),
        _ => {
            format!("task '{name}' has no conversation to continue: its agent reported no session")
        }
    };
    Err(crate::error::Error::usage(why)
        .with_fix(crate::error::Fix::Text(format!(
            "run it again from the start: git agents spawn --rerun {name}"
        )))
        .into())
}
