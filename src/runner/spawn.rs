//! Start one job in its own process group and wait for it, and for its output, though never
//! long for output that outlives it (see `drain`).

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::{PipeWriter, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result};

use super::pool::Agent;
use super::pulse::Pulse;
use super::supervise::request::{Ended, Start};
use super::watchdog::{Idle, Reason};
use super::{drain, pump, stream_pump, Exit, Job, LineSink, Live, Outcome, Runner};
use crate::agent::Format;

/// A started job: run directly, or by the supervisor.
enum Process {
    Direct(Child),
    Supervised(Agent),
}

pub fn run(runner: &Runner, job: &Job, live: &Live, sink: &dyn LineSink) -> Result<Outcome> {
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&job.log)
        .with_context(|| format!("cannot write the log {}", job.log.display()))?;
    if let Some(header) = &job.header {
        writeln!(log, "{header}")
            .with_context(|| format!("cannot write the log {}", job.log.display()))?;
    }
    let (reader, writer) = std::io::pipe().context("creating an output pipe")?;
    // Closed once the child has exited, from when the output is only drained a little longer.
    let (exit_seen, exited) = std::io::pipe().context("creating a pipe")?;
    // Our copies of the pipe's write end are closed once it started, or the pump never sees
    // the end. A supervised job's `exited` is closed by the supervisor's reply.
    let (process, exited) = start(runner, job, writer, exited)?;
    let pgid = match &process {
        Process::Direct(child) => Some(child.id() as i32),
        Process::Supervised(agent) => agent.pid,
    };
    let pulse = std::sync::Arc::new(Pulse::default());
    let idle = Idle {
        limit: job.idle_timeout,
        pulse: pulse.clone(),
    };
    if let Some(pgid) = pgid {
        runner.watchdog.watch(pgid, job.timeout, Some(idle));
    }

    // Once the job has ended, its time limits stop: the output may still be drained a while.
    let finished = std::sync::OnceLock::new();
    let finish = || *finished.get_or_init(|| pgid.and_then(|pgid| runner.watchdog.finish(pgid)));
    let pump = |output: drain::Output<'_>| match job.format {
        Format::Text => pump::pump(output, log, &live.line, &pulse, sink),
        format => stream_pump::pump(output, log, job, format, live, &pulse, sink),
    };
    std::thread::scope(|scope| {
        let (status, reason, log_error) = match exited {
            // Supervised: no thread of its own to read the output. That reading ends with the
            // output, or a drain once the supervisor's reply (the agent ended) closed `exited`.
            None => {
                let output = drain::Output::new(reader, exit_seen).on_exit(|| {
                    finish();
                });
                let log_error = pump(output);
                let status = wait(process);
                (status, finish(), log_error)
            }
            Some(exited) => {
                let output = drain::Output::new(reader, exit_seen);
                let pump = scope.spawn(|| pump(output));
                let status = wait(process);
                let reason = finish();
                drop(exited);
                let log_error = pump
                    .join()
                    .unwrap_or_else(|_| Some("the log writer panicked".into()));
                (status, reason, log_error)
            }
        };
        if let Some(pgid) = pgid {
            runner.watchdog.forget(pgid);
        }
        let status = status.context("waiting for the agent")?;
        let exit = match reason {
            Some(Reason::TimedOut) => Exit::TimedOut,
            Some(Reason::Interrupted) => Exit::Interrupted,
            Some(Reason::Hung) => Exit::Hung,
            Some(Reason::OverBudget) => Exit::OverBudget,
            _ => match status {
                Ended::Code(code) => Exit::Code(code),
                Ended::Signal(signal) => Exit::Signal(signal),
            },
        };
        Ok(Outcome { exit, log_error })
    })
}

fn wait(process: Process) -> std::io::Result<Ended> {
    match process {
        Process::Supervised(agent) => agent.wait(),
        Process::Direct(mut child) => {
            let status = child.wait()?;
            Ok(match (status.code(), status.signal()) {
                (Some(code), _) => Ended::Code(code),
                (None, Some(signal)) => Ended::Signal(signal),
                (None, None) => Ended::Code(-1),
            })
        }
    }
}

/// Start `job` with both output streams into `output`, by the supervisor when there is one,
/// who then closes `exited` when the job ends; else it is handed back, to be closed once the
/// child is waited for.
fn start(
    runner: &Runner,
    job: &Job,
    output: PipeWriter,
    exited: PipeWriter,
) -> Result<(Process, Option<PipeWriter>)> {
    let cannot = || format!("cannot start {}", job.program.display());
    if let Some(pool) = runner.pool().with_context(cannot)? {
        // As a shell would: some CLIs (opencode) work where PWD says, not in their cwd.
        let mut env = vec![(OsString::from("PWD"), job.cwd.clone().into_os_string())];
        env.extend(job.env.iter().map(|(k, v)| (k.into(), v.into())));
        let start = Start {
            id: 0,
            cwd: job.cwd.clone(),
            env,
            writable: job.write_scope.clone(),
            program: job.program.clone(),
            argv: job.argv.iter().map(OsString::from).collect(),
        };
        let agent = pool.run(start, &output, exited).with_context(cannot)?;
        return Ok((Process::Supervised(agent), None));
    }
    let mut command = Command::new(&job.program);
    command
        .arg0(&job.argv[0])
        .args(&job.argv[1..])
        .current_dir(&job.cwd)
        .env("PWD", &job.cwd)
        .envs(job.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(output.try_clone().context("creating an output pipe")?)
        .stderr(output)
        .process_group(0);
    let child = command.spawn().with_context(cannot)?;
    Ok((Process::Direct(child), Some(exited)))
}
