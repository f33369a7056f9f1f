//! Contract checks after an agent ran: the built-in one (contracts unchanged) and the task's
//! own check command, run in its workspace with its own log.
#![doc(hidden)]

mod batch;

pub use batch::{verify_tasks, Verdict, VerifyOptions};

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::agent::{Template, Values};
use crate::runner::{Exit, Job, LineSink, Runner};
use crate::state;

pub use crate::state::VerifyResult;

/// A check command, resolved before anything runs.
#[derive(Debug, Clone)]
pub struct Command {
    pub template: Template,
    pub program: PathBuf,
}

impl From<crate::config::Program> for Command {
    fn from(program: crate::config::Program) -> Self {
        Command {
            template: program.template.value,
            program: program.path,
        }
    }
}

/// Everything needed to check one task.
pub struct Check<'a> {
    pub task: &'a str,
    pub branch: &'a str,
    pub workspace: &'a Path,
    /// The main worktree, which holds the original contracts.
    pub root: &'a Path,
    /// Repo-relative contracts directory.
    pub contracts_dir: &'a Path,
    /// Files git-agents copied into the workspace.
    pub copied: &'a [String],
    pub base: Option<gix::ObjectId>,
    pub command: Option<&'a Command>,
    pub log: PathBuf,
}

struct NoLines;
impl LineSink for NoLines {}

/// Run the built-in contract check, then the check command if there is one.
pub fn run(runner: &Runner, check: &Check<'_>) -> Result<VerifyResult> {
    let mut problems = contract_changes(check)?;
    if let Some(command) = check.command {
        let workspace = check.workspace.to_string_lossy();
        let argv = command.template.render(&Values {
            prompt: "",
            task: check.task,
            task_file: "",
            workspace: &workspace,
            branch: check.branch,
            port: "",
        });
        let job = Job {
            header: Some(format!(
                "==> git-agents verify: task {} at {}: {}",
                check.task,
                humantime::format_rfc3339_seconds(std::time::SystemTime::now()),
                shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_default()
            )),
            argv,
            program: command.program.clone(),
            cwd: check.workspace.to_owned(),
            env: vec![
                ("GIT_AGENTS_TASK".into(), check.task.to_owned()),
                (
                    "GIT_AGENTS_WORKSPACE".into(),
                    workspace.clone().into_owned(),
                ),
                ("GIT_AGENTS_BRANCH".into(), check.branch.to_owned()),
            ],
            log: check.log.clone(),
            timeout: None,
            write_scope: None,
            format: crate::agent::Format::Text,
            raw_log: None,
            idle_timeout: None,
            budget_usd: None,
        };
        let outcome = runner.run(&job, &crate::runner::Live::default(), &NoLines)?;
        match outcome.exit {
            Exit::Code(0) => {}
            Exit::Code(code) => problems.push(format!("the check exited with {code}")),
            Exit::Signal(signal) => {
                problems.push(format!("the check was killed by signal {signal}"))
            }
            Exit::TimedOut | Exit::Hung | Exit::OverBudget => {
                problems.push("the check timed out".into())
            }
            Exit::Interrupted => problems.push("the check was interrupted".into()),
            Exit::OutOfMemory => problems.push("the check ran out of memory".into()),
        }
    } else if !problems.is_empty() {
        std::fs::write(&check.log, format!("{}\n", problems.join("\n")))?;
    }
    Ok(VerifyResult {
        passed: problems.is_empty(),
        at: state::now(),
        message: (!problems.is_empty()).then(|| problems.join("; ")),
        log: check.log.clone(),
    })
}

/// Contracts must come out of an agent's run exactly as they went in: copied contract files
/// byte-identical to the main worktree's, tracked ones unchanged on the branch.
fn contract_changes(check: &Check<'_>) -> Result<Vec<String>> {
    let prefix = format!(
        "{}/",
        check.contracts_dir.to_string_lossy().trim_end_matches('/')
    );
    let mut changed = Vec::new();
    for rel in check.copied.iter().filter(|p| p.starts_with(&prefix)) {
        let original = std::fs::read(check.root.join(rel)).ok();
        let now = std::fs::read(check.workspace.join(rel)).ok();
        if original != now {
            changed.push(rel.clone());
        }
    }
    let Some(base) = check.base else {
        let mut problems: Vec<String> = changed
            .into_iter()
            .map(|path| format!("contract {path} was changed"))
            .collect();
        problems.push(
            "its base commit is not recorded, so its tracked contracts could not be checked".into(),
        );
        return Ok(problems);
    };
    let repo = crate::gitops::open_worktree(check.workspace)?;
    let head = repo.head_id()?.detach();
    for path in crate::gitops::diff::changed_paths(&repo, base, head)? {
        if path.starts_with(&prefix) && !changed.contains(&path) {
            changed.push(path);
        }
    }
    Ok(changed
        .into_iter()
        .map(|path| format!("contract {path} was changed"))
        .collect())
}

/// The last `lines` lines of a log, for handing a failed check back to the agent.
pub fn log_tail(path: &Path, lines: usize) -> String {
    use std::io::{Read, Seek, SeekFrom};
    const TAIL: u64 = 16 * 1024;
    let mut text = Vec::new();
    if let Ok(mut file) = std::fs::File::open(path) {
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if file.seek(SeekFrom::Start(len.saturating_sub(TAIL))).is_ok() {
            let _ = file.take(TAIL).read_to_end(&mut text);
        }
    }
    let text = String::from_utf8_lossy(&text);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
