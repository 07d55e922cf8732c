//! The customs authority key and the registry acts it signs.
//!
//! The authority key is the root of trust of every tamga node: edge nodes pin its public half at
//! `init`, and a key counts only if a `key_enrolled` act signed by it says so. This module holds
//! the key and decides, from the registry as it stands and a request, which act to sign: it
//! builds and signs `key_enrolled` and `key_revoked` acts and refuses requests that would make a
//! wrong or useless one. It reads no clock (the time comes in as an argument) and does no I/O
//! beyond reading the key file.
//!
//! The key file (`authority.key`) holds the 32-byte ed25519 seed as 64 hex digits and a line
//! feed, readable by its owner only.

use ed25519_dalek::{SigningKey, VerifyingKey};
use std::path::Path;
use tamga_core::act::{Holder, KeyEnrolled, KeyRevoked};
use tamga_core::codes::Text;
use tamga_core::registry::{Enrollment, Revocation};
use tamga_core::signing::{key_id, SignError};
use tamga_core::{ActBody, KeyId, Registry, Role, SignedAct, Timestamp, UnitCode};
use zeroize::Zeroizing;

/// The authority key's file name in central's data directory.
pub const AUTHORITY_KEY_FILE: &str = "authority.key";

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
    /// The key given is the authority's own.
    #[error("{0} is the customs authority key itself: it is pinned by every node, never enrolled; give the key of a device or an officer")]
    AuthorityKeyGiven(KeyId),
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

/// The customs authority: its signing key.
pub struct Authority {
    key: SigningKey,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Authority({})", self.id())
    }
}

