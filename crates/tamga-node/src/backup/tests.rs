use super::*;
use tamga_core::fixtures::stream::registration;
use tamga_core::fixtures::{key, Story};

/// A data directory like a node's: a store with acts, keys, an archive file, runtime and
/// temporary files.
fn data_dir(story: &Story) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("store"), &story.authority_id()).unwrap();
    for act in story.registry_acts() {
        store.record(&act).unwrap();
    }
    for n in 0..20 {
        store.record(&registration(story, n)).unwrap();
    }
    let d = dir.path();
    crate::files::write_new_private(&d.join("device.key"), b"00ff").unwrap();
    crate::files::write_atomic(&d.join("tamga-edge.toml"), b"role = \"post\"\n").unwrap();
    crate::files::create_private_dir(&d.join("officers")).unwrap();
    crate::files::write_new_private(&d.join("officers/a.key"), b"{\"sealed\":1}").unwrap();
    crate::files::create_private_dir(&d.join("archive")).unwrap();
    std::fs::write(d.join("archive/2026-01-01-1.archive"), vec![7u8; 300_000]).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            d.join("archive/2026-01-01-1.archive"),
            std::fs::Permissions::from_mode(0o400),
        )
        .unwrap();
    }
    std::fs::write(d.join("serve.json"), b"{\"token\":\"runtime only\"}").unwrap();
    std::fs::write(d.join(".config.1.2.tmp"), b"a write cut short").unwrap();
    (dir, store)
}

const LEAVE_OUT: &[&str] = &["serve.json"];

fn backup(story: &Story, dir: &Path, store: &Store, to: &[String]) -> (Vec<u8>, Manifest) {
    let device = key("post PC");
    let source = Source {
        program: "tamga-edge",
        data_dir: dir,
        store_dir: "store",
        leave_out: LEAVE_OUT,
        store,
        device: &device,
        authority: &story.authority_id(),
    };
    let mut out = Vec::new();
    let now = Timestamp::parse("2026-12-05T08:00:00Z").unwrap();
    let manifest = write(&source, to, now, &mut out).unwrap();
    (out, manifest)
}

fn identity_file(dir: &Path) -> (PathBuf, String) {
    let (secret, recipient) = new_identity();
    let path = dir.join("backup.identity");
    crate::files::write_new_private(&path, format!("{secret}\n").as_bytes()).unwrap();
    (path, recipient)
}

#[test]
fn a_restored_directory_is_the_backed_up_one_and_its_store_goes_on() {
    let story = Story::new();
    let (dir, store) = data_dir(&story);
    let keys = tempfile::tempdir().unwrap();
    let (identity, recipient) = identity_file(keys.path());
    let (bytes, manifest) = backup(&story, dir.path(), &store, &[recipient]);
    for secret in [b"runtime only".as_slice(), b"{\"sealed\":1}", b"role = "] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret),
            "encrypted"
        );
    }
    let paths: Vec<&str> = manifest.files.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "archive/2026-01-01-1.archive",
            "device.key",
            "officers/a.key",
            "tamga-edge.toml"
        ],
        "the store is a snapshot, runtime and temporary files are left out"
    );
    assert_eq!(manifest.device_key, key_id(&key("post PC")));
    let file = keys.path().join("node.backup");
    std::fs::write(&file, &bytes).unwrap();
    let target = tempfile::tempdir().unwrap();
    let target = target.path().join("restored");
    let ids = identities(&identity).unwrap();
    let restoring = Restoring::open(&file, &ids, &target, "tamga-edge").unwrap();
    assert_eq!(restoring.manifest, manifest);
    let restored = restoring.commit("store", &[]).unwrap();
    assert_eq!(restored.snapshot_seq, store.last_seq().unwrap());
    for entry in &manifest.files {
        let a = std::fs::read(dir.path().join(&entry.path)).unwrap();
        let b = std::fs::read(target.join(&entry.path)).unwrap();
        assert_eq!(a, b, "{}", entry.path);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(target.join(&entry.path))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, entry.mode, "{}", entry.path);
        }
    }
    assert!(!target.join(STAGING).exists());
    assert!(!target.join("serve.json").exists());
    drop(store);
    let copy = Store::open(target.join("store"), &story.authority_id()).unwrap();
    assert!(copy.check().unwrap().is_empty());
    assert_eq!(copy.doc_count(), 21);
    copy.record(&registration(&story, 99)).unwrap();
    assert!(copy.check().unwrap().is_empty());
}

