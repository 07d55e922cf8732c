//! The published registry vectors: `tests/vectors/registry.json`, a set of registry acts judged
//! together under one pinned root key, each with its verdict (`holds`, or the code
//! `RegistryError::code` gives): the root enrolling registrars, registrars enrolling and revoking
//! officers, and every way a registry act fails to hold (a registrar enrolling a registrar, a
//! revoked or expired registrar, a key that was never a registrar, an enrollment reaching back
//! before its act).
//!
//! Written by the generator below, never by hand:
//!
//! ```sh
//! TAMGA_WRITE_VECTORS=1 cargo test -p tamga-core --test registry_vectors
//! ```
//!
//! Normally this test reads the file, requires it to equal the generator's output byte for
//! byte, and checks every verdict with tamga's registry in several orders. `scripts/
//! check-vectors.py` checks the same verdicts without tamga's code. The rules are
//! `docs/act-format.md` §9.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use tamga_core::act::{KeyEnrolled, KeyRevoked};
use tamga_core::fixtures::{at, text, Person, Story};
use tamga_core::signing::key_id;
use tamga_core::{ActBody, Registry, Role, SignedAct};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    format: String,
    about: Vec<String>,
    /// The pinned root key.
    root: String,
    keys: Vec<Key>,
    acts: Vec<Case>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Key {
    name: String,
    seed_phrase: String,
    public_key: String,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    description: String,
    /// The act as stored and sent: canonical JSON of `{body, signatures}`.
    envelope: String,
    id: String,
    /// `holds`, or the reason code.
    verdict: String,
}

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/registry.json")
}

fn enrollment(
    signer: &ed25519_dalek::SigningKey,
    person: &Person,
    role: Role,
    when: &str,
    from: &str,
    until: &str,
    migrated_from: Option<&str>,
) -> SignedAct {
    SignedAct::sign(
        ActBody::KeyEnrolled(KeyEnrolled {
            at: at(when),
            authority: key_id(signer),
            key: person.id.clone(),
            holder: tamga_core::act::Holder {
                name: text(person.name),
                personal_number: (!person.personal_number.is_empty())
                    .then(|| text(person.personal_number)),
            },
            role,
            unit: person.unit_code(),
            valid_from: at(from),
            valid_until: at(until),
            migrated_from: migrated_from.map(text),
        }),
        &[signer],
    )
    .expect("vector acts are well-formed")
}

fn revocation(
    signer: &ed25519_dalek::SigningKey,
    person: &Person,
    from: &str,
    reason: &str,
) -> SignedAct {
    SignedAct::sign(
        ActBody::KeyRevoked(KeyRevoked {
            at: at(from),
            authority: key_id(signer),
            key: person.id.clone(),
            effective_from: at(from),
            reason: text(reason),
        }),
        &[signer],
    )
    .expect("vector acts are well-formed")
}

