//! The one place that decides what a task runs with: a flag beats the task's front matter,
//! which beats git config, which beats the default. Flags arrive inside [`Settings`] (origin
//! [`Origin::Flag`]), where `Settings::load` put them.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::{Limit, Mode, Origin, Setting, Settings};
use crate::agent::{self, Template};
use crate::error::{Error, Fix};
use crate::tasks::Task;

/// A command to run and the program found for it, before anything starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub template: Setting<Template>,
    pub path: PathBuf,
}

/// What one task runs with, each value with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSettings {
    pub agent: Program,
    /// With `{task}` and `{task_file}` filled in.
    pub prompt: Setting<String>,
    pub timeout: Setting<Limit>,
    pub retries: Setting<u32>,
}

/// Resolves per-task values against one run's settings.
#[derive(Debug, Clone, Copy)]
pub struct Resolver<'a> {
    settings: &'a Settings,
    root: &'a Path,
    verify_command: Option<&'a str>,
}

impl<'a> Resolver<'a> {
    /// `root`, the main worktree, is where programs given as relative paths are found.
    pub fn new(settings: &'a Settings, root: &'a Path) -> Self {
        Resolver {
            settings,
            root,
            verify_command: None,
        }
    }

    /// The check command given on the command line for every task (an argv template).
    pub fn with_verify_command(self, template: Option<&'a str>) -> Self {
        Resolver {
            verify_command: template,
            ..self
        }
    }

    /// The run's mode; front matter has none.
    pub fn mode(&self) -> Setting<Mode> {
        self.settings.mode.clone()
    }

    /// Everything `task` runs with but its check (see [`Resolver::verify`]).
    pub fn task(&self, task: &Task) -> Result<TaskSettings> {
        Ok(TaskSettings {
            agent: self.agent(task)?,
            prompt: self.prompt(task),
            timeout: self.timeout(task)?,
            retries: self.retries(task),
        })
    }

    /// The agent command and its program. At each level a command beats an agent preset.
    pub fn agent(&self, task: &Task) -> Result<Program> {
        let mut template = self.agent_template(task)?;
        template.value = self.finish_template(template.value);
        let path = template.value.resolve(self.root)?;
        Ok(Program { template, path })
    }

    /// A preset by name, as [`Resolver::agent`] would run it (its added options, turn limit
    /// and format applied): for `continue`, the preset a task last ran with.
    pub fn preset(&self, name: &str) -> Result<Program> {
        let value = self.finish_template(Template::preset(name)?);
        let path = value.resolve(self.root)?;
        Ok(Program {
            template: Setting::default(value),
            path,
        })
    }

    fn agent_template(&self, task: &Task) -> Result<Setting<Template>> {
        let settings = self.settings;
        let preset = |agent: &Setting<String>| -> Result<Setting<Template>> {
            Ok(Setting {
                value: Template::preset(&agent.value)?,
                origin: agent.origin,
            })
        };
        if let Some(command) = settings.command.as_ref().filter(|c| is_flag(c)) {
            return Ok(command.clone());
        }
        if is_flag(&settings.agent) {
            return preset(&settings.agent);
        }
        if let Some(command) = &task.meta.command {
            return Ok(front_matter(Template::parse(command)?));
        }
        if let Some(agent) = &task.meta.agent {
            return Ok(front_matter(Template::preset(agent)?));
        }
        match &settings.command {
            Some(command) => Ok(command.clone()),
            None => preset(&settings.agent),
        }
    }

    /// The prompt, by default the seed's, with the task's name and file filled in.
    pub fn prompt(&self, task: &Task) -> Setting<String> {
        let settings = self.settings;
        let mut prompt =
            pick(settings.prompt.clone(), task.meta.prompt.clone()).unwrap_or_else(|| {
                Setting::default(agent::default_prompt(
                    &task.rel_file,
                    &settings.contracts_dir.value,
                ))
            });
        prompt.value = prompt
            .value
            .replace("{task}", &task.name)
            .replace("{task_file}", &task.rel_file.to_string_lossy());
        prompt
    }

    /// A preset's added options (`agents.preset.<name>.args`) and turn limit, and the output
    /// format `agents.format` names.
    fn finish_template(&self, template: Template) -> Template {
        let mut template = template;
        if let Some(preset) = template.preset_info() {
            let mut extra = self
                .settings
                .preset_args
                .iter()
                .find(|(name, _)| name == preset.name)
                .map(|(_, args)| args.clone())
                .unwrap_or_default();
            if let (Some(flag), Some(turns)) = (preset.max_turns, &self.settings.max_turns) {
                extra.extend([flag.to_owned(), turns.value.to_string()]);
            }
            template = template.with_extra_args(&extra);
        }
        match &self.settings.format {
            Some(format) => template.with_format(format.value),
            None => template,
        }
    }

