//! Commands that come with a repository — front matter `command:`, `verify:` and `setup:` in task files
//! committed there — run only once the user has approved them. Approval is per repository and
//! per exact command, kept outside every repository (`~/.config/git-agents/trusted.json`), so a
//! changed command needs approving again.
#![doc(hidden)]

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::agent::Template;
use crate::config::Overrides;
use crate::error::{Error, Fix};
use crate::repo::Project;
use crate::tasks::{self, Task};

/// What a command is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Use {
    /// The task's agent.
    Agent,
    /// The task's check.
    Verify,
    /// A command run in the task's new workspace before its agent.
    Setup,
}

impl Use {
    /// What the command is for, in a word, as lists show it.
    pub fn label(self) -> &'static str {
        match self {
            Use::Agent => "agent",
            Use::Verify => "check",
            Use::Setup => "setup",
        }
    }
}

/// One command from a committed task file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Command {
    pub task: String,
    #[serde(rename = "use")]
    pub used_for: Use,
    /// Exactly what would run, shell-quoted for reading.
    pub command_line: String,
}

/// `template`, the `used_for` command of `task`.
pub fn command(task: &Task, used_for: Use, template: &Template) -> Command {
    Command {
        task: task.name.clone(),
        used_for,
        command_line: template.command_line(),
    }
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Store {
    trusted: Vec<Entry>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Entry {
    /// Of the repository's path and the command; what is compared.
    hash: String,
    repository: PathBuf,
    command: Command,
}

/// The trust file: `$XDG_CONFIG_HOME/git-agents/trusted.json`, else under `~/.config`.
pub fn store_path() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("git-agents").join("trusted.json"))
}

fn hash(repository: &Path, command: &Command) -> String {
    let text = format!(
        "{}\0{:?}\0{}",
        repository.display(),
        command.used_for,
        command.command_line
    );
    gix::objs::compute_hash(
        gix::hash::Kind::Sha1,
        gix::objs::Kind::Blob,
        text.as_bytes(),
    )
    .map(|id| id.to_string())
    .unwrap_or_default()
}

fn load(path: &Path) -> Result<Store> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not valid", path.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Store::default()),
        Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
    }
}

/// The commands of `repository` not approved yet.
pub fn untrusted(repository: &Path, commands: &[Command]) -> Result<Vec<Command>> {
    let store = match store_path() {
        Some(path) => load(&path)?,
        None => Store::default(),
    };
    Ok(commands
        .iter()
        .filter(|c| {
            let hash = hash(repository, c);
            !store.trusted.iter().any(|e| e.hash == hash)
        })
        .cloned()
        .collect())
}

/// Approve `commands` for `repository`; returns those that were not approved before.
pub fn approve(repository: &Path, commands: &[Command]) -> Result<Vec<Command>> {
    let path = store_path().ok_or_else(|| {
        Error::usage("there is no home directory to keep approvals in")
            .with_fix(Fix::Text("set HOME (or XDG_CONFIG_HOME)".into()))
    })?;
    let mut store = load(&path)?;
    let mut added = Vec::new();
    for command in commands {
        let hash = hash(repository, command);
        if !store.trusted.iter().any(|e| e.hash == hash) {
            store.trusted.push(Entry {
                hash,
                repository: repository.to_owned(),
                command: command.clone(),
            });
            added.push(command.clone());
        }
    }
    if !added.is_empty() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        crate::state::write_atomically(&path, &serde_json::to_vec_pretty(&store)?)?;
    }
    Ok(added)
}

/// Refuse to run `commands` (untrusted, non-empty): list exactly what they would run.
pub fn refuse(commands: &[Command]) -> anyhow::Error {
    let mut message = format!(
        "{} command{} from this repository's committed task files {} not been approved to run:",
        commands.len(),
        if commands.len() == 1 { "" } else { "s" },
        if commands.len() == 1 { "has" } else { "have" },
    );
    for c in commands {
        let what = c.used_for.label();
        message.push_str(&format!("\n  {} ({what}): {}", c.task, c.command_line));
    }
    Error::usage(message).with_fix(Fix::TrustCommands).into()
}

/// Whether `task`'s file is committed at HEAD: it came with the repository.
pub fn committed(project: &Project, task: &Task) -> Result<bool> {
    let Ok(tree) = project.repo.head_tree_id() else {
        return Ok(false);
    };
    let tree = project.repo.find_tree(tree)?;
    Ok(tree.lookup_entry_by_path(&task.rel_file)?.is_some())
}

/// Refuse `commands` unless `trusted_anyway` (`--yes`, agents.trust) or each is approved.
pub fn require(project: &Project, commands: &[Command], trusted_anyway: bool) -> Result<()> {
    if trusted_anyway || project.settings.trust.value || commands.is_empty() {
        return Ok(());
    }
    let open = untrusted(&project.root, commands)?;
    match open.is_empty() {
        true => Ok(()),
        false => Err(refuse(&open)),
    }
}

/// The commands in the committed task files of the repository around `cwd` (of the tasks named,
/// or all), each with whether it is approved already.
pub fn review(cwd: &Path, names: &[String]) -> Result<(PathBuf, Vec<(Command, bool)>)> {
    let project = Project::open(cwd, &Overrides::default())?;
    let (all, _) = tasks::discover(&project.root, project.tasks_dir())?;
    let mut commands = Vec::new();
    for task in tasks::select(all, names)? {
        if !committed(&project, &task)? {
            continue;
        }
        for (used_for, text) in [
            (Use::Agent, &task.meta.command),
            (Use::Verify, &task.meta.verify),
        ] {
            if let Some(text) = text {
                commands.push(command(&task, used_for, &Template::parse(text)?));
            }
        }
        for text in task.meta.setup.iter().flatten() {
            commands.push(command(&task, Use::Setup, &Template::parse(text)?));
        }
    }
    let open = untrusted(&project.root, &commands)?;
    let listed = commands
        .into_iter()
        .map(|c| {
            let trusted = !open.contains(&c);
            (c, trusted)
        })
        .collect();
    Ok((project.root, listed))
}
