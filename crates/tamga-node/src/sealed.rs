//! Sealed bundle files: a signed bundle ([`tamga_sync::bundle`]) encrypted with age to the
//! device keys of the nodes it is for, so that a USB stick found on the road tells its finder
//! nothing, not even which node it is for.
//!
//! A device's ed25519 key is used as age's `ssh-ed25519` recipient (the key in OpenSSH's
//! encoding, by `ssh-key`; age derives the X25519 key from it), so no second key is enrolled or
//! carried. The
//! addressee is always a recipient; central may be a second one. Opening tries this node's
//! device key: a bundle sealed for another node, a tampered ciphertext (age's payload is
//! authenticated chunk by chunk) or a truncated file is refused before a byte is merged, and the
//! signed bundle inside is then checked as before (exporter enrolled, addressed to this node).

use ed25519_dalek::SigningKey;
use std::io::{Read, Write};
use tamga_core::signing::key_id;
use tamga_core::KeyId;

/// How every age file begins: a sealed bundle is told from a plain one by it.
pub const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// What sealing adds at most to a bundle: the header (about 200 bytes per recipient) and 16
/// bytes of tag per 64 KiB chunk. A sealed file is refused beyond the plain limit plus this.
pub const fn overhead(plain_limit: usize, recipients: usize) -> usize {
    1024 + 256 * recipients + 16 * (plain_limit / (64 * 1024) + 1)
}

/// The largest signed bundle: one sync frame and its signature.
pub const MAX_BUNDLE_BYTES: usize = tamga_sync::frame::MAX_FRAME_BYTES + 64;

/// The largest sealed bundle file: the largest bundle sealed to two recipients.
pub const MAX_SEALED_BUNDLE_BYTES: usize = MAX_BUNDLE_BYTES + overhead(MAX_BUNDLE_BYTES, 2);

/// Why a bundle could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// A plain bundle, from an older node or written by hand: refused, it could be read by
    /// whoever found it.
    #[error("the bundle file is not sealed: ask the exporting node for a bundle made with `export-bundle --for <this node's device key>`")]
    Unsealed,
    /// Sealed for other nodes.
    #[error("the bundle is sealed for another node (this node's device key {me} is not one of its recipients): give it to the node it was made for")]
    NotForThisNode {
        /// This node's fingerprint.
        me: String,
    },
    /// The ciphertext was altered or cut.
    #[error("the sealed bundle is damaged or was altered ({0}): copy it again from the exporting node; nothing was imported")]
    Damaged(String),
    /// Larger than any bundle may be.
    #[error("the sealed bundle holds more than {limit} bytes: it is not a bundle of this system")]
    TooLarge {
        /// The limit on the bundle inside.
        limit: usize,
    },
    /// Encryption failed.
    #[error("the bundle could not be sealed: {0}")]
    Seal(String),
}

/// Device `key`'s raw 32 bytes.
fn raw(key: &KeyId) -> [u8; 32] {
    let mut raw = [0u8; 32];
    hex::decode_to_slice(key.as_str(), &mut raw).expect("a key id is 64 hex digits");
    raw
}

/// The age recipient of device `key`: the key as an OpenSSH `ssh-ed25519` public key.
pub fn recipient(key: &KeyId) -> Result<age::ssh::Recipient, SealError> {
    let openssh = ssh_key::PublicKey::from(ssh_key::public::Ed25519PublicKey(raw(key)))
        .to_openssh()
        .map_err(|e| SealError::Seal(format!("device key {}: {e}", key.fingerprint())))?;
    openssh
        .parse()
        .map_err(|e| SealError::Seal(format!("device key {}: {e:?}", key.fingerprint())))
}

/// The age identity of this node's device key: the key pair as an unencrypted OpenSSH private
/// key, read by age as it reads `~/.ssh/id_ed25519`.
fn identity(device: &SigningKey) -> Result<age::ssh::Identity, SealError> {
    let failed = |e: String| SealError::Seal(format!("the device key as an age identity: {e}"));
    let pair = ssh_key::private::Ed25519Keypair::from_bytes(&device.to_keypair_bytes())
        .map_err(|e| failed(e.to_string()))?;
    let openssh = ssh_key::PrivateKey::new(ssh_key::private::KeypairData::Ed25519(pair), "")
        .and_then(|k| k.to_openssh(ssh_key::LineEnding::LF))
        .map_err(|e| failed(e.to_string()))?;
    match age::ssh::Identity::from_buffer(openssh.as_bytes(), None) {
        Ok(identity @ age::ssh::Identity::Unencrypted(_)) => Ok(identity),
        Ok(_) => Err(failed("not read as an unencrypted ed25519 key".into())),
        Err(e) => Err(failed(e.to_string())),
    }
}

