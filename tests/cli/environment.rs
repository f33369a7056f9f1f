//! The environment agents need: ignored files brought into new worktrees (`.worktreeinclude`,
//! `agents.copy`) and a port of its own for each running task (`agents.portRange`).

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::{stderr, stdout, Env};

/// A repository with ignored files of every kind, and a tracked `settings.json` changed (not
/// committed) in the main worktree.
fn with_ignored_files() -> Env {
    let env = Env::new();
    env.write(
        ".gitignore",
        ".env\nconfig/local/\nnode_modules/\nlink-to-env\nsettings.json.bak\n",
    );
    env.write("settings.json", "tracked\n");
    // Tracked though its directory is ignored: the directory is then copied file by file.
    env.write("config/local/keep.json", "base\n");
    env.git(&["add", "-f", "config/local/keep.json"]);
    env.commit_all("ignore rules");
    env.write("config/local/keep.json", "changed in main\n");
    env.write(".env", "SECRET=1\n");
    env.write("config/local/top.json", "top\n");
    env.write("config/local/a/b/deep.json", "deep\n");
    env.write("node_modules/.cache/c.txt", "cache\n");
    env.write("node_modules/pkg/index.js", "pkg\n");
    std::os::unix::fs::symlink(".env", env.repo.join("link-to-env")).unwrap();
    env.write("settings.json", "changed in main\n");
    env.task("t", "---\ncommand: fake-agent write out.txt 1\n---\n");
    env
}

const INCLUDE: &str = ".env\nconfig/local/\nnode_modules/.cache\nlink-to-env\nsettings.json\n";

fn spawn_ok(env: &Env, args: &[&str]) -> String {
    let out = env.cmd().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stderr(&out)
}

fn assert_brought_in(env: &Env) {
    let ws = env.workspace("t");
    assert_eq!(env.read(&ws.join(".env")), "SECRET=1\n");
    assert_eq!(env.read(&ws.join("config/local/top.json")), "top\n");
    assert_eq!(env.read(&ws.join("config/local/a/b/deep.json")), "deep\n");
    assert_eq!(env.read(&ws.join("node_modules/.cache/c.txt")), "cache\n");
    assert!(
        !ws.join("node_modules/pkg").exists(),
        "only what a pattern names"
    );
    let link = ws.join("link-to-env");
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new(".env"));
    for tracked in ["settings.json", "config/local/keep.json"] {
        let want = env.git(&["show", &format!("main:{tracked}")]);
        assert_eq!(
            env.read(&ws.join(tracked)),
            want,
            "{tracked} is never copied over"
        );
    }
    let committed = env.git(&["show", "--name-only", "--format=", "feature/t"]);
    assert_eq!(committed, "out.txt\n", "nothing copied is committed");
}

#[test]
fn worktreeinclude_brings_ignored_files_into_new_worktrees_only() {
    let env = with_ignored_files();
    env.write(".worktreeinclude", INCLUDE);
    spawn_ok(&env, &["spawn"]);
    assert_brought_in(&env);
    let state: serde_json::Value =
        serde_json::from_str(&env.read(&env.repo.join(".git/agents/state.json"))).unwrap();
    let copied = state.to_string();
    assert!(!copied.contains("keep.json"), "{copied}");
    for path in [
        "\".env\"",
        "\"config/local/top.json\"",
        "\"config/local/a/\"",
        "\"node_modules/.cache/\"",
        "\"link-to-env\"",
    ] {
        assert!(copied.contains(path), "{path} in {copied}");
    }

    // A reused worktree keeps what it has.
    let ws = env.workspace("t");
    std::fs::write(ws.join(".env"), "the agent's\n").unwrap();
    env.write(".env", "changed\n");
    env.write("config/local/new.json", "new\n");
    spawn_ok(&env, &["spawn", "--rerun"]);
    assert_eq!(env.read(&ws.join(".env")), "the agent's\n");
    assert!(!ws.join("config/local/new.json").exists());
    let log = env.git(&["log", "--name-only", "--format=", "main..feature/t"]);
    assert!(!log.contains(".env") && !log.contains("config/"), "{log}");
}

#[test]
fn agents_copy_selects_like_worktreeinclude() {
    let env = with_ignored_files();
    for pattern in INCLUDE.lines() {
        env.git(&["config", "--add", "agents.copy", pattern]);
    }
    spawn_ok(&env, &["spawn"]);
    assert_brought_in(&env);
}

