//! Asking Slurm about a job (`scontrol show job -o`, no accounting database needed), and
//! cancelling one (`scancel`). Argv only; the programs are found on PATH.

use std::process::{Command, Stdio};

use anyhow::{Context as _, Result};

use crate::runner::Exit;

/// What Slurm says of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `TIMEOUT`, `CANCELLED`, `OUT_OF_MEMORY`...
    pub state: String,
    /// Why it waits or ended (`Resources`, `Dependency`, `NonZeroExitCode`).
    pub reason: String,
    /// `ExitCode=CODE:SIGNAL`.
    pub code: i32,
    pub signal: i32,
}

impl Info {
    /// It will not run any more.
    pub fn ended(&self) -> bool {
        !matches!(
            self.state.as_str(),
            "PENDING"
                | "RUNNING"
                | "CONFIGURING"
                | "COMPLETING"
                | "SUSPENDED"
                | "REQUEUED"
                | "REQUEUE_HOLD"
                | "REQUEUE_FED"
                | "RESIZING"
                | "SIGNALING"
                | "STAGE_OUT"
                | "STOPPED"
                | "PREEMPTED"
        )
    }

    /// How the job's own state reads as an attempt's end, when its result file does not say
    /// better: time limit, cancel and memory are Slurm's to tell, an exit is the agent's.
    pub fn exit(&self) -> Exit {
        match self.state.as_str() {
            "TIMEOUT" | "DEADLINE" => Exit::TimedOut,
            "CANCELLED" => Exit::Interrupted,
            "OUT_OF_MEMORY" => Exit::OutOfMemory,
            "COMPLETED" => Exit::Code(0),
            _ if self.signal != 0 => Exit::Signal(self.signal),
            _ if self.code != 0 => Exit::Code(self.code),
            // NODE_FAIL, BOOT_FAIL and the like, with no code of the agent's own.
            _ => Exit::Code(1),
        }
    }

    /// Slurm decides the attempt's end over what the job wrote.
    pub fn overrides_result(&self) -> bool {
        matches!(
            self.state.as_str(),
            "TIMEOUT" | "DEADLINE" | "OUT_OF_MEMORY" | "NODE_FAIL" | "BOOT_FAIL"
        )
    }
}

/// Parse one line of `scontrol show job -o`.
pub fn parse(line: &str) -> Option<Info> {
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
    };
    let state = field("JobState")?.to_owned();
    let reason = field("Reason").unwrap_or("None").to_owned();
    let (code, signal) = field("ExitCode")
        .and_then(|c| c.split_once(':'))
        .map(|(c, s)| (c.parse().unwrap_or(0), s.parse().unwrap_or(0)))
        .unwrap_or((0, 0));
    Some(Info {
        state,
        reason,
        code,
        signal,
    })
}

/// The job's state; `None` once Slurm has forgotten it (past `MinJobAge`) or never knew it.
pub fn show(id: &str) -> Result<Option<Info>> {
    let out = Command::new("scontrol")
        .args(["show", "job", "-o", id])
        .stdin(Stdio::null())
        .output()
        .context("running scontrol (is Slurm's client installed and on PATH?)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("Invalid job id") {
            return Ok(None);
        }
        anyhow::bail!("scontrol show job {id} failed: {}", err.trim());
    }
    Ok(text.lines().find_map(parse))
}

/// Cancel the job, pending or running: Slurm sends its processes SIGTERM, then SIGKILL.
pub fn cancel(id: &str) -> Result<()> {
    let out = Command::new("scancel")
        .arg(id)
        .stdin(Stdio::null())
        .output()
        .context("running scancel")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        anyhow::bail!("scancel {id} failed: {}", err.trim());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_exit_codes_read_as_attempt_ends() {
        let line = "JobId=7 JobName=git-agents/a JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 RunTime=00:00:01";
        let info = parse(line).unwrap();
        assert_eq!(
            (info.state.as_str(), info.code, info.signal),
            ("FAILED", 3, 0)
        );
        assert!(info.ended());
        assert_eq!(info.exit(), Exit::Code(3));
        let state = |s: &str| parse(&format!("JobState={s} ExitCode=0:15")).unwrap();
        assert_eq!(state("TIMEOUT").exit(), Exit::TimedOut);
        assert_eq!(state("CANCELLED").exit(), Exit::Interrupted);
        assert_eq!(state("OUT_OF_MEMORY").exit(), Exit::OutOfMemory);
        assert_eq!(state("NODE_FAIL").exit(), Exit::Signal(15));
        assert!(!state("PENDING").ended() && !state("RUNNING").ended());
    }
}
