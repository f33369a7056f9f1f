//! Text from agents made safe for one terminal line: escape sequences (colours, cursor moves,
//! titles) removed, control characters replaced, only what a carriage return left visible.

/// How the lines git-agents writes into a task's log begin (attempt and setup headers,
/// telemetry), to tell them from what the agent said.
pub const OWN_LINE: &str = "==> git-agents";

/// One line for the live view, status or a summary: escape sequences dropped, tabs as
/// spaces, other control characters as `?`, the part after the last `\r`, trimmed.
pub fn one_line(text: &str) -> String {
    let text = text.trim_end_matches(['\r', '\n']);
    let text = text.rsplit('\r').next().unwrap_or(text);
    let text = text.lines().next().unwrap_or("");
    without_escapes(text)
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '?',
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// `text` without ANSI escape sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or
/// `ESC \`), and two-character escapes.
pub fn without_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' && c != '\u{9b}' {
            out.push(c);
            continue;
        }
        let kind = if c == '\u{9b}' {
            Some('[')
        } else {
            chars.next()
        };
        match kind {
            Some('[') => {
                // Parameters and intermediates, then one final byte in @..~.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') | Some('P') | Some('_') | Some('^') => {
                // A string ended by BEL or ESC \.
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_go_and_controls_are_tamed() {
        assert_eq!(
            one_line("\u{1b}[32mINFO\u{1b}[0m ready\tnow"),
            "INFO ready now"
        );
        assert_eq!(one_line("\u{1b}]0;title\u{7}text"), "text");
        assert_eq!(
            one_line("\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\"),
            "link"
        );
        assert_eq!(one_line("50%\r100%\r\n"), "100%");
        assert_eq!(one_line("a\u{1}b"), "a?b");
        assert_eq!(one_line("\u{1b}[2K\u{1b}[1Gdone"), "done");
    }
}
