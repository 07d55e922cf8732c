//! A key that keeps the registry, and the registry acts it signs.
//!
//! The customs authority's root key is the root of trust of every tamga node: edge nodes pin its
//! public half at `init`. It stays offline ([`crate::root`]) and enrolls registrar keys; central
//! holds a registrar key and enrolls and revokes officers, staff and devices with it. An
//! [`Authority`] is either: it decides, from the registry as it stands and a request, which act
//! to sign, builds and signs `key_enrolled` and `key_revoked` acts, and refuses requests that
//! would make a wrong, useless or powerless one (a registrar enrolling a registrar, an
//! enrollment reaching back before its act without naming the paper record it carries over).
//! It reads no clock (the time comes in as an argument) and does no I/O beyond reading the key
//! file.
//!
//! Central's registrar key file (`registrar.key`) holds the 32-byte ed25519 seed as 64 hex
//! digits and a line feed, readable by its owner only (a file others can read is refused).

mod lists;

pub use lists::{CalendarRequest, KpParticipantRequest, KpParticipantsRequest, PostRequest};

use ed25519_dalek::{SigningKey, VerifyingKey};
use std::path::Path;
use tamga_core::act::{Holder, KeyEnrolled, KeyRevoked};
use tamga_core::codes::Text;
use tamga_core::registry::{Enrollment, Revocation};
use tamga_core::signing::{key_id, SignError};
use tamga_core::{ActBody, KeyId, Registry, Role, SignedAct, Timestamp, UnitCode};
use zeroize::Zeroizing;

/// The registrar key's file name in central's data directory.
pub const REGISTRAR_KEY_FILE: &str = "registrar.key";

/// Why the authority refused a request, or its key could not be used. Each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum AuthorityError {
    /// The key given is not a usable ed25519 public key.
    #[error("bad key {given:?}: {detail}; give the device's or officer's public key as 64 hex digits, as `tamga-edge init` or the keystore printed it")]
    BadKey {
        /// What was given (cut to 80 characters).
        given: String,
        /// What is wrong with it.
        detail: &'static str,
    },
    /// The key given is the root key or the signing key itself.
    #[error("{0} is the customs authority's root key or the key signing this act: it is never enrolled or revoked by itself; give the key of a device, an officer or another registrar")]
    AuthorityKeyGiven(KeyId),
    /// Only the root key may do this.
    #[error("a registrar may not {0}: only the customs authority's root key may, on the offline machine (tamga-central root ...), and central imports its act file (tamga-central import FILE)")]
    RootOnly(&'static str),
    /// The validity would start before the act, and no paper record is named.
    #[error("the enrollment would be valid from {valid_from}, before now ({now}): an enrollment cannot reach back in time; start it now or later (--valid-from), or, if it carries over a paper record, name that record with --migrated-from")]
    Retroactive {
        /// Valid from.
        valid_from: Timestamp,
        /// The act's time.
        now: Timestamp,
    },
    /// A code or text was refused.
    #[error("{field}: {detail}")]
    BadField {
        /// The option at fault.
        field: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// An officer enrolled without a personal number.
    #[error("a {role} signs with their personal-number seal: give --personal-number (the number on the officer's personal seal)")]
    MissingPersonalNumber {
        /// The role.
        role: &'static str,
    },
    /// A device enrolled with a personal number.
    #[error("a device key has no personal number: leave out --personal-number, or choose the officer's role")]
    DeviceWithPersonalNumber,
    /// The validity does not end after it starts.
    #[error("the enrollment would be valid from {from} until {until}: the end must be after the start; check --valid-from, --valid-until or --valid-days")]
    EmptyValidity {
        /// Valid from.
        from: Timestamp,
        /// Valid until.
        until: Timestamp,
    },
    /// The key is revoked; revocation is final.
    #[error("key {key} was revoked from {effective_from} ({reason}); a revoked key is never enrolled again: have the holder make a new key and enroll that")]
    Revoked {
        /// The key.
        key: KeyId,
        /// From when.
        effective_from: Timestamp,
        /// Why.
        reason: String,
    },
    /// The new enrollment would overlap one in another role, unit or for another person.
    #[error("key {key} is already enrolled as {role} at {unit} for {holder} from {valid_from} until {valid_until}; a key holds one role at one unit at a time: enroll from {valid_until} on (--valid-from), or use a new key")]
    Overlap {
        /// The key.
        key: KeyId,
        /// The existing enrollment's role.
        role: &'static str,
        /// Its unit.
        unit: UnitCode,
        /// Its holder.
        holder: String,
        /// Its start.
        valid_from: Timestamp,
        /// Its end.
        valid_until: Timestamp,
    },
    /// A revocation of a key the registry does not know.
    #[error("key {0} is not enrolled, so there is nothing to revoke; check the key with `tamga-central registry`")]
    UnknownKey(KeyId),
    /// The act could not be signed (a rule of the act format was broken).
    #[error("the act could not be signed: {0}")]
    Sign(#[from] SignError),
    /// The key file could not be read or is not an authority key.
    #[error("{path}: {detail}")]
    KeyFile {
        /// The file.
        path: String,
        /// What is wrong and what to do.
        detail: String,
    },
    /// The system gave no randomness for a new key.
    #[error("no randomness for a new key: {0}; retry, and check the system's random source")]
    NoRandomness(String),
}

/// What staff ask to enroll, as given on the command line: checked by [`Authority::enroll`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrollmentRequest {
    /// The public key, 64 hex digits.
    pub key: String,
    /// The role.
    pub role: Role,
    /// The unit code.
    pub unit: String,
    /// The holder's full name, or the device's name.
    pub holder: String,
    /// The officer's personal number (none for a device).
    pub personal_number: Option<String>,
    /// Valid from (inclusive).
    pub valid_from: Timestamp,
    /// Valid until (exclusive).
    pub valid_until: Timestamp,
    /// The paper record the enrollment carries over (then it may start before now).
    pub migrated_from: Option<String>,
}

/// What staff ask to revoke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationRequest {
    /// The public key, 64 hex digits.
    pub key: String,
    /// Why.
    pub reason: String,
    /// Acts by the key dated at or after this time are invalid.
    pub effective_from: Timestamp,
}

