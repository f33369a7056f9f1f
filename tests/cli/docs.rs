//! Man pages and completions: generated from the clap definitions, committed and current,
//! rendering cleanly, and installed without root where man and `git help` find them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{bin, seal, stderr, stdout, Env};

const REGENERATE: &str = "run `cargo run -- __generate .` and commit man/ and completions/";

/// Whether `tool` is on PATH. If not, the calling test skips with a notice, unless CI is set
/// (.ci/run installs every tool these tests use), where that is a failure.
pub fn have(tool: &str) -> bool {
    present(tool, which::which(tool).is_ok())
}

/// `present`, or else the same skip-or-fail as [`have`] for `what`.
pub fn present(what: &str, present: bool) -> bool {
    if present {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        !ci,
        "{what} is not installed, and CI is set: .ci/run installs it"
    );
    eprintln!("SKIPPED: {what} is not installed (with CI=true this test fails instead)");
    false
}

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `man/*` and `completions/*` under `root`, by relative path.
fn generated_tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for dir in ["man", "completions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let rel = Path::new(dir).join(path.file_name().unwrap());
            files.insert(rel, std::fs::read(&path).unwrap());
        }
    }
    files
}

/// `git-agents __generate DIR` into a fresh temporary directory.
fn generate() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(bin())
        .arg("__generate")
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success(), "git-agents __generate failed");
    out
}

#[test]
fn committed_man_pages_and_completions_are_current() {
    let fresh = generate();
    let want = generated_tree(fresh.path());
    let have = generated_tree(repo_root());
    assert!(
        want.keys().any(|p| p.starts_with("man")),
        "no man pages generated"
    );
    for (path, bytes) in &want {
        let Some(committed) = have.get(path) else {
            panic!("{} is missing: {REGENERATE}", path.display());
        };
        if committed != bytes {
            let (new, old) = (
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(committed),
            );
            let line = new.lines().zip(old.lines()).position(|(a, b)| a != b);
            let line = line.unwrap_or(new.lines().count().min(old.lines().count()));
            panic!(
                "{} is stale (from line {}): {REGENERATE}",
                path.display(),
                line + 1
            );
        }
    }
    if let Some(path) = have.keys().find(|p| !want.contains_key(*p)) {
        panic!(
            "{} is no longer generated: delete it, or {REGENERATE}",
            path.display()
        );
    }
}

#[test]
fn man_pages_render_without_warnings_and_document_each_command() {
    if !have("man") {
        return;
    }
    let pages = generated_tree(repo_root());
    let pages: Vec<&PathBuf> = pages.keys().filter(|p| p.starts_with("man")).collect();
    let top = render(&repo_root().join("man/git-agents.1"), "C.UTF-8");
    for page in pages {
        let name = page.file_stem().unwrap().to_str().unwrap();
        render(&repo_root().join(page), "C"); // ASCII output: warns on anything not ASCII
        let text = render(&repo_root().join(page), "C.UTF-8");
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"] {
            assert!(
                text.contains(&format!("\n{section}\n")),
                "{name}(1) has no {section}:\n{text}"
            );
        }
        for section in ["EXAMPLES", "EXIT STATUS"] {
            assert!(
                text.contains(&format!("\n{section}\n")),
                "{name}(1) has no {section}:\n{text}"
            );
        }
        if name != "git-agents" {
            assert!(
                top.contains(&format!("{name}(1)")),
                "git-agents(1) does not list {name}:\n{top}"
            );
        }
    }
    assert!(top.contains("\nCOMMANDS\n"), "{top}");
}

/// `MANWIDTH=80 man --warnings -l PAGE`: the text, after checking it warned about nothing.
fn render(page: &Path, locale: &str) -> String {
    let out = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(page)
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("LC_ALL", locale)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "man -l {} failed: {}",
        page.display(),
        stderr(&out)
    );
    assert_eq!(
        stderr(&out),
        "",
        "{} renders with warnings ({locale})",
        page.display()
    );
    stdout(&out)
}

/// A directory holding only `git-agents` (a link to the binary under test), for PATH.
pub fn bin_dir(env: &Env) -> PathBuf {
    let dir = env.root().join("bin");
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("git-agents");
    if !link.exists() {
        std::os::unix::fs::symlink(bin(), &link).unwrap();
    }
    dir
}

