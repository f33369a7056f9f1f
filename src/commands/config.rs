use std::io::Write;
use std::path::Path;

use anyhow::Result;
use git_agents::agent::Template;
use git_agents::config::Overrides;
use git_agents::repo::Project;

use super::ui::Ui;
use crate::cli::config::ConfigArgs;
use crate::cli::spawn::ModeArg;

pub fn run(ui: &mut Ui, cwd: &Path, args: ConfigArgs) -> Result<i32> {
    let overrides = Overrides {
        jobs: args.jobs,
        agent: args.agent,
        command: args.command.as_deref().map(Template::parse).transpose()?,
        mode: args.mode.map(ModeArg::mode),
        ..Overrides::default()
    };
    let project = Project::open(cwd, &overrides)?;
    let entries = project.settings.entries(&project.repo);
    if args.json {
        ui.json(&entries, true)?;
        return Ok(0);
    }
    let mut out = ui.stdout();
    let width = entries.iter().map(|e| e.key.len()).max().unwrap_or(0);
    let value_width = entries
        .iter()
        .map(|e| e.value.chars().count())
        .max()
        .unwrap_or(0)
        .min(48);
    for entry in &entries {
        let origin = entry.origin.map_or("unset", |origin| origin.label());
        let value = if entry.value.is_empty() {
            "-"
        } else {
            entry.value.as_str()
        };
        writeln!(
            out,
            "{:<width$}  {value:<value_width$}  {origin}",
            entry.key
        )?;
    }
    Ok(0)
}
