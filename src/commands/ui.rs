//! The one output edge: stdout for data (tables, JSON), stderr for chatter, warnings and the
//! progress view, `--quiet` and colour, all decided once from the command line, the
//! environment and what the streams are. Commands write through it and nowhere else; the
//! library never prints, it writes to what it is given.

use std::io::{self, IsTerminal, Write};
#[cfg(test)]
use std::sync::{Arc, Mutex};

use git_agents::progress::{unpainted, Paint, Plain, Reporter, Silent, Terminal, Tone};
use git_agents::report::table::Table;

use super::color;
use crate::cli::{Cli, ColorWhen, Command};

/// A handle on one of the process's streams (or, in unit tests, a buffer); cheap to clone and
/// `Send`, so a reporter on a worker thread can own one. Every write surfaces its I/O error, so
/// a closed stdout reaches the error edge as EPIPE.
#[derive(Clone)]
pub enum Sink {
    Stdout,
    Stderr,
    #[cfg(test)]
    Buffer(Buffer),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout => io::stdout().write(buf),
            Sink::Stderr => io::stderr().write(buf),
            #[cfg(test)]
            Sink::Buffer(bytes) => {
                bytes.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }

    /// Under one lock, so concurrent writers never interleave inside a line.
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout => io::stdout().lock().write_all(buf),
            Sink::Stderr => io::stderr().lock().write_all(buf),
            #[cfg(test)]
            Sink::Buffer(_) => {
                self.write(buf)?;
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout => io::stdout().flush(),
            Sink::Stderr => io::stderr().flush(),
            #[cfg(test)]
            Sink::Buffer(_) => Ok(()),
        }
    }
}

pub struct Ui {
    stdout: Sink,
    stderr: Sink,
    quiet: bool,
    stdout_terminal: bool,
    stderr_terminal: bool,
    stdout_color: bool,
    stderr_color: bool,
}

impl Ui {
    /// From the parsed command line: `--color` for every command, `--quiet` where it exists.
    pub fn new(cli: &Cli) -> Ui {
        let quiet = match &cli.command {
            Command::Spawn(args) => args.quiet,
            Command::Continue(args) => args.quiet,
            _ => false,
        };
        Ui::with(cli.color, quiet)
    }

    /// For the real streams: colour per stream as [`color::enabled`] decides.
    pub fn with(when: ColorWhen, quiet: bool) -> Ui {
        let stdout_terminal = io::stdout().is_terminal();
        let stderr_terminal = io::stderr().is_terminal();
        let var = |name: &str| std::env::var_os(name);
        Ui {
            stdout: Sink::Stdout,
            stderr: Sink::Stderr,
            quiet,
            stdout_terminal,
            stderr_terminal,
            stdout_color: color::enabled(when, stdout_terminal, &var),
            stderr_color: color::enabled(when, stderr_terminal, &var),
        }
    }

    /// Where data goes: tables, reports, JSON.
    pub fn stdout(&self) -> Sink {
        self.stdout.clone()
    }

    /// Where chatter goes; prefer [`Ui::warning`] and [`Ui::progress`].
    pub fn stderr(&self) -> Sink {
        self.stderr.clone()
    }

    pub fn stdout_is_terminal(&self) -> bool {
        self.stdout_terminal
    }

    /// How to paint what goes to stdout: in colour, or not at all.
    pub fn stdout_paint(&self) -> Paint {
        paint_if(self.stdout_color)
    }

    pub fn stderr_paint(&self) -> Paint {
        paint_if(self.stderr_color)
    }

    /// `table` on stdout, painted as stdout is.
    pub fn table(&self, table: &Table) -> io::Result<()> {
        table.render(&mut self.stdout(), self.stdout_paint())
    }

    /// `value` as JSON on stdout and a newline; `pretty` indents it.
    pub fn json(&self, value: &impl serde::Serialize, pretty: bool) -> anyhow::Result<()> {
        let mut text = if pretty {
            serde_json::to_vec_pretty(value)?
        } else {
            serde_json::to_vec(value)?
        };
        text.push(b'\n');
        self.stdout().write_all(&text)?;
        Ok(())
    }

    /// `warning: message` on stderr, unless quiet. A stderr that cannot be written is no
    /// reason to fail the command.
    pub fn warning(&self, message: &str) {
        if !self.quiet {
            let prefix = self.stderr_paint()(Tone::Warning, "warning:");
            let _ = self
                .stderr()
                .write_all(format!("{prefix} {message}\n").as_bytes());
        }
    }

    /// How a run shows its progress: nothing when quiet, the live view when stderr is a
    /// terminal, else one plain line per change.
    /// The live view ends with the bell and a desktop notification when `bell` (`agents.bell`).
    pub fn progress(&self, tasks: &[String], bell: bool) -> Box<dyn Reporter> {
        if self.quiet {
            Box::new(Silent)
        } else if self.stderr_terminal {
            Box::new(Terminal::new(tasks, self.stderr_paint()).with_bell(bell))
        } else {
            Box::new(Plain::new(self.stderr()).painted(self.stderr_paint()))
        }
    }

    /// Notes and warnings one line each on stderr, never a live display (`merge --resolve`).
    pub fn notes(&self) -> Box<dyn Reporter> {
        match self.quiet {
            true => Box::new(Silent),
            false => Box::new(Plain::new(self.stderr()).painted(self.stderr_paint())),
        }
    }

    /// Push out what stdout holds, so a closed pipe is noticed before the command succeeds.
    pub fn flush(&self) -> io::Result<()> {
        self.stdout().flush()
    }
}

fn paint_if(color: bool) -> Paint {
    if color {
        color::paint
    } else {
        unpainted
    }
}

#[cfg(test)]
type Buffer = Arc<Mutex<Vec<u8>>>;

#[cfg(test)]
impl Ui {
    /// A Ui writing into buffers, as if neither stream were a terminal.
    fn captured(color: bool, quiet: bool) -> (Ui, Buffer, Buffer) {
        let (out, err) = (Arc::default(), Arc::default());
        let ui = Ui {
            stdout: Sink::Buffer(Arc::clone(&out)),
            stderr: Sink::Buffer(Arc::clone(&err)),
            quiet,
            stdout_terminal: false,
            stderr_terminal: false,
            stdout_color: color,
            stderr_color: color,
        };
        (ui, out, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use git_agents::progress::Event;

    fn text(bytes: &Mutex<Vec<u8>>) -> String {
        String::from_utf8(bytes.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn off_a_terminal_progress_is_plain_lines_and_quiet_is_silent() {
        let queued = Event::Queued { task: "t".into() };
        let (ui, _, err) = Ui::captured(false, false);
        ui.progress(&["t".into()], false).event(&queued);
        assert_eq!(text(&err), "t: queued\n");
        let (ui, _, err) = Ui::captured(false, true);
        ui.progress(&["t".into()], false).event(&queued);
        ui.warning("hidden");
        assert_eq!(text(&err), "");
    }

    #[test]
    fn warnings_and_tables_are_painted_only_with_colour() {
        let mut table = Table::new(&["STATE"]);
        table.push(vec![git_agents::report::table::Cell::toned(
            "done",
            Tone::Good,
        )]);
        for color in [false, true] {
            let (ui, out, err) = Ui::captured(color, false);
            ui.warning("careful");
            ui.table(&table).unwrap();
            assert_eq!(text(&err).contains('\x1b'), color, "{}", text(&err));
            assert_eq!(text(&out).contains("\x1b[32mdone"), color, "{}", text(&out));
        }
    }
}