fn generate() -> RegistryFile {
    let story = Story::new();
    let root = &story.authority;
    let registrar = Person::new("registrar 2026", "", Role::Registrar, "HQ-REGISTRY");
    let revoked = Person::new("registrar revoked", "", Role::Registrar, "HQ-REGISTRY");
    let stranger = Person::new(
        "self-appointed registrar",
        "",
        Role::Registrar,
        "HQ-REGISTRY",
    );
    let officer = |name: &'static str, number: &'static str| {
        Person::new(name, number, Role::PostOfficer, "MANAS-AIRPORT")
    };
    let a = officer("officer a", "KG-1001");
    let b = officer("officer b", "KG-1002");
    let c = officer("officer c", "KG-1003");
    let d = officer("officer d", "KG-1004");
    let e = officer("officer e", "KG-1005");
    let f = officer("officer f", "KG-1006");
    let g = officer("officer g", "KG-1007");
    let (y26, y27, y28) = (
        "2026-01-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        "2028-01-01T00:00:00Z",
    );
    let cases: Vec<(&str, &str, SignedAct, &str)> = vec![
        (
            "root_enrolls_registrar",
            "The root enrolls a registrar for 2026.",
            enrollment(root, &registrar, Role::Registrar, y26, y26, y27, None),
            "holds",
        ),
        (
            "root_enrolls_a_second_registrar",
            "The root enrolls a second registrar for 2026 (revoked below).",
            enrollment(root, &revoked, Role::Registrar, y26, y26, y27, None),
            "holds",
        ),
        (
            "root_revokes_the_second_registrar",
            "The root revokes the second registrar from 2026-06-01.",
            revocation(root, &revoked, "2026-06-01T00:00:00Z", "registrar key copied"),
            "holds",
        ),
        (
            "registrar_enrolls_officer",
            "The registrar enrolls an officer on 2026-03-01, valid from then.",
            enrollment(&registrar.key, &a, Role::PostOfficer, "2026-03-01T08:00:00Z", "2026-03-01T08:00:00Z", y28, None),
            "holds",
        ),
        (
            "revoked_registrar_before_its_revocation",
            "The second registrar enrolls an officer before its revocation: it holds, and keeps holding.",
            enrollment(&revoked.key, &b, Role::PostOfficer, "2026-03-01T08:00:00Z", "2026-03-01T08:00:00Z", y28, None),
            "holds",
        ),
        (
            "revoked_registrar_after_its_revocation",
            "The second registrar enrolls an officer after its revocation.",
            enrollment(&revoked.key, &c, Role::PostOfficer, "2026-07-01T08:00:00Z", "2026-07-01T08:00:00Z", y28, None),
            "registrar_not_in_force",
        ),
        (
            "registrar_after_its_enrollment_ends",
            "The registrar enrolls an officer in 2027, after its own enrollment ended.",
            enrollment(&registrar.key, &d, Role::PostOfficer, "2027-02-01T08:00:00Z", "2027-02-01T08:00:00Z", y28, None),
            "registrar_not_in_force",
        ),
        (
            "registrar_enrolls_a_registrar",
            "The registrar enrolls another key as registrar.",
            enrollment(&registrar.key, &stranger, Role::Registrar, "2026-04-01T08:00:00Z", "2026-04-01T08:00:00Z", y27, None),
            "beyond_registrar",
        ),
        (
            "registrar_revokes_a_registrar",
            "The registrar revokes the second registrar.",
            revocation(&registrar.key, &revoked, "2026-04-01T00:00:00Z", "not its to revoke"),
            "beyond_registrar",
        ),
        (
            "registrar_revokes_itself",
            "The registrar revokes its own key.",
            revocation(&registrar.key, &registrar, "2026-04-01T00:00:00Z", "not its to revoke"),
            "beyond_registrar",
        ),
        (
            "never_a_registrar",
            "A key the root never enrolled as registrar enrolls an officer.",
            enrollment(&stranger.key, &e, Role::PostOfficer, "2026-04-01T08:00:00Z", "2026-04-01T08:00:00Z", y28, None),
            "not_a_registrar",
        ),
        (
            "retroactive_enrollment",
            "The root enrolls an officer on 2026-05-10 valid from 2026-01-01, naming no paper record.",
            enrollment(root, &f, Role::PostOfficer, "2026-05-10T08:00:00Z", y26, y28, None),
            "retroactive_enrollment",
        ),
        (
            "migration_of_a_paper_record",
            "The registrar carries over an officer's paper record on 2026-05-10, valid from 2026-01-01.",
            enrollment(&registrar.key, &g, Role::PostOfficer, "2026-05-10T08:00:00Z", y26, y28, Some("register of personal seals No. 4, entry 112")),
            "holds",
        ),
        (
            "registrar_revokes_officer",
            "The registrar revokes the officer it enrolled, from 2026-09-01.",
            revocation(&registrar.key, &a, "2026-09-01T00:00:00Z", "personal seal lost"),
            "holds",
        ),
    ];
    let keys = [
        ("root", "customs authority", root.clone()),
        ("registrar", registrar.name, registrar.key.clone()),
        ("revoked_registrar", revoked.name, revoked.key.clone()),
        ("stranger", stranger.name, stranger.key.clone()),
    ]
    .into_iter()
    .chain(
        [&a, &b, &c, &d, &e, &f, &g]
            .into_iter()
            .map(|p| (p.name, p.name, p.key.clone())),
    )
    .map(|(name, phrase, key)| Key {
        name: name.replace(' ', "_"),
        seed_phrase: format!("tamga fixture key: {phrase}"),
        public_key: key_id(&key).to_string(),
    })
    .collect();
    RegistryFile {
        format: "tamga-registry-vectors/v1".into(),
        about: vec![
            "Generated by crates/tamga-core/tests/registry_vectors.rs (TAMGA_WRITE_VECTORS=1 cargo test -p tamga-core --test registry_vectors); do not edit by hand.".into(),
            "The acts form one set, judged together under the pinned root key `root` (docs/act-format.md §9): the order of the list does not matter. Each act's verdict is `holds` or the reason code.".into(),
            "Each key's seed is SHA-256 of the UTF-8 seed phrase.".into(),
        ],
        root: key_id(root).to_string(),
        keys,
        acts: cases
            .into_iter()
            .map(|(name, description, act, verdict)| Case {
                name: name.into(),
                description: description.into(),
                envelope: String::from_utf8(act.encode()).expect("UTF-8"),
                id: act.id().to_hex(),
                verdict: verdict.into(),
            })
            .collect(),
    }
}

