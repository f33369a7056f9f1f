//! The job script: generated data, never user text. Its first line makes git-agents' own
//! binary its interpreter (`#!/path/git-agents-supervise __slurm-job`), comment lines say
//! what it is, and the rest is one JSON line that the binary reads: no shell ever reads it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::runner::{Exit, Job};

/// The hidden subcommand a job script runs.
pub const SUBCOMMAND: &str = "__slurm-job";

/// Everything the job needs to run the attempt as the local backend would.
#[derive(Debug, Serialize, Deserialize)]
pub struct Spec {
    /// The attempt, as the local backend would run it.
    pub job: Job,
    /// Between SIGTERM and SIGKILL for the agent's process group.
    pub grace_ms: u64,
    /// Where the job writes its [`Result`](JobResult).
    pub result: PathBuf,
}

impl Spec {
    pub fn of(job: &Job, grace: Duration, result: PathBuf) -> Spec {
        Spec {
            job: job.clone(),
            grace_ms: grace.as_millis().min(u128::from(u64::MAX)) as u64,
            result,
        }
    }
}

/// How the agent ended, as the job saw it; written by the job, read by git-agents.
#[derive(Debug, Serialize, Deserialize)]
pub struct JobResult {
    /// `code N`, `signal N`, `timed-out`, `hung`, `over-budget` or `interrupted`.
    pub exit: String,
    pub log_error: Option<String>,
    pub telemetry: crate::agent::telemetry::Telemetry,
}

pub fn exit_word(exit: Exit) -> String {
    match exit {
        Exit::Code(code) => format!("code {code}"),
        Exit::Signal(signal) => format!("signal {signal}"),
        Exit::TimedOut => "timed-out".into(),
        Exit::Hung => "hung".into(),
        Exit::OverBudget => "over-budget".into(),
        Exit::Interrupted => "interrupted".into(),
        Exit::OutOfMemory => "out-of-memory".into(),
    }
}

pub fn parse_exit(word: &str) -> Option<Exit> {
    Some(match word.split_once(' ') {
        Some(("code", n)) => Exit::Code(n.parse().ok()?),
        Some(("signal", n)) => Exit::Signal(n.parse().ok()?),
        _ => match word {
            "timed-out" => Exit::TimedOut,
            "hung" => Exit::Hung,
            "over-budget" => Exit::OverBudget,
            "interrupted" => Exit::Interrupted,
            "out-of-memory" => Exit::OutOfMemory,
            _ => return None,
        },
    })
}

/// `#!INTERPRETER __slurm-job`; a path the kernel would cut short is refused.
pub fn interpreter_line(interpreter: &Path) -> Result<String> {
    let interpreter = interpreter.to_string_lossy();
    if interpreter.chars().any(char::is_whitespace) || interpreter.len() > 200 {
        bail!("the path of git-agents ({interpreter}) cannot start a job script: it holds a space or is longer than 200 bytes; install git-agents at a shorter path without spaces");
    }
    Ok(format!("#!{interpreter} {SUBCOMMAND}"))
}

/// The script's text: the interpreter line, what it is, then the spec.
pub fn text(interpreter: &Path, task: &str, spec: &Spec) -> Result<String> {
    let task = crate::text::one_line(task);
    Ok(format!(
        "{}\n# git-agents job of task {task}: read by git-agents, never by a shell\n{}\n",
        interpreter_line(interpreter)?,
        serde_json::to_string(spec)?
    ))
}

/// The spec of the script at `path`: its first line that is no comment.
pub fn read(path: &Path) -> Result<Spec> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let body = text
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .context("the job script holds no job")?;
    serde_json::from_str(body).context("the job script's job does not parse")
}
