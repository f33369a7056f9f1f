//! Notifications: `agents.notify` run with the right values on each failure and at the run's
//! end (its own failure only a warning), and the bell with OSC 9 written only on a terminal.

use crate::common::{stderr, Env};
use crate::live_view::pty::Pty;
use crate::live_view::spawn_on;

/// A notify program that appends its argv, one `[word]` each, as a line of `record`.
fn recorder(env: &Env) -> (String, std::path::PathBuf) {
    let record = env.root().join("notified");
    let script = env.root().join("notify");
    let text = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done >> '{}'\necho >> '{}'\n",
        record.display(),
        record.display()
    );
    std::fs::write(&script, text).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script.display().to_string(), record)
}

#[test]
fn notify_runs_on_each_failure_and_at_the_run_end() {
    let env = Env::new();
    env.task("good", "---\ncommand: fake-agent write good.txt 1\n---\n");
    env.task("broken", "---\ncommand: fake-agent exit 3\n---\n");
    let (script, record) = recorder(&env);
    // `{task}` inside a value is data, and a placeholder glued to text is filled in place.
    env.git(&[
        "config",
        "agents.notify",
        &format!("{script} {{task}} state={{state}} {{summary}}"),
    ]);
    let out = env.cmd().args(["spawn", "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines = env.read(&record);
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(
        lines,
        [
            "[broken][state=failed][failed: exit 3]",
            "[run 1][state=failed][1 failed, 1 done]"
        ]
    );
}

#[test]
fn a_failing_notify_is_a_warning_and_never_fails_the_run() {
    let env = Env::new();
    env.task("good", "---\ncommand: fake-agent write good.txt 1\n---\n");
    env.git(&["config", "agents.notify", "fake-agent exit 4"]);
    let out = env.cmd().args(["spawn"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: agents.notify (fake-agent exit 4): failed (exit 4)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_bell_rings_only_when_the_live_view_ends_on_a_terminal() {
    let env = Env::new();
    env.task("good", "---\ncommand: fake-agent write good.txt 1\n---\n");
    env.commit_all("task");
    let bell = b"\x07\x1b]9;git agents: 1 done\x07";
    let has = |bytes: &[u8]| bytes.windows(bell.len()).any(|w| w == bell);
    let pty = Pty::new(30, 80);
    let mut child = spawn_on(&env, &pty, &[]);
    let bytes = pty.finish(&mut child);
    assert!(has(&bytes), "{}", String::from_utf8_lossy(&bytes));

    let out = env
        .cmd()
        .args(["spawn", "--rerun", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!out.stderr.contains(&0x07), "{}", stderr(&out));

    env.git(&["config", "agents.bell", "false"]);
    let pty = Pty::new(30, 80);
    let mut child = spawn_on(&env, &pty, &["--rerun"]);
    let bytes = pty.finish(&mut child);
    assert!(
        !bytes.contains(&0x07),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
}
