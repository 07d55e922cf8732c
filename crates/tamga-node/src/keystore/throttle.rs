//! The PIN throttle: how many wrong PINs in a row each officer key has had (kept in a
//! [`FailureLedger`], on a node its store), how long the next attempt must wait (measured on
//! this process's monotonic clock), and one attempt at a time per key.
//!
//! A [`Throttle`] is made once per process and shared by everything in it that unlocks keys
//! (the running node's or central's shared state; a one-shot CLI command's own). See the
//! module documentation of [`crate::keystore`] for the rules it keeps.

use super::{delay_after, KeystoreError, Result, FREE_ATTEMPTS};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tamga_core::KeyId;

/// An error of a [`FailureLedger`], shown to people as it says.
pub type LedgerError = Box<dyn std::error::Error + Send + Sync>;

/// Where the count of consecutive wrong PINs of each key is kept. Implemented for
/// [`tamga_store::Store`] (a node's own count, in its store: [`tamga_store::Store::pin_failures`])
/// and [`MemoryLedger`] (for tests). Both calls must be durable when they return: an attempt is
/// counted before the KDF runs, and only a count that survives a crash keeps that promise.
pub trait FailureLedger: Send + Sync {
    /// The consecutive wrong PINs counted for `key` (0 if none).
    fn failures(&self, key: &KeyId) -> std::result::Result<u32, LedgerError>;
    /// Sets the count for `key` (0 after a success).
    fn set_failures(&self, key: &KeyId, failures: u32) -> std::result::Result<(), LedgerError>;
}

impl FailureLedger for tamga_store::Store {
    fn failures(&self, key: &KeyId) -> std::result::Result<u32, LedgerError> {
        Ok(self.pin_failures(key)?)
    }

    fn set_failures(&self, key: &KeyId, failures: u32) -> std::result::Result<(), LedgerError> {
        Ok(self.set_pin_failures(key, failures)?)
    }
}

/// A ledger in memory: for tests, and for holding counts only as long as the value lives.
#[derive(Debug, Default)]
pub struct MemoryLedger(Mutex<HashMap<KeyId, u32>>);

impl FailureLedger for MemoryLedger {
    fn failures(&self, key: &KeyId) -> std::result::Result<u32, LedgerError> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(map.get(key).copied().unwrap_or(0))
    }

    fn set_failures(&self, key: &KeyId, failures: u32) -> std::result::Result<(), LedgerError> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if failures == 0 {
            map.remove(key);
        } else {
            map.insert(key.clone(), failures);
        }
        Ok(())
    }
}

/// What an attempt that waits is told of: the key and the seconds it waits.
type Notice = Box<dyn Fn(&KeyId, u64) + Send + Sync>;

/// What a throttle does with an attempt that comes too early.
enum Early {
    /// Refuse it with [`KeystoreError::TryLater`] (a serving node: the officer tries again).
    Refuse,
    /// Wait until it may run, then run it (a one-shot command, whose process starts afresh each
    /// time: refusing would refuse every attempt), telling `notice` first.
    Wait(Notice),
}

/// Per key, what this process has seen.
#[derive(Debug, Default)]
struct Seen {
    /// When the last attempt on this key failed, if one did since the throttle was made (or
    /// since the last success).
    last_failure: Option<Instant>,
}

/// The PIN throttle of one process: see the [module documentation](self). Attempts on one key
/// run one at a time (a lock per key is held across the whole attempt), so concurrent requests
/// each see the count the one before left.
pub struct Throttle {
    ledger: Arc<dyn FailureLedger>,
    created: Instant,
    early: Early,
    keys: Mutex<HashMap<KeyId, Arc<Mutex<Seen>>>>,
    /// Added to the monotonic clock's readings, so tests can pass time without sleeping.
    #[cfg(test)]
    skew: Mutex<Duration>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("created", &self.created)
            .field(
                "waits",
                &matches!(self.early, Early::Wait(_)).then_some("waits instead of refusing"),
            )
            .finish_non_exhaustive()
    }
}

/// How an attempt under the throttle ended, as the keystore reports it.
pub(super) enum Outcome<T> {
    /// The PIN opened the key.
    Opened(T),
    /// The PIN did not open the key (or the file was altered).
    WrongPin,
    /// Something else failed after the attempt was counted; it stays counted.
    Failed(KeystoreError),
}

impl Throttle {
    /// The throttle of a serving process over `ledger`: an attempt that comes before its wait is
    /// over is refused with [`KeystoreError::TryLater`]. Make it once, at the start of the
    /// process, and share it: the first wait of each key is measured from now.
    pub fn new(ledger: Arc<dyn FailureLedger>) -> Throttle {
        Throttle::with(ledger, Early::Refuse)
    }

