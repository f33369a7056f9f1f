//! The agent of a resolution: which command (spawn's rules: a flag beats the task's front matter,
//! which beats git config, which beats the default; commands from committed task files need
//! trust), the prompt, and the run itself, confined to the resolve worktree like a spawn's.

use std::path::{Path, PathBuf};

use anyhow::Result;
use gix::bstr::ByteSlice;

use super::prepare::Prepared;
use super::Resolving;
use crate::agent::failure::{self, Ending};
use crate::agent::{Template, Values};
use crate::config::{Origin, Program, Resolver};
use crate::merge::plan::Conflicted;
use crate::repo::Project;
use crate::runner::{Exit, Job, LineSink, Live};
use crate::tasks::Task;
use crate::trust;

struct NoLines;
impl LineSink for NoLines {}

/// The agent that resolves `task`'s conflicts, trust checked.
pub(super) fn agent_for(cx: &Resolving<'_>, task: Option<&Task>) -> Result<Program> {
    program(cx.project, task, cx.trust)
}

/// The agent command for `task` (or a branch of no task), refused when it comes from a
/// committed task file that is not trusted.
pub(super) fn program(project: &Project, task: Option<&Task>, trusted: bool) -> Result<Program> {
    let resolver = Resolver::new(&project.settings, &project.root);
    let Some(task) = task else {
        return match &project.settings.command {
            Some(command) => Ok(Program {
                path: command.value.resolve(&project.root)?,
                template: command.clone(),
            }),
            None => resolver.preset(&project.settings.agent.value),
        };
    };
    let program = resolver.agent(task)?;
    let from_file =
        program.template.origin == Origin::FrontMatter && program.template.value.source == "custom";
    if from_file && trust::committed(project, task)? {
        let command = trust::command(task, trust::Use::Agent, &program.template.value);
        trust::require(project, &[command], trusted)?;
    }
    Ok(program)
}

/// The check the resolution must pass: the task's (front matter `verify`, else `agents.verify`),
/// refused like the agent when it is an untrusted command of a committed task file.
pub(super) fn check_for(
    project: &Project,
    task: Option<&Task>,
    trusted: bool,
) -> Result<Option<Program>> {
    let Some(task) = task else {
        return match &project.settings.verify {
            Some(template) => Ok(Some(Program {
                path: template.value.resolve(&project.root)?,
                template: template.clone(),
            })),
            None => Ok(None),
        };
    };
    let check = Resolver::new(&project.settings, &project.root).verify(task)?;
    if let Some(check) = check
        .as_ref()
        .filter(|c| c.template.origin == Origin::FrontMatter)
    {
        if trust::committed(project, task)? {
            let command = trust::command(task, trust::Use::Verify, &check.template.value);
            trust::require(project, &[command], trusted)?;
        }
    }
    Ok(check)
}

/// What the agent is asked: the conflicted paths, both sides and their tasks, and what not to do.
pub(super) fn prompt(cx: &Resolving<'_>, conflict: &Conflicted<'_>, paths: &[String]) -> String {
    let target = &cx.selection.target.name;
    let task_file = |name: &str| {
        cx.tasks
            .iter()
            .find(|t| t.name == name)
            .map(|t| format!("task {name} ({})", t.file.display()))
            .unwrap_or_else(|| format!("task {name}"))
    };
    let ours: Vec<String> = conflict
        .earlier
        .iter()
        .filter(|step| step.kind.moves())
        .filter(|step| {
            paths
                .iter()
                .any(|p| crate::gitops::checkout::related(&step.touched, p.as_bytes().as_bstr()))
        })
        .map(|step| {
            let task = cx
                .selection
                .branches
                .iter()
                .find(|b| b.branch == step.branch)
                .and_then(|b| b.task.clone());
            match task {
                Some(name) => format!("{} from branch {}", task_file(&name), step.branch),
                None => format!("branch {}", step.branch),
            }
        })
        .collect();
    let ours = match ours.is_empty() {
        true => format!("what {target} already had"),
        false => ours.join(" and "),
    };
    let theirs = match conflict.task {
        Some(name) => task_file(name),
        None => format!("branch {}", conflict.branch),
    };
    let quoted: Vec<String> = paths.iter().map(|p| format!("`{p}`")).collect();
    format!(
        "git merge {branch} into {target} stopped with conflicts in this worktree; the merge is \
         in progress (MERGE_HEAD is set). HEAD (\"ours\", {target}) holds {ours}; {branch} \
         (\"theirs\") holds the work of {theirs}. Read the task files to learn what each side \
         meant.\n\nResolve the conflicts in: {files}\n\nEdit each of these files so that it \
         keeps what both sides meant and no conflict marker (<<<<<<<, =======, >>>>>>>) is \
         left. Do not commit, and do not run git merge --continue or --abort: git-agents checks \
         the files, runs the task's check and commits the merge.\n",
        branch = conflict.branch,
        files = quoted.join(", "),
    )
}

