//! Every error message a user can reach from the command line, one snapshot each: the command,
//! its exit code and its stderr, with temp paths and pids redacted.

use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::common::{agents_dir, background, redact, stderr, stdout, Env};

/// Run `git agents ARGS` (through `cmd`, so a case can change its environment) and snapshot it.
fn snap_cmd(name: &str, env: &Env, mut cmd: assert_cmd::Command, args: &[&str]) {
    let out = cmd.args(args).output().unwrap();
    let code = out.status.code();
    let err = stderr(&out);
    assert!(
        matches!(code, Some(1 | 2 | 130)),
        "{name}: exit {code:?}\n{err}"
    );
    assert!(err.contains("error: "), "{name}: {err}");
    let text = format!(
        "$ git agents {}\nexit {}\n{}",
        args.join(" "),
        code.unwrap(),
        redact(env, &err)
    );
    insta::assert_snapshot!(format!("error_{name}"), text);
}

fn snap(name: &str, env: &Env, args: &[&str]) {
    snap_cmd(name, env, env.cmd(), args);
}

/// Snapshot a run whose messages are lines of its report, not an `error:` (clean's reasons, a
/// task that failed): its exit code and both outputs.
fn snap_report(name: &str, env: &Env, args: &[&str]) {
    let out = env.cmd().args(args).output().unwrap();
    let code = out.status.code();
    assert_eq!(code, Some(1), "{name}: {}", stderr(&out));
    let text = format!(
        "$ git agents {}\nexit 1\n{}{}",
        args.join(" "),
        redact(env, &stdout(&out)),
        redact(env, &stderr(&out))
    );
    insta::assert_snapshot!(format!("report_{name}"), text);
}

/// A repository with task `t` (and more tasks as given), uncommitted.
fn with_task(body: &str) -> Env {
    let env = Env::new();
    env.task("t", body);
    env
}

