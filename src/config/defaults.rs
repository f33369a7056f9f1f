//! Defaults, paths relative to the main worktree's root.

use std::time::Duration;

pub const TASKS_DIR: &str = ".claude/tasks";
pub const CONTRACTS_DIR: &str = ".claude/contracts";
pub const BRANCH_PREFIX: &str = "feature/";
/// The seed's places (`agents.layout seed`), shared by every repository in the same parent
/// directory; the default layout puts worktrees in `../<repo>.agents` and logs in
/// `<git-common-dir>/agents/logs` instead (see `Settings::place_defaults`).
pub const WORKSPACE_ROOT: &str = "../workspaces";
pub const LOG_DIR: &str = "../logs";
pub const JOBS: usize = 4;
pub const AGENT: &str = "claude";
pub const RETRIES: u32 = 0;
pub const RETRY_DELAY: Duration = Duration::from_secs(1);
pub const KILL_GRACE: Duration = Duration::from_secs(5);
pub const TIMEOUT: Duration = Duration::from_secs(3600);
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
pub const LANDLOCK: bool = true;
pub const TRUST: bool = false;
pub const FSMONITOR: bool = false;
/// The ports handed to running tasks (`GIT_AGENTS_PORT`), both ends included.
pub const PORT_RANGE: (u16, u16) = (4000, 4999);
/// New worktrees check out everything, not only their task's cone (`agents.sparse`).
pub const SPARSE: bool = false;
/// The remote pushed to when neither `agents.remote` nor the branch's upstream names one.
pub const REMOTE: &str = "origin";
/// The live view ends with a bell and a desktop notification (OSC 9) on a terminal.
pub const BELL: bool = true;
