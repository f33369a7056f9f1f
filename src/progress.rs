//! What a run reports while it works: events, and the ways to show them (a live terminal
//! display, plain lines for logs and CI, JSON lines for programs, or a callback).

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::state::Status;
use crate::tasks::display_name;

/// Something that happened to a task.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Queued {
        task: String,
    },
    State {
        task: String,
        state: Status,
    },
    Started {
        task: String,
        attempt: u32,
        argv: Vec<String>,
    },
    Output {
        task: String,
        line: String,
    },
    Committed {
        task: String,
        commit: String,
        files_changed: u32,
    },
    Finished {
        task: String,
        state: Status,
        exit_code: Option<i32>,
        message: Option<String>,
    },
    Warning {
        message: String,
    },
    /// Something worth knowing that is not a problem (how dir mode holds scopes, say).
    Note {
        message: String,
    },
}

/// Receives events from a run; must be cheap, it is called from worker threads.
pub trait Reporter: Send + Sync {
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
            Status::Failed | Status::TimedOut => Tone::Bad,
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
            Event::Started { task, attempt, .. } if *attempt > 1 => {
                format!("{}: running (attempt {attempt})", display_name(task))
            }
            Event::Started { .. } | Event::Output { .. } | Event::Committed { .. } => return,
            Event::Finished {
                task,
                state,
                exit_code,
                message,
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

struct Line {
    bar: ProgressBar,
    state: Status,
    since: Instant,
    last_line: Option<Arc<Mutex<String>>>,
}

struct Live {
    lines: HashMap<String, Line>,
    total: ProgressBar,
}

/// The live display on a terminal: one line per task (state, elapsed, last output line) and a total.
pub struct Terminal {
    multi: MultiProgress,
    live: Arc<Mutex<Live>>,
    stop: Arc<AtomicBool>,
    width: usize,
}

impl Terminal {
    /// Draws on stderr; `tasks` fixes the order of the lines.
    pub fn new(tasks: &[String]) -> Terminal {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(4));
        let width = tasks
            .iter()
            .map(|t| t.chars().count())
            .max()
            .unwrap_or(4)
            .min(32);
        let style = ProgressStyle::with_template("{spinner:.cyan} {prefix} {wide_msg}")
            .expect("valid template")
            .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ ");
        let mut lines = HashMap::new();
        for task in tasks {
            let bar = multi.add(ProgressBar::new_spinner().with_style(style.clone()));
            bar.set_prefix(format!("{:<width$}", truncate(&display_name(task), width)));
            bar.set_message("queued");
            lines.insert(
                task.clone(),
                Line {
                    bar,
                    state: Status::Queued,
                    since: Instant::now(),
                    last_line: None,
                },
            );
        }
        let total = multi.add(
            ProgressBar::new_spinner()
                .with_style(ProgressStyle::with_template("  {wide_msg}").expect("valid template")),
        );
        let live = Arc::new(Mutex::new(Live { lines, total }));
        let stop = Arc::new(AtomicBool::new(false));
        let terminal = Terminal {
            multi,
            live,
            stop,
            width,
        };
        terminal.redraw();
        terminal.start_ticker();
        terminal
    }

    fn start_ticker(&self) {
        let live = Arc::downgrade(&self.live);
        let stop = self.stop.clone();
        std::thread::spawn(move || {
            // Wait a little before the first draw, like jj, so quick runs do not flicker.
            std::thread::sleep(Duration::from_millis(250));
            while !stop.load(Ordering::SeqCst) {
                let Some(live) = live.upgrade() else { return };
                redraw_live(&live.lock().unwrap());
                drop(live);
                std::thread::sleep(Duration::from_millis(250));
            }
        });
    }

    fn redraw(&self) {
        redraw_live(&self.live.lock().unwrap());
    }
}

fn redraw_live(live: &Live) {
    let mut counts: HashMap<&'static str, usize> = HashMap::new();
    for line in live.lines.values() {
        *counts.entry(line.state.label()).or_default() += 1;
        if line.state.is_terminal() {
            continue;
        }
        let elapsed = format_elapsed(line.since.elapsed());
        let tail = line
            .last_line
            .as_ref()
            .map(|l| l.lock().unwrap().clone())
            .unwrap_or_default();
        let message = if line.state == Status::Queued {
            line.state.label().to_owned()
        } else {
            format!("{:<10} {elapsed:>6}  {tail}", line.state.label())
        };
        line.bar.set_message(message);
        if line.state != Status::Queued {
            line.bar.tick();
        }
    }
    let mut parts: Vec<String> = [
        "done",
        "no changes",
        "running",
        "failed",
        "timed out",
        "interrupted",
        "queued",
    ]
    .iter()
    .filter_map(|label| counts.get(label).map(|n| format!("{n} {label}")))
    .collect();
    parts.insert(0, format!("{} tasks", live.lines.len()));
    live.total.set_message(parts.join(" · "));
}

fn truncate(text: &str, width: usize) -> String {
    text.chars().take(width).collect()
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

impl Reporter for Terminal {
    fn event(&self, event: &Event) {
        let mut live = self.live.lock().unwrap();
        match event {
            Event::State { task, state } => {
                if let Some(line) = live.lines.get_mut(task) {
                    if line.state == Status::Queued || *state == Status::Running {
                        line.since = Instant::now();
                    }
                    line.state = *state;
                }
            }
            Event::Finished {
                task,
                state,
                exit_code,
                message,
            } => {
                if let Some(line) = live.lines.get_mut(task) {
                    line.state = *state;
                    let mark = if state.is_finished() { "✓" } else { "✗" };
                    line.bar.set_style(
                        ProgressStyle::with_template("{prefix} {wide_msg}")
                            .expect("valid template"),
                    );
                    line.bar.set_prefix(format!(
                        "{mark} {:<w$}",
                        truncate(&display_name(task), self.width),
                        w = self.width
                    ));
                    line.bar.finish_with_message(format!(
                        "{} {}",
                        finished_text(*state, *exit_code, message.as_deref()),
                        format_elapsed(line.since.elapsed())
                    ));
                }
            }
            Event::Warning { message } => {
                let _ = self.multi.println(format!("warning: {message}"));
            }
            Event::Note { message } => {
                let _ = self.multi.println(format!("note: {message}"));
            }
            _ => {}
        }
        redraw_live(&live);
    }

    fn attach(&self, task: &str, last_line: Arc<Mutex<String>>) {
        if let Some(line) = self.live.lock().unwrap().lines.get_mut(task) {
            line.last_line = Some(last_line);
        }
    }

    fn finish(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let live = self.live.lock().unwrap();
        redraw_live(&live);
        for line in live.lines.values() {
            if !line.bar.is_finished() {
                line.bar.abandon();
            }
        }
        live.total.finish();
    }
}
