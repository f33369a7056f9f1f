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
    let written = if args.json {
        serde_json::to_writer_pretty(&mut stdout, &report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(stdout))
    } else {
        clean::write_report(&mut stdout, &report)
    };
    match written {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => return Err(err.into()),
        _ => {}
    }
    Ok(report.exit_code())
}
