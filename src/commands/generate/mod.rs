//! `git-agents __generate OUT_DIR`: the man pages and shell completions, from the clap
//! definitions. Run `cargo run -- __generate .` after changing the CLI and commit `man/` and
//! `completions/`; a test fails while they are stale. `install-extras` installs the same text.

mod completions;
mod man;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::Cli;

pub use completions::{BASH, FISH, FISH_GIT, ZSH};

/// The hidden subcommand's name, handled before clap (like `__supervise`).
pub const SUBCOMMAND: &str = "__generate";

/// Everything generated from the clap definitions.
pub struct Docs {
    /// `(file name, roff)`: `git-agents.1`, then `git-agents-<sub>.1` per visible subcommand.
    pub man: Vec<(String, String)>,
    pub bash: String,
    pub zsh: String,
    pub fish: String,
}

impl Docs {
    pub fn new() -> Docs {
        let cmd = Cli::command();
        let scripts = completions::Scripts::new(&cmd);
        Docs {
            man: man::pages(&cmd),
            bash: scripts.bash,
            zsh: scripts.zsh,
            fish: scripts.fish,
        }
    }

    /// `(path under OUT_DIR, contents)`: `man/*.1` and `completions/*`.
    pub fn files(&self) -> Vec<(PathBuf, &str)> {
        let man = self
            .man
            .iter()
            .map(|(name, text)| (Path::new("man").join(name), text.as_str()));
        let completions = [(BASH, &self.bash), (ZSH, &self.zsh), (FISH, &self.fish)]
            .into_iter()
            .map(|(name, text)| (Path::new("completions").join(name), text.as_str()));
        man.chain(completions).collect()
    }
}

/// `__generate OUT_DIR`: write every file under OUT_DIR, and remove the pages of subcommands
/// that no longer exist (`man/git-agents*.1` that were not written).
pub fn main(args: &[OsString]) -> Result<i32> {
    let [out_dir] = args else {
        return Err(super::failure::UsageError {
            message: "expected one argument, the directory to write into".into(),
            hint: format!("usage: git-agents {SUBCOMMAND} OUT_DIR"),
        }
        .into());
    };
    let out_dir = Path::new(out_dir);
    let docs = Docs::new();
    let files = docs.files();
    for (path, contents) in &files {
        let path = out_dir.join(path);
        let parent = path.parent().expect("a file under a directory");
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
    }
    let man_dir = out_dir.join("man");
    for entry in
        std::fs::read_dir(&man_dir).with_context(|| format!("reading {}", man_dir.display()))?
    {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let ours = name.starts_with("git-agents") && name.ends_with(".1");
        if ours && !files.iter().any(|(p, _)| out_dir.join(p) == path) {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "wrote {} man pages to {} and 3 completion scripts to {}",
        docs.man.len(),
        man_dir.display(),
        out_dir.join("completions").display()
    );
    Ok(0)
}
