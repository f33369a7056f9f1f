use std::path::PathBuf;

use clap::{Args, ValueEnum};
use git_agents::config::{parse_budget, parse_duration, Limit, Mode};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Worktree,
    Branch,
    Dir,
}

impl ModeArg {
    pub fn mode(self) -> Mode {
        match self {
            ModeArg::Worktree => Mode::Worktree,
            ModeArg::Branch => Mode::Branch,
            ModeArg::Dir => Mode::Dir,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BackendArg {
    Local,
    Slurm,
}

impl BackendArg {
    pub fn backend(self) -> git_agents::config::Backend {
        match self {
            BackendArg::Local => git_agents::config::Backend::Local,
            BackendArg::Slurm => git_agents::config::Backend::Slurm,
        }
    }
}

/// `--timeout`, `--idle-timeout`: `off`, or a duration above zero; clap refuses anything else
/// as a usage error.
fn limit(raw: &str) -> Result<Limit, String> {
    match (Limit::parse(raw), parse_duration(raw)) {
        (Some(limit), _) => Ok(limit),
        (None, Some(_)) => Err(
            "a limit of zero would stop every agent as it starts; give one above zero, like 30m, or off"
                .into(),
        ),
        (None, None) => Err("not a duration; write durations like 90s, 30m or 1h, or off".into()),
    }
}

/// `--budget`: US dollars above zero.
fn budget(raw: &str) -> Result<f64, String> {
    parse_budget(raw).ok_or_else(|| "not an amount above zero in US dollars, like 2.50".into())
}

/// Run an agent per task, in parallel, each in its own branch and linked worktree.
///
/// For every task file in .claude/tasks/ (or the TASKs named): create the branch
/// feature/<task> at the base, a linked worktree ../<repo>.agents/<task>, copy in the
/// untracked contracts, task file and CLAUDE.md, run the agent there with its output in
/// .git/agents/logs/<task>.log, and commit what it changed as "feat: <task> implementation".
/// Finished tasks are skipped on the next run; unfinished ones resume in their worktrees.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents spawn                          every task, Claude Code, 4 at a time
  git agents spawn auth api -j 2            two tasks, two at a time
  git agents spawn --agent codex            Codex CLI instead
  git agents spawn --command 'my-agent --task {task} {prompt}'
  git agents spawn --rerun auth             run a finished task again
  git agents spawn --verify --fix-attempts 2
                                            check contracts, hand failures back twice

Placeholders in --command: {prompt} {task} {task_file} {workspace} {branch} {port}
The command is split like a shell would split it, but never run by a shell.

Every agent sees GIT_AGENTS_TASK, GIT_AGENTS_TASK_FILE, GIT_AGENTS_WORKSPACE,
GIT_AGENTS_BRANCH and GIT_AGENTS_BASE, and PWD set to its workspace.

Setup: each git config agents.setup (repeatable; front matter setup: replaces the
list for its task) runs in order in a task's workspace before its agent, when the
workspace is new this run or its last setup failed; e.g.
  git config --add agents.setup 'npm ci'
It is split and filled in like --command, never run by a shell, with the agent's
environment, confinement and time limits; its output goes into the task's log.
A failed setup fails the task as `setup` (not retried; the next spawn runs it
again), and whatever it leaves in the workspace is part of it: files it makes
that git does not ignore are committed with the agent's work.

Exit status: 0 all tasks done, 1 a task failed, 2 usage or configuration error,
130 interrupted.")]
pub struct SpawnArgs {
    /// Tasks to run (file stems in the tasks directory); all when none are given.
    #[arg(value_name = "TASK")]
    pub tasks: Vec<String>,

    /// Where agents work: worktree (a worktree and branch per task, in parallel), branch (one
    /// after another in the main worktree, a branch each), dir (in parallel in the main
    /// worktree, each confined to its scope) [agents.mode].
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<ModeArg>,

    /// Check each new worktree out sparse (git's cone mode): only its task's scope, the
    /// contracts, the tasks directory and the top-level files [front matter sparse,
    /// agents.sparse; worktree mode only].
    #[arg(long, overrides_with = "no_sparse")]
    pub sparse: bool,

    /// Check new worktrees out whole, whatever agents.sparse or the front matter say.
    #[arg(long, overrides_with = "sparse")]
    pub no_sparse: bool,

    /// Where agents run: local (here, -j at a time) or slurm (one Slurm job per attempt,
    /// worktrees on storage the nodes share) [agents.backend].
    #[arg(long, value_enum, value_name = "BACKEND")]
    pub backend: Option<BackendArg>,

    /// Run at most N agents at once [git config agents.jobs, default 4].
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,

    /// Agent preset: claude, codex, gemini, aider, opencode, copilot, qwen [agents.agent].
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,

    /// Any agent command line as an argv template [agents.command].
    #[arg(long, value_name = "TEMPLATE", conflicts_with = "agent")]
    pub command: Option<String>,

    /// The prompt given to every agent [agents.prompt]; it may start with `-`.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub prompt: Option<String>,

    /// Branch from this revision instead of the main worktree's HEAD.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,

    /// Run tasks again that already finished.
    #[arg(long)]
    pub rerun: bool,

    /// Give a failing agent N more attempts, with exponential backoff [agents.retries].
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,

    /// Stop an agent that runs longer than this, e.g. 90s, 30m, or off [agents.timeout; 1h].
    #[arg(long, value_name = "DURATION", value_parser = limit)]
    pub timeout: Option<Limit>,

    /// Stop an agent as hung once it prints nothing for this long, or off
    /// [agents.idleTimeout; 10m].
    #[arg(long, value_name = "DURATION", value_parser = limit)]
    pub idle_timeout: Option<Limit>,

    /// Stop a task whose agent reports a cost above this many US dollars [agents.budget].
    #[arg(long, value_name = "USD", value_parser = budget)]
    pub budget: Option<f64>,

    /// Run each task's contract check after it: the built-in one (contracts unchanged) and the
    /// task's `verify` command [front matter verify, agents.verify].
    #[arg(long)]
    pub verify: bool,

    /// The check command for every task (implies --verify); an argv template like --command.
    #[arg(long, value_name = "TEMPLATE")]
    pub verify_command: Option<String>,

    /// Give a task whose check failed back to its agent, with the check's output, up to N
    /// times (implies --verify).
    #[arg(long, value_name = "N")]
    pub fix_attempts: Option<u32>,

    /// Stream events as JSON lines on stdout (queued, state, started, output, committed,
    /// finished, warning), ending with a "summary" line.
    #[arg(long)]
    pub json: bool,

    /// No progress output on stderr; only the summary on stdout.
    #[arg(short, long)]
    pub quiet: bool,

    /// Run agent, check and setup commands from committed task files without their approval
    /// (git agents trust), for this run only; git config agents.trust=true always does.
    #[arg(short = 'y', long)]
    pub yes: bool,

    #[arg(long, hide = true, value_name = "PATH")]
    pub supervisor: Option<PathBuf>,
}
