//! `merge --resolve`: a branch that conflicts is handed to an agent instead of stopping the merge.
//!
//! For each conflict the objects the sequence made so far are stored, `prepare` makes the
//! resolve worktree `<workspace-root>/<target>-resolve-<task>` with the merge in progress as
//! `git merge` leaves it, `run` runs the agent there (spawn's command, trust rules,
//! confinement and time limits) with a prompt naming the conflicted paths and the tasks of both
//! sides, then checks that no conflict marker is left and that the task's check passes, and
//! `finish` makes the merge commit (git's message, both parents) and removes the worktree. The
//! target does not move here: the merge lands the whole sequence at the end, as it does without
//! `--resolve`. A failed resolution stops the sequence there and keeps the worktree.

mod finish;
mod prepare;
mod run;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use anyhow::Result;
use gix::ObjectId;
use serde::Serialize;

use super::plan::{Conflicted, Plan, StepKind};
use super::select::Selection;
use crate::progress::{Event, Reporter};
use crate::repo::Project;
use crate::runner::Runner;
use crate::tasks::Task;

/// How a resolution went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ResolveState {
    /// The agent resolved the conflicts; the merge commit is the branch's `commit`.
    Resolved,
    /// The resolution was refused (see `error`); its worktree is kept, the merge in progress.
    Failed,
    /// A dry run: the agent would be run in `worktree`.
    WouldResolve,
}

/// A conflict handed to an agent, in the report.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ResolveReport {
    pub state: ResolveState,
    /// The resolve worktree: removed once its resolution landed in the target; kept, the merge
    /// committed there, when it did not (`--atomic`), for the next merge to take.
    pub worktree: PathBuf,
    /// Whether the resolve worktree is still there.
    pub kept: bool,
    /// The agent's command, as it was (or would be) run.
    pub agent: String,
    /// The agent's log.
    pub log: PathBuf,
    /// Whether the task's check passed; `None` when it has none (or it did not run).
    pub verify: Option<bool>,
    /// Why the resolution was refused.
    pub error: Option<String>,
}

/// What `--resolve` runs its agents with.
#[derive(Clone, Copy)]
pub struct Agents<'a> {
    /// Runs them (confined, supervised, ended when it is interrupted).
    pub runner: &'a Runner,
    /// Told when each resolution starts and how it ended.
    pub reporter: &'a dyn Reporter,
}

/// Everything a resolution needs besides the conflict.
pub(crate) struct Resolving<'a> {
    pub project: &'a Project,
    pub runner: &'a Runner,
    pub reporter: &'a dyn Reporter,
    pub selection: &'a Selection,
    /// The sequence's repository, holding its new objects in memory.
    pub mem: &'a gix::Repository,
    pub tasks: Vec<Task>,
    pub trust: bool,
    pub no_ff: bool,
    /// What each resolution did, by step.
    pub reports: BTreeMap<usize, ResolveReport>,
}

impl<'a> Resolving<'a> {
    pub fn new(
        project: &'a Project,
        agents: Agents<'a>,
        selection: &'a Selection,
        mem: &'a gix::Repository,
        trust: bool,
        no_ff: bool,
    ) -> Result<Self> {
        let (tasks, _) = crate::tasks::discover(&project.root, project.tasks_dir())?;
        Ok(Resolving {
            project,
            runner: agents.runner,
            reporter: agents.reporter,
            selection,
            mem,
            tasks,
            trust,
            no_ff,
            reports: BTreeMap::new(),
        })
    }

    /// Resolve `conflict`: its merge commit, or `None` when the resolution was refused (the
    /// report says why).
    pub fn resolve(&mut self, conflict: &Conflicted<'_>) -> Result<Option<ObjectId>> {
        let task = self.task(conflict.task);
        let agent = run::agent_for(self, task.as_ref())?;
        let check = run::check_for(self.project, task.as_ref(), self.trust)?;
        self.store_objects(conflict.ours)?;
        let target = self.selection.target.name.as_str();
        let path = self.worktree_path(conflict);
        let prepared = prepare::prepare(self.project, &path, conflict, target, self.no_ff)?;
        let mut report = ResolveReport {
            state: ResolveState::Failed,
            worktree: path.clone(),
            agent: agent.template.value.command_line(),
            log: self.log_path(conflict),
            kept: true,
            verify: None,
            error: None,
        };
        self.note(match prepared.found {
            prepare::Found::Committed => format!(
                "{}: taking the merge committed in {}",
                conflict.branch,
                path.display()
            ),
            _ => format!(
                "{}: resolving the conflicts in {} with {} in {}",
                conflict.branch,
                names(&prepared.paths),
                report.agent,
                path.display()
            ),
        });
        let ran = match prepared.found {
            prepare::Found::Committed => Ok(()),
            prepare::Found::Fresh | prepare::Found::InProgress => run::agent(
                self,
                conflict,
                task.as_ref(),
                &agent,
                &prepared,
                &report.log,
            )?,
        };
        let resolved = match ran {
            Ok(()) => finish::checked(self, conflict, check, &prepared, &mut report)?,
            Err(why) => Err(why),
        };
        let commit = match resolved {
            Ok(commit) => {
                report.state = ResolveState::Resolved;
                self.note(format!("{}: resolved", conflict.branch));
                Some(commit)
            }
            Err(why) => {
                self.note(format!("{}: not resolved: {why}", conflict.branch));
                report.error = Some(why);
                None
            }
        };
        self.reports.insert(conflict.index, report);
        Ok(commit)
    }

