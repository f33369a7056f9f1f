//! Copies an agent's output into its log as it comes, keeping the last line for progress
//! and handing complete lines to a sink that asks for them. Memory stays bounded whatever
//! the agent prints.

use std::fs::File;
use std::io::{Read, Write};
use std::sync::Mutex;

use super::pulse::Pulse;
use super::LineSink;

/// Lines longer than this are cut for display; the log keeps every byte.
const MAX_LINE: usize = 1024;

/// Returns the first error writing the log, if any; reading continues so the agent never blocks.
pub fn pump(
    mut reader: impl Read,
    mut log: File,
    last_line: &Mutex<String>,
    pulse: &Pulse,
    sink: &dyn LineSink,
) -> Option<String> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut partial: Vec<u8> = Vec::new();
    let mut log_error = None;
    let wants_lines = sink.wants_lines();
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        pulse.beat();
        let chunk = &buf[..n];
        if log_error.is_none() {
            if let Err(err) = log.write_all(chunk) {
                log_error = Some(err.to_string());
            }
        }
        let newest = if wants_lines {
            split_lines(chunk, &mut partial, sink)
        } else {
            last_complete_line(chunk, &mut partial)
        };
        if let Some(line) = newest {
            *last_line.lock().unwrap() = line;
        }
    }
    let line = display_line(&partial);
    if !line.is_empty() {
        if wants_lines {
            sink.line(&line);
        }
        *last_line.lock().unwrap() = line;
    }
    if log_error.is_none() {
        if let Err(err) = log.flush() {
            log_error = Some(err.to_string());
        }
    }
    log_error
}

/// Hand every complete line to the sink; return the newest non-empty one.
fn split_lines(chunk: &[u8], partial: &mut Vec<u8>, sink: &dyn LineSink) -> Option<String> {
    let mut newest = None;
    for piece in chunk.split_inclusive(|b| *b == b'\n') {
        let complete = piece.ends_with(b"\n");
        let body = if complete {
            &piece[..piece.len() - 1]
        } else {
            piece
        };
        push_capped(partial, body);
        if complete {
            let line = display_line(partial);
            partial.clear();
            if !line.is_empty() {
                sink.line(&line);
                newest = Some(line);
            }
        }
    }
    newest
}

/// Only the last complete line of a chunk matters to a display: skip the rest in one scan.
fn last_complete_line(chunk: &[u8], partial: &mut Vec<u8>) -> Option<String> {
    let Some(end) = chunk.iter().rposition(|b| *b == b'\n') else {
        push_capped(partial, chunk);
        return None;
    };
    let body = &chunk[..end];
    let first_newline = body.iter().position(|b| *b == b'\n');
    let mut line = String::new();
    for piece in body.rsplit(|b| *b == b'\n') {
        let is_first = first_newline.is_none_or(|_| piece.as_ptr() == body.as_ptr());
        line = if is_first {
            push_capped(partial, piece);
            display_line(partial)
        } else {
            display_line(&piece[..piece.len().min(MAX_LINE)])
        };
        if !line.is_empty() || is_first {
            break;
        }
    }
    partial.clear();
    push_capped(partial, &chunk[end + 1..]);
    (!line.is_empty()).then_some(line)
}

fn push_capped(partial: &mut Vec<u8>, bytes: &[u8]) {
    let room = MAX_LINE.saturating_sub(partial.len());
    partial.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

/// Text safe to show on one terminal line: lossy UTF-8, escape sequences dropped, control
/// characters replaced (the text cleaner of the live view and status).
pub fn display_line(bytes: &[u8]) -> String {
    crate::text::one_line(&String::from_utf8_lossy(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Lines(Mutex<Vec<String>>, bool);

    impl LineSink for Lines {
        fn wants_lines(&self) -> bool {
            self.1
        }
        fn line(&self, line: &str) {
            self.0.lock().unwrap().push(line.to_owned());
        }
    }

    fn pump_bytes(input: &[u8], wants: bool) -> (String, Vec<String>, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let log_path = dir.path().join("log");
        let log = File::create(&log_path).unwrap();
        let last = Mutex::new(String::new());
        let sink = Lines(Mutex::new(Vec::new()), wants);
        // Small reads exercise lines split across chunks.
        let reader = std::io::BufReader::with_capacity(7, input);
        assert!(pump(reader, log, &last, &Pulse::default(), &sink).is_none());
        let lines = sink.0.into_inner().unwrap();
        (
            last.into_inner().unwrap(),
            lines,
            std::fs::read(log_path).unwrap(),
        )
    }

    #[test]
    fn the_log_gets_every_byte_and_the_display_the_last_line() {
        let input = b"first line\nsecond \xff line\n\nthird, no newline";
        for wants in [false, true] {
            let (last, lines, log) = pump_bytes(input, wants);
            assert_eq!(log, input);
            assert_eq!(last, "third, no newline");
            if wants {
                assert_eq!(
                    lines,
                    vec!["first line", "second \u{fffd} line", "third, no newline"]
                );
            }
        }
        let (last, _, _) = pump_bytes(b"only\n\n", false);
        assert_eq!(last, "only");
    }

    #[test]
    fn control_characters_and_carriage_returns_are_tamed() {
        assert_eq!(display_line(b"50%\r100%\r\n"), "100%");
        assert_eq!(display_line(b"\x1b[31mred\x1b[0m\tx"), "red x");
        assert_eq!(display_line(&[0xff, 0xfe, b'a']), "\u{fffd}\u{fffd}a");
    }
}
