//! The keystore's tests: round trips, PIN checks, slowed failures, damaged and edited files.

use super::*;
use ed25519_dalek::Signer;
use std::fs;

const PIN: &str = "482913";
const FAST: KdfParams = KdfParams {
    memory_kib: 1024,
    iterations: 1,
    parallelism: 1,
};

fn new_key() -> SigningKey {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).unwrap();
    SigningKey::from_bytes(&seed)
}

fn store() -> (tempfile::TempDir, Keystore) {
    let dir = tempfile::tempdir().unwrap();
    let ks = Keystore::with_params(dir.path().join("keys"), FAST).unwrap();
    (dir, ks)
}

fn edit(path: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    f(&mut v);
    fs::write(path, serde_json::to_vec(&v).unwrap()).unwrap();
}

#[test]
fn round_trip() {
    let (_d, ks) = store();
    let key = new_key();
    let id = ks.add(&key, "Insp. Aigerim Nurlanovna", PIN).unwrap();
    assert_eq!(id, key_id(&key));
    let back = ks.unlock(&id, PIN, 1_000).unwrap();
    assert_eq!(back.to_bytes(), key.to_bytes());
    let sig = back.sign(b"act");
    key.verifying_key().verify_strict(b"act", &sig).unwrap();

    // The file records the parameters, and no secret in the clear.
    let text = fs::read_to_string(ks.key_path(&id)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["kdf"]["name"], "argon2id");
    assert_eq!(v["kdf"]["memory_kib"], 1024);
    assert_eq!(v["kdf"]["iterations"], 1);
    assert_eq!(v["key_id"], id.as_str());
    assert!(!text.contains(&hex::encode(key.to_bytes())));
    // No temporary files are left behind.
    let names: Vec<_> = fs::read_dir(ks.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec![format!("{id}.json")]);
}

#[test]
fn unlock_uses_parameters_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let slow = KdfParams {
        memory_kib: 2048,
        iterations: 2,
        parallelism: 2,
    };
    let key = new_key();
    let id = Keystore::with_params(dir.path(), slow)
        .unwrap()
        .add(&key, "A", PIN)
        .unwrap();
    let ks = Keystore::with_params(dir.path(), FAST).unwrap();
    assert_eq!(ks.unlock(&id, PIN, 0).unwrap().to_bytes(), key.to_bytes());
}

