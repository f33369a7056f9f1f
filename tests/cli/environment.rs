//! The environment agents need: ignored files brought into new worktrees (`.worktreeinclude`,
//! `agents.copy`).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::{stderr, Env};

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
