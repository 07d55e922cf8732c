//! The audit trail: who did what at headquarters, tamper-evident.
//!
//! Every login (and failure), logout, view of a consignment, report, export, evidence package,
//! resolution, countersignature, enrollment, revocation and account change is appended to
//! `audit.log` in central's data directory, one JSON line each, made durable (fdatasync) before
//! the request is answered. Each line carries the SHA-256 of the line before it (`prev`) and its
//! own hash over `tamga/audit/v1\0`, `prev` and the RFC 8785 bytes of its other members, so a
//! line changed, removed or inserted breaks the chain from there on ([`verify`]). Auditors read
//! it at `GET /api/audit` and as CSV at `GET /api/audit.csv`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tamga_core::Timestamp;

/// The trail's file in central's data directory.
pub const AUDIT_FILE: &str = "audit.log";

/// The `prev` of the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, as one line records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// When (UTC).
    pub at: Timestamp,
    /// The account name (as typed, for a failed login).
    pub username: String,
    /// Their role, once logged in.
    pub role: Option<String>,
    /// The client's address.
    pub remote: String,
    /// What: `login`, `login_failed`, `logout`, `view_consignment`, `report`, `export`,
    /// `evidence`, `resolve`, `countersign`, `enroll`, `revoke`, `account`, `denied`.
    pub action: String,
    /// What it was about (a consignment, a path, a key).
    pub subject: String,
    /// How it ended: `ok`, or the status and reason.
    pub outcome: String,
}

/// One line of the trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// Its number, from 1.
    pub seq: u64,
    /// The event.
    #[serde(flatten)]
    pub event: Event,
    /// The hash of the line before (or [`GENESIS`]).
    pub prev: String,
    /// This line's hash.
    pub hash: String,
}

fn line_hash(seq: u64, event: &Event, prev: &str) -> String {
    #[derive(Serialize)]
    struct Hashed<'a> {
        seq: u64,
        #[serde(flatten)]
        event: &'a Event,
    }
    let body = serde_jcs::to_vec(&Hashed { seq, event }).expect("serializes");
    let mut h = Sha256::new();
    h.update(b"tamga/audit/v1\0");
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(&body);
    hex::encode(h.finalize())
}

/// Checks the chain of `text` (the file's contents): the lines, or where and why it breaks.
pub fn verify(text: &str) -> Result<Vec<Line>, String> {
    let mut prev = GENESIS.to_owned();
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line: Line =
            serde_json::from_str(raw).map_err(|e| format!("line {n} is not an audit line: {e}"))?;
        if line.seq != n as u64 {
            return Err(format!("line {n} says it is number {}", line.seq));
        }
        if line.prev != prev {
            return Err(format!(
                "line {n} does not follow line {}: a line was removed, inserted or changed",
                n - 1
            ));
        }
        if line.hash != line_hash(line.seq, &line.event, &line.prev) {
            return Err(format!("line {n} was changed after it was written"));
        }
        prev = line.hash.clone();
        lines.push(line);
    }
    Ok(lines)
}

/// The account name the trail gives the administration CLI on central's machine.
pub const CLI: &str = "central-cli";

/// What the administration CLI did (`enroll`, `revoke`, `accounts`, ...), with the HTTP status
/// it got (200 and 201 are `ok`), or 0 when it worked on the data directory itself.
pub fn cli_event(what: &str, status: u16) -> Event {
    Event {
        at: Timestamp::now(),
        username: CLI.to_owned(),
        role: None,
        remote: "central's machine".to_owned(),
        action: what.to_owned(),
        subject: String::new(),
        outcome: match status {
            0 | 200 | 201 => "ok".to_owned(),
            other => other.to_string(),
        },
    }
}

/// Appends `event` to the trail in central's data directory `dir` (the CLI, working on the
/// data directory while no server runs).
pub fn note_in(dir: &Path, event: Event) {
    match Audit::open(dir) {
        Ok(audit) => audit.note(event),
        Err(e) => tracing::error!(error = %e, "the audit trail could not be opened"),
    }
}

struct Tail {
    seq: u64,
    hash: String,
    /// Where the chain broke when the file was read at start, if it did.
    broken: Option<String>,
}

/// The trail, appended to by the running server.
pub struct Audit {
    path: PathBuf,
    tail: Mutex<Tail>,
}

