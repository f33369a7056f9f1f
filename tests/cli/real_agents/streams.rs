//! The real CLIs run directly with their presets' argv (no git-agents in between), their
//! merged output read by the preset's stream adapter: what the adapters are unit-tested
//! against (`tests/fixtures/streams/`) must still be what today's CLIs print.

use std::path::Path;
use std::time::{Duration, Instant};

use git_agents::agent::stream::{self, ErrorKind, Note};

use super::{agent_dir, claude_vars, codex_config_retrying, dead_port};
use crate::common::Env;
use crate::fake_api::{Failure, FakeApi};

/// How a direct run of a CLI meets the fake API.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    /// The task says to create a file and run a command.
    Success,
    /// 401 to every model request.
    Unauthorized,
    /// 429 to every model request, resetting in two minutes; the CLI does not retry.
    RateLimited,
    /// 429 to the first model request, resetting in a second; the CLI retries once.
    RateLimitedOnce,
    /// Claude Code without a key; Codex with nothing listening at its base URL (it never
    /// ends: stopped after a few seconds).
    NoLogin,
    /// The preset's turn limit set to 1 (Claude Code's `--max-turns`).
    OneTurn,
    /// Claude Code without the preset's `--allowedTools Bash`, and a command that
    /// `acceptEdits` alone refuses (2.1.197 lets `echo ran > ran.txt`, `mkdir`, `cat`, `rm`
    /// in the workspace through, but not `git`, `node`, `cargo`).
    NoBash,
}

impl Case {
    fn name(self, program: &str) -> &'static str {
        match self {
            Case::Success => "success",
            Case::Unauthorized => "401",
            Case::RateLimited => "429",
            Case::RateLimitedOnce => "429-retried",
            Case::NoLogin if program == "claude" => "not-logged-in",
            Case::NoLogin => "unreachable",
            Case::OneTurn => "max-turns",
            Case::NoBash => "bash-denied",
        }
    }

    fn task(self) -> &'static str {
        match self {
            Case::NoBash => {
                "# Hello\n\nCreate hello.txt containing \"hi\". Then Run `git --version > ran.txt`.\n"
            }
            _ => WRITE_AND_RUN,
        }
    }

    fn failure(self) -> Failure {
        match self {
            Case::Success | Case::NoLogin | Case::OneTurn | Case::NoBash => Failure::None,
            Case::Unauthorized => Failure::Unauthorized,
            Case::RateLimited => Failure::RateLimited {
                times: u32::MAX,
                reset_secs: 120,
            },
            Case::RateLimitedOnce => Failure::RateLimited {
                times: 1,
                reset_secs: 1,
            },
        }
    }
}

/// The task a direct run carries out: write a file, then run a command that writes another.
pub(super) const WRITE_AND_RUN: &str =
    "# Hello\n\nCreate hello.txt containing \"hi\". Then Run `echo ran > ran.txt`.\n";

/// Run `program` directly with its preset's argv and the default prompt, in a fresh
/// repository with the [`WRITE_AND_RUN`] task, stdin closed, stdout and stderr merged into
/// one pipe as git-agents reads them; the merged output and the repository.
///
/// With `GIT_AGENTS_WRITE_STREAM_FIXTURES=1` (or a comma-separated list of names such as
/// `claude-401,codex-success`) the output is also written to
/// `tests/fixtures/streams/<program>-<case>.jsonl`, the adapters' unit-test fixtures, whose
/// exact notes the unit tests then need to be updated for.
fn run_directly(program: &str, dir: &Path, case: Case) -> (String, Env) {
    let env = Env::new();
    env.task("hello", case.task());
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fake-api");
    std::fs::create_dir_all(&log).unwrap();
    let log = log.join(format!("direct-{program}-{}.jsonl", case.name(program)));
    let api = FakeApi::start_failing(&log, case.failure());
    let preset = git_agents::agent::presets::find(program).unwrap();
    let prompt = "Read .claude/tasks/hello.md and implement it.";
    let turns = (case == Case::OneTurn)
        .then_some(preset.max_turns)
        .flatten();
    let mut options = preset.options.to_vec();
    if case == Case::NoBash {
        let at = options.iter().position(|w| *w == "--allowedTools").unwrap();
        options.drain(at..at + 2);
    }
    let words: Vec<String> = options
        .into_iter()
        .chain(turns.into_iter().flat_map(|option| [option, "1"]))
        .chain(preset.prompt.iter().copied())
        .map(|w| w.replace("{prompt}", prompt))
        .collect();
    let retries = u32::from(case == Case::RateLimitedOnce);
    let nowhere = format!("http://127.0.0.1:{}", dead_port());
    let base_url = if case == Case::NoLogin {
        nowhere
    } else {
        api.base_url()
    };
    let login = Login {
        base_url,
        // Claude Code without a key; Codex with one, but nothing where it connects.
        key: case != Case::NoLogin || program == "codex",
        retries,
    };
    let limit = Duration::from_secs(if case == Case::NoLogin { 3 } else { 60 });
    let text = run_words(program, dir, &env, &words, &login, limit);
    let name = format!("{program}-{}", case.name(program));
    let write = std::env::var("GIT_AGENTS_WRITE_STREAM_FIXTURES").unwrap_or_default();
    if write == "1" || write.split(',').any(|w| w == name) {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/streams");
        std::fs::create_dir_all(&fixtures).unwrap();
        std::fs::write(fixtures.join(format!("{name}.jsonl")), &text).unwrap();
    }
    eprintln!("{program} {}: {}", case.name(program), api.summary());
    (text, env)
}

