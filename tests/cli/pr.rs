//! pr: one pull request per finished task through the real `gh`, against a fake GitHub on
//! 127.0.0.1 (see fake_api/github.rs); GitLab's `glab` through a fake that records its argv.

use crate::common::{stderr, stdout, Env};
use crate::fake_api::github::FakeGithub;
use crate::push::{spawn, with_remote};

/// origin's URL names the fake forge's repository; pushes go to the bare repository.
fn forge_remote(env: &Env, bare: &std::path::Path) {
    env.git(&[
        "remote",
        "set-url",
        "origin",
        "http://github.localhost/owner/repo.git",
    ]);
    env.git(&[
        "remote",
        "set-url",
        "--push",
        "origin",
        bare.to_str().unwrap(),
    ]);
}

fn pr(env: &Env, github: &FakeGithub, args: &[&str]) -> std::process::Output {
    let mut cmd = env.cmd();
    github.gh_env(&mut cmd, &env.home);
    cmd.arg("pr").args(args).output().unwrap()
}

#[test]
fn pr_opens_then_updates_one_pull_request_per_task_through_gh() {
    if !crate::docs::have("gh") {
        return;
    }
    let (env, bare) = with_remote(&["alpha"]);
    forge_remote(&env, &bare);
    spawn(&env, "alpha", "one", false);
    let github = FakeGithub::start();
    let out = pr(&env, &github, &["--draft"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let url = "http://github.localhost/owner/repo/pull/1";
    assert!(
        stdout(&out).contains(&format!("alpha: {url} (opened)")),
        "{}",
        stdout(&out)
    );
    let pulls = github.pulls();
    assert_eq!(pulls.len(), 1);
    let first = &pulls[0];
    assert_eq!(
        (first.head.as_str(), first.base.as_str()),
        ("feature/alpha", "main")
    );
    assert_eq!(first.title, "Do alpha");
    assert!(first.draft);
    for part in [
        "Write alpha.txt.",
        "**Contract check** not run",
        "alpha.txt | +1 -0",
        "1 files changed, +1 -0",
        "**Tokens** in 0",
    ] {
        assert!(first.body.contains(part), "{part} not in:\n{}", first.body);
    }
    // Pushed before the request was opened.
    let git_dir = format!("--git-dir={}", bare.display());
    let remote = env.git(&[&git_dir, "rev-parse", "refs/heads/feature/alpha"]);
    assert_eq!(remote.trim(), env.rev("feature/alpha"));

    // Another run adds a line: the same request is updated, not a second one opened.
    env.git_in(&env.workspace("alpha"), &["reset", "-q", "--hard", "main"]);
    env.task("alpha", "# Do alpha\n\nWrite alpha.txt, twice.\n");
    let command = "fake-agent write alpha.txt one append alpha.txt two";
    let run = env
        .cmd()
        .args(["spawn", "-q", "--rerun", "--command", command, "alpha"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let out = pr(&env, &github, &["alpha"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains(&format!("alpha: {url} (updated)")),
        "{}",
        stdout(&out)
    );
    let pulls = github.pulls();
    assert_eq!(pulls.len(), 1);
    assert!(
        pulls[0].body.contains("Write alpha.txt, twice."),
        "{}",
        pulls[0].body
    );
    assert!(
        pulls[0].body.contains("alpha.txt | +2 -0"),
        "{}",
        pulls[0].body
    );
}

#[test]
fn pr_reports_the_cli_s_own_failure() {
    if !crate::docs::have("gh") {
        return;
    }
    let (env, bare) = with_remote(&["boom"]);
    env.task("boom", "# Please refuse this\n");
    env.commit_all("retitle");
    forge_remote(&env, &bare);
    spawn(&env, "boom", "x", false);
    let github = FakeGithub::start();
    let out = pr(&env, &github, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("boom:") && err.contains("failed (exit 1)"),
        "{err}"
    );
    assert!(
        err.contains("the fake forge refuses this pull request"),
        "{err}"
    );
    assert!(github.pulls().is_empty());
}

#[test]
fn pr_opens_gitlab_merge_requests_through_glab() {
    // glab is not in Debian, so a fake glab on PATH records its argv and answers as glab does.
    let (env, bare) = with_remote(&["alpha"]);
    spawn(&env, "alpha", "one", false);
    env.git(&["config", "agents.forge", "gitlab"]);
    let bin = env.root().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = env.root().join("glab.argv");
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" @@END@@ >> '{}'\ncase \"$1 $2\" in\n  'mr view') echo 'no open merge request' >&2; exit 1 ;;\n  'mr create') echo 'Creating merge request'; echo 'https://gitlab.example/o/r/-/merge_requests/7' ;;\nesac\n",
        record.display()
    );
    let glab = bin.join("glab");
    std::fs::write(&glab, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&glab, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = env
        .cmd()
        .env("PATH", path)
        .args(["pr", "--draft"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("alpha: https://gitlab.example/o/r/-/merge_requests/7 (opened)"),
        "{}",
        stdout(&out)
    );
    let argv = env.read(&record);
    let calls: Vec<Vec<&str>> = argv
        .split("@@END@@\n")
        .filter(|c| !c.is_empty())
        .map(|c| c.lines().collect())
        .collect();
    assert_eq!(
        calls[0],
        ["mr", "view", "feature/alpha", "--output", "json"]
    );
    let create = &calls[1];
    assert_eq!(
        &create[..8],
        [
            "mr",
            "create",
            "--source-branch",
            "feature/alpha",
            "--target-branch",
            "main",
            "--title",
            "Do alpha"
        ]
    );
    assert_eq!(create[8], "--description");
    assert!(create[9..].contains(&"Write alpha.txt."), "{create:?}");
    assert_eq!(&create[create.len() - 2..], ["--yes", "--draft"]);
    let git_dir = format!("--git-dir={}", bare.display());
    assert_eq!(
        env.git(&[&git_dir, "rev-parse", "refs/heads/feature/alpha"])
            .trim(),
        env.rev("feature/alpha")
    );
}
