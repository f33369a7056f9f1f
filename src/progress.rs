//! What a run reports while it works: events, and the ways to show them (a live terminal
//! display, plain lines for logs and CI, JSON lines for programs, or a callback).
#![doc(hidden)]

mod terminal;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::state::Status;
use crate::tasks::display_name;

pub use terminal::Terminal;

/// Something that happened to a task.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// The task is part of this run and waits for its turn; sent for every task before any
    /// starts.
    Queued {
        /// The task's name.
        task: String,
    },
    /// The task moved to another state (preparing, running, committing).
    State {
        /// The task's name.
        task: String,
        /// Where it stands now.
        state: Status,
    },
    /// An attempt of the task's agent started.
    Started {
        /// The task's name.
        task: String,
        /// 1 for the first attempt, one more for each retry; back to 1 when a failed check
        /// hands the task back to its agent.
        attempt: u32,
        /// How many attempts the task may have: its retries and one.
        attempts: u32,
        /// The command run, placeholders filled in.
        argv: Vec<String>,
    },
    /// One of the task's setup commands started, in its new workspace, before the agent.
    Setup {
        /// The task's name.
        task: String,
        /// The command run, placeholders filled in.
        argv: Vec<String>,
    },
    /// A line of the agent's output (either stream), sent only when
    /// [`Reporter::wants_output`] says so.
    Output {
        /// The task's name.
        task: String,
        /// The line made safe to show on a terminal: lossy UTF-8, tabs and control characters
        /// replaced, trimmed, at most 1 KiB.
        line: String,
    },
    /// The task's changes were committed on its branch.
    Committed {
        /// The task's name.
        task: String,
        /// The new commit's full id, in hex.
        commit: String,
        /// How many files that commit changed.
        files_changed: u32,
    },
    /// The task ended, one way or another: its last event in the run.
    Finished {
        /// The task's name.
        task: String,
        /// How it ended: done, no changes, failed, timed out or interrupted.
        state: Status,
        /// The agent's exit code (128 + signal when killed); `None` when it timed out or was
        /// interrupted, or the task failed outside its agent (preparing, committing).
        exit_code: Option<i32>,
        /// Why it failed, or what went wrong on the way (a log that could not be written), in
        /// one line; `None` when there is nothing to say.
        message: Option<String>,
        /// The kind of failure, when it failed.
        failure: Option<crate::agent::failure::FailureKind>,
    },
    /// The task waits for a rate limit to reset before its agent starts (again).
    Waiting {
        /// The task's name.
        task: String,
        /// When new starts resume, in seconds since the Unix epoch.
        until: f64,
    },
    /// Something is wrong or worth checking, but the run goes on (a task that changed nothing
    /// or changed files outside its scope, a task skipped, a stale lock taken over).
    Warning {
        /// One line, without a `warning:` prefix.
        message: String,
    },
    /// Something worth knowing that is not a problem (how dir mode holds scopes, say).
    Note {
        /// One line.
        message: String,
    },
}

/// Receives events from a run; must be cheap, it is called from worker threads.
pub trait Reporter: Send + Sync {
    /// Called for each event, on whichever thread it happened; a task's events come in order.
    fn event(&self, event: &Event);
    /// Ask for an `Output` event per line of agent output (off by default: logs can be huge).
    fn wants_output(&self) -> bool {
        false
    }
    /// The live last line of a task's output, for displays that poll it.
    fn attach(&self, _task: &str, _last_line: Arc<Mutex<String>>) {}
    /// The run is over: settle the display.
    fn finish(&self) {}
}

/// Several reporters at once (a live display on stderr and JSON lines on stdout, say).
pub struct Tee(pub Vec<Box<dyn Reporter>>);

impl Reporter for Tee {
    fn event(&self, event: &Event) {
        self.0.iter().for_each(|r| r.event(event));
    }
    fn wants_output(&self) -> bool {
        self.0.iter().any(|r| r.wants_output())
    }
    fn attach(&self, task: &str, last_line: Arc<Mutex<String>>) {
        self.0
            .iter()
            .for_each(|r| r.attach(task, last_line.clone()));
    }
    fn finish(&self) {
        self.0.iter().for_each(|r| r.finish());
    }
}

/// Reports nothing.
pub struct Silent;

impl Reporter for Silent {
    fn event(&self, _: &Event) {}
}

/// Calls a closure for every event: the library's hook for a user's own orchestrator.
pub struct Callback<F: Fn(&Event) + Send + Sync>(pub F);

