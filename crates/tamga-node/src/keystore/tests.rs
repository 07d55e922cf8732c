//! The keystore's tests: round trips, PIN checks, slowed and serialized failures (the
//! throttle), damaged and edited files.

use super::*;
use ed25519_dalek::Signer;
use std::fs;
use std::sync::Arc;
use std::time::Duration;

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

/// A throttle over a ledger in memory, and the ledger.
fn throttle() -> (Throttle, Arc<MemoryLedger>) {
    let ledger = Arc::new(MemoryLedger::default());
    (Throttle::new(ledger.clone()), ledger)
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
    let (pins, _) = throttle();
    let back = ks.unlock(&id, PIN, &pins).unwrap();
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
    let (pins, _) = throttle();
    assert_eq!(
        ks.unlock(&id, PIN, &pins).unwrap().to_bytes(),
        key.to_bytes()
    );
}

#[test]
fn wrong_pin_refused() {
    let (_d, ks) = store();
    let id = ks.add(&new_key(), "B", PIN).unwrap();
    let (pins, ledger) = throttle();
    let err = ks.unlock(&id, "482914", &pins).unwrap_err();
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
    assert_eq!(ledger.failures(&id).unwrap(), 1);
}

/// Whether `r` is a refusal to try now, asking for `seconds`.
fn try_later<T: std::fmt::Debug>(r: &Result<T>, seconds: u64) -> bool {
    matches!(r, Err(KeystoreError::TryLater { seconds: s }) if *s == seconds)
}

