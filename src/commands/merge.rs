//! `git agents merge`: flags to library options, the report to stdout, chatter to stderr.
use std::path::Path;

use anyhow::Result;
use git_agents::agent::Template;
use git_agents::config::Overrides;
use git_agents::merge;
use git_agents::repo::Project;
use git_agents::runner::Runner;

use super::ui::Ui;
use crate::cli::merge::MergeArgs;

pub fn run(ui: &mut Ui, cwd: &Path, args: MergeArgs) -> Result<i32> {
    let mut overrides = Overrides::default();
    overrides.agent = args.agent.clone();
    overrides.command = args.command.as_deref().map(Template::parse).transpose()?;
    let project = Project::open(cwd, &overrides)?;
    let interrupt = merge::interrupt_on_signals()?;
    if args.resume || args.abort {
        let action = match args.resume {
            true => merge::Action::Continue,
            false => merge::Action::Abort,
        };
        let report = merge::resume(&project, action, &interrupt)?;
        for warning in &report.warnings {
            ui.warning(warning);
        }
        if args.json {
            ui.json(&report, true)?;
        } else {
            merge::text::write_resume(&report, &mut ui.stdout())?;
        }
        return Ok(0);
    }
    let mut options = merge::Options::new();
    options.names = args.names;
    options.into = args.into;
    options.dry_run = args.dry_run;
    options.atomic = args.atomic;
    options.no_ff = args.no_ff;
    options.no_verify = args.no_verify;
    options.resolve = args.resolve;
    options.trust = args.yes;
    let runner = (args.resolve && !args.dry_run).then(|| {
        let grace = project.settings().kill_grace.value;
        Runner::new(grace, Runner::find_supervisor())
    });
    if let Some(runner) = &runner {
        // Agents end with the merge: on a signal, and when git dies.
        runner.interrupt_on_signals()?;
        runner.end_when_git_dies();
    }
    options.interrupt = Some(interrupt);
    let reporter = ui.notes();
    let agents = runner.as_ref().map(|runner| merge::Agents {
        runner,
        reporter: reporter.as_ref(),
    });
    let report = merge::run_with(&project, &options, agents);
    reporter.finish();
    drop(reporter);
    let report = report?;
    for warning in &report.warnings {
        ui.warning(warning);
    }
    if args.json {
        ui.json(&report, true)?;
    } else {
        merge::text::write_text(&report, &mut ui.stdout())?;
    }
    Ok(report.exit_code())
}