impl<F: Fn(&Event) + Send + Sync> Reporter for Callback<F> {
    fn event(&self, event: &Event) {
        (self.0)(event)
    }
    fn wants_output(&self) -> bool {
        true
    }
}

/// How a word reads at a glance. The library only says which tone a word has; a display that
/// colours gives each tone its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Good,
    Bad,
    Busy,
    Error,
    Warning,
    Hint,
}

impl Tone {
    /// A state word's tone: done is good, failed and timed out are bad, running is busy.
    pub fn of(state: Status) -> Tone {
        match state {
            Status::Done => Tone::Good,
            Status::Failed | Status::TimedOut | Status::OverBudget => Tone::Bad,
            Status::Running => Tone::Busy,
            _ => Tone::Plain,
        }
    }
}

/// Gives text the look of its tone; [`unpainted`] leaves it as it is.
pub type Paint = fn(Tone, &str) -> String;

/// The [`Paint`] of a display without colour.
pub fn unpainted(_: Tone, text: &str) -> String {
    text.to_owned()
}

/// One plain line per state change, for logs and CI.
pub struct Plain<W: Write + Send> {
    out: Mutex<W>,
    paint: Paint,
}

impl<W: Write + Send> Plain<W> {
    pub fn new(out: W) -> Self {
        Plain {
            out: Mutex::new(out),
            paint: unpainted,
        }
    }

    /// The same lines with `warning:` painted.
    pub fn painted(self, paint: Paint) -> Self {
        Plain { paint, ..self }
    }
}

/// `waiting: rate limit, resumes 14:05` (local time), shared by every display.
pub fn waiting_text(until: f64) -> String {
    let at = std::time::UNIX_EPOCH + Duration::from_secs_f64(until.max(0.0));
    format!("waiting: rate limit, resumes {}", crate::report::clock(at))
}

/// argv shell-quoted for reading; it is never run by a shell.
pub fn command_line(argv: &[String]) -> String {
    shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_else(|_| format!("{argv:?}"))
}

/// The one-line description of a finished task, shared by every display.
pub fn finished_text(state: Status, exit_code: Option<i32>, message: Option<&str>) -> String {
    match (message, exit_code) {
        (Some(message), _) => format!("{}: {message}", state.label()),
        (None, Some(code)) if code != 0 => format!("{} (exit {code})", state.label()),
        _ => state.label().to_owned(),
    }
}

impl<W: Write + Send> Reporter for Plain<W> {
    fn event(&self, event: &Event) {
        let line = match event {
            Event::Queued { task } => format!("{}: queued", display_name(task)),
            Event::State { task, state } => format!("{}: {}", display_name(task), state.label()),
            Event::Started {
                task,
                attempt,
                attempts,
                ..
            } if *attempt > 1 => {
                let of = attempts.max(attempt);
                format!("{}: running (attempt {attempt}/{of})", display_name(task))
            }
            Event::Setup { task, argv } => {
                format!("{}: setup: {}", display_name(task), command_line(argv))
            }
            Event::Started { .. } | Event::Output { .. } | Event::Committed { .. } => return,
            Event::Waiting { task, until } => {
                format!("{}: {}", display_name(task), waiting_text(*until))
            }
            Event::Finished {
                task,
                state,
                exit_code,
                message,
                ..
            } => format!(
                "{}: {}",
                display_name(task),
                finished_text(*state, *exit_code, message.as_deref())
            ),
            Event::Warning { message } => {
                format!("{} {message}", (self.paint)(Tone::Warning, "warning:"))
            }
            Event::Note { message } => format!("note: {message}"),
        };
        let mut out = self.out.lock().unwrap();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// Every event as one JSON object per line.
pub struct JsonLines<W: Write + Send>(pub Mutex<W>);

impl<W: Write + Send> JsonLines<W> {
    pub fn new(out: W) -> Self {
        JsonLines(Mutex::new(out))
    }
}

impl<W: Write + Send> Reporter for JsonLines<W> {
    fn event(&self, event: &Event) {
        let mut out = self.0.lock().unwrap();
        if serde_json::to_writer(&mut *out, event).is_ok() {
            let _ = writeln!(out);
            let _ = out.flush();
        }
    }
    fn wants_output(&self) -> bool {
        true
    }
}

/// `m:ss`, or `h:mm:ss` past an hour.
pub fn format_elapsed(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    if secs >= 3600 {
        format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
    } else {
        format!("{}:{:02}", secs / 60, secs % 60)
    }
}
