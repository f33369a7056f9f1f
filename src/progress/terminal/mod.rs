//! The live view on a terminal: one line per task (state, elapsed, last output line) and a total.
//!
//! Events only change what the lines say; one drawer thread decides when the screen shows it.
//! Nothing is drawn for the first 250 ms, so quick runs do not flicker (as jj does). After that,
//! an event that changes a line asks for a redraw and the drawer coalesces bursts into at most
//! one redraw per 100 ms; a tick every 250 ms keeps spinners, elapsed times and last output lines
//! moving between events. The drawer sleeps on a condition variable, never polling.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

mod echo;
mod line;

use super::{Event, Paint, Reporter, Tone};
use crate::tasks::display_name;
use line::{name_width, Line};

/// Quiet time before the first draw.
const FIRST_DRAW: Duration = Duration::from_millis(250);
/// The shortest time between two redraws.
const MIN_GAP: Duration = Duration::from_millis(100);
/// How often lines are redrawn without any event.
const TICK: Duration = Duration::from_millis(250);

struct Live {
    lines: HashMap<String, Line>,
    total: ProgressBar,
    /// Whether the view is on screen yet; until then messages go straight to stderr.
    drawn: bool,
}

#[derive(Default)]
struct Wake {
    dirty: bool,
    stop: bool,
}

struct Shared {
    live: Mutex<Live>,
    wake: Mutex<Wake>,
    bell: Condvar,
    multi: MultiProgress,
    /// The widest task name, in columns.
    longest: usize,
    paint: Paint,
}

/// The live display on a terminal: one line per task (state, elapsed, last output line) and a total.
pub struct Terminal {
    shared: Arc<Shared>,
    drawer: Mutex<Option<JoinHandle<()>>>,
    quiet_controls: Mutex<echo::QuietControls>,
    /// Ring the bell and send a desktop notification (OSC 9) when the view ends.
    bell: bool,
}

impl Terminal {
    /// Draws on stderr; `tasks` fixes the order of the lines, `paint` colours state words.
    pub fn new(tasks: &[String], paint: Paint) -> Terminal {
        // Hidden until the first draw, so nothing reaches the screen before it.
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::hidden());
        let longest = tasks
            .iter()
            .map(|t| console::measure_text_width(&display_name(t)))
            .max()
            .unwrap_or(4);
        let style = ProgressStyle::with_template("{wide_msg}").expect("valid template");
        let mut lines = HashMap::new();
        for task in tasks {
            let bar = multi.add(ProgressBar::new_spinner().with_style(style.clone()));
            lines.insert(
                task.clone(),
                Line::new(bar, display_name(task).into_owned()),
            );
        }
        let total = multi.add(
            ProgressBar::new_spinner()
                .with_style(ProgressStyle::with_template("  {msg}").expect("valid template")),
        );
        let live = Live {
            lines,
            total,
            drawn: false,
        };
        let shared = Arc::new(Shared {
            live: Mutex::new(live),
            wake: Mutex::new(Wake::default()),
            bell: Condvar::new(),
            multi,
            longest,
            paint,
        });
        let drawer = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || shared.draw_until_stopped())
        };
        Terminal {
            shared,
            drawer: Mutex::new(Some(drawer)),
            quiet_controls: Mutex::new(echo::QuietControls::new()),
            bell: false,
        }
    }

    /// End with the terminal bell and an OSC 9 desktop notification (`agents.bell`).
    pub fn with_bell(mut self, bell: bool) -> Terminal {
        self.bell = bell;
        self
    }

    /// BEL, then OSC 9 with the count of each outcome (terminals that know no OSC 9 ignore it).
    fn ring(&self, live: &Live) {
        let mut counts = std::collections::BTreeMap::<&str, usize>::new();
        for line in live.lines.values() {
            *counts.entry(line.state.label()).or_default() += 1;
        }
        let summary: Vec<String> = counts.iter().map(|(l, n)| format!("{n} {l}")).collect();
        let text = format!("\x07\x1b]9;git agents: {}\x07", summary.join(", "));
        let _ = std::io::stderr().write_all(text.as_bytes());
    }

    /// Stop the drawer and wait for it, so nothing is drawn after this returns.
    fn stop_drawer(&self) {
        self.shared.wake().stop = true;
        self.shared.bell.notify_one();
        if let Some(drawer) = self.drawer.lock().unwrap().take() {
            let _ = drawer.join();
        }
    }
}

