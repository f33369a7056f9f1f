//! The agent CLIs git-agents knows, each run the way it works today without a terminal: the
//! prompt always read as the prompt (never as an option, whatever it starts with), edits and
//! commands allowed, output in the CLI's machine-readable stream.

use super::Format;

/// One agent CLI: how to run it for a task and what it can do beyond that.
#[derive(Debug, PartialEq, Eq)]
pub struct Preset {
    /// The name used by `--agent` and `agents.agent`.
    pub name: &'static str,
    /// The program and its options, before the prompt.
    pub options: &'static [&'static str],
    /// The words that pass the prompt, with `{prompt}` where it goes.
    pub prompt: &'static [&'static str],
    /// The words that pass a prompt starting with `-`, when `prompt` would let the CLI read it
    /// as an option.
    pub dash_prompt: Option<&'static [&'static str]>,
    /// The stream its options ask for.
    pub format: Format,
    /// Option words swapped when git-agents confines the agent itself: the CLI's own sandbox
    /// cannot start inside ours (it needs namespaces, or a nested `sandbox-exec`).
    pub when_confined: &'static [(&'static str, &'static str)],
    /// Words added to the options to continue a session, with `{session}` for its id.
    pub resume: Option<&'static [&'static str]>,
    /// The option that limits the agent's turns, followed by the number.
    pub max_turns: Option<&'static str>,
    /// Files or directories it leaves in the workspace that are its own business, never committed.
    pub leaves: &'static [&'static str],
    /// Its directories under HOME (config, sessions, caches): made before a confined run, as
    /// only existing paths can be opened to it.
    pub home_dirs: &'static [&'static str],
}

impl Preset {
    /// The whole template: options, then the prompt words.
    pub fn words(&self) -> Vec<String> {
        self.options
            .iter()
            .chain(self.prompt)
            .map(|w| (*w).to_owned())
            .collect()
    }

    /// Where in `words` (a template made from this preset) options end and the prompt begins.
    pub fn options_end(&self, words: &[String]) -> usize {
        let tail = self.prompt.len();
        let prompt_is_last = words.len() >= tail
            && words[words.len() - tail..]
                .iter()
                .zip(self.prompt)
                .all(|(w, p)| w == p);
        if prompt_is_last {
            words.len() - tail
        } else {
            words.len()
        }
    }

    /// `words` (a template made from this preset) with the prompt passed so the CLI cannot read
    /// `prompt` as an option.
    pub fn prompt_safely(&self, words: &mut Vec<String>, prompt: &str) {
        if let Some(dash) = self.dash_prompt.filter(|_| prompt.starts_with('-')) {
            let end = self.options_end(words);
            words.truncate(end);
            words.extend(dash.iter().map(|w| (*w).to_owned()));
        }
    }

