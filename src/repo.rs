//! The repository git-agents works on: its main worktree, settings and the paths derived from them.
#![doc(hidden)]

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};

use crate::config::{Overrides, Settings};
use crate::error::{Error, Fix};

/// A repository with a main worktree, opened from anywhere inside it or one of its linked worktrees.
pub struct Project {
    /// The main worktree's repository.
    pub(crate) repo: gix::Repository,
    /// The main worktree's root directory (canonical).
    pub(crate) root: PathBuf,
    /// The shared git directory (canonical); state lives under `agents/` in it.
    pub(crate) common_dir: PathBuf,
    pub(crate) settings: Settings,
    /// Where the command runs (canonical): printed paths are relative to it, as git's are.
    pub(crate) cwd: PathBuf,
}

impl Project {
    /// Discover the repository containing `start` and load its settings.
    pub fn open(start: &Path, overrides: &Overrides) -> Result<Project> {
        let repo = open_main_repo(start)?;
        let root = repo
            .workdir()
            .context("the main repository has no worktree")?
            .canonicalize()
            .context("resolving the main worktree's path")?;
        let common_dir = repo
            .common_dir()
            .canonicalize()
            .context("resolving the git directory")?;
        let mut settings = Settings::load(&repo, overrides)?;
        settings.place_defaults(&root, &common_dir.join(crate::gitops::STATE_DIR));
        let cwd = start.canonicalize().unwrap_or_else(|_| root.clone());
        Ok(Project {
            repo,
            root,
            common_dir,
            settings,
            cwd,
        })
    }

    /// The main worktree's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` as the user should read it: relative to the directory the command runs in.
    pub fn shown(&self, path: &Path) -> PathBuf {
        relative_to(path, &self.cwd)
    }

    /// The directory the command runs in, which printed paths are relative to.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// Every `agents.*` setting in effect, with where it came from.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The settings as `git agents config` lists them.
    pub fn config_entries(&self) -> Vec<crate::config::Entry> {
        self.settings.entries(&self.repo)
    }

    /// `<git-common-dir>/agents`, where state, locks and bookkeeping live.
    pub fn state_dir(&self) -> PathBuf {
        self.common_dir.join(crate::gitops::STATE_DIR)
    }

    /// A configured path made absolute against the main worktree's root.
    pub fn resolve(&self, configured: &Path) -> PathBuf {
        normalize(&self.root.join(configured))
    }

    /// Where worktree mode puts the tasks' worktrees (`agents.workspaceRoot`), absolute.
    pub fn workspace_root(&self) -> PathBuf {
        self.resolve(&self.settings.workspace_root.value)
    }

    /// Where the agents' and checks' logs go (`agents.logDir`), absolute.
    pub fn log_dir(&self) -> PathBuf {
        self.resolve(&self.settings.log_dir.value)
    }

    /// Where the task files are (`agents.tasksDir`), as configured: relative to
    /// [`Project::root`] unless absolute.
    pub fn tasks_dir(&self) -> &Path {
        &self.settings.tasks_dir.value
    }

    /// The full branch name for a task slug.
    pub fn branch_for(&self, slug: &str) -> String {
        format!("{}{}", self.settings.branch_prefix.value, slug)
    }
}

/// Open the repository around `start`, refusing bare repositories, and return the main worktree's.
pub fn open_main_repo(start: &Path) -> Result<gix::Repository> {
    let repo = gix::discover(start).map_err(|_| {
        Error::usage(format!("not a git repository: {}", start.display()))
            .with_fix(Fix::InitRepository)
    })?;
    if repo.workdir().is_none() {
        return Err(Error::usage(
            "this is a bare repository: there is no worktree to run agents from",
        )
        .with_fix(Fix::UseWorkingTree)
        .into());
    }
    let main = if repo.kind() == gix::repository::Kind::LinkedWorkTree {
        repo.main_repo()
            .context("opening the main worktree's repository")?
    } else {
        repo
    };
    let workdir = main
        .workdir()
        .context("the main repository has no worktree")?;
    crate::gitops::open_worktree(workdir)
}

/// Remove `.` and `..` components without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Check the author identity the commits will carry, before anything starts.
pub fn check_identity(repo: &gix::Repository) -> Result<()> {
    let missing = || {
        Error::usage("author identity unknown: git config user.name and user.email are not set")
            .with_fix(Fix::SetIdentity)
    };
    match (repo.author(), repo.committer()) {
        (Some(Ok(_)), Some(Ok(_))) => Ok(()),
        (None, _) | (_, None) => Err(missing().into()),
        (Some(Err(err)), _) | (_, Some(Err(err))) => Err(Error::usage(format!(
            "the author or committer date is invalid: {err}"
        ))
        .with_fix(Fix::Text("fix GIT_AUTHOR_DATE / GIT_COMMITTER_DATE".into()))
        .into()),
    }
}

/// Resolve a revision to a commit id; `None` means HEAD of the main worktree.
pub fn resolve_base(repo: &gix::Repository, rev: Option<&str>) -> Result<gix::ObjectId> {
    let spec = rev.unwrap_or("HEAD");
    let bad = || {
        if rev.is_none() {
            Error::usage(
                "the main worktree has no commit yet (HEAD is unborn), so there is nothing to branch from",
            )
            .with_fix(Fix::ChooseBase { head_unborn: true })
        } else {
            Error::usage(format!("the base '{spec}' does not name a commit"))
                .with_fix(Fix::ChooseBase { head_unborn: false })
        }
    };
    let id = repo.rev_parse_single(spec).map_err(|_| bad())?;
    let commit = id
        .object()
        .map_err(|_| bad())?
        .peel_to_commit()
        .map_err(|_| bad())?;
    Ok(commit.id)
}

/// `path` relative to `base` (with `..` where needed), for display; both absolute.
pub fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let path_parts: Vec<_> = path.components().collect();
    let base_parts: Vec<_> = base.components().collect();
    let common = path_parts
        .iter()
        .zip(&base_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return path.to_owned();
    }
    let mut out = PathBuf::new();
    for _ in common..base_parts.len() {
        out.push("..");
    }
    for part in &path_parts[common..] {
        out.push(part.as_os_str());
    }
    out
}
