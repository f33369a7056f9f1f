use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use git_agents::agent::Template;
use git_agents::config::Overrides;
use git_agents::progress::{JsonLines, Reporter, Tee};
use git_agents::runner::Runner;
use git_agents::spawn::{self, SpawnOptions};

use super::ui::Ui;
use crate::cli::spawn::{ModeArg, SpawnArgs};

pub fn run(ui: &mut Ui, cwd: &Path, args: SpawnArgs) -> Result<i32> {
    let mut overrides = Overrides::new();
    overrides.jobs = args.jobs;
    overrides.agent = args.agent.clone();
    overrides.command = args.command.as_deref().map(Template::parse).transpose()?;
    overrides.prompt = args.prompt.clone();
    overrides.retries = args.retries;
    overrides.timeout = args.timeout;
    overrides.idle_timeout = args.idle_timeout;
    overrides.budget = args.budget;
    overrides.mode = args.mode.map(ModeArg::mode);
    overrides.backend = args.backend.map(crate::cli::spawn::BackendArg::backend);
    overrides.sparse = match (args.sparse, args.no_sparse) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let mut options = SpawnOptions::new().overrides(overrides);
    options.tasks = args.tasks.clone();
    options.base = args.base.clone();
    options.rerun = args.rerun;
    options.verify = args.verify || args.verify_command.is_some() || args.fix_attempts.is_some();
    options.verify_command = args.verify_command.clone();
    options.fix_attempts = args.fix_attempts.unwrap_or(0);
    options.trust = args.yes;
    let supervisor = args.supervisor.clone().or_else(Runner::find_supervisor);
    run_options(ui, cwd, &options, args.json, supervisor)
}

/// Plan and run a spawn (or a `continue`), showing progress, then its summary.
pub fn run_options(
    ui: &mut Ui,
    cwd: &Path,
    options: &SpawnOptions,
    json: bool,
    supervisor: Option<std::path::PathBuf>,
) -> Result<i32> {
    let capabilities = spawn::Capabilities::new(supervisor.is_some());
    let plan = spawn::Plan::new(cwd, options, capabilities)?;
    let names = plan.task_names();
    let display = ui.progress(&names, plan.project().settings().outbound.bell.value);
    let reporter: Box<dyn Reporter> = if json {
        Box::new(Tee(vec![display, Box::new(JsonLines::new(ui.stdout()))]))
    } else {
        display
    };
    for warning in plan.warnings() {
        reporter.event(&git_agents::progress::Event::Warning {
            message: warning.clone(),
        });
    }

    let runner = Runner::new(plan.project().settings().kill_grace.value, supervisor);
    let flag = runner.interrupt_flag();
    runner.end_when_git_dies();
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&flag))?;
    }
    let report = spawn::run(plan, reporter.as_ref(), &runner)?;
    drop(reporter);

    if json {
        let mut summary = serde_json::to_value(&report)?;
        summary["event"] = "summary".into();
        ui.json(&summary, false)?;
    } else {
        git_agents::report::write_summary(&mut ui.stdout(), &report, ui.stdout_paint())?;
    }
    Ok(report.exit_code())
}
