//! `agents.*` git configuration: every key, its default, and where the value in effect came from.
//!
//! Git config is read as git reads it: the system, global, local and worktree files with their
//! `include` and `includeIf` files, then `git -c` (see [`command_line`]). Every value is typed
//! and checked here, when loaded; a bad one is refused naming the key and where it was set.
//! Precedence: a command-line flag beats task front matter, which beats git config, which beats
//! the default; [`resolve`] applies it per task.
#![doc(hidden)]

mod check;
pub mod command_line;
mod entries;
mod layout;
mod limit;
mod mode;
pub mod read;
pub mod resolve;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

use crate::agent::Template;

pub use entries::Entry;
pub use layout::Layout;
pub use limit::Limit;
pub use mode::Mode;
pub use read::{parse_budget, parse_duration};
pub use resolve::{Program, Resolver, TaskSettings};

pub mod keys;
mod ports;
pub use ports::PortRange;
mod outbound;
pub use outbound::{Forge, Outbound};
mod place;
pub use place::{Backend, Place, SlurmSettings};

pub mod defaults;

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Set nowhere: the built-in default.
    Default,
    /// The system-wide git config (`git config --system`, or git's installation).
    System,
    /// The user's git config (`~/.gitconfig` or `$XDG_CONFIG_HOME/git/config`).
    Global,
    /// The repository's own config (`.git/config`).
    Local,
    /// The worktree's config (`config.worktree`, with `extensions.worktreeConfig`).
    Worktree,
    /// `git -c`, `GIT_CONFIG_PARAMETERS` or `GIT_CONFIG_COUNT`, as `git config --show-origin`
    /// calls them.
    #[serde(rename = "command line")]
    CommandLine,
    /// Set through the environment some other way than the command line's variables.
    Env,
    /// The task file's front matter (per-task values only).
    #[serde(rename = "front matter")]
    FrontMatter,
    /// A command-line flag, or a library caller's [`Overrides`].
    Flag,
}

impl Origin {
    fn from_source(source: gix::config::Source) -> Self {
        use gix::config::Source::*;
        match source {
            GitInstallation | System => Origin::System,
            Git | User => Origin::Global,
            Local => Origin::Local,
            Worktree => Origin::Worktree,
            Env | Cli => Origin::CommandLine,
            Api | EnvOverride => Origin::Env,
        }
    }

