//! `git agents init`: scaffold the task and contract folders, never over existing files.
#![doc(hidden)]

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::agent::PRESETS;
use crate::config::Overrides;
use crate::repo::Project;

/// The example task file `init` writes; no task until renamed to `*.md`.
pub const SAMPLE_TASK: &str = "example.md.sample";

const EXAMPLE_TASK: &str = "\
---
# Optional settings for this task; remove the # to use one.
# agent: claude          # or codex, gemini, aider, opencode, copilot, qwen
# scope: [src/example]   # the directories this task may change
# verify: cargo test     # a check run after the agent (git agents verify)
# timeout: 30m
# retries: 1
# depends_on: []         # tasks that must finish first
---
# Example task

Describe one self-contained piece of work for one agent: what to build, where,
and how to know it is done. Every task file in this folder gets its own branch,
worktree and agent when you run `git agents spawn`.
";

const CONTRACTS_README: &str = "\
# Contracts

Shared interfaces every agent must follow: API shapes, data formats, naming rules.
Each agent gets a copy of this folder in its workspace, and `git agents verify`
checks that no agent changed a contract.
";

/// What `init` did and found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InitReport {
    /// Files written (repo-relative).
    pub created: Vec<PathBuf>,
    /// Files that were already there and left alone.
    pub kept: Vec<PathBuf>,
    /// Task files already present before init.
    pub existing_tasks: usize,
    /// Agent presets whose program is on PATH.
    pub agents_found: Vec<String>,
    /// The preset `spawn` will use (git config agents.agent, default claude).
    pub agent_in_use: String,
}

pub fn init(cwd: &Path) -> Result<InitReport> {
    let project = Project::open(cwd, &Overrides::default())?;
    let tasks_dir = project.root.join(project.tasks_dir());
    let existing_tasks = std::fs::read_dir(&tasks_dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
                .count()
        })
        .unwrap_or(0);
    let mut report = InitReport {
        created: Vec::new(),
        kept: Vec::new(),
        existing_tasks,
        agents_found: PRESETS
            .iter()
            .filter(|preset| which::which(preset.options[0]).is_ok())
            .map(|preset| preset.name.to_owned())
            .collect(),
        agent_in_use: project.settings.agent.value.clone(),
    };
    let contracts = project.settings.contracts_dir.value.clone();
    let mut files = vec![(contracts.join("README.md"), CONTRACTS_README)];
    if existing_tasks == 0 {
        // Not a task until renamed to <task>.md: spawn runs only *.md files.
        files.push((project.tasks_dir().join(SAMPLE_TASK), EXAMPLE_TASK));
    }
    for (rel, text) in files {
        let path = project.root.join(&rel);
        if path.symlink_metadata().is_ok() {
            report.kept.push(rel);
            continue;
        }
        std::fs::create_dir_all(path.parent().expect("a file in a folder"))
            .with_context(|| format!("creating the folder of {}", rel.display()))?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", rel.display()))?;
        report.created.push(rel);
    }
    std::fs::create_dir_all(&tasks_dir)
        .with_context(|| format!("creating {}", tasks_dir.display()))?;
    Ok(report)
}