/// The answer to an enrollment request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Enrolling {
    /// A new `key_enrolled` act, signed, to be recorded.
    New(Box<SignedAct>),
    /// The registry already holds an enrollment that says the same (same holder, personal
    /// number, role and unit, covering the whole period asked for): nothing to sign.
    AlreadyEnrolled(Enrollment),
}

/// The answer to a revocation request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revoking {
    /// A new `key_revoked` act, signed, to be recorded.
    New(Box<SignedAct>),
    /// The key is already revoked from this time or earlier: nothing to sign.
    AlreadyRevoked(Revocation),
}

/// A key that signs registry acts: the root key, or a registrar under it.
pub struct Authority {
    key: SigningKey,
    root: KeyId,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Authority({} under root {})", self.id(), self.root)
    }
}

impl Authority {
    /// The root key derived from `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> Authority {
        let key = SigningKey::from_bytes(seed);
        Authority {
            root: key_id(&key),
            key,
        }
    }

    /// This key as a registrar under `root`.
    pub fn under(self, root: KeyId) -> Authority {
        Authority { root, ..self }
    }

    /// Whether this is the root key itself.
    pub fn is_root(&self) -> bool {
        self.id() == self.root
    }

    /// The root key this key answers to.
    pub fn root(&self) -> &KeyId {
        &self.root
    }

    /// A fresh authority key from the system's random source.
    pub fn generate() -> Result<Authority, AuthorityError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|e| AuthorityError::NoRandomness(e.to_string()))?;
        Ok(Authority::from_seed(&seed))
    }

    /// Reads the registrar key file at `path`, a registrar under `root`. Refuses a file that
    /// others than its owner can read.
    pub fn load(path: &Path, root: KeyId) -> Result<Authority, AuthorityError> {
        let shown = path.display().to_string();
        let err = |detail: String| AuthorityError::KeyFile {
            path: shown.clone(),
            detail,
        };
        let text = Zeroizing::new(tamga_node::files::read_private_text(path, 4096).map_err(|e| {
            err(format!(
                "{e}; is this central's data directory (--data-dir)? `tamga-central init` creates it"
            ))
        })?);
        Ok(Authority::from_key_text(&text)
            .map_err(|detail| err(detail.into()))?
            .under(root))
    }

    /// Parses the key file's text.
    pub fn from_key_text(text: &str) -> Result<Authority, &'static str> {
        let mut seed = Zeroizing::new([0u8; 32]);
        let digits = text.trim();
        if digits.len() != 64 || hex::decode_to_slice(digits, seed.as_mut()).is_err() {
            return Err(
                "not a registry key (64 hex digits expected); restore the file from its backup",
            );
        }
        Ok(Authority::from_seed(&seed))
    }

    /// The key file's text: the seed in hex and a line feed. Secret: write it where only
    /// central's user can read it.
    pub fn key_file_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{}\n", hex::encode(self.key.to_bytes())))
    }

    /// This key's public half (for the root: the key every node pins).
    pub fn id(&self) -> KeyId {
        key_id(&self.key)
    }

    /// Its fingerprint, for reading aloud when a node's operator confirms the pinned key.
    pub fn fingerprint(&self) -> String {
        self.id().fingerprint()
    }

    /// Decides an enrollment: checks the request against the act format, the domain's rules and
    /// the registry as it stands, and signs a `key_enrolled` act dated `now` unless the registry
    /// already says the same.
    pub fn enroll(
        &self,
        registry: &Registry,
        request: &EnrollmentRequest,
        now: Timestamp,
    ) -> Result<Enrolling, AuthorityError> {
        let key = self.enrollable_key(&request.key)?;
        if request.role == Role::Registrar && !self.is_root() {
            return Err(AuthorityError::RootOnly("enroll a registrar"));
        }
        let migrated_from = match &request.migrated_from {
            Some(m) => Some(text("--migrated-from", m)?),
            None => None,
        };
        let unit = UnitCode::new(request.unit.trim()).map_err(|e| AuthorityError::BadField {
            field: "--unit",
            detail: format!("{e}"),
        })?;
        let name = text("--name", &request.holder)?;
        let personal_number = match (&request.personal_number, request.role) {
            (
                Some(_),
                Role::Device | Role::Registrar | Role::TransparencyLog | Role::SealOperator,
            ) => return Err(AuthorityError::DeviceWithPersonalNumber),
            (Some(p), _) => Some(text("--personal-number", p)?),
            // A navigation seal operator's key is its monitoring centre's, not a person's.
            (None, Role::Device | Role::Registrar | Role::TransparencyLog | Role::SealOperator) => {
                None
            }
            (None, role) => {
                return Err(AuthorityError::MissingPersonalNumber {
                    role: role.as_str(),
                })
            }
        };
        if request.valid_until <= request.valid_from {
            return Err(AuthorityError::EmptyValidity {
                from: request.valid_from,
                until: request.valid_until,
            });
        }
        if let Some(r) = registry.revocation(&key) {
            return Err(AuthorityError::Revoked {
                key,
                effective_from: r.effective_from,
                reason: r.reason.clone(),
            });
        }
        let personal_text = personal_number.as_ref().map(|p| p.to_string());
        for existing in registry.enrollments(&key) {
            let same_duty = existing.role == request.role
                && existing.unit == unit
                && existing.personal_number == personal_text;
            let overlaps = existing.valid_from < request.valid_until
                && request.valid_from < existing.valid_until;
            let covers = existing.valid_from <= request.valid_from
                && request.valid_until <= existing.valid_until;
            if same_duty && covers && existing.holder == name.as_str() {
                return Ok(Enrolling::AlreadyEnrolled(existing.clone()));
            }
            if overlaps && !same_duty {
                return Err(AuthorityError::Overlap {
                    key,
                    role: existing.role.as_str(),
                    unit: existing.unit.clone(),
                    holder: existing.holder.clone(),
                    valid_from: existing.valid_from,
                    valid_until: existing.valid_until,
                });
            }
        }
        if request.valid_from < now && migrated_from.is_none() {
            return Err(AuthorityError::Retroactive {
                valid_from: request.valid_from,
                now,
            });
        }
        let body = ActBody::KeyEnrolled(KeyEnrolled {
            at: now,
            authority: self.id(),
            key,
            holder: Holder {
                name,
                personal_number,
            },
            role: request.role,
            unit,
            valid_from: request.valid_from,
            valid_until: request.valid_until,
            migrated_from,
        });
        Ok(Enrolling::New(Box::new(SignedAct::sign(
            body,
            &[&self.key],
        )?)))
    }

    /// Decides a revocation: the key must be enrolled; a key already revoked from
    /// `effective_from` or earlier needs nothing new. Otherwise signs a `key_revoked` act dated
    /// `now` (a revocation from an earlier time than a recorded one moves it earlier).
    pub fn revoke(
        &self,
        registry: &Registry,
        request: &RevocationRequest,
        now: Timestamp,
    ) -> Result<Revoking, AuthorityError> {
        let key = self.enrollable_key(&request.key)?;
        if registry.enrollments(&key).is_empty() {
            return Err(AuthorityError::UnknownKey(key));
        }
        if registry.is_registrar(&key) && !self.is_root() {
            return Err(AuthorityError::RootOnly("revoke a registrar"));
        }
        if let Some(existing) = registry.revocation(&key) {
            if existing.effective_from <= request.effective_from {
                return Ok(Revoking::AlreadyRevoked(existing.clone()));
            }
        }
        Ok(Revoking::New(Box::new(self.sign_revocation(request, now)?)))
    }

    /// Signs a `key_revoked` act dated `now` as asked, without consulting a registry: for the
    /// root on its offline machine, which has none (central checks the act when it imports it).
    pub fn sign_revocation(
        &self,
        request: &RevocationRequest,
        now: Timestamp,
    ) -> Result<SignedAct, AuthorityError> {
        let key = self.enrollable_key(&request.key)?;
        let reason = text("--reason", &request.reason)?;
        let body = ActBody::KeyRevoked(KeyRevoked {
            at: now,
            authority: self.id(),
            key,
            effective_from: request.effective_from,
            reason,
        });
        Ok(SignedAct::sign(body, &[&self.key])?)
    }

    /// A key that may be enrolled or revoked: a valid ed25519 public key that is neither the
    /// root's nor this key's own.
    fn enrollable_key(&self, given: &str) -> Result<KeyId, AuthorityError> {
        let key = parse_key(given)?;
        if key == self.id() || key == self.root {
            return Err(AuthorityError::AuthorityKeyGiven(key));
        }
        Ok(key)
    }
}