    /// The name `git agents config` shows.
    pub fn label(self) -> &'static str {
        match self {
            Origin::Default => "default",
            Origin::System => "system",
            Origin::Global => "global",
            Origin::Local => "local",
            Origin::Worktree => "worktree",
            Origin::CommandLine => "command line",
            Origin::Env => "env",
            Origin::FrontMatter => "front matter",
            Origin::Flag => "flag",
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Setting<T> {
    /// The value in effect.
    pub value: T,
    /// Where it was set.
    pub origin: Origin,
}

impl<T> Setting<T> {
    /// `value` as the built-in default ([`Origin::Default`]).
    pub fn default(value: T) -> Self {
        Setting {
            value,
            origin: Origin::Default,
        }
    }

    fn flag(value: T) -> Self {
        Setting {
            value,
            origin: Origin::Flag,
        }
    }
}

/// Values given on the command line (or by a library caller); `None` means "not given".
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Overrides {
    /// How many agents run at once; at least 1.
    pub jobs: Option<usize>,
    /// An agent preset name.
    pub agent: Option<String>,
    /// Any agent command as an argv template; beats `agent`.
    pub command: Option<Template>,
    /// The prompt template; `{task}` and `{task_file}` in it are filled in per task.
    pub prompt: Option<String>,
    /// How many times a failed agent is run again (0: once only).
    pub retries: Option<u32>,
    /// Each attempt's time limit, or [`Limit::Off`].
    pub timeout: Option<Limit>,
    /// How long an agent may print nothing before it is ended as hung, or [`Limit::Off`].
    pub idle_timeout: Option<Limit>,
    /// The most a task may cost, in US dollars, as its agent reports it.
    pub budget: Option<f64>,
    /// Where agents work.
    pub mode: Option<Mode>,
    /// Check new worktrees out sparse, over the task's scope (`--sparse`, `--no-sparse`).
    pub sparse: Option<bool>,
    /// Where agents run (`--backend`).
    pub backend: Option<Backend>,
}

crate::builder::setters!(Overrides {
    /// How many agents run at once (`agents.jobs`).
    jobs: some usize,
    /// An agent preset name (`agents.agent`).
    agent: some String,
    /// Any agent command as an argv template (`agents.command`); beats `agent`.
    command: some Template,
    /// The prompt template (`agents.prompt`).
    prompt: some String,
    /// How many times a failed agent is retried (`agents.retries`).
    retries: some u32,
    /// Each attempt's time limit (`agents.timeout`), or [`Limit::Off`].
    timeout: some Limit,
    /// The idle limit (`agents.idleTimeout`), or [`Limit::Off`].
    idle_timeout: some Limit,
    /// The most a task may cost in US dollars (`agents.budget`).
    budget: some f64,
    /// Where agents work (`agents.mode`).
    mode: some Mode,
    /// Check new worktrees out sparse over the task's scope (`agents.sparse`).
    sparse: some bool,
    /// Where agents run (`agents.backend`).
    backend: some Backend,
});

/// Every `agents.*` setting in effect: flags applied over git config over the defaults.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Settings {
    /// Where the task files are (`agents.tasksDir`), as configured: relative to the main
    /// worktree's root unless absolute.
    pub tasks_dir: Setting<PathBuf>,
    /// Where the contracts are (`agents.contractsDir`), relative to the main worktree's root;
    /// agents must leave them unchanged.
    pub contracts_dir: Setting<PathBuf>,
    /// Put before a task's slug to name its branch (`agents.branchPrefix`): `feature/` gives
    /// `feature/<slug>`.
    pub branch_prefix: Setting<String>,
    /// Where worktree mode puts the tasks' worktrees (`agents.workspaceRoot`), as configured;
    /// [`Project::workspace_root`](crate::Project::workspace_root) makes it absolute.
    pub workspace_root: Setting<PathBuf>,
    /// Where the agents' logs go (`agents.logDir`), as configured;
    /// [`Project::log_dir`](crate::Project::log_dir) makes it absolute.
    pub log_dir: Setting<PathBuf>,
    /// Where worktrees and logs go unless set one by one (`agents.layout`): `repo`, a place of
    /// the repository's own, or `seed`, the seed's `../workspaces` and `../logs`.
    pub layout: Setting<Layout>,
    /// How many agents (or checks) run at once (`agents.jobs`); at least 1.
    pub jobs: Setting<usize>,
    /// An agent preset name, known to exist.
    pub agent: Setting<String>,
    /// `None` when unset, and when `--agent` sets git config's aside.
    pub command: Option<Setting<Template>>,
    /// The prompt template (`agents.prompt`); `None` when unset, and the built-in prompt is used.
    pub prompt: Option<Setting<String>>,
    /// How many times a failed agent is run again (`agents.retries`; 0: once only).
    pub retries: Setting<u32>,
    /// Each attempt's time limit (`agents.timeout`; 1 hour unless set, `off` for none).
    pub timeout: Setting<Limit>,
    /// An agent that prints nothing for this long is ended as hung (`agents.idleTimeout`;
    /// 10 minutes unless set, `off` for none).
    pub idle_timeout: Setting<Limit>,
    /// How agents' output is read (`agents.format`); `None`: as the preset says (text for a
    /// command).
    pub format: Option<Setting<crate::agent::Format>>,
    /// The most turns an agent may take, where its CLI has such a limit (`agents.maxTurns`).
    pub max_turns: Option<Setting<u32>>,
    /// The most a task may cost in US dollars, as its agent reports it (`agents.budget`).
    pub budget: Option<Setting<f64>>,
    /// Options added to a preset (`agents.preset.<name>.args`), by preset name.
    #[serde(skip)]
    pub preset_args: Vec<(String, Vec<String>)>,
    /// The contract check command (`agents.verify`); `None`: only the built-in check that the
    /// contracts are unchanged.
    pub verify: Option<Setting<Template>>,
    /// Where agents work (`agents.mode`).
    pub mode: Setting<Mode>,
    /// Extra places agents may write in dir mode under Landlock (`agents.allowWrite`, repeated).
    pub allow_write: Vec<PathBuf>,
    /// Where the last `agents.allowWrite` was set.
    #[serde(skip)]
    pub allow_write_origin: Option<Origin>,
    /// Dir mode: confine agents with Landlock where the kernel allows.
    pub landlock: Setting<bool>,
    /// Run commands from committed task files without asking (CI).
    pub trust: Setting<bool>,
    /// `status` asks a file-system monitor what changed instead of looking at every file
    /// (`agents.fsmonitor`; Linux).
    pub fsmonitor: Setting<bool>,
    /// First delay between attempts; doubles each retry.
    pub retry_delay: Setting<Duration>,
    /// Time between SIGTERM and SIGKILL for an agent's process group.
    pub kill_grace: Setting<Duration>,
    /// Gitignore-style patterns of ignored files to copy into new worktrees (`agents.copy`).
    pub copy: Vec<String>,
    /// Where the last `agents.copy` was set.
    pub copy_origin: Option<Origin>,
    /// The ports running tasks are given (`agents.portRange`).
    pub port_range: Setting<PortRange>,
    /// New worktrees are checked out sparse, over their task's scope (`agents.sparse`).
    pub sparse: Setting<bool>,
    /// Commands run in each new workspace before its agent (`agents.setup`, repeated), each
    /// with where it was set.
    pub setup: Vec<Setting<Template>>,
    /// Remote, forge, notification command and bell (`agents.remote`, `agents.forge`,
    /// `agents.notify`, `agents.bell`).
    pub outbound: Outbound,
    /// Where agents run (`agents.backend`) and what Slurm jobs ask for (`agents.slurm.*`).
    pub backend: Setting<Place>,
}

/// Whether branches named `<prefix><task>` are branches git accepts and can name on its command
/// line (never starting with `-`).
fn valid_branch_prefix(prefix: &str) -> bool {
    let probe = format!("refs/heads/{prefix}task");
    !prefix.starts_with('-') && gix::validate::reference::name(probe.as_str().into()).is_ok()
}

impl Settings {
    /// Resolve every setting from `repo`'s configuration and the command-line `overrides`,
    /// refusing any bad value, even one a flag overrides.
    pub(crate) fn load(repo: &gix::Repository, overrides: &Overrides) -> Result<Settings> {
        Settings::from_config(repo.config_snapshot().plumbing(), overrides)
    }

