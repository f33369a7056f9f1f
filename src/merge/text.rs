//! The merge report as text for people: one line per branch, the overlap matrix of a dry run,
//! and what to do next.

use std::io::Write;

use super::report::{Outcome, Report};
use super::ResolveState;

fn short(id: &str) -> &str {
    &id[..id.len().min(7)]
}

/// Render `report` for people.
pub fn write_text(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let place = report
        .worktree
        .as_ref()
        .map(|p| format!(" (checked out in {})", p.display()))
        .unwrap_or_default();
    if report.dry_run {
        writeln!(
            out,
            "dry run: merging into {}{place}; nothing is written",
            report.target
        )?;
    } else {
        writeln!(out, "merging into {}{place}", report.target)?;
    }
    if report.branches.is_empty() {
        writeln!(out, "  nothing to merge: no task has a branch yet")?;
    }
    let width = report
        .branches
        .iter()
        .map(|b| b.branch.len())
        .max()
        .unwrap_or(0);
    for b in &report.branches {
        let what = match b.outcome {
            Outcome::FastForward => format!(
                "fast-forward -> {}",
                short(b.commit.as_deref().unwrap_or(""))
            ),
            Outcome::Merge if report.dry_run => "clean merge".to_owned(),
            Outcome::Merge => format!("merged -> {}", short(b.commit.as_deref().unwrap_or(""))),
            Outcome::AlreadyMerged => "already merged, skipped".to_owned(),
            Outcome::Resolved => format!(
                "resolved {} -> {}",
                b.conflicts.join(", "),
                short(b.commit.as_deref().unwrap_or(""))
            ),
            Outcome::Conflict => format!("CONFLICT in {}", b.conflicts.join(", ")),
            Outcome::Failed => format!("FAILED: {}", b.error.as_deref().unwrap_or("")),
            Outcome::NotAttempted => "not attempted".to_owned(),
        };
        let moved = matches!(
            b.outcome,
            Outcome::FastForward | Outcome::Merge | Outcome::Resolved
        );
        let what = match (report.dry_run, b.outcome) {
            (true, Outcome::FastForward) => "fast-forward".to_owned(),
            (false, _) if moved && !b.landed => format!("{what} (not landed)"),
            _ => what,
        };
        writeln!(out, "  {:width$}  {what}", b.branch)?;
        if let Some(r) = &b.resolution {
            let place = r.worktree.display();
            let line = match (r.state, &r.error) {
                (ResolveState::WouldResolve, _) => format!("would be resolved in {place}"),
                (ResolveState::Failed, Some(why)) => format!("not resolved: {why}"),
                _ if r.kept => format!("resolved by {}; committed in {place}, kept", r.agent),
                _ => format!("resolved by {}", r.agent),
            };
            writeln!(out, "  {:width$}  ({line})", "")?;
        }
        if !b.conflicts_with.is_empty() {
            writeln!(
                out,
                "  {:width$}  (also changed by {})",
                "",
                b.conflicts_with.join(", ")
            )?;
        }
    }
    for task in &report.without_branch {
        writeln!(out, "  task {task}: no branch yet, skipped")?;
    }
    if report.dry_run {
        write_matrix(report, out)?;
    }
    write_summary(report, out)
}