impl Authority {
    /// The authority with the key derived from `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> Authority {
        Authority {
            key: SigningKey::from_bytes(seed),
        }
    }

    /// A fresh authority key from the system's random source.
    pub fn generate() -> Result<Authority, AuthorityError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|e| AuthorityError::NoRandomness(e.to_string()))?;
        Ok(Authority::from_seed(&seed))
    }

    /// Reads the key file at `path`. Refuses a file that others than its owner can read.
    pub fn load(path: &Path) -> Result<Authority, AuthorityError> {
        let shown = path.display().to_string();
        let err = |detail: String| AuthorityError::KeyFile {
            path: shown.clone(),
            detail,
        };
        let text = Zeroizing::new(tamga_node::files::read_text_limited(path, 4096).map_err(|e| {
            err(format!(
                "{e}; is this central's data directory (--data-dir)? `tamga-central init` creates it"
            ))
        })?);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|e| err(e.to_string()))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(err(format!(
                    "the customs authority key is readable by others (mode {:o}); make it private with `chmod 600 {shown}` and find out who could have read it",
                    mode & 0o777
                )));
            }
        }
        Authority::from_key_text(&text).map_err(|detail| err(detail.into()))
    }

    /// Parses the key file's text.
    pub fn from_key_text(text: &str) -> Result<Authority, &'static str> {
        let mut seed = Zeroizing::new([0u8; 32]);
        let digits = text.trim();
        if digits.len() != 64 || hex::decode_to_slice(digits, seed.as_mut()).is_err() {
            return Err("not a customs authority key (64 hex digits expected); restore the file from its backup");
        }
        Ok(Authority::from_seed(&seed))
    }

    /// The key file's text: the seed in hex and a line feed. Secret: write it where only
    /// central's user can read it.
    pub fn key_file_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{}\n", hex::encode(self.key.to_bytes())))
    }

    /// The authority's public key, which every node pins.
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
        let unit = UnitCode::new(request.unit.trim()).map_err(|e| AuthorityError::BadField {
            field: "--unit",
            detail: format!("{e}"),
        })?;
        let name = text("--name", &request.holder)?;
        let personal_number = match (&request.personal_number, request.role) {
            (Some(_), Role::Device) => return Err(AuthorityError::DeviceWithPersonalNumber),
            (Some(p), _) => Some(text("--personal-number", p)?),
            (None, Role::Device) => None,
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
        let key = parse_key(&request.key)?;
        if registry.enrollments(&key).is_empty() {
            return Err(AuthorityError::UnknownKey(key));
        }
        let reason = text("--reason", &request.reason)?;
        if let Some(existing) = registry.revocation(&key) {
            if existing.effective_from <= request.effective_from {
                return Ok(Revoking::AlreadyRevoked(existing.clone()));
            }
        }
        let body = ActBody::KeyRevoked(KeyRevoked {
            at: now,
            authority: self.id(),
            key,
            effective_from: request.effective_from,
            reason,
        });
        Ok(Revoking::New(Box::new(SignedAct::sign(
            body,
            &[&self.key],
        )?)))
    }

    /// A key that may be enrolled: a valid ed25519 public key that is not the authority's own.
    fn enrollable_key(&self, given: &str) -> Result<KeyId, AuthorityError> {
        let key = parse_key(given)?;
        if key == self.id() {
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

/// The registry acts in `acts` that hold under `authority`, each once, in a stable order (by
/// time, then id): the lines of an enrollment file.
pub fn enrollment_acts(authority: &KeyId, acts: Vec<SignedAct>) -> Vec<SignedAct> {
    let mut check = Registry::new(authority.clone());
    let mut acts: Vec<SignedAct> = acts
        .into_iter()
        .filter(|a| check.apply(a).is_ok())
        .collect();
    acts.sort_by_key(|a| (a.body().at(), a.id()));
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
mod tests {
    use super::*;
    use tamga_core::fixtures::{at, key, Story};

    fn authority() -> Authority {
        Authority::from_seed(&[7u8; 32])
    }

    fn officer_key() -> KeyId {
        key_id(&key("officer"))
    }

    fn request(role: Role) -> EnrollmentRequest {
        EnrollmentRequest {
            key: officer_key().to_string(),
            role,
            unit: "MANAS-AIRPORT".into(),
            holder: "Aibek Asanov".into(),
            personal_number: Some("KG-0417".into()),
            valid_from: at("2026-01-01T00:00:00Z"),
            valid_until: at("2027-01-01T00:00:00Z"),
        }
    }

    fn now() -> Timestamp {
        at("2026-01-05T09:00:00Z")
    }

    fn enrolled(authority: &Authority, request: &EnrollmentRequest) -> (Registry, SignedAct) {
        let mut registry = Registry::new(authority.id());
        let Enrolling::New(act) = authority.enroll(&registry, request, now()).unwrap() else {
            panic!("a first enrollment is new")
        };
        registry.apply(&act).unwrap();
        (registry, *act)
    }

    #[test]
    fn an_enrollment_is_signed_by_the_authority_and_holds() {
        let authority = authority();
        let (registry, act) = enrolled(&authority, &request(Role::PostOfficer));
        act.verify_signatures().unwrap();
        let ActBody::KeyEnrolled(body) = act.body() else {
            panic!("a key_enrolled act")
        };
        assert_eq!(body.authority, authority.id());
        assert_eq!(body.at, now());
        assert_eq!(
            body.holder.personal_number.as_ref().unwrap().as_str(),
            "KG-0417"
        );
        let e = &registry.enrollments(&officer_key())[0];
        assert_eq!(
            (e.role, e.unit.as_str()),
            (Role::PostOfficer, "MANAS-AIRPORT")
        );
        // The act decodes from its own bytes: it is a valid line of an enrollment file.
        assert_eq!(SignedAct::decode(&act.encode()).unwrap(), act);
    }

    #[test]
    fn keys_are_checked_and_normalized() {
        let upper = officer_key().as_str().to_ascii_uppercase();
        assert_eq!(parse_key(&format!("  {upper} ")).unwrap(), officer_key());
        for bad in ["", "xyz", &"a".repeat(63), &"g".repeat(64)] {
            assert!(
                matches!(parse_key(bad), Err(AuthorityError::BadKey { .. })),
                "{bad}"
            );
        }
        // The identity point is a valid encoding but a weak key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let err = parse_key(&hex::encode(identity)).unwrap_err();
        assert!(err.to_string().contains("weak"), "{err}");
        let authority = authority();
        let mut own = request(Role::Device);
        own.personal_number = None;
        own.key = authority.id().to_string();
        assert!(matches!(
            authority.enroll(&Registry::new(authority.id()), &own, now()),
            Err(AuthorityError::AuthorityKeyGiven(_))
        ));
    }

    #[test]
    fn officers_need_a_personal_number_and_devices_have_none() {
        let authority = authority();
        let registry = Registry::new(authority.id());
        for role in [
            Role::PostOfficer,
            Role::EscortOfficer,
            Role::PreciousMetalsOfficer,
            Role::CentralStaff,
        ] {
            let mut r = request(role);
            r.personal_number = None;
            let err = authority.enroll(&registry, &r, now()).unwrap_err();
            assert!(err.to_string().contains("--personal-number"), "{err}");
        }
        let device = request(Role::Device);
        assert!(matches!(
            authority.enroll(&registry, &device, now()),
            Err(AuthorityError::DeviceWithPersonalNumber)
        ));
        let mut device = device;
        device.personal_number = None;
        assert!(matches!(
            authority.enroll(&registry, &device, now()),
            Ok(Enrolling::New(_))
        ));
    }

    #[test]
    fn bad_fields_and_empty_validity_are_refused() {
        let authority = authority();
        let registry = Registry::new(authority.id());
        let mut r = request(Role::PostOfficer);
        r.unit = "manas airport".into();
        let err = authority.enroll(&registry, &r, now()).unwrap_err();
        assert!(err.to_string().starts_with("--unit"), "{err}");
        let mut r = request(Role::PostOfficer);
        r.holder = "  ".into();
        assert!(authority
            .enroll(&registry, &r, now())
            .unwrap_err()
            .to_string()
            .starts_with("--name"));
        let mut r = request(Role::PostOfficer);
        r.valid_until = r.valid_from;
        assert!(matches!(
            authority.enroll(&registry, &r, now()),
            Err(AuthorityError::EmptyValidity { .. })
        ));
    }

    #[test]
    fn the_same_enrollment_twice_is_a_no_op_and_a_renewal_is_new() {
        let authority = authority();
        let first = request(Role::PostOfficer);
        let (mut registry, act) = enrolled(&authority, &first);
        let later = at("2026-03-01T00:00:00Z");
        match authority.enroll(&registry, &first, later).unwrap() {
            Enrolling::AlreadyEnrolled(e) => assert_eq!(e.act, act.id()),
            other => panic!("expected a no-op, got {other:?}"),
        }
        // A shorter period inside the enrolled one says nothing new either.
        let mut inside = first.clone();
        inside.valid_from = at("2026-06-01T00:00:00Z");
        assert!(matches!(
            authority.enroll(&registry, &inside, later),
            Ok(Enrolling::AlreadyEnrolled(_))
        ));
        // A renewal (same duty, longer) is a new act, and so is a corrected name.
        let mut renewal = first.clone();
        renewal.valid_until = at("2028-01-01T00:00:00Z");
        let Enrolling::New(renewed) = authority.enroll(&registry, &renewal, later).unwrap() else {
            panic!("a renewal is new")
        };
        registry.apply(&renewed).unwrap();
        assert_eq!(registry.enrollments(&officer_key()).len(), 2);
        let mut renamed = first;
        renamed.holder = "Aibek Asanov uulu".into();
        assert!(matches!(
            authority.enroll(&registry, &renamed, later),
            Ok(Enrolling::New(_))
        ));
    }

    #[test]
    fn a_key_holds_one_duty_at_a_time() {
        let authority = authority();
        let (registry, _) = enrolled(&authority, &request(Role::PostOfficer));
        let mut elsewhere = request(Role::PostOfficer);
        elsewhere.unit = "TOKMOK-ROAD".into();
        let err = authority.enroll(&registry, &elsewhere, now()).unwrap_err();
        assert!(matches!(err, AuthorityError::Overlap { .. }), "{err}");
        assert!(err.to_string().contains("2027-01-01T00:00:00Z"), "{err}");
        // From the end of the current enrollment on, the transfer is fine.
        elsewhere.valid_from = at("2027-01-01T00:00:00Z");
        elsewhere.valid_until = at("2028-01-01T00:00:00Z");
        assert!(matches!(
            authority.enroll(&registry, &elsewhere, now()),
            Ok(Enrolling::New(_))
        ));
        let mut other_person = request(Role::PostOfficer);
        other_person.personal_number = Some("KG-9999".into());
        assert!(matches!(
            authority.enroll(&registry, &other_person, now()),
            Err(AuthorityError::Overlap { .. })
        ));
    }

    #[test]
    fn revocation_needs_an_enrolled_key_and_is_final() {
        let authority = authority();
        let mut registry = Registry::new(authority.id());
        let revoke = RevocationRequest {
            key: officer_key().to_string(),
            reason: "personal seal lost".into(),
            effective_from: at("2026-02-01T00:00:00Z"),
        };
        assert!(matches!(
            authority.revoke(&registry, &revoke, now()),
            Err(AuthorityError::UnknownKey(_))
        ));
        let (enrolled_registry, _) = enrolled(&authority, &request(Role::PostOfficer));
        registry = enrolled_registry;
        let Revoking::New(act) = authority.revoke(&registry, &revoke, now()).unwrap() else {
            panic!("a first revocation is new")
        };
        registry.apply(&act).unwrap();
        assert_eq!(
            registry.revocation(&officer_key()).unwrap().effective_from,
            revoke.effective_from
        );
        // Again, or from later: nothing new. From earlier: a new act.
        let mut later = revoke.clone();
        later.effective_from = at("2026-03-01T00:00:00Z");
        for r in [&revoke, &later] {
            assert!(matches!(
                authority.revoke(&registry, r, now()),
                Ok(Revoking::AlreadyRevoked(_))
            ));
        }
        let mut earlier = revoke;
        earlier.effective_from = at("2026-01-20T00:00:00Z");
        assert!(matches!(
            authority.revoke(&registry, &earlier, now()),
            Ok(Revoking::New(_))
        ));
        // A revoked key is not enrolled again.
        let err = authority
            .enroll(&registry, &request(Role::PostOfficer), now())
            .unwrap_err();
        assert!(matches!(err, AuthorityError::Revoked { .. }), "{err}");
    }

    #[test]
    fn the_enrollment_file_holds_each_authority_act_once_in_order() {
        let story = Story::new();
        let mut acts = story.registry_acts();
        acts.push(story.revocation(&story.vehicle_device, story.t(1)));
        let foreign = Story {
            authority: key("another authority"),
            ..Story::new()
        }
        .enrollment(&story.outsider);
        let mut shuffled: Vec<SignedAct> = acts.iter().rev().cloned().collect();
        shuffled.extend(acts.iter().cloned());
        shuffled.push(foreign);
        let ordered = enrollment_acts(&story.authority_id(), shuffled.clone());
        assert_eq!(ordered.len(), acts.len());
        assert_eq!(
            ordered,
            enrollment_acts(&story.authority_id(), shuffled.into_iter().rev().collect())
        );
        assert!(ordered
            .windows(2)
            .all(|w| (w[0].body().at(), w[0].id()) < (w[1].body().at(), w[1].id())));
        let file = enrollment_file(&ordered);
        let lines: Vec<&[u8]> = file
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), ordered.len());
        for (line, act) in lines.iter().zip(&ordered) {
            assert_eq!(&SignedAct::decode(line).unwrap(), act);
        }
    }

    #[test]
    fn the_key_file_round_trips_and_refuses_other_text() {
        let authority = authority();
        let text = authority.key_file_text();
        assert!(text.ends_with('\n'));
        assert_eq!(
            Authority::from_key_text(&text).unwrap().id(),
            authority.id()
        );
        assert!(Authority::from_key_text("not a key").is_err());
        assert_eq!(authority.fingerprint().len(), 19);
    }

    #[test]
    fn times_are_read_as_staff_write_them() {
        let t = |s| parse_time(s).map(|t| t.to_rfc3339());
        assert_eq!(t("2026-11-23T08:30:00Z").unwrap(), "2026-11-23T08:30:00Z");
        assert_eq!(
            t("2026-11-23T14:30:00+06:00").unwrap(),
            "2026-11-23T08:30:00Z"
        );
        assert_eq!(t("2026-11-23").unwrap(), "2026-11-23T00:00:00Z");
        assert!(t("2026-11-23T08:30:00.5Z")
            .unwrap_err()
            .contains("whole seconds"));
        assert!(t("23.11.2026").is_err());
    }
}
