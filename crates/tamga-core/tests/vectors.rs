//! The published test vectors: `tests/vectors/acts.json` (keys and valid acts of every kind, with
//! their canonical bytes, ids, signatures and envelopes) and `tests/vectors/invalid.json` (inputs
//! that must be refused, each with the error code `DecodeError::code()` gives).
//!
//! The files are written by the generator below, never by hand:
//!
//! ```sh
//! TAMGA_WRITE_VECTORS=1 cargo test -p tamga-core --test vectors
//! ```
//!
//! Normally this test only reads the files and checks them: the valid acts with `sha2`,
//! `serde_jcs` and `ed25519-dalek` directly (not tamga's signing code), then with tamga's decoder,
//! and every invalid input against its expected code. It also runs the generator in memory and
//! requires its output to equal the files byte for byte, so any change of the encoding, of an id
//! or of an error code fails here until the vectors are regenerated and the diff reviewed.
//! `docs/act-format.md` is the specification the vectors illustrate.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use tamga_core::act::{
    AccompanyingDocument, ArrivalNotified, Coordinates, Correction, DiscrepancyResolved,
    DocumentCheck, DocumentKind, EscortFields, FollowUp, IncidentFields, IncidentFollowedUp,
    IncidentKind, IncidentReported, PermissionGranted, Permit, Place, RegistrationFields,
    SealBasis, SealChecked, SealEventKind, SealFields, SealGrounds, SealKind, SealRemoved,
    SealReplaced, SealState, Shortage, Trader,
};
use tamga_core::canonical::canonical_bytes;
use tamga_core::codes::DiscrepancyId;
use tamga_core::codes::{CountryCode, Sha256Hex};
use tamga_core::fixtures::legal::roadside;
use tamga_core::fixtures::road::{coordinates, Road, WAYPOINTS};
use tamga_core::fixtures::{at, text, unit, Person, Story, AIRPORT_POST, DEPARTMENT};
use tamga_core::handoff::{CustodyOffer, HandoffError};
use tamga_core::quantity::{parse_decimal, Mass, MassUnit};
use tamga_core::{ActBody, Registry, SealNumber, SignedAct, MAX_ACT_BYTES, SIGNATURE_CONTEXT};

// ---------------------------------------------------------------------------------------------
// The files' shape
// ---------------------------------------------------------------------------------------------

/// `tests/vectors/acts.json`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActsFile {
    format: String,
    about: Vec<String>,
    /// The bytes every signed message starts with, in hex (`tamga/act-signature/v1` and NUL).
    signature_context_hex: String,
    max_act_bytes: usize,
    keys: Vec<KeyVector>,
    acts: Vec<ActVector>,
    /// Custody offers: the custody act signed by the releasing officer only.
    offers: Vec<ActVector>,
}

/// A fixed key. Its seed is SHA-256 of the UTF-8 seed phrase.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyVector {
    name: String,
    seed_phrase: String,
    /// The 32-byte ed25519 secret seed (RFC 8032 private key), hex.
    seed: String,
    /// The 32-byte ed25519 public key, hex: the key id acts name.
    public_key: String,
    /// The role the vectors' registry acts enroll this key in, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<String>,
    /// The unit the vectors' registry acts enroll this key for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unit: Option<String>,
}

/// A valid signed act.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActVector {
    name: String,
    kind: String,
    description: String,
    /// Names (from `keys`) of the signers, in signature order.
    signers: Vec<String>,
    /// The body as JSON.
    body: Value,
    /// RFC 8785 canonical form of `body`, as text (its UTF-8 bytes are hashed).
    canonical_body: String,
    /// SHA-256 of the canonical body bytes, lower-case hex.
    id: String,
    signatures: Vec<SignatureVector>,
    /// The canonical envelope `{"body":...,"signatures":[...]}`: the wire form.
    envelope: String,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureVector {
    key: String,
    signature: String,
}

/// `tests/vectors/invalid.json`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InvalidFile {
    format: String,
    about: Vec<String>,
    cases: Vec<InvalidCase>,
}

/// An input that must be refused.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InvalidCase {
    name: String,
    /// `decode`: decoding a signed act fails with `expected`. `verify`: decoding succeeds and
    /// signature verification fails (`expected` is `bad_signature`). `offer`: decoding a
    /// custody offer fails with `expected`.
    stage: String,
    description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input_hex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input_generated: Option<Generated>,
    expected: String,
}

/// An input too long to print: `prefix`, then `repeat` `count` times, then `suffix`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Generated {
    prefix: String,
    repeat: String,
    count: usize,
    suffix: String,
}

impl InvalidCase {
    fn bytes(&self) -> Vec<u8> {
        match (&self.input, &self.input_hex, &self.input_generated) {
            (Some(text), None, None) => text.as_bytes().to_vec(),
            (None, Some(h), None) => hex::decode(h).expect("input_hex is hex"),
            (None, None, Some(g)) => {
                let mut out = g.prefix.clone();
                out.push_str(&g.repeat.repeat(g.count));
                out.push_str(&g.suffix);
                out.into_bytes()
            }
            _ => panic!(
                "{}: exactly one of input, input_hex, input_generated",
                self.name
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading (and, with TAMGA_WRITE_VECTORS=1, first writing) the files
// ---------------------------------------------------------------------------------------------

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

struct Files {
    acts_text: String,
    invalid_text: String,
    acts: ActsFile,
    invalid: InvalidFile,
}

/// The generated text of both files.
struct GeneratedFiles {
    acts: String,
    invalid: String,
}

fn generated() -> &'static GeneratedFiles {
    static GENERATED: OnceLock<GeneratedFiles> = OnceLock::new();
    GENERATED.get_or_init(|| {
        let (acts, invalid) = generate();
        GeneratedFiles {
            acts: to_text(&acts),
            invalid: to_text(&invalid),
        }
    })
}

fn files() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = vectors_dir();
        if std::env::var_os("TAMGA_WRITE_VECTORS").is_some_and(|v| !v.is_empty() && v != "0") {
            let g = generated();
            std::fs::create_dir_all(&dir).expect("create tests/vectors");
            std::fs::write(dir.join("acts.json"), &g.acts).expect("write acts.json");
            std::fs::write(dir.join("invalid.json"), &g.invalid).expect("write invalid.json");
            eprintln!("wrote {}", dir.display());
        }
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| {
                panic!(
                    "cannot read tests/vectors/{name} ({e}); generate it with \
                     TAMGA_WRITE_VECTORS=1 cargo test -p tamga-core --test vectors"
                )
            })
        };
        let acts_text = read("acts.json");
        let invalid_text = read("invalid.json");
        Files {
            acts: serde_json::from_str(&acts_text).expect("acts.json has the expected shape"),
            invalid: serde_json::from_str(&invalid_text)
                .expect("invalid.json has the expected shape"),
            acts_text,
            invalid_text,
        }
    })
}

fn to_text<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("vectors serialize");
    text.push('\n');
    text
}

// ---------------------------------------------------------------------------------------------
// Checks of the files
// ---------------------------------------------------------------------------------------------

fn hex32(text: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).unwrap_or_else(|e| panic!("{text}: {e}"));
    out
}

fn message(id: &[u8; 32]) -> Vec<u8> {
    let mut m = b"tamga/act-signature/v1\0".to_vec();
    m.extend_from_slice(id);
    m
}

#[test]
fn keys_derive_from_their_seed_phrases() {
    let f = &files().acts;
    assert_eq!(f.signature_context_hex, hex::encode(SIGNATURE_CONTEXT));
    assert_eq!(
        hex::decode(&f.signature_context_hex).unwrap(),
        b"tamga/act-signature/v1\0"
    );
    assert_eq!(f.max_act_bytes, MAX_ACT_BYTES);
    assert!(f.keys.len() >= 8);
    for k in &f.keys {
        let seed: [u8; 32] = Sha256::digest(k.seed_phrase.as_bytes()).into();
        assert_eq!(hex::encode(seed), k.seed, "{}: seed", k.name);
        let public = SigningKey::from_bytes(&seed).verifying_key();
        assert_eq!(hex::encode(public.as_bytes()), k.public_key, "{}", k.name);
        let phrase_name = k
            .seed_phrase
            .strip_prefix("tamga fixture key: ")
            .expect("fixture seed phrase");
        let fixture = tamga_core::fixtures::key(phrase_name);
        assert_eq!(fixture.to_bytes(), seed, "{}: fixtures::key", k.name);
    }
}

#[test]
fn valid_acts_hold_independently_of_tamga() {
    let f = &files().acts;
    let keys: BTreeMap<&str, &KeyVector> = f.keys.iter().map(|k| (k.name.as_str(), k)).collect();
    let mut kinds = std::collections::BTreeSet::new();
    for v in f.acts.iter().chain(&f.offers) {
        let name = &v.name;
        // The canonical body is the RFC 8785 form of the body JSON.
        assert_eq!(
            serde_jcs::to_string(&v.body).unwrap(),
            v.canonical_body,
            "{name}: canonical body"
        );
        assert_eq!(v.body["kind"], json!(v.kind), "{name}: kind");
        // The id is SHA-256 of those bytes.
        let id: [u8; 32] = Sha256::digest(v.canonical_body.as_bytes()).into();
        assert_eq!(hex::encode(id), v.id, "{name}: id");
        // The envelope is the canonical form of body and signatures.
        let envelope = json!({"body": v.body, "signatures": v.signatures.iter()
            .map(|s| json!({"key": s.key, "signature": s.signature})).collect::<Vec<_>>()});
        assert_eq!(
            serde_jcs::to_string(&envelope).unwrap(),
            v.envelope,
            "{name}: envelope"
        );
        // Each signature: by the named signer, strict ed25519 over context || id, and the same
        // bytes again when signed anew (ed25519 is deterministic).
        assert_eq!(v.signers.len(), v.signatures.len(), "{name}: signer count");
        for (signer, s) in v.signers.iter().zip(&v.signatures) {
            let k = keys
                .get(signer.as_str())
                .unwrap_or_else(|| panic!("{name}: unknown key {signer}"));
            assert_eq!(s.key, k.public_key, "{name}: signature by {signer}");
            let public = VerifyingKey::from_bytes(&hex32(&s.key)).expect("a public key");
            let mut sig = [0u8; 64];
            hex::decode_to_slice(&s.signature, &mut sig).expect("128 hex digits");
            public
                .verify_strict(&message(&id), &Signature::from_bytes(&sig))
                .unwrap_or_else(|e| panic!("{name}: signature by {signer} does not verify: {e}"));
            let again = SigningKey::from_bytes(&hex32(&k.seed)).sign(&message(&id));
            assert_eq!(
                hex::encode(again.to_bytes()),
                s.signature,
                "{name}: re-signed"
            );
        }
        kinds.insert(v.kind.clone());
    }
    let all = [
        "consignment_registered",
        "seal_applied",
        "seal_checked",
        "seal_removed",
        "seal_replaced",
        "escort_assigned",
        "custody_transferred",
        "incident_reported",
        "position_reported",
        "arrival_notified",
        "consignment_delivered",
        "discrepancy_resolved",
        "permission_granted",
        "act_corrected",
        "escort_changed",
        "deadline_extended",
        "incident_followed_up",
        "delivery_refused",
        "consignment_returned",
        "key_enrolled",
        "key_revoked",
        "kp_participants_listed",
        "calendar_published",
        "post_registered",
        "department_notified",
        "expertise_concluded",
        "state_control_act_drawn",
        "certificates_issued",
        "kpc_returned",
        "kp_coupon_returned",
        "seal_events_reported",
    ];
    for kind in all {
        assert!(
            f.acts.iter().any(|v| v.kind == kind),
            "no valid vector of kind {kind}"
        );
    }
    // Each optional member the legal record added is present in one vector of its kind and
    // absent in another (absent optional members are left out of the encoding).
    for (kind, pointer) in [
        ("consignment_registered", "/carrier"),
        ("consignment_registered", "/documents"),
        ("seal_removed", "/grounds/permission"),
        ("custody_transferred", "/transhipment"),
        ("incident_reported", "/happened_at"),
        ("consignment_delivered", "/net_mass"),
        ("consignment_delivered", "/shortage"),
        ("consignment_delivered", "/documents"),
        ("permission_granted", "/valid_until"),
        ("permission_granted", "/permits/incident"),
        ("act_corrected", "/permission"),
        ("incident_followed_up", "/attachments"),
        ("consignment_returned", "/permission"),
        ("consignment_registered", "/corridor"),
        ("post_registered", "/coordinates"),
        ("seal_events_reported", "/events/0/coordinates"),
    ] {
        let of_kind = || f.acts.iter().filter(|v| v.kind == kind);
        assert!(
            of_kind().any(|v| v.body.pointer(pointer).is_some()),
            "no {kind} vector with {pointer}"
        );
        assert!(
            of_kind().any(|v| v.body.pointer(pointer).is_none()),
            "no {kind} vector without {pointer}"
        );
    }
    // ... never written as null, nor as an empty list where the list is optional.
    fn has_null(v: &Value) -> bool {
        match v {
            Value::Null => true,
            Value::Array(a) => a.iter().any(has_null),
            Value::Object(o) => o.values().any(has_null),
            _ => false,
        }
    }
    for v in f.acts.iter().chain(&f.offers) {
        assert!(!has_null(&v.body), "{}: null in a body", v.name);
        let optional_list = match v.kind.as_str() {
            "consignment_registered" | "consignment_delivered" => "documents",
            "incident_followed_up" => "attachments",
            _ => continue,
        };
        assert_ne!(
            v.body.get(optional_list),
            Some(&json!([])),
            "{}: an empty {optional_list} is left out",
            v.name
        );
    }
    assert!(
        f.acts.iter().any(|v| !v.canonical_body.is_ascii()),
        "some body carries non-ASCII text"
    );
}