/// Parses a public key as staff type it: 64 hex digits (either case, surrounding spaces
/// ignored), which must be a valid ed25519 point of full order.
pub fn parse_key(given: &str) -> Result<KeyId, AuthorityError> {
    let bad = |detail| AuthorityError::BadKey {
        given: given.chars().take(80).collect(),
        detail,
    };
    let digits = given.trim().to_ascii_lowercase();
    let mut bytes = [0u8; 32];
    if digits.len() != 64 || hex::decode_to_slice(&digits, &mut bytes).is_err() {
        return Err(bad("not 64 hex digits"));
    }
    let point = VerifyingKey::from_bytes(&bytes)
        .map_err(|_| bad("not a valid ed25519 public key (a digit may be mistyped)"))?;
    if point.is_weak() {
        return Err(bad("a weak ed25519 key that anyone could sign for"));
    }
    Ok(KeyId::new(digits).expect("64 lower-case hex digits"))
}

fn text(field: &'static str, given: &str) -> Result<Text, AuthorityError> {
    Text::new(given.trim()).map_err(|e| AuthorityError::BadField {
        field,
        detail: e.to_string(),
    })
}

/// The registry acts in `acts` that hold under the root key `authority`, each once, in a stable
/// order (the root's first, then by time, then id): the lines of an enrollment file.
pub fn enrollment_acts(authority: &KeyId, acts: Vec<SignedAct>) -> Vec<SignedAct> {
    let (_, refused) = Registry::from_acts(authority.clone(), &acts);
    let refused: std::collections::BTreeSet<_> = refused.into_iter().map(|(id, _)| id).collect();
    let mut acts: Vec<SignedAct> = acts
        .into_iter()
        .filter(|a| !refused.contains(&a.id()))
        .collect();
    // The root's acts first: a registrar's acts hold only once its enrollment is known, and
    // nodes may record the file line by line.
    acts.sort_by_key(|a| {
        (
            a.body().required_signers()[0] != authority,
            a.body().at(),
            a.id(),
        )
    });
    acts.dedup_by_key(|a| a.id());
    acts
}