#[test]
fn a_backup_opens_only_with_a_recipients_identity_and_only_as_made() {
    let story = Story::new();
    let (dir, store) = data_dir(&story);
    let keys = tempfile::tempdir().unwrap();
    let (identity, recipient) = identity_file(keys.path());
    let other = tempfile::tempdir().unwrap();
    let (other_identity, _) = identity_file(other.path());
    let (bytes, _) = backup(&story, dir.path(), &store, std::slice::from_ref(&recipient));
    let ids = identities(&identity).unwrap();
    let attempt = |bytes: &[u8], ids: &[Box<dyn age::Identity>], program: &str| {
        let file = keys.path().join("attempt.backup");
        std::fs::write(&file, bytes).unwrap();
        let target = tempfile::tempdir().unwrap();
        let result =
            Restoring::open(&file, ids, target.path(), program).map(|r| r.manifest.clone());
        let left: Vec<_> = std::fs::read_dir(target.path()).unwrap().collect();
        assert!(
            left.is_empty(),
            "a backup refused, or opened and let go, leaves nothing"
        );
        result
    };
    assert!(attempt(&bytes, &ids, "tamga-edge").is_ok());
    assert!(matches!(
        attempt(&bytes, &identities(&other_identity).unwrap(), "tamga-edge"),
        Err(BackupError::NotForThisIdentity)
    ));
    let wrong = attempt(&bytes, &ids, "tamga-central")
        .err()
        .unwrap()
        .to_string();
    assert!(wrong.contains("restore it with tamga-edge"), "{wrong}");
    for cut in [bytes.len() - 1, bytes.len() / 2, 30] {
        let e = attempt(&bytes[..cut], &ids, "tamga-edge").err().unwrap();
        assert!(matches!(e, BackupError::Damaged(_)), "cut at {cut}: {e}");
    }
    let mut flipped = bytes.clone();
    let at = flipped.len() - 200;
    flipped[at] ^= 1;
    assert!(matches!(
        attempt(&flipped, &ids, "tamga-edge"),
        Err(BackupError::Damaged(_))
    ));
    assert!(matches!(
        attempt(b"plain text", &ids, "tamga-edge"),
        Err(BackupError::Damaged(_))
    ));

    // Re-packed by someone who holds only the public recipient: a changed file under the
    // signed manifest, and a manifest changed to match it.
    let repack = |change_manifest: bool| {
        let file = keys.path().join("genuine.backup");
        std::fs::write(&file, &bytes).unwrap();
        let staged = tempfile::tempdir().unwrap();
        let opened = Restoring::open(&file, &ids, staged.path(), "tamga-edge").unwrap();
        let root = staged.path().join(STAGING);
        std::fs::write(root.join("files/tamga-edge.toml"), b"role = \"vehicle\"\n").unwrap();
        let mut manifest = opened.manifest.clone();
        if change_manifest {
            let entry = manifest
                .files
                .iter_mut()
                .find(|e| e.path == "tamga-edge.toml")
                .unwrap();
            let text = b"role = \"vehicle\"\n";
            entry.bytes = text.len() as u64;
            entry.sha256 = hex::encode(Sha256::digest(text));
        }
        let mut tar = tar::Builder::new(Vec::new());
        let mut add = |name: &str, data: &[u8]| {
            let mut h = tar_header(data.len() as u64, 0o600);
            tar.append_data(&mut h, name, data).unwrap();
        };
        for e in &manifest.files {
            add(
                &format!("files/{}", e.path),
                &std::fs::read(root.join("files").join(&e.path)).unwrap(),
            );
        }
        add(
            SNAPSHOT_ENTRY,
            &std::fs::read(root.join(SNAPSHOT_ENTRY)).unwrap(),
        );
        add(
            "manifest.json",
            &serde_json::to_vec_pretty(&manifest).unwrap(),
        );
        let original_sig = {
            // The genuine signature, carried over.
            let m = serde_json::to_vec_pretty(&opened.manifest).unwrap();
            hex::encode(key("post PC").sign(&signed_message(&m)).to_bytes())
        };
        add("manifest.sig", original_sig.as_bytes());
        let plain = zstd::encode_all(tar.into_inner().unwrap().as_slice(), 3).unwrap();
        let r: age::x25519::Recipient = recipient.parse().unwrap();
        age::encrypt(&r, &plain).unwrap()
    };
    let e = attempt(&repack(false), &ids, "tamga-edge")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("do not match its signed manifest"), "{e}");
    let e = attempt(&repack(true), &ids, "tamga-edge")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("not signed by the device key"), "{e}");
}

