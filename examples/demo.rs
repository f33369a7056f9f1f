//! git-agents end to end in a few seconds, on any machine, with no agent CLI: a throwaway
//! repository with two tasks, each run by a toy agent (`touch {task}.txt`) in its own branch and
//! worktree, then merged home. The README's first command runs it:
//!
//!     cargo run --example demo
//!
//! The repository is made (with gix) in a temporary directory and removed at the end; pass a
//! directory to keep it there instead: `cargo run --example demo -- /tmp/demo`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use git_agents::{merge, spawn, Callback, Event, MergeOptions, Overrides, Runner, SpawnOptions};
use git_agents::{status, StatusOptions, Template};

fn main() -> Result<()> {
    let kept = std::env::args().nth(1).map(PathBuf::from);
    let root = kept.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("git-agents-demo-{}", std::process::id()))
    });
    let repo = root.join("demo");
    make_repository(&repo)?;
    println!("a repository with two tasks: {}", repo.display());

    let agent = Template::from_argv(vec!["touch".into(), "{task}.txt".into()])?;
    let options = SpawnOptions::new().overrides(Overrides::new().command(agent));
    let events = Callback(|event: &Event| {
        if let Event::Finished { task, state, .. } = event {
            println!("  {task}: {}", state.label());
        }
    });
    let runner = Runner::new(Duration::from_secs(5), Runner::find_supervisor());
    let report = spawn(&repo, &options, &events, &runner)?;
    println!(
        "spawn: {} tasks, exit {}",
        report.tasks.len(),
        report.exit_code()
    );

    for task in status(&repo, &StatusOptions::new())?.tasks {
        println!(
            "  {} on {}: {} file(s) changed",
            task.task,
            task.branch,
            task.files_changed.unwrap_or(0)
        );
    }
    let merged = merge(&repo, &MergeOptions::default())?;
    println!(
        "merge: main moved from {} to {}",
        &merged.before[..8],
        &merged.after[..8]
    );
    if kept.is_none() {
        std::fs::remove_dir_all(&root).ok();
    }
    Ok(())
}

/// A repository with one empty commit on `main`, an identity of its own, and two task files.
fn make_repository(repo: &Path) -> Result<()> {
    std::fs::create_dir_all(repo)?;
    let git = gix::init(repo).context("making the demo repository")?;
    let config = git.git_dir().join("config");
    let mut text = std::fs::read_to_string(&config)?;
    text.push_str("[user]\n\tname = git-agents demo\n\temail = demo@example.com\n");
    std::fs::write(&config, text)?;
    let git = gix::open(repo)?;
    let tree = git.write_object(gix::objs::Tree::empty())?.detach();
    git.commit("refs/heads/main", "init", tree, gix::commit::NO_PARENT_IDS)?;
    let tasks = repo.join(".claude/tasks");
    std::fs::create_dir_all(&tasks)?;
    std::fs::write(tasks.join("hello.md"), "# Say hello\n")?;
    std::fs::write(tasks.join("bye.md"), "# Say bye\n")?;
    Ok(())
}
