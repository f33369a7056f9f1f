use std::path::Path;

use anyhow::Result;
use git_agents::logs::{self, LogsOptions};

use crate::cli::logs::LogsArgs;

pub fn run(cwd: &Path, args: LogsArgs) -> Result<i32> {
    let mut options = LogsOptions::new(args.task);
    options.follow = args.follow;
    let mut stdout = std::io::stdout().lock();
    logs::show(cwd, &options, &mut stdout)?;
    Ok(git_agents::error::exit::OK)
}
