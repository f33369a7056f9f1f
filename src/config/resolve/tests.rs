use std::time::Duration;

use super::*;
use crate::config::tests::{settings, task};
use crate::config::Limit;
use crate::config::Overrides;
use crate::tasks::FrontMatter;

fn resolver(settings: &Settings) -> Resolver<'_> {
    Resolver::new(settings, Path::new("/repo"))
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn timeout_is_flag_then_front_matter_then_git_config_then_an_hour() {
    let front = FrontMatter {
        timeout: Some("20s".into()),
        ..FrontMatter::default()
    };
    let flag = Overrides {
        timeout: Some(Limit::After(secs(30))),
        ..Overrides::default()
    };
    let cases = [
        (
            "",
            &Overrides::default(),
            FrontMatter::default(),
            Some((secs(3600), Origin::Default)),
        ),
        (
            "[agents]\n\ttimeout = off",
            &Overrides::default(),
            FrontMatter::default(),
            None,
        ),
        (
            "[agents]\n\ttimeout = 10s",
            &Overrides::default(),
            FrontMatter::default(),
            Some((secs(10), Origin::Local)),
        ),
        (
            "[agents]\n\ttimeout = 10s",
            &Overrides::default(),
            front.clone(),
            Some((secs(20), Origin::FrontMatter)),
        ),
        (
            "[agents]\n\ttimeout = 10s",
            &flag,
            front.clone(),
            Some((secs(30), Origin::Flag)),
        ),
    ];
    for (config, overrides, meta, want) in cases {
        let settings = settings(config, overrides);
        let got = resolver(&settings).timeout(&task(meta)).unwrap();
        let got = got.value.duration().map(|d| (d, got.origin));
        assert_eq!(got, want, "{config:?}");
    }
}

#[test]
fn a_bad_or_zero_front_matter_timeout_names_the_task() {
    let settings = settings("", &Overrides::default());
    for raw in ["soon", "0"] {
        let meta = FrontMatter {
            timeout: Some(raw.into()),
            ..FrontMatter::default()
        };
        let err = resolver(&settings).timeout(&task(meta)).unwrap_err();
        assert!(err.to_string().contains("task 'auth'"), "{err}");
    }
}

fn command_of(config: &str, overrides: &Overrides, meta: FrontMatter) -> (Vec<String>, Origin) {
    let settings = settings(config, overrides);
    let got = resolver(&settings).agent_template(&task(meta)).unwrap();
    (got.value.words, got.origin)
}

fn first_word(got: (Vec<String>, Origin)) -> (String, Origin) {
    (got.0[0].clone(), got.1)
}

#[test]
fn command_is_flag_then_front_matter_then_git_config_then_the_default_agent() {
    let none = Overrides::default();
    let configured = "[agents]\n\tcommand = configured {prompt}\n\tagent = codex";
    let front = FrontMatter {
        command: Some("front {prompt}".into()),
        ..FrontMatter::default()
    };
    let front_agent = FrontMatter {
        agent: Some("gemini".into()),
        ..FrontMatter::default()
    };
    let flag = Overrides {
        command: Some(Template::from_argv(vec!["flagged".into()]).unwrap()),
        ..Overrides::default()
    };
    let flag_agent = Overrides {
        agent: Some("aider".into()),
        ..Overrides::default()
    };
    let cases = [
        (
            "",
            &none,
            FrontMatter::default(),
            ("claude", Origin::Default),
        ),
        (
            "[agents]\n\tagent = codex",
            &none,
            FrontMatter::default(),
            ("codex", Origin::Local),
        ),
        (
            configured,
            &none,
            FrontMatter::default(),
            ("configured", Origin::Local),
        ),
        (
            configured,
            &none,
            front_agent.clone(),
            ("gemini", Origin::FrontMatter),
        ),
        (
            configured,
            &none,
            front.clone(),
            ("front", Origin::FrontMatter),
        ),
        (
            configured,
            &flag_agent,
            front.clone(),
            ("aider", Origin::Flag),
        ),
        (configured, &flag, front.clone(), ("flagged", Origin::Flag)),
    ];
    for (config, overrides, meta, (program, origin)) in cases {
        let got = first_word(command_of(config, overrides, meta));
        assert_eq!(
            got,
            (program.to_owned(), origin),
            "{config:?} {overrides:?}"
        );
    }
}

#[test]
fn a_preset_keeps_its_words() {
    let (words, _) = command_of("", &Overrides::default(), FrontMatter::default());
    let claude = Template::preset("claude").unwrap();
    assert_eq!(words, claude.words);
}

#[test]
fn prompt_fills_in_the_task_and_says_where_it_came_from() {
    let settings = settings("[agents]\n\tprompt = do {task}", &Overrides::default());
    let got = resolver(&settings).prompt(&task(FrontMatter::default()));
    assert_eq!((got.value.as_str(), got.origin), ("do auth", Origin::Local));

    let meta = FrontMatter {
        prompt: Some("read {task_file}".into()),
        ..FrontMatter::default()
    };
    let got = resolver(&settings).prompt(&task(meta));
    assert_eq!(
        (got.value.as_str(), got.origin),
        ("read .claude/tasks/auth.md", Origin::FrontMatter)
    );

    let settings = crate::config::tests::settings("", &Overrides::default());
    let got = resolver(&settings).prompt(&task(FrontMatter::default()));
    assert_eq!(got.origin, Origin::Default);
    assert!(got.value.contains(".claude/tasks/auth.md"), "{}", got.value);
}

#[test]
fn retries_are_flag_then_front_matter_then_git_config() {
    let meta = FrontMatter {
        retries: Some(2),
        ..FrontMatter::default()
    };
    let configured = settings("[agents]\n\tretries = 1", &Overrides::default());
    let got = resolver(&configured).retries(&task(meta.clone()));
    assert_eq!((got.value, got.origin), (2, Origin::FrontMatter));
    let got = resolver(&configured).retries(&task(FrontMatter::default()));
    assert_eq!((got.value, got.origin), (1, Origin::Local));
    let flagged = settings(
        "[agents]\n\tretries = 1",
        &Overrides {
            retries: Some(5),
            ..Overrides::default()
        },
    );
    let got = resolver(&flagged).retries(&task(meta));
    assert_eq!((got.value, got.origin), (5, Origin::Flag));
}

#[test]
fn verify_is_the_command_line_then_front_matter_then_git_config() {
    let settings = settings(
        "[agents]\n\tverify = true configured",
        &Overrides::default(),
    );
    let meta = FrontMatter {
        verify: Some("true front".into()),
        ..FrontMatter::default()
    };
    let words = |r: Resolver<'_>, meta: FrontMatter| {
        let got = r.verify(&task(meta)).unwrap().unwrap();
        (got.template.value.words[1].clone(), got.template.origin)
    };
    let plain = resolver(&settings);
    assert_eq!(
        words(plain, FrontMatter::default()),
        ("configured".into(), Origin::Local)
    );
    assert_eq!(
        words(plain, meta.clone()),
        ("front".into(), Origin::FrontMatter)
    );
    let flagged = plain.with_verify_command(Some("true flagged"));
    assert_eq!(words(flagged, meta), ("flagged".into(), Origin::Flag));

    let none = crate::config::tests::settings("", &Overrides::default());
    assert!(resolver(&none)
        .verify(&task(FrontMatter::default()))
        .unwrap()
        .is_none());
}

#[test]
fn mode_comes_from_the_settings() {
    let settings = settings("[agents]\n\tmode = dir", &Overrides::default());
    let got = resolver(&settings).mode();
    assert_eq!((got.value, got.origin), (Mode::Dir, Origin::Local));
}