/// Encrypts the signed bundle `bytes` to the device keys `to` (at least one).
pub fn seal_to(bytes: &[u8], to: &[KeyId]) -> Result<Vec<u8>, SealError> {
    if to.is_empty() {
        return Err(SealError::Seal("a sealed bundle needs an addressee".into()));
    }
    let recipients = to.iter().map(recipient).collect::<Result<Vec<_>, _>>()?;
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| SealError::Seal(e.to_string()))?;
    let mut out = Vec::with_capacity(bytes.len() + overhead(bytes.len(), to.len()));
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| SealError::Seal(e.to_string()))?;
    writer
        .write_all(bytes)
        .and_then(|()| writer.finish().map(|_| ()))
        .map_err(|e| SealError::Seal(e.to_string()))?;
    Ok(out)
}

/// Decrypts a sealed bundle for this node's `device`, reading at most `limit` bytes of the
/// bundle inside. The whole file is decrypted and authenticated before the bundle is returned.
pub fn unseal(sealed: &[u8], device: &SigningKey, limit: usize) -> Result<Vec<u8>, SealError> {
    if !sealed.starts_with(AGE_MAGIC) {
        return Err(SealError::Unsealed);
    }
    let decryptor =
        age::Decryptor::new_buffered(sealed).map_err(|e| SealError::Damaged(e.to_string()))?;
    let me = identity(device)?;
    let mut reader = match decryptor.decrypt(std::iter::once(&me as &dyn age::Identity)) {
        Ok(reader) => reader,
        Err(age::DecryptError::NoMatchingKeys) => {
            return Err(SealError::NotForThisNode {
                me: key_id(device).fingerprint(),
            })
        }
        Err(e) => return Err(SealError::Damaged(e.to_string())),
    };
    let mut plain = Vec::new();
    (&mut reader)
        .take(limit as u64 + 1)
        .read_to_end(&mut plain)
        .map_err(|e| SealError::Damaged(e.to_string()))?;
    if plain.len() > limit {
        return Err(SealError::TooLarge { limit });
    }
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::key;

    fn device(name: &str) -> (SigningKey, KeyId) {
        let k = key(name);
        let id = key_id(&k);
        (k, id)
    }

    #[test]
    fn the_addressee_and_the_second_recipient_open_it_and_no_one_else() {
        let (post, post_id) = device("post PC");
        let (central, central_id) = device("central");
        let (other, _) = device("another post");
        let secret = b"consignment 10609050/231126/0000123, seal KG-0099, 1250.50 ct".repeat(50);
        let sealed = seal_to(&secret, &[post_id, central_id]).unwrap();
        assert!(sealed.starts_with(AGE_MAGIC));
        for needle in [b"0000123".as_slice(), b"KG-0099", b"1250.50"] {
            assert!(!sealed.windows(needle.len()).any(|w| w == needle));
        }
        assert_eq!(unseal(&sealed, &post, 1 << 20).unwrap(), secret);
        assert_eq!(unseal(&sealed, &central, 1 << 20).unwrap(), secret);
        assert!(matches!(
            unseal(&sealed, &other, 1 << 20),
            Err(SealError::NotForThisNode { .. })
        ));
        assert!(sealed.len() <= secret.len() + overhead(secret.len(), 2));
    }

    #[test]
    fn altered_truncated_unsealed_and_oversized_files_are_refused() {
        let (post, post_id) = device("post PC");
        let secret = vec![7u8; 200_000];
        let sealed = seal_to(&secret, &[post_id]).unwrap();
        // A flipped bit in the payload, then in the header.
        for at in [sealed.len() - 100, 60] {
            let mut altered = sealed.clone();
            altered[at] ^= 1;
            assert!(
                matches!(
                    unseal(&altered, &post, 1 << 20),
                    Err(SealError::Damaged(_) | SealError::NotForThisNode { .. })
                ),
                "a flip at {at}"
            );
        }
        for cut in [sealed.len() - 1, sealed.len() / 2, AGE_MAGIC.len() + 5] {
            assert!(
                matches!(
                    unseal(&sealed[..cut], &post, 1 << 20),
                    Err(SealError::Damaged(_))
                ),
                "cut at {cut}"
            );
        }
        assert!(matches!(
            unseal(b"TAMGA frame...", &post, 1 << 20),
            Err(SealError::Unsealed)
        ));
        assert!(matches!(
            unseal(&sealed, &post, 100_000),
            Err(SealError::TooLarge { limit: 100_000 })
        ));
        assert!(seal_to(b"x", &[]).is_err());
    }
}
