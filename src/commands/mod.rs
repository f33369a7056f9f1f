//! One file per subcommand; this module only dispatches. `failure` turns errors into exit codes
//! and `hints` words the library's remedies.

mod clean;
mod complete_tasks;
mod config;
mod failure;
mod generate;
mod hints;
mod init;
mod install_extras;
mod logs;
mod merge;
mod spawn;
mod status;
mod trust;
mod verify;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args
        .get(1)
        .is_some_and(|a| a == git_agents::runner::supervise::SUBCOMMAND)
    {
        return ExitCode::from(git_agents::runner::supervise::main(&args[2..]) as u8);
    }
    failure::catching_panics(|| run(args))
}

fn run(args: Vec<OsString>) -> ExitCode {
    // Hidden helpers for building the docs and for the shell completions, outside clap so they
    // appear in no help, man page or completion.
    match args.get(1).and_then(|a| a.to_str()) {
        Some(generate::SUBCOMMAND) => return failure::finish(generate::main(&args[2..])),
        Some(complete_tasks::SUBCOMMAND) => return ExitCode::from(complete_tasks::main() as u8),
        _ => {}
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => return failure::clap_stopped(&err),
    };
    if let Err(err) = failure::injected() {
        return failure::finish(Err(err));
    }
    let cwd = match cli.directory.clone() {
        Some(dir) => dir,
        None => std::env::current_dir().unwrap_or_else(|_| ".".into()),
    };
    let result = match cli.command {
        Command::Init(args) => init::run(&cwd, args),
        Command::Spawn(args) => spawn::run(&cwd, args),
        Command::Config(args) => config::run(&cwd, args),
        Command::Trust(args) => trust::run(&cwd, args),
        Command::Status(args) => status::run(&cwd, args),
        Command::Logs(args) => logs::run(&cwd, args),
        Command::Clean(args) => clean::run(&cwd, args),
        Command::Merge(args) => merge::run(&cwd, args),
        Command::Verify(args) => verify::run(&cwd, args),
        Command::InstallExtras(args) => install_extras::run(args),
    };
    failure::finish(result)
}