    /// The throttle of a one-shot command over `ledger`: an attempt that comes before its wait
    /// is over waits for it (at most [`super::MAX_WAIT_SECS`]), after `notice` is told the key
    /// and the seconds, then runs. Each run of the command is a new process, which waits a full
    /// delay from its start, so this gives no more guesses than [`Throttle::new`] does.
    pub fn waiting(
        ledger: Arc<dyn FailureLedger>,
        notice: impl Fn(&KeyId, u64) + Send + Sync + 'static,
    ) -> Throttle {
        Throttle::with(ledger, Early::Wait(Box::new(notice)))
    }

    fn with(ledger: Arc<dyn FailureLedger>, early: Early) -> Throttle {
        Throttle {
            ledger,
            created: Instant::now(),
            early,
            keys: Mutex::new(HashMap::new()),
            #[cfg(test)]
            skew: Mutex::new(Duration::ZERO),
        }
    }

    /// The ledger the counts are kept in.
    pub fn ledger(&self) -> &dyn FailureLedger {
        &*self.ledger
    }

    /// The consecutive wrong PINs counted for `key`.
    pub fn failures(&self, key: &KeyId) -> Result<u32> {
        self.ledger.failures(key).map_err(ledger_error)
    }

    fn now(&self) -> Instant {
        #[cfg(test)]
        {
            Instant::now() + *self.skew.lock().unwrap_or_else(PoisonError::into_inner)
        }
        #[cfg(not(test))]
        {
            Instant::now()
        }
    }

    /// Lets `by` pass on this throttle's clock (tests only).
    #[cfg(test)]
    pub(super) fn advance(&self, by: Duration) {
        *self.skew.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }

    /// The lock of `key`'s attempts.
    fn slot(&self, key: &KeyId) -> Arc<Mutex<Seen>> {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(keys.entry(key.clone()).or_default())
    }

    /// One attempt on `key`, under its lock from start to end: `before` runs first (it may
    /// raise the count, e.g. from a legacy record); then, if the count asks for a wait and it is
    /// not over, the attempt is refused (or waits: [`Throttle::waiting`]) without running
    /// `attempt`; else the attempt is counted as a failure, durably, `attempt` runs (the KDF),
    /// and a success clears the count.
    pub(super) fn attempt<T>(
        &self,
        key: &KeyId,
        before: impl FnOnce(&dyn FailureLedger) -> Result<()>,
        attempt: impl FnOnce() -> Outcome<T>,
    ) -> Result<T> {
        let slot = self.slot(key);
        let mut seen: MutexGuard<'_, Seen> = slot.lock().unwrap_or_else(PoisonError::into_inner);
        before(self.ledger())?;
        let failures = self.failures(key)?;
        let delay = Duration::from_secs(delay_after(failures));
        if !delay.is_zero() {
            // The later of the last failure seen here and the start of this throttle (a failure
            // seen here is always after the start).
            let since = seen.last_failure.unwrap_or(self.created);
            let ready = since + delay;
            let now = self.now();
            if now < ready {
                let left = ready - now;
                match &self.early {
                    Early::Refuse => {
                        return Err(KeystoreError::TryLater {
                            seconds: whole_seconds(left),
                        })
                    }
                    Early::Wait(notice) => {
                        notice(key, whole_seconds(left));
                        std::thread::sleep(left);
                    }
                }
            }
        }

        // Counted before the KDF runs: stopping the process mid-attempt gives no free guess.
        let failed = failures.saturating_add(1);
        self.ledger
            .set_failures(key, failed)
            .map_err(ledger_error)?;
        let outcome = attempt();
        match outcome {
            Outcome::Opened(value) => {
                self.ledger.set_failures(key, 0).map_err(ledger_error)?;
                seen.last_failure = None;
                Ok(value)
            }
            Outcome::WrongPin => {
                // The wait is measured from the answer, once the KDF has run.
                seen.last_failure = Some(self.now());
                Err(KeystoreError::WrongPin {
                    free_attempts_left: FREE_ATTEMPTS.saturating_sub(failed),
                    next_wait_seconds: delay_after(failed),
                })
            }
            Outcome::Failed(e) => {
                seen.last_failure = Some(self.now());
                Err(e)
            }
        }
    }
}

/// A duration as whole seconds, rounded up (a wait of 0.2 s is "1 second").
fn whole_seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

pub(super) fn ledger_error(source: LedgerError) -> KeystoreError {
    KeystoreError::Ledger { source }
}
