//! Where agents work: `--mode` / `agents.mode`.

/// Where agents work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Mode {
    /// A linked worktree and a branch per task, in parallel.
    #[default]
    Worktree,
    /// One task after another in the main worktree, each on its own branch.
    Branch,
    /// In parallel in the main worktree, each task confined to its scope.
    Dir,
}

impl Mode {
    /// Every mode, in the order they are listed.
    pub const ALL: [Mode; 3] = [Mode::Worktree, Mode::Branch, Mode::Dir];

    /// The name `--mode` and git config agents.mode use.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Worktree => "worktree",
            Mode::Branch => "branch",
            Mode::Dir => "dir",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Mode {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Mode::ALL.into_iter().find(|m| m.name() == s).ok_or(())
    }
}
