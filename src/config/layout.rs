//! Where a repository's worktrees and logs go unless set one by one: `agents.layout`.

use std::path::{Path, PathBuf};

use super::{Origin, Settings};

/// Where a repository's worktrees and logs go by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// `../<repo>.agents/<task>` and `<git-common-dir>/agents/logs/`: never shared with
    /// another repository.
    Repo,
    /// The seed's `../workspaces/<task>` and `../logs/`.
    Seed,
}

impl std::str::FromStr for Layout {
    type Err = ();
    fn from_str(raw: &str) -> Result<Layout, ()> {
        match raw {
            "repo" => Ok(Layout::Repo),
            "seed" => Ok(Layout::Seed),
            _ => Err(()),
        }
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Layout::Repo => "repo",
            Layout::Seed => "seed",
        })
    }
}

impl Settings {
    /// The places of the default layout, once the repository is known: worktrees in
    /// `../<name>.agents` beside the main worktree `root`, logs in `<state_dir>/logs`. Places
    /// set in git config or `agents.layout seed` stay as they are.
    pub(crate) fn place_defaults(&mut self, root: &Path, state_dir: &Path) {
        if self.layout.value != Layout::Repo {
            return;
        }
        if self.workspace_root.origin == Origin::Default {
            let name = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "repo".into());
            self.workspace_root.value = PathBuf::from(format!("../{name}.agents"));
        }
        if self.log_dir.origin == Origin::Default {
            self.log_dir.value = state_dir.join("logs");
        }
    }
}