    /// As [`Settings::load`], from configuration already read.
    pub(crate) fn from_config(
        config: &gix::config::File,
        overrides: &Overrides,
    ) -> Result<Settings> {
        check::check_overrides(overrides)?;
        let configured_command = read::template(config, keys::COMMAND, "my-agent {prompt}")?;
        // At each level a command beats an agent, so --agent sets a configured command aside.
        let command = match (&overrides.command, &overrides.agent) {
            (None, Some(_)) => None,
            (flag, _) => or_flag(flag.as_ref(), configured_command),
        };
        let (allow_write, allow_write_origin) = read::paths(config, keys::ALLOW_WRITE);
        let (copy, copy_origin) = read::paths(config, keys::COPY);
        let copy = copy.iter().map(|p| p.to_string_lossy().into_owned());
        Ok(Settings {
            tasks_dir: read::path(config, keys::TASKS_DIR, defaults::TASKS_DIR),
            contracts_dir: read::path(config, keys::CONTRACTS_DIR, defaults::CONTRACTS_DIR),
            branch_prefix: read::parsed(
                config,
                keys::BRANCH_PREFIX,
                "cannot start a branch name",
                defaults::BRANCH_PREFIX,
                |raw| valid_branch_prefix(raw).then(|| raw.to_owned()),
            )?
            .unwrap_or_else(|| Setting::default(defaults::BRANCH_PREFIX.into())),
            workspace_root: read::path(config, keys::WORKSPACE_ROOT, defaults::WORKSPACE_ROOT),
            log_dir: read::path(config, keys::LOG_DIR, defaults::LOG_DIR),
            layout: read::layout(config)?,
            jobs: or_flag(overrides.jobs.as_ref(), read::jobs(config)?)
                .unwrap_or(Setting::default(defaults::JOBS)),
            agent: or_flag(overrides.agent.as_ref(), read::agent(config, keys::AGENT)?)
                .unwrap_or_else(|| Setting::default(defaults::AGENT.into())),
            command,
            prompt: or_flag(
                overrides.prompt.as_ref(),
                read::string(config, keys::PROMPT),
            ),
            retries: or_flag(
                overrides.retries.as_ref(),
                read::number(config, keys::RETRIES)?,
            )
            .unwrap_or(Setting::default(defaults::RETRIES)),
            timeout: or_flag(
                overrides.timeout.as_ref(),
                read::limit(config, keys::TIMEOUT)?,
            )
            .unwrap_or(Setting::default(Limit::After(defaults::TIMEOUT))),
            idle_timeout: or_flag(
                overrides.idle_timeout.as_ref(),
                read::limit(config, keys::IDLE_TIMEOUT)?,
            )
            .unwrap_or(Setting::default(Limit::After(defaults::IDLE_TIMEOUT))),
            format: read::format(config, keys::FORMAT)?,
            max_turns: read::positive(config, keys::MAX_TURNS)?,
            budget: or_flag(
                overrides.budget.as_ref(),
                read::budget(config, keys::BUDGET)?,
            ),
            preset_args: read::all_preset_args(config)?,
            verify: read::template(config, keys::VERIFY, "make test")?,
            mode: or_flag(overrides.mode.as_ref(), read::mode(config, keys::MODE)?)
                .unwrap_or(Setting::default(Mode::default())),
            allow_write,
            allow_write_origin,
            landlock: read::boolean_or(config, keys::LANDLOCK, defaults::LANDLOCK)?,
            trust: read::boolean_or(config, keys::TRUST, defaults::TRUST)?,
            fsmonitor: read::boolean_or(config, keys::FSMONITOR, defaults::FSMONITOR)?,
            retry_delay: read::duration(config, keys::RETRY_DELAY)?
                .unwrap_or(Setting::default(defaults::RETRY_DELAY)),
            kill_grace: read::duration(config, keys::KILL_GRACE)?
                .unwrap_or(Setting::default(defaults::KILL_GRACE)),
            copy: copy.collect(),
            copy_origin,
            port_range: ports::read(config)?,
            sparse: sparse(config, overrides)?,
            setup: read::templates(config, keys::SETUP, "npm ci")?,
            outbound: Outbound::read(config)?,
            backend: place::read(config, overrides.backend)?,
        })
    }
}

/// `--sparse`/`--no-sparse`, else `agents.sparse`, else not sparse.
fn sparse(config: &gix::config::File, overrides: &Overrides) -> Result<Setting<bool>> {
    let configured = read::boolean(config, keys::SPARSE)?;
    Ok(
        or_flag(overrides.sparse.as_ref(), configured)
            .unwrap_or(Setting::default(defaults::SPARSE)),
    )
}

fn or_flag<T: Clone>(flag: Option<&T>, configured: Option<Setting<T>>) -> Option<Setting<T>> {
    flag.cloned().map(Setting::flag).or(configured)
}

#[cfg(test)]
mod tests;
