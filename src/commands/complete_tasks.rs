//! `git-agents __complete-tasks`: the task names of the repository in the current directory,
//! one per line, for the shell completions. Prints nothing on any error: a completion must
//! never show one.

use std::io::Write;

use git_agents::config::Overrides;
use git_agents::repo::Project;
use git_agents::tasks;

use super::ui::Ui;

/// The hidden subcommand's name, handled before clap (like `__supervise`).
pub const SUBCOMMAND: &str = "__complete-tasks";

pub fn main(ui: &Ui) -> i32 {
    let Ok(cwd) = std::env::current_dir() else {
        return 0;
    };
    let Ok(project) = Project::open(&cwd, &Overrides::default()) else {
        return 0;
    };
    let Ok((tasks, _warnings)) = tasks::discover(project.root(), project.tasks_dir()) else {
        return 0;
    };
    let mut out = ui.stdout();
    for task in tasks.iter().filter(|t| !t.name.contains('\n')) {
        if writeln!(out, "{}", task.name).is_err() {
            break;
        }
    }
    0
}
