//! What the fake model does, the same for every API: read the task file the prompt names,
//! carry out the one instruction it finds there, then say it is done.
//!
//! An instruction is `Create PATH containing "TEXT".` or ``Run `COMMAND`.``; a task file may
//! hold several, carried out in order. They may also stand in the prompt itself, and then the
//! model carries them out at once.
//!
//! A `git agents merge --resolve` prompt (`Resolve the conflicts in: `PATH``) is answered by
//! reading PATH and writing it back with both sides kept and the conflict markers dropped.

/// The model's next move in a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Read a file, path relative to the agent's working directory.
    Read(String),
    /// Write `content` to `path`, relative to the agent's working directory.
    Write { path: String, content: String },
    /// Run a shell command with the agent's command tool (Bash, exec_command, run_shell_command…).
    Run(String),
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
        if let Some(path) = conflicted_file(&prompt) {
            return match results.as_slice() {
                [] => Step::Read(path),
                [read] => Step::Write {
                    path,
                    content: unmarked(read),
                },
                _ => finish(results),
            };
        }
        let direct = instructions(&prompt);
        if !direct.is_empty() {
            return direct
                .into_iter()
                .nth(results.len())
                .unwrap_or_else(|| finish(results));
        }
        match results.len() {
            0 => match task_file(&prompt) {
                Some(path) => Step::Read(path),
                None => Step::Finish("The prompt names no task file to read.".into()),
            },
            done => {
                let steps = instructions(&results[0]);
                if steps.is_empty() {
                    return Step::Finish("The task file holds no instruction I can follow.".into());
                }
                steps
                    .into_iter()
                    .nth(done - 1)
                    .unwrap_or_else(|| finish(results))
            }
        }
    }
}

fn finish(results: &[String]) -> Step {
    let last = results.last().map(|r| r.trim()).unwrap_or("");
    Step::Finish(format!(
        "Done: the file is written. Last tool output: {last}"
    ))
}

/// Every `Create PATH containing "TEXT"` and ``Run `COMMAND` `` in `text`, in order.
fn instructions(text: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut rest = text;
    loop {
        let create = rest.find("Create ");
        let run = rest.find("Run `");
        let (at, is_run) = match (create, run) {
            (Some(c), Some(r)) => (c.min(r), r < c),
            (Some(c), None) => (c, false),
            (None, Some(r)) => (r, true),
            (None, None) => return steps,
        };
        let after = if is_run {
            at + "Run `".len()
        } else {
            at + "Create ".len()
        };
        rest = &rest[after..];
        let step = if is_run {
            run_step(rest)
        } else {
            create_step(rest)
        };
        steps.extend(step);
    }
}

fn run_step(rest: &str) -> Option<Step> {
    let (command, _) = rest.split_once('`')?;
    (!command.trim().is_empty()).then(|| Step::Run(command.to_owned()))
}

fn create_step(rest: &str) -> Option<Step> {
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

/// The first file a resolve prompt names.
fn conflicted_file(prompt: &str) -> Option<String> {
    let (_, rest) = prompt.split_once("Resolve the conflicts in: `")?;
    let (path, _) = rest.split_once('`')?;
    Some(path.to_owned())
}

/// A file as a Read tool shows it (`     1\tline` or `     1→line`, perhaps a reminder after
/// it), back as its text with every conflict marker line left out.
fn unmarked(read: &str) -> String {
    let body = read.split("<system-reminder>").next().unwrap_or("");
    let mut text = String::new();
    for line in body.lines() {
        let numbered = line.trim_start();
        let digits = numbered.trim_start_matches(|c: char| c.is_ascii_digit());
        let line = match digits.len() < numbered.len() {
            true => digits
                .strip_prefix('\t')
                .or_else(|| digits.strip_prefix('→'))
                .unwrap_or(line),
            false => line,
        };
        let marker =
            line.starts_with("<<<<<<< ") || line.starts_with(">>>>>>> ") || line == "=======";
        if !(marker || line.is_empty() && numbered.is_empty()) {
            text.push_str(line);
            text.push('\n');
        }
    }
    // Read shows the empty line after the last newline as a numbered line of its own.
    format!("{}\n", text.trim_end_matches('\n'))
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
    let two = "Read t.md";
    let mut c = Conversation {
        user_texts: vec![two.into()],
        tool_results: vec!["Create a.txt containing \"x\". Then Run `echo ran > b.txt`.".into()],
    };
    assert!(matches!(c.next_step(), Step::Write { .. }));
    c.tool_results.push("ok".into());
    assert_eq!(c.next_step(), Step::Run("echo ran > b.txt".into()));
    c.tool_results.push("".into());
    assert!(matches!(c.next_step(), Step::Finish(_)));
    assert_eq!(shell_quote("it's"), "'it'\\''s'");
    let mut resolve = Conversation {
        user_texts: vec!["git merge x stopped.\n\nResolve the conflicts in: `f.txt`\n".into()],
        tool_results: vec![],
    };
    assert_eq!(resolve.next_step(), Step::Read("f.txt".into()));
    resolve.tool_results.push(
        "     1\t<<<<<<< HEAD\n     2\ta\n     3\t=======\n     4\tb\n     5\t>>>>>>> x\n".into(),
    );
    assert_eq!(
        resolve.next_step(),
        Step::Write {
            path: "f.txt".into(),
            content: "a\nb\n".into()
        }
    );
}
