//! Run a task's agent, with retries and backoff, until it succeeds, fails for good or is stopped.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::execute::Context;
use super::plan::TaskPlan;
use crate::agent::Values;
use crate::progress::{Event, Reporter};
use crate::runner::{Exit, Job, LineSink};
use crate::state::Status;

struct Sink<'a> {
    reporter: &'a dyn Reporter,
    task: &'a str,
}

impl LineSink for Sink<'_> {
    fn wants_lines(&self) -> bool {
        self.reporter.wants_output()
    }
    fn line(&self, line: &str) {
        self.reporter.event(&Event::Output {
            task: self.task.to_owned(),
            line: line.to_owned(),
        });
    }
}

/// How the last attempt ended, and whether writing its log failed.
pub struct Ran {
    pub exit: Exit,
    pub log_error: Option<String>,
}

/// Run the agent with `prompt`; retry failures up to the task's retries.
pub fn run_agent(
    cx: &Context<'_>,
    task: &TaskPlan,
    base: gix::ObjectId,
    prompt: &str,
    last_line: &Arc<Mutex<String>>,
) -> Result<Ran> {
    let sink = Sink {
        reporter: cx.reporter,
        task: &task.task.name,
    };
    let argv = render(task, prompt);
    let mut env = environment(task, base);
    let mut write_scope = task.write_scope.clone();
    if let Some(scope) = &mut write_scope {
        let tmp = crate::sandbox::private_tmp(&task.task.slug);
        std::fs::create_dir_all(&tmp)?;
        env.push(("TMPDIR".into(), tmp.to_string_lossy().into_owned()));
        scope.extend(super::mode::confine::admin_dir(&task.workspace));
    }
    let max_attempts = task.retries + 1;
    let mut ran = Ran {
        exit: Exit::Code(-1),
        log_error: None,
    };
    for attempt in 1..=max_attempts {
        super::execute::set_state(cx, task, Status::Running, |r| r.attempts += 1)?;
        cx.reporter.event(&Event::Started {
            task: task.task.name.clone(),
            attempt,
            argv: argv.clone(),
        });
        let job = Job {
            argv: argv.clone(),
            program: task.program.clone(),
            cwd: task.workspace.clone(),
            env: env.clone(),
            log: task.log.clone(),
            header: Some(format!(
                "==> git-agents: task {} attempt {attempt}/{max_attempts} at {}: {}",
                task.task.name,
                humantime::format_rfc3339_seconds(std::time::SystemTime::now()),
                shlex::try_join(argv.iter().map(String::as_str))
                    .unwrap_or_else(|_| format!("{argv:?}"))
            )),
            timeout: task.timeout,
            write_scope: write_scope.clone(),
        };
        let outcome = cx.runner.run(&job, last_line, &sink)?;
        ran = Ran {
            exit: outcome.exit,
            log_error: outcome.log_error,
        };
        if ran.exit.success() || ran.exit == Exit::Interrupted || attempt == max_attempts {
            break;
        }
        if !backoff(cx, attempt) {
            ran.exit = Exit::Interrupted;
            break;
        }
    }
    Ok(ran)
}

/// Sleep before the next attempt: the delay doubles each time, with ±25% jitter, at most a
/// minute. Returns false when interrupted while waiting.
fn backoff(cx: &Context<'_>, attempt: u32) -> bool {
    let base = cx.retry_delay.as_secs_f64() * 2f64.powi(attempt.saturating_sub(1) as i32);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = 0.75 + 0.5 * f64::from(nanos % 1000) / 1000.0;
    let until = Instant::now() + Duration::from_secs_f64((base * jitter).min(60.0));
    while Instant::now() < until {
        if cx.runner.is_interrupted() {
            return false;
        }
        std::thread::sleep(
            Duration::from_millis(20).min(until.saturating_duration_since(Instant::now())),
        );
    }
    !cx.runner.is_interrupted()
}

fn render(task: &TaskPlan, prompt: &str) -> Vec<String> {
    let workspace = task.workspace.to_string_lossy();
    let task_file = task.workspace.join(&task.task.rel_file);
    task.template.render(&Values {
        prompt,
        task: &task.task.name,
        task_file: &task_file.to_string_lossy(),
        workspace: &workspace,
        branch: &task.branch,
    })
}

fn environment(task: &TaskPlan, base: gix::ObjectId) -> Vec<(String, String)> {
    vec![
        ("GIT_AGENTS_TASK".into(), task.task.name.clone()),
        (
            "GIT_AGENTS_TASK_FILE".into(),
            task.workspace
                .join(&task.task.rel_file)
                .to_string_lossy()
                .into_owned(),
        ),
        (
            "GIT_AGENTS_WORKSPACE".into(),
            task.workspace.to_string_lossy().into_owned(),
        ),
        ("GIT_AGENTS_BRANCH".into(), task.branch.clone()),
        ("GIT_AGENTS_BASE".into(), base.to_string()),
    ]
}