#[test]
fn valid_acts_decode_reencode_and_are_authorized() {
    let f = &files().acts;
    let keys: BTreeMap<&str, &KeyVector> = f.keys.iter().map(|k| (k.name.as_str(), k)).collect();
    let mut decoded = Vec::new();
    for v in &f.acts {
        let act = SignedAct::decode(v.envelope.as_bytes())
            .unwrap_or_else(|e| panic!("{}: refused: {e} ({})", v.name, e.code()));
        assert_eq!(
            act.encode(),
            v.envelope.as_bytes(),
            "{}: re-encoded",
            v.name
        );
        assert_eq!(act.id().to_hex(), v.id, "{}: id", v.name);
        assert_eq!(act.body().kind(), v.kind, "{}", v.name);
        assert_eq!(serde_json::to_value(act.body()).unwrap(), v.body);
        act.verify_signatures()
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        // tamga's own signing, from the seeds, gives the same act.
        let seeds: Vec<SigningKey> = v
            .signers
            .iter()
            .map(|s| SigningKey::from_bytes(&hex32(&keys[s.as_str()].seed)))
            .collect();
        let again = SignedAct::sign(act.body().clone(), &seeds.iter().collect::<Vec<_>>())
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(
            again.encode(),
            v.envelope.as_bytes(),
            "{}: signed anew",
            v.name
        );
        decoded.push(act);
    }
    // The registry acts among the vectors enroll every signer; every consignment act holds.
    let authority = &keys["customs_authority"].public_key;
    let (registry_acts, consignment_acts): (Vec<&SignedAct>, Vec<&SignedAct>) = decoded
        .iter()
        .partition(|a| a.body().consignment().is_none());
    let (registry, rejected) = Registry::from_acts(
        tamga_core::KeyId::new(authority.clone()).unwrap(),
        registry_acts,
    );
    assert!(rejected.is_empty(), "{rejected:?}");
    for act in consignment_acts {
        registry
            .verify(act)
            .unwrap_or_else(|e| panic!("{} {}: {e}", act.body().kind(), act.id()));
    }
    // An offer decodes as an offer, and is not yet a complete act.
    for v in &f.offers {
        let offer = CustodyOffer::decode(v.envelope.as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(offer.encode(), v.envelope.as_bytes(), "{}", v.name);
        assert_eq!(offer.id().to_hex(), v.id, "{}", v.name);
        let err = SignedAct::decode(v.envelope.as_bytes()).unwrap_err();
        assert_eq!(err.code(), "missing_signature", "{}", v.name);
    }
}

/// What tamga does with an invalid case: `Ok(())` if it fails exactly as expected.
fn run_case(case: &InvalidCase) -> Result<(), String> {
    let bytes = case.bytes();
    let got = match case.stage.as_str() {
        "decode" => match SignedAct::decode(&bytes) {
            Ok(_) => "accepted".to_owned(),
            Err(e) => e.code().to_owned(),
        },
        "verify" => match SignedAct::decode(&bytes) {
            Err(e) => format!("refused by the decoder ({}: {e})", e.code()),
            Ok(act) => match act.verify_signatures() {
                Ok(()) => "signatures verify".to_owned(),
                Err(_) => "bad_signature".to_owned(),
            },
        },
        "offer" => match CustodyOffer::decode(&bytes) {
            Ok(_) => "accepted".to_owned(),
            Err(HandoffError::Decode(e)) => e.code().to_owned(),
            Err(HandoffError::NotAHandoff(_)) => "not_a_handoff".to_owned(),
            Err(other) => format!("unexpected error {other}"),
        },
        other => return Err(format!("unknown stage {other}")),
    };
    if got == case.expected {
        Ok(())
    } else {
        Err(format!(
            "{} ({}): expected {}, got {got}",
            case.name, case.stage, case.expected
        ))
    }
}

#[test]
fn invalid_inputs_fail_with_their_code() {
    let f = &files().invalid;
    let failures: Vec<String> = f.cases.iter().filter_map(|c| run_case(c).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every code the decoder has, and the signature check, is exercised.
    for code in [
        "too_large",
        "malformed",
        "non_canonical",
        "unknown_field",
        "missing_field",
        "unknown_variant",
        "wrong_type",
        "bad_decimal",
        "bad_time",
        "bad_value",
        "invalid_content",
        "missing_signature",
        "unexpected_signer",
        "signature_order",
        "bad_signature",
        "not_a_handoff",
    ] {
        assert!(
            f.cases.iter().any(|c| c.expected == code),
            "no invalid vector expects {code}"
        );
    }
    let names: std::collections::BTreeSet<&str> = f.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), f.cases.len(), "case names are unique");
}

#[test]
fn files_are_what_the_generator_writes() {
    let files = files();
    let g = generated();
    assert!(
        files.acts_text == g.acts,
        "tests/vectors/acts.json differs from what the generator writes now: the encoding, an id \
         or a signature changed. If that is intended, regenerate with TAMGA_WRITE_VECTORS=1 cargo \
         test -p tamga-core --test vectors and review the diff; published vectors should not change."
    );
    assert!(
        files.invalid_text == g.invalid,
        "tests/vectors/invalid.json differs from what the generator writes now. If that is \
         intended, regenerate with TAMGA_WRITE_VECTORS=1 cargo test -p tamga-core --test vectors \
         and review the diff."
    );
}

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

/// The cast: vector name, seed phrase name, key, and the person where there is one. The relief
/// officer (`Story::relief_officer`, of the escort unit) joins for the legal record's acts, the
/// navigation seal operator (`Road::operator`) for the road's.
fn cast<'a>(
    story: &'a Story,
    relief: &'a Person,
    operator: &'a Person,
) -> Vec<(
    &'static str,
    &'static str,
    &'a SigningKey,
    Option<&'a Person>,
)> {
    vec![
        (
            "customs_authority",
            "customs authority",
            &story.authority,
            None,
        ),
        (
            "airport_officer",
            story.airport_officer.name,
            &story.airport_officer.key,
            Some(&story.airport_officer),
        ),
        (
            "escort_lead",
            story.escort_lead.name,
            &story.escort_lead.key,
            Some(&story.escort_lead),
        ),
        (
            "escort_second",
            story.escort_second.name,
            &story.escort_second.key,
            Some(&story.escort_second),
        ),
        (
            "department_officer",
            story.department_officer.name,
            &story.department_officer.key,
            Some(&story.department_officer),
        ),
        (
            "central_staff",
            story.central_staff.name,
            &story.central_staff.key,
            Some(&story.central_staff),
        ),
        (
            "vehicle_device",
            story.vehicle_device.name,
            &story.vehicle_device.key,
            Some(&story.vehicle_device),
        ),
        (
            "outsider",
            story.outsider.name,
            &story.outsider.key,
            Some(&story.outsider),
        ),
        ("relief_officer", relief.name, &relief.key, Some(relief)),
        (
            "seal_operator",
            operator.name,
            &operator.key,
            Some(operator),
        ),
    ]
}

fn act_vector(name: &str, description: &str, act: &SignedAct, signers: &[&str]) -> ActVector {
    let canonical_body = String::from_utf8(canonical_bytes(act.body())).unwrap();
    ActVector {
        name: name.to_owned(),
        kind: act.body().kind().to_owned(),
        description: description.to_owned(),
        signers: signers.iter().map(|s| s.to_string()).collect(),
        body: serde_json::to_value(act.body()).unwrap(),
        canonical_body,
        id: act.id().to_hex(),
        signatures: act
            .signatures()
            .iter()
            .map(|s| SignatureVector {
                key: s.key.to_string(),
                signature: hex::encode(s.signature.0),
            })
            .collect(),
        envelope: String::from_utf8(act.encode()).unwrap(),
    }
}

fn decimal(text: &str) -> rust_decimal::Decimal {
    parse_decimal(text).expect("valid decimal")
}

fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The valid acts of the vectors, by name, in order, and the custody offers with their bytes.
struct Acts {
    list: Vec<(ActVector, SignedAct)>,
    offers: Vec<(ActVector, Vec<u8>)>,
}

impl Acts {
    fn get(&self, name: &str) -> &SignedAct {
        &self
            .list
            .iter()
            .find(|(v, _)| v.name == name)
            .unwrap_or_else(|| panic!("no act {name}"))
            .1
    }

    fn envelope(&self, name: &str) -> String {
        String::from_utf8(self.get(name).encode()).unwrap()
    }

    fn offer(&self, name: &str) -> String {
        let (_, bytes) = self
            .offers
            .iter()
            .find(|(v, _)| v.name == name)
            .unwrap_or_else(|| panic!("no offer {name}"));
        String::from_utf8(bytes.clone()).unwrap()
    }
}

const NOTE_WITH_YO: &str =
    "Трос пломбы надрезан у замка, сейф-пакет цел.\nОсмотр проведён на стоянке.";

fn build_acts(story: &Story, relief: &Person) -> Acts {
    let mut list = Vec::new();
    let mut push = |name: &str, description: &str, act: SignedAct, signers: &[&str]| {
        list.push((act_vector(name, description, &act, signers), act));
    };

    // The registry: everyone in the story enrolled, the vehicle's device later revoked.
    let enrolled = [
        ("airport_officer", &story.airport_officer),
        ("escort_lead", &story.escort_lead),
        ("escort_second", &story.escort_second),
        ("department_officer", &story.department_officer),
        ("central_staff", &story.central_staff),
        ("vehicle_device", &story.vehicle_device),
    ];
    for (label, person) in enrolled {
        let what = if person.personal_number.is_empty() {
            "a device key; holder without personal_number (optional field omitted)"
        } else {
            "an officer's key, with the holder's personal number"
        };
        push(
            &format!("key_enrolled/{label}"),
            &format!(
                "The customs authority enrolls {label}: {what}. Valid [2026-01-01, 2028-01-01)."
            ),
            story.enrollment(person),
            &["customs_authority"],
        );
    }
    push(
        "key_revoked/vehicle_device",
        "The authority revokes the vehicle's device key from 2026-11-24T06:00:00Z on (after every act in these vectors).",
        story.revocation(&story.vehicle_device, story.t(24 * 60)),
        &["customs_authority"],
    );
    push(
        "kp_participants_listed/eu_and_botswana",
        "The authority lists the Kimberley Process participants from 2026-01-01: the European Union (its 27 member states, Belgium among them) and Botswana.",
        story.kp_participants(at("2026-01-01T00:00:00Z"), false, &[("Botswana", "BW")]),
        &["customs_authority"],
    );
    push(
        "calendar_published/2026",
        "The authority publishes the working calendar of 2026: Saturday and Sunday off, and 1 January, 8 March and 30 November.",
        story.calendar(
            at("2025-12-20T00:00:00Z"),
            2026,
            &["2026-01-01", "2026-03-08", "2026-11-30"],
        ),
        &["customs_authority"],
    );
    push(
        "post_registered/department",
        "The authority registers the Precious Metals Department from 2026-01-01: Asia/Bishkek, working 09:00 to 18:00 on working days.",
        story.post_registration(
            at("2026-01-01T00:00:00Z"),
            DEPARTMENT,
            Some(("09:00", "18:00")),
        ),
        &["customs_authority"],
    );
    push(
        "department_notified/diamonds",
        "The airport post notifies the Precious Metals Department that the diamonds arrived (within one day of arrival).",
        story.department_notice(30),
        &["airport_officer"],
    );
    push(
        "expertise_concluded/diamonds",
        "The Department concludes its expertise of the diamonds delivered to it (within three working days).",
        story.expertise(200),
        &["department_officer"],
    );
    push(
        "state_control_act_drawn/conform",
        "The Department's State Control Act, register number AGK-2026/0815: the goods conform.",
        story.state_control_act(300, true),
        &["department_officer"],
    );
    push(
        "certificates_issued/scc",
        "The Department records the State Control Certificate it issued.",
        story.certificates_issued(310, story.t(300)),
        &["department_officer"],
    );
    push(
        "kpc_returned/damaged",
        "The airport post sends the KP certificate back for a duplicate: an uncertified correction found at registration.",
        story.kpc_returned(60, 0),
        &["airport_officer"],
    );
    push(
        "kp_coupon_returned/antwerp",
        "The Department returns the KP certificate's import confirmation coupon to the exporting authority.",
        story.kp_coupon_returned(320),
        &["department_officer"],
    );

    // The reference story's consignment acts.
    let registration = story.registration();
    let seal_applied = story.seal_applied();
    let escort = story.escort_assigned();
    let handoff1 =
        story.handoff_to_escort(&[registration.clone(), seal_applied.clone(), escort.clone()]);
    push(
        "consignment_registered/diamonds",
        "1250.35 ct of rough diamonds registered at the Manas airport post, with a Kimberley Process certificate; consignor without registration (optional field omitted), consignee with one.",
        registration,
        &["airport_officer"],
    );
    push(
        "seal_applied/safe_bag",
        "The safe-bag sealed at the airport post (place of type post).",
        seal_applied,
        &["airport_officer"],
    );
    push(
        "escort_assigned/crew",
        "The escort crew assigned: officer in charge and a second officer.",
        escort,
        &["airport_officer"],
    );
    let handoff1_id = handoff1.id();
    push(
        "custody_transferred/airport_to_escort",
        "The first handoff, airport post to escort crew: no previous custody act (field omitted). Signed by the releasing officer, then the receiving officer.",
        handoff1,
        &["airport_officer", "escort_lead"],
    );
    push(
        "position_reported/three_fixes",
        "Three positions reported by the vehicle's device key.",
        story.positions(),
        &["vehicle_device"],
    );
    push(
        "seal_checked/intact_at_stop",
        "The seal checked at a roadside stop (place of type road without coordinates; no note).",
        story.seal_checked(60, SealState::Intact),
        &["escort_second"],
    );

    // A branch with a damaged seal: Cyrillic text, coordinates, every optional field present.
    let road = Place::Road {
        description: text("Трасса Бишкек — Кант, 14-й км, стоянка"),
        coordinates: Some(Coordinates {
            latitude: decimal("42.8921"),
            longitude: decimal("74.7310"),
        }),
    };
    push(
        "seal_checked/damaged_cyrillic",
        "The seal found damaged; Cyrillic place description and note (with a line feed, escaped as \\n), coordinates with a trailing zero kept.",
        story.sign(
            ActBody::SealChecked(SealChecked {
                consignment: story.consignment.clone(),
                at: story.t(64),
                officer: story.escort_second.id.clone(),
                place: road.clone(),
                seal: story.seal.clone(),
                state: SealState::Damaged,
                note: Some(text(NOTE_WITH_YO)),
            }),
            &[&story.escort_second],
        ),
        &["escort_second"],
    );
    push(
        "incident_reported/seal_damage",
        "Seal damage reported at once, in Russian, with the seal affected and the SHA-256 of a photo.",
        story.sign(
            ActBody::IncidentReported(IncidentReported { happened_at: None,
                consignment: story.consignment.clone(),
                at: story.t(66),
                officer: story.escort_lead.id.clone(),
                place: road,
                incident: IncidentKind::SealDamage,
                description: text(
                    "Пломба № KG-0042137 повреждена: трос надрезан у замка.\nСейф-пакет цел, следов вскрытия нет.",
                ),
                seals: vec![story.seal.clone()],
                attachments: vec![Sha256Hex::new(digest("photo of seal KG-0042137")).unwrap()],
            }),
            &[&story.escort_lead],
        ),
        &["escort_lead"],
    );
    push(
        "seal_replaced/threat_of_loss",
        "The damaged seal replaced by the escort under a threat of loss: basis without reference (optional field omitted).",
        story.sign(
            ActBody::SealReplaced(SealReplaced {
                consignment: story.consignment.clone(),
                at: story.t(75),
                officer: story.escort_lead.id.clone(),
                place: Place::Road {
                    description: text("Bishkek ring road, km 14, fuel stop"),
                    coordinates: None,
                },
                old_seal: story.seal.clone(),
                old_state: SealState::Damaged,
                new_seal: SealNumber::new("KG-0042190").unwrap(),
                new_seal_kind: SealKind::Mechanical,
                fixed_on: text("safe-bag, one place"),
                grounds: SealGrounds { permission: None,
                    basis: SealBasis::ThreatOfLoss,
                    reference: None,
                },
            }),
            &[&story.escort_lead],
        ),
        &["escort_lead"],
    );
    push(
        "arrival_notified/in_working_hours",
        "Arrival notified at the Department within working hours (working_hours_began_at omitted).",
        story.arrival(95, 100),
        &["escort_lead"],
    );
    push(
        "arrival_notified/after_hours",
        "An arrival outside working hours: working_hours_began_at present.",
        story.sign(
            ActBody::ArrivalNotified(ArrivalNotified {
                consignment: story.consignment.clone(),
                at: at("2026-11-24T03:20:00Z"),
                officer: story.escort_lead.id.clone(),
                place: Place::Post {
                    unit: unit(DEPARTMENT),
                },
                arrived_at: at("2026-11-23T19:40:00Z"),
                working_hours_began_at: Some(at("2026-11-24T03:00:00Z")),
            }),
            &[&story.escort_lead],
        ),
        &["escort_lead"],
    );
    let handoff2 = story.transfer(
        story.transfer_body(
            105,
            DEPARTMENT,
            Some(handoff1_id),
            &story.escort_lead,
            &story.department_officer,
        ),
        &story.escort_lead,
        &story.department_officer,
    );
    push(
        "custody_transferred/escort_to_department",
        "The second handoff, escort crew to the Department, naming the first handoff as previous.",
        handoff2,
        &["escort_lead", "department_officer"],
    );
    push(
        "seal_removed/inspection",
        "The seal removed at the Department for inspection, with the order's reference in Russian.",
        story.sign(
            ActBody::SealRemoved(SealRemoved {
                consignment: story.consignment.clone(),
                at: story.t(108),
                officer: story.department_officer.id.clone(),
                place: Place::Post {
                    unit: unit(DEPARTMENT),
                },
                seal: story.seal.clone(),
                state: SealState::Intact,
                grounds: SealGrounds {
                    permission: None,
                    basis: SealBasis::Inspection,
                    reference: Some(text("Распоряжение о досмотре № 17/2026")),
                },
            }),
            &[&story.department_officer],
        ),
        &["department_officer"],
    );
    push(
        "consignment_delivered/department",
        "Delivery at the Department: seals verified, packages counted, gross mass weighed.",
        story.delivered(110),
        &["department_officer"],
    );
    push(
        "discrepancy_resolved/seal_damage",
        "Central staff close a discrepancy (an example discrepancy id: SHA-256 of \"tamga test vector: example discrepancy\").",
        story.sign(
            ActBody::DiscrepancyResolved(DiscrepancyResolved {
                consignment: story.consignment.clone(),
                at: story.t(180),
                officer: story.central_staff.id.clone(),
                discrepancy: DiscrepancyId::new(digest("tamga test vector: example discrepancy"))
                    .unwrap(),
                reason: text(
                    "Seal replaced under threat of loss and reported at once; count and mass agree at delivery.",
                ),
                supervisor: None,
            }),
            &[&story.central_staff],
        ),
        &["central_staff"],
    );

    let earlier = |name: &str| {
        list.iter()
            .find(|(v, _)| v.name == name)
            .unwrap_or_else(|| panic!("no act {name}"))
            .1
            .clone()
    };
    let legal = legal_acts(story, relief, earlier);
    list.extend(legal);
    list.extend(road_acts(story));

    let offer_body = story.transfer_body(
        30,
        AIRPORT_POST,
        None,
        &story.airport_officer,
        &story.escort_lead,
    );
    let offer = CustodyOffer::create(offer_body, &story.airport_officer.key).unwrap();
    let offer_bytes = offer.encode();
    let (handoff1_vector, handoff1) = list
        .iter()
        .find(|(v, _)| v.name == "custody_transferred/airport_to_escort")
        .unwrap();
    assert_eq!(
        offer.id(),
        handoff1.id(),
        "the offer is the first handoff's body"
    );
    let mut offer_vector = act_vector(
        "custody_offer/airport_to_escort",
        "The offer of the first handoff: the same body and id, signed by the releasing officer only.",
        handoff1,
        &["airport_officer"],
    );
    offer_vector.signatures.truncate(1);
    offer_vector.envelope = String::from_utf8(offer_bytes.clone()).unwrap();
    assert_eq!(offer_vector.id, handoff1_vector.id);
    let mut offers = vec![(offer_vector, offer_bytes)];

    // The transhipment's offer: the crew handing over signs first, the relief crew reviews.
    let (tranship_vector, tranship) = list
        .iter()
        .find(|(v, _)| v.name == "custody_transferred/transhipment")
        .unwrap();
    let ActBody::CustodyTransferred(tranship_body) = tranship.body().clone() else {
        unreachable!("a handoff")
    };
    let offer = CustodyOffer::create(tranship_body, &story.escort_lead.key).unwrap();
    let offer_bytes = offer.encode();
    assert_eq!(offer.id(), tranship.id());
    let mut offer_vector = act_vector(
        "custody_offer/transhipment",
        "The offer of the transhipment: the same body and id, signed by the officer of the crew handing over only.",
        tranship,
        &["escort_lead"],
    );
    offer_vector.signatures.truncate(1);
    offer_vector.envelope = String::from_utf8(offer_bytes.clone()).unwrap();
    assert_eq!(offer_vector.id, tranship_vector.id);
    offers.push((offer_vector, offer_bytes));
    Acts { list, offers }
}

