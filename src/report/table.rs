//! The one table layout for people: columns two spaces apart, each as wide as its widest cell,
//! the last one unpadded and every line without trailing blanks.
//!
//! Cells hold plain text and a [`Tone`]; widths are measured on the text and the paint is put on
//! after padding, so colour never moves a column.

use std::io::{self, Write};

pub use crate::progress::{unpainted, Paint, Tone};

const GAP: &str = "  ";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Right,
}

/// One cell: its text and how it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
}

impl Cell {
    pub fn toned(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
        }
    }

    fn width(&self) -> usize {
        self.text.chars().count()
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::toned(text, Tone::Plain)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::toned(text, Tone::Plain)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The header line; none when empty.
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Per column; columns without an entry are left-aligned.
    pub align: Vec<Align>,
    /// Per column, the most it is padded to; a longer cell pushes the rest of its line right.
    pub max_width: Vec<Option<usize>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            ..Table::default()
        }
    }

    /// A table without a header line.
    pub fn headless() -> Table {
        Table::default()
    }

    pub fn align(mut self, column: usize, align: Align) -> Table {
        if self.align.len() <= column {
            self.align.resize(column + 1, Align::Left);
        }
        self.align[column] = align;
        self
    }

    pub fn max_width(mut self, column: usize, width: usize) -> Table {
        if self.max_width.len() <= column {
            self.max_width.resize(column + 1, None);
        }
        self.max_width[column] = Some(width);
        self
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// The table's lines, without line ends.
    pub fn lines(&self, paint: Paint) -> Vec<String> {
        let header: Option<Vec<Cell>> = (!self.headers.is_empty()).then(|| {
            self.headers
                .iter()
                .map(|h| Cell::from(h.as_str()))
                .collect()
        });
        let rows: Vec<&Vec<Cell>> = header.iter().chain(&self.rows).collect();
        let widths = self.widths(&rows);
        rows.iter()
            .map(|row| self.line(row, &widths, paint))
            .collect()
    }

    /// Write the table's lines to `out`.
    pub fn render(&self, out: &mut dyn Write, paint: Paint) -> io::Result<()> {
        for line in self.lines(paint) {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }

    fn widths(&self, rows: &[&Vec<Cell>]) -> Vec<usize> {
        let columns = rows.iter().map(|r| r.len()).max().unwrap_or(0);
        (0..columns)
            .map(|i| {
                let widest = rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(Cell::width)
                    .max()
                    .unwrap_or(0);
                match self.max_width.get(i).copied().flatten() {
                    Some(cap) => widest.min(cap),
                    None => widest,
                }
            })
            .collect()
    }

    fn line(&self, row: &[Cell], widths: &[usize], paint: Paint) -> String {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            let last = i + 1 == row.len();
            let align = self.align.get(i).copied().unwrap_or_default();
            let padding = " ".repeat(width.saturating_sub(cell.width()));
            let text = match cell.tone {
                Tone::Plain => cell.text.clone(),
                tone => paint(tone, &cell.text),
            };
            match align {
                Align::Right => line.extend([padding.as_str(), &text]),
                Align::Left if last => line.push_str(&text),
                Align::Left => line.extend([text.as_str(), &padding]),
            }
            if !last {
                line.push_str(GAP);
            }
        }
        line.truncate(line.trim_end().len());
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brackets(tone: Tone, text: &str) -> String {
        format!("\x1b[{}m{text}\x1b[0m", tone as u8)
    }

    fn strip(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                chars.by_ref().find(|c| *c == 'm');
            } else {
                out.push(c);
            }
        }
        out
    }

    fn sample() -> Table {
        let mut table = Table::new(&["TASK", "STATE", "LOG"]);
        table.push(vec![
            "alpha".into(),
            Cell::toned("done", Tone::Good),
            "a".into(),
        ]);
        table.push(vec![
            "b".into(),
            Cell::toned("timed out", Tone::Bad),
            "".into(),
        ]);
        table
    }

    #[test]
    fn columns_are_two_apart_and_lines_end_without_blanks() {
        assert_eq!(
            sample().lines(unpainted),
            [
                "TASK   STATE      LOG",
                "alpha  done       a",
                "b      timed out"
            ]
        );
    }

    #[test]
    fn paint_does_not_move_a_column() {
        let painted = sample().lines(brackets);
        assert!(painted[1].contains("\x1b[1mdone\x1b[0m"), "{painted:?}");
        let stripped: Vec<String> = painted.iter().map(|l| strip(l)).collect();
        assert_eq!(stripped, sample().lines(unpainted));
    }

    #[test]
    fn capped_and_right_aligned_columns() {
        let mut table = Table::headless().max_width(0, 3).align(1, Align::Right);
        table.push(vec!["abcdef".into(), "1".into(), "x".into()]);
        table.push(vec!["ab".into(), "22".into(), "y".into()]);
        assert_eq!(table.lines(unpainted), ["abcdef   1  x", "ab   22  y"]);
    }
}
