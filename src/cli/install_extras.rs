use std::path::PathBuf;

use clap::Args;

/// Install the man pages and the bash, zsh and fish completions, without root.
///
/// Writes the man pages to PREFIX/share/man/man1/, the bash completion to
/// PREFIX/share/bash-completion/completions/git-agents, the zsh completion to
/// PREFIX/share/zsh/site-functions/_git-agents, and the fish completion to
/// ~/.config/fish/completions/git-agents.fish (for `git-agents`) and
/// ~/.config/fish/conf.d/git-agents.fish (for `git agents`). The files are built into the
/// binary, so a `cargo install`ed git-agents can install them. Existing files of the same
/// name are replaced; nothing else is touched. Then it prints any step left to you, such as
/// adding PREFIX/share/man to MANPATH or the zsh directory to fpath.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents install-extras                 into ~/.local and ~/.config/fish
  git agents install-extras --prefix /opt/git-agents
  cargo install --path . && git agents install-extras
                                            install the binary, then its docs

Exit status: 0 every file written, 1 a file could not be written.")]
pub struct InstallExtrasArgs {
    /// Install under this directory instead of ~/.local.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub prefix: Option<PathBuf>,
}