fn spawned() -> Env {
    let env = with_task("---\ncommand: fake-agent write t.txt 1\n---\n# t\n");
    let out = env.cmd().args(["spawn", "--quiet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    env
}

#[test]
fn repository_and_identity() {
    let env = Env::bare_dir();
    snap("not_a_repository", &env, &["config"]);
    env.git(&["init", "-q", "--bare"]);
    snap("bare_repository", &env, &["config"]);

    let env = with_task("# t\n");
    env.git(&["config", "--unset", "user.name"]);
    env.git(&["config", "--unset", "user.email"]);
    snap("no_identity", &env, &["spawn", "--command", "true"]);

    let env = Env::bare_dir();
    env.git(&["init", "-q", "-b", "main"]);
    env.task("t", "# t\n");
    env.git(&["config", "user.name", "T"]);
    env.git(&["config", "user.email", "t@example.com"]);
    snap("unborn_head", &env, &["spawn", "--command", "true"]);
    snap("unborn_merge_target", &env, &["merge", "t"]);

    let env = with_task("# t\n");
    snap(
        "bad_base",
        &env,
        &["spawn", "--base", "nope", "--command", "true"],
    );
    snap("bad_status_target", &env, &["status", "--into", "nope"]);
}

#[test]
fn configuration() {
    let env = with_task("# t\n");
    env.git(&["config", "agents.jobs", "many"]);
    snap("config_not_a_number", &env, &["config"]);
    env.git(&["config", "--unset", "agents.jobs"]);
    env.git(&["config", "agents.landlock", "perhaps"]);
    snap("config_not_a_boolean", &env, &["config"]);
    env.git(&["config", "--unset", "agents.landlock"]);
    env.git(&["config", "agents.retryDelay", "soon"]);
    snap("config_not_a_duration", &env, &["config"]);
    env.git(&["config", "--unset", "agents.retryDelay"]);
    snap("zero_jobs", &env, &["config", "-j", "0"]);
    env.git(&["config", "agents.mode", "sideways"]);
    snap("bad_mode", &env, &["spawn", "--command", "true"]);
    env.git(&["config", "--unset", "agents.mode"]);
    env.git(&["config", "agents.branchPrefix", "bad..prefix/"]);
    snap("bad_branch_prefix", &env, &["spawn", "--command", "true"]);
    env.git(&["config", "--unset", "agents.branchPrefix"]);

    std::fs::write(env.root().join("blocker"), "a file").unwrap();
    env.git(&["config", "agents.logDir", "../blocker/logs"]);
    snap(
        "log_dir_not_creatable",
        &env,
        &["spawn", "--command", "true"],
    );
}

#[test]
fn port_ranges() {
    let env = with_task("# t\n");
    for (name, range) in [
        ("port_range_not_a_range", "abc"),
        ("port_range_backwards", "5-1"),
        ("port_range_from_zero", "0-10"),
    ] {
        env.git(&["config", "agents.portRange", range]);
        snap(name, &env, &["spawn", "--command", "true"]);
    }
    let branches = env.git(&["branch", "--list", "feature/*"]);
    assert_eq!(branches, "", "a bad range creates nothing");
}

#[test]
fn sparse_worktrees() {
    let env = with_task("---\nscope: src\n---\n# t\n");
    env.git(&["config", "agents.sparse", "maybe"]);
    snap(
        "sparse_not_a_boolean",
        &env,
        &["spawn", "--command", "true"],
    );
    env.git(&["config", "agents.sparse", "true"]);
    let root = env.repo.to_str().unwrap().to_owned();
    env.git(&["config", "core.worktree", &root]);
    snap(
        "sparse_core_worktree",
        &env,
        &["spawn", "--command", "true"],
    );
    env.git(&["config", "--unset", "core.worktree"]);
    let env = with_task("---\nsparse: sometimes\n---\n# t\n");
    snap("sparse_front_matter", &env, &["spawn", "--command", "true"]);
}

#[test]
fn setup_commands() {
    let env = with_task("# t\n");
    let spawn = ["spawn", "--command", "true"];
    env.git(&["config", "agents.setup", "npm \"ci"]);
    snap("config_setup_unsplittable", &env, &spawn);
    env.git(&["config", "agents.setup", "no-such-installer --all"]);
    snap("setup_not_on_path", &env, &spawn);
    env.git(&["config", "--unset-all", "agents.setup"]);
    env.task("t", "---\nsetup: {npm: ci}\n---\n# t\n");
    snap("front_matter_setup_not_commands", &env, &spawn);
    env.task("t", "---\nsetup: npm \"ci\n---\n# t\n");
    snap("front_matter_setup_unsplittable", &env, &spawn);
    env.task("t", "---\nsetup: fake-agent echo hi\n---\n# t\n");
    env.commit_all("a task with its own setup");
    snap("setup_not_approved", &env, &spawn);
    env.task(
        "t",
        "---\nsetup: fake-agent echo 'no lockfile' exit 4\n---\n# t\n",
    );
    snap_report(
        "setup_failed",
        &env,
        &["spawn", "--yes", "--command", "true"],
    );
}

#[test]
fn task_files() {
    let env = Env::new();
    snap("no_tasks_dir", &env, &["spawn"]);
    env.write(".claude/tasks/notes.txt", "not a task");
    snap("no_tasks", &env, &["spawn"]);

    let env = with_task("# t\n");
    snap(
        "unknown_task",
        &env,
        &["spawn", "nope", "--command", "true"],
    );
    snap("unknown_task_status", &env, &["status", "nope"]);
    env.task("T", "# T\n");
    snap("same_slug", &env, &["spawn", "--command", "true"]);

    let env = with_task("---\nretries: [oops\n---\n");
    snap("front_matter_yaml", &env, &["spawn", "--command", "true"]);
    let env = with_task("---\nretries: many\n---\n");
    snap("front_matter_value", &env, &["spawn", "--command", "true"]);
    let env = with_task("---\nscope: [../outside]\n---\n");
    snap("scope_outside", &env, &["spawn", "--command", "true"]);
    let env = with_task("---\nscope: [no/such/dir]\n---\n");
    snap("scope_missing", &env, &["spawn", "--command", "true"]);
    let env = with_task("---\ndepends_on: nobody\n---\n");
    snap("depends_on_unknown", &env, &["spawn", "--command", "true"]);
    let env = with_task("---\ndepends_on: u\n---\n");
    env.task("u", "---\ndepends_on: t\n---\n");
    snap("depends_on_cycle", &env, &["spawn", "--command", "true"]);
    let env = with_task("---\ntimeout: soon\n---\n");
    snap("bad_timeout", &env, &["spawn", "--command", "true"]);
}

#[test]
fn agents_and_checks() {
    let env = with_task("# t\n");
    snap("unknown_agent", &env, &["spawn", "--agent", "hal9000"]);
    snap(
        "unsplittable_command",
        &env,
        &["spawn", "--command", "a 'b"],
    );
    let mut cmd = env.cmd();
    cmd.env("PATH", agents_dir());
    snap_cmd(
        "agent_not_on_path",
        &env,
        cmd,
        &["spawn", "--agent", "codex"],
    );
    snap(
        "command_not_on_path",
        &env,
        &["spawn", "--command", "no-such-agent-x"],
    );
    snap(
        "check_not_on_path",
        &env,
        &[
            "spawn",
            "--command",
            "true",
            "--verify-command",
            "no-such-check-x",
        ],
    );
    snap("verify_nothing_spawned", &env, &["verify"]);
    snap("verify_task_not_spawned", &env, &["verify", "t"]);
    snap("logs_unknown_task", &env, &["logs", "nope"]);
    snap("logs_not_started", &env, &["logs", "t"]);
}

#[test]
fn workspaces_and_branches() {
    let env = with_task("# t\n");
    let squatter = env.root().join("repo.agents/t");
    std::fs::create_dir_all(&squatter).unwrap();
    std::fs::write(squatter.join("mine.txt"), "mine").unwrap();
    snap("workspace_taken", &env, &["spawn", "--command", "true"]);
    std::fs::remove_dir_all(&squatter).unwrap();
    std::fs::write(&squatter, "a file").unwrap();
    snap("workspace_not_a_dir", &env, &["spawn", "--command", "true"]);
    std::fs::remove_file(&squatter).unwrap();

    env.git(&["branch", "other"]);
    let path = squatter.to_str().unwrap();
    env.git(&["worktree", "add", "-q", path, "other"]);
    snap(
        "workspace_other_branch",
        &env,
        &["spawn", "--command", "true"],
    );
    env.git(&["worktree", "remove", path]);

    env.git(&["branch", "feature/t"]);
    let elsewhere = env.root().join("elsewhere");
    env.git(&[
        "worktree",
        "add",
        "-q",
        elsewhere.to_str().unwrap(),
        "feature/t",
    ]);
    snap("branch_elsewhere", &env, &["spawn", "--command", "true"]);
    snap(
        "branch_elsewhere_branch_mode",
        &env,
        &["spawn", "--mode", "branch", "--command", "true"],
    );
    env.git(&["worktree", "remove", elsewhere.to_str().unwrap()]);
    env.git(&["checkout", "-q", "feature/t"]);
    snap(
        "branch_in_main_worktree",
        &env,
        &["spawn", "--command", "true"],
    );
}

#[test]
fn a_task_another_run_holds() {
    let env = with_task("# t\n");
    env.git(&["config", "agents.killGrace", "200ms"]);
    let pidfile = env.scratch("pids");
    let command = format!("fake-agent pidfile {} hang", pidfile.display());
    let first = background(&env, &["spawn", "--command", &command]);
    let start = Instant::now();
    while std::fs::read_to_string(&pidfile)
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the agent never started"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    snap(
        "task_held_by_another_run",
        &env,
        &["spawn", "--rerun", "--command", "true"],
    );
    kill(Pid::from_raw(first.id() as i32), Signal::SIGTERM).unwrap();
    first.wait_with_output().unwrap();
}

#[test]
fn dir_mode() {
    let env = with_task("# t\n");
    snap(
        "dir_mode_no_scope",
        &env,
        &["spawn", "--mode", "dir", "--command", "true"],
    );
    let env = with_task("---\nscope: [src]\n---\n");
    env.task("u", "---\nscope: [src]\n---\n");
    snap(
        "dir_mode_overlap",
        &env,
        &["spawn", "--mode", "dir", "--command", "true"],
    );
    let env = with_task("---\nscope: [src]\n---\n");
    env.write("README.md", "# changed\n");
    snap(
        "dir_mode_dirty",
        &env,
        &["spawn", "--mode", "dir", "--command", "true"],
    );
}

#[test]
fn merging() {
    let env = spawned();
    snap("merge_unknown_name", &env, &["merge", "nope"]);
    env.task("u", "# u\n");
    snap("merge_task_without_branch", &env, &["merge", "u"]);
    snap("merge_into_itself", &env, &["merge", "main"]);
    snap("merge_into_missing", &env, &["merge", "--into", "nope"]);
    env.git(&["switch", "-q", "-c", "side"]);
    env.write("README.md", "# side\n");
    env.git(&["commit", "-q", "-am", "side"]);
    env.git(&["switch", "-q", "main"]);
    env.write("README.md", "# changed\n");
    snap("merge_target_dirty", &env, &["merge", "side"]);
    env.git(&["checkout", "-q", "README.md"]);
    std::fs::write(env.repo.join(".git/index.lock"), "").unwrap();
    snap("merge_index_locked", &env, &["merge"]);
    std::fs::remove_file(env.repo.join(".git/index.lock")).unwrap();
    env.write("t.txt", "in the way\n");
    snap("merge_untracked_in_the_way", &env, &["merge"]);
    std::fs::remove_file(env.repo.join("t.txt")).unwrap();
    std::fs::write(env.repo.join(".git/MERGE_HEAD"), env.rev("HEAD") + "\n").unwrap();
    snap("merge_in_progress", &env, &["merge"]);
    std::fs::remove_file(env.repo.join(".git/MERGE_HEAD")).unwrap();
    env.git(&["checkout", "-q", "--detach"]);
    snap("merge_detached", &env, &["merge"]);
}

#[test]
fn the_command_line_itself() {
    let env = with_task("# t\n");
    snap("watch_interval", &env, &["status", "--watch=0"]);
    snap("unknown_flag", &env, &["spawn", "--no-such-flag"]);
    let mut cmd = env.cmd();
    cmd.env_remove("HOME");
    snap_cmd("install_without_home", &env, cmd, &["install-extras"]);
}

#[test]
fn settings_from_every_place() {
    let env = with_task("# t\n");
    let mut cmd = env.cmd();
    cmd.env("GIT_CONFIG_PARAMETERS", "'agents.jobs'='x'");
    snap_cmd("config_bad_on_command_line", &env, cmd, &["config"]);
    let mut cmd = env.cmd();
    cmd.env("GIT_CONFIG_PARAMETERS", "'agents.jobs");
    snap_cmd("config_parameters_garbled", &env, cmd, &["config"]);
    env.git(&["config", "agents.timeout", "0"]);
    snap("config_zero_timeout", &env, &["config"]);
    env.git(&["config", "--unset", "agents.timeout"]);
    snap("flag_zero_timeout", &env, &["spawn", "--timeout", "0"]);
    snap("flag_bad_timeout", &env, &["spawn", "--timeout", "abc"]);
    snap("empty_agent_command", &env, &["spawn", "--command", ""]);
}

#[test]
fn state_and_task_files_that_changed_under_us() {
    let env = spawned();
    std::fs::remove_file(env.repo.join(".claude/tasks/t.md")).unwrap();
    snap("verify_without_task_file", &env, &["verify", "t"]);
    let state = env.repo.join(".git/agents/state.json");
    let text = std::fs::read_to_string(&state).unwrap();
    std::fs::write(
        &state,
        text.replacen("\"version\": 2", "\"version\": 99", 1),
    )
    .unwrap();
    snap("state_from_a_newer_version", &env, &["status"]);
}

#[test]
fn places_and_files_that_cannot_be_used() {
    let env = with_task("# t\n");
    env.git(&["config", "agents.workspaceRoot", "."]);
    snap(
        "workspace_root_inside",
        &env,
        &["spawn", "--command", "true"],
    );
    env.git(&["config", "agents.workspaceRoot", "/"]);
    snap(
        "workspace_root_slash",
        &env,
        &["spawn", "--command", "true"],
    );
    env.git(&["config", "--unset", "agents.workspaceRoot"]);
    env.git(&["config", "agents.branchPrefix", "-x"]);
    snap("branch_prefix_dash", &env, &["spawn", "--command", "true"]);
    env.git(&["config", "--unset", "agents.branchPrefix"]);
    std::fs::create_dir_all(env.repo.join(".claude/contracts")).unwrap();
    std::os::unix::fs::symlink("/dev/null", env.repo.join(".claude/contracts/null.md")).unwrap();
    snap("contract_not_a_file", &env, &["spawn", "--command", "true"]);
    std::fs::remove_file(env.repo.join(".claude/contracts/null.md")).unwrap();
    std::os::unix::fs::symlink("nowhere", env.repo.join(".claude/tasks/gone.md")).unwrap();
    snap("task_not_a_file", &env, &["spawn", "--command", "true"]);
}

#[test]
fn worktrees_whose_directory_is_missing() {
    let env = spawned();
    let workspace = env.root().join("repo.agents/t");
    std::fs::rename(&workspace, env.root().join("away")).unwrap();
    snap(
        "worktree_directory_missing",
        &env,
        &["spawn", "--rerun", "--command", "true"],
    );
    snap_report("clean_worktree_directory_missing", &env, &["clean"]);

    let env = with_task("# t\n");
    let path = env.root().join("repo.agents/t");
    env.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "mine",
        path.to_str().unwrap(),
    ]);
    snap_report("clean_worktree_not_ours", &env, &["clean", "t"]);
    std::fs::rename(&path, env.root().join("moved")).unwrap();
    snap(
        "foreign_worktree_directory_missing",
        &env,
        &["spawn", "--command", "true"],
    );
}

