use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use git_agents::config::{parse_duration, Mode};

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

/// `--timeout`: a duration above zero; clap refuses anything else as a usage error.
fn timeout(raw: &str) -> Result<Duration, String> {
    match parse_duration(raw) {
        None => Err("not a duration; write durations like 90s, 30m or 1h".into()),
        Some(zero) if zero.is_zero() => Err(
            "a timeout of zero would stop every agent as it starts; give one above zero, like 30m"
                .into(),
        ),
        Some(timeout) => Ok(timeout),
    }
}

/// Run an agent per task, in parallel, each in its own branch and linked worktree.
///
/// For every task file in .claude/tasks/ (or the TASKs named): create the branch
/// feature/<task> at the base, a linked worktree ../workspaces/<task>, copy in the untracked
/// contracts, task file and CLAUDE.md, run the agent there with its output in
/// ../logs/<task>.log, and commit what it changed as "feat: <task> implementation".
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

Placeholders in --command: {prompt} {task} {task_file} {workspace} {branch}
The command is split like a shell would split it, but never run by a shell.

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

    /// Run at most N agents at once [git config agents.jobs, default 4].
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,

    /// Agent preset: claude, codex, gemini, aider, opencode, copilot, qwen [agents.agent].
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,

    /// Any agent command line as an argv template [agents.command].
    #[arg(long, value_name = "TEMPLATE", conflicts_with = "agent")]
    pub command: Option<String>,

    /// The prompt given to every agent [agents.prompt].
    #[arg(long, value_name = "TEXT")]
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

    /// Stop an agent that runs longer than this, e.g. 90s, 30m [agents.timeout].
    #[arg(long, value_name = "DURATION", value_parser = timeout)]
    pub timeout: Option<Duration>,

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

    /// Run agent and check commands from committed task files without their approval
    /// (git agents trust), for this run only; git config agents.trust=true always does.
    #[arg(short = 'y', long)]
    pub yes: bool,

    #[arg(long, hide = true, value_name = "PATH")]
    pub supervisor: Option<PathBuf>,
}
