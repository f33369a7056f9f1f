//! The status table: one aligned row per task, the last log line in the last column.

use std::io::Write;
use std::time::Duration;

use super::{StatusReport, TaskStatus, Worktree};
use crate::progress::format_elapsed;
use crate::tasks::display_name;

/// The last log line is cut to this many characters in the table (JSON has it whole).
const LAST_LINE_WIDTH: usize = 60;

const HEADERS: [&str; 11] = [
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
    "LAST LINE",
];

/// One row per task; ahead and behind count commits against `report.target`.
pub fn write_table(out: &mut dyn Write, report: &StatusReport) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = report.tasks.iter().map(row).collect();
    let headers: Vec<String> = HEADERS.iter().map(|h| (*h).to_owned()).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&headers).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn row(task: &TaskStatus) -> Vec<String> {
    let dash = || "-".to_owned();
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_else(dash);
    let started = task.state.is_some();
    let worktree = match (task.worktree, task.uncommitted) {
        (Worktree::Dirty, Some(n)) => format!("dirty ({n})"),
        (state, _) => state.label().to_owned(),
    };
    vec![
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
        task.last_line.as_deref().map(cut).unwrap_or_else(dash),
    ]
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

fn cut(line: &str) -> String {
    if line.chars().count() <= LAST_LINE_WIDTH {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(LAST_LINE_WIDTH - 1).collect();
    cut.push('…');
    cut
}
