use std::io::Write;
use std::path::Path;

use anyhow::Result;
use git_agents::clean::{self, CleanOptions};

use crate::cli::clean::CleanArgs;

pub fn run(cwd: &Path, args: CleanArgs) -> Result<i32> {
    let options = CleanOptions {
        tasks: args.tasks,
        force: args.force,
        keep_branches: args.keep_branches,
        into: args.into,
    };
    let report = clean::clean(cwd, &options)?;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut stdout, &report)?;
        writeln!(stdout)?;
    } else {
        clean::write_report(&mut stdout, &report)?;
    }
    stdout.flush()?;
    Ok(report.exit_code())
}
