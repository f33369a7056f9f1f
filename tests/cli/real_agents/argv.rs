//! The presets' other argv forms, run directly against today's CLIs: the resume words
//! continue the session the stream named, and the words swapped in when git-agents confines
//! the agent itself still let it run commands.

use std::path::Path;
use std::time::Duration;

use git_agents::agent::presets::{self, Preset};
use git_agents::agent::stream::{Note, Tokens};

use super::agent_dir;
use super::streams::{notes_of, run_words, Login, WRITE_AND_RUN};
use crate::common::Env;
use crate::fake_api::FakeApi;

const PROMPT: &str = "Read .claude/tasks/hello.md and implement it.";

/// The preset's argv: its options with `extra` after them, then the prompt words.
fn words(preset: &Preset, extra: &[String], prompt: &str) -> Vec<String> {
    preset
        .options
        .iter()
        .map(|w| (*w).to_owned())
        .chain(extra.iter().cloned())
        .chain(preset.prompt.iter().map(|w| w.replace("{prompt}", prompt)))
        .collect()
}

fn tokens(notes: &[Note]) -> Option<Tokens> {
    notes.iter().rev().find_map(|n| match n {
        Note::TokensTotal(t) => Some(*t),
        _ => None,
    })
}

fn session(notes: &[Note]) -> Option<String> {
    notes.iter().find_map(|n| match n {
        Note::Session(id) => Some(id.clone()),
        _ => None,
    })
}

fn api(name: &str) -> FakeApi {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fake-api");
    std::fs::create_dir_all(&dir).unwrap();
    FakeApi::start(&dir.join(format!("{name}.jsonl")))
}

/// A run, then the preset's resume words with the session id its stream gave and a second
/// prompt: the model's last request holds the first prompt, the first run's tool results
/// and the second prompt, in the same session.
fn assert_resumes(program: &str, dir: &Path) {
    let env = Env::new();
    env.task("hello", "# Hello\n\nCreate hello.txt containing \"hi\".\n");
    let api = api(&format!("{program}-resume"));
    let preset = presets::find(program).unwrap();
    let login = Login {
        base_url: api.base_url(),
        key: true,
        retries: 0,
    };
    let limit = Duration::from_secs(60);
    let first = run_words(
        program,
        dir,
        &env,
        &words(preset, &[], PROMPT),
        &login,
        limit,
    );
    let first_notes = notes_of(program, &first);
    let id = session(&first_notes).unwrap_or_else(|| panic!("{first}"));
    let resume: Vec<String> = preset
        .resume
        .unwrap()
        .iter()
        .map(|w| w.replace("{session}", &id))
        .collect();
    let argv = words(preset, &resume, "What did you do?");
    let second = run_words(program, dir, &env, &argv, &login, limit);
    let why = format!(
        "{argv:?}\n--- first\n{first}\n--- second\n{second}\n{}",
        api.summary()
    );
    let notes = notes_of(program, &second);
    assert_eq!(session(&notes).as_deref(), Some(id.as_str()), "{why}");
    assert!(
        matches!(
            notes.last(),
            Some(Note::Result {
                is_error: false,
                ..
            })
        ),
        "{why}"
    );
    let last = api.conversations().pop().expect("a model request");
    let said = last.user_texts.join("\n");
    assert!(said.contains(PROMPT), "{said}\n{why}");
    assert!(said.contains("What did you do?"), "{said}\n{why}");
    assert_eq!(last.tool_results.len(), 2, "{why}");
    assert!(last.tool_results[0].contains("Create hello.txt"), "{why}");
    // The second run (one model request) reports its totals: Claude Code counts that run
    // only, fewer tokens than the first run's three requests; Codex the whole thread, more.
    let (before, after) = (tokens(&first_notes).unwrap(), tokens(&notes).unwrap());
    let thread_totals = after.input > before.input;
    assert_eq!(
        thread_totals,
        program == "codex",
        "{before:?} {after:?}\n{why}"
    );
}

#[test]
fn claude_code_resumes_its_session_with_the_preset_resume_words() {
    if let Some(dir) = agent_dir("claude") {
        assert_resumes("claude", &dir);
    }
}

#[test]
fn codex_resumes_its_session_with_the_preset_resume_words() {
    if let Some(dir) = agent_dir("codex") {
        assert_resumes("codex", &dir);
    }
}

/// With the words git-agents swaps in when it confines the agent itself (codex:
/// `--sandbox danger-full-access`), the agent still writes files and runs commands.
#[test]
fn codex_runs_commands_with_the_confined_sandbox_words() {
    let Some(dir) = agent_dir("codex") else {
        return;
    };
    let env = Env::new();
    env.task("hello", WRITE_AND_RUN);
    let api = api("codex-confined");
    let preset = presets::find("codex").unwrap();
    let mut argv = words(preset, &[], PROMPT);
    for (from, to) in preset.when_confined {
        for word in argv.iter_mut().filter(|w| w == from) {
            *word = (*to).to_owned();
        }
    }
    assert!(argv.iter().any(|w| w == "danger-full-access"), "{argv:?}");
    let login = Login {
        base_url: api.base_url(),
        key: true,
        retries: 0,
    };
    let out = run_words("codex", &dir, &env, &argv, &login, Duration::from_secs(60));
    let why = format!("{argv:?}\n{out}\n{}", api.summary());
    assert_eq!(env.read(&env.repo.join("ran.txt")), "ran\n", "{why}");
    assert_eq!(env.read(&env.repo.join("hello.txt")), "hi\n", "{why}");
}