fn text_of(file: &RegistryFile) -> String {
    let mut text = serde_json::to_string_pretty(file).expect("serializes");
    text.push('\n');
    text
}

#[test]
fn the_file_is_what_the_generator_writes() {
    let generated = text_of(&generate());
    if std::env::var_os("TAMGA_WRITE_VECTORS").is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(path(), &generated).expect("write registry.json");
    }
    let on_disk = std::fs::read_to_string(path()).unwrap_or_else(|e| {
        panic!("cannot read tests/vectors/registry.json ({e}); generate it with TAMGA_WRITE_VECTORS=1 cargo test -p tamga-core --test registry_vectors")
    });
    assert!(
        on_disk == generated,
        "tests/vectors/registry.json differs from the generator: a rule or an encoding changed. If intended, regenerate with TAMGA_WRITE_VECTORS=1 cargo test -p tamga-core --test registry_vectors and review the diff"
    );
}

#[test]
fn every_verdict_is_the_registry_s_in_any_order() {
    let file = generate();
    let root = tamga_core::KeyId::new(&file.root).unwrap();
    let acts: Vec<SignedAct> = file
        .acts
        .iter()
        .map(|c| SignedAct::decode(c.envelope.as_bytes()).expect("decodes"))
        .collect();
    let expected: BTreeMap<String, &str> = file
        .acts
        .iter()
        .map(|c| (c.id.clone(), c.verdict.as_str()))
        .collect();
    let orders: Vec<Vec<&SignedAct>> = vec![
        acts.iter().collect(),
        acts.iter().rev().collect(),
        acts.iter().skip(3).chain(acts.iter().take(3)).collect(),
    ];
    for order in orders {
        let (registry, rejected) = Registry::from_acts(root.clone(), order.iter().copied());
        let got: BTreeMap<String, &str> = acts
            .iter()
            .map(|a| {
                let id = a.id().to_hex();
                let verdict = rejected
                    .iter()
                    .find(|(r, _)| r == &a.id())
                    .map(|(_, e)| e.code())
                    .unwrap_or("holds");
                (id, verdict)
            })
            .collect();
        assert_eq!(got, expected);
        // One at a time, too.
        let mut incremental = Registry::new(root.clone());
        for act in &order {
            let _ = incremental.apply(act);
        }
        assert_eq!(incremental, registry);
    }
}
