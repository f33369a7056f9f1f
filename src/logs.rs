//! `logs`: a task's log as written, of its latest run, one run or all ([`runs`] has the
//! layout), optionally followed until the task ends; and the last line of a log, read from
//! its tail only, for status.
#![doc(hidden)]

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::config::Overrides;
use crate::error::{Error, Fix};
use crate::inventory::{self as known, Inventory};
use crate::repo::Project;
use crate::runner::display_line;

pub mod runs;

/// How much of a log's end is read to find its last line.
const TAIL: u64 = 8 * 1024;

/// Which runs to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Runs {
    /// The task's latest run.
    #[default]
    Latest,
    /// The run with this number.
    Number(u32),
    /// Every run kept, oldest first.
    All,
}

/// What to show.
#[derive(Debug, Clone)]
pub struct LogsOptions {
    /// Task name or slug.
    pub task: String,
    /// Which runs.
    pub runs: Runs,
    /// Keep printing what is appended until the task ends (the latest run only).
    pub follow: bool,
    /// The raw lines of the agent's machine-readable stream instead of the readable log.
    pub raw: bool,
    /// How often to look for more output when following.
    pub poll: Duration,
}

impl LogsOptions {
    pub fn new(task: impl Into<String>) -> LogsOptions {
        LogsOptions {
            task: task.into(),
            runs: Runs::Latest,
            follow: false,
            raw: false,
            poll: Duration::from_millis(100),
        }
    }
}

/// Copy the task's log of the runs asked for to `out` byte for byte (with `Runs::All`, each
/// readable log introduced by a line naming its run); when following, keep copying what is
/// appended to the latest run's log until the task's state is terminal (or its spawn is gone)
/// and the log stops growing. A write to `out` that fails (a reader gone away) ends it with
/// that error.
pub fn show(cwd: &Path, options: &LogsOptions, out: &mut dyn Write) -> Result<()> {
    let inventory = Inventory::load(Project::open(cwd, &Overrides::default())?)?;
    let task = inventory
        .select(std::slice::from_ref(&options.task))?
        .remove(0);
    let project = &inventory.project;
    let kind = match options.raw {
        true => runs::Kind::Raw,
        false => runs::Kind::Log,
    };
    let current = task.record.as_ref().map_or(0, |r| r.run);
    let logged = runs::logged(&task.log, kind, current);
    match options.runs {
        Runs::Latest => latest(&inventory, &task, kind, options, out),
        Runs::Number(run) => match logged.iter().find(|(n, _)| *n == run) {
            Some((_, path)) => copy_file(path, out),
            None => {
                let readable = kind == runs::Kind::Raw
                    && runs::logged(&task.log, runs::Kind::Log, current)
                        .iter()
                        .any(|(n, _)| *n == run);
                Err(no_run_log(&task.name, (kind, run), readable, &logged).into())
            }
        },
        Runs::All if logged.is_empty() => {
            Err(no_log(project, &task.name, &runs::latest(&task.log, kind), &[]).into())
        }
        Runs::All => {
            for (run, path) in &logged {
                if kind == runs::Kind::Log {
                    let shown = project.shown(path);
                    writeln!(out, "==> git-agents logs: run {run}: {}", shown.display())?;
                }
                copy_file(path, out)?;
            }
            Ok(())
        }
    }
}

/// The latest run's file, followed when asked.
fn latest(
    inventory: &Inventory,
    task: &known::KnownTask,
    kind: runs::Kind,
    options: &LogsOptions,
    out: &mut dyn Write,
) -> Result<()> {
    let store = inventory.store();
    let ended = || -> Result<bool> {
        let state = store.load()?;
        Ok(state
            .tasks
            .get(&task.name)
            .is_none_or(|r| !known::is_live(r)))
    };
    let path = runs::latest(&task.log, kind);
    let mut file = loop {
        match File::open(&path) {
            Ok(file) => break file,
            // A queued or preparing task gets its log soon: following waits for it.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                if !options.follow || ended()? {
                    let earlier = runs::earlier_runs(&task.log, kind);
                    return Err(no_log(&inventory.project, &task.name, &path, &earlier).into());
                }
                std::thread::sleep(options.poll);
            }
            Err(err) => {
                return Err(err).with_context(|| format!("reading {}", path.display()));
            }
        }
    };
    if options.follow {
        follow(&mut file, out, options.poll, ended)
    } else {
        copy_new(&mut file, out).map(|_| ())
    }
}

fn copy_file(path: &Path, out: &mut dyn Write) -> Result<()> {
    let mut file = File::open(path).with_context(|| format!("reading {}", path.display()))?;
    copy_new(&mut file, out).map(|_| ())
}

