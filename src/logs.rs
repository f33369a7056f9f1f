//! `logs`: a task's log as written, optionally followed until the task ends; and the last line
//! of a log, read from its tail only, for status.
#![doc(hidden)]

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::config::Overrides;
use crate::error::{Error, Fix};
use crate::inventory::{self as known, Inventory};
use crate::repo::{relative_to, Project};
use crate::runner::display_line;

/// How much of a log's end is read to find its last line.
const TAIL: u64 = 8 * 1024;

/// What to show.
#[derive(Debug, Clone)]
pub struct LogsOptions {
    /// Task name or slug.
    pub task: String,
    /// Keep printing what is appended until the task ends.
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
            follow: false,
            raw: false,
            poll: Duration::from_millis(100),
        }
    }
}

/// Copy the task's log to `out` byte for byte; when following, keep copying what is appended
/// until the task's state is terminal (or its spawn is gone) and the log stops growing.
/// A write to `out` that fails (a reader gone away) ends it with that error.
pub fn show(cwd: &Path, options: &LogsOptions, out: &mut dyn Write) -> Result<()> {
    let inventory = Inventory::load(Project::open(cwd, &Overrides::default())?)?;
    let task = inventory
        .select(std::slice::from_ref(&options.task))?
        .remove(0);
    let (project, store) = (&inventory.project, inventory.store());
    let ended = || -> Result<bool> {
        let state = store.load()?;
        Ok(state
            .tasks
            .get(&task.name)
            .is_none_or(|r| !known::is_live(r)))
    };
    let path = match options.raw {
        true => crate::spawn::raw_log(&task.log),
        false => task.log.clone(),
    };
    let mut file = loop {
        match File::open(&path) {
            Ok(file) => break file,
            // A queued or preparing task gets its log soon: following waits for it.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                if !options.follow || ended()? {
                    return Err(no_log(project, &task.name, &path).into());
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

fn no_log(project: &Project, name: &str, log: &Path) -> Error {
    Error::failed(format!(
        "task '{name}' has no log yet: {} does not exist",
        relative_to(log, &project.root).display()
    ))
    .with_fix(Fix::StartTask {
        task: name.to_owned(),
    })
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
    let mut file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let start = len.saturating_sub(TAIL);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut tail = Vec::with_capacity((len - start) as usize);
    file.take(TAIL).read_to_end(&mut tail).ok()?;
    let mut lines: Vec<&[u8]> = tail.split(|b| *b == b'\n').collect();
    if start > 0 && lines.len() > 1 {
        // The first piece is the end of a line cut by the seek.
        lines.remove(0);
    }
    lines
        .into_iter()
        .rev()
        .map(display_line)
        .find(|line| !line.is_empty())
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
        assert_eq!(last_line(&dir.path().join("missing.log")), None);
    }
}
