//! Officer signing keys kept on an edge node, encrypted under the officer's PIN or passphrase.
//!
//! A keystore is a directory. Each officer key is one JSON file named `<key id>.json`, where
//! the key id is the 64 lower-case hex digits of the ed25519 public key:
//!
//! ```json
//! {
//!   "format": "tamga-officer-key",
//!   "version": 1,
//!   "key_id": "<64 hex: the ed25519 public key>",
//!   "holder": "<free text: who holds the key>",
//!   "kdf": { "name": "argon2id", "memory_kib": 65536, "iterations": 3, "parallelism": 1 },
//!   "aead": "xchacha20poly1305",
//!   "salt": "<32 hex: 16 random bytes>",
//!   "nonce": "<48 hex: 24 random bytes>",
//!   "ciphertext": "<96 hex: the 32-byte ed25519 secret key, then the 16-byte tag>"
//! }
//! ```
//!
//! All binary fields are lower-case hex. The PIN (its UTF-8 bytes, exactly as typed: not
//! trimmed or normalised) goes through Argon2id (version 0x13) with the recorded parameters and
//! salt to give a 32-byte key for XChaCha20-Poly1305. The AEAD's associated data is
//! [`AAD_CONTEXT`], the format version (4 bytes big-endian), the key id's hex digits, a zero
//! byte and the holder text, so a file edited to name another key or another holder does not
//! open. After decrypting, the secret key's public half must equal the recorded key id.
//! Unlocking uses the parameters recorded in the file, refusing absurd ones (memory above
//! 1 GiB, more than 100 iterations, more than 16 lanes).
//!
//! A tag mismatch cannot be told apart from a wrong PIN: a file whose salt, nonce, ciphertext,
//! KDF parameters, key id (renamed to match) or holder was altered reports
//! [`KeystoreError::WrongPin`]. Files that are not well-formed report [`KeystoreError::Corrupt`].
//!
//! Repeated failures are slowed by a [`Throttle`], made once per process and passed to
//! [`Keystore::unlock`]:
//!
//! - The count of consecutive failures of each key is kept in a [`FailureLedger`]: on a node,
//!   its store ([`tamga_store::Store::pin_failures`], local to the node, never synced), not a
//!   file beside the key, so deleting files in the keystore's directory does not reset it.
//! - After [`FREE_ATTEMPTS`] consecutive failures, each further attempt must wait
//!   `2^(n - 3)` seconds (at most [`MAX_WAIT_SECS`]) for `n` failures, measured on the
//!   process's monotonic clock ([`std::time::Instant`]) from the later of the last failure this
//!   process saw on the key (when that attempt's answer was known) and the moment the throttle
//!   was made (the start of the process).
//!   The wall clock plays no part: setting it forward or back changes nothing, and a restart
//!   makes the next attempt wait a full delay. An earlier attempt is refused with
//!   [`KeystoreError::TryLater`] without running the KDF and without counting as a failure (a
//!   one-shot command's throttle, [`Throttle::waiting`], waits instead, since its process is
//!   new each time).
//! - Attempts on one key run one at a time: the throttle holds a lock per key across the whole
//!   attempt (the wait check, counting, the KDF, clearing), so concurrent requests get one
//!   guess at a time and each sees the count the one before left.
//! - The failure is counted, durably, *before* the KDF runs, so killing the program
//!   mid-attempt does not give a free guess; a success sets the count back to 0.
//! - A `<key id>.failures.json` beside a key (`{"failures": n, "last_failure_unix": t}`, where
//!   an older build kept the count) is taken into the ledger on the next attempt (the larger of
//!   the two counts; its time is not used) and removed.
//!
//! Key files are written atomically (temporary file, fsync, link) and are never overwritten.

mod throttle;

pub use throttle::{FailureLedger, LedgerError, MemoryLedger, Throttle};

use crate::files;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use throttle::{ledger_error, Outcome};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use tamga_core::signing::key_id;
use tamga_core::KeyId;
use zeroize::{Zeroize, Zeroizing};

/// The value of the `format` field of every key file.
pub const FORMAT_NAME: &str = "tamga-officer-key";
/// The key file format version this code writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The start of the AEAD associated data.
pub const AAD_CONTEXT: &[u8] = b"tamga/officer-key\0";
/// The shortest PIN or passphrase accepted, in characters (Unicode scalar values).
pub const MIN_PIN_CHARS: usize = 6;
/// Consecutive failures allowed before attempts are delayed.
pub const FREE_ATTEMPTS: u32 = 3;
/// The longest delay between attempts, in seconds (15 minutes).
pub const MAX_WAIT_SECS: u64 = 15 * 60;

