//! Pattern 4, programmatic orchestration: drive git-agents from your own Rust program.
//!
//! Run it inside a repository with task files; its arguments are the agent command:
//!
//!     cargo run --example orchestrator -- my-agent --task {task} {prompt}

use std::time::Duration;

use git_agents::agent::Template;
use git_agents::config::Overrides;
use git_agents::progress::{Callback, Event};
use git_agents::runner::Runner;
use git_agents::spawn::{spawn, SpawnOptions};

fn main() -> anyhow::Result<()> {
    let command: Vec<String> = std::env::args().skip(1).collect();
    let options = SpawnOptions {
        overrides: Overrides {
            command: Some(Template::from_argv(command)?),
            jobs: Some(2),
            ..Overrides::default()
        },
        ..SpawnOptions::default()
    };
    // Every event of the run reaches this closure, from the worker threads.
    let reporter = Callback(|event: &Event| match event {
        Event::Output { task, line } => println!("[{task}] {line}"),
        Event::Finished { task, state, .. } => println!("{task}: {}", state.label()),
        _ => {}
    });
    let runner = Runner::new(Duration::from_secs(5), Runner::find_supervisor());
    let report = spawn(&std::env::current_dir()?, &options, &reporter, &runner)?;
    std::process::exit(report.exit_code());
}
