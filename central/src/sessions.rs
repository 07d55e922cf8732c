//! Staff sessions and the login throttle, in memory (a restart logs everyone out).
//!
//! A session is a random 256-bit token sent only as an `HttpOnly; Secure; SameSite=Strict`
//! cookie, and a second random token the page sends back in the `X-CSRF-Token` header on every
//! state change (a cross-site form can set neither the header nor the cookie). A session ends
//! at logout or after `idle_seconds` without a request. Failed logins are counted per account
//! name and per client address: from the fifth in a row for a name (the twenty-first for an
//! address, which a whole office may share behind one router), each further try waits a
//! doubling delay (2 s, 4 s, ... up to 15 minutes), answered 429 without checking anything.

use crate::accounts::{Account, StaffRole};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tamga_core::KeyId;

/// The session cookie's name.
pub const COOKIE: &str = "tamga_session";
/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Failures in a row for one account name before the delays start.
pub const FREE_FAILURES: u32 = 4;
/// Failures in a row from one address before the delays start.
pub const FREE_FAILURES_PER_ADDRESS: u32 = 20;
/// The longest delay.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);

/// A logged-in staff member, as each request of theirs carries it.
#[derive(Clone, Debug)]
pub struct StaffSession {
    /// The login name.
    pub username: String,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: StaffRole,
    /// Their signing key, for roles that sign.
    pub key: Option<KeyId>,
    /// The CSRF token.
    pub csrf: String,
}

struct Entry {
    session: StaffSession,
    last_seen: Instant,
}

struct Failures {
    count: u32,
    until: Option<Instant>,
    /// The last attempt counted: a count left alone for [`MAX_DELAY`] starts again.
    last: Instant,
}

/// The sessions and the throttle.
pub struct Sessions {
    idle: Duration,
    live: Mutex<HashMap<String, Entry>>,
    failures: Mutex<HashMap<String, Failures>>,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system's random source");
    hex::encode(bytes)
}