#[test]
fn locks_in_the_way() {
    let env = with_task("---\ncommand: fake-agent write t.txt 1\n---\n");
    std::fs::create_dir_all(env.repo.join(".git/refs/heads/feature")).unwrap();
    std::fs::write(env.repo.join(".git/refs/heads/feature/t.lock"), "").unwrap();
    snap_report("branch_lock_in_the_way", &env, &["spawn"]);

    let env = spawned();
    env.git(&["merge", "-q", "--no-ff", "-m", "merge", "feature/t"]);
    std::fs::write(env.repo.join(".git/config.lock"), "").unwrap();
    snap_report("clean_config_lock_in_the_way", &env, &["clean"]);
}

#[test]
fn commits_only_a_submodule_holds() {
    let env = Env::new();
    let who = ["-c", "user.name=T", "-c", "user.email=t@example.com"];
    let sub = env.root().join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    env.git_in(&sub, &["init", "-q", "-b", "main"]);
    let commit = [&who[..], &["commit", "-q", "--allow-empty", "-m", "c"]].concat();
    env.git_in(&sub, &commit);
    let file = ["-c", "protocol.file.allow=always"];
    let add = [
        &file[..],
        &["submodule", "add", "-q", sub.to_str().unwrap(), "sub"],
    ]
    .concat();
    env.git(&add);
    env.commit_all("submodule");
    env.task("t", "---\ncommand: fake-agent write t.txt 1\n---\n");
    let out = env.cmd().args(["spawn", "--quiet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    env.git(&["merge", "-q", "--no-ff", "-m", "merge", "feature/t"]);
    let workspace = env.root().join("repo.agents/t");
    env.git_in(
        &workspace,
        &[&file[..], &["submodule", "update", "-q", "--init"]].concat(),
    );
    env.git_in(&workspace.join("sub"), &commit);
    snap_report("clean_submodule_commits", &env, &["clean"]);
}

/// `snap`, with object ids masked: the commits of hand-made journals are not the point.
fn snap_ids(name: &str, env: &Env, args: &[&str]) {
    let out = env.cmd().args(args).output().unwrap();
    let code = out.status.code();
    let err = stderr(&out);
    assert!(matches!(code, Some(1 | 2)), "{name}: exit {code:?}\n{err}");
    let mut masked = String::new();
    for word in redact(env, &err).split_inclusive(|c: char| !c.is_ascii_hexdigit()) {
        let hex = word.trim_end_matches(|c: char| !c.is_ascii_hexdigit());
        if hex.len() == 40 {
            masked.push_str("[ID]");
            masked.push_str(&word[40..]);
        } else {
            masked.push_str(word);
        }
    }
    let text = format!(
        "$ git agents {}\nexit {}\n{masked}",
        args.join(" "),
        code.unwrap()
    );
    insta::assert_snapshot!(format!("error_{name}"), text);
}

/// A journal left by a merge into main that was killed in `phase`, going from `old` to `new`.
fn journal(env: &Env, target: &str, worktree: &std::path::Path, old: &str, new: &str, phase: &str) {
    let journal = serde_json::json!({
        "version": 1,
        "pid": 1,
        "target": target,
        "worktree": worktree,
        "old": old,
        "new": new,
        "phase": phase,
        "message": "merge feature/t: Merge made by git agents.",
    });
    std::fs::create_dir_all(env.repo.join(".git/agents")).unwrap();
    std::fs::write(env.repo.join(".git/agents/merge.json"), journal.to_string()).unwrap();
}

#[test]
fn interrupted_merges() {
    let env = spawned();
    snap("merge_continue_nothing", &env, &["merge", "--continue"]);
    snap("merge_abort_nothing", &env, &["merge", "--abort"]);
    let (main, branch) = (env.rev("main"), env.rev("feature/t"));
    let repo = env.repo.clone();
    journal(&env, "main", &repo, &main, &branch, "files");
    snap_ids("merge_interrupted_in_files", &env, &["merge"]);
    journal(&env, "main", &repo, &main, &branch, "ref");
    snap_ids(
        "merge_interrupted_before_ref",
        &env,
        &["merge", "--dry-run"],
    );
    let elsewhere = env.git(&["commit-tree", "main^{tree}", "-m", "elsewhere"]);
    let elsewhere = elsewhere.trim();
    journal(&env, "main", &repo, elsewhere, &branch, "files");
    snap_ids(
        "merge_continue_moved_elsewhere",
        &env,
        &["merge", "--continue"],
    );
    journal(&env, "gone", &repo, &main, &branch, "files");
    snap_ids("merge_interrupted_branch_gone", &env, &["merge"]);
    let nowhere = env.root().join("nowhere");
    journal(&env, "main", &nowhere, &main, &branch, "ref");
    snap_ids(
        "merge_interrupted_worktree_gone",
        &env,
        &["merge", "--continue"],
    );
    let missing = "1111111111111111111111111111111111111111";
    journal(&env, "main", &repo, &main, missing, "objects");
    snap_ids(
        "merge_continue_objects_missing",
        &env,
        &["merge", "--continue"],
    );
    let path = env.repo.join(".git/agents/merge.json");
    std::fs::write(&path, "{ half a journal").unwrap();
    snap("merge_journal_unreadable", &env, &["merge"]);
    journal(&env, "main", &repo, &main, &branch, "files");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"version\":1", "\"version\":99")).unwrap();
    snap("merge_journal_from_a_newer_version", &env, &["merge"]);
    std::fs::remove_file(&path).unwrap();

    let lock = std::fs::File::create(env.repo.join(".git/agents/merge.lock")).unwrap();
    let mut held = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive).unwrap();
    std::io::Write::write_all(&mut *held, b"4242\n").unwrap();
    snap("merge_already_landing", &env, &["merge"]);
    drop(held);
}

