//! What one task's line says: its name cut to fit, its state, the time since it first started,
//! the attempt it is on and the last thing its agent did, or once it ended, how and why.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use crate::progress::{format_elapsed, Paint, Tone};
use crate::state::Status;

/// The narrowest the name column gets, unless every name is shorter.
const MIN_NAME: usize = 12;
/// The widest the name column gets, however wide the terminal.
const MAX_NAME: usize = 40;

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

pub struct Line {
    pub bar: ProgressBar,
    pub name: String,
    pub state: Status,
    /// When the task first left the queue: the time shown runs through every attempt.
    pub since: Option<Instant>,
    pub attempt: u32,
    pub attempts: u32,
    pub last_line: Option<Arc<Mutex<String>>>,
    pub ended: Option<Ended>,
    /// The text last put on the bar, to leave an unchanged line alone.
    pub shown: String,
    /// Which of the spinner's frames shows.
    pub spin: usize,
}

/// How a task ended, fixed when it did.
pub struct Ended {
    pub ok: bool,
    pub state: Status,
    pub elapsed: Duration,
    /// Why it failed, or a note on how it went; may be empty.
    pub detail: String,
}

/// The name column's width on a terminal `cols` wide, for names at most `longest` wide.
pub fn name_width(cols: usize, longest: usize) -> usize {
    longest.min((cols / 3).clamp(MIN_NAME, MAX_NAME))
}

/// `name` cut with an ellipsis or padded to exactly `width` columns.
pub fn fit(name: &str, width: usize) -> String {
    let cut = console::truncate_str(name, width, "…");
    console::pad_str(&cut, width, console::Alignment::Left, None).into_owned()
}

impl Line {
    pub fn new(bar: ProgressBar, name: String) -> Line {
        Line {
            bar,
            name,
            state: Status::Queued,
            since: None,
            attempt: 1,
            attempts: 1,
            last_line: None,
            ended: None,
            shown: String::new(),
            spin: 0,
        }
    }

    /// The task moved to `state`; the clock starts when it first leaves the queue.
    pub fn moved(&mut self, state: Status) {
        if self.since.is_none() && state != Status::Queued {
            self.since = Some(Instant::now());
        }
        self.state = state;
    }

    pub fn elapsed(&self) -> Duration {
        self.since.map(|s| s.elapsed()).unwrap_or_default()
    }

    /// "2/3 " from the second attempt on, else nothing.
    fn attempt_text(&self) -> String {
        if self.attempt > 1 {
            format!("{}/{} ", self.attempt, self.attempts.max(self.attempt))
        } else {
            String::new()
        }
    }

    /// The task ended; the attempts come before the reason, which may be cut at the edge.
    pub fn end(&mut self, ok: bool, state: Status, reason: Option<&str>) {
        let mut detail = reason.unwrap_or_default().to_owned();
        if self.attempt > 1 {
            let sep = if detail.is_empty() { "" } else { " · " };
            detail = format!("{} attempts{sep}{detail}", self.attempt);
        }
        self.state = state;
        self.ended = Some(Ended {
            ok,
            state,
            elapsed: self.elapsed(),
            detail,
        });
    }

    /// The whole line as it should show now: one text, so no draw shows half a change.
    pub fn text(&self, width: usize, paint: Paint) -> String {
        let name = fit(&self.name, width);
        if let Some(end) = &self.ended {
            let (mark, tone) = if end.ok {
                ("✓", Tone::Good)
            } else {
                ("✗", Tone::Bad)
            };
            let rest = columns(end.state, end.elapsed, &end.detail, paint);
            return format!("{} {name} {rest}", paint(tone, mark));
        }
        if self.state == Status::Queued {
            return format!("· {name} queued");
        }
        let tail = self
            .last_line
            .as_ref()
            .map(|l| l.lock().unwrap().clone())
            .unwrap_or_default();
        let detail = format!("{}{tail}", self.attempt_text());
        let spinner = SPINNER[self.spin % SPINNER.len()];
        let rest = columns(self.state, self.elapsed(), &detail, paint);
        format!("{spinner} {name} {rest}")
    }
}

/// "running      0:07  2/3 → Bash cargo test": the state word padded so times line up.
fn columns(state: Status, elapsed: Duration, detail: &str, paint: Paint) -> String {
    let label = state.label();
    let padding = " ".repeat(11usize.saturating_sub(label.chars().count()));
    let label = paint(Tone::of(state), label);
    let elapsed = format_elapsed(elapsed);
    format!("{label}{padding}{elapsed:>6}  {detail}")
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cut_to_a_third_of_the_terminal_within_bounds() {
        assert_eq!(name_width(70, 60), 23);
        assert_eq!(name_width(30, 60), MIN_NAME);
        assert_eq!(name_width(300, 60), MAX_NAME);
        assert_eq!(name_width(300, 5), 5);
        assert_eq!(fit("a-very-long-task-name", 8), "a-very-…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(console::measure_text_width(&fit("任务任务任务", 5)), 5);
    }
}