    fn note(&self, message: String) {
        self.reporter.event(&Event::Note { message });
    }

    fn task(&self, name: Option<&str>) -> Option<Task> {
        let name = name?;
        self.tasks.iter().find(|t| t.name == name).cloned()
    }

    /// `<workspace-root>/<target>-resolve-<task or branch>`, slashes made dashes.
    fn worktree_path(&self, conflict: &Conflicted<'_>) -> PathBuf {
        worktree_path(self.project, &self.selection.target.name, conflict)
    }

    fn log_path(&self, conflict: &Conflicted<'_>) -> PathBuf {
        let name = place_name(&self.selection.target.name, conflict);
        self.project.log_dir().join(format!("{name}.log"))
    }

    /// Write the objects the sequence made so far that `tip` needs, so that a worktree can stand
    /// on it and an agent's git see it.
    fn store_objects(&self, tip: ObjectId) -> Result<()> {
        let mut copy = self.mem.clone();
        let Some(memory) = copy.objects.take_object_memory() else {
            return Ok(());
        };
        let known: HashSet<ObjectId> = std::iter::once(self.selection.target.tip)
            .chain(self.selection.branches.iter().map(|b| b.tip))
            .collect();
        super::objects::persist(&self.project.repo, &memory, tip, &known)?;
        Ok(())
    }
}

fn names(paths: &[gix::bstr::BString]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    names.join(", ")
}

fn place_name(target: &str, conflict: &Conflicted<'_>) -> String {
    let side = conflict.task.unwrap_or(conflict.branch);
    let name = format!("{target}-resolve-{side}");
    name.replace(['/', '\\'], "-")
}

fn worktree_path(project: &Project, target: &str, conflict: &Conflicted<'_>) -> PathBuf {
    project.workspace_root().join(place_name(target, conflict))
}

/// Remove the worktrees of the resolutions that landed (the steps before `end`).
pub(crate) fn remove_landed(
    project: &Project,
    reports: &mut BTreeMap<usize, ResolveReport>,
    end: usize,
) -> Result<()> {
    for (_, report) in reports.range_mut(..end) {
        if report.state == ResolveState::Resolved && report.kept {
            finish::remove(project, &report.worktree)?;
            report.kept = false;
        }
    }
    Ok(())
}

/// For a dry run: what `--resolve` would do with each conflict of `plan`, refusing as the merge
/// would (an agent that cannot be found, commands not trusted).
pub(crate) fn forecast(
    project: &Project,
    selection: &Selection,
    plan: &Plan,
    trust: bool,
) -> Result<BTreeMap<usize, ResolveReport>> {
    let (tasks, _) = crate::tasks::discover(&project.root, project.tasks_dir())?;
    let mut reports = BTreeMap::new();
    for (index, (step, candidate)) in plan.steps.iter().zip(&selection.branches).enumerate() {
        let StepKind::Conflict(paths) = &step.kind else {
            continue;
        };
        let task = candidate
            .task
            .as_ref()
            .and_then(|name| tasks.iter().find(|t| &t.name == name));
        let agent = run::program(project, task, trust)?;
        run::check_for(project, task, trust)?;
        let conflict = Conflicted {
            index,
            branch: &candidate.branch,
            task: candidate.task.as_deref(),
            ours: selection.target.tip,
            theirs: candidate.tip,
            paths,
            message: "",
            earlier: &plan.steps[..index],
        };
        let name = place_name(&selection.target.name, &conflict);
        reports.insert(
            index,
            ResolveReport {
                state: ResolveState::WouldResolve,
                worktree: worktree_path(project, &selection.target.name, &conflict),
                agent: agent.template.value.command_line(),
                log: project.log_dir().join(format!("{name}.log")),
                kept: false,
                verify: None,
                error: None,
            },
        );
    }
    Ok(reports)
}
