//! The offline root of trust, with the real `tamga-central` binary: the root key is made under a
//! passphrase apart from central, `init` uses it once to enroll central's registrar, and every
//! later root act travels as a file central imports. A registrar cannot enroll a registrar; an
//! enrollment cannot reach back before its act unless it names the paper record it carries
//! over; a registrar is rotated without re-enrolling anyone; a copied registrar key, once the
//! root revokes it, enrolls nobody, while what it enrolled before still holds.

use serde_json::Value;
use std::path::{Path, PathBuf};
use tamga_core::act::{Holder, KeyEnrolled};
use tamga_core::codes::{Text, UnitCode};
use tamga_core::fixtures::key;
use tamga_core::signing::key_id;
use tamga_core::{ActBody, KeyId, Role, SignedAct, Timestamp};
use tamga_testkit::process::{self, Out};

const BIN: &str = env!("CARGO_BIN_EXE_tamga-central");

fn central(dir: &Path, args: &[&str]) -> Out {
    process::run_node(Path::new(BIN), dir, args, "")
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let out = central(dir, &with_json);
    assert!(out.ok, "{args:?}: {}{}", out.stdout, out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn registry(dir: &Path) -> Vec<Value> {
    json(dir, &["registry"]).as_array().unwrap().clone()
}

fn status_of(dir: &Path, key: &KeyId) -> Option<String> {
    registry(dir)
        .iter()
        .find(|e| e["key"] == key.as_str())
        .map(|e| e["status"].as_str().unwrap().to_owned())
}

fn enroll_officer(dir: &Path, who: &str, number: &str) -> (KeyId, Out) {
    let officer = key_id(&key(who));
    let out = central(
        dir,
        &[
            "enroll",
            "--key",
            officer.as_str(),
            "--role",
            "post_officer",
            "--unit",
            "MANAS-AIRPORT",
            "--name",
            who,
            "--personal-number",
            number,
        ],
    );
    (officer, out)
}

struct Ceremony {
    _root: tempfile::TempDir,
    /// The offline machine's root key file.
    root_key: PathBuf,
    /// Central's data directory.
    hq: PathBuf,
    /// Where act files are carried.
    stick: PathBuf,
    authority: KeyId,
    registrar: KeyId,
}

impl Ceremony {
    fn new() -> Ceremony {
        let root = tempfile::tempdir().unwrap();
        let offline = root.path().join("offline");
        std::fs::create_dir(&offline).unwrap();
        let root_key = offline.join("root.key");
        let stick = root.path().join("stick");
        std::fs::create_dir(&stick).unwrap();
        let made = json(&offline, &["root", "init", "--root-key", s(&root_key)]);
        let authority = KeyId::new(made["authority_key"].as_str().unwrap()).unwrap();
        let hq = root.path().join("hq");
        let init = json(
            &hq,
            &["init", "--unit", "HQ-RECON", "--root-key", s(&root_key)],
        );
        assert_eq!(init["authority_key"], authority.as_str());
        let registrar = KeyId::new(init["registrar_key"].as_str().unwrap()).unwrap();
        Ceremony {
            _root: root,
            root_key,
            hq,
            stick,
            authority,
            registrar,
        }
    }

    /// Runs a root command on the offline machine, writing `file` on the stick.
    fn root(&self, args: &[&str], file: &str) -> PathBuf {
        let out_file = self.stick.join(file);
        let mut all = vec!["root"];
        all.extend_from_slice(args);
        all.extend(["--root-key", s(&self.root_key), "--out", s(&out_file)]);
        let offline = self.root_key.parent().unwrap();
        let out = central(offline, &all);
        assert!(out.ok, "{all:?}: {}{}", out.stdout, out.stderr);
        out_file
    }

    fn import(&self, file: &Path) -> Out {
        central(&self.hq, &["import", s(file)])
    }
}

#[test]
fn the_root_key_stays_offline_and_encrypted_and_central_keeps_only_a_registrar() {
    let c = Ceremony::new();
    // Nothing of the root in central's directory; the root key file is age-encrypted, private.
    let names: Vec<String> = std::fs::read_dir(&c.hq)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&"registrar.key".to_owned()), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n.contains("authority") || n.contains("root")),
        "{names:?}"
    );
    let sealed = std::fs::read(&c.root_key).unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1"));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&c.root_key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A wrong passphrase opens nothing and writes nothing.
    let offline = c.root_key.parent().unwrap();
    let mut command = process::node_command(
        Path::new(BIN),
        offline,
        &[
            "root",
            "revoke",
            "--root-key",
            s(&c.root_key),
            "--key",
            c.registrar.as_str(),
            "--reason",
            "test",
            "--out",
            s(&c.stick.join("never.acts")),
        ],
    );
    command.env("TAMGA_ROOT_PASSPHRASE", "not the passphrase at all");
    let wrong = process::run(command, "", process::COMMAND_LIMIT);
    assert_eq!(wrong.code, Some(1), "{}", wrong.stderr);
    assert!(wrong.stderr.contains("does not open"), "{}", wrong.stderr);
    assert!(!c.stick.join("never.acts").exists());

    // The registry names the root as the registrar's enroller, the registrar as the device's.
    let entries = registry(&c.hq);
    let by = |key: &str| {
        entries
            .iter()
            .find(|e| e["key"] == key)
            .map(|e| e["enrolled_by"].as_str().unwrap().to_owned())
    };
    assert_eq!(by(c.registrar.as_str()).as_deref(), Some("root"));
    let device = json(&c.hq, &["authority"]);
    assert_eq!(device["authority_key"], c.authority.as_str());
    assert_eq!(device["registrar_key"], c.registrar.as_str());

    // A root key inside central's data directory is refused.
    let inside = central(
        &c.hq.join("again"),
        &[
            "init",
            "--unit",
            "HQ-RECON",
            "--root-key",
            s(&c.hq.join("again").join("root.key")),
        ],
    );
    assert_eq!(inside.code, Some(1));
    assert!(
        inside.stderr.contains("never kept with central"),
        "{}",
        inside.stderr
    );

    // A registrar key file others may read is refused.
    use std::os::unix::fs::PermissionsExt;
    let registrar_file = c.hq.join("registrar.key");
    std::fs::set_permissions(&registrar_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = central(&c.hq, &["registry"]);
    assert_eq!(refused.code, Some(1));
    assert!(refused.stderr.contains("chmod 600"), "{}", refused.stderr);
    std::fs::set_permissions(&registrar_file, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn a_registrar_enrolls_no_registrar_and_no_enrollment_reaches_back_unless_it_migrates_paper() {
    let c = Ceremony::new();
    let before = registry(&c.hq).len();
    let another = key_id(&key("self-made registrar"));
    let registrar_by_registrar = central(
        &c.hq,
        &[
            "enroll",
            "--key",
            another.as_str(),
            "--role",
            "registrar",
            "--unit",
            "HQ-RECON",
            "--name",
            "second registrar",
        ],
    );
    assert_eq!(registrar_by_registrar.code, Some(1));
    assert!(
        registrar_by_registrar
            .stderr
            .contains("only the customs authority's root key"),
        "{}",
        registrar_by_registrar.stderr
    );

    let officer = key_id(&key("Aibek Asanov"));
    let mut args = vec![
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
        "2026-01-01",
    ];
    let backdated = central(&c.hq, &args);
    assert_eq!(backdated.code, Some(1));
    assert!(
        backdated.stderr.contains("cannot reach back"),
        "{}",
        backdated.stderr
    );
    assert_eq!(registry(&c.hq).len(), before, "nothing recorded");

    // A hand-made backdated enrollment signed with central's own registrar key, imported as a
    // file: refused whole.
    let seed = std::fs::read_to_string(c.hq.join("registrar.key")).unwrap();
    let registrar_key = signing_key(&seed);
    let forged = enrollment_by(
        &registrar_key,
        &officer,
        "2026-12-01T00:00:00Z",
        "2026-01-01T00:00:00Z",
        None,
    );
    let file = c.stick.join("backdated.acts");
    std::fs::write(&file, [forged.encode(), b"\n".to_vec()].concat()).unwrap();
    let imported = c.import(&file);
    assert_eq!(imported.code, Some(1));
    assert!(
        imported.stderr.contains("cannot reach back in time"),
        "{}",
        imported.stderr
    );
    assert_eq!(registry(&c.hq).len(), before);

    args.extend([
        "--migrated-from",
        "register of personal seals No. 4, entry 112",
    ]);
    let migrated = central(&c.hq, &args);
    assert!(migrated.ok, "{}", migrated.stderr);
    let entry = registry(&c.hq)
        .into_iter()
        .find(|e| e["key"] == officer.as_str())
        .unwrap();
    assert_eq!(
        entry["migrated_from"],
        "register of personal seals No. 4, entry 112"
    );
    assert_eq!(entry["valid_from"], "2026-01-01T00:00:00Z");
}

#[test]
fn a_registrar_is_rotated_and_a_revoked_one_enrolls_nobody_while_its_earlier_enrollments_hold() {
    let c = Ceremony::new();
    let (early, out) = enroll_officer(&c.hq, "Aibek Asanov", "KG-0417");
    assert!(out.ok, "{}", out.stderr);
    // Somebody copies the registrar key from the server.
    let stolen = signing_key(&std::fs::read_to_string(c.hq.join("registrar.key")).unwrap());
    assert_eq!(key_id(&stolen), c.registrar);

    // Rotation: central makes the next key, the root enrolls it offline, central imports.
    let next = json(&c.hq, &["next-registrar"]);
    let next = KeyId::new(next["next_registrar_key"].as_str().unwrap()).unwrap();
    let file = c.root(
        &[
            "enroll-registrar",
            "--key",
            next.as_str(),
            "--name",
            "tamga-central HQ-RECON registrar 2",
            "--unit",
            "HQ-RECON",
        ],
        "registrar-2.acts",
    );
    let imported = c.import(&file);
    assert!(imported.ok, "{}", imported.stderr);
    assert_eq!(json(&c.hq, &["authority"])["registrar_key"], next.as_str());
    // ... and revokes the copied one.
    let file = c.root(
        &[
            "revoke",
            "--key",
            c.registrar.as_str(),
            "--reason",
            "registrar key copied from the server",
        ],
        "revoke-registrar-1.acts",
    );
    assert!(c.import(&file).ok);

    // What the old registrar enrolled before still holds; the new one enrolls.
    assert_eq!(status_of(&c.hq, &early).as_deref(), Some("valid"));
    let (late, out) = enroll_officer(&c.hq, "Nurlan Osmonov", "KG-1120");
    assert!(out.ok, "{}", out.stderr);
    let late_entry = registry(&c.hq)
        .into_iter()
        .find(|e| e["key"] == late.as_str())
        .unwrap();
    assert_eq!(late_entry["enrolled_by"], next.as_str());

    // The thief's enrollment with the revoked key, dated after the revocation: refused.
    let accomplice = key_id(&key("accomplice"));
    let now = Timestamp::now().plus_seconds(5);
    let forged = enrollment_by(
        &stolen,
        &accomplice,
        &now.to_string(),
        &now.to_string(),
        None,
    );
    let file = c.stick.join("thief.acts");
    std::fs::write(&file, [forged.encode(), b"\n".to_vec()].concat()).unwrap();
    let refused = c.import(&file);
    assert_eq!(refused.code, Some(1));
    assert!(
        refused.stderr.contains("not in force"),
        "{}",
        refused.stderr
    );
    assert_eq!(status_of(&c.hq, &accomplice), None);

    // The root's own key is never needed by central again, and the enrollment file carries
    // the root's acts first so that any node records it line by line.
    let out = c.stick.join("enrollment.acts");
    assert!(central(&c.hq, &["enrollment", "--out", s(&out)]).ok);
    let text = std::fs::read_to_string(&out).unwrap();
    let signers: Vec<String> = text
        .lines()
        .map(|l| {
            SignedAct::decode(l.as_bytes())
                .unwrap()
                .body()
                .required_signers()[0]
                .to_string()
        })
        .collect();
    let first_delegated = signers
        .iter()
        .position(|k| k != c.authority.as_str())
        .unwrap();
    assert!(
        signers[first_delegated..]
            .iter()
            .all(|k| k != c.authority.as_str()),
        "{signers:?}"
    );
}

fn signing_key(seed_hex: &str) -> ed25519_dalek::SigningKey {
    let mut seed = [0u8; 32];
    hex::decode_to_slice(seed_hex.trim(), &mut seed).unwrap();
    ed25519_dalek::SigningKey::from_bytes(&seed)
}

fn enrollment_by(
    signer: &ed25519_dalek::SigningKey,
    key: &KeyId,
    at: &str,
    valid_from: &str,
    migrated_from: Option<&str>,
) -> SignedAct {
    let at = Timestamp::parse(at).unwrap();
    let valid_from = Timestamp::parse(valid_from).unwrap();
    SignedAct::sign(
        ActBody::KeyEnrolled(KeyEnrolled {
            at,
            authority: key_id(signer),
            key: key.clone(),
            holder: Holder {
                name: Text::new("an officer").unwrap(),
                personal_number: Some(Text::new("KG-9999").unwrap()),
            },
            role: Role::PostOfficer,
            unit: UnitCode::new("MANAS-AIRPORT").unwrap(),
            valid_from,
            valid_until: valid_from.plus_seconds(365 * 86_400),
            migrated_from: migrated_from.map(|m| Text::new(m).unwrap()),
        }),
        &[signer],
    )
    .unwrap()
}
