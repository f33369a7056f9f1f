//! The `hint:` line for each library [`Fix`], in this command line's words: flags, git config
//! and the commands to run. The library names remedies; only this file spells them.

use git_agents::config::keys;
use git_agents::error::{Fix, Operation};
use git_agents::merge::apply::shell_quote;

/// What to tell the user for `fix`; `None` for a remedy this binary has no words for.
pub fn hint(fix: &Fix) -> Option<String> {
    setup(fix)
        .or_else(|| tasks(fix))
        .or_else(|| workspaces(fix))
        .or_else(|| merging(fix))
}

fn setup(fix: &Fix) -> Option<String> {
    Some(match fix {
        Fix::Text(text) => text.clone(),
        Fix::InitRepository => {
            "run git agents inside a git repository (git init creates one)".into()
        }
        Fix::UseWorkingTree => "run git agents inside a clone with a working tree".into(),
        Fix::SetIdentity => "run: git config --global user.name \"Your Name\" && git config --global user.email you@example.com".into(),
        Fix::ChooseBase { head_unborn: true } => "make a first commit, or pass --base REV".into(),
        Fix::ChooseBase { head_unborn: false } => {
            "pass --base a branch, tag or commit id that exists (git log shows them)".into()
        }
        Fix::ChooseTarget => "pass --into a branch that exists (git branch lists them)".into(),
        Fix::SetConfig { key, example } => format!("fix it: git config {key} {example}"),
        Fix::SetConfigAt {
            key,
            example,
            file: Some(file),
        } => format!(
            "fix it: git config --file {} {key} {}",
            shell_quote(&file.to_string_lossy()),
            shell_quote(example)
        ),
        Fix::SetConfigAt { key, example, .. } => {
            format!("fix what was given to git: -c {key}={}", shell_quote(example))
        }
        Fix::FixConfigParameters => format!(
            "pass settings with git -c key=value, or unset {}",
            git_agents::config::command_line::PARAMETERS
        ),
        Fix::PositiveTimeout => "give a duration above zero, like --timeout 30m".into(),
        Fix::TrustCommands => "read them; if they are what you want to run: git agents trust (or --yes for this run only)".into(),
        Fix::SetDuration { key } => {
            format!("write durations like 500ms, 90s or 30m: git config {key} 5s")
        }
        Fix::FixConfig { key } => format!("fix git config {key}"),
        Fix::AtLeastOneJob => format!("pass -j N with N >= 1, or fix git config {}", keys::JOBS),
        Fix::WritableDir { key } => format!("make it writable, or point git config {key} elsewhere"),
        _ => return None,
    })
}

fn tasks(fix: &Fix) -> Option<String> {
    Some(match fix {
        Fix::CreateTasksDir => format!(
            "create it with one <task>.md per task (git agents init does), or point git config {} elsewhere",
            keys::TASKS_DIR
        ),
        Fix::AddTasks => "add one <task>.md per task (git agents init writes an example)".into(),
        Fix::ChooseTask { known } if known.is_empty() => {
            "there are no tasks yet: add .claude/tasks/<task>.md".into()
        }
        Fix::ChooseTask { known } => format!("known tasks: {}", known.join(", ")),
        Fix::AddScope { task } => format!(
            "add `scope: [some/dir]` to its front matter, or: git config --add agents.scope.{task} some/dir"
        ),
        Fix::ChooseAgent { presets } => format!(
            "use one of {} or give any command with --command 'PROGRAM ARGS... {{prompt}}'",
            presets.join(", ")
        ),
        Fix::InstallAgent {
            program,
            custom_command: true,
        } => format!(
            "install '{program}' or fix the command given with --command / git config {}",
            keys::COMMAND
        ),
        Fix::InstallAgent { program, .. } => format!(
            "install '{program}', choose another agent with --agent NAME, or give any command with --command"
        ),
        Fix::InstallCheck => format!(
            "install it, or fix the task's verify / git config {} / --verify-command",
            keys::VERIFY
        ),
        Fix::WaitForRun => {
            "wait for that run to end (git agents status shows it), or stop it first".into()
        }
        Fix::SpawnFirst { task: Some(task) } => format!("run it first: git agents spawn {task}"),
        Fix::SpawnFirst { task: None } => "run git agents spawn first".into(),
        Fix::StartTask { task } => {
            format!("it appears once the task starts (git agents spawn {task})")
        }
        Fix::RetireAnyway { task } => format!(
            "finish it first (git agents spawn {task}), or retire it anyway: git agents done --force {task}"
        ),
        _ => return None,
    })
}

