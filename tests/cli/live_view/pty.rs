//! A pseudo-terminal for the live view: the binary's stderr is its slave side, and what the
//! binary writes is played into a terminal emulator (vt100) to see the screen a user sees.

use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use rustix::termios::{tcsetwinsize, Winsize};

pub struct Pty {
    master: OwnedFd,
    slave: File,
    bytes: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

fn size(rows: u16, cols: u16) -> Winsize {
    Winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

impl Pty {
    pub fn new(rows: u16, cols: u16) -> Pty {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name.to_str().unwrap())
            .unwrap();
        tcsetwinsize(&slave, size(rows, cols)).unwrap();
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let mut master = File::from(master.try_clone().unwrap());
            let bytes = Arc::clone(&bytes);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                // Ends with EIO once every slave descriptor is closed.
                while let Ok(n @ 1..) = master.read(&mut buf) {
                    bytes.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            })
        };
        Pty {
            master,
            slave,
            bytes,
            reader: Some(reader),
        }
    }

    /// The slave side, for a child's stdout or stderr.
    pub fn slave(&self) -> Stdio {
        Stdio::from(self.slave.try_clone().unwrap())
    }

    /// The slave side itself, to read the terminal's settings.
    pub fn slave_fd(&self) -> &File {
        &self.slave
    }

    /// Type `bytes` at the terminal, as a user does.
    pub fn type_bytes(&self, bytes: &[u8]) {
        use std::io::Write;
        File::from(self.master.try_clone().unwrap())
            .write_all(bytes)
            .unwrap();
    }

    /// Change the window size; the child is not in the terminal's session, so the caller sends
    /// its SIGWINCH.
    pub fn resize(&self, rows: u16, cols: u16) {
        tcsetwinsize(&self.master, size(rows, cols)).unwrap();
    }

    /// Everything written so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.lock().unwrap().clone()
    }

    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// Wait until the output holds `text`, at most `secs` seconds.
    pub fn wait_for(&self, text: &str, secs: u64) -> bool {
        self.wait_for_after(0, text, secs)
    }

    /// Wait until the output from byte `at` on holds `text`, at most `secs` seconds.
    pub fn wait_for_after(&self, at: usize, text: &str, secs: u64) -> bool {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if String::from_utf8_lossy(&self.bytes()[at..]).contains(text) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Wait for `child`, close our slave and collect everything it wrote.
    pub fn finish(mut self, child: &mut Child) -> Vec<u8> {
        child.wait().unwrap();
        drop(self.slave);
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        drop(self.master);
        let bytes = self.bytes.lock().unwrap().clone();
        bytes
    }
}

/// The screen after playing `bytes` into a terminal of `rows`×`cols` that changes to `resized`
/// once the output reaches `resize_at` bytes (as the real terminal did).
pub fn screen(bytes: &[u8], rows: u16, cols: u16, resize: Option<(usize, u16, u16)>) -> String {
    let mut parser = vt100::Parser::new(rows, cols, 1000);
    match resize {
        Some((at, r, c)) if at <= bytes.len() => {
            parser.process(&bytes[..at]);
            parser.screen_mut().set_size(r, c);
            parser.process(&bytes[at..]);
        }
        _ => parser.process(bytes),
    }
    let screen = parser.screen();
    let (_, cols) = screen.size();
    let rows: Vec<String> = screen.rows(0, cols).collect();
    rows.join("\n").trim_end().to_owned()
}
