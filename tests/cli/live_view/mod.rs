//! The live view as a terminal shows it: the binary's stderr (and stdout, as in a real terminal)
//! on a pseudo-terminal, its bytes played into a terminal emulator, and the screen read back.

pub mod pty;

use std::process::{Child, Command, Stdio};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::common::{seal, Env};
use pty::{screen, Pty};

const ROWS: u16 = 40;

pub fn spawn_on(env: &Env, pty: &Pty, args: &[&str]) -> Child {
    let mut cmd = Command::new(crate::common::bin());
    cmd.current_dir(&env.repo)
        .args(["spawn", "--yes"])
        .args(args);
    seal(&mut cmd, &env.home);
    cmd.env("TERM", "xterm-256color")
        .stdin(Stdio::null())
        .stdout(pty.slave())
        .stderr(pty.slave())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, signal: Signal) {
    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
}

/// The live view's rows that show `task`'s line: those above the summary table.
fn rows_of<'a>(screen: &'a str, task: &str) -> Vec<&'a str> {
    screen
        .lines()
        .take_while(|l| !l.starts_with("TASK "))
        .filter(|l| l.contains(task))
        .map(str::trim_end)
        .collect()
}

#[test]
fn lines_show_the_attempt_the_total_time_and_why_a_task_failed_with_names_cut_to_fit() {
    let env = Env::new();
    env.git(&["config", "agents.retryDelay", "100ms"]);
    env.task(
        "flaky",
        "---\ncommand: fake-agent fail-once marker echo working sleep 2 write a.txt 1\n---\n",
    );
    let long = "a-task-with-a-really-quite-long-name-that-goes-on-and-on";
    env.task(long, "---\ncommand: fake-agent write b.txt 1\n---\n");
    env.task(
        "broken",
        "---\ncommand: \"fake-agent echo 'oops: config missing' exit 3\"\n---\n",
    );
    env.commit_all("tasks");
    let pty = Pty::new(ROWS, 70);
    let mut child = spawn_on(&env, &pty, &["--retries", "2", "-j", "3"]);
    assert!(pty.wait_for("2/3 working", 20), "{}", pty.text());
    let bytes = pty.finish(&mut child);
    let screen = screen(&bytes, ROWS, 70, None);

    let flaky = rows_of(&screen, "flaky");
    assert_eq!(flaky.len(), 1, "{screen}");
    assert!(flaky[0].starts_with("✓ flaky"), "{screen}");
    assert!(flaky[0].contains("done"), "{screen}");
    assert!(flaky[0].ends_with("2 attempts"), "{screen}");
    // The clock ran through both attempts: the second alone sleeps 2 s.
    assert!(
        !flaky[0].contains(" 0:00 ") && !flaky[0].contains(" 0:01 "),
        "{screen}"
    );

    let broken = rows_of(&screen, "broken");
    assert_eq!(broken.len(), 1, "{screen}");
    assert!(broken[0].starts_with("✗ broken"), "{screen}");
    assert!(
        broken[0].contains("failed  ") && broken[0].contains("3 attempts · exit 3: oops"),
        "{screen}"
    );

    // A third of the width, cut with an ellipsis; the states still line up.
    let cut = rows_of(&screen, "a-task-with");
    assert_eq!(cut.len(), 1, "{screen}");
    assert!(
        cut[0].starts_with("✓ a-task-with-a-really-q… done"),
        "{screen}"
    );
    let frame: Vec<&str> = screen
        .lines()
        .take_while(|l| !l.starts_with("TASK "))
        .collect();
    assert!(!frame.iter().any(|l| l.contains(long)), "{screen}");
    let column = |row: &str, word: &str| row.find(word).map(|i| row[..i].chars().count());
    assert_eq!(column(cut[0], "done"), column(flaky[0], "done"), "{screen}");
    assert_eq!(
        column(broken[0], "failed"),
        column(flaky[0], "done"),
        "{screen}"
    );

    assert!(
        screen.contains("3 tasks · 2 done · 1 failed"),
        "the total: {screen}"
    );
    assert!(!screen.contains("running"), "{screen}");
}

#[test]
fn the_terminal_echoes_control_keys_again_once_the_view_ends() {
    use rustix::termios::{tcgetattr, LocalModes};
    let env = Env::new();
    env.task(
        "quick",
        "---\ncommand: fake-agent sleep 1 write a.txt 1\n---\n",
    );
    env.commit_all("tasks");
    let pty = Pty::new(ROWS, 80);
    let before = tcgetattr(pty.slave_fd()).unwrap().local_modes;
    assert!(before.contains(LocalModes::ECHOCTL));
    let mut child = spawn_on(&env, &pty, &[]);
    assert!(pty.wait_for("running", 20), "{}", pty.text());
    let during = tcgetattr(pty.slave_fd()).unwrap().local_modes;
    assert!(
        !during.contains(LocalModes::ECHOCTL),
        "off while the view shows"
    );
    child.wait().unwrap();
    let after = tcgetattr(pty.slave_fd()).unwrap().local_modes;
    pty.finish(&mut child);
    assert_eq!(after, before);
}

#[test]
fn ctrl_c_and_a_resize_leave_one_true_frame_and_the_summary_below_it() {
    let env = Env::new();
    env.task("first", "---\ncommand: fake-agent echo started hang\n---\n");
    env.task("second", "---\ncommand: fake-agent hang\n---\n");
    env.commit_all("tasks");
    let pty = Pty::new(ROWS, 80);
    let mut child = spawn_on(&env, &pty, &["-j", "1"]);
    assert!(pty.wait_for("started", 20), "{}", pty.text());
    // Past the first draw: the view is on screen before the terminal narrows.
    assert!(pty.wait_for("1 running", 20), "{}", pty.text());
    let at = pty.bytes().len();
    pty.resize(ROWS, 50);
    signal(&child, Signal::SIGWINCH);
    assert!(pty.wait_for_after(at, "1 running", 20), "{}", pty.text());
    // What a terminal does on Ctrl-C: echo ^C where the cursor is, and interrupt.
    pty.type_bytes(b"\x03");
    signal(&child, Signal::SIGINT);
    let bytes = pty.finish(&mut child);
    let screen = screen(&bytes, ROWS, 80, Some((at, ROWS, 50)));

    let first = rows_of(&screen, "first");
    let second = rows_of(&screen, "second");
    assert_eq!((first.len(), second.len()), (1, 1), "{screen}");
    assert!(first[0].starts_with("✗ first"), "{screen}");
    assert!(first[0].contains("interrupted"), "{screen}");
    assert!(second[0].contains("interrupted") && second[0].ends_with("not started"));
    assert!(!second[0].contains("interrupted: not started: interrupted"));
    for row in screen.lines() {
        assert!(
            row.chars().count() <= 50 || !row.contains(" · "),
            "{screen}"
        );
    }
    assert!(!screen.contains("running"), "no stale line: {screen}");
    assert!(!screen.contains('⠋'), "no spinner left: {screen}");
    // The summary (stdout) starts on a line of its own below the frame.
    let total = screen
        .lines()
        .position(|l| l.contains("2 tasks · 2 interrupted"))
        .unwrap_or_else(|| panic!("{screen}"));
    let after: Vec<&str> = screen.lines().skip(total + 1).collect();
    assert!(
        after.iter().any(|l| l.starts_with("TASK")),
        "summary below the total: {screen}"
    );
}
