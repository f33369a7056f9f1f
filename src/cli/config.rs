use clap::Args;

use super::spawn::ModeArg;

/// Show every agents.* setting in effect, its value and where it came from.
///
/// Origins: default, system, global, local, worktree, env, or flag (for the flags given
/// here, which act as they would on spawn). Set values with git config, for example
/// `git config agents.jobs 8`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents config
  git agents config -j 8 --agent codex     show the effect of these flags

Exit status: 0 shown, 2 not a git repository or an invalid setting.")]
pub struct ConfigArgs {
    /// As spawn's -j.
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,
    /// As spawn's --agent.
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
    /// As spawn's --command.
    #[arg(long, value_name = "TEMPLATE")]
    pub command: Option<String>,
    /// As spawn's --mode.
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<ModeArg>,
    /// Print the settings as JSON.
    #[arg(long)]
    pub json: bool,
}
