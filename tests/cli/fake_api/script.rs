//! What the fake model does, the same for every API: read the task file the prompt names,
//! carry out the one instruction it finds there, then say it is done.
//!
//! The instruction has one form: `Create PATH containing "TEXT".` It may also stand in the
//! prompt itself, and then the model writes the file at once.

/// The model's next move in a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Read a file, path relative to the agent's working directory.
    Read(String),
    /// Write `content` to `path`, relative to the agent's working directory.
    Write { path: String, content: String },
    /// End the turn with this text.
    Finish(String),
}

/// A conversation as the fake model sees it.
pub struct Conversation {
    /// Text the user wrote (the prompt and anything the client adds to user turns), in order.
    pub user_texts: Vec<String>,
    /// Outputs of the tool calls so far, in order.
    pub tool_results: Vec<String>,
}

impl Conversation {
    pub fn next_step(&self) -> Step {
        let prompt = self.user_texts.join("\n");
        let results = &self.tool_results;
        if let Some(write) = instruction(&prompt) {
            return match results.len() {
                0 => write,
                _ => finish(results),
            };
        }
        match results.len() {
            0 => match task_file(&prompt) {
                Some(path) => Step::Read(path),
                None => Step::Finish("The prompt names no task file to read.".into()),
            },
            1 => instruction(&results[0]).unwrap_or_else(|| {
                Step::Finish("The task file holds no instruction I can follow.".into())
            }),
            _ => finish(results),
        }
    }
}

fn finish(results: &[String]) -> Step {
    let last = results.last().map(|r| r.trim()).unwrap_or("");
    Step::Finish(format!(
        "Done: the file is written. Last tool output: {last}"
    ))
}

/// `Create PATH containing "TEXT"` anywhere in `text`.
fn instruction(text: &str) -> Option<Step> {
    let start = text.find("Create ")? + "Create ".len();
    let rest = &text[start..];
    let (path, rest) = rest.split_once(" containing \"")?;
    let (content, _) = rest.split_once('"')?;
    if path.is_empty() || path.contains(char::is_whitespace) {
        return None;
    }
    Some(Step::Write {
        path: path.to_owned(),
        content: format!("{content}\n"),
    })
}

/// The `.md` file after a `Read ` in the prompt (git-agents' default prompt starts that way).
fn task_file(prompt: &str) -> Option<String> {
    prompt.match_indices("Read ").find_map(|(at, word)| {
        let token = prompt[at + word.len()..].split_whitespace().next()?;
        token.ends_with(".md").then(|| token.to_owned())
    })
}

/// Quote `s` for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn the_script_reads_the_task_file_then_writes_then_finishes() {
    let prompt = "Read .claude/tasks/hello.md and implement it. Follow contracts.";
    let mut c = Conversation {
        user_texts: vec!["<env>cwd</env>".into(), prompt.into()],
        tool_results: vec![],
    };
    assert_eq!(c.next_step(), Step::Read(".claude/tasks/hello.md".into()));
    c.tool_results
        .push("     1\t# Hello\n     2\tCreate hello.txt containing \"hi there\".\n".into());
    assert_eq!(
        c.next_step(),
        Step::Write {
            path: "hello.txt".into(),
            content: "hi there\n".into()
        }
    );
    c.tool_results.push("ok".into());
    assert!(matches!(c.next_step(), Step::Finish(_)));
    let direct = Conversation {
        user_texts: vec!["Create a.txt containing \"x\"".into()],
        tool_results: vec![],
    };
    assert!(matches!(direct.next_step(), Step::Write { .. }));
    assert_eq!(shell_quote("it's"), "'it'\\''s'");
}
