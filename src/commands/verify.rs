use std::io::Write;
use std::path::Path;

use anyhow::Result;
use git_agents::error::exit;
use git_agents::runner::{Runner, DEFAULT_GRACE};
use git_agents::tasks::display_name;
use git_agents::verify::{verify_tasks, VerifyOptions};

use super::ui::Ui;
use crate::cli::verify::VerifyArgs;

pub fn run(ui: &mut Ui, cwd: &Path, args: VerifyArgs) -> Result<i32> {
    let options = VerifyOptions {
        tasks: args.tasks,
        command: args.command,
        jobs: args.jobs,
    };
    let runner = Runner::new(DEFAULT_GRACE, Runner::find_supervisor());
    let verdicts = verify_tasks(cwd, &options, &runner)?;
    if args.json {
        ui.json(&verdicts, true)?;
    } else {
        let mut out = ui.stdout();
        let width = verdicts
            .iter()
            .map(|v| display_name(&v.task).chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        writeln!(out, "{:<width$}  RESULT  DETAILS", "TASK")?;
        for verdict in &verdicts {
            let result = if verdict.result.passed {
                "pass"
            } else {
                "FAIL"
            };
            let details = verdict.result.message.clone().unwrap_or_default();
            writeln!(
                out,
                "{:<width$}  {result:<6}  {details}",
                display_name(&verdict.task)
            )?;
        }
    }
    Ok(if verdicts.iter().all(|v| v.result.passed) {
        exit::OK
    } else {
        exit::FAILED
    })
}