/// Where a direct run finds its API, and how.
pub(super) struct Login {
    pub base_url: String,
    /// Give the CLI a key.
    pub key: bool,
    /// How often the CLI retries a failed request.
    pub retries: u32,
}

/// Run the argv `words` (the program's name first, found in `dir`) in `env`'s repository,
/// sealed, stdin closed, stdout and stderr merged into one file as git-agents reads them,
/// killed after `limit`; the merged output.
pub(super) fn run_words(
    program: &str,
    dir: &Path,
    env: &Env,
    words: &[String],
    login: &Login,
    limit: Duration,
) -> String {
    let out_path = env.root().join("agent.out");
    let out = std::fs::File::create(&out_path).unwrap();
    let mut cmd = std::process::Command::new(dir.join(&words[0]));
    crate::common::seal(&mut cmd, &env.home);
    let nowhere = format!("http://127.0.0.1:{}", dead_port());
    cmd.current_dir(&env.repo)
        .args(&words[1..])
        .stdin(std::process::Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .env("HTTP_PROXY", &nowhere)
        .env("HTTPS_PROXY", &nowhere)
        .env("NO_PROXY", "127.0.0.1,localhost");
    for key in ["OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_HOME"] {
        cmd.env_remove(key);
    }
    if program == "claude" {
        let key = login.key.then_some("test-key");
        cmd.envs(claude_vars(login.base_url.clone(), key))
            .env("CLAUDE_CODE_MAX_RETRIES", login.retries.to_string());
    } else {
        codex_config_retrying(env, &login.base_url, login.retries);
        if login.key {
            cmd.env("CODEX_API_KEY", "test-key");
        }
    }
    // In a process group of its own, ended as a whole: the npm launcher of Codex starts the
    // native binary as its child, which a kill of the launcher alone leaves running.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().unwrap();
    let group = nix::unistd::Pid::from_raw(child.id() as i32);
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
    std::fs::read_to_string(&out_path).unwrap()
}

/// The notes the preset's adapter reads in `output`, line by line.
pub(super) fn notes_of(program: &str, output: &str) -> Vec<Note> {
    let preset = git_agents::agent::presets::find(program).unwrap();
    let mut adapter = preset.format.adapter();
    output
        .lines()
        .flat_map(|line| stream::read_line(adapter.as_mut(), line))
        .collect()
}

/// Activities, with the workspace prefix taken off paths.
fn activities(notes: &[Note], workspace: &Path) -> Vec<String> {
    let prefix = format!("{}/", workspace.display());
    notes
        .iter()
        .filter_map(|n| match n {
            Note::Activity(a) => Some(a.replace(&prefix, "")),
            _ => None,
        })
        .collect()
}

fn error_kinds(notes: &[Note]) -> Vec<Option<ErrorKind>> {
    notes
        .iter()
        .filter_map(|n| match n {
            Note::Error { kind, .. } => Some(*kind),
            _ => None,
        })
        .collect()
}

/// What every CLI's stream must say about the three cases, read by its adapter.
fn assert_streams_read(
    program: &str,
    dir: &Path,
    read_task: &str,
    write: &str,
    no_login: ErrorKind,
) {
    let (output, env) = run_directly(program, dir, Case::Success);
    let notes = notes_of(program, &output);
    let why = format!("{notes:#?}\n--- output\n{output}");
    assert_eq!(
        activities(&notes, &env.repo),
        [read_task, write, "Bash echo ran > ran.txt"],
        "{why}"
    );
    assert_eq!(env.read(&env.repo.join("ran.txt")), "ran\n", "{why}");
    let sessions = notes
        .iter()
        .filter(|n| matches!(n, Note::Session(_)))
        .count();
    assert_eq!(sessions, 1, "{why}");
    assert!(
        notes.iter().any(|n| matches!(
            n,
            Note::Result {
                is_error: false,
                ..
            }
        )),
        "{why}"
    );
    assert!(error_kinds(&notes).is_empty(), "{why}");
    let tokens = notes.iter().find_map(|n| match n {
        Note::TokensTotal(t) | Note::TokensAdded(t) => Some(*t),
        _ => None,
    });
    assert!(
        tokens.is_some_and(|t| t.cached > 0 && t.input > t.cached),
        "{why}"
    );

    for (case, kind) in [
        (Case::Unauthorized, ErrorKind::Auth),
        (Case::RateLimited, ErrorKind::RateLimit),
        (Case::NoLogin, no_login),
    ] {
        let (output, _env) = run_directly(program, dir, case);
        let notes = notes_of(program, &output);
        let why = format!("{notes:#?}\n--- output\n{output}");
        let kinds = error_kinds(&notes);
        assert!(!kinds.is_empty(), "{why}");
        assert!(kinds.iter().all(|k| *k == Some(kind)), "{why}");
        // Codex never ends without its API: it is stopped, and reports no result.
        let results_in_error = notes
            .iter()
            .any(|n| matches!(n, Note::Result { is_error: true, .. }));
        assert_eq!(
            results_in_error,
            case != Case::NoLogin || program == "claude",
            "{why}"
        );
    }

    // A rate limit the CLI waits out: an error said on the way, then the work is done.
    let (output, env) = run_directly(program, dir, Case::RateLimitedOnce);
    let notes = notes_of(program, &output);
    let why = format!("{notes:#?}\n--- output\n{output}");
    assert_eq!(error_kinds(&notes), [Some(ErrorKind::RateLimit)], "{why}");
    assert_eq!(activities(&notes, &env.repo).len(), 3, "{why}");
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
}

#[test]
fn claude_code_streams_read_as_activities_tokens_and_error_kinds() {
    let Some(dir) = agent_dir("claude") else {
        return;
    };
    assert_streams_read(
        "claude",
        &dir,
        "Read .claude/tasks/hello.md",
        "Write hello.txt",
        ErrorKind::Auth,
    );
    // Stopped at the turn limit after reading the task: an error result, nothing written.
    let (output, env) = run_directly("claude", &dir, Case::OneTurn);
    let notes = notes_of("claude", &output);
    let why = format!("{notes:#?}\n--- output\n{output}");
    assert_eq!(
        activities(&notes, &env.repo),
        ["Read .claude/tasks/hello.md"],
        "{why}"
    );
    assert_eq!(error_kinds(&notes), [Some(ErrorKind::AgentError)], "{why}");
    assert!(
        matches!(notes.last(), Some(Note::Result { is_error: true, .. })),
        "{why}"
    );
    assert!(!env.repo.join("hello.txt").exists(), "{why}");

    // Without --allowedTools Bash the command is refused, and the run still "succeeds".
    let (output, env) = run_directly("claude", &dir, Case::NoBash);
    let notes = notes_of("claude", &output);
    let why = format!("{notes:#?}\n--- output\n{output}");
    assert_eq!(activities(&notes, &env.repo).len(), 3, "{why}");
    assert_eq!(error_kinds(&notes), [Some(ErrorKind::AgentError)], "{why}");
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
    assert!(!env.repo.join("ran.txt").exists(), "{why}");
}

#[test]
fn codex_streams_read_as_activities_tokens_and_error_kinds() {
    let Some(dir) = agent_dir("codex") else {
        return;
    };
    assert_streams_read(
        "codex",
        &dir,
        "Bash cat '.claude/tasks/hello.md'",
        "Write hello.txt",
        ErrorKind::Network,
    );
}
