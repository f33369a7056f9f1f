use std::path::Path;

use anyhow::Result;
use git_agents::logs::{self, LogsOptions};

use super::ui::Ui;
use crate::cli::logs::LogsArgs;

pub fn run(ui: &mut Ui, cwd: &Path, args: LogsArgs) -> Result<i32> {
    let mut options = LogsOptions::new(args.task);
    options.follow = args.follow;
    options.raw = args.raw;
    logs::show(cwd, &options, &mut ui.stdout())?;
    Ok(git_agents::error::exit::OK)
}
