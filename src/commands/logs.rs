use std::path::Path;

use anyhow::Result;
use git_agents::logs::{self, LogsOptions, Runs};

use super::ui::Ui;
use crate::cli::logs::LogsArgs;

pub fn run(ui: &mut Ui, cwd: &Path, args: LogsArgs) -> Result<i32> {
    let mut options = LogsOptions::new(args.task);
    options.follow = args.follow;
    options.raw = args.raw;
    options.runs = match (args.run, args.all) {
        (Some(run), _) => Runs::Number(run),
        (None, true) => Runs::All,
        (None, false) => Runs::Latest,
    };
    logs::show(cwd, &options, &mut ui.stdout())?;
    Ok(git_agents::error::exit::OK)
}
