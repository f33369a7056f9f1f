use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::ui::Ui;
use crate::cli::init::InitArgs;

pub fn run(ui: &mut Ui, cwd: &Path, _args: InitArgs) -> Result<i32> {
    let report = git_agents::init::init(cwd)?;
    let mut out = ui.stdout();
    for path in &report.created {
        writeln!(out, "created {}", path.display())?;
    }
    for path in &report.kept {
        writeln!(out, "kept    {} (already there)", path.display())?;
    }
    if report.existing_tasks > 0 {
        writeln!(
            out,
            "found   {} task file(s) already",
            report.existing_tasks
        )?;
    }
    if report.agents_found.is_empty() {
        writeln!(
            out,
            "\nNo agent CLI found on PATH. Install one (for example: npm install -g @anthropic-ai/claude-code),\nor run any program with: git agents spawn --command 'my-agent {{prompt}}'"
        )?;
    } else {
        writeln!(
            out,
            "\nAgent CLIs on PATH: {}",
            report.agents_found.join(", ")
        )?;
        if !report.agents_found.contains(&report.agent_in_use) {
            let suggested = &report.agents_found[0];
            writeln!(
                out,
                "spawn uses {} by default; to use {suggested}: git config agents.agent {suggested}",
                report.agent_in_use
            )?;
        }
    }
    writeln!(
        out,
        "\nNext:\n  1. write one .claude/tasks/<task>.md per task (example.md.sample shows the settings; it is
     not a task until renamed), and shared contracts in .claude/contracts/\n  2. git agents spawn            run an agent per task, each in its own worktree and branch\n  3. git agents status           watch them; git agents logs <task> for one\n  4. git agents merge --dry-run  forecast conflicts, then git agents merge"
    )?;
    Ok(0)
}
