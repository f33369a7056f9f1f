use std::io::Write;
use std::path::Path;

use anyhow::Result;
use git_agents::error::exit;
use git_agents::trust;

use super::ui::Ui;
use crate::cli::trust::TrustArgs;

pub fn run(ui: &mut Ui, cwd: &Path, args: TrustArgs) -> Result<i32> {
    let (repository, commands) = trust::review(cwd, &args.tasks)?;
    let mut out = ui.stdout();
    if commands.is_empty() {
        writeln!(out, "no committed task file names a command")?;
        return Ok(exit::OK);
    }
    for (command, trusted) in &commands {
        let what = command.used_for.label();
        let mark = match (trusted, args.list) {
            (true, _) => "approved",
            (false, true) => "not approved",
            (false, false) => "approving",
        };
        writeln!(
            out,
            "{mark:<12} {} ({what}): {}",
            command.task, command.command_line
        )?;
    }
    if !args.list {
        let open: Vec<_> = commands
            .into_iter()
            .filter(|(_, t)| !t)
            .map(|(c, _)| c)
            .collect();
        trust::approve(&repository, &open)?;
    }
    Ok(exit::OK)
}
