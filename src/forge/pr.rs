//! `git agents pr`: one pull request (GitHub, `gh`) or merge request (GitLab, `glab`) per
//! finished task, opened or updated after its branch is pushed. The forge's CLI does the
//! talking, with the user's own login; its exit code and words are reported as they are.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use super::push::{push_ready, PushOutcome, Pushed};
use super::remote::{self, ForgeRepo};
use super::select::{self, Ready, Skipped};
use crate::config::{Forge, Overrides};
use crate::error::{Error, Fix};
use crate::inventory::Inventory;
use crate::repo::Project;

/// Which requests to open.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PrOptions {
    /// Task names or slugs; empty: every finished task.
    pub tasks: Vec<String>,
    /// The remote to push to (beats `agents.remote` and the branches' upstreams).
    pub remote: Option<String>,
    /// The branch the requests go into; default: the main worktree's branch.
    pub base: Option<String>,
    /// Open new requests as drafts.
    pub draft: bool,
    /// Tasks whose last contract check failed too.
    pub no_verify: bool,
}

/// What happened to one task's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestOutcome {
    Created,
    Updated,
    /// Its branch could not be pushed, or the forge's CLI failed.
    Failed,
}

/// One task's request.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct Request {
    pub task: String,
    pub branch: String,
    pub outcome: RequestOutcome,
    /// The request's address, as the CLI printed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The CLI's exit code when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The CLI's (or git's) own words when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The outcome of `pr`.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct PrReport {
    pub forge: Forge,
    /// The CLI that spoke to it.
    pub program: PathBuf,
    /// The `git` program that pushed.
    pub git: PathBuf,
    pub pushed: Vec<Pushed>,
    pub requests: Vec<Request>,
    pub skipped: Vec<Skipped>,
}

impl PrReport {
    /// 0 every request is open; else the first failed CLI's own exit code (1 when there is
    /// none, as for a branch that could not be pushed).
    pub fn exit_code(&self) -> i32 {
        let failed = self
            .requests
            .iter()
            .find(|r| r.outcome == RequestOutcome::Failed);
        match failed {
            None => crate::error::exit::OK,
            Some(r) => r
                .exit_code
                .filter(|c| *c != 0)
                .unwrap_or(crate::error::exit::FAILED),
        }
    }
}

/// Push the finished tasks' branches, then open or update one request per task.
pub fn open_requests(cwd: &Path, options: &PrOptions) -> Result<PrReport> {
    let inventory = Inventory::load(Project::open(cwd, &Overrides::default())?)?;
    let project = &inventory.project;
    let verb = "open a request for";
    let (ready, skipped) = select::finished(&inventory, &options.tasks, options.no_verify, verb)?;
    let (base, base_tip) = base(&inventory, options.base.as_deref())?;
    let Some(one) = ready.first() else {
        return Err(Error::usage("no finished task to open a request for")
            .with_fix(Fix::Text(
                "git agents status shows where each task stands".into(),
            ))
            .into());
    };
    let cli = forge_cli(project, options.remote.as_deref(), &one.task.branch)?;
    let (git, pushed) = push_ready(project, &ready, options.remote.as_deref(), false)?;
    let mut requests = Vec::new();
    for r in &ready {
        let p = pushed.iter().find(|p| p.task == r.task.name);
        let p = p.expect("every ready task was pushed or rejected");
        requests.push(match p.outcome {
            PushOutcome::Rejected => Request {
                task: r.task.name.clone(),
                branch: r.task.branch.clone(),
                outcome: RequestOutcome::Failed,
                url: None,
                exit_code: None,
                message: Some(format!(
                    "not pushed: {}",
                    p.message.as_deref().unwrap_or("rejected")
                )),
            },
            _ => one_request(project, &cli, r, &base, base_tip, options.draft)?,
        });
    }
    Ok(PrReport {
        forge: cli.forge,
        program: cli.program,
        git,
        pushed,
        requests,
        skipped,
    })
}

/// The forge of `branch`'s remote (`agents.forge`, else guessed from its URL) and its CLI,
/// found on PATH before anything is pushed.
fn forge_cli(project: &Project, remote_flag: Option<&str>, branch: &str) -> Result<Cli> {
    let remote = remote::for_branch(project, remote_flag, branch)?;
    let url = remote::url(project, &remote, "url").unwrap_or_default();
    let repo = ForgeRepo::from_url(&url);
    let forge = match &project.settings.outbound.forge {
        Some(set) => set.value,
        None => repo.as_ref().map_or(Forge::Github, ForgeRepo::guess_forge),
    };
    let program = which::which(forge.program()).map_err(|_| {
        let (requests, program) = (forge.requests(), forge.program());
        Error::usage(format!("opening {requests} needs {program}, and it is not on PATH"))
            .with_fix(Fix::Text(format!(
                "install it and log in ({program} auth login), or set git config {} to the other forge; git agents push pushes without a forge",
                crate::config::keys::FORGE
            )))
    })?;
    Ok(Cli {
        program,
        forge,
        root: project.root.clone(),
        repo,
        url,
    })
}

