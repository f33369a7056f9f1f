//! How a task whose agent failed is recorded: its state, exit code and one-line message.

use super::attempts::Ran;
use super::plan::TaskPlan;
use crate::agent::failure::FailureKind;
use crate::runner::Exit;
use crate::state::Status;

/// The state, exit code and message of `task` after `ran`, an attempt that did not succeed.
pub(super) fn ending(task: &TaskPlan, ran: Ran) -> (Status, Option<i32>, Option<String>) {
    let note = ran
        .log_error
        .map(|e| format!(" (writing the log failed: {e})"))
        .unwrap_or_default();
    let kind = ran.failure.as_ref().map(|f| f.kind);
    let said = ran
        .failure
        .as_ref()
        .and_then(|f| f.message.clone())
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    match ran.exit {
        Exit::Interrupted => {
            let message = (!note.is_empty()).then_some(note.clone());
            (Status::Interrupted, None, message)
        }
        Exit::TimedOut => {
            let limit = task.timeout.map_or("its job's time limit".into(), |t| {
                humantime::format_duration(t).to_string()
            });
            let message = format!("no exit within {limit}{note}");
            (Status::TimedOut, None, Some(message))
        }
        Exit::Hung => {
            let limit = task
                .idle_timeout
                .map(|t| humantime::format_duration(t).to_string())
                .unwrap_or_default();
            let message = format!("hung: no output for {limit}{note}");
            (Status::Failed, None, Some(message))
        }
        Exit::OverBudget => {
            let budget = task.budget_usd.unwrap_or(0.0);
            let message = format!("over budget: passed ${budget:.2}{said}{note}");
            (Status::OverBudget, None, Some(message))
        }
        Exit::OutOfMemory => (Status::Failed, None, Some(format!("oom{said}{note}"))),
        Exit::Code(code) => {
            let label = match kind {
                Some(FailureKind::Exit) | None => format!("exit {code}"),
                Some(kind) if code == 0 => kind.label().to_owned(),
                Some(kind) => format!("{} (exit {code})", kind.label()),
            };
            (
                Status::Failed,
                Some(code),
                Some(format!("{label}{said}{note}")),
            )
        }
        Exit::Signal(signal) => {
            let name = nix::sys::signal::Signal::try_from(signal)
                .map(|s| s.as_str())
                .unwrap_or("a signal");
            let message = format!("killed by {name}{said}{note}");
            (Status::Failed, ran.exit.code(), Some(message))
        }
    }
}
