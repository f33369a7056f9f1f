//! One file per subcommand; this module only dispatches and maps errors to exit codes.

mod clean;
mod complete_tasks;
mod config;
mod generate;
mod init;
mod install_extras;
mod logs;
mod merge;
mod spawn;
mod status;
mod verify;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use git_agents::error;

pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args
        .get(1)
        .is_some_and(|a| a == git_agents::runner::supervise::SUBCOMMAND)
    {
        return ExitCode::from(git_agents::runner::supervise::main(&args[2..]) as u8);
    }
    // Hidden helpers for building the docs and for the shell completions, outside clap so they
    // appear in no help, man page or completion.
    match args.get(1).and_then(|a| a.to_str()) {
        Some(generate::SUBCOMMAND) => return finish(generate::main(&args[2..])),
        Some(complete_tasks::SUBCOMMAND) => return ExitCode::from(complete_tasks::main() as u8),
        _ => {}
    }
    let cli = Cli::parse_from(args);
    let cwd = match cli.directory.clone() {
        Some(dir) => dir,
        None => std::env::current_dir().unwrap_or_else(|_| ".".into()),
    };
    let result = match cli.command {
        Command::Init(args) => init::run(&cwd, args),
        Command::Spawn(args) => spawn::run(&cwd, args),
        Command::Config(args) => config::run(&cwd, args),
        Command::Status(args) => status::run(&cwd, args),
        Command::Logs(args) => logs::run(&cwd, args),
        Command::Clean(args) => clean::run(&cwd, args),
        Command::Merge(args) => merge::run(&cwd, args),
        Command::Verify(args) => verify::run(&cwd, args),
        Command::InstallExtras(args) => install_extras::run(args),
    };
    finish(result)
}

/// The exit code for a command's result, printing an error and its hint on stderr.
fn finish(result: anyhow::Result<i32>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => {
            let (code, message, hint) = error::describe(&err);
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {message}");
            if let Some(hint) = hint {
                let _ = writeln!(stderr, "hint: {hint}");
            }
            ExitCode::from(code as u8)
        }
    }
}