#[test]
fn merges_that_cannot_write_the_target() {
    let env = spawned();
    env.write(".gitattributes", "*.txt filter=x\n");
    env.git(&["add", ".gitattributes"]);
    env.git(&["commit", "-q", "-m", "attributes"]);
    env.git(&["config", "filter.x.clean", "cat"]);
    env.git(&["config", "filter.x.required", "true"]);
    env.git(&["config", "filter.x.smudge", "false"]);
    snap("merge_smudge_filter_fails", &env, &["merge"]);
    env.git(&["config", "filter.x.smudge", "kill -TERM $PPID; cat"]);
    snap("merge_interrupted_by_sigterm", &env, &["merge"]);
    env.git(&["config", "--unset", "filter.x.smudge"]);
    env.git(&["config", "--unset", "filter.x.required"]);

    env.git(&["config", "core.sparseCheckout", "true"]);
    env.git(&["update-index", "--skip-worktree", "README.md"]);
    snap("merge_sparse_checkout", &env, &["merge"]);
    env.git(&["update-index", "--no-skip-worktree", "README.md"]);
    env.git(&["config", "--unset", "core.sparseCheckout"]);

    let blob = env.git(&["rev-parse", "HEAD:README.md"]);
    let mut entries = format!("0 {}\tREADME.md\n", "0".repeat(40));
    for stage in 1..=3 {
        entries.push_str(&format!("100644 {} {stage}\tREADME.md\n", blob.trim()));
    }
    let mut update = env
        .git_cmd(&env.repo)
        .args(["update-index", "--index-info"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut update.stdin.take().unwrap(), entries.as_bytes()).unwrap();
    assert!(update.wait().unwrap().success());
    snap("merge_unmerged_index", &env, &["merge"]);
}

#[test]
fn continuing_and_retiring_tasks() {
    let env = spawned();
    snap(
        "continue_a_custom_command",
        &env,
        &["continue", "t", "-p", "more"],
    );
    let fresh = with_task("---\ncommand: fake-agent exit 3\n---\n");
    let _ = fresh.cmd().args(["spawn", "--quiet"]).output().unwrap();
    snap("done_unfinished", &fresh, &["done", "t"]);
    snap("done_unknown", &fresh, &["done", "nope"]);
    let out = env.cmd().args(["done", "t"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    snap("done_twice", &env, &["done", "t"]);
    snap("budget_not_a_number", &env, &["spawn", "--budget", "lots"]);
    snap("idle_timeout_zero", &env, &["spawn", "--idle-timeout", "0"]);
    env.git(&["config", "agents.format", "xml"]);
    snap("format_unknown", &env, &["spawn"]);
    env.git(&["config", "--unset", "agents.format"]);
    env.git(&["config", "agents.layout", "flat"]);
    snap("layout_unknown", &env, &["spawn"]);
}

#[test]
fn logs_of_runs() {
    let env = spawned();
    snap("logs_run_without_a_log", &env, &["logs", "t", "--run", "7"]);
    snap(
        "logs_run_without_a_raw_stream",
        &env,
        &["logs", "t", "--run", "1", "--raw"],
    );
    // Run 2 of t ends before its agent starts: its dependency fails.
    env.task("dep", "---\ncommand: fake-agent exit 3\n---\n");
    env.task(
        "t",
        "---\ndepends_on: [dep]\ncommand: fake-agent write t.txt 1\n---\n# t\n",
    );
    let out = env
        .cmd()
        .args(["spawn", "-q", "--rerun", "t"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    snap("logs_latest_run_without_a_log", &env, &["logs", "t"]);
}

#[test]
fn pushing_and_opening_requests() {
    let env = spawned();
    snap("push_no_remote", &env, &["push"]);
    let bare = env.root().join("origin.git");
    env.git_in(
        env.root(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    env.git(&["remote", "add", "origin", bare.to_str().unwrap()]);
    env.task("u", "# u\n");
    snap("push_task_never_ran", &env, &["push", "u"]);
    let mut cmd = env.cmd();
    let git = which::which("git").unwrap();
    let bin = env.root().join("only-git");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(git, bin.join("git")).unwrap();
    cmd.env("PATH", &bin);
    snap_cmd("pr_without_gh", &env, cmd, &["pr"]);
}

#[test]
fn merge_resolve() {
    let env = Env::new();
    env.write("f.txt", "base\n");
    env.task("b", "# b\n");
    env.commit_all("task b");
    env.git(&["switch", "-q", "-c", "feature/b"]);
    env.write("f.txt", "from b\n");
    env.commit_all("b");
    env.git(&["switch", "-q", "main"]);
    env.write("f.txt", "from main\n");
    env.commit_all("main");
    snap_report(
        "merge_resolve_markers_left",
        &env,
        &["merge", "--resolve", "--command", "fake-agent echo looked"],
    );
    // The worktree kept, then something else in its place.
    let kept = env.root().join("repo.agents/main-resolve-b");
    env.git(&["worktree", "remove", "--force", kept.to_str().unwrap()]);
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::write(kept.join("notes.txt"), "mine\n").unwrap();
    snap(
        "merge_resolve_worktree_in_the_way",
        &env,
        &["merge", "--resolve", "--command", "fake-agent unmark f.txt"],
    );
}

#[test]
fn slurm_backend() {
    let env = with_task("# t\n");
    env.git(&["config", "agents.backend", "cloud"]);
    snap("bad_backend", &env, &["spawn", "--command", "true"]);
    env.git(&["config", "agents.backend", "slurm"]);
    env.git(&["config", "agents.slurm.time", "an hour"]);
    snap("bad_slurm_time", &env, &["spawn", "--command", "true"]);
    env.git(&["config", "--unset", "agents.slurm.time"]);
    // Slurm's commands are on no PATH the agent's program is on.
    let mut cmd = env.cmd();
    cmd.env("PATH", agents_dir());
    snap_cmd(
        "slurm_not_installed",
        &env,
        cmd,
        &["spawn", "--command", "fake-agent"],
    );
    let branches = env.git(&["branch", "--list", "feature/*"]);
    assert_eq!(branches, "", "a backend that cannot run creates nothing");
}
