//! Where a task stands, in one word.

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Status {
    /// Waiting for a free slot or for its dependencies.
    Queued,
    /// Its branch and workspace are being made ready.
    Preparing,
    /// Its agent is running.
    Running,
    /// Its agent succeeded; its changes are being committed.
    Committing,
    /// Finished with commits on its branch.
    Done,
    /// Its agent succeeded and changed nothing.
    NoChanges,
    /// Its agent or its check failed, or it could not start.
    Failed,
    /// Its agent ran past its time limit and was ended.
    TimedOut,
    /// The cost its agent reported passed the budget, and it was ended.
    OverBudget,
    /// Stopped by Ctrl-C or SIGTERM; the next run resumes it.
    Interrupted,
}

impl Status {
    /// The state in words, as tables and JSON show it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Preparing => "preparing",
            Status::Running => "running",
            Status::Committing => "committing",
            Status::Done => "done",
            Status::NoChanges => "no changes",
            Status::Failed => "failed",
            Status::TimedOut => "timed out",
            Status::OverBudget => "over budget",
            Status::Interrupted => "interrupted",
        }
    }

    /// Finished successfully: a second spawn skips it unless asked to run it again.
    pub fn is_finished(self) -> bool {
        matches!(self, Status::Done | Status::NoChanges)
    }

    /// Ended one way or another (nothing running).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Done
                | Status::NoChanges
                | Status::Failed
                | Status::TimedOut
                | Status::OverBudget
                | Status::Interrupted
        )
    }
}