fn workspaces(fix: &Fix) -> Option<String> {
    Some(match fix {
        Fix::ClearWorkspace { worktree } => format!(
            "{}, or point git config {} elsewhere",
            if *worktree {
                "remove that worktree"
            } else {
                "move it out of the way"
            },
            keys::WORKSPACE_ROOT
        ),
        Fix::FreeBranch { branch_mode: true } => {
            "remove that worktree first (git agents clean), or use --mode worktree".into()
        }
        Fix::FreeBranch { branch_mode: false } => {
            "remove that worktree (git worktree remove) or rename the task".into()
        }
        Fix::SwitchBranch => {
            "switch the main worktree to another branch first (git switch main)".into()
        }
        Fix::FindWorktree { task: Some(task) } => format!(
            "if it was moved, run git worktree repair <its new path>; if it is on a disk that is not mounted, mount it; to give it up: git agents clean --prune {}",
            shell_quote(task)
        ),
        Fix::FindWorktree { task: None } => format!(
            "if it was moved, run git worktree repair <its new path>; to forget it: git worktree prune; or point git config {} elsewhere",
            keys::WORKSPACE_ROOT
        ),
        Fix::RemoveLock { path } => format!(
            "if no git command is running, delete it: rm {}",
            shell_quote(&path.to_string_lossy())
        ),
        _ => return None,
    })
}

fn merging(fix: &Fix) -> Option<String> {
    const AGAIN: &str = "then run git agents merge again";
    Some(match fix {
        Fix::SpawnOrNameBranch { task } => {
            format!("run git agents spawn {task} first, or name an existing branch")
        }
        Fix::NameBranch { known_tasks } if known_tasks.is_empty() => {
            "name a local branch (git branch lists them)".into()
        }
        Fix::NameBranch { known_tasks } => format!(
            "known tasks: {}; or name a local branch (git branch lists them)",
            known_tasks.join(", ")
        ),
        Fix::LeaveOutTarget => {
            "leave it out, or merge into another branch with --into BRANCH".into()
        }
        Fix::CheckOutTargetBranch => {
            "check out a branch there (git switch main), or pass --into BRANCH".into()
        }
        Fix::CreateTargetBranch { branch } => format!(
            "create it first (git branch {}), or pass an existing branch to --into",
            shell_quote(branch)
        ),
        Fix::CommitOnTarget => "make a first commit, or pass --into BRANCH".into(),
        Fix::FinishOperation { operation } => format!("{}, {AGAIN}", finish(*operation)),
        Fix::CleanTarget { untracked: false } => {
            format!("commit or stash them (git stash), {AGAIN}; nothing was changed")
        }
        Fix::CleanTarget { untracked: true } => {
            format!("move, delete or commit them, {AGAIN}; nothing was changed")
        }
        Fix::FixThenMergeAgain => {
            "nothing was changed; fix that and run git agents merge again".into()
        }
        Fix::MergeAgain => {
            "it may have changed while merging; nothing was changed, run git agents merge again"
                .into()
        }
        Fix::WaitForMerge => format!("wait for it to end (or stop it), {AGAIN}"),
        Fix::ContinueOrAbortMerge => {
            "finish it with git agents merge --continue, or go back to where it started with git agents merge --abort".into()
        }
        Fix::AbortMerge => {
            "git agents merge --abort forgets it and leaves the branch, files and index as they are now".into()
        }
        Fix::NothingToResume => "to merge, run git agents merge".into(),
        Fix::RemoveStaleLock { lock } => format!(
            "if no git process is running there, remove it (rm {}), {AGAIN}",
            shell_quote(&lock.to_string_lossy())
        ),
        Fix::ResetWorktree { worktree } => format!(
            "its tracked files had no local changes, so git -C {} reset --hard brings them and the index to the new commit",
            shell_quote(&worktree.to_string_lossy())
        ),
        _ => return None,
    })
}

