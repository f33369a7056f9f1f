//! Hostile task file names: each runs under a valid, distinct branch, and nothing is executed.

use crate::common::{stderr, Env};

fn hostile_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "$(touch pwned)",
        "`touch pwned`",
        "a b",
        "a\tb",
        "a\nb",
        "-rf",
        "--help",
        "..",
        "a..b",
        "x@{1}",
        "@{upstream}",
        "y.lock",
        "sp ace.lock",
        "trailing.",
        "back\\slash",
        "a\\\\b",
        "'single'",
        "\"double\"",
        "ünïcødé",
        "日本語タスク",
        "semi;colon",
        "pipe|x",
        "amp&x",
        "star*",
        "question?",
        "[brackets]",
        "~tilde",
        "^caret",
        "colon:x",
        ".hidden",
        "@",
        "{}",
        "$HOME",
        "${IFS}",
        "a b c  d",
        "🚀 rocket",
        "MixedCase",
        "dash-",
        "-",
        "#hash",
        "!bang",
        "%percent",
        "=equals",
        "\r carriage",
        "\u{1b}[31mred",
        "HEAD",
        "name with 'quote' and \"dq\"",
        "a.lock.b",
        "; rm -rf ~ ;",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    names.push("long".repeat(55));
    names
}

#[test]
fn hostile_task_names_run_under_valid_distinct_branches_and_are_never_executed() {
    let env = Env::new();
    let names = hostile_names();
    assert!(names.len() >= 40);
    for name in &names {
        env.task(name, "# hostile\n");
    }
    let out = env
        .cmd()
        .args([
            "spawn",
            "-j",
            "8",
            "--command",
            "fake-agent write out.txt {task}",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(env.repo.join(".git/agents/state.json")).unwrap(),
    )
    .unwrap();
    let mut branches = std::collections::BTreeSet::new();
    for name in &names {
        let task = &state["tasks"][name.as_str()];
        assert_eq!(task["state"], "done", "{name:?}: {task}");
        let branch = task["branch"].as_str().unwrap().to_owned();
        let check = env
            .git_cmd(&env.repo)
            .args(["check-ref-format", "--branch", &branch])
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{name:?} -> invalid branch {branch:?}"
        );
        assert_eq!(
            env.git(&["show", &format!("{branch}:out.txt")]),
            format!("{name}\n"),
            "{name:?}"
        );
        assert!(branches.insert(branch), "{name:?} shares a branch");
    }
    let refs = env.git(&["for-each-ref", "--format=%(refname)", "refs/heads/feature"]);
    assert_eq!(refs.lines().count(), names.len());
    env.git(&["fsck", "--strict"]);
    let pwned = walk_for(env.root(), "pwned");
    assert!(pwned.is_empty(), "something ran a name as code: {pwned:?}");
}

fn walk_for(dir: &std::path::Path, file: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_name() == file {
            found.push(path.clone());
        }
        if entry.file_type().unwrap().is_dir() && entry.file_name() != ".git" {
            found.extend(walk_for(&path, file));
        }
    }
    found
}