/// Upper bounds on KDF parameters read from a file (a tampered file must not make us allocate
/// or spin without limit).
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_ITERATIONS: u32 = 100;
const MAX_PARALLELISM: u32 = 16;
const KDF_NAME: &str = "argon2id";
const AEAD_NAME: &str = "xchacha20poly1305";
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const SECRET_LEN: usize = 32;
const TAG_LEN: usize = 16;
/// Key files and legacy failure records are tiny; anything larger is not ours.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Number of lanes.
    pub parallelism: u32,
}

impl Default for KdfParams {
    /// Production defaults: 64 MiB, 3 passes, 1 lane.
    fn default() -> Self {
        KdfParams {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        }
    }
}

impl KdfParams {
    /// Checks the parameters are within the bounds this keystore accepts.
    fn check(&self) -> Result<(), String> {
        let min_memory = 8 * self.parallelism.max(1);
        if !(1..=MAX_PARALLELISM).contains(&self.parallelism) {
            return Err(format!(
                "parallelism {} is outside 1..={MAX_PARALLELISM}",
                self.parallelism
            ));
        }
        if !(1..=MAX_ITERATIONS).contains(&self.iterations) {
            return Err(format!(
                "iterations {} is outside 1..={MAX_ITERATIONS}",
                self.iterations
            ));
        }
        if !(min_memory..=MAX_MEMORY_KIB).contains(&self.memory_kib) {
            return Err(format!(
                "memory {} KiB is outside {min_memory}..={MAX_MEMORY_KIB} KiB",
                self.memory_kib
            ));
        }
        Ok(())
    }
}

/// A key as listed, without unlocking it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredKey {
    /// The officer's public key.
    pub id: KeyId,
    /// Who holds the key, as recorded when it was added.
    pub holder: String,
}

/// What can go wrong with the keystore.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    /// The PIN did not open the key (or the key file was altered: the two look the same).
    #[error("{}", wrong_pin_message(*.free_attempts_left, *.next_wait_seconds))]
    WrongPin {
        /// Attempts left before each attempt is delayed.
        free_attempts_left: u32,
        /// Seconds to wait before the next attempt (0 while attempts are free).
        next_wait_seconds: u64,
    },
    /// Too many wrong PINs: the next attempt is only accepted after a delay.
    #[error(
        "too many wrong PINs for this key: wait {seconds} seconds before trying again \
         (nothing was tried and this does not count as a failure)"
    )]
    TryLater {
        /// Seconds until an attempt is accepted.
        seconds: u64,
    },
    /// No key file for this key id.
    #[error(
        "no key {id} in the keystore at {}: check the key id with the key list, or add the key",
        dir.display()
    )]
    UnknownKey {
        /// The key asked for.
        id: KeyId,
        /// The keystore directory.
        dir: PathBuf,
    },
    /// The PIN is too short to be accepted.
    #[error("the PIN or passphrase has {chars} characters: use at least {MIN_PIN_CHARS}")]
    PinTooShort {
        /// How many characters were given.
        chars: usize,
    },
    /// A key is already stored for this key id; it is not overwritten.
    #[error(
        "a key {id} is already stored at {}: it was not overwritten; remove that file first \
         if the old one is really to be replaced",
        path.display()
    )]
    AlreadyStored {
        /// The key id.
        id: KeyId,
        /// The existing file.
        path: PathBuf,
    },
    /// A caller-supplied value was refused (KDF parameters, holder text).
    #[error("{0}")]
    Invalid(String),
    /// A keystore file is not well-formed.
    #[error(
        "keystore file {} is damaged ({detail}): restore it from a backup, or move it away \
         and add the key again",
        path.display()
    )]
    Corrupt {
        /// The damaged file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The count of wrong PINs could not be read or recorded (in a node, its store).
    #[error("cannot read or record the count of wrong PINs for this key: {source}")]
    Ledger {
        /// The ledger's error (a store's says what to do).
        #[source]
        source: LedgerError,
    },
    /// Reading or writing a keystore file failed.
    #[error(
        "cannot read or write {}: {source}; check the disk and the folder's permissions",
        path.display()
    )]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

fn wrong_pin_message(free_attempts_left: u32, next_wait_seconds: u64) -> String {
    let base = "wrong PIN or passphrase for this key (a key file that was altered shows the same)";
    if next_wait_seconds == 0 {
        format!(
            "{base}: {free_attempts_left} more attempt(s) before each further attempt is delayed"
        )
    } else {
        format!("{base}: wait {next_wait_seconds} seconds before the next attempt")
    }
}

