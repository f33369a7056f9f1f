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

/// One row per task: task, state, duration, the commits and files changed of this run (of its
/// last run for a task skipped), log; state words painted. Then the run's number and totals.
pub fn write_summary(
    out: &mut dyn Write,
    report: &SpawnReport,
    paint: Paint,
) -> std::io::Result<()> {
    let headers = [
        "TASK", "STATE", "DURATION", "COMMITS", "FILES", "TOKENS", "COST", "LOG",
    ];
    let mut table = Table::new(&headers);
    for record in report.tasks.iter().chain(&report.skipped) {
        table.push(row(record, report));
    }
    table.render(out, paint)?;
    match totals(&report.tasks) {
        Some(total) => writeln!(out, "run {} · {total}", report.run)?,
        None => writeln!(out, "run {}", report.run)?,
    }
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
    let state = match (skipped, record.failure.filter(|k| k.is_telling())) {
        (true, _) => format!("{} (skipped)", record.state.label()),
        (false, Some(kind)) => format!("{} ({})", record.state.label(), kind.label()),
        (false, None) => record.state.label().to_owned(),
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
        tokens(&record.agent.tokens)
            .unwrap_or_else(|| "-".into())
            .into(),
        record
            .agent
            .cost_usd
            .map(cost)
            .unwrap_or_else(|| "-".into())
            .into(),
        relative_to(&record.log, &report.shown_from)
            .display()
            .to_string()
            .into(),
    ]
}

/// `total: 12.3k tokens (in 10.1k, 2.0k cached, out 2.2k) · $0.0456 · agents ran 1:23`, when
/// any agent reported tokens or cost.
fn totals(records: &[TaskState]) -> Option<String> {
    let tokens = records
        .iter()
        .fold(crate::agent::stream::Tokens::default(), |t, r| {
            t.plus(r.agent.tokens)
        });
    let costs: Vec<f64> = records.iter().filter_map(|r| r.agent.cost_usd).collect();
    if tokens.is_zero() && costs.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(all) = crate::report::tokens(&tokens) {
        parts.push(format!(
            "{all} tokens (in {}, {} cached, out {})",
            count(tokens.input),
            count(tokens.cached),
            count(tokens.output)
        ));
    }
    if !costs.is_empty() {
        parts.push(cost(costs.iter().sum()));
    }
    let secs: f64 = records.iter().map(|r| r.agent.agent_secs).sum();
    parts.push(format!(
        "agents ran {}",
        format_elapsed(std::time::Duration::from_secs_f64(secs))
    ));
    Some(format!("total: {}", parts.join(" · ")))
}

/// A time of day as `14:05 UTC` (no time-zone database is read).
pub fn clock(at: std::time::SystemTime) -> String {
    let stamp = humantime::format_rfc3339_seconds(at).to_string();
    // 2026-12-01T14:05:09Z
    format!("{} UTC", stamp.get(11..16).unwrap_or("??:??"))
}

/// Tokens in and out together, short: `950`, `12.3k`, `4.1M`.
pub fn tokens(tokens: &crate::agent::stream::Tokens) -> Option<String> {
    let n = tokens.input + tokens.output;
    (n > 0).then(|| count(n))
}

/// A count, short: `950`, `12.3k`, `4.1M`.
fn count(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// US dollars: `$0.0123` below a dollar, `$4.56` above.
pub fn cost(usd: f64) -> String {
    if usd < 1.0 {
        format!("${usd:.4}")
    } else {
        format!("${usd:.2}")
    }
}
