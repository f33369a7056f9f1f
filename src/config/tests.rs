use std::path::PathBuf;

use super::*;
use crate::error::{Error, ErrorKind, Fix};
use crate::tasks::{FrontMatter, Task};

/// Configuration as if read from `/repo/.git/config`.
pub(crate) fn config(text: &str) -> gix::config::File {
    let meta =
        gix::config::file::Metadata::from(gix::config::Source::Local).at("/repo/.git/config");
    let mut bytes = text.as_bytes().to_vec();
    gix::config::File::from_bytes_owned(&mut bytes, meta, Default::default()).unwrap()
}

pub(crate) fn settings(text: &str, overrides: &Overrides) -> Settings {
    Settings::from_config(&config(text), overrides).unwrap()
}

pub(crate) fn task(meta: FrontMatter) -> Task {
    Task {
        name: "auth".into(),
        slug: "auth".into(),
        file: PathBuf::from("/repo/.claude/tasks/auth.md"),
        rel_file: PathBuf::from(".claude/tasks/auth.md"),
        meta,
    }
}

fn refused(text: &str, overrides: &Overrides) -> Error {
    let err = Settings::from_config(&config(text), overrides).unwrap_err();
    let err = err.downcast::<Error>().expect("a typed error");
    assert_eq!(err.kind(), ErrorKind::Usage);
    err
}

#[test]
fn bad_values_are_refused_naming_the_key_and_the_file() {
    let cases = [
        ("jobs = x", "git config agents.jobs is 'x' (set in /repo/.git/config), which is not a whole number"),
        ("jobs = 0", "agents.jobs is '0' (set in /repo/.git/config), which must be at least 1"),
        ("landlock = maybe", "agents.landlock is 'maybe' (set in /repo/.git/config), which is not true or false"),
        ("killGrace = soon", "agents.killGrace is 'soon' (set in /repo/.git/config), which is not a duration"),
        ("timeout = 0", "agents.timeout is '0' (set in /repo/.git/config), which is not off or a duration above zero"),
        ("mode = tree", "agents.mode is 'tree' (set in /repo/.git/config), which is not worktree, branch or dir"),
        ("agent = nope", "agents.agent is 'nope' (set in /repo/.git/config), which is not an agent"),
        ("command = \"a 'b\"", "agents.command is 'a 'b' (set in /repo/.git/config), which cannot be split"),
        ("retries = -1", "agents.retries is '-1' (set in /repo/.git/config), which is not a whole number"),
    ];
    for (line, want) in cases {
        let err = refused(&format!("[agents]\n\t{line}\n"), &Overrides::default());
        assert!(err.message().contains(want), "{line}: {}", err.message());
        match err.fix() {
            Some(Fix::SetConfigAt {
                key,
                file: Some(file),
                ..
            }) => {
                assert!(key.starts_with("agents."), "{key}");
                assert_eq!(file, std::path::Path::new("/repo/.git/config"));
            }
            other => panic!("{line}: {other:?}"),
        }
    }
}

#[test]
fn a_bad_value_is_refused_even_when_a_flag_overrides_it() {
    let overrides = Overrides {
        jobs: Some(2),
        ..Overrides::default()
    };
    let err = refused("[agents]\n\tjobs = many\n", &overrides);
    assert!(
        err.message().contains("agents.jobs is 'many'"),
        "{}",
        err.message()
    );
}

#[test]
fn bad_flags_are_refused() {
    let zero_jobs = Overrides {
        jobs: Some(0),
        ..Overrides::default()
    };
    assert!(refused("", &zero_jobs).message().contains("at least 1"));
    let zero_timeout = Overrides {
        timeout: Some(Limit::After(std::time::Duration::ZERO)),
        ..Overrides::default()
    };
    assert!(refused("", &zero_timeout).message().contains("zero"));
    let unknown = Overrides {
        agent: Some("nope".into()),
        ..Overrides::default()
    };
    assert!(refused("", &unknown)
        .message()
        .contains("unknown agent 'nope'"));
}

#[test]
fn booleans_read_like_git_reads_them() {
    for (line, want) in [
        ("landlock", true),
        ("landlock =", false),
        ("landlock = off", false),
        ("landlock = Yes", true),
    ] {
        let got = settings(&format!("[agents]\n\t{line}\n"), &Overrides::default());
        assert_eq!(got.landlock.value, want, "{line}");
    }
}

#[test]
fn the_last_value_wins_and_values_are_typed() {
    let got = settings(
        "[agents]\n\tjobs = 2\n\ttimeout = 90\n\tmode = branch\n[agents]\n\tjobs = 3\n",
        &Overrides::default(),
    );
    assert_eq!((got.jobs.value, got.jobs.origin), (3, Origin::Local));
    assert_eq!(
        got.timeout.value,
        Limit::After(std::time::Duration::from_secs(90))
    );
    assert_eq!(got.mode.value, Mode::Branch);
    assert_eq!(got.retry_delay, Setting::default(defaults::RETRY_DELAY));
}

#[test]
fn an_agent_flag_sets_a_configured_command_aside() {
    let overrides = Overrides {
        agent: Some("codex".into()),
        ..Overrides::default()
    };
    let got = settings("[agents]\n\tcommand = mine {prompt}\n", &overrides);
    assert_eq!(got.command, None);
    assert_eq!(got.agent, Setting::flag("codex".to_owned()));
    let got = settings(
        "[agents]\n\tcommand = mine {prompt}\n",
        &Overrides::default(),
    );
    assert_eq!(got.command.unwrap().value.words, ["mine", "{prompt}"]);
}

#[test]
fn setup_commands_repeat_in_order_an_empty_one_clears_and_front_matter_replaces_them() {
    let text = "[agents]\nsetup = first\nsetup =\nsetup = npm ci\nsetup = \"uv sync --frozen\"\n";
    let settings = settings(text, &Overrides::default());
    let lines: Vec<String> = settings
        .setup
        .iter()
        .map(|s| s.value.command_line())
        .collect();
    assert_eq!(lines, ["npm ci", "uv sync --frozen"]);
    assert!(settings.setup.iter().all(|s| s.origin == Origin::Local));

    let resolver = Resolver::new(&settings, std::path::Path::new("/"));
    let front = task(FrontMatter {
        setup: Some(vec!["./scripts/setup 'two words'".into()]),
        ..FrontMatter::default()
    });
    let setup = resolver.setup(&front).unwrap();
    assert_eq!(setup.len(), 1);
    assert_eq!(setup[0].template.origin, Origin::FrontMatter);
    assert_eq!(
        setup[0].template.value.words,
        ["./scripts/setup", "two words"]
    );
    assert_eq!(
        setup[0].path,
        PathBuf::from("./scripts/setup"),
        "found in the workspace"
    );
    let none = task(FrontMatter {
        setup: Some(Vec::new()),
        ..FrontMatter::default()
    });
    assert!(resolver.setup(&none).unwrap().is_empty());

    let err = refused("[agents]\nsetup = \"npm 'ci\"\n", &Overrides::default());
    assert!(err.to_string().contains("agents.setup"), "{err}");
}