/// Short alias for results of this module.
pub type Result<T, E = KeystoreError> = std::result::Result<T, E>;

/// A directory of encrypted officer keys.
#[derive(Debug)]
pub struct Keystore {
    dir: PathBuf,
    params: KdfParams,
    kdf_runs: AtomicU64,
}

/// The key file, as stored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: String,
    version: u32,
    key_id: String,
    holder: String,
    kdf: KdfRecord,
    aead: String,
    salt: String,
    nonce: String,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfRecord {
    name: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

/// The failure record an older build kept beside a key (`<key id>.failures.json`). Only the
/// count is taken; the time was the wall clock's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LegacyFailures {
    failures: u32,
    last_failure_unix: i64,
}

/// A key file checked for shape, ready to decrypt.
struct Parsed {
    holder: String,
    params: KdfParams,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
    ciphertext: Vec<u8>,
}

/// Seconds to wait after the last failure before an attempt is accepted, given the count of
/// consecutive failures.
fn delay_after(failures: u32) -> u64 {
    if failures < FREE_ATTEMPTS {
        return 0;
    }
    let exp = failures - FREE_ATTEMPTS;
    if exp >= 16 {
        MAX_WAIT_SECS
    } else {
        (1u64 << exp).min(MAX_WAIT_SECS)
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> KeystoreError + '_ {
    move |source| KeystoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn corrupt(path: &Path, detail: impl Into<String>) -> KeystoreError {
    KeystoreError::Corrupt {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

fn check_pin(pin: &str) -> Result<()> {
    let chars = pin.chars().count();
    if chars < MIN_PIN_CHARS {
        return Err(KeystoreError::PinTooShort { chars });
    }
    Ok(())
}

fn aad(id: &KeyId, holder: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(AAD_CONTEXT.len() + 4 + 64 + 1 + holder.len());
    out.extend_from_slice(AAD_CONTEXT);
    out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    out.extend_from_slice(id.as_str().as_bytes());
    out.push(0);
    out.extend_from_slice(holder.as_bytes());
    out
}

fn random<const N: usize>(path: &Path) -> Result<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| KeystoreError::Io {
        path: path.to_path_buf(),
        source: io::Error::other(format!("no randomness from the operating system: {e}")),
    })?;
    Ok(out)
}

fn hex_array<const N: usize>(path: &Path, field: &str, text: &str) -> Result<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out)
        .map_err(|_| corrupt(path, format!("{field} is not {} hex digits", 2 * N)))?;
    Ok(out)
}

/// Reads a small file whole, refusing anything over [`MAX_FILE_BYTES`]. `Ok(None)` if absent.
fn read_small(path: &Path) -> Result<Option<Vec<u8>>> {
    files::read_limited_if_exists(path, MAX_FILE_BYTES).map_err(|e| {
        if e.kind() == io::ErrorKind::FileTooLarge {
            corrupt(path, format!("larger than {MAX_FILE_BYTES} bytes"))
        } else {
            io_err(path)(e)
        }
    })
}

impl Keystore {
    /// Opens the keystore in `dir`, creating the directory if it does not exist, with the
    /// production KDF parameters ([`KdfParams::default`]) for keys added from now on.
    pub fn open(dir: impl AsRef<Path>) -> Result<Keystore> {
        Keystore::with_params(dir, KdfParams::default())
    }

    /// Like [`Keystore::open`], with the given KDF parameters for keys added from now on. Keys
    /// already stored keep the parameters recorded in their files.
    pub fn with_params(dir: impl AsRef<Path>, params: KdfParams) -> Result<Keystore> {
        params
            .check()
            .map_err(|e| KeystoreError::Invalid(format!("KDF parameters refused: {e}")))?;
        let dir = dir.as_ref().to_path_buf();
        files::create_private_dir(&dir).map_err(io_err(&dir))?;
        Ok(Keystore {
            dir,
            params,
            kdf_runs: AtomicU64::new(0),
        })
    }

    /// The keystore directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn key_path(&self, id: &KeyId) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Where an older build kept the count of failures of `id`.
    fn legacy_failures_path(&self, id: &KeyId) -> PathBuf {
        self.dir.join(format!("{id}.failures.json"))
    }

