use std::io::Write;
use std::path::Path;

use anyhow::Result;
use git_agents::done::{self, DoneOptions};
use git_agents::error::exit;

use super::ui::Ui;
use crate::cli::done::DoneArgs;

pub fn run(ui: &mut Ui, cwd: &Path, args: DoneArgs) -> Result<i32> {
    let mut options = DoneOptions::default();
    options.tasks = args.tasks;
    options.force = args.force;
    let retired = done::retire(cwd, &options)?;
    let mut out = ui.stdout();
    for r in &retired {
        writeln!(
            out,
            "{}: retired {} -> {}",
            r.task,
            r.from.display(),
            r.to.display()
        )?;
    }
    Ok(exit::OK)
}
