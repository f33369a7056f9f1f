//! Start one job in its own process group and wait for it, and for its output, though never
//! long for output that outlives it (see `drain`).

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use super::pulse::Pulse;
use super::watchdog::{Idle, Reason};
use super::{drain, pump, stream_pump, Exit, Job, LineSink, Live, Outcome, Runner};
use crate::agent::Format;

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
    let mut command = command(runner, job);
    command
        .current_dir(&job.cwd)
        .envs(job.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(writer.try_clone().context("creating an output pipe")?)
        .stderr(writer)
        .process_group(0);
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {}", job.program.display()))?;
    // Our copies of the pipe's write end must close, or the pump never sees the end.
    drop(command);
    let pgid = child.id() as i32;
    let pulse = std::sync::Arc::new(Pulse::default());
    let idle = Idle {
        limit: job.idle_timeout,
        pulse: pulse.clone(),
    };
    runner.watchdog.watch(pgid, job.timeout, Some(idle));

    std::thread::scope(|scope| {
        let output = drain::Output::new(reader, exit_seen);
        let pump = scope.spawn(|| match job.format {
            Format::Text => pump::pump(output, log, &live.line, &pulse, sink),
            format => stream_pump::pump(output, log, job, format, live, &pulse, sink),
        });
        let status = child.wait();
        let reason = runner.watchdog.finish(pgid);
        drop(exited);
        let log_error = pump
            .join()
            .unwrap_or_else(|_| Some("the log writer panicked".into()));
        runner.watchdog.forget(pgid);
        let status = status.context("waiting for the agent")?;
        let exit = match reason {
            Some(Reason::TimedOut) => Exit::TimedOut,
            Some(Reason::Interrupted) => Exit::Interrupted,
            Some(Reason::Hung) => Exit::Hung,
            Some(Reason::OverBudget) => Exit::OverBudget,
            _ => match (status.code(), status.signal()) {
                (Some(code), _) => Exit::Code(code),
                (None, Some(signal)) => Exit::Signal(signal),
                (None, None) => Exit::Code(-1),
            },
        };
        Ok(Outcome { exit, log_error })
    })
}

fn command(runner: &Runner, job: &Job) -> Command {
    match &runner.supervisor {
        Some(supervisor) => {
            let mut command = Command::new(supervisor);
            command
                .arg(super::supervise::SUBCOMMAND)
                .arg(std::process::id().to_string())
                .arg(runner.watchdog.grace().as_millis().to_string());
            for path in job.write_scope.iter().flatten() {
                command.arg("--write").arg(path);
            }
            command.arg("--").arg(&job.program).args(&job.argv);
            command
        }
        None => {
            let mut command = Command::new(&job.program);
            command.arg0(&job.argv[0]).args(&job.argv[1..]);
            command
        }
    }
}