    /// Atomically creates `path` with `bytes`, refusing to replace an existing file.
    fn write_new(&self, id: &KeyId, path: &Path, bytes: &[u8]) -> Result<()> {
        files::write_new_private(path, bytes).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                KeystoreError::AlreadyStored {
                    id: id.clone(),
                    path: path.to_path_buf(),
                }
            } else {
                io_err(path)(e)
            }
        })
    }

    fn derive(&self, params: &KdfParams, pin: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        self.kdf_runs.fetch_add(1, Ordering::Relaxed);
        let argon_params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            Some(32),
        )
        .map_err(|e| KeystoreError::Invalid(format!("KDF parameters refused: {e}")))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
        let mut key = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(pin.as_bytes(), salt, key.as_mut())
            .map_err(|e| KeystoreError::Invalid(format!("key derivation failed: {e}")))?;
        Ok(key)
    }

    /// Stores `key` for `holder`, encrypted under `pin`, and returns its key id. Refuses a PIN
    /// shorter than [`MIN_PIN_CHARS`] characters and a key that is already stored.
    pub fn add(&self, key: &SigningKey, holder: &str, pin: &str) -> Result<KeyId> {
        check_pin(pin)?;
        if holder.trim().is_empty() || holder.chars().any(char::is_control) {
            return Err(KeystoreError::Invalid(
                "the holder's name must be non-empty text without control characters".into(),
            ));
        }
        let id = key_id(key);
        let path = self.key_path(&id);
        if path.exists() {
            return Err(KeystoreError::AlreadyStored { id, path });
        }
        let salt: [u8; SALT_LEN] = random(&self.dir)?;
        let nonce: [u8; NONCE_LEN] = random(&self.dir)?;
        let wrapping = self.derive(&self.params, pin, &salt)?;
        let cipher = XChaCha20Poly1305::new_from_slice(wrapping.as_ref())
            .map_err(|_| KeystoreError::Invalid("bad AEAD key length".into()))?;
        let secret = Zeroizing::new(key.to_bytes());
        let aad = aad(&id, holder);
        let ciphertext = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: secret.as_ref(),
                    aad: &aad,
                },
            )
            .map_err(|_| KeystoreError::Invalid("encryption failed".into()))?;
        let file = KeyFile {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            key_id: id.to_string(),
            holder: holder.to_string(),
            kdf: KdfRecord {
                name: KDF_NAME.into(),
                memory_kib: self.params.memory_kib,
                iterations: self.params.iterations,
                parallelism: self.params.parallelism,
            },
            aead: AEAD_NAME.into(),
            salt: hex::encode(salt),
            nonce: hex::encode(nonce),
            ciphertext: hex::encode(&ciphertext),
        };
        let mut bytes = serde_json::to_vec_pretty(&file)
            .map_err(|e| KeystoreError::Invalid(format!("cannot encode key file: {e}")))?;
        bytes.push(b'\n');
        self.write_new(&id, &path, &bytes)?;
        Ok(id)
    }

    /// Lists the stored keys (no PIN needed), sorted by holder then key id.
    pub fn list(&self) -> Result<Vec<StoredKey>> {
        let entries = std::fs::read_dir(&self.dir).map_err(io_err(&self.dir))?;
        let mut keys = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_err(&self.dir))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(stem) = name.strip_suffix(".json") else {
                continue;
            };
            // Only `<64 hex>.json` are key files; legacy failure records and temporaries are not.
            let Ok(id) = KeyId::new(stem) else { continue };
            let path = entry.path();
            let parsed = self.parse(&id, &path)?;
            keys.push(StoredKey {
                id,
                holder: parsed.holder,
            });
        }
        keys.sort_by(|a, b| a.holder.cmp(&b.holder).then_with(|| a.id.cmp(&b.id)));
        Ok(keys)
    }

    /// Reads and checks the shape of the key file for `id` at `path`.
    fn parse(&self, id: &KeyId, path: &Path) -> Result<Parsed> {
        let Some(bytes) = read_small(path)? else {
            return Err(KeystoreError::UnknownKey {
                id: id.clone(),
                dir: self.dir.clone(),
            });
        };
        let file: KeyFile = serde_json::from_slice(&bytes)
            .map_err(|e| corrupt(path, format!("not a key file: {e}")))?;
        if file.format != FORMAT_NAME {
            return Err(corrupt(path, format!("format is {:?}", file.format)));
        }
        if file.version != FORMAT_VERSION {
            return Err(corrupt(
                path,
                format!(
                    "format version {} (this program reads version {FORMAT_VERSION})",
                    file.version
                ),
            ));
        }
        if file.key_id != id.as_str() {
            return Err(corrupt(
                path,
                format!("records key {:?}, not the key its name says", file.key_id),
            ));
        }
        if file.kdf.name != KDF_NAME || file.aead != AEAD_NAME {
            return Err(corrupt(
                path,
                format!("unknown algorithms {:?} / {:?}", file.kdf.name, file.aead),
            ));
        }
        let params = KdfParams {
            memory_kib: file.kdf.memory_kib,
            iterations: file.kdf.iterations,
            parallelism: file.kdf.parallelism,
        };
        params
            .check()
            .map_err(|e| corrupt(path, format!("KDF parameters refused: {e}")))?;
        let salt = hex_array::<SALT_LEN>(path, "salt", &file.salt)?;
        let nonce = hex_array::<NONCE_LEN>(path, "nonce", &file.nonce)?;
        let ciphertext = hex::decode(&file.ciphertext)
            .ok()
            .filter(|c| c.len() == SECRET_LEN + TAG_LEN)
            .ok_or_else(|| {
                corrupt(
                    path,
                    format!(
                        "ciphertext is not {} hex digits",
                        2 * (SECRET_LEN + TAG_LEN)
                    ),
                )
            })?;
        Ok(Parsed {
            holder: file.holder,
            params,
            salt,
            nonce,
            ciphertext,
        })
    }

    /// Takes a legacy failure record of `id` into `ledger` (the larger of the two counts),
    /// then removes the file. A damaged record is reported, not ignored.
    fn take_legacy_failures(&self, id: &KeyId, ledger: &dyn FailureLedger) -> Result<()> {
        let path = self.legacy_failures_path(id);
        let Some(bytes) = read_small(&path)? else {
            return Ok(());
        };
        let legacy: LegacyFailures = serde_json::from_slice(&bytes).map_err(|e| {
            corrupt(
                &path,
                format!("not a failure record of an older build: {e}"),
            )
        })?;
        let stored = ledger.failures(id).map_err(ledger_error)?;
        if legacy.failures > stored {
            ledger
                .set_failures(id, legacy.failures)
                .map_err(ledger_error)?;
        }
        files::remove(&path).map_err(io_err(&path))
    }

    /// Decrypts the key `id` with `pin`, under `throttle` (which slows and serializes
    /// attempts: see the module documentation). A file that is missing or damaged, or a PIN too
    /// short, is refused before the throttle counts anything.
    pub fn unlock(&self, id: &KeyId, pin: &str, throttle: &Throttle) -> Result<SigningKey> {
        let path = self.key_path(id);
        let parsed = self.parse(id, &path)?;
        check_pin(pin)?;
        throttle.attempt(
            id,
            |ledger| self.take_legacy_failures(id, ledger),
            || match self.open_key(id, &path, &parsed, pin) {
                Ok(Some(key)) => Outcome::Opened(key),
                Ok(None) => Outcome::WrongPin,
                Err(e) => Outcome::Failed(e),
            },
        )
    }

    /// Runs the KDF and the AEAD: the key, or `None` if `pin` does not open it.
    fn open_key(
        &self,
        id: &KeyId,
        path: &Path,
        parsed: &Parsed,
        pin: &str,
    ) -> Result<Option<SigningKey>> {
        let wrapping = self.derive(&parsed.params, pin, &parsed.salt)?;
        let cipher = XChaCha20Poly1305::new_from_slice(wrapping.as_ref())
            .map_err(|_| KeystoreError::Invalid("bad AEAD key length".into()))?;
        let aad = aad(id, &parsed.holder);
        let opened = cipher.decrypt(
            &XNonce::from(parsed.nonce),
            Payload {
                msg: &parsed.ciphertext,
                aad: &aad,
            },
        );
        let Ok(plain) = opened else {
            return Ok(None);
        };
        let plain = Zeroizing::new(plain);
        let mut secret = [0u8; SECRET_LEN];
        if plain.len() != SECRET_LEN {
            return Err(corrupt(path, "decrypted secret has the wrong length"));
        }
        secret.copy_from_slice(&plain);
        let key = SigningKey::from_bytes(&secret);
        secret.zeroize();
        if key_id(&key) != *id {
            return Err(corrupt(
                path,
                "the secret key does not belong to the recorded key id",
            ));
        }
        Ok(Some(key))
    }

    /// How many times the KDF has run through this handle (for tests).
    #[cfg(test)]
    fn kdf_runs(&self) -> u64 {
        self.kdf_runs.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests;