/// Run the agent in the resolve worktree: `Ok(Err(why))` when it failed, an error when the run
/// was interrupted (the worktree stays, the target has not moved).
pub(super) fn agent(
    cx: &Resolving<'_>,
    conflict: &Conflicted<'_>,
    task: Option<&Task>,
    agent: &Program,
    prepared: &Prepared,
    log: &Path,
) -> Result<Result<(), String>> {
    let paths: Vec<String> = prepared.paths.iter().map(|p| p.to_string()).collect();
    let prompt = prompt(cx, conflict, &paths);
    let workspace = prepared.path.to_string_lossy().into_owned();
    let name = conflict.task.unwrap_or(conflict.branch);
    let task_file = task.map(|t| t.file.to_string_lossy().into_owned());
    let write_scope = write_scope(cx, &agent.template.value, &prepared.path, name);
    let argv = agent
        .template
        .value
        .for_run(write_scope.is_some(), &prompt)
        .render(&Values {
            prompt: &prompt,
            task: name,
            task_file: task_file.as_deref().unwrap_or(""),
            workspace: &workspace,
            branch: conflict.branch,
            port: "",
        });
    let tmp = write_scope
        .is_some()
        .then(|| crate::sandbox::private_tmp(&cx.project.common_dir, &crate::tasks::slug(name)));
    let env = environment(conflict, name, task_file, &workspace, tmp.as_deref())?;
    let run = Run {
        argv,
        env,
        write_scope,
    };
    let job = job(cx, conflict, task, agent, prepared, log, run)?;
    let live = Live::default();
    let outcome = cx.runner.run(&job, &live, &NoLines);
    if let Some(tmp) = tmp {
        crate::sandbox::tidy_private_tmp(&[tmp]);
    }
    let outcome = outcome?;
    let telemetry = std::mem::take(&mut *live.telemetry.lock().unwrap());
    let ending = match outcome.exit {
        Exit::Interrupted => {
            return Err(crate::merge::apply::interrupted(&cx.selection.target.name))
        }
        Exit::Code(code) => Ending::Code(code),
        Exit::Signal(_) => Ending::Signal,
        Exit::TimedOut => Ending::TimedOut,
        Exit::Hung => Ending::Hung,
        Exit::OverBudget => Ending::OverBudget,
        Exit::OutOfMemory => Ending::OutOfMemory,
    };
    let tail = crate::verify::log_tail(log, 40);
    let now = crate::state::now() as i64;
    Ok(match failure::classify(ending, &telemetry, &tail, now) {
        None if outcome.exit.success() => Ok(()),
        None => Err(format!("the agent ended with {:?}", outcome.exit)),
        Some(failure) => {
            let said = failure
                .message
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            Err(format!("the agent failed ({}){said}", failure.kind.label()))
        }
    })
}

/// git-agents' variables for the agent, and its private TMPDIR when confined.
fn environment(
    conflict: &Conflicted<'_>,
    name: &str,
    task_file: Option<String>,
    workspace: &str,
    tmp: Option<&Path>,
) -> Result<Vec<(String, String)>> {
    let mut env = crate::agent::variables(
        name,
        &task_file.unwrap_or_default(),
        workspace,
        conflict.branch,
        &conflict.ours.to_string(),
    );
    if let Some(tmp) = tmp {
        std::fs::create_dir_all(tmp)?;
        env.push(("TMPDIR".into(), tmp.to_string_lossy().into_owned()));
    }
    Ok(env)
}

/// What the agent runs as: its words, environment and write scope.
struct Run {
    argv: Vec<String>,
    env: Vec<(String, String)>,
    write_scope: Option<Vec<PathBuf>>,
}

/// The job that runs the agent: its log starts with a header naming the merge.
fn job(
    cx: &Resolving<'_>,
    conflict: &Conflicted<'_>,
    task: Option<&Task>,
    agent: &Program,
    prepared: &Prepared,
    log: &Path,
    run: Run,
) -> Result<Job> {
    let settings = &cx.project.settings;
    let Run {
        argv,
        env,
        write_scope,
    } = run;
    let timeout = match task {
        Some(task) => Resolver::new(settings, &cx.project.root).timeout(task)?,
        None => settings.timeout.clone(),
    };
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let command = shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_default();
    Ok(Job {
        header: Some(format!(
            "==> git-agents: resolve {} into {} · {}: {command}",
            conflict.branch,
            cx.selection.target.name,
            humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        )),
        argv,
        program: agent.path.clone(),
        cwd: prepared.path.clone(),
        env,
        log: log.to_owned(),
        timeout: timeout.value.duration(),
        write_scope,
        format: agent.template.value.format,
        // The stream as it came, beside the readable log, as a spawn keeps it.
        raw_log: (agent.template.value.format != crate::agent::Format::Text)
            .then(|| log.with_extension("raw.jsonl")),
        idle_timeout: settings.idle_timeout.value.duration(),
        budget_usd: settings.budget.as_ref().map(|b| b.value),
    })
}

/// Where a confined agent may write, as in a spawn's worktree mode: its worktree and admin dir,
/// the object store, its private TMPDIR, the agents' own dirs and `agents.allowWrite`; `None`
/// when confinement is off or cannot be had.
fn write_scope(
    cx: &Resolving<'_>,
    template: &Template,
    worktree: &Path,
    name: &str,
) -> Option<Vec<PathBuf>> {
    let project = cx.project;
    if !project.settings.landlock.value || !cx.runner.supervised() {
        return None;
    }
    crate::sandbox::probe().ok()?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if let (Some(home), Some(preset)) = (&home, template.preset_info()) {
        for dir in preset.home_dirs {
            let _ = std::fs::create_dir_all(home.join(dir));
        }
    }
    let mut writable = vec![worktree.to_owned()];
    writable.extend(crate::sandbox::shared_places(
        home.as_deref(),
        &project.root,
        &project.settings.allow_write,
        &project.common_dir,
    ));
    writable.push(crate::sandbox::private_tmp(
        &project.common_dir,
        &crate::tasks::slug(name),
    ));
    writable.push(crate::sandbox::admin_dir(worktree)?);
    Some(writable)
}
