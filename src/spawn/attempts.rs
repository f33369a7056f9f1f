//! Run a task's agent, with retries and backoff, until it succeeds, fails for good or is stopped.

use std::time::{Duration, Instant};

use anyhow::Result;

use super::execute::Context;
use super::plan::TaskPlan;
use crate::agent::failure::{self, Ending, Failure, FailureKind};
use crate::agent::telemetry::Telemetry;
use crate::agent::{Format, Values};
use crate::progress::{Event, Reporter};
use crate::runner::{Exit, Job, LineSink, Live};
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

/// How the last attempt ended, whether writing its log failed, and why it failed.
pub struct Ran {
    pub exit: Exit,
    pub log_error: Option<String>,
    pub failure: Option<Failure>,
    /// The conversation to continue, when the agent reported one.
    pub session: Option<String>,
}

impl Ran {
    /// The agent did what it was asked (exit 0 and no error result).
    pub fn succeeded(&self) -> bool {
        self.exit.success() && self.failure.is_none()
    }
}

/// A rate-limited attempt is run again after the limit resets, without spending one of the
/// task's retries, at most this many times.
const RATE_LIMIT_WAITS: u32 = 5;

/// One pass of the agent over its task: the first, or a fix after a failed check.
pub struct Turn<'a> {
    pub prompt: &'a str,
    /// The conversation to pick up, when the preset can continue one.
    pub session: Option<String>,
    /// A fix attempt: which one, of how many.
    pub fix: Option<(u32, u32)>,
}

/// Run the agent for `turn`; retry failures up to the task's retries.
pub fn run_agent(
    cx: &Context<'_>,
    task: &TaskPlan,
    base: gix::ObjectId,
    turn: Turn<'_>,
    live: &Live,
    port: Option<u16>,
) -> Result<Ran> {
    let Turn {
        prompt,
        mut session,
        fix,
    } = turn;
    let sink = Sink {
        reporter: cx.reporter,
        task: &task.task.name,
    };
    let port = port.map(|p| p.to_string()).unwrap_or_default();
    let (env, write_scope) = surroundings(task, base, &port)?;
    let max_attempts = task.retries + 1;
    let mut attempt = 1;
    let mut rate_waits = 0;
    loop {
        if !cx.pause.wait(cx, task) {
            return Ok(interrupted());
        }
        let argv = render(task, prompt, session.as_deref(), &port);
        super::execute::set_state(cx, task, Status::Running, |r| {
            r.attempts += 1;
            r.waiting_until = None;
        })?;
        cx.reporter.event(&Event::Started {
            task: task.task.name.clone(),
            attempt,
            attempts: max_attempts,
            argv: argv.clone(),
        });
        let header = header(task.run, fix, (attempt, max_attempts), &argv);
        let job = job(task, header, argv, &env, write_scope.clone());
        *live.telemetry.lock().unwrap() = Telemetry::default();
        let started = Instant::now();
        let place = backend_attempt(cx, task, attempt)?;
        let outcome = crate::backend::run(cx.place, cx.runner, &job, live, &sink, &place)?;
        let telemetry = std::mem::take(&mut *live.telemetry.lock().unwrap());
        let failure = ending(outcome.exit).and_then(|ending| {
            let tail = crate::verify::log_tail(&task.log, 40);
            failure::classify(ending, &telemetry, &tail, now_secs())
        });
        record_telemetry(cx, task, &telemetry, started.elapsed(), failure.as_ref())?;
        if telemetry.session.is_some() {
            session = telemetry.session.clone();
        }
        let ran = Ran {
            exit: outcome.exit,
            log_error: outcome.log_error,
            failure,
            session: session.clone(),
        };
        if ran.succeeded() || ran.exit == Exit::Interrupted {
            return Ok(ran);
        }
        let kind = ran.failure.as_ref().map(|f| f.kind);
        if kind == Some(FailureKind::RateLimit) && rate_waits < RATE_LIMIT_WAITS {
            rate_waits += 1;
            let resets_at = ran.failure.as_ref().and_then(|f| f.resets_at);
            cx.pause.until(resets_at, cx.retry_delay, rate_waits);
            continue;
        }
        if attempt >= max_attempts || kind == Some(FailureKind::OverBudget) {
            return Ok(ran);
        }
        if !backoff(cx, attempt) {
            return Ok(interrupted());
        }
        attempt += 1;
        // A retry after any other failure starts a fresh conversation.
        session = None;
    }
}

