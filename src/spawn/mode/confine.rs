//! Worktree mode's confinement: each agent may write only in its own worktree and in what git
//! needs to commit from it (its admin dir, the object store, its branch's refs and logs), its
//! private TMPDIR, the agents' config and cache dirs and `agents.allowWrite` — by Landlock on
//! Linux and the system sandbox on macOS. It is on unless git config `agents.landlock` is false.
//! Agent CLIs that sandbox their own commands cannot do so inside it (Codex's bubblewrap mounts
//! namespaces, which a Landlock-confined process may not; sandbox-exec does not nest): their
//! presets hand that job to this confinement (see `Preset::when_confined`).

use std::path::{Path, PathBuf};

use super::dir::Enforcement;
use crate::repo::Project;
use crate::runner::Capabilities;
use crate::sandbox;
use crate::spawn::plan::TaskPlan;

/// Give every task its write scope when asked, or say why agents run unconfined; `None` when
/// confinement was not asked for.
pub fn worktrees(
    project: &Project,
    plans: &mut [TaskPlan],
    capabilities: Capabilities,
) -> Option<Enforcement> {
    if !project.settings.landlock.value {
        return None;
    }
    if !capabilities.supervised {
        return Some(Enforcement::unconfined(
            "no git-agents binary to confine agents from",
        ));
    }
    if let Err(reason) = sandbox::probe() {
        return Some(Enforcement::unconfined(&reason));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if let Some(home) = &home {
        make_home_dirs(home, plans);
    }
    let shared = sandbox::shared_places(
        home.as_deref(),
        &project.root,
        &project.settings.allow_write,
        &project.common_dir,
    );
    for plan in plans.iter_mut() {
        let mut writable = vec![plan.workspace.clone()];
        writable.extend(branch_dirs(&project.common_dir, &plan.branch));
        writable.extend(shared.iter().cloned());
        let tmp = sandbox::private_tmp(&project.common_dir, &plan.task.slug);
        writable.push(tmp.clone());
        plan.write_scope = Some(writable);
        plan.tmp = Some(tmp);
    }
    Some(Enforcement {
        landlock: true,
        detail: "each agent may write only in its worktree and what git needs to commit there, plus a private TMPDIR and its config dirs"
            .into(),
    })
}

/// The agents' own directories under HOME, made now if missing (the agent would make them
/// itself, but inside the confinement it may not write HOME).
fn make_home_dirs(home: &Path, plans: &[TaskPlan]) {
    for preset in plans.iter().filter_map(|p| p.template.preset_info()) {
        for dir in preset.home_dirs {
            let _ = std::fs::create_dir_all(home.join(dir));
        }
    }
}

/// The directories that hold `branch`'s ref and reflog: its lock file and a new reflog are made
/// there, so the whole directory must be writable (all branches that share the prefix).
fn branch_dirs(common_dir: &Path, branch: &str) -> Vec<PathBuf> {
    let parent = Path::new(branch).parent().unwrap_or(Path::new(""));
    let refs = common_dir.join("refs/heads").join(parent);
    let logs = common_dir.join("logs/refs/heads").join(parent);
    // Missing directories cannot be allowed; git would need to make them.
    let _ = std::fs::create_dir_all(&logs);
    vec![refs, logs]
}
