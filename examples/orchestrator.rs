//! Pattern 4, programmatic orchestration: drive git-agents from your own Rust program.
//!
//! Run it inside a repository with task files; its arguments are the agent command:
//!
//!     cargo run --example orchestrator -- my-agent --task {task} {prompt}
//!
//! Ctrl-C stops the run: running agents get SIGTERM (then SIGKILL), and the next run resumes.

use std::time::Duration;

use git_agents::agent::Template;
use git_agents::config::Overrides;
use git_agents::progress::{Callback, Event};
use git_agents::runner::Runner;
use git_agents::spawn::{spawn, SpawnOptions};

fn main() -> anyhow::Result<()> {
    let command: Vec<String> = std::env::args().skip(1).collect();
    let overrides = Overrides::new()
        .command(Template::from_argv(command)?)
        .jobs(2usize);
    let options = SpawnOptions::new().overrides(overrides);
    // Every event of the run reaches this closure, from the worker threads.
    let reporter = Callback(|event: &Event| match event {
        Event::Output { task, line } => println!("[{task}] {line}"),
        Event::Finished { task, state, .. } => println!("{task}: {}", state.label()),
        Event::Warning { message } => eprintln!("warning: {message}"),
        _ => {}
    });
    let runner = Runner::new(Duration::from_secs(5), Runner::find_supervisor());
    runner.interrupt_on_signals()?;
    let report = spawn(&std::env::current_dir()?, &options, &reporter, &runner)?;
    std::process::exit(report.exit_code());
}