impl Shared {
    fn wake(&self) -> MutexGuard<'_, Wake> {
        self.wake.lock().unwrap()
    }

    /// A line changed: ask for a redraw (the drawer decides when).
    fn changed(&self) {
        let mut wake = self.wake();
        if !wake.dirty {
            wake.dirty = true;
            self.bell.notify_one();
        }
    }

    fn draw_until_stopped(&self) {
        let start = Instant::now();
        let mut not_before = start + FIRST_DRAW;
        let mut next_tick = start + FIRST_DRAW;
        let mut wake = self.wake();
        while !wake.stop {
            let now = Instant::now();
            let wanted = if wake.dirty { now } else { next_tick };
            let due = wanted.max(not_before);
            if now < due {
                // Woken early by an event or by stop; either way the loop looks again.
                wake = self.bell.wait_timeout(wake, due - now).unwrap().0;
                continue;
            }
            wake.dirty = false;
            drop(wake);
            let tick = now >= next_tick;
            self.draw(tick);
            let drawn = Instant::now();
            not_before = drawn + MIN_GAP;
            if tick {
                next_tick = drawn + TICK;
            }
            wake = self.wake();
        }
    }

    /// Put every line's state on its bar and show the frame; `tick` advances the spinners.
    fn draw(&self, tick: bool) {
        let mut live = self.live.lock().unwrap();
        if !live.drawn {
            // indicatif may draw on its own as the bars change below; at 1 Hz (after a burst at
            // the start) that is rare, and the forced draw at the end shows the whole frame.
            self.multi
                .set_draw_target(ProgressDrawTarget::stderr_with_hz(1));
            live.drawn = true;
        }
        // Read at every draw, so names are cut to the terminal as it is after a resize.
        let cols = console::Term::stderr().size().1 as usize;
        let width = name_width(cols, self.longest);
        for line in live.lines.values_mut() {
            self.update(line, width, tick);
        }
        // Short of the last columns, so a ^C the terminal echoes stays on this line, where the
        // next draw clears it, instead of wrapping to a new line the view knows nothing of.
        let total = total(&live.lines);
        live.total
            .set_message(console::truncate_str(&total, cols.saturating_sub(6), "…").into_owned());
        live.total.force_draw();
    }

    fn update(&self, line: &mut Line, width: usize, tick: bool) {
        if tick && line.ended.is_none() {
            line.spin += 1;
        }
        let text = line.text(width, self.paint);
        if text != line.shown {
            line.bar.set_message(text.clone());
            line.shown = text;
        }
    }

    /// Print `text` above the view, or straight to stderr while the view is not on screen.
    fn say(&self, live: &Live, text: &str) {
        if live.drawn {
            let _ = self.multi.println(text);
        } else {
            let _ = writeln!(std::io::stderr(), "{text}");
        }
    }
}

/// "5 tasks · 2 done · 1 running · 2 queued".
fn total(lines: &HashMap<String, Line>) -> String {
    let mut counts: HashMap<&'static str, usize> = HashMap::new();
    for line in lines.values() {
        *counts.entry(line.state.label()).or_default() += 1;
    }
    let mut parts: Vec<String> = [
        "done",
        "no changes",
        "running",
        "failed",
        "timed out",
        "over budget",
        "interrupted",
        "queued",
    ]
    .iter()
    .filter_map(|label| counts.get(label).map(|n| format!("{n} {label}")))
    .collect();
    parts.insert(0, format!("{} tasks", lines.len()));
    parts.join(" · ")
}

impl Reporter for Terminal {
    fn event(&self, event: &Event) {
        let paint = self.shared.paint;
        let mut live = self.shared.live.lock().unwrap();
        match event {
            Event::State { task, state } => {
                if let Some(line) = live.lines.get_mut(task) {
                    line.moved(*state);
                }
            }
            Event::Started {
                task,
                attempt,
                attempts,
                ..
            } => {
                if let Some(line) = live.lines.get_mut(task) {
                    line.attempt = *attempt;
                    line.attempts = *attempts;
                }
            }
            Event::Waiting { task, until } => {
                if let Some(shown) = live.lines.get(task).and_then(|l| l.last_line.as_ref()) {
                    *shown.lock().unwrap() = crate::progress::waiting_text(*until);
                }
            }
            Event::Finished {
                task,
                state,
                exit_code,
                message,
                ..
            } => {
                if let Some(line) = live.lines.get_mut(task) {
                    let exit = exit_code.filter(|c| *c != 0).map(|c| format!("exit {c}"));
                    let reason = message.clone().or(exit);
                    line.end(state.is_finished(), *state, reason.as_deref());
                }
            }
            Event::Warning { message } => {
                let prefix = paint(Tone::Warning, "warning:");
                self.shared.say(&live, &format!("{prefix} {message}"));
                return;
            }
            Event::Note { message } => {
                self.shared.say(&live, &format!("note: {message}"));
                return;
            }
            _ => return,
        }
        drop(live);
        self.shared.changed();
    }

    fn attach(&self, task: &str, last_line: Arc<Mutex<String>>) {
        if let Some(line) = self.shared.live.lock().unwrap().lines.get_mut(task) {
            line.last_line = Some(last_line);
        }
    }

    /// Draw the last frame and leave it on screen, unless nothing was ever shown.
    fn finish(&self) {
        self.stop_drawer();
        let shown = self.shared.live.lock().unwrap().drawn;
        if shown {
            self.shared.draw(false);
        }
        let live = self.shared.live.lock().unwrap();
        for line in live.lines.values() {
            if !line.bar.is_finished() {
                line.bar.abandon();
            }
        }
        live.total.finish();
        self.quiet_controls.lock().unwrap().restore();
        if self.bell {
            self.ring(&live);
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.stop_drawer();
    }
}
