use std::path::Path;

use anyhow::Result;
use git_agents::error::exit;
use git_agents::progress::Tone;
use git_agents::report::table::{Cell, Table};
use git_agents::runner::{Runner, DEFAULT_GRACE};
use git_agents::tasks::display_name;
use git_agents::verify::{verify_tasks, VerifyOptions};

use super::ui::Ui;
use crate::cli::verify::VerifyArgs;

pub fn run(ui: &mut Ui, cwd: &Path, args: VerifyArgs) -> Result<i32> {
    let mut options = VerifyOptions::new();
    options.tasks = args.tasks;
    options.command = args.command;
    options.jobs = args.jobs;
    options.trust = args.yes;
    let runner = Runner::new(DEFAULT_GRACE, Runner::find_supervisor());
    runner.end_when_git_dies();
    let verdicts = verify_tasks(cwd, &options, &runner)?;
    if args.json {
        ui.json(&verdicts, true)?;
    } else {
        let mut table = Table::new(&["TASK", "RESULT", "DETAILS"]);
        for verdict in &verdicts {
            let result = if verdict.result.passed {
                Cell::toned("pass", Tone::Good)
            } else {
                Cell::toned("FAIL", Tone::Bad)
            };
            let details = verdict.result.message.clone().unwrap_or_default();
            table.push(vec![
                display_name(&verdict.task).into_owned().into(),
                result,
                details.into(),
            ]);
        }
        ui.table(&table)?;
    }
    Ok(if verdicts.iter().all(|v| v.result.passed) {
        exit::OK
    } else {
        exit::FAILED
    })
}
