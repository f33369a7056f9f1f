//! Running agent processes: one process group per agent, both output streams into its log,
//! timeouts and interrupts that reach the whole group, and nothing left behind.
#![doc(hidden)]

mod descendants;
mod drain;
mod git_parent;
mod parent_death;
mod pool;
mod pulse;
mod pump;
mod spawn;
mod stream_pump;
pub mod supervise;
mod watchdog;
mod wire;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Result;

pub use pump::display_line;
pub use watchdog::Watchdog;

/// How long a process group gets between SIGTERM and SIGKILL.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);

/// One process to run; serializable, so that a Slurm job script can carry it to the node.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Job {
    /// Full argv; `argv[0]` is shown to the process as its name.
    pub argv: Vec<String>,
    /// The resolved program (found with `which`).
    pub program: PathBuf,
    /// The directory it runs in.
    pub cwd: PathBuf,
    /// Added to the inherited environment.
    pub env: Vec<(String, String)>,
    /// Output of both streams is appended here.
    pub log: PathBuf,
    /// A line written to the log before the process starts.
    pub header: Option<String>,
    /// Its process group gets SIGTERM (then SIGKILL) once it runs this long; `None`: no limit.
    pub timeout: Option<Duration>,
    /// Confine the job's writes to beneath these paths (needs the supervisor and Landlock or sandbox-exec).
    pub write_scope: Option<Vec<PathBuf>>,
    /// How its output is read; anything but text is parsed into events, the log gets a
    /// readable rendering and `raw_log` the lines as they came.
    pub format: crate::agent::Format,
    /// Where the raw lines of a structured stream go.
    pub raw_log: Option<PathBuf>,
    /// Its process group is ended once it prints nothing for this long; `None`: no limit.
    pub idle_timeout: Option<Duration>,
    /// Its process group is ended once the cost it reports passes this, in US dollars.
    pub budget_usd: Option<f64>,
}

/// What a running job shows: the line for the live view, and what its stream said.
#[derive(Default)]
pub struct Live {
    /// The line the live view shows (shared with the reporter).
    pub line: Arc<std::sync::Mutex<String>>,
    /// What the agent's stream said in this attempt.
    pub telemetry: std::sync::Mutex<crate::agent::telemetry::Telemetry>,
}

/// What a runner can do, an input to planning: a spawn's plan is final before anything runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Agents run under the supervisor, which can confine their writes (Landlock).
    pub supervised: bool,
}

impl Capabilities {
    /// Those of a runner with a supervisor (`Runner::new(.., Some(path))`) or without.
    pub fn new(supervised: bool) -> Capabilities {
        Capabilities { supervised }
    }
}

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this code.
    Code(i32),
    /// It was killed by this signal (not for a timeout or an interrupt).
    Signal(i32),
    /// It ran past its time limit and was ended.
    TimedOut,
    /// It printed nothing for longer than its idle limit and was ended.
    Hung,
    /// The cost it reported passed its budget and it was ended.
    OverBudget,
    /// The run was interrupted and it was ended.
    Interrupted,
    /// The batch scheduler ended it for using more memory than it asked for.
    OutOfMemory,
}

impl Exit {
    /// It exited with code 0.
    pub fn success(self) -> bool {
        self == Exit::Code(0)
    }

    /// The exit code recorded in state: the code, or 128 + signal like a shell reports it.
    pub fn code(self) -> Option<i32> {
        match self {
            Exit::Code(code) => Some(code),
            Exit::Signal(sig) => Some(128 + sig),
            Exit::TimedOut
            | Exit::Hung
            | Exit::OverBudget
            | Exit::Interrupted
            | Exit::OutOfMemory => None,
        }
    }
}

/// How a job went.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// How it ended.
    pub exit: Exit,
    /// Set when writing the log failed (a full disk, say); the process still ran to its end.
    pub log_error: Option<String>,
}

/// Receives each complete output line when `wants_lines` is true (the library's event callback).
pub trait LineSink: Send + Sync {
    /// Whether to call [`LineSink::line`] at all (false by default: splitting lines costs).
    fn wants_lines(&self) -> bool {
        false
    }
    /// One complete line of output, as [`display_line`] makes it safe to show.
    fn line(&self, _line: &str) {}
}

/// Stops a run: see [`Runner::interrupt_handle`].
#[derive(Debug, Clone)]
pub struct InterruptHandle(Arc<AtomicBool>);

