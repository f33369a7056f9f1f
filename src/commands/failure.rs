//! The one place errors meet the user: `error:`, `caused by:` and `hint:` lines on stderr, and
//! the exit code (README "Exit codes").
//!
//! A typed library error says how bad it is. Anything else is judged by its causes: one the
//! environment explains (the OS refused, a file or the repository is damaged or missing) is a
//! failure, exit 1; one nothing explains is a bug, exit 3, and so is a panic. A reader that closed
//! stdout ends any command quietly.

use std::io::Write;
use std::process::ExitCode;

use git_agents::error::{self, exit, ErrorKind};
use git_agents::progress::Tone;

use super::hints;
use super::ui::Ui;

/// Set to `error` (or `1`) or `panic` to make the command fail that way before it starts, so the
/// tests can see what a bug looks like. Deliberately in no help text.
const TEST_HOOK: &str = "GIT_AGENTS_TEST_INTERNAL_ERROR";

/// A usage error the command layer finds itself; its hint may name flags.
#[derive(Debug)]
pub struct UsageError {
    pub message: String,
    pub hint: String,
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UsageError {}

/// How an error ends the process.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Exit with `code`, printing the chain and `hint`.
    Report { code: i32, hint: Option<String> },
    /// Exit 3, printing the chain and a request to report the bug.
    Bug,
    /// stdout was closed by its reader: exit without a word.
    BrokenPipe,
}

/// The exit code for a command's result, after printing on `ui`'s stderr what went wrong.
pub fn finish(ui: &Ui, result: anyhow::Result<i32>) -> ExitCode {
    let err = match result {
        Ok(code) => return code_of(code),
        Err(err) => err,
    };
    let verdict = judge(&err);
    let paint = ui.stderr_paint();
    let mut text = String::new();
    if verdict != Verdict::BrokenPipe {
        text.push_str(&format!("{} {err}\n", paint(Tone::Error, "error:")));
        let mut said = err.to_string();
        for cause in err.chain().skip(1) {
            // Some errors repeat their source's message as their own: say it once.
            let cause = cause.to_string();
            if cause != said {
                text.push_str(&format!("caused by: {cause}\n"));
            }
            said = cause;
        }
    }
    let code = match verdict {
        Verdict::Report { code, hint } => {
            if let Some(hint) = hint {
                text.push_str(&format!("{} {hint}\n", paint(Tone::Hint, "hint:")));
            }
            code
        }
        Verdict::Bug => {
            text.push_str(&format!("{}\n", bug_note()));
            exit::INTERNAL
        }
        Verdict::BrokenPipe => exit::BROKEN_PIPE,
    };
    let _ = ui.stderr().write_all(text.as_bytes());
    code_of(code)
}

/// What clap stopped for: help and version on stdout (exit 0), a usage error on stderr (exit 2).
pub fn clap_stopped(err: &clap::Error) -> ExitCode {
    match err.print() {
        Err(io) if io.kind() == std::io::ErrorKind::BrokenPipe => code_of(exit::BROKEN_PIPE),
        _ => code_of(err.exit_code()),
    }
}

fn judge(err: &anyhow::Error) -> Verdict {
    if broken_pipe(err) {
        return Verdict::BrokenPipe;
    }
    if let Some(usage) = err.chain().find_map(|c| c.downcast_ref::<UsageError>()) {
        return Verdict::Report {
            code: exit::USAGE,
            hint: Some(usage.hint.clone()),
        };
    }
    if let Some(typed) = error::find(err) {
        let code = match typed.kind() {
            ErrorKind::Usage => exit::USAGE,
            ErrorKind::Failed => exit::FAILED,
            ErrorKind::Interrupted => exit::INTERRUPTED,
            _ => return Verdict::Bug,
        };
        let hint = typed.fix().and_then(hints::hint);
        return Verdict::Report { code, hint };
    }
    if explained_by_environment(err) {
        Verdict::Report {
            code: exit::FAILED,
            hint: None,
        }
    } else {
        Verdict::Bug
    }
}