/// An enrollment file's bytes: each act's canonical encoding ([`SignedAct::encode`]) and a line
/// feed.
pub fn enrollment_file(acts: &[SignedAct]) -> Vec<u8> {
    let mut out = Vec::new();
    for act in acts {
        out.extend_from_slice(&act.encode());
        out.push(b'\n');
    }
    out
}

/// Parses a time as staff type it: RFC 3339 with any offset (`2026-11-23T08:30:00Z`,
/// `2026-11-23T14:30:00+06:00`), or a date alone (`2026-11-23`, meaning 00:00 UTC). Whole
/// seconds only.
pub fn parse_time(given: &str) -> Result<Timestamp, String> {
    let given = given.trim();
    if let Ok(t) = Timestamp::parse(given) {
        return Ok(t);
    }
    let expected = "expected RFC 3339 like 2026-11-23T08:30:00Z or 2026-11-23T14:30:00+06:00, or a date like 2026-11-23 (00:00 UTC)";
    let seconds = if let Ok(t) = chrono::DateTime::parse_from_rfc3339(given) {
        if t.timestamp_subsec_nanos() != 0 {
            return Err(format!(
                "{given:?}: give whole seconds, without a fraction ({expected})"
            ));
        }
        t.timestamp()
    } else if let Ok(d) = chrono::NaiveDate::parse_from_str(given, "%Y-%m-%d") {
        d.and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc()
            .timestamp()
    } else {
        return Err(format!("{given:?}: {expected}"));
    };
    Timestamp::from_unix(seconds).ok_or_else(|| format!("{given:?} is out of range"))
}

#[cfg(test)]
mod tests;
