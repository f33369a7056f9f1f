//! User-facing errors: one line of what went wrong, one line of what to do, and an exit code.

use std::fmt;

/// Documented exit codes (README "Exit codes").
pub mod exit {
    /// Everything succeeded.
    pub const OK: i32 = 0;
    /// A task (or merge) failed; the report says which.
    pub const FAILED: i32 = 1;
    /// Usage or configuration error; nothing was changed.
    pub const USAGE: i32 = 2;
    /// Interrupted by Ctrl-C or SIGTERM.
    pub const INTERRUPTED: i32 = 130;
}

/// An error the user can act on. Carried inside `anyhow::Error`; the binary downcasts it
/// to choose the exit code and print the hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    pub message: String,
    pub hint: Option<String>,
    pub code: i32,
}

impl UserError {
    /// A usage/configuration error (exit 2).
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        UserError {
            message: message.into(),
            hint: Some(hint.into()),
            code: exit::USAGE,
        }
    }

    /// A failure found while working (exit 1).
    pub fn failed(message: impl Into<String>, hint: impl Into<String>) -> Self {
        UserError {
            message: message.into(),
            hint: Some(hint.into()),
            code: exit::FAILED,
        }
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// Shorthand for `Err(UserError::usage(..).into())`.
pub fn usage<T>(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Result<T> {
    Err(UserError::usage(message, hint).into())
}

/// The exit code and printable lines for any error reaching the binary's edge.
pub fn describe(err: &anyhow::Error) -> (i32, String, Option<String>) {
    if let Some(user) = err.downcast_ref::<UserError>() {
        return (user.code, user.message.clone(), user.hint.clone());
    }
    let mut message = err.to_string();
    for cause in err.chain().skip(1) {
        message.push_str(": ");
        message.push_str(&cause.to_string());
    }
    (exit::FAILED, message, None)
}
