//! What the adapters' tests share: a fixture read line by line, and the notes picked out.

use super::{read_line, Adapter, ErrorKind, Note};

/// Every note of `fixture`, read by a fresh `A` as the runner reads an agent's output.
pub fn notes_of<A: Adapter + Default>(fixture: &str) -> Vec<Note> {
    let mut adapter = A::default();
    fixture
        .lines()
        .flat_map(|line| read_line(&mut adapter, line))
        .collect()
}

/// The activities, in order.
pub fn activities(notes: &[Note]) -> Vec<&str> {
    notes
        .iter()
        .filter_map(|n| match n {
            Note::Activity(a) => Some(a.as_str()),
            _ => None,
        })
        .collect()
}

/// The errors: kind, message and reset time.
pub fn errors(notes: &[Note]) -> Vec<(Option<ErrorKind>, &str, Option<i64>)> {
    notes
        .iter()
        .filter_map(|n| match n {
            Note::Error {
                kind,
                message,
                resets_at,
            } => Some((*kind, message.as_str(), *resets_at)),
            _ => None,
        })
        .collect()
}
