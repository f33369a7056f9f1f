//! Agent command lines: presets for the common CLIs, argv templates and their placeholders.
//!
//! Commands are argv vectors from start to end: a template is split with shell quoting
//! rules once, placeholders are replaced inside the words, and no shell ever runs them.
#![doc(hidden)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::error::{Error, Fix};

pub mod failure;
pub mod presets;
pub mod stream;
pub mod telemetry;

pub use presets::{Preset, PRESETS};
pub use stream::Format;

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "{prompt}",
    "{task}",
    "{task_file}",
    "{workspace}",
    "{branch}",
    "{port}",
];

/// An agent command before placeholders are filled in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Template {
    /// Preset name, or "custom" for `--command`.
    pub source: String,
    /// The argv, program first, placeholders such as `{prompt}` still in place; never empty.
    pub words: Vec<String>,
    /// How its output is read: a preset's machine-readable stream, or plain text.
    pub format: Format,
}

/// Values substituted into a template.
#[derive(Debug, Clone)]
pub struct Values<'a> {
    /// Replaces `{prompt}`: the whole prompt, as one word wherever the placeholder stands.
    pub prompt: &'a str,
    /// Replaces `{task}`: the task's name.
    pub task: &'a str,
    /// Replaces `{task_file}`: the path of the task file inside the workspace.
    pub task_file: &'a str,
    /// Replaces `{workspace}`: the directory the agent works in.
    pub workspace: &'a str,
    /// Replaces `{branch}`: the branch its work is committed on (short name).
    pub branch: &'a str,
    /// Replaces `{port}`: the port the task holds while it runs (empty where it has none).
    pub port: &'a str,
}

impl Template {
    /// The template for a preset name.
    pub fn preset(name: &str) -> Result<Template> {
        match presets::find(name) {
            Some(preset) => Ok(Template {
                source: name.to_owned(),
                words: preset.words(),
                format: preset.format,
            }),
            None => Err(Error::usage(format!("unknown agent '{name}'"))
                .with_fix(Fix::ChooseAgent {
                    presets: PRESETS.iter().map(|p| p.name.to_owned()).collect(),
                })
                .into()),
        }
    }

    /// Split a `--command` template with shell quoting rules (no expansion of any kind).
    pub fn parse(template: &str) -> Result<Template> {
        let words = shlex::split(template).filter(|w| !w.is_empty());
        match words {
            Some(words) => Ok(Template {
                source: "custom".to_owned(),
                words,
                format: Format::Text,
            }),
            None => Err(Error::usage(format!(
                "cannot split the agent command {template:?} into words"
            ))
            .with_fix(Fix::Text(
                "check its quotes; the command is split like a shell would but never run by one"
                    .into(),
            ))
            .into()),
        }
    }

    /// A template from argv words as they are, for callers that already have them split.
    pub fn from_argv(words: Vec<String>) -> Result<Template> {
        if words.first().is_none_or(|program| program.is_empty()) {
            return Err(Error::usage("the agent command is empty")
                .with_fix(Fix::Text(
                    "give the program to run first, then its arguments".into(),
                ))
                .into());
        }
        Ok(Template {
            source: "custom".to_owned(),
            words,
            format: Format::Text,
        })
    }

    /// The words joined back with shell quoting, for display; splits back into the same words.
    pub fn command_line(&self) -> String {
        shlex::try_join(self.words.iter().map(String::as_str))
            .unwrap_or_else(|_| self.words.join(" "))
    }

    /// The preset this template came from, if it did.
    pub fn preset_info(&self) -> Option<&'static Preset> {
        presets::find(&self.source)
    }

    /// The same command with its output read as `format`.
    pub fn with_format(mut self, format: Format) -> Template {
        self.format = format;
        self
    }

    /// The words for one run: a preset's own sandbox handed to git-agents' confinement when
    /// `confined` (it cannot start inside ours), and the prompt placed so that it cannot read
    /// as an option. A custom command stays as it is.
    pub(crate) fn for_run(&self, confined: bool, prompt: &str) -> Template {
        let mut template = self.clone();
        if let Some(preset) = template.preset_info() {
            if confined {
                for word in &mut template.words {
                    let swap = preset.when_confined.iter().find(|(from, _)| word == from);
                    if let Some((_, to)) = swap {
                        *word = (*to).to_owned();
                    }
                }
            }
            preset.prompt_safely(&mut template.words, prompt);
        }
        template
    }

    /// The same command with `words` added at the end of its options (before the prompt of a
    /// preset, at the end of a custom command).
    pub fn with_extra_args(mut self, words: &[String]) -> Template {
        let at = self
            .preset_info()
            .map_or(self.words.len(), |p| p.options_end(&self.words));
        self.words.splice(at..at, words.iter().cloned());
        self
    }

    /// The program to run, as written.
    pub fn program(&self) -> &str {
        &self.words[0]
    }

    /// Find the program on PATH (or as a path), before anything is created.
    pub fn resolve(&self, cwd: &Path) -> Result<PathBuf> {
        let program = self.program();
        find_program(program, cwd).ok_or_else(|| {
            Error::usage(format!("agent program '{program}' was not found on PATH"))
                .with_fix(Fix::InstallAgent {
                    program: program.to_owned(),
                    custom_command: self.source == "custom",
                })
                .into()
        })
    }

    /// The argv with every placeholder replaced, in one pass: a value that happens to contain
    /// `{task}` or the like is data and stays as it is.
    pub(crate) fn render(&self, values: &Values<'_>) -> Vec<String> {
        self.words
            .iter()
            .map(|word| substitute(word, values))
            .collect()
    }
}

