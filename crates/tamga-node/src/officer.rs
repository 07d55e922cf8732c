//! The officer commands both binaries offer (`officer new`, `officer import`): a signing key
//! made or imported into a [`Keystore`] under a PIN typed by its holder. The PIN and the secret
//! key are read without echo from a terminal, or as one line of standard input (for scripts),
//! and wiped from memory after use.

use crate::keystore::Keystore;
use ed25519_dalek::SigningKey;
use std::io::IsTerminal;
use tamga_core::KeyId;
use zeroize::Zeroizing;

/// Reads a secret: without echo from a terminal, else one line of standard input. Nothing
/// given is an error naming what was asked for.
pub fn read_secret(prompt: &str) -> Result<Zeroizing<String>, String> {
    let text = if std::io::stdin().is_terminal() {
        Zeroizing::new(rpassword::prompt_password(prompt).map_err(|e| e.to_string())?)
    } else {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        Zeroizing::new(line.trim_end_matches(['\n', '\r']).to_owned())
    };
    if text.is_empty() {
        return Err(format!(
            "{}: nothing was given",
            prompt.trim_end_matches([':', ' '])
        ));
    }
    Ok(text)
}

/// Makes a fresh key for `holder` under a PIN read from the holder (twice at a terminal) and
/// stores it; returns its id.
pub fn new_key(keystore: &Keystore, holder: &str) -> Result<KeyId, String> {
    let pin = read_secret("new PIN (at least 6 characters): ")?;
    if std::io::stdin().is_terminal() && *read_secret("the PIN again: ")? != *pin {
        return Err("the two PINs differ; nothing was stored".into());
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut()).map_err(|e| format!("no randomness: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    keystore.add(&key, holder, &pin).map_err(|e| e.to_string())
}

/// Imports an existing key (its secret read as 64 hex digits) for `holder` under a PIN read
/// from the holder; returns its id.
pub fn import_key(keystore: &Keystore, holder: &str) -> Result<KeyId, String> {
    let secret = read_secret("secret key (64 hex digits): ")?;
    let mut seed = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(secret.trim(), seed.as_mut())
        .map_err(|_| "the secret key must be 64 hex digits".to_owned())?;
    let pin = read_secret("PIN (at least 6 characters): ")?;
    let key = SigningKey::from_bytes(&seed);
    keystore.add(&key, holder, &pin).map_err(|e| e.to_string())
}
