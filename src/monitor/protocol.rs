//! What goes over the monitor's socket: one question, one answer, then the connection closes.
//!
//! Every field ends with a NUL byte (no path holds one). The question is [`MAGIC`], then for
//! each worktree its token (empty for none) and its root. The answer is, for each worktree in
//! the same order, its new token (empty for none), then `*` for "anything may have changed" or
//! the number of changed paths followed by the paths, relative to the root.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use gix::bstr::BString;

use super::Answer;

const MAGIC: &[u8] = b"git-agents-monitor 1";

pub fn question_bytes(asked: &[(PathBuf, Option<String>)]) -> Vec<u8> {
    let mut out = field(Vec::new(), MAGIC);
    for (root, token) in asked {
        out = field(out, token.as_deref().unwrap_or_default().as_bytes());
        out = field(out, root.as_os_str().as_bytes());
    }
    out
}

pub fn parse_question(bytes: &[u8]) -> Option<Vec<(PathBuf, Option<String>)>> {
    let mut fields = fields(bytes)?;
    (fields.next()? == MAGIC).then_some(())?;
    let mut asked = Vec::new();
    while let Some(token) = fields.next() {
        let root = PathBuf::from(OsStr::from_bytes(fields.next()?));
        asked.push((root, token_of(token)?));
    }
    Some(asked)
}

pub fn answer_bytes(answers: &[Answer]) -> Vec<u8> {
    let mut out = Vec::new();
    for answer in answers {
        out = field(out, answer.token.as_deref().unwrap_or_default().as_bytes());
        match &answer.changed {
            None => out = field(out, b"*"),
            Some(paths) => {
                out = field(out, paths.len().to_string().as_bytes());
                for path in paths {
                    out = field(out, path);
                }
            }
        }
    }
    out
}

pub fn parse_answer(bytes: &[u8], asked: usize) -> Option<Vec<Answer>> {
    let mut fields = fields(bytes)?;
    let mut answers = Vec::with_capacity(asked);
    for _ in 0..asked {
        let token = token_of(fields.next()?)?;
        let count = fields.next()?;
        let changed = if count == b"*" {
            None
        } else {
            let count: usize = std::str::from_utf8(count).ok()?.parse().ok()?;
            let mut paths = Vec::with_capacity(count.min(1 << 16));
            for _ in 0..count {
                paths.push(BString::from(fields.next()?));
            }
            Some(paths)
        };
        answers.push(Answer { token, changed });
    }
    fields.next().is_none().then_some(answers)
}

fn field(mut out: Vec<u8>, bytes: &[u8]) -> Vec<u8> {
    out.extend_from_slice(bytes);
    out.push(0);
    out
}

/// The NUL-ended fields of `bytes`; `None` when the last one is not ended.
fn fields(bytes: &[u8]) -> Option<impl Iterator<Item = &[u8]>> {
    let body = match bytes {
        [] => None,
        _ => Some(bytes.strip_suffix(b"\0")?),
    };
    Some(body.into_iter().flat_map(|body| body.split(|b| *b == 0)))
}

fn token_of(bytes: &[u8]) -> Option<Option<String>> {
    let token = std::str::from_utf8(bytes).ok()?;
    Some((!token.is_empty()).then(|| token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_and_answers_survive_the_wire() {
        let asked = vec![
            (PathBuf::from("/a b/wt\n1"), Some("12.34:5".to_owned())),
            (PathBuf::from("/wt2"), None),
        ];
        assert_eq!(parse_question(&question_bytes(&asked)), Some(asked));
        let answers = vec![
            Answer {
                token: Some("1.2:9".into()),
                changed: Some(vec!["a/b".into(), "c d\n".into()]),
            },
            Answer {
                token: None,
                changed: None,
            },
            Answer {
                token: Some("1.2:9".into()),
                changed: Some(Vec::new()),
            },
        ];
        let back = parse_answer(&answer_bytes(&answers), 3).expect("parses");
        assert_eq!(back.len(), 3);
        for (a, b) in answers.iter().zip(&back) {
            assert_eq!((&a.token, &a.changed), (&b.token, &b.changed));
        }
        assert!(
            parse_answer(&answer_bytes(&answers), 2).is_none(),
            "left over fields"
        );
        assert!(
            parse_answer(b"1.2:9\x002\x00a\x00", 1).is_none(),
            "a path short"
        );
        assert!(parse_question(b"nonsense\0").is_none());
    }
}