#[test]
fn copies_are_clones_where_the_filesystem_can_and_right_either_way() {
    let env = Env::new();
    env.write(".gitignore", "*.bin\n");
    env.write(".worktreeinclude", "*.bin\n");
    env.commit_all("ignore rules");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let src = env.repo.join("tool.bin");
    std::fs::write(&src, &data).unwrap();
    std::fs::set_permissions(&src, std::fs::Permissions::from_mode(0o750)).unwrap();
    env.task("t", "---\ncommand: fake-agent write out.txt 1\n---\n");
    let err = spawn_ok(&env, &["spawn"]);
    let copy = env.workspace("t").join("tool.bin");
    assert_eq!(std::fs::read(&copy).unwrap(), data);
    let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o750);
    let fell_back = err.contains("cannot clone files");
    match filesystem(env.root()).as_str() {
        "btrfs" | "xfs" => assert!(!fell_back, "{err}"),
        "ext2/ext3" | "tmpfs" if cfg!(target_os = "linux") => assert!(fell_back, "{err}"),
        _ => {}
    }
    assert!(err.matches("cannot clone files").count() <= 1, "{err}");
}

/// The filesystem `dir` is on, as `stat -f` names it ("" when unknown).
fn filesystem(dir: &Path) -> String {
    std::process::Command::new("stat")
        .args(["-f", "-c", "%T"])
        .arg(dir)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

#[test]
fn copied_files_stay_out_of_commits_even_when_the_agent_adds_them() {
    let env = with_ignored_files();
    env.write(".worktreeinclude", INCLUDE);
    env.task(
        "t",
        "---\ncommand: git add -f .env config/local/top.json config/local/a link-to-env\n---\n",
    );
    spawn_ok(&env, &["spawn"]);
    let committed = env.git(&["log", "--name-only", "--format=", "main..feature/t"]);
    assert_eq!(committed, "", "nothing copied is committed");
}

/// The `GIT_AGENTS_PORT` a task's log shows.
fn port_in_log(env: &Env, task: &str) -> u16 {
    let log = env.read(&env.log(task));
    log.lines()
        .find_map(|l| l.strip_prefix("GIT_AGENTS_PORT="))
        .unwrap_or_else(|| panic!("no port in {log}"))
        .parse()
        .unwrap()
}

#[test]
fn sixteen_tasks_at_once_get_sixteen_ports_of_the_range() {
    let env = Env::new();
    env.git(&["config", "agents.portRange", "41000-41999"]);
    for i in 0..16 {
        env.task(
            &format!("t{i:02}"),
            "---\ncommand: fake-agent env sleep 1\n---\n",
        );
    }
    spawn_ok(&env, &["spawn", "-j", "16"]);
    let ports: BTreeSet<u16> = (0..16)
        .map(|i| port_in_log(&env, &format!("t{i:02}")))
        .collect();
    assert_eq!(ports.len(), 16, "{ports:?}");
    assert!(
        ports.iter().all(|p| (41000..=41999).contains(p)),
        "{ports:?}"
    );
    let out = env.cmd().args(["status", "--json"]).output().unwrap();
    let status = stdout(&out);
    let t00 = port_in_log(&env, "t00");
    assert!(status.contains(&format!("\"port\": {t00}")), "{status}");
}

#[test]
fn a_port_someone_holds_is_skipped_and_port_fills_the_command() {
    let held = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let first = held.local_addr().unwrap().port();
    let last = first.saturating_add(2);
    let env = Env::new();
    env.git(&["config", "agents.portRange", &format!("{first}-{last}")]);
    env.task("a", "---\ncommand: fake-agent env sleep 0.5\n---\n");
    env.task("b", "---\ncommand: fake-agent env sleep 0.5\n---\n");
    spawn_ok(&env, &["spawn", "-j", "2"]);
    let (a, b) = (port_in_log(&env, "a"), port_in_log(&env, "b"));
    assert_ne!(a, b);
    for port in [a, b] {
        assert!(port != first && port <= last, "{port} of {first}-{last}");
    }
    drop(held);

    spawn_ok(
        &env,
        &[
            "spawn",
            "a",
            "--rerun",
            "--command",
            "fake-agent echo port={port}",
        ],
    );
    let log = env.read(&env.log("a"));
    let port = port_in_log_line(&log);
    assert!((first..=last).contains(&port), "{log}");
}

fn port_in_log_line(log: &str) -> u16 {
    log.lines()
        .find_map(|l| l.strip_prefix("port="))
        .unwrap_or_else(|| panic!("no port= in {log}"))
        .parse()
        .unwrap()
}

#[test]
fn a_task_with_no_free_port_fails_saying_so() {
    let held = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = held.local_addr().unwrap().port();
    let env = Env::new();
    env.git(&["config", "agents.portRange", &format!("{port}-{port}")]);
    env.task("t", "---\ncommand: fake-agent env\n---\n");
    let out = env.cmd().args(["spawn"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let status = stdout(&env.cmd().args(["status", "--json"]).output().unwrap());
    assert!(
        status.contains(&format!("no free port in agents.portRange {port}-{port}")),
        "{status}"
    );
    drop(held);
}
