use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use git_agents::error::exit;
use git_agents::status::{self, StatusOptions, StatusReport};

use super::failure::UsageError;
use super::ui::Ui;
use crate::cli::status::StatusArgs;

pub fn run(ui: &mut Ui, cwd: &Path, args: StatusArgs) -> Result<i32> {
    let mut options = StatusOptions::new();
    options.tasks = args.tasks.clone();
    options.into = args.into.clone();
    options.all = args.all;
    match args.watch {
        None => {
            // A signal while a worktree's stat data is refreshed must not leave its index.lock.
            let stop = super::signals::defer()?;
            let report = status::collect(cwd, &options)?;
            if stop.load(Ordering::SeqCst) {
                return Ok(exit::INTERRUPTED);
            }
            print(ui, &report, &args, None)?;
        }
        Some(secs) => watch(ui, cwd, &options, &args, secs)?,
    }
    Ok(exit::OK)
}

/// Redraw until Ctrl-C: in place on a terminal, one table (or JSON line) after another otherwise.
fn watch(
    ui: &mut Ui,
    cwd: &Path,
    options: &StatusOptions,
    args: &StatusArgs,
    secs: f64,
) -> Result<()> {
    if !(secs.is_finite() && secs > 0.0) {
        return Err(UsageError {
            message: format!("--watch {secs}: the interval must be a positive number of seconds"),
            hint: "try --watch 2".into(),
        }
        .into());
    }
    let interval = Duration::from_secs_f64(secs.max(0.1));
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    let mut first = true;
    while !stop.load(Ordering::SeqCst) {
        let report = status::collect(cwd, options)?;
        print(ui, &report, args, Some(first))?;
        first = false;
        let until = Instant::now() + interval;
        while !stop.load(Ordering::SeqCst) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Ok(())
}

/// `watching`: `None` for a single report, else whether this is the first refresh.
fn print(
    ui: &mut Ui,
    report: &StatusReport,
    args: &StatusArgs,
    watching: Option<bool>,
) -> Result<()> {
    let mut buf = Vec::new();
    if args.json {
        if watching.is_some() {
            serde_json::to_writer(&mut buf, report)?;
        } else {
            serde_json::to_writer_pretty(&mut buf, report)?;
        }
        buf.push(b'\n');
    } else {
        match watching {
            Some(_) if ui.stdout_is_terminal() => {
                // Home the cursor and clear the screen, then draw.
                buf.extend_from_slice(b"\x1b[H\x1b[2J");
                let secs = args.watch.unwrap_or_default();
                writeln!(
                    buf,
                    "every {secs}s, ahead/behind {}; Ctrl-C to stop\n",
                    report.target.name
                )?;
            }
            Some(false) => buf.push(b'\n'),
            _ => {}
        }
        status::write_table(&mut buf, report, ui.stdout_paint())?;
    }
    // One write per refresh, so a redraw never shows half a table.
    let mut stdout = ui.stdout();
    stdout.write_all(&buf)?;
    stdout.flush()?;
    Ok(())
}
