//! Live updates: a reader waits for the next write instead of polling on a timer.

use super::{Crm, Result};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// Wakes waiters after each write made through a facade sharing it. Writes from other
/// processes (redb lets several write) never pass here, so waiters also look at the journal
/// head every [`POLL`].
#[derive(Debug, Default)]
pub struct Changes {
    writes: Mutex<u64>,
    cv: Condvar,
}

/// How often a waiter looks at the journal head for writes made elsewhere.
pub const POLL: Duration = Duration::from_millis(250);

impl Changes {
    pub fn notify(&self) {
        let mut n = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        *n = n.wrapping_add(1);
        self.cv.notify_all();
    }

    /// Waits until a write is notified or `timeout` passes, whichever is first.
    fn wait(&self, timeout: Duration) {
        let n = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        let seen = *n;
        let _ = self.cv.wait_timeout_while(n, timeout, |n| *n == seen);
    }
}

impl Crm {
    /// The journal head once it is past `after` (something was written since the caller
    /// looked), or the unchanged head after `timeout_ms`. A long poll: the TUI's watcher and
    /// remote clients call it in a loop to see other people's changes within a second.
    pub fn wait_changes(&self, after: u64, timeout_ms: u32) -> Result<u64> {
        let deadline = Instant::now() + Duration::from_millis(timeout_ms.min(60_000) as u64);
        loop {
            let head = self.store().journal_head()?;
            let now = Instant::now();
            if head > after || now >= deadline {
                return Ok(head);
            }
            self.changes.wait((deadline - now).min(POLL));
        }
    }
}
