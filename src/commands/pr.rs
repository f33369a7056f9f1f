//! `git agents pr`: the pushes, then one line per request with its URL.
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use git_agents::forge::{self, PrOptions, PushOutcome, RequestOutcome};

use super::ui::Ui;
use crate::cli::pr::PrArgs;

pub fn run(ui: &mut Ui, cwd: &Path, args: PrArgs) -> Result<i32> {
    let mut options = PrOptions::default();
    options.tasks = args.tasks;
    options.remote = args.remote;
    options.base = args.base;
    options.draft = args.draft;
    options.no_verify = args.no_verify;
    let report = forge::open_requests(cwd, &options)?;
    super::push::chatter(ui, &report.git, &report.skipped);
    if args.json {
        ui.json(&report, true)?;
        return Ok(report.exit_code());
    }
    let rejected: Vec<_> = report
        .pushed
        .iter()
        .filter(|p| p.outcome == PushOutcome::Rejected)
        .cloned()
        .collect();
    super::push::write_pushed(ui, &rejected)?;
    let mut out = ui.stdout();
    let program = report.program.display();
    for r in &report.requests {
        match r.outcome {
            RequestOutcome::Created | RequestOutcome::Updated => {
                let how = match r.outcome {
                    RequestOutcome::Created => "opened",
                    _ => "updated",
                };
                let url = r.url.as_deref().unwrap_or("(no URL printed)");
                writeln!(out, "{}: {url} ({how})", r.task)?;
            }
            RequestOutcome::Failed => {
                let words = r.message.as_deref().unwrap_or("failed");
                match r.exit_code {
                    Some(code) => ui.warning(&format!(
                        "{}: {program} failed (exit {code}): {words}",
                        r.task
                    )),
                    None => ui.warning(&format!("{}: {words}", r.task)),
                }
            }
        }
    }
    Ok(report.exit_code())
}
