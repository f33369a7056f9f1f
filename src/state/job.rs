//! The batch-scheduler job a task's last attempt was submitted as (`--backend slurm`).

use std::path::PathBuf;

/// A task's Slurm job: enough for a later spawn or status to find it again and read how it
/// ended, after the git-agents that submitted it is gone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SchedulerJob {
    /// The job id `sbatch` gave.
    pub id: String,
    /// Its Slurm state when last looked at (`PENDING`, `RUNNING`, `COMPLETED`, ...).
    pub state: String,
    /// The run it belongs to.
    pub run: u32,
    /// Its attempt in that run, from 1.
    pub attempt: u32,
    /// Where the job writes how its agent ended.
    pub result: PathBuf,
    /// The jobs it was to start after (`--dependency=afterok`): its dependencies' of the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}

impl SchedulerJob {
    /// A job that has not ended as far as the record knows.
    pub fn active(&self) -> bool {
        matches!(
            self.state.as_str(),
            "PENDING" | "RUNNING" | "CONFIGURING" | "COMPLETING" | "SUSPENDED" | "REQUEUED"
        )
    }
}