/// The branch requests go into, and its local tip (for the diffstat's merge base).
fn base(inventory: &Inventory, flag: Option<&str>) -> Result<(String, Option<gix::ObjectId>)> {
    let repo = &inventory.project.repo;
    if let Some(name) = flag {
        let short = name.strip_prefix("refs/heads/").unwrap_or(name);
        let tip = crate::gitops::worktree::local_branch_tip(repo, short)?;
        return Ok((short.to_owned(), tip));
    }
    let target = inventory.target(None)?;
    match target
        .full
        .as_deref()
        .and_then(|f| f.strip_prefix("refs/heads/"))
    {
        Some(short) => Ok((short.to_owned(), target.tip())),
        None => Err(Error::usage(
            "the main worktree's HEAD is detached, so there is no branch for requests to go into",
        )
        .with_fix(Fix::Text("name one with --base BRANCH".into()))
        .into()),
    }
}

struct Cli {
    program: PathBuf,
    forge: Forge,
    root: PathBuf,
    repo: Option<ForgeRepo>,
    url: String,
}

/// What a CLI run printed.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Cli {
    fn run(&self, args: &[String], stdin: Option<&str>) -> Result<Ran> {
        let mut child = Command::new(&self.program)
            .args(args)
            .current_dir(&self.root)
            .env("GH_PROMPT_DISABLED", "1")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("running {}", self.program.display()))?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            let _ = pipe.write_all(text.as_bytes());
        }
        let output = child.wait_with_output()?;
        Ok(Ran {
            code: output.status.code().unwrap_or(crate::error::exit::FAILED),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }

    /// `-R HOST/OWNER/REPO` for gh, `-R URL` for glab, when the remote's URL names one.
    fn repo_args(&self) -> Vec<String> {
        match (self.forge, &self.repo) {
            (Forge::Github, Some(r)) => vec!["-R".into(), format!("{}/{}", r.host, r.path)],
            (Forge::Gitlab, Some(_)) => vec!["-R".into(), self.url.clone()],
            (_, None) => Vec::new(),
        }
    }

    /// The open request of `branch`, if there is one: its URL.
    fn existing(&self, branch: &str) -> Result<Option<String>> {
        let (kind, format, key) = match self.forge {
            Forge::Github => (["pr", "view"], ["--json", "url"], "url"),
            Forge::Gitlab => (["mr", "view"], ["--output", "json"], "web_url"),
        };
        let mut args: Vec<String> = kind.iter().map(|s| s.to_string()).collect();
        args.push(branch.to_owned());
        args.extend(self.repo_args());
        args.extend(format.iter().map(|s| s.to_string()));
        let ran = self.run(&args, None)?;
        if ran.code != 0 {
            return Ok(None);
        }
        let value: serde_json::Value = serde_json::from_str(ran.stdout.trim()).unwrap_or_default();
        Ok(value[key].as_str().map(str::to_owned))
    }
}

/// Open or update `ready`'s request.
fn one_request(
    project: &Project,
    cli: &Cli,
    ready: &Ready,
    base: &str,
    base_tip: Option<gix::ObjectId>,
    draft: bool,
) -> Result<Request> {
    let repo = &project.repo;
    let since = base_tip.and_then(|b| {
        repo.merge_base(b, ready.tip)
            .ok()
            .flatten()
            .map(|id| id.detach())
    });
    let body = super::body::body(repo, ready, since)?;
    let title = super::body::title(ready, &super::body::task_text(ready));
    let branch = &ready.task.branch;
    let existing = cli.existing(branch)?;
    let outcome = match existing {
        Some(_) => RequestOutcome::Updated,
        None => RequestOutcome::Created,
    };
    let args = cli.request_args(branch, base, &title, &body, existing.is_none(), draft);
    let ran = cli.run(&args, (cli.forge == Forge::Github).then_some(body.as_str()))?;
    let mut request = Request {
        task: ready.task.name.clone(),
        branch: branch.clone(),
        outcome,
        url: existing,
        exit_code: None,
        message: None,
    };
    if ran.code != 0 {
        request.outcome = RequestOutcome::Failed;
        request.exit_code = Some(ran.code);
        let words = if ran.stderr.trim().is_empty() {
            &ran.stdout
        } else {
            &ran.stderr
        };
        request.message = Some(words.trim().to_owned());
    } else if request.url.is_none() {
        request.url = ran
            .stdout
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| l.starts_with("http"))
            .map(str::to_owned);
    }
    Ok(request)
}

impl Cli {
    /// The argv that creates the request (`create`) or updates the open one: gh reads the body
    /// from stdin, glab takes it as an argument.
    fn request_args(
        &self,
        branch: &str,
        base: &str,
        title: &str,
        body: &str,
        create: bool,
        draft: bool,
    ) -> Vec<String> {
        let mut args: Vec<&str> = match (self.forge, create) {
            (Forge::Github, false) => vec!["pr", "edit", branch],
            (Forge::Github, true) => vec!["pr", "create", "--head", branch, "--base", base],
            (Forge::Gitlab, false) => vec!["mr", "update", branch],
            (Forge::Gitlab, true) => {
                vec![
                    "mr",
                    "create",
                    "--source-branch",
                    branch,
                    "--target-branch",
                    base,
                ]
            }
        };
        args.extend(["--title", title]);
        match self.forge {
            Forge::Github => args.extend(["--body-file", "-"]),
            Forge::Gitlab => args.extend(["--description", body]),
        }
        if self.forge == Forge::Gitlab && create {
            args.push("--yes");
        }
        let mut args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        args.extend(self.repo_args());
        if draft && create {
            args.push("--draft".into());
        }
        args
    }
}
