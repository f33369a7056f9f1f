use clap::Args;

use super::spawn::ModeArg;

/// Show every agents.* setting in effect, its value and where it came from.
///
/// Origins: default, system, global, local, worktree, command line (git -c), env, or flag
/// (for the flags given here, which act as they would on spawn). Values are read as git reads
/// them, includes and includeIf too. Set them with git config, for example
/// `git config agents.jobs 8`, or for one run with `git -c agents.jobs=8 agents spawn`.
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