/// A document travelling with the goods.
fn document(kind: DocumentKind, number: &str) -> AccompanyingDocument {
    AccompanyingDocument {
        kind,
        number: text(number),
    }
}

/// The carrier the legal record's registration names.
fn carrier() -> Trader {
    Trader {
        name: text("Asia Sky Cargo LLC"),
        country: CountryCode::new("KG").unwrap(),
        registration: Some(text("INN 02506201910117")),
    }
}

/// `by` grants `permits` at `place`, with or without an end of validity.
fn grant(
    story: &Story,
    minutes: i64,
    by: &Person,
    place: Place,
    permits: Permit,
    reason: &str,
    valid_until: Option<i64>,
) -> SignedAct {
    story.sign(
        ActBody::PermissionGranted(PermissionGranted {
            consignment: story.consignment.clone(),
            at: story.t(minutes),
            officer: by.id.clone(),
            place,
            permits,
            reason: text(reason),
            valid_until: valid_until.map(|m| story.t(m)),
        }),
        &[by],
    )
}

/// The acts of the legal record: every kind it added and every optional field it added to the
/// older kinds, each present in one vector and absent in another. They are branches of the
/// reference story, one per point of the format, not one consignment's history (the assessment
/// of such histories is tested in `tests/legal_record.rs`). `earlier` gives the story's acts
/// above by name.
fn legal_acts(
    story: &Story,
    relief: &Person,
    earlier: impl Fn(&str) -> SignedAct,
) -> Vec<(ActVector, SignedAct)> {
    let mut list = Vec::new();
    let mut push = |name: &str, description: &str, act: &SignedAct, signers: &[&str]| {
        list.push((act_vector(name, description, act, signers), act.clone()));
    };
    let registration = earlier("consignment_registered/diamonds");
    let seal_applied = earlier("seal_applied/safe_bag");
    let escort = earlier("escort_assigned/crew");
    let handoff1 = earlier("custody_transferred/airport_to_escort");
    let department = || Place::Post {
        unit: unit(DEPARTMENT),
    };
    let airport = || Place::Post {
        unit: unit(AIRPORT_POST),
    };
    let headquarters = || Place::Road {
        description: text("headquarters, by telephone"),
        coordinates: None,
    };

    push(
        "key_enrolled/relief_officer",
        "The customs authority enrolls the relief escort officer (escort unit ESCORT-BISHKEK), who takes over in the crew change and the transhipment below.",
        &story.enrollment(relief),
        &["customs_authority"],
    );

    // --- new optional fields of a registration ---------------------------------------------
    let mut body = story.registration_body();
    body.carrier = Some(carrier());
    body.documents = vec![
        document(DocumentKind::TransitDeclaration, "10609050/231126/0000123"),
        document(DocumentKind::Invoice, "INV 2026/1187"),
        document(DocumentKind::PackingList, "PL 2026/1187"),
        document(DocumentKind::TransportDocument, "AWB 176-12345675"),
        document(DocumentKind::KimberleyProcessCertificate, "BE 0417733"),
    ];
    push(
        "consignment_registered/with_carrier_and_documents",
        "The story's registration with the optional carrier (a trader) and the accompanying documents present: a branch, the same consignment registered with them. consignment_registered/diamonds, without them, keeps its id: absent optional fields are left out.",
        &story.sign(ActBody::ConsignmentRegistered(body), &[&story.airport_officer]),
        &["airport_officer"],
    );

    // --- the escort crew changes -----------------------------------------------------------
    push(
        "escort_changed/relief_crew",
        "The airport post changes the crew before departure: the relief officer replaces the escort lead and takes charge.",
        &story.crew_change(20),
        &["airport_officer"],
    );

    // --- corrections before the first handoff (no permission named) ------------------------
    push(
        "act_corrected/seal_applied_before_handoff",
        "The airport officer corrects what the seal is fixed on in seal_applied/safe_bag, before the first handoff: changes of kind seal_applied, one field; no permission (optional field omitted).",
        &story.correction(
            20,
            &story.airport_officer,
            &seal_applied,
            Correction::SealApplied(SealFields {
                fixed_on: Some(text("safe-bag No. 0417, one place")),
                ..SealFields::default()
            }),
            None,
        ),
        &["airport_officer"],
    );
    push(
        "act_corrected/escort_vehicle",
        "The airport officer corrects the vehicle's plate in escort_assigned/crew: changes of kind escort_assigned.",
        &story.correction(
            22,
            &story.airport_officer,
            &escort,
            Correction::EscortAssigned(EscortFields {
                vehicle: Some(text("01 KG 771 ABC")),
            }),
            None,
        ),
        &["airport_officer"],
    );

    // --- a correction after the handoff, with a correction permit --------------------------
    let permit_registration = grant(
        story,
        40,
        &story.airport_officer,
        airport(),
        Permit::Correction {
            act: registration.id(),
        },
        "the consignor's registration number was left out",
        None,
    );
    push(
        "permission_granted/correction_of_registration",
        "The office of departure permits correcting the registration (permits of type correction, naming the act); no end of validity (valid_until omitted).",
        &permit_registration,
        &["airport_officer"],
    );
    push(
        "act_corrected/registration_with_permit",
        "After the first handoff the airport officer corrects the registration under that permit: the consignor (with its registration) and the carrier replaced; permission names the permission_granted act.",
        &story.correction(
            45,
            &story.airport_officer,
            &registration,
            Correction::ConsignmentRegistered(RegistrationFields {
                consignor: Some(Trader {
                    name: text("Antwerp Rough Trading NV"),
                    country: CountryCode::new("BE").unwrap(),
                    registration: Some(text("BE 0456.789.123")),
                }),
                carrier: Some(carrier()),
                ..RegistrationFields::default()
            }),
            Some(permit_registration.id()),
        ),
        &["airport_officer"],
    );

    // --- an accident, its follow-up, a longer deadline, a transhipment ---------------------
    let accident = story.incident(80, IncidentKind::Accident);
    push(
        "incident_reported/accident_happened_earlier",
        "An accident reported five minutes after it happened: happened_at present (before at), a photo attached.",
        &accident,
        &["escort_lead"],
    );
    push(
        "incident_followed_up/officials_attended",
        "Officials of the airport post come to the goods on the road after the accident; a photo of their report attached (attachments present).",
        &story.sign(
            ActBody::IncidentFollowedUp(IncidentFollowedUp {
                consignment: story.consignment.clone(),
                at: story.t(84),
                officer: story.airport_officer.id.clone(),
                place: roadside(),
                incident: accident.id(),
                action: FollowUp::OfficialsAttended,
                note: text("Vehicle damaged at the rear; safe-bag and seal KG-0042137 intact."),
                attachments: vec![Sha256Hex::new(digest("report of the officials attending")).unwrap()],
            }),
            &[&story.airport_officer],
        ),
        &["airport_officer"],
    );
    let permit_incident = grant(
        story,
        85,
        &story.central_staff,
        headquarters(),
        Permit::Correction { act: accident.id() },
        "the crew gave the wrong time of the accident",
        None,
    );
    push(
        "permission_granted/correction_by_central",
        "Central staff permit, by telephone, correcting the accident report (place of type road; no valid_until).",
        &permit_incident,
        &["central_staff"],
    );
    push(
        "act_corrected/incident_with_permit",
        "The escort lead corrects the accident report under central's permit: changes of kind incident_reported (happened_at and description), in Russian.",
        &story.sign(
            ActBody::ActCorrected(tamga_core::act::ActCorrected {
                consignment: story.consignment.clone(),
                at: story.t(86),
                officer: story.escort_lead.id.clone(),
                corrects: accident.id(),
                changes: Correction::IncidentReported(IncidentFields {
                    happened_at: Some(story.t(70)),
                    description: Some(text(
                        "ДТП на перекрёстке: в машину сопровождения въехал грузовик сзади.",
                    )),
                    ..IncidentFields::default()
                }),
                reason: text("время ДТП указано неверно"),
                permission: Some(permit_incident.id()),
            }),
            &[&story.escort_lead],
        ),
        &["escort_lead"],
    );
    let permit_tranship = story.permission(
        88,
        &story.central_staff,
        Permit::Transhipment {
            incident: Some(accident.id()),
        },
    );
    push(
        "permission_granted/transhipment",
        "Central staff permit moving the goods to another vehicle after the accident (permits of type transhipment naming the incident), valid for twelve hours.",
        &permit_tranship,
        &["central_staff"],
    );
    push(
        "permission_granted/transhipment_without_incident",
        "The airport post permits a transhipment that no incident calls for (the permit's incident omitted).",
        &story.permission(89, &story.airport_officer, Permit::Transhipment { incident: None }),
        &["airport_officer"],
    );
    push(
        "custody_transferred/transhipment",
        "The goods move to another vehicle under the permit: the escort lead hands over to the relief officer at the roadside; the seal listed comes off and KG-0042200 goes on (transhipment present). Signed by the releasing, then the receiving officer.",
        &story.transhipment(92, handoff1.id(), permit_tranship.id()),
        &["escort_lead", "relief_officer"],
    );
    push(
        "deadline_extended/after_accident",
        "The office of departure extends the delivery deadline to 16:00 after the accident, naming the incident.",
        &story.extension(96, &accident, 10 * 60),
        &["airport_officer"],
    );

    // --- a removal with a permission act ---------------------------------------------------
    let permit_removal = story.permission(
        100,
        &story.department_officer,
        Permit::SealRemoval {
            seals: vec![story.seal.clone()],
        },
    );
    push(
        "permission_granted/seal_removal",
        "The Department permits taking off seal KG-0042137 (permits of type seal_removal, with its seals), valid for twelve hours.",
        &permit_removal,
        &["department_officer"],
    );
    push(
        "seal_removed/with_permission_act",
        "The seal taken off with permission: grounds name the permission_granted act (grounds.permission present) and no text reference (reference omitted).",
        &story.sign(
            ActBody::SealRemoved(SealRemoved {
                consignment: story.consignment.clone(),
                at: story.t(107),
                officer: story.department_officer.id.clone(),
                place: department(),
                seal: story.seal.clone(),
                state: SealState::Intact,
                grounds: SealGrounds {
                    basis: SealBasis::Permission,
                    reference: None,
                    permission: Some(permit_removal.id()),
                },
            }),
            &[&story.department_officer],
        ),
        &["department_officer"],
    );

    // --- deliveries with the new optional fields -------------------------------------------
    push(
        "consignment_delivered/documents_checked",
        "Delivery with the net mass re-weighed in carats and the documents checked: two found, the air waybill missing (a JSON false).",
        &story.delivered_with(110, |d| {
            d.net_mass = Some(Mass::new("1250.35", MassUnit::Ct).unwrap());
            d.documents = vec![
                DocumentCheck {
                    number: text("10609050/231126/0000123"),
                    present: true,
                },
                DocumentCheck {
                    number: text("BE 0417733"),
                    present: true,
                },
                DocumentCheck {
                    number: text("AWB 176-12345675"),
                    present: false,
                },
            ];
        }),
        &["department_officer"],
    );
    push(
        "consignment_delivered/short",
        "A short delivery: 2.50 ct of stones missing from the one package (shortage present, no package missing), net mass re-weighed 1247.85 ct, safe-bag 0.4115 kg; no documents checked (omitted).",
        &story.delivered_with(111, |d| {
            d.gross_mass = Mass::new("0.4115", MassUnit::Kg).unwrap();
            d.net_mass = Some(Mass::new("1247.85", MassUnit::Ct).unwrap());
            d.shortage = Some(Shortage {
                packages: 0,
                net_mass: Mass::new("2.50", MassUnit::Ct).unwrap(),
                description: text("two stones of about 1.25 ct missing from the parcel"),
            });
        }),
        &["department_officer"],
    );

    // --- refusal and return ----------------------------------------------------------------
    push(
        "delivery_refused/licence_suspended",
        "The Department refuses the goods, with the reason and the seals as found.",
        &story.refusal(112),
        &["department_officer"],
    );
    push(
        "consignment_returned/after_refusal",
        "The goods back at the airport post after the refusal: no return permit (permission omitted).",
        &story.returned(300, None),
        &["airport_officer"],
    );
    let permit_return = story.permission(200, &story.central_staff, Permit::Return {});
    push(
        "permission_granted/return",
        "Central staff permit taking the goods back to the office of departure (permits of type return, with no other member).",
        &permit_return,
        &["central_staff"],
    );
    push(
        "consignment_returned/with_return_permit",
        "The goods back at the airport post under the return permit (permission present).",
        &story.returned(330, Some(permit_return.id())),
        &["airport_officer"],
    );

    // --- incident follow-ups: the other actions --------------------------------------------
    push(
        "incident_followed_up/brought_to_customs",
        "The goods brought to the Department after the accident, recorded by its officer at it (no attachments: omitted).",
        &story.follow_up(
            115,
            &story.department_officer,
            department(),
            &accident,
            FollowUp::BroughtToCustoms,
        ),
        &["department_officer"],
    );
    push(
        "incident_followed_up/closed",
        "Central staff close the accident.",
        &story.follow_up(
            120,
            &story.central_staff,
            headquarters(),
            &accident,
            FollowUp::Closed,
        ),
        &["central_staff"],
    );
    list
}