/// Whether writing to stdout failed because its reader went away; serde_json keeps the I/O error
/// out of the chain, so it is asked too.
fn broken_pipe(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|json| json.io_error_kind() == Some(BrokenPipe))
    })
}

/// The OS refused (any I/O error or errno), a file git-agents reads does not parse (JSON), or gix
/// classified the failure (corrupt or missing data, permissions, conflicts, limits, ...).
fn explained_by_environment(err: &anyhow::Error) -> bool {
    let os = err.chain().any(|cause| {
        cause.is::<std::io::Error>()
            || cause.is::<nix::errno::Errno>()
            || cause.is::<serde_json::Error>()
    });
    let root: &(dyn std::error::Error + 'static) = err.as_ref();
    os || gix::error::classify(root).next().is_some()
}

fn bug_note() -> String {
    let version = env!("CARGO_PKG_VERSION");
    let place = match env!("CARGO_PKG_REPOSITORY") {
        "" => String::new(),
        repo => format!(" at {repo}/issues"),
    };
    format!(
        "note: this is a bug in git-agents {version}; please report it{place}, with the command you ran and the lines above"
    )
}

fn code_of(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Run `command`, turning a panic into exit 3 after the hook has said what happened.
pub fn catching_panics(command: impl FnOnce() -> ExitCode) -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let mut stderr = std::io::stderr().lock();
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        match info.location() {
            Some(at) => writeln!(stderr, "error: git-agents panicked at {at}: {message}"),
            None => writeln!(stderr, "error: git-agents panicked: {message}"),
        }
        .ok();
        let backtrace = std::backtrace::Backtrace::capture();
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            let _ = writeln!(stderr, "{backtrace}");
        }
        let _ = writeln!(stderr, "{}", bug_note());
    }));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(command))
        .unwrap_or_else(|_| code_of(exit::INTERNAL))
}

/// The failure the test hook asks for, if any.
pub fn injected() -> anyhow::Result<()> {
    match std::env::var(TEST_HOOK).as_deref() {
        Ok("panic") => panic!("{TEST_HOOK} asked for a panic"),
        Ok("error" | "1") => Err(anyhow::Error::msg(format!(
            "an invariant does not hold ({TEST_HOOK} broke it)"
        ))
        .context("starting the command")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use git_agents::error::{Error, Fix};

    fn io(kind: std::io::ErrorKind) -> std::io::Error {
        std::io::Error::new(kind, "os says no")
    }

    #[test]
    fn typed_errors_keep_their_kind_under_context() {
        let err = anyhow::Error::from(Error::usage("bad").with_fix(Fix::AtLeastOneJob))
            .context("planning");
        assert!(
            matches!(judge(&err), Verdict::Report { code: 2, hint: Some(h) } if h.contains("-j N"))
        );
        let err = anyhow::Error::from(Error::internal("broken")).context("planning");
        assert_eq!(judge(&err), Verdict::Bug);
    }

    #[test]
    fn the_environment_fails_and_the_unexplained_is_a_bug() {
        let denied = anyhow::Error::from(io(std::io::ErrorKind::PermissionDenied)).context("x");
        assert!(matches!(judge(&denied), Verdict::Report { code: 1, .. }));
        let errno = anyhow::Error::from(nix::errno::Errno::ENOSPC).context("x");
        assert!(matches!(judge(&errno), Verdict::Report { code: 1, .. }));
        let gone = anyhow::Error::from(gix::error::not_found("missing object")).context("x");
        assert!(matches!(judge(&gone), Verdict::Report { code: 1, .. }));
        let plain = anyhow::Error::msg("no worktree").context("opening");
        assert_eq!(judge(&plain), Verdict::Bug);
    }

    #[test]
    fn a_closed_stdout_is_quiet_wherever_it_sits() {
        let pipe = anyhow::Error::from(io(std::io::ErrorKind::BrokenPipe)).context("printing");
        assert_eq!(judge(&pipe), Verdict::BrokenPipe);
        let json = serde_json::to_writer(Closed, &[1, 2]).unwrap_err();
        assert_eq!(judge(&anyhow::Error::from(json)), Verdict::BrokenPipe);
    }

    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
