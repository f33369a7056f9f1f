//! Reads an agent's machine-readable stream as it comes: the raw lines go to the raw log,
//! each line's notes into the attempt's telemetry, a readable rendering into the log a
//! person reads, and the current activity to the live line.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};

use super::pulse::Pulse;
use super::{Job, LineSink, Live};
use crate::agent::stream::{self, Adapter, Format, Note};

/// An event line longer than this is not parsed (it is kept in the raw log whole).
const MAX_EVENT: usize = 8 * 1024 * 1024;

/// Returns the first error writing either log, if any; reading continues so the agent never
/// blocks.
pub fn pump(
    mut reader: impl Read,
    log: File,
    job: &Job,
    format: Format,
    live: &Live,
    pulse: &Pulse,
    sink: &dyn LineSink,
) -> Option<String> {
    let raw = job.raw_log.as_ref().map(|path| {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    });
    let mut out = Out {
        log,
        raw: None,
        error: None,
        adapter: format.adapter(),
        workspace: job.cwd.to_string_lossy().into_owned(),
        budget: job.budget_usd,
    };
    match raw {
        Some(Ok(file)) => out.raw = Some(file),
        Some(Err(e)) => out.error = Some(e),
        None => {}
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut line: Vec<u8> = Vec::new();
    let mut too_long = false;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        pulse.beat();
        let chunk = &buf[..n];
        out.raw(chunk);
        for piece in chunk.split_inclusive(|b| *b == b'\n') {
            let complete = piece.ends_with(b"\n");
            let body = piece.strip_suffix(b"\n").unwrap_or(piece);
            if line.len() + body.len() > MAX_EVENT {
                too_long = true;
            } else if !too_long {
                line.extend_from_slice(body);
            }
            if complete {
                out.line(&line, too_long, live, pulse, sink);
                line.clear();
                too_long = false;
            }
        }
    }
    if !line.is_empty() {
        out.line(&line, too_long, live, pulse, sink);
    }
    out.finish(live)
}

struct Out {
    log: File,
    raw: Option<File>,
    error: Option<String>,
    adapter: Box<dyn Adapter>,
    workspace: String,
    budget: Option<f64>,
}

impl Out {
    fn raw(&mut self, bytes: &[u8]) {
        if let Some(raw) = &mut self.raw {
            if let Err(e) = raw.write_all(bytes) {
                self.error.get_or_insert_with(|| e.to_string());
                self.raw = None;
            }
        }
    }

    fn line(
        &mut self,
        bytes: &[u8],
        too_long: bool,
        live: &Live,
        pulse: &Pulse,
        sink: &dyn LineSink,
    ) {
        let text = String::from_utf8_lossy(bytes);
        let notes = if too_long {
            vec![Note::Text(format!(
                "(a line of {} MiB or more, kept in the raw log)",
                MAX_EVENT / (1024 * 1024)
            ))]
        } else {
            stream::read_line(self.adapter.as_mut(), text.trim_end_matches('\r'))
        };
        let notes = notes.into_iter().map(|note| match note {
            Note::Activity(activity) => Note::Activity(relative(&activity, &self.workspace)),
            note => note,
        });
        let mut telemetry = live.telemetry.lock().unwrap();
        for note in &notes.collect::<Vec<_>>() {
            telemetry.apply(note);
            for readable in stream::readable(note) {
                self.write(&readable);
                if sink.wants_lines() {
                    let shown = crate::text::one_line(&readable);
                    if !shown.is_empty() {
                        sink.line(&shown);
                    }
                }
            }
        }
        if std::mem::take(&mut telemetry.changed) {
            if let Some(shown) = telemetry.display() {
                *live.line.lock().unwrap() = shown.to_owned();
            }
        }
        if let (Some(budget), Some(cost)) = (self.budget, telemetry.cost_usd) {
            if cost > budget {
                pulse.stop_over_budget();
            }
        }
    }

    fn write(&mut self, line: &str) {
        if self.error.is_none() {
            if let Err(e) = writeln!(self.log, "{line}") {
                self.error = Some(e.to_string());
            }
        }
    }

    fn finish(mut self, live: &Live) -> Option<String> {
        let summary = live.telemetry.lock().unwrap().summary_line();
        if let Some(summary) = summary {
            self.write(&summary);
        }
        if self.error.is_none() {
            if let Err(e) = self.log.flush() {
                self.error = Some(e.to_string());
            }
        }
        self.error
    }
}

/// `activity` with `workspace/` taken off the paths in it.
fn relative(activity: &str, workspace: &str) -> String {
    if workspace.is_empty() {
        return activity.to_owned();
    }
    let prefix = format!("{}/", workspace.trim_end_matches('/'));
    activity.replace(&prefix, "")
}