/// Variables added to an agent's environment.
pub(super) type Env = Vec<(String, String)>;

/// The agent's environment (git-agents' variables, its port, a private TMPDIR when confined)
/// and its write scope (with the worktree's admin dir, known only now).
pub(super) fn surroundings(
    task: &TaskPlan,
    base: gix::ObjectId,
    port: &str,
) -> Result<(Env, Option<Vec<std::path::PathBuf>>)> {
    let mut env = environment(task, base);
    if !port.is_empty() {
        env.push(("GIT_AGENTS_PORT".into(), port.to_owned()));
    }
    let mut write_scope = task.write_scope.clone();
    if let (Some(scope), Some(tmp)) = (&mut write_scope, &task.tmp) {
        std::fs::create_dir_all(tmp)?;
        env.push(("TMPDIR".into(), tmp.to_string_lossy().into_owned()));
        scope.extend(crate::sandbox::admin_dir(&task.workspace));
    }
    Ok((env, write_scope))
}

/// The line that starts an attempt in the log: `==> git-agents: run 4 · attempt 2/3 ·
/// 2026-12-01 14:03:11 UTC: COMMAND`; a fix attempt reads `fix 1/2` (and its attempt when
/// the task has retries).
fn header(
    run: u32,
    fix: Option<(u32, u32)>,
    (attempt, max): (u32, u32),
    argv: &[String],
) -> String {
    let pass = match fix {
        None => format!("attempt {attempt}/{max}"),
        Some((n, of)) if max == 1 => format!("fix {n}/{of}"),
        Some((n, of)) => format!("fix {n}/{of} · attempt {attempt}/{max}"),
    };
    log_header(run, &pass, argv)
}

/// `==> git-agents: run 4 · PASS · 2026-12-01 14:03:11 UTC: COMMAND`, the line that starts
/// what a command (an attempt, a setup step) wrote in the log.
pub(super) fn log_header(run: u32, pass: &str, argv: &[String]) -> String {
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    // 2026-12-01T14:03:11Z
    let at = format!("{} UTC", stamp.trim_end_matches('Z').replacen('T', " ", 1));
    let command =
        shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_else(|_| format!("{argv:?}"));
    format!("==> git-agents: run {run} · {pass} · {at}: {command}")
}

/// The job of one attempt, its log starting with `header`.
fn job(
    task: &TaskPlan,
    header: String,
    argv: Vec<String>,
    env: &[(String, String)],
    write_scope: Option<Vec<std::path::PathBuf>>,
) -> Job {
    Job {
        header: Some(header),
        argv,
        program: task.program.clone(),
        cwd: task.workspace.clone(),
        env: env.to_vec(),
        log: task.log.clone(),
        timeout: task.timeout,
        write_scope,
        format: task.template.format,
        raw_log: (task.template.format != Format::Text).then(|| raw_log(&task.log)),
        idle_timeout: task.idle_timeout,
        budget_usd: task.budget_usd,
    }
}

fn interrupted() -> Ran {
    Ran {
        exit: Exit::Interrupted,
        log_error: None,
        failure: None,
        session: None,
    }
}

/// How the runner's exit reads for classifying a failure; `None` for an interrupt.
fn ending(exit: Exit) -> Option<Ending> {
    Some(match exit {
        Exit::Code(code) => Ending::Code(code),
        Exit::Signal(_) => Ending::Signal,
        Exit::TimedOut => Ending::TimedOut,
        Exit::Hung => Ending::Hung,
        Exit::OverBudget => Ending::OverBudget,
        Exit::OutOfMemory => Ending::OutOfMemory,
        Exit::Interrupted => return None,
    })
}

