//! Man pages from the clap definitions: clap_mangen for the title, name, synopsis, description,
//! options and commands, and our own sections for the `after_help` text.
//!
//! A command's `after_help` is read by convention (see `spawn` and `verify`): a paragraph that
//! starts with `Examples:` becomes EXAMPLES (lines `  command    what it does`), one that starts
//! with `Exit status:` becomes EXIT STATUS (`0 meaning, 1 meaning, ...`), and any other paragraph
//! joins the DESCRIPTION.

use clap::Command;
use clap_mangen::roff::{bold, italic, roman, Inline, Roff};
use clap_mangen::Man;

/// `(file name, roff source)` for the command and every visible subcommand, recursively.
pub fn pages(cmd: &Command) -> Vec<(String, String)> {
    let mut cmd = cmd.clone().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, None, &mut pages);
    pages
}

fn collect(cmd: &Command, parent: Option<&str>, pages: &mut Vec<(String, String)>) {
    let name = page_name(cmd);
    pages.push((format!("{name}.1"), page(cmd, parent)));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, Some(&name), pages);
    }
}

/// `git-agents`, `git-agents-spawn`: the page's name, as git help expects it.
fn page_name(cmd: &Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_owned()
}

/// NAME, SYNOPSIS, DESCRIPTION, OPTIONS, COMMANDS, EXIT STATUS, EXAMPLES, SEE ALSO.
fn page(cmd: &Command, parent: Option<&str>) -> String {
    let version = cmd.get_version().unwrap_or_default();
    let man = Man::new(cmd.clone())
        .title(page_name(cmd).to_uppercase())
        .source(format!("git-agents {version}"))
        .date("\"\"")
        .manual("Git Agents Manual");
    let after = AfterHelp::parse(
        &cmd.get_after_long_help()
            .or_else(|| cmd.get_after_help())
            .map(|s| s.to_string())
            .unwrap_or_default(),
    );
    let subs: Vec<&Command> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect();

    let mut out = Roff::new().render(); // the apostrophe preamble, once
    out.push_str(&section(|w| man.render_title(w)));
    // No hyphenation, ragged right: paths and option names stay whole (as git's own pages).
    out.push_str(".nh\n.ad l\n");
    out.push_str(&section(|w| man.render_name_section(w)));
    out.push_str(&body(&synopsis(cmd)));
    out.push_str(&section(|w| man.render_description_section(w)));
    let mut roff = Roff::new();
    for paragraph in &after.description {
        roff.control("PP", []);
        text_block(&mut roff, paragraph);
    }
    out.push_str(&body(&roff));
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        out.push_str(&section(|w| man.render_options_section(w)));
    }

    let mut roff = Roff::new();
    if !subs.is_empty() {
        roff.control("SH", ["COMMANDS"]);
        for sub in &subs {
            roff.control("TP", []);
            roff.text([bold(page_name(sub)), roman("(1)")]);
            let about = sub.get_about().map(|s| s.to_string()).unwrap_or_default();
            roff.text([roman(about)]);
        }
    }
    if let Some(exit) = &after.exit_status {
        roff.control("SH", ["EXIT STATUS"]);
        exit_status(&mut roff, exit);
    }
    if !after.examples.is_empty() {
        roff.control("SH", ["EXAMPLES"]);
        examples_section(&mut roff, &after.examples);
    }
    let mut see_also: Vec<String> = subs.iter().map(|s| page_name(s)).collect();
    see_also.extend(parent.map(str::to_owned));
    see_also.extend(["git".to_owned(), "git-worktree".to_owned()]);
    roff.control("SH", ["SEE ALSO"]);
    let mut refs: Vec<Inline> = Vec::new();
    for (i, page) in see_also.iter().enumerate() {
        if i > 0 {
            refs.push(roman(", "));
        }
        refs.extend([bold(page), roman("(1)")]);
    }
    roff.text(refs);
    out.push_str(&body(&roff));
    out
}

