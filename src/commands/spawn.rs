use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use git_agents::agent::Template;
use git_agents::config::Overrides;
use git_agents::progress::{JsonLines, Plain, Reporter, Silent, Tee, Terminal};
use git_agents::runner::Runner;
use git_agents::spawn::{self, SpawnOptions};

use crate::cli::spawn::{ModeArg, SpawnArgs};

pub fn run(cwd: &Path, args: SpawnArgs) -> Result<i32> {
    let options = SpawnOptions {
        tasks: args.tasks.clone(),
        base: args.base.clone(),
        rerun: args.rerun,
        overrides: Overrides {
            jobs: args.jobs,
            agent: args.agent.clone(),
            command: args.command.as_deref().map(Template::parse).transpose()?,
            prompt: args.prompt.clone(),
            retries: args.retries,
            timeout: args.timeout,
            mode: args.mode.map(ModeArg::mode),
        },
        verify: args.verify || args.verify_command.is_some() || args.fix_attempts.is_some(),
        verify_command: args.verify_command.clone(),
        fix_attempts: args.fix_attempts.unwrap_or(0),
    };
    let supervisor = args.supervisor.clone().or_else(Runner::find_supervisor);
    let capabilities = spawn::Capabilities {
        supervised: supervisor.is_some(),
    };
    let plan = spawn::Plan::new(cwd, &options, capabilities)?;
    let names: Vec<String> = plan.tasks.iter().map(|t| t.task.name.clone()).collect();
    let display: Box<dyn Reporter> = if args.quiet {
        Box::new(Silent)
    } else if std::io::stderr().is_terminal() {
        Box::new(Terminal::new(&names, git_agents::progress::unpainted))
    } else {
        Box::new(Plain::new(std::io::stderr()))
    };
    let reporter: Box<dyn Reporter> = if args.json {
        Box::new(Tee(vec![
            display,
            Box::new(JsonLines::new(std::io::stdout())),
        ]))
    } else {
        display
    };
    for warning in &plan.warnings {
        reporter.event(&git_agents::progress::Event::Warning {
            message: warning.clone(),
        });
    }

    let runner = Runner::new(plan.project.settings.kill_grace.value, supervisor);
    let flag = runner.interrupt_flag();
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&flag))?;
    }
    let report = spawn::run(plan, reporter.as_ref(), &runner)?;
    drop(reporter);

    let mut stdout = std::io::stdout().lock();
    if args.json {
        let mut summary = serde_json::to_value(&report)?;
        summary["event"] = "summary".into();
        serde_json::to_writer(&mut stdout, &summary)?;
        writeln!(stdout)?;
    } else {
        git_agents::report::write_summary(&mut stdout, &report, git_agents::progress::unpainted)?;
    }
    Ok(report.exit_code())
}