/// The raw lines of a structured stream: beside the readable log.
pub fn raw_log(log: &std::path::Path) -> std::path::PathBuf {
    crate::logs::runs::latest(log, crate::logs::runs::Kind::Raw)
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Add one attempt's telemetry to the task's record.
fn record_telemetry(
    cx: &Context<'_>,
    task: &TaskPlan,
    telemetry: &Telemetry,
    ran_for: Duration,
    failure: Option<&Failure>,
) -> Result<()> {
    cx.store.update(&task.task.name, |old| {
        let mut record = old.unwrap_or_else(|| super::queued_record(task, None));
        let agent = &mut record.agent;
        agent.preset = task.template.preset_info().map(|p| p.name.to_owned());
        agent.tokens = agent.tokens.plus(telemetry.tokens);
        if let Some(cost) = telemetry.cost_usd {
            agent.cost_usd = Some(agent.cost_usd.unwrap_or(0.0) + cost);
        }
        if let Some(session) = &telemetry.session {
            if agent.sessions.last() != Some(session) {
                agent.sessions.push(session.clone());
            }
        }
        if let Some(activity) = telemetry.display() {
            agent.activity = Some(activity.to_owned());
            agent.last_activity_at = Some(crate::state::now());
        }
        agent.turns += telemetry.turns;
        agent.agent_secs += ran_for.as_secs_f64();
        record.failure = failure.map(|f| f.kind);
        record
    })?;
    Ok(())
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

/// The argv for one attempt: under git-agents' own confinement a preset's own sandbox is
/// swapped out (it cannot start inside ours), and a session is continued where the preset can.
fn render(task: &TaskPlan, prompt: &str, session: Option<&str>, port: &str) -> Vec<String> {
    let workspace = task.workspace.to_string_lossy();
    let task_file = task.workspace.join(&task.task.rel_file);
    let mut template = task.template.for_run(task.write_scope.is_some(), prompt);
    if let Some(preset) = template.preset_info() {
        if let (Some(resume), Some(session)) = (preset.resume, session) {
            let words: Vec<String> = resume
                .iter()
                .map(|w| w.replace("{session}", session))
                .collect();
            template = template.with_extra_args(&words);
        }
    }
    template.render(&Values {
        prompt,
        task: &task.task.name,
        task_file: &task_file.to_string_lossy(),
        workspace: &workspace,
        branch: &task.branch,
        port,
    })
}

fn environment(task: &TaskPlan, base: gix::ObjectId) -> Vec<(String, String)> {
    crate::agent::variables(
        &task.task.name,
        &task.workspace.join(&task.task.rel_file).to_string_lossy(),
        &task.workspace.to_string_lossy(),
        &task.branch,
        &base.to_string(),
    )
}

/// The attempt as a backend sees it; a Slurm job waits for its dependencies' jobs of this run.
fn backend_attempt<'a>(
    cx: &Context<'a>,
    task: &'a TaskPlan,
    attempt: u32,
) -> Result<crate::backend::Attempt<'a>> {
    let mut after = Vec::new();
    if cx.place.backend != crate::backend::Backend::Local && !task.task.meta.depends_on.is_empty() {
        let state = cx.store.load()?;
        for dep in &task.task.meta.depends_on {
            let job = state.tasks.get(dep).and_then(|r| r.slurm.as_ref());
            if let Some(job) = job.filter(|j| j.run == task.run) {
                after.push(job.id.clone());
            }
        }
    }
    Ok(crate::backend::Attempt {
        task: &task.task.name,
        slug: &task.task.slug,
        run: task.run,
        attempt,
        after,
        dir: cx.store.dir().join("slurm"),
        store: cx.store,
    })
}