/// Each example's command in bold, with what it does indented below (as git's pages).
fn examples_section(roff: &mut Roff, examples: &[(String, String)]) {
    for (command, what) in examples {
        roff.control("PP", []);
        roff.text([bold(command)]);
        if !what.is_empty() {
            roff.control("RS", ["4"]);
            roff.text([roman(what)]);
            roff.control("RE", []);
        }
    }
}

/// `git agents spawn [-j|--jobs N] ... [TASK]...`: like clap_mangen's, with the values shown.
fn synopsis(cmd: &Command) -> Roff {
    let mut line = vec![bold(cmd.get_bin_name().unwrap_or_else(|| cmd.get_name()))];
    let visible = || cmd.get_arguments().filter(|a| !a.is_hide_set());
    for arg in visible().filter(|a| !a.is_positional()) {
        let (open, close) = if arg.is_required_set() {
            ("", "")
        } else {
            ("[", "]")
        };
        line.push(roman(format!(" {open}")));
        let flags = arg.get_short().map(|s| format!("-{s}")).into_iter();
        let flags = flags.chain(arg.get_long().map(|l| format!("--{l}")));
        for (i, flag) in flags.enumerate() {
            if i > 0 {
                line.push(roman("|"));
            }
            line.push(bold(flag));
        }
        if let Some(value) = value_name(arg) {
            // A no-break space: an option stays on one line with its value.
            line.push(roman("\u{a0}"));
            line.push(italic(value));
        }
        line.push(roman(close));
    }
    for arg in visible().filter(|a| a.is_positional()) {
        let (open, close) = if arg.is_required_set() {
            ("", "")
        } else {
            ("[", "]")
        };
        let value = value_name(arg).unwrap_or_else(|| arg.get_id().to_string());
        line.extend([roman(format!(" {open}")), italic(value), roman(close)]);
        if arg.get_num_args().is_some_and(|n| n.max_values() > 1) {
            line.push(roman("..."));
        }
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        line.extend([
            roman(" "),
            italic("command"),
            roman(" ["),
            italic("args"),
            roman("]"),
        ]);
    }
    let mut roff = Roff::new();
    roff.control("SH", ["SYNOPSIS"]);
    roff.text(line);
    roff
}

/// The placeholder for an argument's value (`N`, `PATH`, `TASK`), if it takes one.
fn value_name(arg: &clap::Arg) -> Option<String> {
    if !arg.get_num_args().is_some_and(|n| n.takes_values()) {
        return None;
    }
    Some(match arg.get_value_names() {
        Some(names) => names
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        None => arg.get_id().as_str().to_uppercase(),
    })
}

/// One clap_mangen section, without the apostrophe preamble that every render repeats.
fn section(render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut buf = Vec::new();
    render(&mut buf).expect("writing to a Vec");
    without_preamble(String::from_utf8(buf).expect("roff output is UTF-8"))
}

/// Our own roff, without the preamble; no-break spaces become roff's `\ `.
fn body(roff: &Roff) -> String {
    without_preamble(roff.render()).replace('\u{a0}', "\\ ")
}

