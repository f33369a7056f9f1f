//! Reading what a job appends to its task's log, for the live view and the event callback.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::runner::{display_line, LineSink, Live};

pub struct Tail {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
    seen: bool,
    /// The attempt's header line, which the job writes first: no output of the agent's.
    header: Option<String>,
}

impl Tail {
    /// From the log's current end: what the job writes from now on, `header` aside.
    pub fn at_end(path: &Path, header: Option<&str>) -> Tail {
        let offset = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        Tail {
            path: path.to_owned(),
            offset,
            partial: Vec::new(),
            seen: false,
            header: header.map(|h| display_line(h.as_bytes())),
        }
    }

    /// The log it reads.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Nothing of the job's has been shown yet.
    pub fn quiet(&self) -> bool {
        !self.seen
    }

    /// Hand on what was appended since the last call.
    pub fn pump(&mut self, live: &Live, sink: &dyn LineSink) {
        let Ok(mut file) = std::fs::File::open(&self.path) else {
            return;
        };
        if file.seek(SeekFrom::Start(self.offset)).is_err() {
            return;
        }
        let mut chunk = Vec::new();
        let Ok(read) = file.read_to_end(&mut chunk) else {
            return;
        };
        self.offset += read as u64;
        self.partial.extend_from_slice(&chunk);
        let mut newest = None;
        while let Some(end) = self.partial.iter().position(|b| *b == b'\n') {
            let line = display_line(&self.partial[..end]);
            self.partial.drain(..=end);
            if line.is_empty() || self.header.take().is_some_and(|h| h == line) {
                continue;
            }
            if sink.wants_lines() {
                sink.line(&line);
            }
            newest = Some(line);
        }
        if let Some(line) = newest {
            self.seen = true;
            *live.line.lock().unwrap() = line;
        }
    }
}
