use std::path::Path;

use anyhow::Result;
use git_agents::clean::{self, CleanOptions};

use super::ui::Ui;
use crate::cli::clean::CleanArgs;

pub fn run(ui: &mut Ui, cwd: &Path, args: CleanArgs) -> Result<i32> {
    let mut options = CleanOptions::new();
    options.interrupt = Some(super::signals::defer()?);
    options.tasks = args.tasks;
    options.force = args.force;
    options.keep_branches = args.keep_branches;
    options.prune = args.prune;
    options.into = args.into;
    let report = clean::clean(cwd, &options)?;
    if args.json {
        ui.json(&report, true)?;
    } else {
        clean::write_report(&mut ui.stdout(), &report)?;
    }
    Ok(report.exit_code())
}
