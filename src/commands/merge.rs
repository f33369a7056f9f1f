//! `git agents merge`: flags to library options, the report to stdout, chatter to stderr.
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use git_agents::config::Overrides;
use git_agents::merge;
use git_agents::repo::Project;

use crate::cli::merge::MergeArgs;

pub fn run(cwd: &Path, args: MergeArgs) -> Result<i32> {
    let project = Project::open(cwd, &Overrides::default())?;
    let options = merge::Options {
        names: args.names,
        into: args.into,
        dry_run: args.dry_run,
        atomic: args.atomic,
        no_ff: args.no_ff,
        no_verify: args.no_verify,
    };
    let report = merge::run(&project, &options)?;
    let mut stderr = std::io::stderr().lock();
    for warning in &report.warnings {
        let _ = writeln!(stderr, "warning: {warning}");
    }
    let mut stdout = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut stdout, &report)?;
        writeln!(stdout)?;
    } else {
        merge::text::write_text(&report, &mut stdout)?;
    }
    stdout.flush()?;
    Ok(report.exit_code())
}
