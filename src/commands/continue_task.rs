use std::path::Path;

use anyhow::Result;
use git_agents::config::Overrides;
use git_agents::runner::Runner;
use git_agents::spawn::SpawnOptions;

use super::ui::Ui;
use crate::cli::continue_task::ContinueArgs;

pub fn run(ui: &mut Ui, cwd: &Path, args: ContinueArgs) -> Result<i32> {
    let mut overrides = Overrides::new();
    overrides.prompt = Some(args.prompt);
    let mut options = SpawnOptions::new().overrides(overrides);
    options.tasks = vec![args.task];
    options.rerun = true;
    options.continue_session = true;
    options.trust = args.yes;
    super::spawn::run_options(ui, cwd, &options, args.json, Runner::find_supervisor())
}