#[test]
fn wrong_pin_refused() {
    let (_d, ks) = store();
    let id = ks.add(&new_key(), "B", PIN).unwrap();
    let err = ks.unlock(&id, "482914", 100).unwrap_err();
    assert!(
        matches!(
            err,
            KeystoreError::WrongPin {
                free_attempts_left: 2,
                next_wait_seconds: 0
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("2 more attempt"), "{err}");
}

#[test]
fn repeated_failures_are_slowed_then_reset_by_success() {
    let (_d, ks) = store();
    let key = new_key();
    let id = ks.add(&key, "C", PIN).unwrap();
    let runs = ks.kdf_runs();
    let bad = "000000";
    let t = 10_000;

    // Three free failures, at the same instant.
    for left in [2, 1, 0] {
        match ks.unlock(&id, bad, t) {
            Err(KeystoreError::WrongPin {
                free_attempts_left, ..
            }) => assert_eq!(free_attempts_left, left),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(ks.kdf_runs(), runs + 3);

    // Now 3 failures: the next attempt waits 2^0 = 1 s after the last failure.
    let err = ks.unlock(&id, PIN, t).unwrap_err();
    assert!(
        matches!(err, KeystoreError::TryLater { seconds: 1 }),
        "{err:?}"
    );
    assert_eq!(ks.kdf_runs(), runs + 3, "no KDF run while waiting");

    // At t+1 it is allowed; failure 4 then asks for 2 s.
    match ks.unlock(&id, bad, t + 1) {
        Err(KeystoreError::WrongPin {
            free_attempts_left: 0,
            next_wait_seconds: 2,
        }) => {}
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        ks.unlock(&id, bad, t + 2),
        Err(KeystoreError::TryLater { seconds: 1 })
    ));
    // Refused attempts do not count: still 2 s from t+1.
    match ks.unlock(&id, bad, t + 3) {
        Err(KeystoreError::WrongPin {
            next_wait_seconds: 4,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(ks.kdf_runs(), runs + 5);
    // 5 failures: wait 4 s from t+3.
    assert!(matches!(
        ks.unlock(&id, PIN, t + 4),
        Err(KeystoreError::TryLater { seconds: 3 })
    ));
    assert!(matches!(
        ks.unlock(&id, PIN, t + 6),
        Err(KeystoreError::TryLater { seconds: 1 })
    ));
    assert_eq!(ks.kdf_runs(), runs + 5, "no KDF run while waiting");

    // The record survives reopening the keystore (it is on disk).
    let ks2 = Keystore::with_params(ks.dir(), FAST).unwrap();
    assert!(matches!(
        ks2.unlock(&id, PIN, t + 6),
        Err(KeystoreError::TryLater { seconds: 1 })
    ));

    // Success at t+7 resets the counter: three free failures again.
    assert_eq!(
        ks.unlock(&id, PIN, t + 7).unwrap().to_bytes(),
        key.to_bytes()
    );
    assert!(!ks.failures_path(&id).exists());
    for left in [2, 1, 0] {
        match ks.unlock(&id, bad, t + 7) {
            Err(KeystoreError::WrongPin {
                free_attempts_left, ..
            }) => assert_eq!(free_attempts_left, left),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn delays_are_capped_and_clock_going_back_is_bounded() {
    assert_eq!(delay_after(0), 0);
    assert_eq!(delay_after(2), 0);
    assert_eq!(delay_after(3), 1);
    assert_eq!(delay_after(4), 2);
    assert_eq!(delay_after(12), 512);
    assert_eq!(delay_after(13), MAX_WAIT_SECS);
    assert_eq!(delay_after(u32::MAX), MAX_WAIT_SECS);

    let (_d, ks) = store();
    let id = ks.add(&new_key(), "D", PIN).unwrap();
    ks.write_failures(
        &id,
        &Failures {
            failures: 40,
            last_failure_unix: 1_000_000,
        },
    )
    .unwrap();
    assert!(matches!(
        ks.unlock(&id, PIN, 1_000_000 + 100),
        Err(KeystoreError::TryLater { seconds: 800 })
    ));
    // Clock set back a day: the wait restarts from now, not a day plus 15 minutes.
    assert!(matches!(
        ks.unlock(&id, PIN, 1_000_000 - 86_400),
        Err(KeystoreError::TryLater { seconds: 900 })
    ));
    assert!(ks.unlock(&id, PIN, 1_000_000 - 86_400 + 900).is_ok());
    assert_eq!(ks.kdf_runs(), 2, "one add, one unlock");
}

#[test]
fn file_edited_to_another_key_fails() {
    let (_d, ks) = store();
    let a = ks.add(&new_key(), "E", PIN).unwrap();
    let b = key_id(&new_key());

    // Key id field changed but not the name: the mismatch is seen before any KDF.
    let path_a = ks.key_path(&a);
    let original = fs::read(&path_a).unwrap();
    edit(&path_a, |v| v["key_id"] = b.as_str().into());
    assert!(matches!(
        ks.unlock(&a, PIN, 0),
        Err(KeystoreError::Corrupt { .. })
    ));

    // Renamed to match: the associated data no longer matches, so it does not open.
    fs::rename(&path_a, ks.key_path(&b)).unwrap();
    let err = ks.unlock(&b, PIN, 0).unwrap_err();
    assert!(matches!(err, KeystoreError::WrongPin { .. }), "{err:?}");

    // Holder edited: also does not open.
    fs::remove_file(ks.key_path(&b)).unwrap();
    fs::remove_file(ks.failures_path(&b)).unwrap();
    fs::write(&path_a, &original).unwrap();
    edit(&path_a, |v| v["holder"] = "Someone Else".into());
    assert!(matches!(
        ks.unlock(&a, PIN, 0),
        Err(KeystoreError::WrongPin { .. })
    ));
    fs::write(&path_a, &original).unwrap();
    ks.clear_failures(&a).unwrap();
    assert!(ks.unlock(&a, PIN, 0).is_ok());
}

#[test]
fn damaged_files_are_corrupt_not_panics() {
    let (_d, ks) = store();
    let id = ks.add(&new_key(), "F", PIN).unwrap();
    let path = ks.key_path(&id);
    let original = fs::read(&path).unwrap();
    let runs = ks.kdf_runs();

    let mut cases: Vec<Vec<u8>> = vec![
        Vec::new(),
        original[..original.len() / 2].to_vec(),
        b"\xff\xfe garbage \x00".to_vec(),
        b"[]".to_vec(),
        vec![b' '; (MAX_FILE_BYTES + 10) as usize],
    ];
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let variants: Vec<Edit> = vec![
        Box::new(|v| v["version"] = 2.into()),
        Box::new(|v| v["format"] = "other".into()),
        Box::new(|v| v["kdf"]["name"] = "scrypt".into()),
        Box::new(|v| v["kdf"]["memory_kib"] = (4u64 << 20).into()),
        Box::new(|v| v["kdf"]["iterations"] = 1_000_000.into()),
        Box::new(|v| v["kdf"]["parallelism"] = 0.into()),
        Box::new(|v| v["salt"] = "zz".into()),
        Box::new(|v| v["nonce"] = "00".into()),
        Box::new(|v| v["ciphertext"] = "abcd".into()),
        Box::new(|v| v["extra"] = 1.into()),
        Box::new(|v| {
            v.as_object_mut().unwrap().remove("salt");
        }),
    ];
    for f in variants {
        let mut v: serde_json::Value = serde_json::from_slice(&original).unwrap();
        f(&mut v);
        cases.push(serde_json::to_vec(&v).unwrap());
    }
    for bytes in cases {
        fs::write(&path, &bytes).unwrap();
        let err = ks.unlock(&id, PIN, 0).unwrap_err();
        assert!(matches!(err, KeystoreError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains(&id.to_string()), "{err}");
        assert!(matches!(ks.list(), Err(KeystoreError::Corrupt { .. })));
    }
    assert_eq!(ks.kdf_runs(), runs, "no KDF on a damaged file");

    // A damaged failure record is reported too, not ignored.
    fs::write(&path, &original).unwrap();
    fs::write(ks.failures_path(&id), b"{\"failures\":").unwrap();
    assert!(matches!(
        ks.unlock(&id, PIN, 0),
        Err(KeystoreError::Corrupt { .. })
    ));
}

#[test]
fn pin_too_short() {
    let (_d, ks) = store();
    let key = new_key();
    let err = ks.add(&key, "G", "12345").unwrap_err();
    assert!(
        matches!(err, KeystoreError::PinTooShort { chars: 5 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("at least 6"));
    assert!(ks.list().unwrap().is_empty());
    // Six characters, not six bytes.
    let id = ks.add(&key, "G", "ключ12").unwrap();
    // A too-short PIN at unlock is refused without counting as a failure.
    assert!(matches!(
        ks.unlock(&id, "", 0),
        Err(KeystoreError::PinTooShort { chars: 0 })
    ));
    assert!(!ks.failures_path(&id).exists());
    assert!(ks.unlock(&id, "ключ12", 0).is_ok());
}

#[test]
fn list_without_pin() {
    let (_d, ks) = store();
    assert!(ks.list().unwrap().is_empty());
    let a = ks.add(&new_key(), "Zhanar B.", PIN).unwrap();
    let b = ks.add(&new_key(), "Askar T.", "correct horse").unwrap();
    // A failure record and a stray file do not show as keys.
    let _ = ks.unlock(&a, "999999", 0);
    fs::write(ks.dir().join("notes.txt"), "x").unwrap();
    let listed = ks.list().unwrap();
    assert_eq!(
        listed,
        vec![
            StoredKey {
                id: b,
                holder: "Askar T.".into()
            },
            StoredKey {
                id: a,
                holder: "Zhanar B.".into()
            },
        ]
    );
}

#[test]
fn refuses_overwrite_and_unknown_key() {
    let (_d, ks) = store();
    let key = new_key();
    let id = ks.add(&key, "H", PIN).unwrap();
    let before = fs::read(ks.key_path(&id)).unwrap();
    let err = ks.add(&key, "Someone", "another pin").unwrap_err();
    assert!(
        matches!(err, KeystoreError::AlreadyStored { .. }),
        "{err:?}"
    );
    assert_eq!(fs::read(ks.key_path(&id)).unwrap(), before);
    assert!(ks.unlock(&id, PIN, 0).is_ok());

    let other = key_id(&new_key());
    assert!(matches!(
        ks.unlock(&other, PIN, 0),
        Err(KeystoreError::UnknownKey { .. })
    ));
}

#[test]
fn bad_params_and_holder_refused() {
    let dir = tempfile::tempdir().unwrap();
    for p in [
        KdfParams {
            memory_kib: 2 * 1024 * 1024,
            ..FAST
        },
        KdfParams {
            iterations: 0,
            ..FAST
        },
        KdfParams {
            iterations: 101,
            ..FAST
        },
        KdfParams {
            memory_kib: 4,
            ..FAST
        },
    ] {
        assert!(matches!(
            Keystore::with_params(dir.path(), p),
            Err(KeystoreError::Invalid(_))
        ));
    }
    assert!(KdfParams::default().check().is_ok());
    let ks = Keystore::with_params(dir.path(), FAST).unwrap();
    assert!(matches!(
        ks.add(&new_key(), "  ", PIN),
        Err(KeystoreError::Invalid(_))
    ));
    assert!(matches!(
        ks.add(&new_key(), "a\nb", PIN),
        Err(KeystoreError::Invalid(_))
    ));
}
