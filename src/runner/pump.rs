//! Copies an agent's output into its log as it comes, keeping the last line for progress
//! and handing complete lines to a sink that asks for them. Memory stays bounded whatever
//! the agent prints.

use std::fs::File;
use std::io::{Read, Write};
use std::sync::Mutex;

use super::LineSink;

/// Lines longer than this are cut for display; the log keeps every byte.
const MAX_LINE: usize = 1024;

/// Returns the first error writing the log, if any; reading continues so the agent never blocks.
pub fn pump(
    mut reader: impl Read,
    mut log: File,
    last_line: &Mutex<String>,
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
        let chunk = &buf[..n];
        if log_error.is_none() {
            if let Err(err) = log.write_all(chunk) {
                log_error = Some(err.to_string());
            }
        }
        let mut newest = None;
        for piece in chunk.split_inclusive(|b| *b == b'\n') {
            let complete = piece.ends_with(b"\n");
            let body = if complete {
                &piece[..piece.len() - 1]
            } else {
                piece
            };
            let room = MAX_LINE.saturating_sub(partial.len());
            partial.extend_from_slice(&body[..body.len().min(room)]);
            if complete {
                let line = display_line(&partial);
                partial.clear();
                if line.is_empty() {
                    continue;
                }
                if wants_lines {
                    sink.line(&line);
                }
                newest = Some(line);
            }
        }
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

/// Text safe to show on one terminal line: lossy UTF-8, control characters replaced.
pub fn display_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end_matches(['\r', '\n']);
    let text = text.rsplit('\r').next().unwrap_or(text);
    text.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '?',
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_carriage_returns_are_tamed() {
        assert_eq!(display_line(b"50%\r100%\r\n"), "100%");
        assert_eq!(display_line(b"\x1b[31mred\x1b[0m\tx"), "?[31mred?[0m x");
        assert_eq!(display_line(&[0xff, 0xfe, b'a']), "\u{fffd}\u{fffd}a");
    }
}
