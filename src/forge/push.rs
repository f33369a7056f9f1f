//! `git agents push`: finished task branches to their remote, each under a lease, never a plain
//! force. gix 0.90 cannot push, so the `git` program found on PATH does it, from an argv.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use super::pushed::Pushed as Record;
use super::select::{self, Ready, Skipped};
use crate::config::Overrides;
use crate::error::{Error, Fix};
use crate::inventory::Inventory;
use crate::repo::Project;

/// Why the `git` program pushes, for the output to say.
pub const WHY_GIT: &str = "gix cannot push yet";

/// What to push.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PushOptions {
    /// Task names or slugs; empty: every finished task.
    pub tasks: Vec<String>,
    /// The remote (beats `agents.remote` and the branches' upstreams).
    pub remote: Option<String>,
    /// Push tasks whose last contract check failed too.
    pub no_verify: bool,
    /// Expect each remote branch where its remote-tracking branch says (after a fetch the user
    /// looked at), not where git-agents last pushed it.
    pub lease_from_fetch: bool,
}

/// How one branch's push went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PushOutcome {
    /// The remote had no such branch.
    Created,
    /// The remote's branch moved forward to the task's commit.
    FastForward,
    /// The remote's branch was where git-agents left it and was replaced (a rerun, say).
    Forced,
    /// The remote had the commit already.
    UpToDate,
    /// Refused: by the lease (someone else pushed), by the remote, or the push failed.
    Rejected,
}

/// One branch pushed (or not).
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct Pushed {
    pub task: String,
    pub branch: String,
    pub remote: String,
    /// The commit pushed, in hex.
    pub commit: String,
    /// What the lease expected the remote's branch to be; `None`: absent.
    pub expected: Option<String>,
    pub outcome: PushOutcome,
    /// git's words for a rejection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The outcome of a push.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct PushReport {
    /// The `git` program that pushed.
    pub git: PathBuf,
    pub pushed: Vec<Pushed>,
    /// Tasks left out of the default selection, and why.
    pub skipped: Vec<Skipped>,
}

impl PushReport {
    /// 0 every branch is on its remote, 1 one was rejected.
    pub fn exit_code(&self) -> i32 {
        match self
            .pushed
            .iter()
            .any(|p| p.outcome == PushOutcome::Rejected)
        {
            true => crate::error::exit::FAILED,
            false => crate::error::exit::OK,
        }
    }
}

/// Push the finished tasks' branches (see [`PushOptions`]).
pub fn push(cwd: &Path, options: &PushOptions) -> Result<PushReport> {
    let inventory = Inventory::load(Project::open(cwd, &Overrides::default())?)?;
    let (ready, skipped) = select::finished(&inventory, &options.tasks, options.no_verify, "push")?;
    let remote = options.remote.as_deref();
    let (git, pushed) = push_ready(&inventory.project, &ready, remote, options.lease_from_fetch)?;
    Ok(PushReport {
        git,
        pushed,
        skipped,
    })
}

/// The `git` program on PATH.
pub fn git_program() -> Result<PathBuf> {
    which::which("git").map_err(|_| {
        Error::usage(format!(
            "pushing needs the git program ({WHY_GIT}), and none is on PATH"
        ))
        .with_fix(Fix::Text("install git, or put it on PATH".into()))
        .into()
    })
}

/// Push `ready` to their remotes, one git process per remote; records what landed.
pub(super) fn push_ready(
    project: &Project,
    ready: &[Ready],
    remote_flag: Option<&str>,
    lease_from_fetch: bool,
) -> Result<(PathBuf, Vec<Pushed>)> {
    let git = git_program()?;
    let record = Record::new(&project.state_dir());
    let mut by_remote: Vec<(String, Vec<Pushed>)> = Vec::new();
    for r in ready {
        let remote = super::remote::for_branch(project, remote_flag, &r.task.branch)?;
        let recorded = match lease_from_fetch {
            true => None,
            false => record.get(&remote, &r.task.branch)?,
        };
        let expected = match recorded {
            Some(id) => Some(id),
            None => tracking_tip(project, &remote, &r.task.branch)?,
        };
        let one = Pushed {
            task: r.task.name.clone(),
            branch: r.task.branch.clone(),
            remote: remote.clone(),
            commit: r.tip.to_string(),
            expected: expected.map(|e| e.to_string()),
            outcome: PushOutcome::Rejected,
            message: None,
        };
        match by_remote.iter_mut().find(|(name, _)| *name == remote) {
            Some((_, list)) => list.push(one),
            None => by_remote.push((remote, vec![one])),
        }
    }
    let mut all = Vec::new();
    for (remote, mut list) in by_remote {
        run_git(&git, &project.root, &remote, &mut list)?;
        let landed: Vec<_> = list
            .iter()
            .filter(|p| p.outcome != PushOutcome::Rejected)
            .filter_map(|p| {
                Some((
                    p.branch.clone(),
                    gix::ObjectId::from_hex(p.commit.as_bytes()).ok()?,
                ))
            })
            .collect();
        record.record(&remote, &landed)?;
        all.extend(list);
    }
    Ok((git, all))
}

/// `refs/remotes/<remote>/<branch>`, as the last fetch or push left it.
fn tracking_tip(project: &Project, remote: &str, branch: &str) -> Result<Option<gix::ObjectId>> {
    let name = format!("refs/remotes/{remote}/{branch}");
    crate::gitops::worktree::branch_tip(&project.repo, &name)
}

/// `git push --porcelain --force-with-lease=REF:EXPECTED... REMOTE COMMIT:REF...`, then each
/// branch's outcome from its porcelain line.
fn run_git(git: &Path, root: &Path, remote: &str, list: &mut [Pushed]) -> Result<()> {
    let mut argv: Vec<String> = vec!["push".into(), "--porcelain".into()];
    for p in list.iter() {
        let expected = p.expected.clone().unwrap_or_default();
        argv.push(format!(
            "--force-with-lease=refs/heads/{}:{expected}",
            p.branch
        ));
    }
    argv.push(remote.to_owned());
    for p in list.iter() {
        argv.push(format!("{}:refs/heads/{}", p.commit, p.branch));
    }
    let output = Command::new(git)
        .args(&argv)
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", git.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for p in list.iter_mut() {
        let to = format!(":refs/heads/{}\t", p.branch);
        let line = stdout.lines().find(|l| l.contains(&to));
        match line.and_then(|l| l.chars().next()) {
            Some('*') => p.outcome = PushOutcome::Created,
            Some(' ') => p.outcome = PushOutcome::FastForward,
            Some('+') => p.outcome = PushOutcome::Forced,
            Some('=') => p.outcome = PushOutcome::UpToDate,
            _ => {
                p.outcome = PushOutcome::Rejected;
                p.message = Some(rejection(line, &stderr));
            }
        }
    }
    Ok(())
}

/// git's reason from the porcelain summary (`[rejected] (stale info)`), else its last line of
/// stderr.
fn rejection(line: Option<&str>, stderr: &str) -> String {
    if let Some(summary) = line.and_then(|l| l.split('\t').nth(2)) {
        return summary.trim().to_owned();
    }
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
    last.unwrap_or("git push failed").trim().to_owned()
}