fn without_preamble(text: String) -> String {
    let preamble = Roff::new().render();
    match text.strip_prefix(&preamble) {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

/// Lines of a paragraph: indented lines keep their layout, the others are filled, except that
/// a line that does not end a sentence before one that starts with a capital keeps its break.
fn text_block(roff: &mut Roff, paragraph: &[String]) {
    let mut verbatim = false;
    let mut previous: Option<&str> = None;
    for line in paragraph {
        let indented = line.starts_with(' ');
        if indented != verbatim {
            roff.control(if indented { "nf" } else { "fi" }, []);
            verbatim = indented;
        } else if let Some(previous) = previous.filter(|_| !indented) {
            let ends_sentence = previous.ends_with(['.', ':', ';', '!', '?', ',']);
            if !ends_sentence && line.starts_with(|c: char| c.is_uppercase()) {
                roff.control("br", []);
            }
        }
        roff.text([roman(line.trim_end())]);
        previous = Some(line);
    }
    if verbatim {
        roff.control("fi", []);
    }
}

/// `0 all done, 1 a task failed, ...` as a list of codes; other text as a paragraph.
fn exit_status(roff: &mut Roff, text: &str) {
    let mut items: Vec<(String, String)> = Vec::new();
    for piece in text.trim_end_matches('.').split(", ") {
        let code: String = piece.chars().take_while(char::is_ascii_digit).collect();
        match piece[code.len()..].strip_prefix(' ') {
            Some(meaning) if !code.is_empty() => items.push((code, meaning.to_owned())),
            _ => match items.last_mut() {
                Some((_, meaning)) => {
                    meaning.push_str(", ");
                    meaning.push_str(piece);
                }
                None => {
                    roff.text([roman(text)]);
                    return;
                }
            },
        }
    }
    for (code, meaning) in items {
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text([roman(format!("{meaning}."))]);
    }
}

/// A command's `after_help`, sorted into man page sections.
#[derive(Debug, Default, PartialEq)]
struct AfterHelp {
    /// Paragraphs for DESCRIPTION, as lines.
    description: Vec<Vec<String>>,
    /// `(command, what it does)`.
    examples: Vec<(String, String)>,
    exit_status: Option<String>,
}

impl AfterHelp {
    fn parse(text: &str) -> AfterHelp {
        let mut after = AfterHelp::default();
        for paragraph in text.split("\n\n") {
            let lines: Vec<&str> = paragraph.lines().filter(|l| !l.trim().is_empty()).collect();
            let Some(first) = lines.first() else {
                continue;
            };
            if let Some(rest) = first.strip_prefix("Examples:") {
                let mut example_lines = vec![rest];
                example_lines.extend(&lines[1..]);
                after.examples.extend(examples(&example_lines));
            } else if let Some(rest) = first.strip_prefix("Exit status:") {
                let mut words = vec![rest.trim()];
                words.extend(lines[1..].iter().map(|l| l.trim()));
                after.exit_status = Some(words.join(" ").trim().to_owned());
            } else {
                after
                    .description
                    .push(lines.iter().map(|l| (*l).to_owned()).collect());
            }
        }
        after
    }
}

/// `  git agents spawn -j 2     two at a time`; a deeper-indented line continues the
/// previous example's explanation.
fn examples(lines: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in lines {
        let indent = line.len() - line.trim_start().len();
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if indent > 8 {
            if let Some((_, what)) = out.last_mut() {
                if !what.is_empty() {
                    what.push(' ');
                }
                what.push_str(line);
                continue;
            }
        }
        match line.split_once("  ") {
            Some((command, what)) => out.push((command.to_owned(), what.trim().to_owned())),
            None => out.push((line.to_owned(), String::new())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_help_sorts_paragraphs_into_sections() {
        let after = AfterHelp::parse(
            "Some note\nsecond line.\n\nExamples:\n  git agents x       does x\n  git agents y --long\n                     does y\n  git agents z\n\nExit status: 0 ok, 1 failed, in part,\n2 usage.",
        );
        assert_eq!(
            after.description,
            vec![vec!["Some note".to_owned(), "second line.".to_owned()]]
        );
        assert_eq!(
            after.examples,
            vec![
                ("git agents x".to_owned(), "does x".to_owned()),
                ("git agents y --long".to_owned(), "does y".to_owned()),
                ("git agents z".to_owned(), String::new()),
            ]
        );
        assert_eq!(
            after.exit_status.as_deref(),
            Some("0 ok, 1 failed, in part, 2 usage.")
        );
    }

    #[test]
    fn exit_codes_become_a_list() {
        let mut roff = Roff::new();
        exit_status(&mut roff, "0 ok, 1 failed, in part, 130 stopped.");
        let text = roff.to_roff();
        assert!(text.contains(".TP\n\\fB0\\fR\nok.\n"), "{text}");
        assert!(text.contains("\\fB1\\fR\nfailed, in part.\n"), "{text}");
        assert!(text.contains("\\fB130\\fR\nstopped.\n"), "{text}");
    }
}