/// The latest run wrote no log (yet); `earlier` are the runs that did.
fn no_log(project: &Project, name: &str, log: &Path, earlier: &[u32]) -> Error {
    let error = Error::failed(format!(
        "task '{name}' has no log yet: {} does not exist",
        project.shown(log).display()
    ));
    match earlier.last() {
        None => error.with_fix(Fix::StartTask {
            task: name.to_owned(),
        }),
        Some(last) => error.with_fix(Fix::Text(format!(
            "earlier runs have logs ({}): git agents logs {name} --run {last}",
            list(earlier.iter().copied())
        ))),
    }
}

/// Run `run` left no file of `kind`; `readable`: it has a readable log (an agent that streams
/// plain text writes no raw stream); `logged` are the runs that have one.
fn no_run_log(
    name: &str,
    (kind, run): (runs::Kind, u32),
    readable: bool,
    logged: &[(u32, PathBuf)],
) -> Error {
    let what = match kind {
        runs::Kind::Raw => "raw stream",
        _ => "log",
    };
    let error = Error::failed(format!("task '{name}' has no {what} of run {run}"));
    let fix = match logged.last() {
        _ if readable => format!(
            "its agent wrote plain text, not a stream of events; its log: git agents logs {name} --run {run}"
        ),
        None => {
            return error.with_fix(Fix::StartTask {
                task: name.to_owned(),
            })
        }
        Some((last, _)) => format!(
            "its runs with a {what}: {}; e.g. git agents logs {name} --run {last}",
            list(logged.iter().map(|(n, _)| *n))
        ),
    };
    error.with_fix(Fix::Text(fix))
}

fn list(runs: impl Iterator<Item = u32>) -> String {
    runs.map(|n| n.to_string()).collect::<Vec<_>>().join(", ")
}

/// Print what is in `file` and what gets appended, polling every `poll`, until `ended` says
/// the writer is done and a last read finds nothing more. A log that shrinks is read again from
/// its start, like `tail -F`.
pub fn follow(
    file: &mut File,
    out: &mut dyn Write,
    poll: Duration,
    mut ended: impl FnMut() -> Result<bool>,
) -> Result<()> {
    let mut offset = copy_new(file, out)?;
    loop {
        // Asked before reading: whatever was written before the end was recorded is read below.
        let over = ended()?;
        let len = file.metadata().context("reading the log's size")?.len();
        if len < offset {
            file.seek(SeekFrom::Start(0))?;
            offset = 0;
        }
        let copied = copy_new(file, out)?;
        offset += copied;
        if over && copied == 0 {
            return Ok(());
        }
        if copied == 0 {
            std::thread::sleep(poll);
        }
    }
}

/// Copy from the current position to the end; returns the bytes copied.
fn copy_new(file: &mut File, out: &mut dyn Write) -> Result<u64> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err).context("reading the log"),
        };
        out.write_all(&buf[..n])?;
        total += n as u64;
    }
    out.flush()?;
    Ok(total)
}

/// The last non-blank line of the log at `path`, made safe for one terminal line; reads only
/// the last few KB however large the log is. `None` when there is no log or no text in it.
pub fn last_line(path: &Path) -> Option<String> {
    last_line_after(path, 0)
}

/// [`last_line`] among what was written from byte `offset` (a line's start) on.
pub fn last_line_after(path: &Path, offset: u64) -> Option<String> {
    let mut file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let start = len.saturating_sub(TAIL).max(offset).min(len);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut tail = Vec::with_capacity((len - start) as usize);
    file.take(TAIL).read_to_end(&mut tail).ok()?;
    let mut lines: Vec<&[u8]> = tail.split(|b| *b == b'\n').collect();
    if start > offset && lines.len() > 1 {
        // The first piece is the end of a line cut by the seek.
        lines.remove(0);
    }
    // git-agents' own lines (attempt headers, telemetry) are not what the agent said.
    lines
        .into_iter()
        .rev()
        .map(display_line)
        .find(|line| !line.is_empty() && !line.starts_with(crate::text::OWN_LINE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_line_reads_only_the_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let mut text = "early line\n".repeat(10_000);
        text.push_str("\x1b[32mlast\x1b[0m\tone\r\n\n  \n");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(last_line(&path).as_deref(), Some("last one"));

        std::fs::write(&path, "x".repeat(3 * TAIL as usize)).unwrap();
        let cut = last_line(&path).unwrap();
        assert_eq!(cut.len(), TAIL as usize, "a huge line is cut to the tail");

        std::fs::write(&path, "").unwrap();
        assert_eq!(last_line(&path), None);
        std::fs::write(
            &path,
            "said this\n==> git-agents: run 2 · attempt 1/1 · now: x\n",
        )
        .unwrap();
        assert_eq!(last_line(&path).as_deref(), Some("said this"));
        assert_eq!(last_line(&dir.path().join("missing.log")), None);
    }
}
