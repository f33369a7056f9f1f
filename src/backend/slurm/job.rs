//! What runs inside a Slurm job: git-agents' binary, as the job script's interpreter, runs the
//! attempt on the compute node with the local runner (supervisor, confinement, time limits,
//! the log), then writes how it ended beside the job script for git-agents to read.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use super::script::{self, JobResult};
use crate::runner::{Exit, LineSink, Live, Runner};

struct NoLines;
impl LineSink for NoLines {}

/// `__slurm-job SCRIPT`; the exit code is the agent's (128 + signal when killed, 124 when
/// its time limit ended it, 130 when it was cancelled).
pub fn main(args: &[OsString]) -> i32 {
    let Some(path) = args.last() else {
        eprintln!("git-agents {}: internal use only", script::SUBCOMMAND);
        return 2;
    };
    let spec = match script::read(Path::new(path)) {
        Ok(spec) => spec,
        Err(err) => {
            eprintln!("git-agents {}: {err:#}", script::SUBCOMMAND);
            return 2;
        }
    };
    let runner = Runner::new(
        Duration::from_millis(spec.grace_ms),
        Runner::find_supervisor(),
    );
    // scancel and Slurm's time limit send SIGTERM: the agent's group is ended as on Ctrl-C.
    if let Err(err) = runner.interrupt_on_signals() {
        eprintln!("git-agents {}: {err}", script::SUBCOMMAND);
    }
    let live = Live::default();
    let (exit, log_error) = match runner.run(&spec.job, &live, &NoLines) {
        Ok(outcome) => (outcome.exit, outcome.log_error),
        Err(err) => {
            eprintln!("git-agents {}: {err:#}", script::SUBCOMMAND);
            return 125;
        }
    };
    let telemetry = std::mem::take(&mut *live.telemetry.lock().unwrap_or_else(|e| e.into_inner()));
    let result = JobResult {
        exit: script::exit_word(exit),
        log_error,
        telemetry,
    };
    let written = serde_json::to_vec(&result)
        .map_err(anyhow::Error::from)
        .and_then(|bytes| crate::state::write_atomically(&spec.result, &bytes));
    if let Err(err) = written {
        eprintln!("git-agents {}: {err:#}", script::SUBCOMMAND);
        return 125;
    }
    match exit {
        Exit::Code(code) => code,
        Exit::Signal(signal) => 128 + signal,
        Exit::TimedOut | Exit::Hung | Exit::OverBudget => 124,
        Exit::Interrupted => 130,
        Exit::OutOfMemory => 137,
    }
}
