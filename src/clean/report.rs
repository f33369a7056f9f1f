//! The clean report as text: one line per note and per task.

use std::io::Write;
use std::path::Path;

use super::CleanReport;
use crate::repo::relative_to;
use crate::tasks::display_name;

/// One line per note and per task: what went, or what was kept and why.
pub fn write_report(out: &mut dyn Write, report: &CleanReport) -> std::io::Result<()> {
    let shown = |path: &Path| relative_to(path, &report.shown_from).display().to_string();
    for note in &report.notes {
        writeln!(out, "note: {note}")?;
    }
    for task in &report.tasks {
        let mut parts = Vec::new();
        if let Some(path) = &task.pruned_entry {
            parts.push(format!(
                "pruned the entry of its missing worktree {}",
                shown(path)
            ));
        }
        if let Some(path) = &task.removed_worktree {
            parts.push(format!("removed worktree {}", shown(path)));
        }
        if let Some(branch) = &task.deleted_branch {
            parts.push(format!("deleted branch {branch}"));
        }
        if let Some(branch) = &task.kept_branch {
            parts.push(format!("kept branch {branch} (--keep-branches)"));
        }
        if !task.forced.is_empty() {
            parts.push(format!("despite {}", task.forced.join("; ")));
        }
        let blocking: Vec<&str> = task
            .kept
            .iter()
            .filter(|r| r.force)
            .map(|r| r.reason.as_str())
            .collect();
        if !blocking.is_empty() {
            parts.push(format!(
                "kept: {} (use --force to remove anyway)",
                blocking.join("; ")
            ));
        }
        for reason in task.kept.iter().filter(|r| !r.force) {
            parts.push(format!("kept: {}", reason.reason));
        }
        parts.extend(task.errors.iter().map(|e| format!("failed: {e}")));
        if parts.is_empty() {
            parts.push("nothing to clean".to_owned());
        }
        writeln!(out, "{}: {}", display_name(&task.task), parts.join(", "))?;
    }
    for error in &report.errors {
        writeln!(out, "failed: {error}")?;
    }
    if report.interrupted {
        writeln!(
            out,
            "interrupted: the rest is left as it was; cleaning again finishes"
        )?;
    }
    Ok(())
}
