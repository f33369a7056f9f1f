//! A sealed test environment: a temp HOME, no global or system git config, fixed dates,
//! a real repository built with the real git CLI, and the fake agents on PATH.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const DATE: &str = "2026-01-01T00:00:00Z";

pub struct Env {
    pub tmp: tempfile::TempDir,
    pub home: PathBuf,
    /// The main worktree, `<tmp>/repo`; workspaces and logs land beside it by default.
    pub repo: PathBuf,
}

/// Path of the fake agents shipped in the test tree.
pub fn agents_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/agents")
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_git-agents"))
}

/// Remove the host's git settings from `cmd` and give it the sealed environment.
pub fn seal(cmd: &mut Command, home: &Path) {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("GIT_") || key.starts_with("CLAUDE") || key.starts_with("ANTHROPIC") {
            cmd.env_remove(&key);
        }
    }
    // The host's colour preferences must not reach a snapshot.
    for key in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"] {
        cmd.env_remove(key);
    }
    let path = format!(
        "{}:{}",
        agents_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Temp files too stay in the test's own directory (a confined agent's TMPDIR among them).
    let tmp = home.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    cmd.env("HOME", home)
        .env("TMPDIR", &tmp)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_SYSTEM", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", DATE)
        .env("GIT_COMMITTER_DATE", DATE)
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .env("PATH", path);
}

impl Env {
    /// A repository with one commit (README.md, src/lib.txt) and a user identity in its local config.
    pub fn new() -> Env {
        let tmp = tempfile::Builder::new()
            .prefix("git-agents-test")
            .tempdir()
            .unwrap();
        let home = tmp.path().join("home");
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&repo).unwrap();
        let env = Env { tmp, home, repo };
        env.git(&["init", "-q", "-b", "main"]);
        env.git(&["config", "user.name", "Test User"]);
        env.git(&["config", "user.email", "test@example.com"]);
        env.write("README.md", "# demo\n");
        env.write("src/lib.txt", "library\n");
        env.git(&["add", "-A"]);
        env.git(&["commit", "-q", "-m", "initial"]);
        env
    }

    /// An empty directory with no repository at all.
    pub fn bare_dir() -> Env {
        let tmp = tempfile::Builder::new()
            .prefix("git-agents-test")
            .tempdir()
            .unwrap();
        let home = tmp.path().join("home");
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&repo).unwrap();
        Env { tmp, home, repo }
    }

    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// Where a task's worktree goes by default: `../<repo>.agents/<task>`.
    pub fn workspace(&self, task: &str) -> PathBuf {
        self.root().join("repo.agents").join(task)
    }

    /// A path in a directory outside every worktree that agents may write to (their pid and
    /// record files): worktree confinement is on by default, and this directory is in
    /// `agents.allowWrite`.
    pub fn scratch(&self, name: &str) -> PathBuf {
        let dir = self.root().join("scratch");
        if !dir.exists() {
            std::fs::create_dir_all(&dir).unwrap();
            self.git(&[
                "config",
                "--add",
                "agents.allowWrite",
                dir.to_str().unwrap(),
            ]);
        }
        dir.join(name)
    }

    /// Where a task's log goes by default: `<git-common-dir>/agents/logs/<task>.log`.
    pub fn log(&self, task: &str) -> PathBuf {
        self.repo
            .join(".git/agents/logs")
            .join(format!("{task}.log"))
    }

    /// A sealed `git` command running in `dir`.
    pub fn git_cmd(&self, dir: &Path) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir);
        seal(&mut cmd, &self.home);
        cmd
    }

    /// Run git in `dir`, panic on failure, return stdout.
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.git_cmd(dir).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?} failed in {}:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.repo, args)
    }

    /// `git rev-parse REV` in the main worktree.
    pub fn rev(&self, rev: &str) -> String {
        self.git(&["rev-parse", rev]).trim().to_owned()
    }

    /// The git-agents binary, sealed, running in the main worktree.
    pub fn cmd(&self) -> assert_cmd::Command {
        self.cmd_in(&self.repo)
    }

    pub fn cmd_in(&self, dir: &Path) -> assert_cmd::Command {
        let mut std_cmd = Command::new(bin());
        std_cmd.current_dir(dir);
        seal(&mut std_cmd, &self.home);
        assert_cmd::Command::from_std(std_cmd)
    }

    pub fn write(&self, rel: &str, content: &str) {
        let path = self.repo.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    /// Add `.claude/tasks/<name>.md` (uncommitted).
    pub fn task(&self, name: &str, body: &str) {
        self.write(&format!(".claude/tasks/{name}.md"), body);
    }

    /// Add a task and commit it, so it is tracked at the base.
    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    pub fn read(&self, path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    }
}

/// stdout of an assert_cmd output as text.
pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The JSON lines a `--json` run printed on stdout.
pub fn json_lines(out: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

/// The final `summary` line of a `--json` run.
pub fn summary(out: &std::process::Output) -> serde_json::Value {
    let lines = json_lines(out);
    let last = lines.last().expect("a summary line").clone();
    assert_eq!(last["event"], "summary", "{last}");
    last
}

/// The git-agents binary started in the background, sealed like `Env::cmd`, output captured.
pub fn background(env: &Env, args: &[&str]) -> std::process::Child {
    let mut cmd = Command::new(bin());
    cmd.current_dir(&env.repo).args(args);
    seal(&mut cmd, &env.home);
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// `text` as a snapshot sees it: the temp root as `[TMP]`, the version as `[VERSION]`, pids as
/// `[PID]` and clock durations (`0:07`, `12:34`) as `M:SS`, so no run-to-run value reaches a
/// snapshot.
pub fn redact(env: &Env, text: &str) -> String {
    let mut text = text.to_owned();
    let root = env.root();
    if let Ok(canonical) = root.canonicalize() {
        text = text.replace(&canonical.display().to_string(), "[TMP]");
    }
    let text = text.replace(&root.display().to_string(), "[TMP]").replace(
        concat!("git-agents ", env!("CARGO_PKG_VERSION")),
        "git-agents [VERSION]",
    );
    mask_clock(&mask_after(&text, "pid ", "[PID]"))
}

/// Every run of digits right after `marker` replaced by `with`.
fn mask_after(text: &str, marker: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (before, after) = rest.split_at(at + marker.len());
        out.push_str(before);
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str(with);
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Every `D:DD` or `DD:DD` not inside a longer number replaced by `M:SS`.
pub fn mask_clock(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = digit(i) && (i == 0 || !digit(i - 1));
        let minutes = (i..).take_while(|&j| digit(j)).count();
        let colon = i + minutes;
        if starts
            && minutes <= 2
            && chars.get(colon) == Some(&':')
            && digit(colon + 1)
            && digit(colon + 2)
            && !digit(colon + 3)
        {
            out.push_str("M:SS");
            i = colon + 3;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Run `cmd` with `input` on its stdin; it must succeed; its stdout.
pub fn with_stdin(mut cmd: std::process::Command, input: &[u8]) -> String {
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{cmd:?}");
    String::from_utf8(out.stdout).unwrap()
}
