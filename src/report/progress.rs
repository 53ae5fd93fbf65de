//! A progress line on stderr for long scans, drawn only when stderr is a terminal: items done
//! out of the total, redrawn at most ten times a second from whichever worker ticks.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Scans with fewer items than this finish before a progress line would help.
const MIN_ITEMS: usize = 2000;

/// Shared progress of one run.
pub struct Progress {
    total: usize,
    done: AtomicUsize,
    last: Mutex<Instant>,
    started: Instant,
}

impl Progress {
    /// A progress line for `total` items, or `None` when stderr is not a terminal or the run is
    /// short.
    pub fn for_terminal(total: usize) -> Option<Progress> {
        (total >= MIN_ITEMS && std::io::stderr().is_terminal()).then(|| Progress {
            total,
            done: AtomicUsize::new(0),
            last: Mutex::new(Instant::now()),
            started: Instant::now(),
        })
    }

    /// One item done.
    pub fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let Ok(mut last) = self.last.try_lock() else {
            return;
        };
        if last.elapsed() < Duration::from_millis(100) && done < self.total {
            return;
        }
        *last = Instant::now();
        let pct = done * 100 / self.total.max(1);
        let secs = self.started.elapsed().as_secs();
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2Kgit-outbound: {done}/{} items ({pct}%), {secs}s",
            self.total
        );
        let _ = err.flush();
    }

    /// Clears the line.
    pub fn finish(&self) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}
