//! Waiting for a condition, with a deadline.

use std::time::{Duration, Instant};

/// How long [`wait_for`] waits.
pub const WAIT: Duration = Duration::from_secs(30);

/// Polls `done` every 200 ms until it holds; panics naming `what` after [`WAIT`].
pub fn wait_for(what: &str, done: impl FnMut() -> bool) {
    wait_for_within(what, WAIT, done);
}

/// Polls `done` every 200 ms until it holds; panics naming `what` after `limit`.
pub fn wait_for_within(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < limit,
            "{what} (not within {} s)",
            limit.as_secs_f64()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_returns_once_the_condition_holds() {
        let mut n = 0;
        wait_for("three polls", || {
            n += 1;
            n == 3
        });
        assert_eq!(n, 3);
    }

    #[test]
    #[should_panic(expected = "never")]
    fn it_panics_naming_what_it_waited_for() {
        wait_for_within("never", Duration::from_millis(300), || false);
    }
}
