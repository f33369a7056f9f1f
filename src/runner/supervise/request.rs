//! What git-agents asks of its supervisor, and what it hears back, as frames (see `wire`):
//!
//! - `start ID CWD N (KEY VALUE)×N W PATH×W PROGRAM ARGV0 ARGS...`, with the output pipe's
//!   write end attached (both output streams go there); `W` is `-` for no confinement.
//! - back: `started ID PID`, or `failed ID CODE` (the reason was written to the output), then
//!   `exited ID code|signal N` once the agent and what it left behind are gone.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

/// One agent to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub id: u64,
    pub cwd: PathBuf,
    pub env: Vec<(OsString, OsString)>,
    pub writable: Option<Vec<PathBuf>>,
    pub program: PathBuf,
    /// `argv[0]` first.
    pub argv: Vec<OsString>,
}

impl Start {
    pub fn fields(&self) -> Vec<Vec<u8>> {
        let bytes = |s: &std::ffi::OsStr| s.as_bytes().to_vec();
        let mut fields = vec![b"start".to_vec(), self.id.to_string().into_bytes()];
        fields.push(bytes(self.cwd.as_os_str()));
        fields.push(self.env.len().to_string().into_bytes());
        for (key, value) in &self.env {
            fields.push(bytes(key));
            fields.push(bytes(value));
        }
        match &self.writable {
            None => fields.push(b"-".to_vec()),
            Some(paths) => {
                fields.push(paths.len().to_string().into_bytes());
                fields.extend(paths.iter().map(|p| bytes(p.as_os_str())));
            }
        }
        fields.push(bytes(self.program.as_os_str()));
        fields.extend(self.argv.iter().map(|a| bytes(a)));
        fields
    }

    pub fn parse(fields: Vec<Vec<u8>>) -> Option<Start> {
        let mut it = fields.into_iter();
        if it.next()? != b"start" {
            return None;
        }
        let id = number(&it.next()?)?;
        let os = OsString::from_vec;
        let cwd = PathBuf::from(os(it.next()?));
        let mut env = Vec::new();
        for _ in 0..number(&it.next()?)? {
            env.push((os(it.next()?), os(it.next()?)));
        }
        let count = it.next()?;
        let writable = match count.as_slice() {
            b"-" => None,
            n => Some(
                (0..number(n)?)
                    .map(|_| it.next().map(|p| PathBuf::from(os(p))))
                    .collect::<Option<Vec<_>>>()?,
            ),
        };
        let program = PathBuf::from(os(it.next()?));
        let argv: Vec<OsString> = it.map(os).collect();
        (!argv.is_empty()).then_some(Start {
            id,
            cwd,
            env,
            writable,
            program,
            argv,
        })
    }
}

/// A decimal number field.
pub fn number(field: &[u8]) -> Option<u64> {
    std::str::from_utf8(field).ok()?.parse().ok()
}

/// How an agent ended, as a frame says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Code(i32),
    Signal(i32),
}

pub fn exited(id: u64, ended: Ended) -> Vec<Vec<u8>> {
    let (kind, n) = match ended {
        Ended::Code(code) => ("code", code),
        Ended::Signal(signal) => ("signal", signal),
    };
    [
        b"exited".as_slice(),
        id.to_string().as_bytes(),
        kind.as_bytes(),
        n.to_string().as_bytes(),
    ]
    .map(<[u8]>::to_vec)
    .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_request_reads_back_as_it_was_sent() {
        let start = Start {
            id: 7,
            cwd: "/w/a b".into(),
            env: vec![
                ("K".into(), "".into()),
                ("PWD".into(), OsString::from_vec(vec![0xff])),
            ],
            writable: Some(vec!["/w".into(), "/tmp/x".into()]),
            program: "/bin/echo".into(),
            argv: vec!["echo".into(), "".into(), "-".into()],
        };
        assert_eq!(Start::parse(start.fields()), Some(start.clone()));
        let open = Start {
            writable: None,
            ..start
        };
        assert_eq!(Start::parse(open.fields()), Some(open));
    }
}
