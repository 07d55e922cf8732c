//! The customs authority's root key, kept offline.
//!
//! The root key is the trust anchor every node pins. It signs only registry acts that change who
//! keeps the registry: the enrollment and revocation of **registrar** keys (and, in an
//! emergency, of any key). Its work is done by `tamga-central root ...` on a machine with no
//! network; each command writes an **act file** (each act's canonical encoding and a line feed,
//! the same format as the enrollment file) that is carried to central and imported there
//! (`tamga-central import FILE`). Central itself holds only a registrar key.
//!
//! The root key file is the ed25519 seed (64 hex digits and a line feed) encrypted with age
//! under a passphrase (scrypt), so a copy of the file alone opens nothing and any age
//! implementation can decrypt it for an audit or a recovery. It is written atomically, readable
//! by its owner only, never over an existing file, with its directory synced. The passphrase
//! comes from `TAMGA_ROOT_PASSPHRASE` when set (for scripted ceremonies), else from the
//! terminal.

use crate::authority::{
    Authority, AuthorityError, Enrolling, EnrollmentRequest, RevocationRequest,
};
use age::secrecy::SecretString;
use std::path::Path;
use tamga_core::{Registry, Role, SignedAct, Timestamp};
use zeroize::Zeroizing;

/// The environment variable a scripted ceremony passes the root passphrase in.
pub const PASSPHRASE_ENV: &str = "TAMGA_ROOT_PASSPHRASE";
/// The shortest passphrase accepted for a new root key, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 12;
/// A root key file is small; anything larger is not one.
const MAX_FILE_BYTES: u64 = 16 * 1024;

fn key_file_error(path: &Path, detail: impl Into<String>) -> AuthorityError {
    AuthorityError::KeyFile {
        path: path.display().to_string(),
        detail: detail.into(),
    }
}

/// The passphrase: from [`PASSPHRASE_ENV`], or asked on the terminal (twice when `new`).
pub fn passphrase(new: bool) -> Result<SecretString, String> {
    let given = match std::env::var(PASSPHRASE_ENV) {
        Ok(p) => p,
        Err(_) => {
            let first = rpassword::prompt_password("root key passphrase: ").map_err(|e| {
                format!("cannot read the root key passphrase from the terminal ({e}); set {PASSPHRASE_ENV} for a scripted ceremony")
            })?;
            if new {
                let again = rpassword::prompt_password("the same passphrase again: ")
                    .map_err(|e| format!("cannot read the passphrase again: {e}"))?;
                if again != first {
                    return Err(
                        "the two passphrases differ: nothing was written; run the command again"
                            .into(),
                    );
                }
            }
            first
        }
    };
    if new && given.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(format!(
            "the root key passphrase must have at least {MIN_PASSPHRASE_CHARS} characters: it alone protects the key if the file is copied"
        ));
    }
    Ok(SecretString::from(given))
}

/// Makes a new root key and writes it to `path`, encrypted under `passphrase`. Never replaces a
/// file.
pub fn create(path: &Path, passphrase: &SecretString) -> Result<Authority, AuthorityError> {
    if path.exists() {
        return Err(key_file_error(
            path,
            "already exists and is never overwritten: open it with its passphrase, or give another path",
        ));
    }
    let root = Authority::generate()?;
    let recipient = age::scrypt::Recipient::new(passphrase.clone());
    let sealed = age::encrypt(&recipient, root.key_file_text().as_bytes())
        .map_err(|e| key_file_error(path, format!("cannot encrypt the root key: {e}")))?;
    tamga_node::files::write_new_private(path, &sealed)
        .map_err(|e| key_file_error(path, e.to_string()))?;
    Ok(root)
}

/// Opens the root key file at `path` with `passphrase`.
pub fn open(path: &Path, passphrase: &SecretString) -> Result<Authority, AuthorityError> {
    let sealed = tamga_node::files::read_limited(path, MAX_FILE_BYTES).map_err(|e| {
        key_file_error(
            path,
            format!(
                "{e}; give the root key file (--root-key), as `tamga-central root init` made it"
            ),
        )
    })?;
    let identity = age::scrypt::Identity::new(passphrase.clone());
    let plain = Zeroizing::new(age::decrypt(&identity, &sealed).map_err(|e| {
        key_file_error(
            path,
            match e {
                age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                    "the passphrase does not open this root key file (or the file was altered)"
                        .to_owned()
                }
                other => format!("not a root key file: {other}"),
            },
        )
    })?);
    let text = std::str::from_utf8(&plain)
        .map_err(|_| key_file_error(path, "the decrypted key is not text"))?;
    Authority::from_key_text(text).map_err(|detail| key_file_error(path, detail))
}

/// Reads the passphrase and opens the root key file at `path`.
pub fn unlock(path: &Path) -> Result<Authority, String> {
    let passphrase = passphrase(false)?;
    open(path, &passphrase).map_err(|e| e.to_string())
}

/// The root's enrollment of a registrar key: signed now, valid over `[valid_from,
/// valid_until)`. The root works offline, so nothing is checked against a registry here beyond
/// the act's own rules; central checks the act against its registry when it imports it.
pub fn enroll_registrar(
    root: &Authority,
    registrar: &str,
    name: &str,
    unit: &str,
    valid_from: Timestamp,
    valid_until: Timestamp,
    now: Timestamp,
) -> Result<SignedAct, AuthorityError> {
    let request = EnrollmentRequest {
        key: registrar.to_owned(),
        role: Role::Registrar,
        unit: unit.to_owned(),
        holder: name.to_owned(),
        personal_number: None,
        valid_from,
        valid_until,
        migrated_from: None,
    };
    match root.enroll(&Registry::new(root.id()), &request, now)? {
        Enrolling::New(act) => Ok(*act),
        Enrolling::AlreadyEnrolled(_) => unreachable!("an empty registry holds nothing"),
    }
}

/// The root's revocation of `key` (a registrar's, or any key in an emergency) from
/// `effective_from`.
pub fn revoke(
    root: &Authority,
    key: &str,
    reason: &str,
    effective_from: Timestamp,
    now: Timestamp,
) -> Result<SignedAct, AuthorityError> {
    let request = RevocationRequest {
        key: key.to_owned(),
        reason: reason.to_owned(),
        effective_from,
    };
    root.sign_revocation(&request, now)
}

/// Writes the act file `path` for central to import: never over an existing file.
pub fn write_act_file(path: &Path, acts: &[SignedAct]) -> Result<(), String> {
    tamga_node::files::write_new_private(path, &crate::authority::enrollment_file(acts)).map_err(
        |e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                format!(
                    "{}: already exists and is never overwritten; give another --out",
                    path.display()
                )
            } else {
                format!("{}: {e}", path.display())
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_key_file_opens_with_its_passphrase_only_and_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        let pass = SecretString::from("correct horse battery".to_owned());
        let made = create(&path, &pass).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"age-encryption.org/v1"));
        let seed_hex = made.key_file_text();
        assert!(
            !bytes.windows(16).any(|w| w == &seed_hex.as_bytes()[..16]),
            "the seed is not in the file in the clear"
        );
        assert_eq!(open(&path, &pass).unwrap().id(), made.id());
        let wrong = SecretString::from("incorrect horse battery".to_owned());
        let err = open(&path, &wrong).unwrap_err().to_string();
        assert!(err.contains("does not open"), "{err}");
        assert!(create(&path, &pass).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        // A file altered on the stick does not open either.
        let mut altered = bytes.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        let copy = dir.path().join("altered.key");
        std::fs::write(&copy, &altered).unwrap();
        assert!(open(&copy, &pass).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