/// The acts of the road: the navigation seal operator's enrollment, a post registered with its
/// coordinates, the registration with a corridor, the navigation seal applied, and two batches
/// of the seal's events signed by its operator (events with coordinates and without). A branch
/// of the reference story (`tamga_core::fixtures::road`; the assessment of such trips is tested
/// in `tests/road.rs`).
fn road_acts(story: &Story) -> Vec<(ActVector, SignedAct)> {
    let road = Road::new(story);
    let mut list = Vec::new();
    let mut push = |name: &str, description: &str, act: SignedAct, signers: &[&str]| {
        list.push((act_vector(name, description, &act, signers), act));
    };
    let registry = road.registry_acts();
    push(
        "key_enrolled/seal_operator",
        "The customs authority enrolls the navigation seal operator's key: role seal_operator, unit NAVSEAL-KG, holder without personal_number. Valid [2026-01-01, 2028-01-01).",
        registry[0].clone(),
        &["customs_authority"],
    );
    push(
        "post_registered/airport_with_coordinates",
        "The authority registers the Manas airport post from 2026-01-01 with where it is on the map (coordinates present) and no working hours (round the clock: working_hours omitted).",
        registry[1].clone(),
        &["customs_authority"],
    );
    push(
        "consignment_registered/with_corridor",
        "The story's registration with a corridor (present): five waypoints from the airport post to the Department, 2000 m wide. A branch: consignment_registered/diamonds, without one, keeps its id.",
        road.registration(),
        &["airport_officer"],
    );
    push(
        "seal_applied/navigation_seal",
        "A navigation seal (seal_kind navigation) fixed on the container door at the airport post: the seal whose events the operator reports below.",
        road.navigation_seal_applied(),
        &["airport_officer"],
    );
    let at_waypoint = |i: usize| Some(coordinates(WAYPOINTS[i].0, WAYPOINTS[i].1));
    push(
        "seal_events_reported/armed_and_positions",
        "The seal operator reports the navigation seal armed at the airport post and two position fixes on the road (coordinates present), then its battery low (coordinates omitted); signed by the operator's key (member operator).",
        road.seal_events(
            story.t(60),
            &[
                (story.t(13), SealEventKind::Armed, at_waypoint(0)),
                (story.t(40), SealEventKind::Position, at_waypoint(1)),
                (story.t(55), SealEventKind::Position, at_waypoint(2)),
                (story.t(58), SealEventKind::BatteryLow, None),
            ],
        ),
        &["seal_operator"],
    );
    push(
        "seal_events_reported/opened_and_disarmed",
        "The seal operator reports the navigation seal opened and disarmed at the Department after arrival: events without coordinates (omitted).",
        road.seal_events(
            story.t(111),
            &[
                (story.t(108), SealEventKind::Opened, None),
                (story.t(110), SealEventKind::Disarmed, None),
            ],
        ),
        &["seal_operator"],
    );
    list
}

// --- building invalid inputs -----------------------------------------------------------------

fn parse(envelope: &str) -> Value {
    serde_json::from_str(envelope).unwrap()
}

fn jcs(value: &Value) -> String {
    serde_jcs::to_string(value).unwrap()
}

/// `envelope` with the value at `pointer` replaced, re-canonicalised.
fn set(envelope: &str, pointer: &str, value: Value) -> String {
    let mut v = parse(envelope);
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in {envelope}")) = value;
    jcs(&v)
}

/// `envelope` with member `key` added to (or replaced in) the object at `pointer`.
fn insert(envelope: &str, pointer: &str, key: &str, value: Value) -> String {
    let mut v = parse(envelope);
    v.pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object {pointer}"))
        .insert(key.to_owned(), value);
    jcs(&v)
}

/// `envelope` without member `key` of the object at `pointer`.
fn remove(envelope: &str, pointer: &str, key: &str) -> String {
    let mut v = parse(envelope);
    v.pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object {pointer}"))
        .remove(key)
        .unwrap_or_else(|| panic!("no {key} in {pointer}"));
    jcs(&v)
}

/// `text` with the first `from` replaced by `to`; `from` must occur.
fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in {text}");
    text.replacen(from, to, 1)
}

fn signature_json(key: &SigningKey, message: &[u8]) -> Value {
    json!({
        "key": hex::encode(key.verifying_key().as_bytes()),
        "signature": hex::encode(key.sign(message).to_bytes()),
    })
}

