//! The log a person reads: each note as a line or a few, or nothing for bookkeeping notes
//! (tokens, cost, turns), which the end-of-attempt summary line reports instead.

use super::Note;

/// The readable lines of a note.
pub fn readable(note: &Note) -> Vec<String> {
    match note {
        Note::Text(text) => vec![text.clone()],
        Note::Session(id) => vec![format!("session {id}")],
        Note::Activity(activity) => vec![format!("→ {activity}")],
        Note::Message(text) => text.lines().map(str::to_owned).collect(),
        Note::Result { text, is_error } => {
            let label = if *is_error { "error" } else { "result" };
            labelled(label, text)
        }
        Note::Error { message, .. } => labelled("error", message),
        Note::TokensAdded(_)
        | Note::TokensTotal(_)
        | Note::CostTotal(_)
        | Note::CostAdded(_)
        | Note::Turn => Vec::new(),
    }
}

fn labelled(label: &str, text: &str) -> Vec<String> {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("");
    std::iter::once(format!("{label}: {first}"))
        .chain(lines.map(|l| format!("  {l}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_read_as_lines_and_bookkeeping_stays_out() {
        assert_eq!(
            readable(&Note::Activity("Bash cargo test".into())),
            ["→ Bash cargo test"]
        );
        assert_eq!(
            readable(&Note::Result {
                text: "no\nway".into(),
                is_error: true
            }),
            ["error: no", "  way"]
        );
        assert!(readable(&Note::CostTotal(0.5)).is_empty());
    }
}
