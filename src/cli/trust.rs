use clap::Args;

/// Approve the agent, check and setup commands of committed task files.
///
/// A task file that came with the repository can name any command in its front matter
/// (`command:`, `verify:`, `setup:`); spawn and verify refuse to run those until you have read and
/// approved them here. Approval is per repository and per exact command, kept in
/// ~/.config/git-agents/trusted.json: a changed command needs approving again. For CI, pass
/// --yes to spawn or set git config agents.trust true.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents trust --list    show every command and whether it is approved
  git agents trust           approve them all (they are printed first)
  git agents trust auth      approve the commands of task auth only

Exit status: 0 done, 2 not a git repository or no such task.")]
pub struct TrustArgs {
    /// Task names or slugs; all tasks when none are given.
    #[arg(value_name = "TASK", value_hint = clap::ValueHint::Other)]
    pub tasks: Vec<String>,
    /// Only show the commands and whether each is approved; approve nothing.
    #[arg(long)]
    pub list: bool,
}
