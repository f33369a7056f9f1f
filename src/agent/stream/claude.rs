//! The claude stream format (to be filled in: see the stream module).

use super::{Adapter, Note};

#[derive(Default)]
pub struct Claude {}

impl Adapter for Claude {
    fn notes(&mut self, line: &str, _value: Option<&serde_json::Value>) -> Vec<Note> {
        vec![Note::Text(line.to_owned())]
    }
}
