//! `git agents install-extras`: the man pages and completions where man, git and the shells
//! look for them, without root, then whatever is left for the user to do.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use super::failure::UsageError;
use super::generate::{Docs, FISH_GIT};
use super::ui::Ui;
use crate::cli::install_extras::InstallExtrasArgs;

pub fn run(ui: &mut Ui, args: InstallExtrasArgs) -> Result<i32> {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let home = || {
        home.clone().ok_or_else(|| UsageError {
            message: "HOME is not set".into(),
            hint: "pass --prefix DIR to say where to install".into(),
        })
    };
    let prefix = match args.prefix {
        Some(prefix) => std::path::absolute(prefix).context("resolving --prefix")?,
        None => home()?.join(".local"),
    };
    let fish_dir = match std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir.join("fish"),
        _ => home()?.join(".config/fish"),
    };
    let share = prefix.join("share");
    let dirs = Dirs {
        man: share.join("man/man1"),
        bash: share.join("bash-completion/completions"),
        zsh: share.join("zsh/site-functions"),
        fish: fish_dir,
    };

    let docs = Docs::new();
    let mut out = ui.stdout();
    for (name, text) in &docs.man {
        write(&dirs.man.join(name), text)?;
    }
    writeln!(
        out,
        "wrote {} man pages to {}",
        docs.man.len(),
        dirs.man.display()
    )?;
    for (path, text) in [
        (dirs.bash.join("git-agents"), docs.bash.as_str()),
        (dirs.zsh.join("_git-agents"), docs.zsh.as_str()),
        (dirs.fish.join("completions/git-agents.fish"), &docs.fish),
        (dirs.fish.join("conf.d/git-agents.fish"), FISH_GIT),
    ] {
        write(&path, text)?;
        writeln!(out, "wrote {}", path.display())?;
    }

    let todo = dirs.left_to_do(&share);
    if todo.is_empty() {
        writeln!(
            out,
            "\nDone: `git agents --help` opens the man page; completions work in new shells."
        )?;
    } else {
        writeln!(out, "\nLeft to you:")?;
        for line in todo {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(0)
}

struct Dirs {
    man: PathBuf,
    bash: PathBuf,
    zsh: PathBuf,
    fish: PathBuf,
}

impl Dirs {
    /// Steps the user still has to take for man and each shell present to find the files.
    fn left_to_do(&self, share: &Path) -> Vec<String> {
        let mut todo = Vec::new();
        let man_root = share.join("man");
        if !man_finds(&self.man.join("git-agents.1")) {
            let rest = match std::env::var("MANPATH") {
                Ok(path) if !path.is_empty() => format!(":{path}"),
                // A trailing colon keeps man's default search path.
                _ => ":".to_owned(),
            };
            todo.push(format!(
                "man: add to your shell's profile: export MANPATH=\"{}{rest}\"",
                man_root.display()
            ));
        }
        if on_path("bash") {
            let script = self.bash.join("git-agents");
            if !bash_completion_installed() {
                // Its directories load completions on demand only where bash-completion runs.
                todo.push(format!(
                    "bash: install bash-completion (apt install bash-completion, brew install bash-completion@2), or add to ~/.bashrc: source {}",
                    script.display()
                ));
            } else if !bash_completion_dirs().contains(&git_agents::repo::normalize(&self.bash)) {
                todo.push(format!(
                    "bash: add to ~/.bashrc: source {}",
                    script.display()
                ));
            }
        }
        if on_path("zsh") && !zsh_default_fpath().contains(&self.zsh) {
            todo.push(format!(
                "zsh: add to ~/.zshrc, before compinit: fpath=({} $fpath)",
                self.zsh.display()
            ));
        }
        todo
    }
}

/// Whether bash-completion itself is installed where distributions and Homebrew put it.
fn bash_completion_installed() -> bool {
    [
        "/usr/share/bash-completion/bash_completion",
        "/usr/local/share/bash-completion/bash_completion",
        "/etc/bash_completion",
        "/opt/homebrew/etc/profile.d/bash_completion.sh",
        "/usr/local/etc/profile.d/bash_completion.sh",
    ]
    .iter()
    .any(|p| Path::new(p).is_file())
}

fn write(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().expect("a file in a directory");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Whether `man -w git-agents` (what `git help agents` ends up running) resolves to `page`.
fn man_finds(page: &Path) -> bool {
    let Ok(out) = Command::new("man")
        .args(["-w", "git-agents"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
    else {
        return false;
    };
    let found = String::from_utf8_lossy(&out.stdout);
    let found = Path::new(found.trim());
    out.status.success() && same_file(found, page)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn on_path(program: &str) -> bool {
    which::which(program).is_ok()
}

/// Where bash-completion (2.9 and later) loads completions on demand from, for a user:
/// `$BASH_COMPLETION_USER_DIR` (a list), else `${XDG_DATA_HOME:-~/.local/share}/bash-completion`,
/// each with `/completions`; and `<dir of git-agents>/../share/bash-completion/completions`.
fn bash_completion_dirs() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = match std::env::var_os("BASH_COMPLETION_USER_DIR") {
        Some(list) if !list.is_empty() => std::env::split_paths(&list).collect(),
        _ => {
            let data = std::env::var_os("XDG_DATA_HOME")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share")));
            data.into_iter()
                .map(|d| d.join("bash-completion"))
                .collect()
        }
    };
    if let Some(bin_dir) = which::which("git-agents")
        .ok()
        .and_then(|p| p.parent().map(Path::to_owned))
    {
        roots.push(bin_dir.join("../share/bash-completion"));
    }
    roots
        .into_iter()
        .map(|root| git_agents::repo::normalize(&root.join("completions")))
        .collect()
}

/// Where zsh looks for completion functions without any startup file: the site-functions
/// directories of its usual prefixes (asking zsh itself would mean running a shell).
fn zsh_default_fpath() -> Vec<PathBuf> {
    [
        "/usr/local/share/zsh/site-functions",
        "/usr/share/zsh/site-functions",
        "/usr/share/zsh/vendor-completions",
    ]
    .iter()
    .map(PathBuf::from)
    .collect()
}
