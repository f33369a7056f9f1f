//! The summary table printed when a spawn ends.

use std::io::Write;

use crate::progress::format_elapsed;
use crate::repo::relative_to;
use crate::spawn::{duration, SpawnReport};
use crate::state::TaskState;
use crate::tasks::display_name;

/// One row per task: task, state, duration, commits, files changed, log.
pub fn write_summary(out: &mut dyn Write, report: &SpawnReport) -> std::io::Result<()> {
    let rows: Vec<[String; 6]> = report
        .tasks
        .iter()
        .chain(&report.skipped)
        .map(|record| row(record, report))
        .collect();
    let headers = ["TASK", "STATE", "DURATION", "COMMITS", "FILES", "LOG"].map(String::from);
    let mut widths = headers.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&headers).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    if let Some(why) = &report.stopped {
        writeln!(out, "stopped: {why}")?;
    }
    for path in &report.outside_scopes {
        writeln!(out, "outside every scope (left uncommitted): {path}")?;
    }
    Ok(())
}

fn row(record: &TaskState, report: &SpawnReport) -> [String; 6] {
    let skipped = report.skipped.iter().any(|s| s.task == record.task);
    let state = if skipped {
        format!("{} (skipped)", record.state.label())
    } else {
        record.state.label().to_owned()
    };
    [
        display_name(&record.task).into_owned(),
        state,
        duration(record)
            .map(format_elapsed)
            .unwrap_or_else(|| "-".into()),
        record.commits.to_string(),
        record.files_changed.to_string(),
        relative_to(&record.log, &report.root).display().to_string(),
    ]
}