/// PATH with `dir` first, then the sealed environment's.
pub fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}:{}",
        dir.display(),
        crate::common::agents_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Remove the host's settings that tell man and the shells where to look, so they look in the
/// sealed HOME and the system's default places only.
pub fn unset_search_paths(cmd: &mut Command) -> &mut Command {
    for var in [
        "MANPATH",
        "XDG_DATA_HOME",
        "XDG_DATA_DIRS",
        "BASH_COMPLETION_USER_DIR",
        "FPATH",
        "ZDOTDIR",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// `git agents install-extras` into the sealed HOME's ~/.local; returns its stdout.
pub fn install_extras(env: &Env) -> String {
    let mut cmd = Command::new(bin());
    cmd.current_dir(&env.repo);
    seal(&mut cmd, &env.home);
    let out = unset_search_paths(&mut cmd)
        .arg("install-extras")
        .env("PATH", path_with(&bin_dir(env)))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "install-extras failed: {}",
        stderr(&out)
    );
    stdout(&out)
}

#[test]
fn install_extras_installs_the_committed_files_without_root() {
    let env = Env::new();
    let said = install_extras(&env);
    let local = env.home.join(".local/share");
    let fish = env.home.join(".config/fish");
    let committed = generated_tree(repo_root());
    for (rel, bytes) in &committed {
        let name = rel.file_name().unwrap().to_str().unwrap();
        let installed = match name {
            "git-agents.bash" => local.join("bash-completion/completions/git-agents"),
            "_git-agents" => local.join("zsh/site-functions/_git-agents"),
            "git-agents.fish" => fish.join("completions/git-agents.fish"),
            page => local.join("man/man1").join(page),
        };
        let got = std::fs::read(&installed)
            .unwrap_or_else(|e| panic!("{} not installed: {e}\n{said}", installed.display()));
        assert!(
            &got == bytes,
            "{} differs from {}",
            installed.display(),
            rel.display()
        );
        if !name.ends_with(".1") {
            assert!(said.contains(&installed.display().to_string()), "{said}");
        }
    }
    // fish reads conf.d at startup: the `git agents` rules, which end the completion file.
    let conf = env.read(&fish.join("conf.d/git-agents.fish"));
    let completion = env.read(&fish.join("completions/git-agents.fish"));
    assert!(
        conf.contains("complete -c git ") && completion.ends_with(&conf),
        "{conf}"
    );
    assert!(
        said.contains(&format!(
            "man pages to {}",
            local.join("man/man1").display()
        )),
        "{said}"
    );
    assert!(
        said.contains("MANPATH"),
        "man cannot find ~/.local/share/man here: {said}"
    );
}

#[test]
fn git_agents_help_opens_the_installed_man_page() {
    if !have("man") {
        return;
    }
    let env = Env::new();
    install_extras(&env);
    let man_root = env.home.join(".local/share/man");
    let manpath = format!("{}:", man_root.display());
    let git = |args: &[&str]| {
        let mut git = env.git_cmd(&env.repo);
        let out = unset_search_paths(&mut git)
            .args(args)
            .env("PATH", path_with(&bin_dir(&env)))
            .env("MANPATH", &manpath)
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
        stdout(&out)
    };
    for args in [&["agents", "--help"][..], &["help", "agents"]] {
        let page = git(args);
        assert!(
            page.contains("GIT-AGENTS(1)"),
            "git {args:?} did not open git-agents(1):\n{page}"
        );
        assert!(
            page.contains("EXIT STATUS") && page.contains("git-agents-spawn(1)"),
            "{page}"
        );
    }

    let mut man = Command::new("man");
    seal(&mut man, &env.home);
    let out = man
        .args(["-w", "git-agents"])
        .env("MANPATH", &manpath)
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out).trim(),
        man_root.join("man1/git-agents.1").display().to_string()
    );

    // With MANPATH covering the pages, install-extras has nothing left to ask about man.
    let mut cmd = Command::new(bin());
    cmd.current_dir(&env.repo);
    seal(&mut cmd, &env.home);
    let out = unset_search_paths(&mut cmd)
        .arg("install-extras")
        .env("MANPATH", &manpath)
        .output()
        .unwrap();
    assert!(
        out.status.success() && !stdout(&out).contains("MANPATH"),
        "{}",
        stdout(&out)
    );
}
