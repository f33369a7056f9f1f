//! One file per subcommand; this module only dispatches. `ui` is the one output edge every
//! command writes through, `failure` turns errors into exit codes and `hints` words the
//! library's remedies.

mod clean;
mod color;
mod complete_tasks;
mod config;
mod continue_task;
mod done;
mod failure;
mod generate;
mod hints;
mod init;
mod install_extras;
mod logs;
mod merge;
mod pr;
mod push;
mod signals;
mod spawn;
mod status;
mod trust;
mod ui;
mod verify;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, ColorWhen, Command};
use ui::Ui;

pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args
        .get(1)
        .is_some_and(|a| a == git_agents::runner::supervise::SUBCOMMAND)
    {
        return ExitCode::from(git_agents::runner::supervise::main(&args[2..]) as u8);
    }
    if args
        .get(1)
        .is_some_and(|a| a == git_agents::backend::slurm::SUBCOMMAND)
    {
        return ExitCode::from(git_agents::backend::slurm::job_main(&args[2..]) as u8);
    }
    if args
        .get(1)
        .is_some_and(|a| a == git_agents::monitor::SUBCOMMAND)
    {
        return ExitCode::from(git_agents::monitor::main(&args[2..]) as u8);
    }
    failure::catching_panics(|| run(args))
}

fn run(args: Vec<OsString>) -> ExitCode {
    // Hidden helpers for building the docs and for the shell completions, outside clap so they
    // appear in no help, man page or completion.
    let helper = || Ui::with(ColorWhen::Auto, false);
    match args.get(1).and_then(|a| a.to_str()) {
        Some(generate::SUBCOMMAND) => {
            return failure::finish(&helper(), generate::main(&args[2..]))
        }
        Some(complete_tasks::SUBCOMMAND) => {
            return ExitCode::from(complete_tasks::main(&helper()) as u8)
        }
        _ => {}
    }
    let cli = match parse(args) {
        Ok(cli) => cli,
        Err(err) => return failure::clap_stopped(&err),
    };
    let mut ui = Ui::new(&cli);
    if let Err(err) = failure::injected() {
        return failure::finish(&ui, Err(err));
    }
    let result = dispatch(&mut ui, cli).and_then(|code| {
        ui.flush()?;
        Ok(code)
    });
    failure::finish(&ui, result)
}

/// The command line, with clap's own help and errors coloured as `--color` says.
fn parse(args: Vec<OsString>) -> Result<Cli, clap::Error> {
    let mut cmd = Cli::command();
    if let Some(when) = color::asked(&args) {
        cmd = cmd.color(match when {
            ColorWhen::Auto => clap::ColorChoice::Auto,
            ColorWhen::Always => clap::ColorChoice::Always,
            ColorWhen::Never => clap::ColorChoice::Never,
        });
    }
    let mut matches = cmd.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches_mut(&mut matches).map_err(|err| err.format(&mut cmd))
}

fn dispatch(ui: &mut Ui, cli: Cli) -> anyhow::Result<i32> {
    let cwd = match cli.directory.clone() {
        Some(dir) => dir,
        None => std::env::current_dir().unwrap_or_else(|_| ".".into()),
    };
    match cli.command {
        Command::Init(args) => init::run(ui, &cwd, args),
        Command::Spawn(args) => spawn::run(ui, &cwd, args),
        Command::Config(args) => config::run(ui, &cwd, args),
        Command::Trust(args) => trust::run(ui, &cwd, args),
        Command::Status(args) => status::run(ui, &cwd, args),
        Command::Logs(args) => logs::run(ui, &cwd, args),
        Command::Continue(args) => continue_task::run(ui, &cwd, args),
        Command::Done(args) => done::run(ui, &cwd, args),
        Command::Clean(args) => clean::run(ui, &cwd, args),
        Command::Merge(args) => merge::run(ui, &cwd, args),
        Command::Verify(args) => verify::run(ui, &cwd, args),
        Command::InstallExtras(args) => install_extras::run(ui, args),
        Command::Push(args) => push::run(ui, &cwd, args),
        Command::Pr(args) => pr::run(ui, &cwd, args),
    }
}
