//! `git agents push`: one line per branch on stdout, the note that git pushed on stderr.
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use git_agents::forge::{self, PushOptions, PushOutcome, Pushed, Skipped};

use super::ui::Ui;
use crate::cli::push::PushArgs;

pub fn run(ui: &mut Ui, cwd: &Path, args: PushArgs) -> Result<i32> {
    let mut options = PushOptions::default();
    options.tasks = args.tasks;
    options.remote = args.remote;
    options.no_verify = args.no_verify;
    options.lease_from_fetch = args.lease_from_fetch;
    let report = forge::push(cwd, &options)?;
    chatter(ui, &report.git, &report.skipped);
    if args.json {
        ui.json(&report, true)?;
    } else {
        write_pushed(ui, &report.pushed)?;
    }
    Ok(report.exit_code())
}

/// The note that `git` pushed and why, and a warning per task left out.
pub fn chatter(ui: &Ui, git: &Path, skipped: &[Skipped]) {
    for s in skipped {
        ui.warning(&format!("{}: skipped, {}", s.task, s.why));
    }
    let _ = writeln!(
        ui.stderr(),
        "note: pushed with {} ({})",
        git.display(),
        forge::push::WHY_GIT
    );
}

/// `task: branch -> remote (how)`, and for a rejected one git's reason and what to do.
pub fn write_pushed(ui: &Ui, pushed: &[Pushed]) -> Result<()> {
    let mut out = ui.stdout();
    for p in pushed {
        let short = &p.commit[..p.commit.len().min(12)];
        let how = match p.outcome {
            PushOutcome::Created => "new branch",
            PushOutcome::FastForward => "fast-forward",
            PushOutcome::Forced => "replaced what git-agents pushed before",
            PushOutcome::UpToDate => "up to date",
            PushOutcome::Rejected => {
                let why = p.message.as_deref().unwrap_or("rejected");
                writeln!(
                    out,
                    "{}: {} -> {}: rejected: {why}",
                    p.task, p.branch, p.remote
                )?;
                if why.contains("stale info") {
                    ui.warning(&format!(
                        "{}: {} on {} is not where git-agents left it (someone else pushed?); fetch it and look: git fetch {} && git log {}..{}/{}; then --lease-from-fetch replaces it",
                        p.task, p.branch, p.remote, p.remote, p.branch, p.remote, p.branch
                    ));
                }
                continue;
            }
        };
        writeln!(
            out,
            "{}: {} -> {} ({how}) {short}",
            p.task, p.branch, p.remote
        )?;
    }
    Ok(())
}
