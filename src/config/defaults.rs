//! Defaults, paths relative to the main worktree's root.

use std::time::Duration;

pub const TASKS_DIR: &str = ".claude/tasks";
pub const CONTRACTS_DIR: &str = ".claude/contracts";
pub const BRANCH_PREFIX: &str = "feature/";
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