fn write_summary(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let first_bad = report.branches.iter().position(|b| {
        let forecast = b
            .resolution
            .as_ref()
            .is_some_and(|r| r.state == ResolveState::WouldResolve);
        matches!(b.outcome, Outcome::Conflict | Outcome::Failed) && !forecast
    });
    let clean_before = report.branches[..first_bad.unwrap_or(report.branches.len())]
        .iter()
        .filter(|b| b.commit.is_some())
        .count();
    if report.dry_run {
        match first_bad {
            None => writeln!(
                out,
                "forecast: {clean_before} branch(es) would land, no conflict"
            )?,
            Some(i) => {
                let lands = if report.atomic { 0 } else { clean_before };
                writeln!(
                    out,
                    "forecast: a merge would stop at {}; {lands} branch(es) before it would land{}",
                    report.branches[i].branch,
                    if report.atomic { " (--atomic)" } else { "" }
                )?;
                if report.branches[i + 1..]
                    .iter()
                    .any(|b| b.outcome != Outcome::NotAttempted)
                {
                    writeln!(out, "(branches after a conflict are forecast as if the conflicting ones were left out)")?;
                }
            }
        }
        return Ok(());
    }
    if report.landed {
        writeln!(
            out,
            "{}: {} -> {}",
            report.target,
            short(&report.before),
            short(&report.after)
        )?;
    } else if first_bad.is_some() && report.atomic && clean_before > 0 {
        writeln!(
            out,
            "{}: unchanged (--atomic: nothing lands when a branch conflicts)",
            report.target
        )?;
    } else {
        writeln!(
            out,
            "{}: unchanged at {}",
            report.target,
            short(&report.before)
        )?;
    }
    write_next_steps(report, out)
}

/// How to go on after a conflict: in the kept resolve worktree, or by hand with git.
fn write_next_steps(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let kept = report
        .branches
        .iter()
        .filter_map(|b| b.resolution.as_ref())
        .find(|r| r.state == ResolveState::Failed);
    if let (Some(resolve), Some(kept)) = (&report.resolve, kept) {
        writeln!(
            out,
            "the merge of {} is in progress in {}: resolve it there, then",
            resolve.branch,
            kept.worktree.display()
        )?;
        writeln!(out, "  {}", resolve.command)?;
        writeln!(
            out,
            "and run git agents merge --resolve again: it takes that commit and goes on"
        )?;
    } else if let Some(resolve) = &report.resolve {
        writeln!(out, "resolve {} by hand with:", resolve.branch)?;
        writeln!(out, "  {}", resolve.command)?;
        writeln!(
            out,
            "then commit, and run git agents merge again for the rest"
        )?;
    }
    Ok(())
}

fn write_matrix(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let names: Vec<&str> = report
        .branches
        .iter()
        .filter(|b| b.files_changed > 0)
        .map(|b| b.branch.as_str())
        .collect();
    if names.len() < 2 {
        return Ok(());
    }
    if report.overlaps.is_empty() {
        return writeln!(out, "overlap: no two branches change the same file");
    }
    let count = |a: &str, b: &str| {
        report
            .overlaps
            .iter()
            .find(|o| (o.a == a && o.b == b) || (o.a == b && o.b == a))
            .map_or(0, |o| o.paths.len())
    };
    let cell = names.len().to_string().len().max(2);
    writeln!(out, "overlap (files changed by both branches):")?;
    write!(out, "  {:>cell$} ", "")?;
    for j in 1..=names.len() {
        write!(out, " {j:>cell$}")?;
    }
    writeln!(out)?;
    for (i, a) in names.iter().enumerate() {
        write!(out, "  {:>cell$} ", i + 1)?;
        for (j, b) in names.iter().enumerate() {
            let value = match (i == j, count(a, b)) {
                (true, _) => "-".to_owned(),
                (false, 0) => ".".to_owned(),
                (false, n) => n.to_string(),
            };
            write!(out, " {value:>cell$}")?;
        }
        writeln!(out, "  {a}")?;
    }
    for o in &report.overlaps {
        writeln!(out, "  {} & {}: {}", o.a, o.b, o.paths.join(", "))?;
    }
    Ok(())
}

/// Render what `--continue` or `--abort` did.
pub fn write_resume(report: &super::ResumeReport, out: &mut dyn Write) -> std::io::Result<()> {
    let done = match report.action {
        super::Action::Continue => "finished",
        _ => "aborted",
    };
    writeln!(
        out,
        "{done} the interrupted merge into {}: {} is at {}",
        report.target,
        report.target,
        short(&report.tip)
    )
}
