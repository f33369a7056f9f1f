//! Colour: whether a stream gets it, and the ANSI SGR codes of each tone. Sparing on purpose:
//! state words and the `error:`, `warning:` and `hint:` prefixes, nothing else.

use std::ffi::OsString;

use git_agents::progress::Tone;

use crate::cli::ColorWhen;

/// Whether a stream gets colour: `--color always` or `never` decide; with `auto`, a non-empty
/// NO_COLOR says no, then CLICOLOR_FORCE (non-empty, not `0`) says yes, CLICOLOR=0 says no,
/// and otherwise a terminal that is not TERM=dumb says yes.
pub fn enabled(when: ColorWhen, terminal: bool, var: &dyn Fn(&str) -> Option<OsString>) -> bool {
    let set = |name: &str| var(name).filter(|v| !v.is_empty());
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto if set("NO_COLOR").is_some() => false,
        ColorWhen::Auto if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
        ColorWhen::Auto if set("CLICOLOR").is_some_and(|v| v == "0") => false,
        ColorWhen::Auto => terminal && set("TERM").is_none_or(|t| t != "dumb"),
    }
}

/// The `--color` a command line asks for, read before clap parses it so that clap's own help
/// and errors follow it too. The last one counts; nothing after `--` is an option.
pub fn asked(args: &[OsString]) -> Option<ColorWhen> {
    let mut when = None;
    let mut args = args.iter().skip(1).map(|a| a.to_str());
    while let Some(arg) = args.next() {
        let value = match arg {
            Some("--") => break,
            Some("--color") => args.next().flatten(),
            Some(arg) => arg.strip_prefix("--color="),
            None => None,
        };
        when = match value {
            Some("auto") => Some(ColorWhen::Auto),
            Some("always") => Some(ColorWhen::Always),
            Some("never") => Some(ColorWhen::Never),
            _ => when,
        };
    }
    when
}

/// `text` in its tone's colour.
pub fn paint(tone: Tone, text: &str) -> String {
    let code = match tone {
        Tone::Plain => return text.to_owned(),
        Tone::Good => "32",
        Tone::Bad => "31",
        Tone::Busy => "33",
        Tone::Error => "1;31",
        Tone::Warning => "1;33",
        Tone::Hint => "1;36",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn auto_follows_the_terminal_and_the_conventions() {
        let auto = |terminal, vars| enabled(ColorWhen::Auto, terminal, &env(vars));
        assert!(auto(true, &[]));
        assert!(!auto(false, &[]));
        assert!(!auto(true, &[("NO_COLOR", "1")]));
        assert!(auto(true, &[("NO_COLOR", "")]));
        assert!(auto(false, &[("CLICOLOR_FORCE", "1")]));
        assert!(!auto(false, &[("CLICOLOR_FORCE", "0")]));
        assert!(!auto(false, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
        assert!(!auto(true, &[("CLICOLOR", "0")]));
        assert!(!auto(true, &[("TERM", "dumb")]));
    }

    #[test]
    fn always_and_never_are_final() {
        let none = env(&[("NO_COLOR", "1")]);
        assert!(enabled(ColorWhen::Always, false, &none));
        let force = env(&[("CLICOLOR_FORCE", "1")]);
        assert!(!enabled(ColorWhen::Never, true, &force));
    }

    #[test]
    fn the_flag_is_found_before_clap_sees_it() {
        let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
        let asked = |list: &[&str]| asked(&args(list));
        assert_eq!(asked(&["git-agents", "--help"]), None);
        assert_eq!(
            asked(&["git-agents", "--color", "never", "status", "--help"]),
            Some(ColorWhen::Never)
        );
        assert_eq!(
            asked(&["git-agents", "status", "--color=always"]),
            Some(ColorWhen::Always)
        );
        assert_eq!(asked(&["git-agents", "logs", "--", "--color=always"]), None);
    }

    #[test]
    fn plain_text_stays_plain() {
        assert_eq!(paint(Tone::Plain, "done"), "done");
        assert_eq!(paint(Tone::Good, "done"), "\x1b[32mdone\x1b[0m");
    }
}