/// s + L, little-endian: the same signature, malleated (refused by strict verification).
fn malleate(signature: &[u8; 64]) -> [u8; 64] {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut out = *signature;
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(signature[32 + i]) + u16::from(L[i]) + carry;
        out[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    out
}

struct Cases {
    cases: Vec<InvalidCase>,
}

impl Cases {
    fn add(&mut self, stage: &str, name: &str, description: &str, input: Input, expected: &str) {
        let (input, input_hex, input_generated) = match input {
            Input::Text(t) => (Some(t), None, None),
            Input::Bytes(b) => match String::from_utf8(b) {
                Ok(t) => (Some(t), None, None),
                Err(e) => (None, Some(hex::encode(e.into_bytes())), None),
            },
            Input::Generated(g) => (None, None, Some(g)),
        };
        let case = InvalidCase {
            name: name.to_owned(),
            stage: stage.to_owned(),
            description: description.to_owned(),
            input,
            input_hex,
            input_generated,
            expected: expected.to_owned(),
        };
        if let Err(e) = run_case(&case) {
            panic!("generator: {e}");
        }
        self.cases.push(case);
    }

    fn decode(&mut self, name: &str, description: &str, input: impl Into<Input>, expected: &str) {
        self.add("decode", name, description, input.into(), expected);
    }

    fn verify(&mut self, name: &str, description: &str, input: impl Into<Input>) {
        self.add("verify", name, description, input.into(), "bad_signature");
    }

    fn offer(&mut self, name: &str, description: &str, input: impl Into<Input>, expected: &str) {
        self.add("offer", name, description, input.into(), expected);
    }

    /// Another spelling of a valid act that serde alone would read: refused as non-canonical.
    fn other_spelling(&mut self, name: &str, description: &str, input: String, same_act_as: &str) {
        self.add(
            "decode",
            &format!("non_canonical/{name}"),
            &format!("{description} Same act as {same_act_as}, other bytes."),
            Input::Text(input),
            "non_canonical",
        );
    }
}

enum Input {
    Text(String),
    Bytes(Vec<u8>),
    Generated(Generated),
}

impl From<String> for Input {
    fn from(t: String) -> Self {
        Input::Text(t)
    }
}

impl From<&str> for Input {
    fn from(t: &str) -> Self {
        Input::Text(t.to_owned())
    }
}

impl From<Vec<u8>> for Input {
    fn from(b: Vec<u8>) -> Self {
        Input::Bytes(b)
    }
}

fn build_invalid(story: &Story, acts: &Acts) -> Vec<InvalidCase> {
    let mut c = Cases { cases: Vec::new() };
    let sa = acts.envelope("seal_applied/safe_bag");
    let reg = acts.envelope("consignment_registered/diamonds");
    let ho1 = acts.envelope("custody_transferred/airport_to_escort");
    let ho2 = acts.envelope("custody_transferred/escort_to_department");
    let sc = acts.envelope("seal_checked/intact_at_stop");
    let scd = acts.envelope("seal_checked/damaged_cyrillic");
    let inc = acts.envelope("incident_reported/seal_damage");
    let pos = acts.envelope("position_reported/three_fixes");
    let esc = acts.envelope("escort_assigned/crew");
    let enr = acts.envelope("key_enrolled/escort_lead");
    let kpl = acts.envelope("kp_participants_listed/eu_and_botswana");
    let cal = acts.envelope("calendar_published/2026");
    let post = acts.envelope("post_registered/department");
    let issued = acts.envelope("certificates_issued/scc");
    let returned = acts.envelope("kpc_returned/damaged");
    let srp = acts.envelope("seal_replaced/threat_of_loss");
    let srm = acts.envelope("seal_removed/inspection");
    let res = acts.envelope("discrepancy_resolved/seal_damage");
    let offer = acts.offer("custody_offer/airport_to_escort");
    let sa_act = acts.get("seal_applied/safe_bag");
    let ho1_act = acts.get("custody_transferred/airport_to_escort");

    // --- size ---------------------------------------------------------------------------------
    c.add(
        "decode",
        "too_large/one_byte_over",
        "A JSON string of MAX_ACT_BYTES + 1 bytes: refused for its size before it is parsed.",
        Input::Generated(Generated {
            prefix: "\"".into(),
            repeat: "a".into(),
            count: MAX_ACT_BYTES - 1,
            suffix: "\"".into(),
        }),
        "too_large",
    );
    c.add(
        "decode",
        "too_large/exactly_the_limit_is_not_too_large",
        "A JSON string of exactly MAX_ACT_BYTES bytes passes the size check (the limit is inclusive) and fails later: a string is not an envelope.",
        Input::Generated(Generated {
            prefix: "\"".into(),
            repeat: "a".into(),
            count: MAX_ACT_BYTES - 2,
            suffix: "\"".into(),
        }),
        "wrong_type",
    );

    // --- malformed ----------------------------------------------------------------------------
    c.decode("malformed/empty", "No bytes at all.", "", "malformed");
    c.decode(
        "malformed/truncated",
        "The first half of a valid envelope.",
        &sa[..sa.len() / 2],
        "malformed",
    );
    c.decode(
        "malformed/trailing_characters",
        "A valid envelope followed by another character.",
        format!("{sa}x"),
        "malformed",
    );
    c.decode("malformed/nul", "A single NUL byte.", "\u{0}", "malformed");
    c.decode(
        "malformed/not_utf8",
        "A valid envelope with the byte 0xFF in a string (not UTF-8): given as input_hex.",
        replace(&sa, "safe-bag", "safe\u{1}bag")
            .into_bytes()
            .into_iter()
            .map(|b| if b == 1 { 0xff } else { b })
            .collect::<Vec<u8>>(),
        "malformed",
    );
    c.decode(
        "malformed/overlong_utf8",
        "A '-' written as the overlong UTF-8 sequence C0 AD: not UTF-8.",
        replace(&sa, "safe-bag", "safe\u{1}bag")
            .into_bytes()
            .into_iter()
            .flat_map(|b| if b == 1 { vec![0xc0, 0xad] } else { vec![b] })
            .collect::<Vec<u8>>(),
        "malformed",
    );
    c.decode(
        "malformed/byte_order_mark",
        "A valid envelope preceded by a UTF-8 byte order mark.",
        format!("\u{feff}{sa}"),
        "malformed",
    );
    c.decode(
        "malformed/lone_surrogate",
        "A \\ud800 escape not followed by a low surrogate: not a Unicode string.",
        replace(&sa, "safe-bag", "safe\\ud800bag"),
        "malformed",
    );
    c.decode(
        "malformed/raw_control_character",
        "A raw TAB byte inside a string (JSON requires control characters to be escaped).",
        replace(&sa, "safe-bag, one place", "safe-bag,\tone place"),
        "malformed",
    );
    c.decode(
        "malformed/nan",
        "NaN is not JSON.",
        replace(&reg, "\"packages\":1", "\"packages\":NaN"),
        "malformed",
    );
    c.decode(
        "malformed/leading_zero_number",
        "01 is not a JSON number.",
        replace(&reg, "\"packages\":1", "\"packages\":01"),
        "malformed",
    );
    c.decode(
        "malformed/number_out_of_range",
        "1e400 is beyond IEEE 754 double range.",
        replace(&reg, "\"packages\":1", "\"packages\":1e400"),
        "malformed",
    );
    c.decode(
        "malformed/nested_too_deep",
        "200 nested arrays: beyond the parser's nesting limit of 128.",
        format!("{}{}", "[".repeat(200), "]".repeat(200)),
        "malformed",
    );

    // --- non-canonical ------------------------------------------------------------------------
    c.decode(
        "non_canonical/space_after_brace",
        "Whitespace between tokens.",
        replace(&sa, "{\"body\":", "{ \"body\":"),
        "non_canonical",
    );
    c.decode(
        "non_canonical/space_after_colon",
        "Whitespace after a colon inside the body.",
        replace(
            &sa,
            "\"kind\":\"seal_applied\"",
            "\"kind\": \"seal_applied\"",
        ),
        "non_canonical",
    );
    c.decode(
        "non_canonical/trailing_newline",
        "A valid envelope followed by a line feed.",
        format!("{sa}\n"),
        "non_canonical",
    );
    let sa_value = parse(&sa);
    c.decode(
        "non_canonical/top_level_key_order",
        "signatures before body.",
        format!(
            "{{\"signatures\":{},\"body\":{}}}",
            jcs(&sa_value["signatures"]),
            jcs(&sa_value["body"])
        ),
        "non_canonical",
    );
    let at_then_consignment =
        "\"at\":\"2026-11-23T06:10:00Z\",\"consignment\":\"10609050/231126/0000123\"";
    c.decode(
        "non_canonical/nested_key_order",
        "consignment before at inside the body.",
        replace(
            &sa,
            at_then_consignment,
            "\"consignment\":\"10609050/231126/0000123\",\"at\":\"2026-11-23T06:10:00Z\"",
        ),
        "non_canonical",
    );
    c.decode(
        "non_canonical/duplicate_key_same_value",
        "The member seal twice with the same value.",
        replace(
            &sa,
            "\"seal\":\"KG-0042137\"",
            "\"seal\":\"KG-0042137\",\"seal\":\"KG-0042137\"",
        ),
        "non_canonical",
    );
    c.decode(
        "non_canonical/duplicate_key_other_value",
        "The member seal twice with different values: no decoder may pick one.",
        replace(
            &sa,
            "\"seal\":\"KG-0042137\"",
            "\"seal\":\"KG-0000001\",\"seal\":\"KG-0042137\"",
        ),
        "non_canonical",
    );
    c.decode(
        "non_canonical/escaped_solidus",
        "'/' written as \\/ in the consignment id.",
        replace(
            &sa,
            "10609050/231126/0000123",
            "10609050\\/231126\\/0000123",
        ),
        "non_canonical",
    );
    c.decode(
        "non_canonical/escaped_printable_ascii",
        "'-' written as \\u002d.",
        replace(&sa, "safe-bag", "safe\\u002dbag"),
        "non_canonical",
    );
    c.decode(
        "non_canonical/escaped_key",
        "The member name kind written as \\u006bind.",
        replace(&sa, "\"kind\":", "\"\\u006bind\":"),
        "non_canonical",
    );
    c.decode(
        "non_canonical/escaped_cyrillic",
        "The Cyrillic letter П written as \\u041f instead of its UTF-8 bytes.",
        replace(&inc, "Пломба", "\\u041fломба"),
        "non_canonical",
    );
    c.decode(
        "non_canonical/escaped_line_feed_as_u000a",
        "A line feed written as \\u000a instead of \\n.",
        replace(&inc, "замка.\\nСейф", "замка.\\u000aСейф"),
        "non_canonical",
    );
    let with_parcel = set(&sa, "/body/fixed_on", json!("safe-bag 📦"));
    c.decode(
        "non_canonical/escaped_surrogate_pair",
        "U+1F4E6 written as the escaped surrogate pair \\ud83d\\udce6 instead of its 4 UTF-8 bytes.",
        replace(&with_parcel, "📦", "\\ud83d\\udce6"),
        "non_canonical",
    );
    c.decode(
        "non_canonical/number_with_fraction",
        "packages written 1.0 (canonical: 1).",
        replace(&reg, "\"packages\":1", "\"packages\":1.0"),
        "non_canonical",
    );
    c.decode(
        "non_canonical/number_with_exponent",
        "packages written 1e0.",
        replace(&reg, "\"packages\":1", "\"packages\":1e0"),
        "non_canonical",
    );
    c.decode(
        "non_canonical/negative_zero",
        "packages written -0 (canonical: 0).",
        replace(&reg, "\"packages\":1", "\"packages\":-0"),
        "non_canonical",
    );

    // --- unknown fields -----------------------------------------------------------------------
    c.decode(
        "unknown_field/top_level",
        "An extra member next to body and signatures.",
        insert(&sa, "", "comment", json!("checked")),
        "unknown_field",
    );
    c.decode(
        "unknown_field/body",
        "An extra member in the body.",
        insert(&sa, "/body", "colour", json!("red")),
        "unknown_field",
    );
    c.decode(
        "unknown_field/place",
        "An extra member in a nested object (the place).",
        insert(&sa, "/body/place", "gate", json!("3")),
        "unknown_field",
    );
    c.decode(
        "unknown_field/goods_line",
        "An extra member in a goods line.",
        insert(&reg, "/body/goods/0", "origin", json!("BE")),
        "unknown_field",
    );
    c.decode(
        "unknown_field/signature",
        "An extra member in a signature object.",
        insert(&sa, "/signatures/0", "algorithm", json!("ed25519")),
        "unknown_field",
    );
    c.decode(
        "unknown_field/null_member",
        "A member the format does not have, even with value null.",
        insert(&sa, "/body", "note", Value::Null),
        "unknown_field",
    );

    // --- missing fields -----------------------------------------------------------------------
    c.decode(
        "missing_field/seal",
        "seal_applied without its seal.",
        remove(&sa, "/body", "seal"),
        "missing_field",
    );
    c.decode(
        "missing_field/kind",
        "A body without kind.",
        remove(&sa, "/body", "kind"),
        "missing_field",
    );
    c.decode(
        "missing_field/signatures",
        "An envelope without signatures.",
        remove(&sa, "", "signatures"),
        "missing_field",
    );
    c.decode(
        "missing_field/place_type",
        "A place without type.",
        remove(&sa, "/body/place", "type"),
        "missing_field",
    );
    c.decode(
        "missing_field/mass_unit",
        "A mass without its unit.",
        remove(&reg, "/body/goods/0/gross_mass", "unit"),
        "missing_field",
    );
    c.decode(
        "missing_field/grounds_basis",
        "Grounds without a basis.",
        remove(&srm, "/body/grounds", "basis"),
        "missing_field",
    );

    // --- unknown variants ---------------------------------------------------------------------
    c.decode(
        "unknown_variant/kind",
        "An act kind the format does not have.",
        set(&sa, "/body/kind", json!("seal_painted")),
        "unknown_variant",
    );
    c.decode(
        "unknown_variant/kind_in_other_case",
        "Kinds are case-sensitive.",
        set(&sa, "/body/kind", json!("Seal_Applied")),
        "unknown_variant",
    );
    c.decode(
        "unknown_variant/place_type",
        "A place type the format does not have.",
        set(&sa, "/body/place/type", json!("air")),
        "unknown_variant",
    );
    c.decode(
        "unknown_variant/seal_state",
        "A seal state the format does not have.",
        set(&sc, "/body/state", json!("broken")),
        "unknown_variant",
    );
    c.decode(
        "unknown_variant/mass_unit",
        "Pounds are not a mass unit of the format.",
        set(&reg, "/body/goods/0/gross_mass/unit", json!("lb")),
        "unknown_variant",
    );
    c.decode(
        "unknown_variant/role",
        "A role the format does not have.",
        set(&enr, "/body/role", json!("superuser")),
        "unknown_variant",
    );

    // --- wrong JSON types ---------------------------------------------------------------------
    c.decode(
        "wrong_type/number_for_decimal",
        "A mass value as a JSON number (0.412) instead of a decimal string.",
        set(&reg, "/body/goods/0/gross_mass/value", json!(0.412)),
        "wrong_type",
    );
    c.decode(
        "wrong_type/integer_for_decimal",
        "A money amount as a JSON integer.",
        set(&reg, "/body/goods/0/value/amount", json!(1875525)),
        "wrong_type",
    );
    c.decode(
        "wrong_type/number_for_seal",
        "A seal number as a JSON number.",
        set(&sa, "/body/seal", json!(42137)),
        "wrong_type",
    );
    c.decode(
        "wrong_type/string_for_packages",
        "packages as a string.",
        set(&reg, "/body/packages", json!("1")),
        "wrong_type",
    );
    c.decode(
        "wrong_type/negative_packages",
        "packages below zero.",
        set(&reg, "/body/packages", json!(-1)),
        "wrong_type",
    );
    c.decode(
        "wrong_type/packages_above_u32",
        "packages of 2^32.",
        set(&reg, "/body/packages", json!(4_294_967_296u64)),
        "wrong_type",
    );
    c.decode(
        "wrong_type/fractional_packages",
        "packages of 1.5.",
        set(&reg, "/body/packages", json!(1.5)),
        "wrong_type",
    );
    c.decode(
        "wrong_type/null_body",
        "body is null.",
        set(&sa, "/body", Value::Null),
        "wrong_type",
    );
    c.decode(
        "wrong_type/null_required_field",
        "A required field given as null.",
        set(&sa, "/body/seal", Value::Null),
        "wrong_type",
    );
    c.decode(
        "wrong_type/kind_as_number",
        "kind as a number.",
        set(&sa, "/body/kind", json!(1)),
        "wrong_type",
    );
    c.decode(
        "wrong_type/signatures_as_object",
        "signatures as an object instead of an array.",
        set(&sa, "/signatures", json!({"0": sa_value["signatures"][0]})),
        "wrong_type",
    );
    c.decode(
        "wrong_type/crew_as_string",
        "crew as one string instead of an array of keys.",
        set(&esc, "/body/crew", json!(story.escort_lead.id.as_str())),
        "wrong_type",
    );
    c.decode(
        "wrong_type/state_as_number",
        "A seal state as a number.",
        set(&sc, "/body/state", json!(0)),
        "wrong_type",
    );

    // --- decimals -----------------------------------------------------------------------------
    let gross = "/body/goods/0/gross_mass/value";
    for (name, bad, why) in [
        ("exponent", "1e5", "an exponent"),
        ("leading_zero", "01.5", "a leading zero"),
        ("negative_zero", "-0", "minus zero"),
        (
            "negative_zero_with_scale",
            "-0.00",
            "minus zero with decimals",
        ),
        ("plus_sign", "+1", "a plus sign"),
        ("no_whole_part", ".5", "no digit before the point"),
        ("no_fraction_digits", "1.", "no digit after the point"),
        ("comma", "0,412", "a decimal comma"),
        ("space", "0.412 ", "a trailing space"),
        (
            "29_places",
            "0.41200000000000000000000000000",
            "29 decimal places (at most 28)",
        ),
        (
            "too_large",
            "79228162514264337593543950336",
            "2^96, beyond the 96-bit mantissa",
        ),
        ("empty", "", "an empty string"),
        ("arabic_indic_digit", "٤", "a non-ASCII digit"),
    ] {
        c.decode(
            &format!("bad_decimal/{name}"),
            &format!("A decimal string with {why}: {bad:?}."),
            set(&reg, gross, json!(bad)),
            "bad_decimal",
        );
    }
    c.decode(
        "bad_decimal/coordinate_plus_sign",
        "A latitude with a plus sign, in a position.",
        set(
            &pos,
            "/body/positions/0/coordinates/latitude",
            json!("+43.0612"),
        ),
        "bad_decimal",
    );

    // --- times --------------------------------------------------------------------------------
    for (name, bad, why) in [
        (
            "offset",
            "2026-11-23T06:10:00+00:00",
            "an offset instead of Z",
        ),
        ("fraction", "2026-11-23T06:10:00.5Z", "fractional seconds"),
        (
            "fraction_zero",
            "2026-11-23T06:10:00.000Z",
            "zero fractional seconds",
        ),
        ("lower_case", "2026-11-23t06:10:00z", "lower-case t and z"),
        ("space", "2026-11-23 06:10:00Z", "a space instead of T"),
        ("no_seconds", "2026-11-23T06:10Z", "no seconds"),
        ("no_zone", "2026-11-23T06:10:00", "no zone"),
        (
            "february_30",
            "2026-02-30T06:10:00Z",
            "a day that does not exist",
        ),
        ("hour_24", "2026-11-23T24:00:00Z", "hour 24"),
        ("second_61", "2026-11-23T06:10:61Z", "second 61"),
        ("unix_seconds", "1795414200", "unix seconds"),
    ] {
        c.decode(
            &format!("bad_time/{name}"),
            &format!("A time with {why}: {bad:?}."),
            set(&sa, "/body/at", json!(bad)),
            "bad_time",
        );
    }
    c.decode(
        "bad_time/nested",
        "A certificate's issue date without its time of day.",
        set(&reg, "/body/certificates/0/issued_at", json!("2026-11-20")),
        "bad_time",
    );

    // --- codes, keys and texts ----------------------------------------------------------------
    let upper_key = story.airport_officer.id.as_str().to_uppercase();
    let long_text = "x".repeat(4097);
    let bad_values: Vec<(&str, &str, &str, Value, &str)> = vec![
        (
            "unit_code_lower_case",
            "A unit code in lower case.",
            "/body/place/unit",
            json!("manas-airport"),
            "sa",
        ),
        (
            "unit_code_too_long",
            "A unit code of 33 characters.",
            "/body/place/unit",
            json!("A".repeat(33)),
            "sa",
        ),
        (
            "key_upper_case_hex",
            "The officer's key in upper-case hex.",
            "/body/officer",
            json!(upper_key),
            "sa",
        ),
        (
            "key_63_digits",
            "The officer's key one digit short.",
            "/body/officer",
            json!(&story.airport_officer.id.as_str()[..63]),
            "sa",
        ),
        (
            "signature_key_upper_case_hex",
            "A signature's key in upper-case hex.",
            "/signatures/0/key",
            json!(upper_key),
            "sa",
        ),
        (
            "signature_upper_case_hex",
            "A signature in upper-case hex.",
            "/signatures/0/signature",
            json!(sa_value["signatures"][0]["signature"]
                .as_str()
                .unwrap()
                .to_uppercase()),
            "sa",
        ),
        (
            "signature_127_digits",
            "A signature one hex digit short.",
            "/signatures/0/signature",
            json!(&sa_value["signatures"][0]["signature"].as_str().unwrap()[..127]),
            "sa",
        ),
        (
            "seal_number_with_space",
            "A seal number with a space.",
            "/body/seal",
            json!("KG 0042137"),
            "sa",
        ),
        (
            "seal_number_lower_case",
            "A seal number in lower case.",
            "/body/seal",
            json!("kg-0042137"),
            "sa",
        ),
        (
            "consignment_id_lower_case",
            "A consignment id with a lower-case letter.",
            "/body/consignment",
            json!("10609050/231126/0000123a"),
            "sa",
        ),
        (
            "text_empty",
            "An empty text.",
            "/body/fixed_on",
            json!(""),
            "sa",
        ),
        (
            "text_blank",
            "A text of spaces only.",
            "/body/fixed_on",
            json!("   "),
            "sa",
        ),
        (
            "text_bell",
            "A text with a control character (U+0007, escaped \\u0007 as JCS requires).",
            "/body/fixed_on",
            json!("safe-bag\u{7}"),
            "sa",
        ),
        (
            "text_carriage_return",
            "A text with a carriage return (only tab and line feed are allowed).",
            "/body/fixed_on",
            json!("safe-bag\r\none place"),
            "sa",
        ),
        (
            "text_c1_control",
            "A text with U+0085, a C1 control character.",
            "/body/fixed_on",
            json!("safe-bag\u{85}"),
            "sa",
        ),
        (
            "text_too_long",
            "A text of 4097 bytes.",
            "/body/fixed_on",
            json!(long_text),
            "sa",
        ),
        (
            "hs_code_with_dot",
            "An HS code with a dot.",
            "/body/goods/0/hs_code",
            json!("7102.31"),
            "reg",
        ),
        (
            "hs_code_too_short",
            "An HS code of 4 digits.",
            "/body/goods/0/hs_code",
            json!("7102"),
            "reg",
        ),
        (
            "currency_lower_case",
            "A currency code in lower case.",
            "/body/goods/0/value/currency",
            json!("usd"),
            "reg",
        ),
        (
            "country_three_letters",
            "A country code of three letters.",
            "/body/consignor/country",
            json!("BEL"),
            "reg",
        ),
        (
            "previous_upper_case_hex",
            "The previous custody act's id in upper-case hex.",
            "/body/previous",
            Value::Null,
            "ho2",
        ),
        (
            "attachment_digest_short",
            "An attachment digest of 63 hex digits.",
            "/body/attachments/0",
            Value::Null,
            "inc",
        ),
        (
            "discrepancy_id_upper_case",
            "A discrepancy id in upper-case hex.",
            "/body/discrepancy",
            Value::Null,
            "res",
        ),
        (
            "date_without_leading_zero",
            "A calendar date written 2026-3-08.",
            "/body/days_off/1",
            json!("2026-3-08"),
            "cal",
        ),
        (
            "date_that_does_not_exist",
            "30 February.",
            "/body/days_off/1",
            json!("2026-02-30"),
            "cal",
        ),
        (
            "clock_time_24_00",
            "Working hours until 24:00 (the day ends at 23:59).",
            "/body/working_hours/until",
            json!("24:00"),
            "post",
        ),
        (
            "unknown_time_zone",
            "A time zone not in the IANA database.",
            "/body/time_zone",
            json!("Asia/Atlantis"),
            "post",
        ),
    ];
    for (name, description, pointer, value, base) in bad_values {
        let base = match base {
            "cal" => &cal,
            "post" => &post,
            "sa" => &sa,
            "reg" => &reg,
            "ho2" => &ho2,
            "inc" => &inc,
            "res" => &res,
            _ => unreachable!(),
        };
        let value = if value.is_null() {
            let old = parse(base)
                .pointer(pointer)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned();
            if name.contains("short") {
                json!(old[..63])
            } else {
                json!(old.to_uppercase())
            }
        } else {
            value
        };
        c.decode(
            &format!("bad_value/{name}"),
            description,
            set(base, pointer, value),
            "bad_value",
        );
    }

    // --- content rules ------------------------------------------------------------------------
    let content: Vec<(&str, &str, String)> = vec![
        (
            "net_above_gross",
            "Net mass 1250.35 ct (250.07 g) above gross mass 0.200 kg (200 g).",
            set(&reg, gross, json!("0.200")),
        ),
        (
            "route_not_starting_at_departure",
            "The route starts at another post than the office of departure.",
            set(&reg, "/body/route/0", json!("TOKMOK-ROAD")),
        ),
        (
            "route_not_ending_at_destination",
            "The route ends at another post than the office of destination.",
            set(&reg, "/body/route/1", json!("TOKMOK-ROAD")),
        ),
        (
            "route_of_one_post",
            "A route of one post (at least two).",
            set(&reg, "/body/route", json!(["MANAS-AIRPORT"])),
        ),
        (
            "route_repeats_a_post",
            "A route that passes the same post twice.",
            set(
                &reg,
                "/body/route",
                json!([
                    "MANAS-AIRPORT",
                    "PMD-BISHKEK",
                    "MANAS-AIRPORT",
                    "PMD-BISHKEK"
                ]),
            ),
        ),
        (
            "no_goods",
            "A registration without goods lines.",
            set(&reg, "/body/goods", json!([])),
        ),
        (
            "zero_packages",
            "A registration of zero packages.",
            set(&reg, "/body/packages", json!(0)),
        ),
        (
            "zero_quantity",
            "A goods line of quantity 0.00.",
            set(&reg, "/body/goods/0/quantity/value", json!("0.00")),
        ),
        (
            "negative_value",
            "A negative customs value.",
            set(&reg, "/body/goods/0/value/amount", json!("-1.00")),
        ),
        (
            "deadline_not_after_registration",
            "A delivery deadline equal to the registration time.",
            set(
                &reg,
                "/body/delivery_deadline",
                json!("2026-11-23T06:00:00Z"),
            ),
        ),
        (
            "same_releasing_and_receiving_officer",
            "A handoff from an officer to themself (signed twice by them).",
            {
                let mut v = parse(&ho1);
                v["body"]["receiving"] = v["body"]["releasing"].clone();
                v["signatures"][1] = v["signatures"][0].clone();
                jcs(&v)
            },
        ),
        (
            "handoff_seal_listed_twice",
            "A handoff listing the same seal twice.",
            {
                let mut v = parse(&ho1);
                let seal = v["body"]["seals"][0].clone();
                v["body"]["seals"].as_array_mut().unwrap().push(seal);
                jcs(&v)
            },
        ),
        (
            "handoff_gross_mass_zero",
            "A handoff with gross mass 0.",
            set(&ho1, "/body/gross_mass/value", json!("0")),
        ),
        (
            "new_seal_same_as_old",
            "A seal replaced by itself.",
            set(&srp, "/body/new_seal", json!("KG-0042137")),
        ),
        (
            "permission_without_reference",
            "A seal removed with permission but without the permission's reference.",
            {
                let v = set(&srm, "/body/grounds/basis", json!("permission"));
                remove(&v, "/body/grounds", "reference")
            },
        ),
        (
            "crew_without_officer_in_charge",
            "An escort crew that does not include its officer in charge.",
            set(&esc, "/body/crew", json!([story.escort_second.id.as_str()])),
        ),
        (
            "crew_member_twice",
            "An escort crew listing a member twice.",
            set(
                &esc,
                "/body/crew",
                json!([story.escort_lead.id.as_str(), story.escort_lead.id.as_str()]),
            ),
        ),
        (
            "latitude_off_the_globe",
            "A latitude of 90.5.",
            set(&scd, "/body/place/coordinates/latitude", json!("90.5")),
        ),
        (
            "longitude_off_the_globe",
            "A longitude of -180.0001 in a position.",
            set(
                &pos,
                "/body/positions/0/coordinates/longitude",
                json!("-180.0001"),
            ),
        ),
        (
            "no_positions",
            "A position report without positions.",
            set(&pos, "/body/positions", json!([])),
        ),
        (
            "enrollment_ends_when_it_starts",
            "An enrollment with valid_until equal to valid_from.",
            set(&enr, "/body/valid_until", json!("2026-01-01T00:00:00Z")),
        ),
        (
            "kp_contents_on_a_state_control_certificate",
            "KP contents on a certificate of kind state_control.",
            set(&reg, "/body/certificates/0/kind", json!("state_control")),
        ),
        (
            "kp_hs_code_not_rough_diamonds",
            "A KP certificate listing HS 7103 91 (worked precious stones), not rough diamonds.",
            set(&reg, "/body/certificates/0/kp/hs_codes", json!(["710391"])),
        ),
        (
            "kp_no_parcels",
            "A KP certificate of 0 parcels.",
            set(&reg, "/body/certificates/0/kp/parcels", json!(0)),
        ),
        (
            "kp_zero_carats",
            "A KP certificate of 0.00 carats.",
            set(&reg, "/body/certificates/0/kp/carats", json!("0.00")),
        ),
        (
            "kp_expires_before_issue",
            "A KP certificate that expires on the day it was issued.",
            set(
                &reg,
                "/body/certificates/0/kp/expires_at",
                json!("2026-11-20T00:00:00Z"),
            ),
        ),
        (
            "certificates_issued_none",
            "The Department records that it issued no certificate.",
            set(&issued, "/body/certificates", json!([])),
        ),
        (
            "kpc_found_damaged_after_it_was_returned",
            "A KP certificate found damaged after it was sent back.",
            set(
                &returned,
                "/body/found_damaged_at",
                json!("2026-11-30T00:00:00Z"),
            ),
        ),
        (
            "calendar_day_off_in_another_year",
            "A 2026 calendar naming 1 January 2027 as a day off.",
            set(&cal, "/body/days_off/2", json!("2027-01-01")),
        ),
        (
            "calendar_weekday_8",
            "A weekly rest day numbered 8 (ISO weekdays are 1 to 7).",
            set(&cal, "/body/weekly_rest", json!([6, 8])),
        ),
        (
            "post_hours_end_before_they_begin",
            "Working hours from 18:00 until 09:00.",
            set(
                &post,
                "/body/working_hours",
                json!({"from": "18:00", "until": "09:00"}),
            ),
        ),
        (
            "kp_participants_none",
            "A KP participants list naming no participant.",
            set(&kpl, "/body/participants", json!([])),
        ),
        (
            "kp_participant_without_countries",
            "A KP participant (Botswana) of no country.",
            set(&kpl, "/body/participants/1/countries", json!([])),
        ),
        (
            "kp_country_in_two_participants",
            "Belgium listed both in the European Union and as a participant of its own.",
            set(&kpl, "/body/participants/1/countries", json!(["BE"])),
        ),
        (
            "authority_enrolls_itself",
            "An enrollment of the authority's own key.",
            {
                let authority = parse(&enr)["body"]["authority"].clone();
                set(&enr, "/body/key", authority)
            },
        ),
    ];
    for (name, description, input) in content {
        c.decode(
            &format!("invalid_content/{name}"),
            description,
            input,
            "invalid_content",
        );
    }

    // --- signers ------------------------------------------------------------------------------
    let ho1_value = parse(&ho1);
    let releasing_sig = ho1_value["signatures"][0].clone();
    let receiving_sig = ho1_value["signatures"][1].clone();
    c.decode(
        "missing_signature/offer_is_not_a_complete_act",
        "A custody offer (releasing signature only) given where a complete act is expected.",
        offer.clone(),
        "missing_signature",
    );
    c.decode(
        "missing_signature/receiving_only",
        "A handoff with only the receiving officer's signature.",
        set(&ho1, "/signatures", json!([receiving_sig])),
        "missing_signature",
    );
    c.decode(
        "missing_signature/none",
        "An act with no signatures.",
        set(&sa, "/signatures", json!([])),
        "missing_signature",
    );
    let sa_message = message(&sa_act.id().0);
    c.decode(
        "unexpected_signer/wrong_key",
        "seal_applied signed (validly) by a key the act does not name.",
        set(
            &sa,
            "/signatures",
            json!([signature_json(&story.outsider.key, &sa_message)]),
        ),
        "unexpected_signer",
    );
    c.decode(
        "unexpected_signer/extra_signer",
        "seal_applied with its officer's signature and one more by another key.",
        set(
            &sa,
            "/signatures",
            json!([
                sa_value["signatures"][0],
                signature_json(&story.escort_lead.key, &sa_message)
            ]),
        ),
        "unexpected_signer",
    );
    let ho1_message = message(&ho1_act.id().0);
    c.decode(
        "unexpected_signer/handoff_countersigned_by_another",
        "A handoff countersigned by someone other than the receiving officer.",
        set(
            &ho1,
            "/signatures/1",
            signature_json(&story.escort_second.key, &ho1_message),
        ),
        "unexpected_signer",
    );
    let enr_act_id = acts.get("key_enrolled/escort_lead").id();
    c.decode(
        "unexpected_signer/registry_act_by_an_officer",
        "An enrollment signed by an officer instead of the authority it names.",
        set(
            &enr,
            "/signatures",
            json!([signature_json(
                &story.airport_officer.key,
                &message(&enr_act_id.0)
            )]),
        ),
        "unexpected_signer",
    );
    c.decode(
        "signature_order/handoff_swapped",
        "A handoff with the receiving officer's signature first.",
        set(&ho1, "/signatures", json!([receiving_sig, releasing_sig])),
        "signature_order",
    );
    c.decode(
        "signature_order/signed_twice",
        "A single-signer act carrying its signature twice.",
        set(
            &sa,
            "/signatures",
            json!([sa_value["signatures"][0], sa_value["signatures"][0]]),
        ),
        "signature_order",
    );
    c.decode(
        "signature_order/handoff_extra_copy",
        "A handoff with the releasing signature repeated after both.",
        set(
            &ho1,
            "/signatures",
            json!([releasing_sig, receiving_sig, releasing_sig]),
        ),
        "signature_order",
    );

    // --- decodes, but the signatures do not hold ----------------------------------------------
    c.verify(
        "bad_signature/body_edited_after_signing",
        "seal_checked with the state changed from intact to damaged after signing; the signature kept, the envelope re-canonicalised.",
        set(&sc, "/body/state", json!("damaged")),
    );
    c.verify(
        "bad_signature/enrollment_role_raised",
        "An enrollment whose role was changed to central_staff after the authority signed it.",
        set(&enr, "/body/role", json!("central_staff")),
    );
    c.verify(
        "bad_signature/text_normalized_differently",
        "The note's ё (U+0451) written decomposed as е + U+0308 after signing: texts are bytes, never normalized, so the id changes.",
        set(
            &scd,
            "/body/note",
            json!(NOTE_WITH_YO.replace('ё', "е\u{308}")),
        ),
    );
    c.verify(
        "bad_signature/handoff_mass_edited",
        "A handoff whose gross mass was changed after both signed it.",
        set(&ho1, "/body/gross_mass/value", json!("0.411")),
    );
    let other = parse(&acts.envelope("seal_checked/intact_at_stop"));
    c.verify(
        "bad_signature/signature_from_another_act",
        "The same officer's valid signature on another act.",
        set(&scd, "/signatures/0", other["signatures"][0].clone()),
    );
    let mut flipped = sa_act.signatures()[0].signature.0;
    flipped[10] ^= 0x01;
    c.verify(
        "bad_signature/bit_flipped",
        "One bit of the signature flipped.",
        set(&sa, "/signatures/0/signature", json!(hex::encode(flipped))),
    );
    c.verify(
        "bad_signature/malleated_s",
        "The signature's S replaced by S + L (the group order): the same signature for lax verifiers; strict verification requires S < L.",
        set(
            &sa,
            "/signatures/0/signature",
            json!(hex::encode(malleate(&sa_act.signatures()[0].signature.0))),
        ),
    );
    c.verify(
        "bad_signature/over_id_without_context",
        "Signed over the 32 id bytes alone, without the context string.",
        set(
            &sa,
            "/signatures/0",
            signature_json(&story.airport_officer.key, &sa_act.id().0),
        ),
    );
    c.verify(
        "bad_signature/over_canonical_body",
        "Signed over the canonical body bytes instead of context || id.",
        set(
            &sa,
            "/signatures/0",
            signature_json(&story.airport_officer.key, &canonical_bytes(sa_act.body())),
        ),
    );
    let mut hex_message = b"tamga/act-signature/v1\0".to_vec();
    hex_message.extend_from_slice(sa_act.id().to_hex().as_bytes());
    c.verify(
        "bad_signature/over_hex_id",
        "Signed over the context followed by the id's 64 hex digits instead of its 32 bytes.",
        set(
            &sa,
            "/signatures/0",
            signature_json(&story.airport_officer.key, &hex_message),
        ),
    );
    let mut no_nul = b"tamga/act-signature/v1".to_vec();
    no_nul.extend_from_slice(&sa_act.id().0);
    c.verify(
        "bad_signature/context_without_nul",
        "Signed over the context string without its NUL byte, then the id.",
        set(
            &sa,
            "/signatures/0",
            signature_json(&story.airport_officer.key, &no_nul),
        ),
    );
    c.verify(
        "bad_signature/handoff_receiving_signature_from_another_act",
        "A handoff whose receiving signature is the receiving officer's valid signature on another act.",
        set(
            &ho1,
            "/signatures/1",
            signature_json(&story.escort_lead.key, &message(&sa_act.id().0)),
        ),
    );
    // The identity point as public key, with R = identity and S = 0: satisfies the
    // cofactorless equation for every message, refused because the key has small order.
    let identity = {
        let mut b = [0u8; 32];
        b[0] = 1;
        hex::encode(b)
    };
    let weak = {
        let v = set(&sa, "/body/officer", json!(identity));
        let v = set(&v, "/signatures/0/key", json!(identity));
        set(
            &v,
            "/signatures/0/signature",
            json!(format!("{identity}{}", "00".repeat(32))),
        )
    };
    c.verify(
        "bad_signature/small_order_key",
        "An act naming the identity point (01 00..00) as its officer, 'signed' with R = identity and S = 0, which a non-strict verifier accepts for any message. Strict verification refuses keys and R of small order.",
        weak,
    );
    let not_a_point = (2u8..=255)
        .map(|k| {
            let mut b = [0u8; 32];
            b[0] = k;
            b
        })
        .find(|b| VerifyingKey::from_bytes(b).is_err())
        .expect("some small y is not on the curve");
    let off_curve = {
        let key = json!(hex::encode(not_a_point));
        let v = set(&sa, "/body/officer", key.clone());
        set(&v, "/signatures/0/key", key)
    };
    c.verify(
        "bad_signature/key_not_on_the_curve",
        "An act naming as officer 32 bytes that are not the encoding of a curve point: well-formed as a key id, but no signature can verify.",
        off_curve,
    );

    // --- custody offers -----------------------------------------------------------------------
    c.offer(
        "offer/complete_act_is_not_an_offer",
        "The complete handoff (both signatures) given where an offer is expected: the receiving signature is one too many.",
        ho1.clone(),
        "unexpected_signer",
    );
    c.offer(
        "offer/not_a_handoff",
        "A seal_applied act (one signature, by its signer) given as an offer.",
        sa.clone(),
        "not_a_handoff",
    );
    c.offer(
        "offer/receiving_signature_only",
        "An offer signed by the receiving officer instead of the releasing one.",
        set(&ho1, "/signatures", json!([receiving_sig])),
        "unexpected_signer",
    );
    c.offer(
        "offer/unsigned",
        "An offer without signatures.",
        set(&offer, "/signatures", json!([])),
        "missing_signature",
    );
    c.offer(
        "offer/same_officer",
        "An offer from an officer to themself.",
        {
            let mut v = parse(&offer);
            v["body"]["receiving"] = v["body"]["releasing"].clone();
            jcs(&v)
        },
        "invalid_content",
    );
    c.offer(
        "offer/non_canonical",
        "An offer with whitespace.",
        replace(&offer, "{\"body\":", "{\"body\": "),
        "non_canonical",
    );

    // --- other spellings of valid acts: one act, one byte string --------------------------------
    c.other_spelling(
        "null_for_absent_optional_field",
        "An absent optional field (note) written as null. The format omits absent optional fields; tamga-core decodes null as absent, so these bytes decode to the act with the same id.",
        insert(&sc, "/body", "note", Value::Null),
        "seal_checked/intact_at_stop",
    );
    c.other_spelling(
        "null_for_absent_previous",
        "A first handoff with \"previous\": null.",
        insert(&ho1, "/body", "previous", Value::Null),
        "custody_transferred/airport_to_escort",
    );
    c.other_spelling(
        "envelope_as_array",
        "The envelope written as the array [body, signatures] (serde accepts a struct as a sequence of its fields).",
        jcs(&json!([sa_value["body"], sa_value["signatures"]])),
        "seal_applied/safe_bag",
    );
    c.other_spelling(
        "signature_as_array",
        "A signature written as the array [key, signature].",
        set(
            &sa,
            "/signatures/0",
            json!([
                sa_value["signatures"][0]["key"],
                sa_value["signatures"][0]["signature"]
            ]),
        ),
        "seal_applied/safe_bag",
    );
    c.other_spelling(
        "body_as_array",
        "The body written as an array: the kind, then the fields in declaration order.",
        {
            let b = &sa_value["body"];
            set(
                &sa,
                "/body",
                json!([
                    b["kind"],
                    b["consignment"],
                    b["at"],
                    b["officer"],
                    b["place"],
                    b["seal"],
                    b["seal_kind"],
                    b["fixed_on"]
                ]),
            )
        },
        "seal_applied/safe_bag",
    );
    c.other_spelling(
        "mass_as_array",
        "A mass written as the array [value, unit].",
        set(&ho1, "/body/gross_mass", json!(["0.412", "kg"])),
        "custody_transferred/airport_to_escort",
    );
    c.other_spelling(
        "place_as_array",
        "A place written as the array [type, description].",
        set(
            &sc,
            "/body/place",
            json!(["road", "Bishkek ring road, km 14, fuel stop"]),
        ),
        "seal_checked/intact_at_stop",
    );
    c.other_spelling(
        "enum_value_as_object",
        "A seal state written as {\"intact\": null} instead of \"intact\".",
        set(&sc, "/body/state", json!({"intact": null})),
        "seal_checked/intact_at_stop",
    );
    c.other_spelling(
        "place_type_as_index",
        "A place type written as its variant index (1 for road) instead of \"road\".",
        set(&sc, "/body/place/type", json!(1)),
        "seal_checked/intact_at_stop",
    );
    legal_invalid(&mut c, story, acts);
    road_invalid(&mut c, story, acts);
    c.cases
}

/// The refused inputs of the legal record's kinds and fields, after the others (so the older
/// cases keep their places in the file).
fn legal_invalid(c: &mut Cases, story: &Story, acts: &Acts) {
    let reg = acts.envelope("consignment_registered/diamonds");
    let regd = acts.envelope("consignment_registered/with_carrier_and_documents");
    let inc = acts.envelope("incident_reported/seal_damage");
    let acc = acts.envelope("incident_reported/accident_happened_earlier");
    let ho1 = acts.envelope("custody_transferred/airport_to_escort");
    let srm = acts.envelope("seal_removed/inspection");
    let srmp = acts.envelope("seal_removed/with_permission_act");
    let del = acts.envelope("consignment_delivered/department");
    let deld = acts.envelope("consignment_delivered/documents_checked");
    let short = acts.envelope("consignment_delivered/short");
    let tranship = acts.envelope("custody_transferred/transhipment");
    let corr_seal = acts.envelope("act_corrected/seal_applied_before_handoff");
    let corr_reg = acts.envelope("act_corrected/registration_with_permit");
    let corr_esc = acts.envelope("act_corrected/escort_vehicle");
    let perm_removal = acts.envelope("permission_granted/seal_removal");
    let perm_corr = acts.envelope("permission_granted/correction_of_registration");
    let change = acts.envelope("escort_changed/relief_crew");
    let ext = acts.envelope("deadline_extended/after_accident");
    let attended = acts.envelope("incident_followed_up/officials_attended");
    let closed = acts.envelope("incident_followed_up/closed");
    let refused = acts.envelope("delivery_refused/licence_suspended");
    let returned = acts.envelope("consignment_returned/after_refusal");
    let tranship_offer = acts.offer("custody_offer/transhipment");
    let some_id = acts
        .get("custody_transferred/airport_to_escort")
        .id()
        .to_hex();

    // --- content rules ----------------------------------------------------------------------
    let content: Vec<(&str, &str, String)> = vec![
        (
            "correction_changes_no_field",
            "A correction of a seal_applied act whose changes name no field.",
            set(&corr_seal, "/body/changes", json!({"kind": "seal_applied"})),
        ),
        (
            "correction_to_zero_packages",
            "A correction of a registration to 0 packages.",
            insert(&corr_reg, "/body/changes", "packages", json!(0)),
        ),
        (
            "correction_to_no_goods",
            "A correction of a registration to an empty list of goods.",
            insert(&corr_reg, "/body/changes", "goods", json!([])),
        ),
        (
            "correction_document_listed_twice",
            "A correction of a registration's documents listing one number twice.",
            insert(
                &corr_reg,
                "/body/changes",
                "documents",
                json!([
                    {"kind": "invoice", "number": "INV 2026/1187"},
                    {"kind": "packing_list", "number": "INV 2026/1187"}
                ]),
            ),
        ),
        (
            "registration_document_listed_twice",
            "A registration listing two documents of the same number.",
            set(&regd, "/body/documents/1/number", json!("10609050/231126/0000123")),
        ),
        (
            "transhipment_new_seal_same_as_one_taken_off",
            "A transhipment whose new seal is the seal the handoff lists (and so takes off).",
            set(
                &tranship,
                "/body/transhipment/new_seals/0/seal",
                json!("KG-0042137"),
            ),
        ),
        (
            "transhipment_without_new_seals",
            "A transhipment that fixes no new seal.",
            set(&tranship, "/body/transhipment/new_seals", json!([])),
        ),
        (
            "transhipment_new_seal_twice",
            "A transhipment listing the same new seal twice.",
            {
                let mut v = parse(&tranship);
                let seal = v["body"]["transhipment"]["new_seals"][0].clone();
                v["body"]["transhipment"]["new_seals"]
                    .as_array_mut()
                    .unwrap()
                    .push(seal);
                jcs(&v)
            },
        ),
        (
            "shortage_of_nothing",
            "A shortage of 0 packages and 0.00 ct.",
            set(&short, "/body/shortage/net_mass/value", json!("0.00")),
        ),
        (
            "shortage_negative_mass",
            "A shortage of -2.50 ct.",
            set(&short, "/body/shortage/net_mass/value", json!("-2.50")),
        ),
        (
            "delivered_net_mass_zero",
            "A delivery whose net mass re-weighed is 0.",
            set(&deld, "/body/net_mass/value", json!("0")),
        ),
        (
            "delivered_document_listed_twice",
            "A delivery checking the same document number twice.",
            set(&deld, "/body/documents/1/number", json!("10609050/231126/0000123")),
        ),
        (
            "happened_at_after_the_report",
            "An incident that happened a minute after it was reported.",
            set(&acc, "/body/happened_at", json!("2026-11-23T07:21:00Z")),
        ),
        (
            "valid_until_before_the_grant",
            "A permission that lapses before it is granted.",
            set(&perm_removal, "/body/valid_until", json!("2026-11-23T07:39:59Z")),
        ),
        (
            "valid_until_at_the_grant",
            "A permission that lapses the moment it is granted (valid_until is exclusive).",
            set(&perm_removal, "/body/valid_until", json!("2026-11-23T07:40:00Z")),
        ),
        (
            "seal_removal_permit_without_seals",
            "A seal removal permit naming no seal.",
            set(&perm_removal, "/body/permits/seals", json!([])),
        ),
        (
            "seal_removal_permit_seal_twice",
            "A seal removal permit naming the same seal twice.",
            set(
                &perm_removal,
                "/body/permits/seals",
                json!(["KG-0042137", "KG-0042137"]),
            ),
        ),
        (
            "inspection_naming_a_permission_act",
            "A removal for inspection whose grounds name a permission act (only a removal with permission names one).",
            insert(&srm, "/body/grounds", "permission", json!(some_id)),
        ),
        (
            "permission_without_act_or_reference",
            "A removal with permission whose grounds name neither the permission act nor a reference.",
            remove(&srmp, "/body/grounds", "permission"),
        ),
        (
            "escort_change_without_officer_in_charge",
            "A crew change whose crew does not include the new officer in charge.",
            set(&change, "/body/crew", json!([story.escort_second.id.as_str()])),
        ),
        (
            "escort_change_member_twice",
            "A crew change listing a member twice.",
            {
                let lead = parse(&change)["body"]["officer_in_charge"].clone();
                set(&change, "/body/crew", json!([lead, lead]))
            },
        ),
        (
            "refusal_seal_listed_twice",
            "A refusal listing the same seal twice.",
            {
                let mut v = parse(&refused);
                let seal = v["body"]["seals"][0].clone();
                v["body"]["seals"].as_array_mut().unwrap().push(seal);
                jcs(&v)
            },
        ),
        (
            "return_gross_mass_zero",
            "A return with gross mass 0.",
            set(&returned, "/body/gross_mass/value", json!("0")),
        ),
        (
            "follow_up_place_off_the_globe",
            "A follow-up on the road at latitude 91.",
            insert(
                &attended,
                "/body/place",
                "coordinates",
                json!({"latitude": "91", "longitude": "74.6122"}),
            ),
        ),
    ];
    for (name, description, input) in content {
        c.decode(
            &format!("invalid_content/{name}"),
            description,
            input,
            "invalid_content",
        );
    }

    // --- other spellings: absent optional members written out --------------------------------
    c.other_spelling(
        "empty_documents_in_registration",
        "An absent documents list written as an empty array. Absent optional lists are omitted, so the registration made before documents existed keeps its bytes and id.",
        insert(&reg, "/body", "documents", json!([])),
        "consignment_registered/diamonds",
    );
    c.other_spelling(
        "empty_documents_at_delivery",
        "A delivery with \"documents\": [] (no document checked).",
        insert(&del, "/body", "documents", json!([])),
        "consignment_delivered/department",
    );
    c.other_spelling(
        "empty_attachments_in_follow_up",
        "A follow-up with \"attachments\": [].",
        insert(&closed, "/body", "attachments", json!([])),
        "incident_followed_up/closed",
    );
    for (name, base, pointer, member, same_as) in [
        (
            "carrier",
            &reg,
            "/body",
            "carrier",
            "consignment_registered/diamonds",
        ),
        (
            "happened_at",
            &inc,
            "/body",
            "happened_at",
            "incident_reported/seal_damage",
        ),
        (
            "transhipment",
            &ho1,
            "/body",
            "transhipment",
            "custody_transferred/airport_to_escort",
        ),
        (
            "grounds_permission",
            &srm,
            "/body/grounds",
            "permission",
            "seal_removed/inspection",
        ),
        (
            "net_mass",
            &del,
            "/body",
            "net_mass",
            "consignment_delivered/department",
        ),
        (
            "shortage",
            &del,
            "/body",
            "shortage",
            "consignment_delivered/department",
        ),
        (
            "valid_until",
            &perm_corr,
            "/body",
            "valid_until",
            "permission_granted/correction_of_registration",
        ),
        (
            "correction_field",
            &corr_seal,
            "/body/changes",
            "seal",
            "act_corrected/seal_applied_before_handoff",
        ),
    ] {
        c.other_spelling(
            &format!("null_for_absent_{name}"),
            &format!("The absent optional member {member} written as null."),
            insert(base, pointer, member, Value::Null),
            same_as,
        );
    }

    // --- fields and variants the format does not have ----------------------------------------
    c.decode(
        "unknown_field/correction_of_the_route",
        "A correction of a registration's route: the route decides who may act, so it is not among the fields a correction changes.",
        insert(
            &corr_reg,
            "/body/changes",
            "route",
            json!(["MANAS-AIRPORT", "PMD-BISHKEK"]),
        ),
        "unknown_field",
    );
    c.decode(
        "unknown_field/correction_of_the_deadline",
        "A correction of the delivery deadline: a longer deadline is a deadline_extended act.",
        insert(
            &corr_reg,
            "/body/changes",
            "delivery_deadline",
            json!("2026-11-23T18:00:00Z"),
        ),
        "unknown_field",
    );
    c.decode(
        "unknown_field/correction_of_the_crew",
        "A correction of an escort assignment's crew: another crew is an escort_changed act.",
        insert(
            &corr_esc,
            "/body/changes",
            "crew",
            json!([story.escort_second.id.as_str()]),
        ),
        "unknown_field",
    );
    c.decode(
        "unknown_field/seal_removal_permit_with_act",
        "A seal removal permit with a member of a correction permit.",
        insert(&perm_removal, "/body/permits", "act", json!(some_id)),
        "unknown_field",
    );
    c.decode(
        "unknown_variant/permit_type",
        "A permit type the format does not have.",
        set(&perm_removal, "/body/permits/type", json!("seal_painting")),
        "unknown_variant",
    );
    c.decode(
        "unknown_variant/correction_of_a_handoff",
        "Changes of kind custody_transferred: a handoff is never corrected (both sides signed it).",
        set(
            &corr_seal,
            "/body/changes/kind",
            json!("custody_transferred"),
        ),
        "unknown_variant",
    );
    c.decode(
        "unknown_variant/follow_up_action",
        "A follow-up action the format does not have.",
        set(&attended, "/body/action", json!("ignored")),
        "unknown_variant",
    );
    c.decode(
        "unknown_variant/document_kind",
        "A document kind the format does not have.",
        set(&regd, "/body/documents/0/kind", json!("passport")),
        "unknown_variant",
    );
    c.decode(
        "missing_field/transhipment_permission",
        "A transhipment without its permission act.",
        remove(&tranship, "/body/transhipment", "permission"),
        "missing_field",
    );
    c.decode(
        "missing_field/shortage_description",
        "A shortage without its description.",
        remove(&short, "/body/shortage", "description"),
        "missing_field",
    );
    c.decode(
        "missing_field/correction_kind",
        "Changes without the kind of the act corrected.",
        remove(&corr_seal, "/body/changes", "kind"),
        "missing_field",
    );
    c.decode(
        "missing_field/deadline_incident",
        "A deadline extension naming no incident.",
        remove(&ext, "/body", "incident"),
        "missing_field",
    );
    c.decode(
        "wrong_type/document_present_as_string",
        "A document check's present written as the string \"yes\" instead of true.",
        set(&deld, "/body/documents/0/present", json!("yes")),
        "wrong_type",
    );
    c.decode(
        "wrong_type/document_present_as_number",
        "A document check's present written as 1.",
        set(&deld, "/body/documents/0/present", json!(1)),
        "wrong_type",
    );
    c.decode(
        "wrong_type/shortage_packages_as_string",
        "A shortage's packages as a string.",
        set(&short, "/body/shortage/packages", json!("0")),
        "wrong_type",
    );
    c.decode(
        "bad_value/corrects_upper_case_hex",
        "The act corrected named in upper-case hex.",
        {
            let id = parse(&corr_seal)["body"]["corrects"]
                .as_str()
                .unwrap()
                .to_uppercase();
            set(&corr_seal, "/body/corrects", json!(id))
        },
        "bad_value",
    );
    c.decode(
        "bad_value/transhipment_permission_short",
        "A transhipment's permission act id of 63 hex digits.",
        set(
            &tranship,
            "/body/transhipment/permission",
            json!(&some_id[..63]),
        ),
        "bad_value",
    );
    c.decode(
        "bad_value/permit_seal_lower_case",
        "A seal removal permit naming a seal in lower case.",
        set(&perm_removal, "/body/permits/seals/0", json!("kg-0042137")),
        "bad_value",
    );
    c.decode(
        "bad_value/document_number_blank",
        "A registered document whose number is blank.",
        set(&regd, "/body/documents/1/number", json!(" ")),
        "bad_value",
    );
    c.decode(
        "bad_time/happened_at_with_offset",
        "happened_at with an offset instead of Z.",
        set(
            &acc,
            "/body/happened_at",
            json!("2026-11-23T07:15:00+00:00"),
        ),
        "bad_time",
    );
    c.decode(
        "bad_time/valid_until_without_seconds",
        "valid_until without seconds.",
        set(
            &perm_removal,
            "/body/valid_until",
            json!("2026-11-23T19:40Z"),
        ),
        "bad_time",
    );
    c.decode(
        "bad_decimal/shortage_mass_exponent",
        "A shortage's net mass with an exponent.",
        set(&short, "/body/shortage/net_mass/value", json!("2.5e0")),
        "bad_decimal",
    );
    c.decode(
        "bad_decimal/net_mass_comma",
        "A net mass re-weighed written with a decimal comma.",
        set(&deld, "/body/net_mass/value", json!("1250,35")),
        "bad_decimal",
    );

    // --- signers ------------------------------------------------------------------------------
    let tv = parse(&tranship);
    let (releasing, receiving) = (tv["signatures"][0].clone(), tv["signatures"][1].clone());
    c.decode(
        "missing_signature/transhipment_receiving_crew_only",
        "A transhipment signed by the relief officer only: the crew handing over has not signed.",
        set(&tranship, "/signatures", json!([receiving])),
        "missing_signature",
    );
    c.decode(
        "signature_order/transhipment_swapped",
        "A transhipment with the receiving officer's signature first.",
        set(&tranship, "/signatures", json!([receiving, releasing])),
        "signature_order",
    );
    let corr_act = acts.get("act_corrected/seal_applied_before_handoff");
    c.decode(
        "unexpected_signer/correction_by_another_officer",
        "A correction signed (validly) by the escort lead, not by the officer it names.",
        set(
            &corr_seal,
            "/signatures",
            json!([signature_json(
                &story.escort_lead.key,
                &message(&corr_act.id().0)
            )]),
        ),
        "unexpected_signer",
    );

    // --- decodes, but the signatures do not hold ----------------------------------------------
    c.verify(
        "bad_signature/shortage_removed_after_signing",
        "A short delivery with the shortage taken out after signing: leaving out an optional member is another body, so another id.",
        remove(&short, "/body", "shortage"),
    );
    c.verify(
        "bad_signature/happened_at_added_after_signing",
        "The seal damage report (signed without happened_at) with happened_at added afterwards.",
        insert(&inc, "/body", "happened_at", json!("2026-11-23T07:05:00Z")),
    );
    c.verify(
        "bad_signature/permit_seal_changed_after_signing",
        "A seal removal permit whose seal was changed after the Department signed it.",
        set(&perm_removal, "/body/permits/seals/0", json!("KG-0042190")),
    );
    c.verify(
        "bad_signature/document_found_after_signing",
        "A delivery whose missing air waybill was turned into present after signing.",
        set(&deld, "/body/documents/2/present", json!(true)),
    );

    // --- custody offers -----------------------------------------------------------------------
    c.offer(
        "offer/transhipment_new_seal_same_as_one_taken_off",
        "A transhipment offer whose new seal is the seal listed as taken off.",
        set(
            &tranship_offer,
            "/body/transhipment/new_seals/0/seal",
            json!("KG-0042137"),
        ),
        "invalid_content",
    );
    c.offer(
        "offer/transhipment_complete_act",
        "The complete transhipment (both crews' signatures) where an offer is expected.",
        tranship.clone(),
        "unexpected_signer",
    );
}

/// The refused inputs of the road's acts and members, after all the others (so the older cases
/// keep their places in the file).
fn road_invalid(c: &mut Cases, story: &Story, acts: &Acts) {
    let reg = acts.envelope("consignment_registered/with_corridor");
    let post = acts.envelope("post_registered/airport_with_coordinates");
    let events = acts.envelope("seal_events_reported/armed_and_positions");
    let quiet = acts.envelope("seal_events_reported/opened_and_disarmed");

    // --- content rules ----------------------------------------------------------------------
    let content: Vec<(&str, &str, String)> = vec![
        (
            "corridor_of_one_waypoint",
            "A corridor of one waypoint: a corridor is a line of 2 to 1000 waypoints.",
            set(
                &reg,
                "/body/corridor/waypoints",
                json!([{"latitude": "43.0612", "longitude": "74.4776"}]),
            ),
        ),
        (
            "corridor_width_50",
            "A corridor 50 m wide: the width is 100 to 100000 metres.",
            set(&reg, "/body/corridor/width_metres", json!(50)),
        ),
        (
            "corridor_width_100001",
            "A corridor 100001 m wide: the width is 100 to 100000 metres.",
            set(&reg, "/body/corridor/width_metres", json!(100001)),
        ),
        (
            "corridor_waypoint_off_the_globe",
            "A corridor waypoint at longitude 180.5.",
            set(&reg, "/body/corridor/waypoints/2/longitude", json!("180.5")),
        ),
        (
            "post_coordinates_off_the_globe",
            "A post registered at latitude 91.",
            set(&post, "/body/coordinates/latitude", json!("91")),
        ),
        (
            "position_event_without_coordinates",
            "A navigation seal's position event without coordinates: a position event needs them.",
            remove(&events, "/body/events/1", "coordinates"),
        ),
        (
            "seal_event_off_the_globe",
            "A navigation seal's event at latitude -90.01.",
            set(
                &events,
                "/body/events/2/coordinates/latitude",
                json!("-90.01"),
            ),
        ),
        (
            "no_seal_events",
            "A seal_events_reported act with no event: 1 to 1000 events.",
            set(&events, "/body/events", json!([])),
        ),
        (
            "seal_event_twice",
            "A batch reporting the same event (seal, time and kind) twice.",
            {
                let mut v = parse(&quiet);
                let first = v["body"]["events"][0].clone();
                v["body"]["events"].as_array_mut().unwrap().push(first);
                jcs(&v)
            },
        ),
    ];
    for (name, description, input) in content {
        c.decode(
            &format!("invalid_content/{name}"),
            description,
            input,
            "invalid_content",
        );
    }

    // --- other spellings: absent optional members written out --------------------------------
    for (name, base, pointer, member, same_as) in [
        (
            "corridor",
            acts.envelope("consignment_registered/diamonds"),
            "/body",
            "corridor",
            "consignment_registered/diamonds",
        ),
        (
            "post_coordinates",
            acts.envelope("post_registered/department"),
            "/body",
            "coordinates",
            "post_registered/department",
        ),
        (
            "seal_event_coordinates",
            quiet.clone(),
            "/body/events/0",
            "coordinates",
            "seal_events_reported/opened_and_disarmed",
        ),
    ] {
        c.other_spelling(
            &format!("null_for_absent_{name}"),
            &format!("The absent optional member {member} written as null."),
            insert(&base, pointer, member, Value::Null),
            same_as,
        );
    }

    // --- fields and variants the format does not have ----------------------------------------
    c.decode(
        "unknown_variant/seal_event_kind",
        "A navigation seal event of a kind the format does not have (jammed).",
        set(&events, "/body/events/3/event", json!("jammed")),
        "unknown_variant",
    );
    c.decode(
        "unknown_field/seal_event_member",
        "A navigation seal event with a member the format does not have (battery_percent).",
        insert(&events, "/body/events/3", "battery_percent", json!(12)),
        "unknown_field",
    );
    c.decode(
        "unknown_field/corridor_member",
        "A corridor with a member the format does not have (name).",
        insert(&reg, "/body/corridor", "name", json!("Manas - Bishkek")),
        "unknown_field",
    );
    c.decode(
        "missing_field/corridor_width",
        "A corridor without its width.",
        remove(&reg, "/body/corridor", "width_metres"),
        "missing_field",
    );
    c.decode(
        "missing_field/seal_event_kind",
        "A navigation seal event that does not say what happened.",
        remove(&events, "/body/events/0", "event"),
        "missing_field",
    );
    c.decode(
        "missing_field/seal_events_operator",
        "A seal_events_reported act that names no operator.",
        remove(&events, "/body", "operator"),
        "missing_field",
    );
    c.decode(
        "wrong_type/corridor_width_as_string",
        "A corridor's width written as the string \"2000\".",
        set(&reg, "/body/corridor/width_metres", json!("2000")),
        "wrong_type",
    );
    c.decode(
        "bad_value/seal_event_seal_lower_case",
        "A navigation seal event naming its seal in lower case.",
        set(&events, "/body/events/0/seal", json!("ns-7700123")),
        "bad_value",
    );
    c.decode(
        "bad_time/seal_event_at_without_seconds",
        "A navigation seal event's time without seconds.",
        set(&events, "/body/events/1/at", json!("2026-11-23T06:40Z")),
        "bad_time",
    );
    c.decode(
        "bad_decimal/corridor_latitude_comma",
        "A corridor waypoint's latitude with a decimal comma.",
        set(
            &reg,
            "/body/corridor/waypoints/0/latitude",
            json!("43,0612"),
        ),
        "bad_decimal",
    );

    // --- signers ------------------------------------------------------------------------------
    let events_act = acts.get("seal_events_reported/armed_and_positions");
    c.decode(
        "unexpected_signer/seal_events_by_the_vehicle",
        "A batch of seal events naming the operator but signed (validly) by the vehicle's device key instead.",
        set(
            &events,
            "/signatures",
            json!([signature_json(
                &story.vehicle_device.key,
                &message(&events_act.id().0)
            )]),
        ),
        "unexpected_signer",
    );
    c.decode(
        "missing_signature/seal_events_unsigned",
        "A batch of seal events with no signature.",
        set(&events, "/signatures", json!([])),
        "missing_signature",
    );

    // --- decodes, but the signatures do not hold ----------------------------------------------
    c.verify(
        "bad_signature/corridor_widened_after_signing",
        "The registration with its corridor widened to 5000 m after the officer signed it.",
        set(&reg, "/body/corridor/width_metres", json!(5000)),
    );
    c.verify(
        "bad_signature/opened_event_removed_after_signing",
        "The operator's batch with the opened event taken out after signing.",
        {
            let mut v = parse(&quiet);
            v["body"]["events"].as_array_mut().unwrap().remove(0);
            jcs(&v)
        },
    );
}

fn clone_vector(v: &ActVector) -> ActVector {
    serde_json::from_value(serde_json::to_value(v).unwrap()).unwrap()
}

fn generate() -> (ActsFile, InvalidFile) {
    let story = Story::new();
    let relief = Story::relief_officer();
    let acts = build_acts(&story, &relief);
    let cases = build_invalid(&story, &acts);
    let road = Road::new(&story);
    let keys = cast(&story, &relief, &road.operator)
        .into_iter()
        .map(|(name, phrase, key, person)| {
            let seed_phrase = format!("tamga fixture key: {phrase}");
            let seed: [u8; 32] = Sha256::digest(seed_phrase.as_bytes()).into();
            assert_eq!(seed, key.to_bytes());
            let enrolled = person.filter(|p| p.id != story.outsider.id);
            KeyVector {
                name: name.to_owned(),
                seed_phrase,
                seed: hex::encode(seed),
                public_key: hex::encode(key.verifying_key().as_bytes()),
                role: enrolled.map(|p| p.role.as_str().to_owned()),
                unit: enrolled.map(|p| p.unit.to_owned()),
            }
        })
        .collect();
    let acts_file = ActsFile {
        format: "tamga act test vectors, version 1 (act format of docs/act-format.md)".to_owned(),
        about: vec![
            "Generated by crates/tamga-core/tests/vectors.rs (TAMGA_WRITE_VECTORS=1 cargo test -p tamga-core --test vectors); do not edit by hand.".to_owned(),
            "The keys derive from public seed phrases: seed = SHA-256(UTF-8 seed_phrase). Never use them for real custody.".to_owned(),
            "For each act: canonical_body is the RFC 8785 (JCS) form of body; id is SHA-256 of its UTF-8 bytes, lower-case hex; each signature is ed25519 (RFC 8032) by the key named in signers, in that order, over the bytes of signature_context_hex followed by the 32 id bytes; envelope is the JCS form of {\"body\":body,\"signatures\":signatures}, the wire form.".to_owned(),
            "The registry formed by the key_enrolled and key_revoked acts (authority: customs_authority) authorizes every consignment act here. The consignment acts follow the reference story (Manas airport post to the Precious Metals Department); the damaged-seal acts are a separate branch of it.".to_owned(),
            "offers holds custody offers: a handoff's body and id, with the releasing officer's signature only (the first handoff's, and the transhipment's).".to_owned(),
            "The acts of the legal record (key_enrolled/relief_officer and every act after it: permissions, corrections, a crew change, an accident and its follow-up, a deadline extension, a transhipment, a removal under a permission act, deliveries with net mass, shortage and documents, a refusal and returns) are further branches of the story, one per point of the format; they name the acts they refer to by id. Each optional member is absent from the older acts, which keep their bytes and ids.".to_owned(),
            "The acts of the road (key_enrolled/seal_operator and every act after it: the navigation seal operator's key, a post registered with its coordinates, a registration with a corridor, a navigation seal applied, and the operator's seal_events_reported acts, with and without coordinates) are a further branch of the story. The corridor and the post's coordinates are optional members, absent from the older acts, which keep their bytes and ids.".to_owned(),
        ],
        signature_context_hex: hex::encode(SIGNATURE_CONTEXT),
        max_act_bytes: MAX_ACT_BYTES,
        keys,
        acts: acts.list.iter().map(|(v, _)| clone_vector(v)).collect(),
        offers: acts.offers.iter().map(|(v, _)| clone_vector(v)).collect(),
    };
    let invalid_file = InvalidFile {
        format: "tamga invalid act vectors, version 1 (act format of docs/act-format.md)".to_owned(),
        about: vec![
            "Generated by crates/tamga-core/tests/vectors.rs; do not edit by hand.".to_owned(),
            "Each case gives its input as input (UTF-8 text), input_hex (bytes that are not UTF-8) or input_generated (prefix, then repeat count times, then suffix) and the expected error code.".to_owned(),
            "stage decode: decoding the input as a signed act fails with expected. stage verify: the input decodes, but verifying its signatures fails (expected is bad_signature). stage offer: decoding the input as a custody offer fails with expected (not_a_handoff: a well-formed offer of another act kind).".to_owned(),
            "Each case has one fault; other parts are taken from the valid vectors in acts.json (so signatures in cases refused before the signature check need not verify).".to_owned(),
        ],
        cases,
    };
    (acts_file, invalid_file)
}
