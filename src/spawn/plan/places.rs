//! Where a spawn will write, checked before anything is created: the workspace root must lie
//! outside the repository and not be `/`, and the log directory must take a file.

use std::path::Path;

use anyhow::Result;

use crate::config::keys;
use crate::error::{Error, Fix};
use crate::repo::Project;
use crate::spawn::Mode;

pub fn check(project: &Project, mode: Mode) -> Result<()> {
    if mode == Mode::Worktree {
        workspace_root(project)?;
    }
    // Logs in a state dir that is not a directory: that one is the problem, reported when the
    // state is read (no agents.logDir to blame).
    let state_dir = project.state_dir();
    let logs = project.log_dir();
    if logs.starts_with(&state_dir) && state_dir.exists() && !state_dir.is_dir() {
        return Ok(());
    }
    log_dir(&logs)
}

fn workspace_root(project: &Project) -> Result<()> {
    let root = project.workspace_root();
    let real = root.canonicalize().unwrap_or_else(|_| root.clone());
    let inside = |dir: &Path| root.starts_with(dir) || real.starts_with(dir);
    let problem = if root.parent().is_none() || real.parent().is_none() {
        Some("is the file system's root")
    } else if inside(&project.common_dir) {
        Some("lies inside the git directory")
    } else if inside(&project.root) {
        Some("lies inside the repository, where the worktrees would be part of its files")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(Error::usage(format!(
            "the workspace root {} {problem}",
            root.display()
        ))
        .with_fix(Fix::FixConfig {
            key: keys::WORKSPACE_ROOT.into(),
        })
        .into()),
    }
}

/// The directory, or the nearest of its parents that exists, must be a directory that takes
/// a file: probed with a file made and removed at once, so nothing is left behind.
fn log_dir(dir: &Path) -> Result<()> {
    let existing = dir
        .ancestors()
        .find(|d| d.symlink_metadata().is_ok())
        .unwrap_or(dir);
    let probe = || -> std::io::Result<()> {
        let path = existing.join(format!(".git-agents-probe-{}", std::process::id()));
        std::fs::File::create(&path)?;
        std::fs::remove_file(&path)
    };
    probe().map_err(|err| {
        Error::usage(format!(
            "cannot create files in the log directory {}",
            dir.display()
        ))
        .with_fix(Fix::WritableDir {
            key: keys::LOG_DIR.into(),
        })
        .caused_by(err)
        .into()
    })
}