impl Audit {
    /// Opens the trail of central's data directory `dir`, checking its chain. A broken chain is
    /// kept and reported (new lines go on from its last line), never mended.
    pub fn open(dir: &Path) -> Result<Audit, String> {
        let path = dir.join(AUDIT_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let tail = match verify(&text) {
            Ok(lines) => Tail {
                seq: lines.last().map_or(0, |l| l.seq),
                hash: lines.last().map_or(GENESIS.to_owned(), |l| l.hash.clone()),
                broken: None,
            },
            Err(why) => {
                tracing::error!(file = %path.display(), %why, "the audit trail's chain is broken; it is kept as found and reported to auditors");
                let last: Option<Line> = text
                    .lines()
                    .last()
                    .and_then(|l| serde_json::from_str(l).ok());
                Tail {
                    seq: last.as_ref().map_or(text.lines().count() as u64, |l| l.seq),
                    hash: last.map_or(GENESIS.to_owned(), |l| l.hash),
                    broken: Some(why),
                }
            }
        };
        Ok(Audit {
            path,
            tail: Mutex::new(tail),
        })
    }

    /// Appends `event`, durable when this returns.
    pub fn record(&self, event: Event) -> Result<Line, String> {
        let mut tail = self.tail.lock().expect("audit lock");
        let seq = tail.seq + 1;
        let hash = line_hash(seq, &event, &tail.hash);
        let line = Line {
            seq,
            event,
            prev: tail.hash.clone(),
            hash,
        };
        let mut text = serde_json::to_string(&line).expect("serializes");
        text.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        let before = file
            .metadata()
            .map_err(|e| format!("{}: {e}", self.path.display()))?
            .len();
        if let Err(e) = file
            .write_all(text.as_bytes())
            .and_then(|_| file.sync_data())
        {
            // A line half written (a full disk) is taken back, so the next one starts clean.
            let _ = file.set_len(before);
            return Err(format!("{}: {e}", self.path.display()));
        }
        tail.seq = seq;
        tail.hash = line.hash.clone();
        Ok(line)
    }

    /// Records `event`, logging (not failing) if the file cannot be written.
    pub fn note(&self, event: Event) {
        if let Err(e) = self.record(event) {
            tracing::error!(error = %e, "an audit line could not be written");
        }
    }

    /// The whole trail as read now, and whether its chain holds (the reason if not, also when
    /// it was already broken at start).
    pub fn read(&self) -> Result<(Vec<Line>, Option<String>), String> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("{}: {e}", self.path.display())),
        };
        let at_start = self.tail.lock().expect("audit lock").broken.clone();
        match verify(&text) {
            Ok(lines) => Ok((lines, at_start)),
            Err(why) => {
                let lines = text
                    .lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect();
                Ok((lines, Some(why)))
            }
        }
    }
}

/// A cell as a spreadsheet reads it safely: text that would start a formula (`=`, `+`, `-`,
/// `@`, a tab or a carriage return: a user name typed at a failed login, say) gets a leading
/// `'`.
fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// The trail as CSV (RFC 4180), one row per line; no cell can start a formula.
pub fn to_csv(lines: &[Line]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "seq", "at", "username", "role", "remote", "action", "subject", "outcome", "prev", "hash",
    ]);
    for l in lines {
        let _ = w.write_record([
            l.seq.to_string(),
            l.event.at.to_rfc3339(),
            cell(&l.event.username),
            cell(&l.event.role.clone().unwrap_or_default()),
            cell(&l.event.remote),
            cell(&l.event.action),
            cell(&l.event.subject),
            cell(&l.event.outcome),
            l.prev.clone(),
            l.hash.clone(),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str) -> Event {
        Event {
            at: Timestamp::parse("2026-12-04T08:00:00Z").unwrap(),
            username: "auditor1".into(),
            role: Some("auditor".into()),
            remote: "10.0.0.7:51000".into(),
            action: action.into(),
            subject: "10609050/231126/0000123".into(),
            outcome: "ok".into(),
        }
    }

    #[test]
    fn the_chain_shows_any_line_changed_removed_or_inserted() {
        let dir = tempfile::tempdir().unwrap();
        let audit = Audit::open(dir.path()).unwrap();
        for a in ["login", "view_consignment", "export", "logout"] {
            audit.record(event(a)).unwrap();
        }
        let (lines, broken) = audit.read().unwrap();
        assert_eq!(lines.len(), 4);
        assert!(broken.is_none());
        // Reopened, it goes on from its last line.
        let audit = Audit::open(dir.path()).unwrap();
        audit.record(event("login")).unwrap();
        let text = std::fs::read_to_string(dir.path().join(AUDIT_FILE)).unwrap();
        assert_eq!(verify(&text).unwrap().len(), 5);

        let changed = text.replacen("view_consignment", "view_consignmenT", 1);
        assert!(verify(&changed).unwrap_err().contains("line 2 was changed"));
        let removed: String = text
            .lines()
            .enumerate()
            .filter(|(i, _)| *i != 2)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        assert!(verify(&removed).is_err());
        // Broken on disk: reported at start and on reading, never mended.
        std::fs::write(dir.path().join(AUDIT_FILE), &changed).unwrap();
        let audit = Audit::open(dir.path()).unwrap();
        audit.record(event("login")).unwrap();
        let (_, broken) = audit.read().unwrap();
        assert!(broken.unwrap().contains("line 2"));

        let mut formula = event("login_failed");
        formula.username = "=HYPERLINK(\"http://x/\")".into();
        let audit = Audit::open(dir.path()).unwrap();
        let line = audit.record(formula).unwrap();
        let csv = String::from_utf8(to_csv(&[line])).unwrap();
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
        let csv = String::from_utf8(to_csv(&verify(&text).unwrap())).unwrap();
        assert!(csv.starts_with("seq,at,username"));
        assert!(
            csv.contains("\"10609050/231126/0000123\"") || csv.contains("10609050/231126/0000123")
        );
    }
}
