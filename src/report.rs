//! What a run ends with for people: the summary table of a spawn, laid out by [`table`].
#![doc(hidden)]

pub mod table;

use std::io::Write;

use crate::progress::{format_elapsed, Paint, Tone};
use crate::repo::relative_to;
use crate::spawn::{duration, SpawnReport};
use crate::state::TaskState;
use crate::tasks::display_name;
use table::{Cell, Table};

/// One row per task: task, state, duration, commits, files changed, log; state words painted.
pub fn write_summary(
    out: &mut dyn Write,
    report: &SpawnReport,
    paint: Paint,
) -> std::io::Result<()> {
    let mut table = Table::new(&["TASK", "STATE", "DURATION", "COMMITS", "FILES", "LOG"]);
    for record in report.tasks.iter().chain(&report.skipped) {
        table.push(row(record, report));
    }
    table.render(out, paint)?;
    if let Some(why) = &report.stopped {
        writeln!(out, "stopped: {why}")?;
    }
    for path in &report.outside_scopes {
        writeln!(out, "outside every scope (left uncommitted): {path}")?;
    }
    Ok(())
}

fn row(record: &TaskState, report: &SpawnReport) -> Vec<Cell> {
    let skipped = report.skipped.iter().any(|s| s.task == record.task);
    let state = if skipped {
        format!("{} (skipped)", record.state.label())
    } else {
        record.state.label().to_owned()
    };
    vec![
        display_name(&record.task).into_owned().into(),
        Cell::toned(state, Tone::of(record.state)),
        duration(record)
            .map(format_elapsed)
            .unwrap_or_else(|| "-".into())
            .into(),
        record.commits.to_string().into(),
        record.files_changed.to_string().into(),
        relative_to(&record.log, &report.root)
            .display()
            .to_string()
            .into(),
    ]
}

/// A time of day as `14:05 UTC` (no time-zone database is read).
pub fn clock(at: std::time::SystemTime) -> String {
    let stamp = humantime::format_rfc3339_seconds(at).to_string();
    // 2026-12-01T14:05:09Z
    format!("{} UTC", stamp.get(11..16).unwrap_or("??:??"))
}
