//! End to end with the real `tamga-central` binary: central is created, a post officer and a
//! post's device are enrolled, the device is revoked, and the enrollment file is written. The
//! file is then checked without central's code: every line decodes as a signed act, verifies
//! against the authority key `init` printed, and a fresh store pinned to that key records every
//! line and shows the revocation. Bad requests exit 1 or 2 and change nothing.

use serde_json::Value;
use std::path::Path;
use tamga_core::fixtures::key;
use tamga_core::signing::key_id;
use tamga_core::{ActBody, KeyId, Role, SignedAct};
use tamga_store::Store;

const BIN: &str = env!("CARGO_BIN_EXE_tamga-central");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn central(dir: &Path, args: &[&str]) -> Run {
    let out = tamga_testkit::process::run_node(Path::new(BIN), dir, args, "");
    Run {
        code: out.code.expect("exited"),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let run = central(dir, &with_json);
    assert_eq!(run.code, 0, "{args:?}: {}{}", run.stdout, run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn field(value: &Value, name: &str) -> String {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} in {value}"))
        .to_owned()
}

#[test]
fn central_enrolls_revokes_and_writes_an_enrollment_file_that_edge_nodes_can_check() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("central");

    let root_key = tamga_testkit::process::root_key_beside(&dir);
    let root_key = root_key.to_str().unwrap();
    let made = json(
        &dir,
        &["init", "--unit", "HQ-RECON", "--root-key", root_key],
    );
    let authority = KeyId::new(field(&made, "authority_key")).unwrap();
    assert_eq!(
        field(&made, "authority_fingerprint"),
        authority.fingerprint()
    );
    let central_device = KeyId::new(field(&made, "device_key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("registrar.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let shown = central(&dir, &["authority"]);
    assert!(
        shown.stdout.contains(authority.as_str()),
        "{}",
        shown.stdout
    );
    assert!(shown.stdout.contains(&authority.fingerprint()));

    // init again: refused, the key untouched.
    let key_file = std::fs::read(dir.join("registrar.key")).unwrap();
    let again = central(
        &dir,
        &["init", "--unit", "HQ-RECON", "--root-key", root_key],
    );
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(
        again.stderr.contains("never overwritten"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read(dir.join("registrar.key")).unwrap(), key_file);

    let officer = key_id(&key("Aibek Asanov"));
    let post_device = key_id(&key("airport post PC"));
    let officer_args = [
        "enroll",
        "--key",
        officer.as_str(),
        "--role",
        "post_officer",
        "--unit",
        "MANAS-AIRPORT",
        "--name",
        "Aibek Asanov",
        "--personal-number",
        "KG-0417",
        "--valid-from",
        "2026-01-01T00:00:00Z",
        "--valid-until",
        "2099-01-01T06:00:00+06:00",
        "--migrated-from",
        "register of personal seals No. 4, entry 112",
    ];
    let enrolled = json(&dir, &officer_args);
    assert_eq!(field(&enrolled, "outcome"), "enrolled");
    assert_eq!(field(&enrolled, "valid_until"), "2099-01-01T00:00:00Z");
    let same = json(&dir, &officer_args);
    assert_eq!(field(&same, "outcome"), "already_enrolled");
    assert_eq!(field(&same, "act"), field(&enrolled, "act"));

    let device = json(
        &dir,
        &[
            "enroll",
            "--key",
            &post_device.as_str().to_ascii_uppercase(),
            "--role",
            "device",
            "--unit",
            "MANAS-AIRPORT",
            "--name",
            "airport post PC",
            "--valid-days",
            "30",
        ],
    );
    assert_eq!(field(&device, "outcome"), "enrolled");
    assert_eq!(field(&device, "key"), post_device.as_str());

    let revoked = json(
        &dir,
        &[
            "revoke",
            "--key",
            post_device.as_str(),
            "--reason",
            "post PC stolen",
            "--effective-from",
            "2026-02-01T00:00:00Z",
        ],
    );
    assert_eq!(field(&revoked, "outcome"), "revoked");

    let file = root.path().join("enrollment.acts");
    let written = json(&dir, &["enrollment", "--out", file.to_str().unwrap()]);
    assert_eq!(written["acts"], 5, "{written}");
    let bytes = std::fs::read(&file).unwrap();

    // Bad requests: refused with a message, exit 1 (or 2 for the command line), nothing changed.
    let bad_requests: [(&[&str], i32, &str); 6] = [
        (
            &[
                "enroll",
                "--key",
                officer.as_str(),
                "--role",
                "inspector",
                "--unit",
                "X",
                "--name",
                "Y",
            ],
            2,
            "possible values",
        ),
        (
            &[
                "enroll",
                "--key",
                "not-a-key",
                "--role",
                "device",
                "--unit",
                "MANAS-AIRPORT",
                "--name",
                "PC",
            ],
            1,
            "bad key",
        ),
        (
            &[
                "enroll",
                "--key",
                &"0".repeat(64),
                "--role",
                "device",
                "--unit",
                "MANAS-AIRPORT",
                "--name",
                "PC",
            ],
            1,
            "weak",
        ),
        (
            &[
                "enroll",
                "--key",
                &key_id(&key("another")).to_string(),
                "--role",
                "escort_officer",
                "--unit",
                "ESCORT-BISHKEK",
                "--name",
                "Nurlan Osmonov",
            ],
            1,
            "--personal-number",
        ),
        (
            &[
                "enroll",
                "--key",
                &key_id(&key("another")).to_string(),
                "--role",
                "device",
                "--unit",
                "ESCORT-BISHKEK",
                "--name",
                "tablet",
                "--valid-from",
                "2026-05-01T00:00:00Z",
                "--valid-until",
                "2026-05-01T00:00:00Z",
            ],
            1,
            "must be after the start",
        ),
        (
            &[
                "revoke",
                "--key",
                &key_id(&key("never enrolled")).to_string(),
                "--reason",
                "lost",
            ],
            1,
            "not enrolled",
        ),
    ];
    for (args, code, says) in bad_requests {
        let run = central(&dir, args);
        assert_eq!(run.code, code, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        let rewritten = json(&dir, &["enrollment", "--out", file.to_str().unwrap()]);
        assert_eq!(rewritten["acts"], 5);
        assert_eq!(
            std::fs::read(&file).unwrap(),
            bytes,
            "{args:?} changed the registry"
        );
    }

    // The file, checked with the act format alone: one signed act per line, the root's
    // enrollment of central's registrar first, then the registrar's acts.
    let registrar = KeyId::new(field(&made, "registrar_key")).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.ends_with('\n'));
    let acts: Vec<SignedAct> = text
        .lines()
        .map(|line| {
            let act = SignedAct::decode(line.as_bytes()).expect("a canonical signed act");
            act.verify_signatures().expect("signatures verify");
            assert_eq!(act.signatures().len(), 1);
            act
        })
        .collect();
    let kinds: Vec<&str> = acts.iter().map(|a| a.body().kind()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "key_enrolled").count(), 4);
    assert_eq!(kinds.iter().filter(|k| **k == "key_revoked").count(), 1);
    for (n, act) in acts.iter().enumerate() {
        let signer = if n == 0 { &authority } else { &registrar };
        assert_eq!(&act.signatures()[0].key, signer, "line {}", n + 1);
        match act.body() {
            ActBody::KeyEnrolled(e) => assert_eq!(&e.authority, signer),
            ActBody::KeyRevoked(r) => assert_eq!(&r.authority, signer),
            other => panic!("not a registry act: {}", other.kind()),
        }
    }

    // A fresh store pinned to the printed authority records every line.
    let store_dir = root.path().join("edge-store");
    let store = Store::open(&store_dir, &authority).unwrap();
    for act in &acts {
        assert!(store.record(act).unwrap().seq.is_some());
    }
    let registry = store.registry();
    assert_eq!(registry.keys().count(), 4);
    assert!(registry.is_registrar(&registrar));
    assert_eq!(registry.enrollments(&central_device)[0].role, Role::Device);
    assert_eq!(
        registry.enrollments(&central_device)[0].unit.as_str(),
        "HQ-RECON"
    );
    let officer_enrollment = &registry.enrollments(&officer)[0];
    assert_eq!(
        officer_enrollment.personal_number.as_deref(),
        Some("KG-0417")
    );
    assert!(registry.revocation(&officer).is_none());
    let revocation = registry.revocation(&post_device).expect("revoked");
    assert_eq!(revocation.reason, "post PC stolen");
    assert_eq!(
        revocation.effective_from.to_rfc3339(),
        "2026-02-01T00:00:00Z"
    );

    // A store pinned to another authority takes none of it.
    let other = Store::open(
        root.path().join("other"),
        &key_id(&key("another authority")),
    )
    .unwrap();
    assert!(acts.iter().all(|a| other.record(a).is_err()));

    // Central's own listing says the same.
    let listing = json(&dir, &["registry"]);
    let entries = listing.as_array().unwrap();
    assert_eq!(entries.len(), 4);
    let device_entry = entries
        .iter()
        .find(|e| e["key"] == post_device.as_str())
        .unwrap();
    assert_eq!(device_entry["status"], "revoked");
    assert_eq!(device_entry["revoked"]["reason"], "post PC stolen");
    let text_listing = central(&dir, &["registry"]).stdout;
    assert!(text_listing.contains("REVOKED from 2026-02-01 06:00:00 +06:00: post PC stolen"));
    assert!(text_listing.contains("Aibek Asanov (personal number KG-0417)"));
    assert!(
        text_listing.contains(
            "MIGRATED from the paper record: register of personal seals No. 4, entry 112"
        ),
        "{text_listing}"
    );
}

#[test]
fn help_explains_the_commands_and_a_missing_directory_says_what_to_do() {
    let root = tempfile::tempdir().unwrap();
    let help = central(root.path(), &["--help"]);
    assert_eq!(help.code, 0);
    for word in [
        "init",
        "enroll",
        "revoke",
        "registry",
        "enrollment",
        "authority",
    ] {
        assert!(help.stdout.contains(word), "{word}: {}", help.stdout);
    }
    let enroll_help = central(root.path(), &["enroll", "--help"]);
    assert!(enroll_help.stdout.contains("post_officer"));
    assert!(enroll_help.stdout.contains("--personal-number"));

    let missing = central(&root.path().join("nowhere"), &["registry"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("tamga-central init"),
        "{}",
        missing.stderr
    );
    assert!(!root.path().join("nowhere").exists());
}
