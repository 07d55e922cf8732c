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
//! Repeated failures are slowed. Next to each key file, `<key id>.failures.json` holds
//! `{"failures": n, "last_failure_unix": t}`. After [`FREE_ATTEMPTS`] consecutive failures,
//! each further attempt must wait `2^(n - 3)` seconds after the last failure (at most
//! [`MAX_WAIT_SECS`]); an earlier attempt is refused with [`KeystoreError::TryLater`] without
//! running the KDF and without counting as a failure. The failure is recorded *before* the KDF
//! runs, so killing the program mid-attempt does not give a free guess; a success removes the
//! record. If the clock is found to have gone back before the last failure, the last failure is
//! moved to the present, so the wait is never longer than one full delay from then.
//!
//! All files are written atomically (temporary file, fsync, rename) and key files are never
//! overwritten.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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
/// Key and failure files are tiny; anything larger is not ours.
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

/// The failure record, as stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Failures {
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
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err(path))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(corrupt(path, format!("larger than {MAX_FILE_BYTES} bytes")));
    }
    Ok(Some(bytes))
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<()> {
    Ok(())
}

fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
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
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(&dir).map_err(io_err(&dir))?;
        if !dir.is_dir() {
            return Err(KeystoreError::Io {
                path: dir,
                source: io::Error::other("not a directory"),
            });
        }
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

    fn failures_path(&self, id: &KeyId) -> PathBuf {
        self.dir.join(format!("{id}.failures.json"))
    }

    /// Writes `bytes` to a new temporary file in the keystore directory, fsynced.
    fn write_temp(&self, stem: &str, bytes: &[u8]) -> Result<PathBuf> {
        let suffix: [u8; 8] = random(&self.dir)?;
        let tmp = self
            .dir
            .join(format!(".{stem}.tmp-{}", hex::encode(suffix)));
        let result = (|| {
            let mut file = private_options().open(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(&tmp)(e));
        }
        Ok(tmp)
    }

    /// Atomically replaces (or creates) `path` with `bytes`.
    fn write_replace(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        let stem = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        let tmp = self.write_temp(stem, bytes)?;
        if let Err(e) = fs::rename(&tmp, path) {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(path)(e));
        }
        sync_dir(&self.dir)
    }

    /// Atomically creates `path` with `bytes`, refusing to replace an existing file.
    fn write_new(&self, id: &KeyId, path: &Path, bytes: &[u8]) -> Result<()> {
        let already = || KeystoreError::AlreadyStored {
            id: id.clone(),
            path: path.to_path_buf(),
        };
        if path.exists() {
            return Err(already());
        }
        let stem = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        let tmp = self.write_temp(stem, bytes)?;
        // A hard link never replaces an existing file, so two concurrent adds cannot clobber
        // each other; where the file system has no hard links, fall back to rename.
        let result = match fs::hard_link(&tmp, path) {
            Ok(()) => {
                let _ = fs::remove_file(&tmp);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(already()),
            Err(_) if path.exists() => Err(already()),
            Err(_) => fs::rename(&tmp, path).map_err(io_err(path)),
        };
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result?;
        sync_dir(&self.dir)
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
        let entries = fs::read_dir(&self.dir).map_err(io_err(&self.dir))?;
        let mut keys = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_err(&self.dir))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(stem) = name.strip_suffix(".json") else {
                continue;
            };
            // Only `<64 hex>.json` are key files; failure records and temporaries are not.
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

    fn read_failures(&self, id: &KeyId) -> Result<Failures> {
        let path = self.failures_path(id);
        match read_small(&path)? {
            None => Ok(Failures::default()),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| corrupt(&path, format!("not a failure record: {e}"))),
        }
    }

    fn write_failures(&self, id: &KeyId, record: &Failures) -> Result<()> {
        let path = self.failures_path(id);
        let bytes = serde_json::to_vec(record)
            .map_err(|e| KeystoreError::Invalid(format!("cannot encode failure record: {e}")))?;
        self.write_replace(&path, &bytes)
    }

    fn clear_failures(&self, id: &KeyId) -> Result<()> {
        let path = self.failures_path(id);
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.dir),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// Decrypts the key `id` with `pin`. `now_unix` is the current time in seconds since the
    /// Unix epoch (the binary passes the system clock), used to slow repeated failures.
    pub fn unlock(&self, id: &KeyId, pin: &str, now_unix: i64) -> Result<SigningKey> {
        let path = self.key_path(id);
        let parsed = self.parse(id, &path)?;
        check_pin(pin)?;

        let mut record = self.read_failures(id)?;
        let delay = delay_after(record.failures);
        if delay > 0 {
            if now_unix < record.last_failure_unix {
                // The clock went back: restart the wait from now rather than from the future.
                record.last_failure_unix = now_unix;
                self.write_failures(id, &record)?;
            }
            let ready_at = record.last_failure_unix.saturating_add(delay as i64);
            if now_unix < ready_at {
                return Err(KeystoreError::TryLater {
                    seconds: (ready_at - now_unix) as u64,
                });
            }
        }

        // Count the attempt as a failure before running the KDF, so that stopping the program
        // mid-attempt does not give a free guess.
        let failed = Failures {
            failures: record.failures.saturating_add(1),
            last_failure_unix: now_unix,
        };
        self.write_failures(id, &failed)?;

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
            return Err(KeystoreError::WrongPin {
                free_attempts_left: FREE_ATTEMPTS.saturating_sub(failed.failures),
                next_wait_seconds: delay_after(failed.failures),
            });
        };
        let plain = Zeroizing::new(plain);
        let mut secret = [0u8; SECRET_LEN];
        if plain.len() != SECRET_LEN {
            return Err(corrupt(&path, "decrypted secret has the wrong length"));
        }
        secret.copy_from_slice(&plain);
        let key = SigningKey::from_bytes(&secret);
        secret.zeroize();
        if key_id(&key) != *id {
            return Err(corrupt(
                &path,
                "the secret key does not belong to the recorded key id",
            ));
        }
        self.clear_failures(id)?;
        Ok(key)
    }

    /// How many times the KDF has run through this handle (for tests).
    #[cfg(test)]
    fn kdf_runs(&self) -> u64 {
        self.kdf_runs.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer;

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
}