#[test]
fn a_restore_goes_only_into_an_empty_directory_or_one_a_restore_left() {
    let story = Story::new();
    let (dir, store) = data_dir(&story);
    let keys = tempfile::tempdir().unwrap();
    let (identity, recipient) = identity_file(keys.path());
    let (bytes, _) = backup(&story, dir.path(), &store, &[recipient]);
    let file = keys.path().join("node.backup");
    std::fs::write(&file, &bytes).unwrap();
    let ids = identities(&identity).unwrap();
    let e = Restoring::open(&file, &ids, dir.path(), "tamga-edge")
        .err()
        .unwrap();
    assert!(matches!(e, BackupError::TargetNotEmpty(_)), "{e}");
    let target = tempfile::tempdir().unwrap();
    std::fs::create_dir(target.path().join(STAGING)).unwrap();
    std::fs::write(target.path().join(STAGING).join("half"), b"cut short").unwrap();
    Restoring::open(&file, &ids, target.path(), "tamga-edge")
        .unwrap()
        .commit("store", &["device.key"])
        .unwrap();
    assert!(
        !target.path().join("device.key").exists(),
        "left out on request"
    );
    assert!(target.path().join("tamga-edge.toml").exists());
}

#[test]
fn recipients_and_identities_are_read_or_refused_clearly() {
    assert!(matches!(recipients(&[]), Err(BackupError::NoRecipient)));
    assert!(matches!(
        recipients(&["age1nonsense".into()]),
        Err(BackupError::BadRecipient(_))
    ));
    let (_, recipient) = new_identity();
    assert_eq!(recipients(&[recipient]).unwrap().len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk");
    std::fs::write(&junk, b"not a key").unwrap();
    assert!(matches!(
        identities(&junk),
        Err(BackupError::BadIdentity { .. })
    ));
}

#[test]
fn an_identity_file_is_made_once_and_opens_what_its_recipient_seals() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backup.identity");
    let recipient = make_identity_file(&path).unwrap();
    assert!(recipient.starts_with("age1"));
    assert!(
        make_identity_file(&path).is_err(),
        "never over an existing file"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let r: age::x25519::Recipient = recipient.parse().unwrap();
    let sealed = age::encrypt(&r, b"x").unwrap();
    let ids = identities(&path).unwrap();
    let decryptor = age::Decryptor::new(sealed.as_slice()).unwrap();
    let mut reader = decryptor.decrypt(ids.iter().map(|i| i.as_ref())).unwrap();
    let mut plain = Vec::new();
    reader.read_to_end(&mut plain).unwrap();
    assert_eq!(plain, b"x");
}
