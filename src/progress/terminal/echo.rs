//! While the live view is on screen the terminal does not echo control keys as `^C`.
//!
//! indicatif leaves the cursor at the right edge of the view's last line, so that the next
//! write starts a new line. A `^C` the terminal echoes there wraps onto a line the view does not
//! know of, and every later frame is drawn one line too low, leaving a stale first line above
//! it. Without ECHOCTL the terminal echoes the key as the bare control byte, which moves
//! nothing. The setting is put back when the view ends; were the process killed outright, only
//! the `^C` echo would stay off.

use nix::sys::termios::{tcgetattr, tcsetattr, LocalFlags, SetArg, Termios};

pub struct QuietControls {
    saved: Option<Termios>,
}

impl QuietControls {
    /// Turn ECHOCTL off on stderr's terminal, if it is one and has it on.
    pub fn new() -> QuietControls {
        let stderr = std::io::stderr();
        let saved = tcgetattr(&stderr)
            .ok()
            .filter(|t| t.local_flags.contains(LocalFlags::ECHOCTL));
        if let Some(saved) = &saved {
            let mut quiet = saved.clone();
            quiet.local_flags.remove(LocalFlags::ECHOCTL);
            let _ = tcsetattr(&stderr, SetArg::TCSANOW, &quiet);
        }
        QuietControls { saved }
    }

    /// Put the terminal's setting back.
    pub fn restore(&mut self) {
        if let Some(saved) = self.saved.take() {
            let _ = tcsetattr(std::io::stderr(), SetArg::TCSANOW, &saved);
        }
    }
}

impl Drop for QuietControls {
    fn drop(&mut self) {
        self.restore();
    }
}
