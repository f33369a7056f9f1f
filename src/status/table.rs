//! The status table: one aligned row per task, the last log line in the last column.

use std::io::Write;
use std::time::Duration;

use super::{StatusReport, TaskStatus, Worktree};
use crate::progress::{format_elapsed, Paint, Tone};
use crate::report::table::{Cell, Table};
use crate::tasks::display_name;

/// The last log line is cut to this many characters in the table (JSON has it whole).
const LAST_LINE_WIDTH: usize = 60;

const HEADERS: [&str; 13] = [
    "TASK",
    "STATE",
    "TRIES",
    "TIME",
    "BRANCH",
    "AHEAD",
    "BEHIND",
    "FILES",
    "WORKTREE",
    "CHECK",
    "TOKENS",
    "COST",
    "LAST LINE",
];

/// One row per task, state words painted; ahead and behind count commits against
/// `report.target`.
pub fn write_table(
    out: &mut dyn Write,
    report: &StatusReport,
    paint: Paint,
) -> std::io::Result<()> {
    let mut table = Table::new(&HEADERS);
    for task in &report.tasks {
        table.push(row(task));
    }
    table.render(out, paint)
}

fn row(task: &TaskStatus) -> Vec<Cell> {
    let dash = || "-".to_owned();
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_else(dash);
    let started = task.state.is_some();
    let worktree = match (task.worktree, task.uncommitted) {
        (Worktree::Dirty, Some(n)) => format!("dirty ({n})"),
        (state, _) => state.label().to_owned(),
    };
    // A stale state was left by a spawn that is gone: it is not running, whatever it says.
    let tone = match task.state {
        Some(state) if !task.stale => Tone::of(state),
        _ => Tone::Plain,
    };
    let cells = [
        display_name(&task.task).into_owned(),
        task.state_label(),
        if started {
            task.attempts.to_string()
        } else {
            dash()
        },
        task.seconds
            .map(|s| format_elapsed(Duration::from_secs_f64(s)))
            .unwrap_or_else(dash),
        if task.head.is_some() {
            display_name(&task.branch).into_owned()
        } else {
            dash()
        },
        number(task.ahead),
        number(task.behind),
        number(task.files_changed),
        worktree,
        check(task),
        crate::report::tokens(&task.agent.tokens).unwrap_or_else(dash),
        task.agent
            .cost_usd
            .map(crate::report::cost)
            .unwrap_or_else(dash),
        last_line(task).unwrap_or_else(dash),
    ];
    let mut cells: Vec<Cell> = cells.into_iter().map(Cell::from).collect();
    cells[1].tone = tone;
    cells
}

/// The last contract check and any files changed outside the task's scope.
fn check(task: &TaskStatus) -> String {
    let verify = match &task.verify {
        Some(v) if v.passed => "pass",
        Some(_) => "FAIL",
        None => "-",
    };
    match task.violations.len() {
        0 => verify.to_owned(),
        n => format!("{verify}, {n} outside scope"),
    }
}

/// While waiting for a rate limit, when it resumes; else the log's last line.
fn last_line(task: &TaskStatus) -> Option<String> {
    match task.waiting_until {
        Some(until) => Some(crate::progress::waiting_text(until)),
        None => task.last_line.as_deref().map(cut),
    }
}

fn cut(line: &str) -> String {
    if line.chars().count() <= LAST_LINE_WIDTH {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(LAST_LINE_WIDTH - 1).collect();
    cut.push('…');
    cut
}