    /// Whether a repo-relative path (`/`-separated) is one of the files it leaves behind.
    pub fn leaves_behind(&self, path: &str) -> bool {
        self.leaves.iter().any(|left| {
            path == *left
                || path
                    .strip_prefix(left)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }
}

/// Every preset, in the order `init` and the documentation list them.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "claude",
        // `acceptEdits` alone refuses every command; Bash is allowed in the workspace, which
        // git-agents confines on Linux and macOS.
        options: &[
            "claude",
            "--allowedTools",
            "Bash",
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--permission-mode",
            "acceptEdits",
        ],
        prompt: &["--", "{prompt}"],
        dash_prompt: None,
        format: Format::Claude,
        when_confined: &[],
        resume: Some(&["--resume", "{session}"]),
        max_turns: Some("--max-turns"),
        home_dirs: &[".claude"],
        leaves: &[],
    },
    Preset {
        name: "codex",
        options: &[
            "codex",
            "exec",
            "--json",
            "--color",
            "never",
            "--sandbox",
            "workspace-write",
        ],
        prompt: &["--", "{prompt}"],
        dash_prompt: None,
        format: Format::Codex,
        when_confined: &[("workspace-write", "danger-full-access")],
        resume: Some(&["resume", "{session}"]),
        max_turns: None,
        home_dirs: &[".codex"],
        leaves: &[],
    },
    Preset {
        name: "gemini",
        // Every new worktree is an untrusted folder to gemini: without --skip-trust it
        // overrides --yolo and exits 55.
        options: &[
            "gemini",
            "--skip-trust",
            "--yolo",
            "--output-format",
            "stream-json",
        ],
        prompt: &["--prompt={prompt}"],
        dash_prompt: None,
        format: Format::Gemini,
        when_confined: &[],
        resume: Some(&["--resume", "{session}"]),
        max_turns: None,
        home_dirs: &[".gemini"],
        leaves: &[],
    },
    Preset {
        name: "aider",
        // History files off (else they land on every branch); --no-analytics, because
        // --analytics-disable rewrites the user's ~/.aider/analytics.json for good.
        options: &[
            "aider",
            "--yes-always",
            "--no-gitignore",
            "--no-check-update",
            "--no-analytics",
            "--no-pretty",
            "--chat-history-file",
            "/dev/null",
            "--input-history-file",
            "/dev/null",
        ],
        prompt: &["--message={prompt}"],
        dash_prompt: None,
        format: Format::Text,
        when_confined: &[],
        resume: None,
        max_turns: None,
        home_dirs: &[".aider"],
        leaves: &[
            ".aider.tags.cache.v4",
            ".aider.chat.history.md",
            ".aider.input.history",
        ],
    },
    Preset {
        name: "opencode",
        options: &["opencode", "run", "--format", "json"],
        prompt: &["--", "{prompt}"],
        dash_prompt: None,
        format: Format::Opencode,
        when_confined: &[],
        resume: Some(&["--session", "{session}"]),
        max_turns: None,
        home_dirs: &[
            ".config/opencode",
            ".local/share/opencode",
            ".local/state/opencode",
            ".cache/opencode",
        ],
        leaves: &[],
    },
    Preset {
        name: "copilot",
        options: &[
            "copilot",
            "--allow-all-tools",
            "--no-auto-update",
            "--disable-client-telemetry",
            "--no-ask-user",
            "--output-format",
            "json",
        ],
        prompt: &["--prompt={prompt}"],
        dash_prompt: None,
        format: Format::Copilot,
        when_confined: &[],
        resume: Some(&["--resume={session}"]),
        max_turns: None,
        // Each fresh HOME gets its bundled package unpacked into ~/.cache/copilot.
        home_dirs: &[".copilot", ".cache/copilot"],
        leaves: &[],
    },
    Preset {
        name: "qwen",
        // `-p` is deprecated: the prompt is positional. qwen 0.15 reads no prompt after `--`,
        // so one that starts with `-` goes as `--prompt=`, which it reads as the prompt.
        options: &["qwen", "--yolo", "--output-format", "stream-json"],
        prompt: &["{prompt}"],
        dash_prompt: Some(&["--prompt={prompt}"]),
        format: Format::Qwen,
        when_confined: &[],
        resume: Some(&["--resume", "{session}"]),
        max_turns: Some("--max-session-turns"),
        home_dirs: &[".qwen"],
        leaves: &[],
    },
];

/// The preset of that name.
pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_passes_the_prompt_so_it_cannot_be_read_as_an_option() {
        for preset in PRESETS {
            // The words a prompt starting with `-` goes in.
            let prompt = preset.dash_prompt.unwrap_or(preset.prompt);
            let safe = prompt == ["--", "{prompt}"]
                || (prompt.len() == 1
                    && prompt[0].starts_with("--")
                    && prompt[0].contains("={prompt}"));
            assert!(safe, "{}: {prompt:?}", preset.name);
            assert_eq!(preset.options_end(&preset.words()), preset.options.len());
        }
    }

    #[test]
    fn a_positional_prompt_that_starts_with_a_dash_is_passed_as_an_option_value() {
        let qwen = find("qwen").unwrap();
        let mut words = qwen.words();
        qwen.prompt_safely(&mut words, "fix it");
        assert_eq!(words.last().unwrap(), "{prompt}");
        qwen.prompt_safely(&mut words, "--version");
        assert_eq!(words.last().unwrap(), "--prompt={prompt}");
        assert_eq!(words.len(), qwen.words().len());
    }

    #[test]
    fn left_behind_paths_match_whole_components() {
        let aider = find("aider").unwrap();
        assert!(aider.leaves_behind(".aider.tags.cache.v4"));
        assert!(aider.leaves_behind(".aider.tags.cache.v4/cache.db"));
        assert!(!aider.leaves_behind(".aider.tags.cache.v4x"));
        assert!(!aider.leaves_behind("src/.aider.input.history"));
    }
}
