use std::path::Path;

use anyhow::Result;
use git_agents::agent::Template;
use git_agents::config::Overrides;
use git_agents::repo::Project;
use git_agents::report::table::Table;

use super::ui::Ui;
use crate::cli::config::ConfigArgs;
use crate::cli::spawn::ModeArg;

/// Values longer than this push their origin right instead of widening the column.
const VALUE_WIDTH: usize = 48;

pub fn run(ui: &mut Ui, cwd: &Path, args: ConfigArgs) -> Result<i32> {
    let mut overrides = Overrides::new();
    overrides.jobs = args.jobs;
    overrides.agent = args.agent;
    overrides.command = args.command.as_deref().map(Template::parse).transpose()?;
    overrides.mode = args.mode.map(ModeArg::mode);
    let project = Project::open(cwd, &overrides)?;
    let entries = project.config_entries();
    if args.json {
        ui.json(&entries, true)?;
        return Ok(0);
    }
    let mut table = Table::headless().max_width(1, VALUE_WIDTH);
    for entry in &entries {
        let value = if entry.value.is_empty() {
            "-"
        } else {
            entry.value.as_str()
        };
        let origin = entry.origin.map_or("unset", |origin| origin.label());
        table.push(vec![entry.key.as_str().into(), value.into(), origin.into()]);
    }
    ui.table(&table)?;
    Ok(0)
}
