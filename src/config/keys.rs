//! Git config keys, in one place so docs, `git agents config` and the code agree.

pub const TASKS_DIR: &str = "agents.tasksDir";
pub const CONTRACTS_DIR: &str = "agents.contractsDir";
pub const BRANCH_PREFIX: &str = "agents.branchPrefix";
pub const WORKSPACE_ROOT: &str = "agents.workspaceRoot";
pub const LOG_DIR: &str = "agents.logDir";
pub const LAYOUT: &str = "agents.layout";
pub const JOBS: &str = "agents.jobs";
pub const AGENT: &str = "agents.agent";
pub const COMMAND: &str = "agents.command";
pub const PROMPT: &str = "agents.prompt";
pub const RETRIES: &str = "agents.retries";
pub const TIMEOUT: &str = "agents.timeout";
pub const IDLE_TIMEOUT: &str = "agents.idleTimeout";
pub const FORMAT: &str = "agents.format";
pub const MAX_TURNS: &str = "agents.maxTurns";
pub const BUDGET: &str = "agents.budget";
pub const MODE: &str = "agents.mode";
pub const VERIFY: &str = "agents.verify";
pub const RETRY_DELAY: &str = "agents.retryDelay";
pub const KILL_GRACE: &str = "agents.killGrace";
pub const ALLOW_WRITE: &str = "agents.allowWrite";
pub const LANDLOCK: &str = "agents.landlock";
pub const TRUST: &str = "agents.trust";
pub const COPY: &str = "agents.copy";
pub const PORT_RANGE: &str = "agents.portRange";
pub const SETUP: &str = "agents.setup";