    /// The time after which the agent is stopped: an hour unless set.
    pub fn timeout(&self, task: &Task) -> Result<Setting<Limit>> {
        let configured = self.settings.timeout.clone();
        if is_flag(&configured) {
            return Ok(configured);
        }
        let Some(raw) = &task.meta.timeout else {
            return Ok(configured);
        };
        let bad = |problem: &str| {
            Error::usage(format!(
                "timeout '{raw}' for task '{}' {problem}",
                task.name
            ))
            .with_fix(Fix::Text(
                "write durations like 90s, 30m or 1h, or off for no limit".into(),
            ))
        };
        match Limit::parse(raw) {
            None => Err(bad("is not off or a duration above zero").into()),
            Some(timeout) => Ok(front_matter(timeout)),
        }
    }

    /// How many more attempts a failing agent gets.
    pub fn retries(&self, task: &Task) -> Setting<u32> {
        let configured = self.settings.retries.clone();
        pick(Some(configured.clone()), task.meta.retries).unwrap_or(configured)
    }

    /// Whether the task's new worktree is checked out sparse: `--sparse`/`--no-sparse`, else
    /// front matter `sparse`, else `agents.sparse`.
    pub fn sparse(&self, task: &Task) -> Setting<bool> {
        let configured = self.settings.sparse.clone();
        pick(Some(configured.clone()), task.meta.sparse).unwrap_or(configured)
    }

    /// The check command and its program, if any: the command line's, else front matter
    /// `verify`, else git config `agents.verify`.
    pub fn verify(&self, task: &Task) -> Result<Option<Program>> {
        let template = match (self.verify_command, &task.meta.verify) {
            (Some(flag), _) => Setting::flag(Template::parse(flag)?),
            (None, Some(front)) => front_matter(Template::parse(front)?),
            (None, None) => match &self.settings.verify {
                Some(configured) => configured.clone(),
                None => return Ok(None),
            },
        };
        let program = template.value.program();
        let path = agent::find_program(program, self.root).ok_or_else(|| {
            Error::usage(format!(
                "verify command '{program}' of task '{}' was not found on PATH",
                task.name
            ))
            .with_fix(Fix::InstallCheck)
        })?;
        Ok(Some(Program { template, path }))
    }
}

impl Resolver<'_> {
    /// The commands run in `task`'s new workspace before its agent, each with its program:
    /// front matter `setup:` replaces git config `agents.setup`. A program named by a relative
    /// path (`./scripts/setup`) is the workspace's own, found when it runs; others must be on
    /// PATH now.
    pub fn setup(&self, task: &Task) -> Result<Vec<Program>> {
        let templates = match &task.meta.setup {
            Some(commands) => commands
                .iter()
                .map(|c| Ok(front_matter(setup_template(c, task)?)))
                .collect::<Result<Vec<_>>>()?,
            None => self.settings.setup.clone(),
        };
        templates
            .into_iter()
            .map(|template| {
                let program = template.value.program();
                let path = if program.contains('/') {
                    PathBuf::from(program)
                } else {
                    agent::find_program(program, self.root).ok_or_else(|| {
                        Error::usage(format!(
                            "setup command '{program}' of task '{}' was not found on PATH",
                            task.name
                        ))
                        .with_fix(Fix::Text(format!(
                            "install {program}, or change git config {} or the task's front matter setup:",
                            super::keys::SETUP
                        )))
                    })?
                };
                Ok(Program { template, path })
            })
            .collect()
    }
}

/// A front-matter setup command split into words, or refused naming the task.
fn setup_template(command: &str, task: &Task) -> Result<Template> {
    Template::parse(command).map_err(|_| {
        Error::usage(format!(
            "setup command {command:?} of task '{}' cannot be split into words",
            task.name
        ))
        .with_fix(Fix::Text(
            "check its quotes; it is split like a shell would but never run by one".into(),
        ))
        .into()
    })
}

fn is_flag<T>(setting: &Setting<T>) -> bool {
    setting.origin == Origin::Flag
}

fn front_matter<T>(value: T) -> Setting<T> {
    Setting {
        value,
        origin: Origin::FrontMatter,
    }
}

/// flag > front matter > git config or default.
fn pick<T>(configured: Option<Setting<T>>, front: Option<T>) -> Option<Setting<T>> {
    match configured {
        Some(flag) if is_flag(&flag) => Some(flag),
        configured => front.map(front_matter).or(configured),
    }
}

#[cfg(test)]
mod tests;
