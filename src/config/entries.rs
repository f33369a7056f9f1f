//! The lines of `git agents config`: each setting's value in effect and where it came from.

use std::path::PathBuf;
use std::time::Duration;

use gix::bstr::ByteSlice;

use super::{keys, Origin, Setting, Settings};
use crate::agent::Template;

/// One line of `git agents config`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// The git config key, such as `agents.jobs` or `agents.scope.<task>`.
    pub key: String,
    /// Empty when unset.
    pub value: String,
    /// `None` when unset.
    pub origin: Option<Origin>,
}

pub(super) fn entry<T: ToString>(key: &str, setting: Option<&Setting<T>>) -> Entry {
    Entry {
        key: key.to_owned(),
        value: setting.map(|s| s.value.to_string()).unwrap_or_default(),
        origin: setting.map(|s| s.origin),
    }
}

fn shown<T>(setting: &Setting<T>, show: impl Fn(&T) -> String) -> Setting<String> {
    Setting {
        value: show(&setting.value),
        origin: setting.origin,
    }
}

fn path(setting: &Setting<PathBuf>) -> Setting<String> {
    shown(setting, |p| p.display().to_string())
}

fn duration(setting: &Setting<Duration>) -> Setting<String> {
    shown(setting, |d| humantime::format_duration(*d).to_string())
}

fn command(setting: &Setting<Template>) -> Setting<String> {
    shown(setting, Template::command_line)
}

impl Settings {
    /// The command that runs: the one set, else the agent's preset (as a default).
    fn command_in_effect(&self) -> Setting<String> {
        match &self.command {
            Some(set) => command(set),
            None => Setting::default(
                Template::preset(&self.agent.value)
                    .map(|t| t.command_line())
                    .unwrap_or_default(),
            ),
        }
    }

    /// The prompt that is given: the one set, else the built-in one.
    fn prompt_in_effect(&self) -> Setting<String> {
        self.prompt.clone().unwrap_or_else(|| {
            let task_file = self.tasks_dir.value.join("<task>.md");
            Setting::default(crate::agent::default_prompt(
                &task_file,
                &self.contracts_dir.value,
            ))
        })
    }

    /// Every setting with its value in effect and where that came from, in a stable order;
    /// `agents.scope.<task>` entries follow from `repo`'s configuration.
    pub(crate) fn entries(&self, repo: &gix::Repository) -> Vec<Entry> {
        let mut entries = vec![
            entry(keys::AGENT, Some(&self.agent)),
            entry(keys::COMMAND, Some(&self.command_in_effect())),
            entry(keys::PROMPT, Some(&self.prompt_in_effect())),
            entry(keys::JOBS, Some(&self.jobs)),
            entry(keys::MODE, Some(&self.mode)),
            entry(keys::TASKS_DIR, Some(&path(&self.tasks_dir))),
            entry(keys::CONTRACTS_DIR, Some(&path(&self.contracts_dir))),
            entry(keys::BRANCH_PREFIX, Some(&self.branch_prefix)),
            entry(keys::LAYOUT, Some(&self.layout)),
            entry(keys::WORKSPACE_ROOT, Some(&path(&self.workspace_root))),
            entry(keys::LOG_DIR, Some(&path(&self.log_dir))),
            entry(keys::RETRIES, Some(&self.retries)),
            entry(keys::RETRY_DELAY, Some(&duration(&self.retry_delay))),
            entry(keys::TIMEOUT, Some(&self.timeout)),
            entry(keys::IDLE_TIMEOUT, Some(&self.idle_timeout)),
            entry(keys::FORMAT, self.format.as_ref()),
            entry(keys::MAX_TURNS, self.max_turns.as_ref()),
            entry(keys::BUDGET, self.budget.as_ref()),
            entry(keys::KILL_GRACE, Some(&duration(&self.kill_grace))),
            entry(keys::VERIFY, self.verify.as_ref().map(command).as_ref()),
            entry(keys::LANDLOCK, Some(&self.landlock)),
            entry(keys::TRUST, Some(&self.trust)),
            entry(keys::FSMONITOR, Some(&self.fsmonitor)),
            entry(keys::PORT_RANGE, Some(&self.port_range)),
            entry(keys::SPARSE, Some(&self.sparse)),
            Entry {
                key: keys::COPY.to_owned(),
                value: self.copy.join(", "),
                origin: self.copy_origin,
            },
            Entry {
                key: keys::ALLOW_WRITE.to_owned(),
                value: self
                    .allow_write
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                origin: self.allow_write_origin,
            },
        ];
        entries.extend(self.setup_entries());
        entries.extend(self.outbound.entries());
        entries.extend(self.backend_entries());
        scopes(repo, &mut entries);
        entries
    }
}

impl Settings {
    /// One `agents.setup` line per command, in the order they run; one unset line for none.
    fn setup_entries(&self) -> Vec<Entry> {
        if self.setup.is_empty() {
            return vec![entry::<String>(keys::SETUP, None)];
        }
        self.setup
            .iter()
            .map(|s| entry(keys::SETUP, Some(&command(s))))
            .collect()
    }
}

/// `agents.scope.<task>` entries, each key once, with all of its values.
fn scopes(repo: &gix::Repository, entries: &mut Vec<Entry>) {
    let snapshot = repo.config_snapshot();
    let config = snapshot.plumbing();
    for section in config.sections_by_name("agents").into_iter().flatten() {
        if section.header().subsection_name().map(|s| s.as_bytes()) != Some(b"scope".as_slice()) {
            continue;
        }
        for name in section.value_names() {
            let key = format!("agents.scope.{name}");
            if entries.iter().any(|e| e.key == key) {
                continue;
            }
            let values = section.values(name.as_ref());
            entries.push(Entry {
                key,
                value: values
                    .iter()
                    .map(|v| v.to_str_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
                origin: Some(Origin::from_source(section.meta().source)),
            });
        }
    }
}

impl Settings {
    /// `agents.backend` and the `agents.slurm.*` keys.
    fn backend_entries(&self) -> Vec<Entry> {
        let slurm = &self.backend.value.slurm;
        vec![
            entry(
                keys::BACKEND,
                Some(&shown(&self.backend, |p| p.backend.to_string())),
            ),
            entry(keys::SLURM_PARTITION, slurm.partition.as_ref()),
            entry(keys::SLURM_TIME, slurm.time.as_ref()),
            entry(keys::SLURM_CPUS, slurm.cpus.as_ref()),
            entry(keys::SLURM_MEM, slurm.mem.as_ref()),
            Entry {
                key: keys::SLURM_ARGS.to_owned(),
                value: shlex::try_join(slurm.args.iter().map(String::as_str)).unwrap_or_default(),
                origin: slurm.args_origin,
            },
        ]
    }
}