#[test]
fn repeated_failures_are_slowed_then_reset_by_success() {
    let (_d, ks) = store();
    let key = new_key();
    let id = ks.add(&key, "C", PIN).unwrap();
    let (pins, ledger) = throttle();
    let runs = ks.kdf_runs();
    let bad = "000000";
    let second = Duration::from_secs(1);

    // Three free failures, one after the other.
    for left in [2, 1, 0] {
        match ks.unlock(&id, bad, &pins) {
            Err(KeystoreError::WrongPin {
                free_attempts_left, ..
            }) => assert_eq!(free_attempts_left, left),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(ks.kdf_runs(), runs + 3);
    assert_eq!(ledger.failures(&id).unwrap(), 3);

    // Now 3 failures: the next attempt waits 2^0 = 1 s after the last failure.
    let r = ks.unlock(&id, PIN, &pins);
    assert!(try_later(&r, 1), "{r:?}");
    assert_eq!(ks.kdf_runs(), runs + 3, "no KDF run while waiting");
    assert_eq!(
        ledger.failures(&id).unwrap(),
        3,
        "a refusal is not a failure"
    );

    // A second later it is allowed; failure 4 then asks for 2 s.
    pins.advance(second);
    match ks.unlock(&id, bad, &pins) {
        Err(KeystoreError::WrongPin {
            free_attempts_left: 0,
            next_wait_seconds: 2,
        }) => {}
        other => panic!("{other:?}"),
    }
    pins.advance(second);
    let r = ks.unlock(&id, bad, &pins);
    assert!(try_later(&r, 1), "{r:?}");
    // Refused attempts do not count: still 2 s from failure 4.
    pins.advance(second);
    match ks.unlock(&id, bad, &pins) {
        Err(KeystoreError::WrongPin {
            next_wait_seconds: 4,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(ks.kdf_runs(), runs + 5);
    // 5 failures: wait 4 s from the fifth.
    pins.advance(second);
    let r = ks.unlock(&id, PIN, &pins);
    assert!(try_later(&r, 3), "{r:?}");
    pins.advance(2 * second);
    let r = ks.unlock(&id, PIN, &pins);
    assert!(try_later(&r, 1), "{r:?}");
    assert_eq!(ks.kdf_runs(), runs + 5, "no KDF run while waiting");

    // Success a second later sets the count back to 0: three free failures again.
    pins.advance(second);
    assert_eq!(
        ks.unlock(&id, PIN, &pins).unwrap().to_bytes(),
        key.to_bytes()
    );
    assert_eq!(ledger.failures(&id).unwrap(), 0);
    for left in [2, 1, 0] {
        match ks.unlock(&id, bad, &pins) {
            Err(KeystoreError::WrongPin {
                free_attempts_left, ..
            }) => assert_eq!(free_attempts_left, left),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn delays_are_capped_and_waits_follow_no_wall_clock() {
    assert_eq!(delay_after(0), 0);
    assert_eq!(delay_after(2), 0);
    assert_eq!(delay_after(3), 1);
    assert_eq!(delay_after(4), 2);
    assert_eq!(delay_after(12), 512);
    assert_eq!(delay_after(13), MAX_WAIT_SECS);
    assert_eq!(delay_after(u32::MAX), MAX_WAIT_SECS);

    let (_d, ks) = store();
    let id = ks.add(&new_key(), "D", PIN).unwrap();
    let ledger = Arc::new(MemoryLedger::default());
    ledger.set_failures(&id, 40).unwrap();
    // The wait is the cap, from the throttle's start; only its own clock shortens it.
    let pins = Throttle::new(ledger.clone());
    let r = ks.unlock(&id, PIN, &pins);
    assert!(try_later(&r, 900), "{r:?}");
    pins.advance(Duration::from_secs(100));
    let r = ks.unlock(&id, PIN, &pins);
    assert!(try_later(&r, 800), "{r:?}");
    pins.advance(Duration::from_secs(800));
    assert!(ks.unlock(&id, PIN, &pins).is_ok());
    assert_eq!(ks.kdf_runs(), 2, "one add, one unlock");
}

#[test]
fn deleting_files_beside_the_key_does_not_reset_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let authority = key_id(&new_key());
    let store = Arc::new(tamga_store::Store::open(dir.path().join("store"), &authority).unwrap());
    let ks = Keystore::with_params(dir.path().join("keys"), FAST).unwrap();
    let id = ks.add(&new_key(), "I", PIN).unwrap();
    let pins = Throttle::new(store.clone());
    for _ in 0..FREE_ATTEMPTS {
        assert!(matches!(
            ks.unlock(&id, "000000", &pins),
            Err(KeystoreError::WrongPin { .. })
        ));
    }
    let r = ks.unlock(&id, PIN, &pins);
    assert!(try_later(&r, 1), "{r:?}");

    // Whatever lies beside the key (a stray file, an old-style record saying 0) is deleted;
    // the keystore is opened afresh from a directory holding the key file alone.
    fs::write(ks.dir().join("notes.txt"), "x").unwrap();
    fs::write(
        ks.legacy_failures_path(&id),
        r#"{"failures":0,"last_failure_unix":0}"#,
    )
    .unwrap();
    for entry in fs::read_dir(ks.dir()).unwrap() {
        let path = entry.unwrap().path();
        if path != ks.key_path(&id) {
            fs::remove_file(path).unwrap();
        }
    }
    let ks = Keystore::with_params(ks.dir(), FAST).unwrap();
    let r = ks.unlock(&id, PIN, &pins);
    assert!(try_later(&r, 1), "{r:?}");
    assert_eq!(ks.kdf_runs(), 0, "nothing tried");
    assert_eq!(store.pin_failures(&id).unwrap(), FREE_ATTEMPTS);
}

#[test]
fn a_restarted_throttle_refuses_an_early_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let authority = key_id(&new_key());
    let store_dir = dir.path().join("store");
    let ks = Keystore::with_params(dir.path().join("keys"), FAST).unwrap();
    let key = new_key();
    let id = ks.add(&key, "J", PIN).unwrap();
    {
        let store = Arc::new(tamga_store::Store::open(&store_dir, &authority).unwrap());
        let pins = Throttle::new(store.clone());
        for _ in 0..FREE_ATTEMPTS + 1 {
            let _ = ks.unlock(&id, "000000", &pins);
            pins.advance(Duration::from_secs(1));
        }
        assert_eq!(store.pin_failures(&id).unwrap(), 4);
        // Long after the last failure on this throttle's clock (or the wall clock's).
        pins.advance(Duration::from_secs(86_400));
        // The process ends: the throttle and the store go.
    }
    // A new process: the store reopened, a new throttle. The wait (2 s for 4 failures) starts
    // at its start, however long ago the last failure was.
    let store = Arc::new(tamga_store::Store::open(&store_dir, &authority).unwrap());
    let pins = Throttle::new(store.clone());
    let runs = ks.kdf_runs();
    let r = ks.unlock(&id, PIN, &pins);
    assert!(try_later(&r, 2), "{r:?}");
    // The same with a ledger in memory shared by two throttles.
    let (first, ledger) = throttle();
    ledger.set_failures(&id, 3).unwrap();
    first.advance(Duration::from_secs(5));
    let second = Throttle::new(ledger.clone());
    let r = ks.unlock(&id, PIN, &second);
    assert!(try_later(&r, 1), "{r:?}");
    assert_eq!(ks.kdf_runs(), runs, "nothing tried");
    pins.advance(Duration::from_secs(2));
    assert_eq!(
        ks.unlock(&id, PIN, &pins).unwrap().to_bytes(),
        key.to_bytes()
    );
    assert_eq!(store.pin_failures(&id).unwrap(), 0, "a success clears it");
}

#[test]
fn concurrent_unlocks_run_the_kdf_once_per_allowed_attempt() {
    let (_d, ks) = store();
    let id = ks.add(&new_key(), "K", PIN).unwrap();
    let (pins, ledger) = throttle();
    let threads = 8;
    let race = |expected_runs: u64| {
        let runs = ks.kdf_runs();
        let start = std::sync::Barrier::new(threads);
        let outcomes: Vec<Result<SigningKey>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        ks.unlock(&id, "000000", &pins)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let tried = outcomes
            .iter()
            .filter(|o| matches!(o, Err(KeystoreError::WrongPin { .. })))
            .count() as u64;
        let refused = outcomes
            .iter()
            .filter(|o| matches!(o, Err(KeystoreError::TryLater { .. })))
            .count() as u64;
        assert_eq!(ks.kdf_runs() - runs, expected_runs, "{outcomes:?}");
        assert_eq!(tried, expected_runs, "{outcomes:?}");
        assert_eq!(tried + refused, threads as u64, "{outcomes:?}");
    };
    // The free attempts, then only refusals.
    race(u64::from(FREE_ATTEMPTS));
    assert_eq!(ledger.failures(&id).unwrap(), FREE_ATTEMPTS);
    // Once the wait is over, one attempt, which sets the next wait.
    pins.advance(Duration::from_secs(1));
    race(1);
    assert_eq!(ledger.failures(&id).unwrap(), FREE_ATTEMPTS + 1);
}

#[test]
fn success_clears_the_count() {
    let (_d, ks) = store();
    let key = new_key();
    let id = ks.add(&key, "L", PIN).unwrap();
    let (pins, ledger) = throttle();
    for _ in 0..FREE_ATTEMPTS - 1 {
        let _ = ks.unlock(&id, "000000", &pins);
    }
    assert_eq!(ledger.failures(&id).unwrap(), FREE_ATTEMPTS - 1);
    assert!(ks.unlock(&id, PIN, &pins).is_ok());
    assert_eq!(ledger.failures(&id).unwrap(), 0);
    // All the free attempts again, not the one left before.
    for left in [2, 1, 0] {
        match ks.unlock(&id, "000000", &pins) {
            Err(KeystoreError::WrongPin {
                free_attempts_left, ..
            }) => assert_eq!(free_attempts_left, left),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_legacy_failure_record_is_taken_into_the_ledger_once() {
    let (_d, ks) = store();
    let id = ks.add(&new_key(), "M", PIN).unwrap();
    let (pins, ledger) = throttle();
    let legacy = ks.legacy_failures_path(&id);
    // Its time (far in the past on the wall clock) is not used: the wait is from the start.
    fs::write(&legacy, r#"{"failures":6,"last_failure_unix":1}"#).unwrap();
    ledger.set_failures(&id, 2).unwrap();
    let r = ks.unlock(&id, PIN, &pins);
    assert!(try_later(&r, 8), "{r:?}");
    assert_eq!(ledger.failures(&id).unwrap(), 6, "the larger count");
    assert!(!legacy.exists(), "removed once taken");
    // A record smaller than the ledger's count lowers nothing.
    fs::write(&legacy, r#"{"failures":4,"last_failure_unix":1}"#).unwrap();
    let r = ks.unlock(&id, PIN, &pins);
    assert!(matches!(r, Err(KeystoreError::TryLater { .. })), "{r:?}");
    assert_eq!(ledger.failures(&id).unwrap(), 6);
    assert!(!legacy.exists());
    assert_eq!(ks.kdf_runs(), 1, "only the add ran the KDF");
}

#[test]
fn a_one_shot_throttle_waits_instead_of_refusing() {
    let (_d, ks) = store();
    let key = new_key();
    let id = ks.add(&key, "N", PIN).unwrap();
    let ledger = Arc::new(MemoryLedger::default());
    ledger.set_failures(&id, FREE_ATTEMPTS).unwrap();
    let told = Arc::new(std::sync::Mutex::new(Vec::new()));
    let notes = told.clone();
    let pins = Throttle::waiting(ledger.clone(), move |key, seconds| {
        notes.lock().unwrap().push((key.clone(), seconds));
    });
    let started = std::time::Instant::now();
    assert_eq!(
        ks.unlock(&id, PIN, &pins).unwrap().to_bytes(),
        key.to_bytes()
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(*told.lock().unwrap(), vec![(id.clone(), 1)]);
    assert_eq!(ledger.failures(&id).unwrap(), 0);
}

/// A ledger that cannot record.
struct Broken;

impl FailureLedger for Broken {
    fn failures(&self, _: &KeyId) -> std::result::Result<u32, LedgerError> {
        Ok(0)
    }
    fn set_failures(&self, _: &KeyId, _: u32) -> std::result::Result<(), LedgerError> {
        Err("the disk is full".into())
    }
}

#[test]
fn an_attempt_that_cannot_be_counted_is_not_tried() {
    let (_d, ks) = store();
    let id = ks.add(&new_key(), "O", PIN).unwrap();
    let pins = Throttle::new(Arc::new(Broken));
    let err = ks.unlock(&id, PIN, &pins).unwrap_err();
    assert!(matches!(err, KeystoreError::Ledger { .. }), "{err:?}");
    assert!(err.to_string().contains("the disk is full"), "{err}");
    assert_eq!(ks.kdf_runs(), 1, "only the add ran the KDF");
}

#[test]
fn file_edited_to_another_key_fails() {
    let (_d, ks) = store();
    let a = ks.add(&new_key(), "E", PIN).unwrap();
    let b = key_id(&new_key());
    let (pins, _) = throttle();

    // Key id field changed but not the name: the mismatch is seen before any KDF.
    let path_a = ks.key_path(&a);
    let original = fs::read(&path_a).unwrap();
    edit(&path_a, |v| v["key_id"] = b.as_str().into());
    assert!(matches!(
        ks.unlock(&a, PIN, &pins),
        Err(KeystoreError::Corrupt { .. })
    ));

    // Renamed to match: the associated data no longer matches, so it does not open.
    fs::rename(&path_a, ks.key_path(&b)).unwrap();
    let err = ks.unlock(&b, PIN, &pins).unwrap_err();
    assert!(matches!(err, KeystoreError::WrongPin { .. }), "{err:?}");

    // Holder edited: also does not open.
    fs::remove_file(ks.key_path(&b)).unwrap();
    fs::write(&path_a, &original).unwrap();
    edit(&path_a, |v| v["holder"] = "Someone Else".into());
    assert!(matches!(
        ks.unlock(&a, PIN, &pins),
        Err(KeystoreError::WrongPin { .. })
    ));
    fs::write(&path_a, &original).unwrap();
    assert!(ks.unlock(&a, PIN, &pins).is_ok());
}

#[test]
fn damaged_files_are_corrupt_not_panics() {
    let (_d, ks) = store();
    let id = ks.add(&new_key(), "F", PIN).unwrap();
    let path = ks.key_path(&id);
    let original = fs::read(&path).unwrap();
    let runs = ks.kdf_runs();
    let (pins, ledger) = throttle();

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
        let err = ks.unlock(&id, PIN, &pins).unwrap_err();
        assert!(matches!(err, KeystoreError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains(&id.to_string()), "{err}");
        assert!(matches!(ks.list(), Err(KeystoreError::Corrupt { .. })));
    }
    assert_eq!(ks.kdf_runs(), runs, "no KDF on a damaged file");
    assert_eq!(ledger.failures(&id).unwrap(), 0, "nothing counted");

    // A damaged legacy failure record is reported too, not ignored (nor removed).
    fs::write(&path, &original).unwrap();
    fs::write(ks.legacy_failures_path(&id), b"{\"failures\":").unwrap();
    assert!(matches!(
        ks.unlock(&id, PIN, &pins),
        Err(KeystoreError::Corrupt { .. })
    ));
    assert!(ks.legacy_failures_path(&id).exists());
    assert_eq!(ks.kdf_runs(), runs);
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
    let (pins, ledger) = throttle();
    assert!(matches!(
        ks.unlock(&id, "", &pins),
        Err(KeystoreError::PinTooShort { chars: 0 })
    ));
    assert_eq!(ledger.failures(&id).unwrap(), 0);
    assert!(ks.unlock(&id, "ключ12", &pins).is_ok());
}

#[test]
fn list_without_pin() {
    let (_d, ks) = store();
    assert!(ks.list().unwrap().is_empty());
    let a = ks.add(&new_key(), "Zhanar B.", PIN).unwrap();
    let b = ks.add(&new_key(), "Askar T.", "correct horse").unwrap();
    // A legacy failure record and a stray file do not show as keys.
    fs::write(
        ks.legacy_failures_path(&a),
        r#"{"failures":1,"last_failure_unix":0}"#,
    )
    .unwrap();
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
    let (pins, _) = throttle();
    assert!(ks.unlock(&id, PIN, &pins).is_ok());

    let other = key_id(&new_key());
    assert!(matches!(
        ks.unlock(&other, PIN, &pins),
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