impl Sessions {
    /// Sessions that end after `idle` without a request.
    pub fn new(idle: Duration) -> Self {
        Sessions {
            idle,
            live: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// The idle timeout.
    pub fn idle(&self) -> Duration {
        self.idle
    }

    /// Starts a session for `account`: its token (for the cookie) and the session.
    pub fn start(&self, account: &Account) -> (String, StaffSession) {
        let token = random_token();
        let session = StaffSession {
            username: account.username.clone(),
            name: account.name.clone(),
            role: account.role,
            key: account.key.clone(),
            csrf: random_token(),
        };
        let mut live = self.live.lock().expect("sessions lock");
        let idle = self.idle;
        live.retain(|_, e| e.last_seen.elapsed() < idle);
        live.insert(
            token.clone(),
            Entry {
                session: session.clone(),
                last_seen: Instant::now(),
            },
        );
        (token, session)
    }

    /// The session of `token`, if live; the request counts as activity.
    pub fn touch(&self, token: &str) -> Option<StaffSession> {
        let mut live = self.live.lock().expect("sessions lock");
        let entry = live.get_mut(token)?;
        if entry.last_seen.elapsed() >= self.idle {
            live.remove(token);
            return None;
        }
        entry.last_seen = Instant::now();
        Some(entry.session.clone())
    }

    /// Ends the session of `token`.
    pub fn end(&self, token: &str) {
        self.live.lock().expect("sessions lock").remove(token);
    }

    /// Ends every session of `username` (their account was disabled).
    pub fn end_all(&self, username: &str) {
        self.live
            .lock()
            .expect("sessions lock")
            .retain(|_, e| e.session.username != username);
    }

    fn keys(username: &str, remote: IpAddr) -> [String; 2] {
        [format!("user:{username}"), format!("addr:{remote}")]
    }

    /// How long a login by `username` from `remote` must still wait, if it must.
    pub fn wait(&self, username: &str, remote: IpAddr) -> Option<Duration> {
        let failures = self.failures.lock().expect("throttle lock");
        Self::wait_in(&failures, username, remote)
    }

    fn wait_in(
        failures: &HashMap<String, Failures>,
        username: &str,
        remote: IpAddr,
    ) -> Option<Duration> {
        Self::keys(username, remote)
            .iter()
            .filter_map(|k| failures.get(k)?.until)
            .filter_map(|until| until.checked_duration_since(Instant::now()))
            .max()
    }

    /// Starts a login attempt: refused with the wait if one is due, else counted as a failure
    /// at once (under one lock), so that attempts made at the same moment each count before
    /// any of them is checked. [`Sessions::succeeded`] takes the count back.
    pub fn try_begin(&self, username: &str, remote: IpAddr) -> Result<(), Duration> {
        let mut failures = self.failures.lock().expect("throttle lock");
        if let Some(wait) = Self::wait_in(&failures, username, remote) {
            return Err(wait);
        }
        Self::count(&mut failures, username, remote);
        Ok(())
    }

    /// Counts a failed login.
    pub fn failed(&self, username: &str, remote: IpAddr) {
        let mut failures = self.failures.lock().expect("throttle lock");
        Self::count(&mut failures, username, remote);
    }

    fn count(failures: &mut HashMap<String, Failures>, username: &str, remote: IpAddr) {
        let now = Instant::now();
        for (key, free) in Self::keys(username, remote)
            .into_iter()
            .zip([FREE_FAILURES, FREE_FAILURES_PER_ADDRESS])
        {
            let f = failures.entry(key).or_insert(Failures {
                count: 0,
                until: None,
                last: now,
            });
            if now.duration_since(f.last) > MAX_DELAY {
                f.count = 0;
                f.until = None;
            }
            f.last = now;
            f.count += 1;
            if f.count > free {
                let doublings = (f.count - free).min(20);
                let delay = Duration::from_secs(1u64 << doublings).min(MAX_DELAY);
                f.until = Some(now + delay);
            }
        }
    }

    /// A good login: the account name's count is cleared, and the attempt
    /// [`Sessions::try_begin`] counted against the address is taken back (not the address's
    /// earlier failures: one good account must not clear the guesses at others from there).
    pub fn succeeded(&self, username: &str, remote: IpAddr) {
        let [name, address] = Self::keys(username, remote);
        let mut failures = self.failures.lock().expect("throttle lock");
        failures.remove(&name);
        if let Some(f) = failures.get_mut(&address) {
            f.count = f.count.saturating_sub(1);
            if f.count <= FREE_FAILURES_PER_ADDRESS {
                f.until = None;
            }
        }
    }
}

/// The session token in a request's `Cookie` header, if any.
pub fn token_of(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Set-Cookie` value that opens a session.
pub fn set_cookie(token: &str) -> String {
    format!("{COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict")
}

/// The `Set-Cookie` value that ends it.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        Account {
            username: "a".into(),
            name: "A".into(),
            personal_number: "1".into(),
            role: StaffRole::Auditor,
            key: None,
            password_hash: String::new(),
            totp_secret: String::new(),
            totp_last_step: 0,
            disabled: false,
            webauthn_user: None,
            security_keys: Vec::new(),
        }
    }

    #[test]
    fn sessions_end_when_idle_or_at_logout() {
        let sessions = Sessions::new(Duration::from_millis(200));
        let (token, s) = sessions.start(&account());
        assert_eq!(s.csrf.len(), 64);
        assert!(sessions.touch(&token).is_some());
        sessions.end(&token);
        assert!(sessions.touch(&token).is_none());
        let (token, _) = sessions.start(&account());
        std::thread::sleep(Duration::from_millis(250));
        assert!(sessions.touch(&token).is_none(), "idle too long");
    }

    #[test]
    fn failures_bring_growing_delays_per_name_and_address() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let addr: IpAddr = "10.0.0.7".parse().unwrap();
        let elsewhere: IpAddr = "10.0.0.8".parse().unwrap();
        for _ in 0..FREE_FAILURES {
            sessions.failed("a", addr);
            assert!(sessions.wait("a", addr).is_none());
        }
        sessions.failed("a", addr);
        assert!(sessions.wait("a", addr).is_some());
        assert!(
            sessions.wait("a", elsewhere).is_some(),
            "the name from anywhere"
        );
        assert!(
            sessions.wait("b", addr).is_none(),
            "others behind the address"
        );
        sessions.succeeded("a", addr);
        assert!(sessions.wait("a", addr).is_none());
        // Guessing across many names from one address: the address waits too.
        for n in 0..=FREE_FAILURES_PER_ADDRESS {
            sessions.failed(&format!("name{n}"), addr);
        }
        assert!(
            sessions.wait("b", addr).is_some(),
            "the address is throttled"
        );
        assert!(sessions.wait("b", elsewhere).is_none());
    }

    #[test]
    fn attempts_count_before_they_are_checked() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let addr: IpAddr = "10.0.0.9".parse().unwrap();
        // Five attempts begun at once (none finished): the sixth waits.
        for _ in 0..=FREE_FAILURES {
            assert!(sessions.try_begin("a", addr).is_ok());
        }
        assert!(sessions.try_begin("a", addr).is_err());
        // Good logins from an office take their attempts back.
        let office: IpAddr = "10.0.0.10".parse().unwrap();
        for n in 0..100 {
            let name = format!("staff{n}");
            sessions.try_begin(&name, office).unwrap();
            sessions.succeeded(&name, office);
        }
        assert!(sessions.wait("someone", office).is_none());
    }

    #[test]
    fn the_cookie_is_read_strictly() {
        let mut h = axum::http::HeaderMap::new();
        let token = "ab".repeat(32);
        h.insert("cookie", format!("x=1; {COOKIE}={token}").parse().unwrap());
        assert_eq!(token_of(&h), Some(token));
        h.insert("cookie", format!("{COOKIE}=../etc").parse().unwrap());
        assert_eq!(token_of(&h), None);
    }
}