/// The variables every agent is started with, in the same place for a spawn's agents and a
/// merge's resolver.
pub(crate) fn variables(
    task: &str,
    task_file: &str,
    workspace: &str,
    branch: &str,
    base: &str,
) -> Vec<(String, String)> {
    [
        ("GIT_AGENTS_TASK", task),
        ("GIT_AGENTS_TASK_FILE", task_file),
        ("GIT_AGENTS_WORKSPACE", workspace),
        ("GIT_AGENTS_BRANCH", branch),
        ("GIT_AGENTS_BASE", base),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect()
}

/// `program` looked up on PATH (or as a path, relative to `cwd`), each one once: a run of 200
/// tasks asks for the same few programs 200 times. Only what was found is remembered, by
/// PATH as well, so a program installed later is still found.
pub(crate) fn find_program(program: &str, cwd: &Path) -> Option<PathBuf> {
    type Key = (String, PathBuf, Option<std::ffi::OsString>);
    static FOUND: std::sync::OnceLock<std::sync::Mutex<HashMap<Key, PathBuf>>> =
        std::sync::OnceLock::new();
    let path_var = std::env::var_os("PATH");
    let key = (program.to_owned(), cwd.to_owned(), path_var.clone());
    let found = FOUND.get_or_init(Default::default);
    if let Some(path) = found.lock().unwrap().get(&key) {
        return Some(path.clone());
    }
    let path = which::which_in(program, path_var, cwd).ok()?;
    found.lock().unwrap().insert(key, path.clone());
    Some(path)
}

fn substitute(word: &str, values: &Values<'_>) -> String {
    fill_placeholders(
        word,
        &[
            ("{prompt}", values.prompt),
            ("{task_file}", values.task_file),
            ("{task}", values.task),
            ("{workspace}", values.workspace),
            ("{branch}", values.branch),
            ("{port}", values.port),
        ],
    )
}

/// `word` with each placeholder of `values` replaced, in one pass: a value that happens to
/// hold a placeholder is data and stays as it is; an unknown `{...}` is kept.
pub(crate) fn fill_placeholders(word: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        match values.iter().find(|(name, _)| tail.starts_with(name)) {
            Some((name, value)) => {
                out.push_str(value);
                rest = &tail[name.len()..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The seed's prompt, with the configured paths.
pub fn default_prompt(task_file: &Path, contracts_dir: &Path) -> String {
    format!(
        "Read {} and implement it. Follow contracts in {}/. Follow conventions in CLAUDE.md. Stay within your assigned scope.",
        task_file.display(),
        contracts_dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_like_a_shell_and_substitute_inside_words() {
        let t =
            Template::parse("my-agent --task={task} 'say {prompt}' \"$(rm -rf /)\" --port={port}")
                .unwrap();
        let argv = t.render(&Values {
            prompt: "do it; `id`",
            task: "a b",
            task_file: ".claude/tasks/a b.md",
            workspace: "/w/a b",
            branch: "feature/a-b",
            port: "4001",
        });
        assert_eq!(
            argv,
            vec![
                "my-agent",
                "--task=a b",
                "say do it; `id`",
                "$(rm -rf /)",
                "--port=4001"
            ]
        );
    }

    #[test]
    fn substituted_values_are_not_substituted_again() {
        let t = Template::parse("a {prompt}").unwrap();
        let argv = t.render(&Values {
            prompt: "x {task}",
            task: "{prompt}",
            task_file: "f",
            workspace: "w",
            branch: "b",
            port: "4000",
        });
        assert_eq!(argv, vec!["a", "x {task}"]);
    }

    #[test]
    fn argv_templates_keep_their_words_and_display_quoted() {
        let words = vec![
            "my agent".to_owned(),
            "{prompt}".to_owned(),
            "it's".to_owned(),
        ];
        let t = Template::from_argv(words.clone()).unwrap();
        assert_eq!(t.words, words);
        assert_eq!(Template::parse(&t.command_line()).unwrap(), t);
        assert!(Template::from_argv(Vec::new()).is_err());
        assert!(Template::from_argv(vec![String::new()]).is_err());
    }

    #[test]
    fn unknown_preset_is_a_usage_error() {
        let err = Template::preset("nope").unwrap_err();
        let err = err.downcast_ref::<Error>().unwrap();
        assert_eq!(err.kind(), crate::error::ErrorKind::Usage);
        assert!(
            matches!(err.fix(), Some(Fix::ChooseAgent { presets }) if presets.iter().any(|p| p == "claude"))
        );
    }
}