impl InterruptHandle {
    /// Stop the run.
    pub fn interrupt(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the run was stopped.
    pub fn is_interrupted(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Shared by every job of a run: interrupts, the watchdog, and where to find the supervisor.
///
/// One runner serves a whole `spawn` or `verify`: it keeps
/// each agent in its own process group, ends groups that run past their time limit, and on an
/// interrupt ends every running group and lets no task start.
///
/// ```no_run
/// use std::time::Duration;
/// use git_agents::{spawn, Runner, Silent, SpawnOptions};
///
/// # fn main() -> anyhow::Result<()> {
/// // 5 s between SIGTERM and SIGKILL; supervised (agents die with us, even on SIGKILL) when the
/// // supervisor binary is found.
/// let runner = Runner::new(Duration::from_secs(5), Runner::find_supervisor());
/// runner.interrupt_on_signals()?; // Ctrl-C stops the run as it does `git agents spawn`
/// let stop = runner.interrupt_handle();
/// std::thread::spawn(move || {
///     std::thread::sleep(Duration::from_secs(3600));
///     stop.interrupt(); // give up on the whole run after an hour
/// });
/// let report = spawn(".".as_ref(), &SpawnOptions::new(), &Silent, &runner)?;
/// if report.interrupted {
///     eprintln!("stopped; a later spawn resumes the unfinished tasks");
/// }
/// # Ok(())
/// # }
/// ```
pub struct Runner {
    watchdog: Arc<Watchdog>,
    interrupted: Arc<AtomicBool>,
    /// A `git-agents` binary to run as the supervisor (`__supervise`) that starts every
    /// agent, so the agents die with us even when we are killed with SIGKILL. `None` runs
    /// agents directly.
    supervisor: Option<PathBuf>,
    /// The supervisor, started by the first job.
    pool: OnceLock<Result<pool::Pool, String>>,
}

impl Runner {
    /// A runner whose process groups get `grace` between SIGTERM and SIGKILL when they are
    /// ended. With `supervisor` (see [`Runner::find_supervisor`]) every agent runs under it,
    /// which is needed for write confinement and ends agents even when this process is killed;
    /// with `None` agents run directly.
    ///
    /// Starts a watchdog thread that lives as long as the runner.
    pub fn new(grace: Duration, supervisor: Option<PathBuf>) -> Runner {
        let interrupted = Arc::new(AtomicBool::new(false));
        Runner {
            watchdog: Watchdog::start(grace, interrupted.clone()),
            interrupted,
            supervisor,
            pool: OnceLock::new(),
        }
    }

    /// The flag that, once set, makes every running group get SIGTERM and then SIGKILL.
    /// Register it with signal-hook for SIGINT/SIGTERM.
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.interrupted.clone()
    }

    /// When git started us (`git agents ...`), interrupt the run, as SIGTERM does, once git
    /// dies, even by a SIGKILL it cannot pass on to us.
    pub fn end_when_git_dies(&self) {
        git_parent::watch(self.interrupted.clone());
    }

    /// Whether the run was stopped (by a handle, a signal, or git's death).
    pub fn is_interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }

    /// A handle that stops the run from anywhere (another thread, a signal handler of yours):
    /// running agents get SIGTERM, then SIGKILL after the grace period, and no task starts.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle(self.interrupted.clone())
    }

    /// Stop the run on SIGINT and SIGTERM, as the `git agents` command does.
    pub fn interrupt_on_signals(&self) -> std::io::Result<()> {
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(signal, self.interrupted.clone())?;
        }
        Ok(())
    }

    /// Run `job` to its end; `live` is kept up to date with what it prints.
    pub(crate) fn run(&self, job: &Job, live: &Live, sink: &dyn LineSink) -> Result<Outcome> {
        spawn::run(self, job, live, sink)
    }

    /// The supervisor, started now if this is the first job; `None` without one.
    fn pool(&self) -> Result<Option<&pool::Pool>> {
        let Some(supervisor) = &self.supervisor else {
            return Ok(None);
        };
        let grace = self.watchdog.grace();
        let started = self.pool.get_or_init(|| {
            pool::Pool::start(supervisor, grace).map_err(|err| {
                format!(
                    "cannot start the supervisor {}: {err}",
                    supervisor.display()
                )
            })
        });
        match started {
            Ok(pool) => Ok(Some(pool)),
            Err(err) => Err(anyhow::anyhow!("{err}")),
        }
    }

    /// Between SIGTERM and SIGKILL when a job's process group is ended.
    pub(crate) fn grace(&self) -> Duration {
        self.watchdog.grace()
    }

    /// Whether jobs run under the supervisor (needed for write confinement and crash safety).
    pub fn supervised(&self) -> bool {
        self.supervisor.is_some()
    }

    /// What this runner can do, for planning a spawn.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            supervised: self.supervised(),
        }
    }

    /// Find the binary that can supervise agents: the small `git-agents-supervise` installed
    /// beside us or on PATH, else git-agents itself (`git-agents __supervise`).
    pub fn find_supervisor() -> Option<PathBuf> {
        let exe = std::env::current_exe().ok();
        let beside = exe
            .as_ref()
            .and_then(|e| e.parent())
            .map(|dir| dir.join("git-agents-supervise"))
            .filter(|p| p.is_file());
        beside
            .or_else(|| which::which("git-agents-supervise").ok())
            .or_else(find_git_agents)
    }
}

/// The git-agents binary: this one when it is git-agents (a program built on the library is
/// not), else the one on PATH.
pub(crate) fn find_git_agents() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .filter(|e| e.file_name().and_then(|n| n.to_str()) == Some("git-agents"))
        .or_else(|| which::which("git-agents").ok())
}
