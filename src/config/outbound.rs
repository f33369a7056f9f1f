//! Settings for what leaves the machine or reaches the user after a run: the remote and forge
//! `push` and `pr` use (`agents.remote`, `agents.forge`), the command run on a run's end and a
//! task's failure (`agents.notify`) and the terminal bell (`agents.bell`).

use anyhow::Result;

use super::entries::{entry, Entry};
use super::{defaults, keys, read, Setting};
use crate::agent::Template;

/// Which forge CLI opens pull or merge requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Forge {
    /// GitHub, through `gh`.
    Github,
    /// GitLab, through `glab`.
    Gitlab,
}

impl Forge {
    /// `github` or `gitlab` (case-insensitive); `gh` and `glab` name them too.
    pub fn parse(raw: &str) -> Option<Forge> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "github" | "gh" => Some(Forge::Github),
            "gitlab" | "glab" => Some(Forge::Gitlab),
            _ => None,
        }
    }

    /// What it calls its requests.
    pub fn requests(self) -> &'static str {
        match self {
            Forge::Github => "GitHub pull requests",
            Forge::Gitlab => "GitLab merge requests",
        }
    }

    /// The CLI that speaks to it.
    pub fn program(self) -> &'static str {
        match self {
            Forge::Github => "gh",
            Forge::Gitlab => "glab",
        }
    }
}

impl std::fmt::Display for Forge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Forge::Github => "github",
            Forge::Gitlab => "gitlab",
        })
    }
}

/// `agents.remote`, `agents.forge`, `agents.notify` and `agents.bell`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outbound {
    /// The remote `push` and `pr` push to; `None`: the branch's upstream, else `origin`.
    pub remote: Option<Setting<String>>,
    /// The forge `pr` talks to; `None`: guessed from the remote's URL (GitLab when its host
    /// says so, GitHub otherwise).
    pub forge: Option<Setting<Forge>>,
    /// Run when a run ends and when a task fails, placeholders `{task}`, `{state}` and
    /// `{summary}` filled in.
    pub notify: Option<Setting<Template>>,
    /// Ring the terminal bell and send a desktop notification when the live view ends.
    pub bell: Setting<bool>,
}

impl Outbound {
    pub(super) fn read(config: &gix::config::File) -> Result<Outbound> {
        Ok(Outbound {
            remote: read::string(config, keys::REMOTE).filter(|s| !s.value.trim().is_empty()),
            forge: read::parsed(
                config,
                keys::FORGE,
                "is not github or gitlab",
                "github",
                Forge::parse,
            )?,
            notify: read::template(config, keys::NOTIFY, "notify-send {task} {summary}")?,
            bell: read::boolean_or(config, keys::BELL, defaults::BELL)?,
        })
    }

    /// Their lines in `git agents config`.
    pub(super) fn entries(&self) -> Vec<Entry> {
        let remote = self.remote.clone().unwrap_or_else(|| {
            Setting::default(format!(
                "(the branch's upstream, else {})",
                defaults::REMOTE
            ))
        });
        let notify = self.notify.as_ref().map(|t| Setting {
            value: t.value.command_line(),
            origin: t.origin,
        });
        vec![
            entry(keys::REMOTE, Some(&remote)),
            entry(keys::FORGE, self.forge.as_ref()),
            entry(keys::NOTIFY, notify.as_ref()),
            entry(keys::BELL, Some(&self.bell)),
        ]
    }
}