fn finish(operation: Operation) -> &'static str {
    match operation {
        Operation::Merge => "finish it with git commit, or abort it with git merge --abort",
        Operation::CherryPick => {
            "finish it with git cherry-pick --continue, or abort it with git cherry-pick --abort"
        }
        Operation::Revert => {
            "finish it with git revert --continue, or abort it with git revert --abort"
        }
        Operation::Rebase => {
            "finish it with git rebase --continue, or abort it with git rebase --abort"
        }
        Operation::ApplyMailbox => {
            "finish it with git am --continue, or abort it with git am --abort"
        }
        Operation::Bisect => "end it with git bisect reset",
        _ => "finish or abort it",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_remedy_has_words() {
        let fixes = [
            Fix::Text("x".into()),
            Fix::InitRepository,
            Fix::UseWorkingTree,
            Fix::SetIdentity,
            Fix::ChooseBase { head_unborn: true },
            Fix::ChooseBase { head_unborn: false },
            Fix::ChooseTarget,
            Fix::WaitForRun,
            Fix::SetConfig {
                key: "k".into(),
                example: "v".into(),
            },
            Fix::SetConfigAt {
                key: "k".into(),
                example: "v".into(),
                file: Some("f".into()),
            },
            Fix::SetConfigAt {
                key: "k".into(),
                example: "v".into(),
                file: None,
            },
            Fix::FixConfigParameters,
            Fix::PositiveTimeout,
            Fix::TrustCommands,
            Fix::SetDuration { key: "k".into() },
            Fix::FixConfig { key: "k".into() },
            Fix::AtLeastOneJob,
            Fix::WritableDir { key: "k".into() },
            Fix::CreateTasksDir,
            Fix::AddTasks,
            Fix::ChooseTask { known: vec![] },
            Fix::AddScope { task: "t".into() },
            Fix::ChooseAgent { presets: vec![] },
            Fix::InstallAgent {
                program: "p".into(),
                custom_command: false,
            },
            Fix::InstallCheck,
            Fix::ClearWorkspace { worktree: false },
            Fix::FreeBranch { branch_mode: true },
            Fix::SwitchBranch,
            Fix::FindWorktree { task: None },
            Fix::FindWorktree {
                task: Some("t".into()),
            },
            Fix::RemoveLock { path: "/l".into() },
            Fix::SpawnFirst { task: None },
            Fix::SpawnOrNameBranch { task: "t".into() },
            Fix::StartTask { task: "t".into() },
            Fix::RetireAnyway { task: "t".into() },
            Fix::NameBranch {
                known_tasks: vec![],
            },
            Fix::LeaveOutTarget,
            Fix::CheckOutTargetBranch,
            Fix::CreateTargetBranch { branch: "b".into() },
            Fix::CommitOnTarget,
            Fix::FinishOperation {
                operation: Operation::Bisect,
            },
            Fix::CleanTarget { untracked: true },
            Fix::FixThenMergeAgain,
            Fix::MergeAgain,
            Fix::ResetWorktree {
                worktree: "/w".into(),
            },
            Fix::WaitForMerge,
            Fix::ContinueOrAbortMerge,
            Fix::AbortMerge,
            Fix::NothingToResume,
            Fix::RemoveStaleLock { lock: "/l".into() },
        ];
        for fix in &fixes {
            assert!(hint(fix).is_some_and(|h| !h.is_empty()), "{fix:?}");
        }
    }
}
