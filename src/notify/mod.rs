//! `agents.notify`: a command run when a task fails and when a run ends, so a long queue can
//! be left alone. It is an argv template (split like `--command`, never run by a shell) with
//! `{task}`, `{state}` and `{summary}` filled in as data; it may take a few seconds at most,
//! and its failure is a warning, never the run's.
#![doc(hidden)]

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::agent::Template;
use crate::config::Settings;
use crate::progress::{finished_text, Event, Reporter};
use crate::state::{Status, TaskState};

/// How long the command may run before it is ended.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);

/// A reporter that passes every event on and runs `agents.notify` for each task that fails.
pub struct Notifier<'a> {
    inner: &'a dyn Reporter,
    template: Option<Template>,
}

impl<'a> Notifier<'a> {
    pub fn new(settings: &Settings, inner: &'a dyn Reporter) -> Notifier<'a> {
        let template = settings.outbound.notify.as_ref().map(|s| s.value.clone());
        Notifier { inner, template }
    }

    /// Run `run` is over with `exit_code`: notify with `{task}` = `run N`, its state and a
    /// count of the tasks' outcomes.
    pub fn run_ended(&self, run: u32, exit_code: i32, tasks: &[TaskState]) {
        let state = match exit_code {
            crate::error::exit::OK => "done",
            crate::error::exit::INTERRUPTED => "interrupted",
            _ => "failed",
        };
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for task in tasks {
            let label = task.state.label();
            match counts.iter_mut().find(|(l, _)| *l == label) {
                Some((_, n)) => *n += 1,
                None => counts.push((label, 1)),
            }
        }
        let summary: Vec<String> = counts.iter().map(|(l, n)| format!("{n} {l}")).collect();
        self.notify(&format!("run {run}"), state, &summary.join(", "));
    }

    fn notify(&self, task: &str, state: &str, summary: &str) {
        let Some(template) = &self.template else {
            return;
        };
        let argv: Vec<String> = template
            .words
            .iter()
            .map(|w| fill(w, task, state, summary))
            .collect();
        if let Err(why) = run(&argv) {
            self.inner.event(&Event::Warning {
                message: format!(
                    "agents.notify ({}): {why}",
                    crate::progress::command_line(&argv)
                ),
            });
        }
    }
}

impl Reporter for Notifier<'_> {
    fn event(&self, event: &Event) {
        self.inner.event(event);
        if let Event::Finished {
            task,
            state,
            exit_code,
            message,
            ..
        } = event
        {
            if matches!(
                state,
                Status::Failed | Status::TimedOut | Status::OverBudget
            ) {
                let summary = finished_text(*state, *exit_code, message.as_deref());
                self.notify(task, state.label(), &summary);
            }
        }
    }
    fn wants_output(&self) -> bool {
        self.inner.wants_output()
    }
    fn attach(&self, task: &str, last_line: Arc<Mutex<String>>) {
        self.inner.attach(task, last_line)
    }
    fn finish(&self) {
        self.inner.finish()
    }
}

/// `word` with every placeholder replaced in one pass: a value holding `{task}` stays as it is.
fn fill(word: &str, task: &str, state: &str, summary: &str) -> String {
    crate::agent::fill_placeholders(
        word,
        &[("{task}", task), ("{state}", state), ("{summary}", summary)],
    )
}

/// Run `argv` with no input or output, in a process group of its own that is killed past
/// [`TIME_LIMIT`].
fn run(argv: &[String]) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|err| format!("could not start: {err}"))?;
    let deadline = Instant::now() + TIME_LIMIT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => match status.code() {
                Some(code) => return Err(format!("failed (exit {code})")),
                None => return Err(format!("failed ({status})")),
            },
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let group = nix::unistd::Pid::from_raw(child.id() as i32);
                let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
                let _ = child.wait();
                return Err(format!(
                    "still running after {}s, ended",
                    TIME_LIMIT.as_secs()
                ));
            }
            Err(err) => return Err(err.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_data() {
        assert_eq!(
            super::fill("{task}:{state} {summary}{", "a{state}", "failed", "x"),
            "a{state}:failed x{"
        );
    }
}
