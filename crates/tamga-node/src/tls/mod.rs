//! TLS 1.3 between nodes, bound to the registry: a node's TLS identity is its enrolled ed25519
//! device key, sent as a raw public key (RFC 7250: the key's SubjectPublicKeyInfo, no
//! certificate, no certificate authority). Each side admits the other only if its key passes an
//! [`Admission`] check: a client expects exactly the device key pinned for the peer it calls,
//! enrolled and in force; a server admits any enrolled device in force. Anything else fails the
//! handshake, and the reason is logged on the side that refused.
//!
//! The crypto provider is *ring*'s (it builds from source with a C compiler alone, in seconds);
//! only TLS 1.3 and only Ed25519 handshake signatures are offered and accepted.

mod verify;

use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::SigningKey;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;
use std::sync::Arc;
use tamga_core::registry::{Registry, Role};
use tamga_core::signing::key_id;
use tamga_core::{KeyId, Timestamp};

pub use verify::{PeerVerifier, SPKI_ED25519_PREFIX};

/// Decides whether a peer's device key may open a connection: `Ok` to admit it, or the reason
/// it is refused, in words for the log and the person reading it.
pub type Admission = Arc<dyn Fn(&KeyId) -> Result<(), String> + Send + Sync>;

/// The ALPN protocol both sides speak over TLS.
pub const ALPN_HTTP1: &[u8] = b"http/1.1";

/// The crypto provider of every TLS connection between nodes: ring, with TLS 1.3's suites.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Makes ring the process's default crypto provider, for the HTTP clients that do not bring a
/// configuration of their own (an officer's CLI calling its own node on loopback). Call it
/// first thing in `main`; a second call changes nothing.
pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The device key `key` as the raw public key a peer presents: its DER SubjectPublicKeyInfo.
pub fn spki_of(key: &KeyId) -> Vec<u8> {
    let mut raw = [0u8; 32];
    hex::decode_to_slice(key.as_str(), &mut raw).expect("a key id is 64 hex digits");
    let mut spki = SPKI_ED25519_PREFIX.to_vec();
    spki.extend_from_slice(&raw);
    spki
}

/// The device key a peer presented, from its raw public key; refused unless it is an Ed25519
/// SubjectPublicKeyInfo and nothing else.
pub fn key_of_spki(spki: &[u8]) -> Result<KeyId, String> {
    match spki.strip_prefix(SPKI_ED25519_PREFIX) {
        Some(raw) if raw.len() == 32 => {
            KeyId::new(hex::encode(raw)).map_err(|e| format!("not a device key: {e}"))
        }
        _ => Err(format!(
            "the peer's public key is not an Ed25519 device key ({} bytes)",
            spki.len()
        )),
    }
}

/// This node's TLS identity: its device key as a raw public key with the signer that proves it.
fn identity(device: &SigningKey) -> Result<Arc<CertifiedKey>, String> {
    let der = device
        .to_pkcs8_der()
        .map_err(|e| format!("the device key cannot be encoded for TLS: {e}"))?;
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der.as_bytes().to_vec()));
    let signer = provider()
        .key_provider
        .load_private_key(der)
        .map_err(|e| format!("the device key cannot sign TLS handshakes: {e}"))?;
    let spki = CertificateDer::from(spki_of(&key_id(device)));
    Ok(Arc::new(CertifiedKey::new(vec![spki], signer)))
}

/// The admission of a server: any device enrolled in `registry()` and in force now.
pub fn any_enrolled_device(registry: impl Fn() -> Registry + Send + Sync + 'static) -> Admission {
    any_enrolled(&[Role::Device], registry)
}

/// The admission of a server some machines other than nodes call (central, which a navigation
/// seal operator's system calls with its `seal_operator` key): any key enrolled in
/// `registry()` in one of `roles` and in force now. Each route then checks the role it needs.
pub fn any_enrolled(
    roles: &'static [Role],
    registry: impl Fn() -> Registry + Send + Sync + 'static,
) -> Admission {
    Arc::new(move |key: &KeyId| {
        registry()
            .enrollment_at(key, Timestamp::now(), roles)
            .map(|_| ())
            .map_err(|e| format!("device {} is refused: {e}", key.fingerprint()))
    })
}

/// The admission of a client calling one peer: exactly `expected`, and enrolled in `registry()`
/// as a device in force now.
pub fn exactly(
    expected: KeyId,
    registry: impl Fn() -> Registry + Send + Sync + 'static,
) -> Admission {
    let enrolled = any_enrolled_device(registry);
    Arc::new(move |key: &KeyId| {
        if key != &expected {
            return Err(format!(
                "the peer presented device key {}, but {} is the key configured for it: a different machine answers at that address (or one in the middle); check the peer's address and key",
                key.fingerprint(),
                expected.fingerprint()
            ));
        }
        enrolled(key)
    })
}

/// The TLS configuration of a node's server: its device key as identity, every client
/// required to present a device key that `admit` admits.
pub fn server_config(
    device: &SigningKey,
    admit: Admission,
) -> Result<Arc<rustls::ServerConfig>, String> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(Arc::new(PeerVerifier::new(admit, "client")))
        .with_cert_resolver(Arc::new(
            rustls::server::AlwaysResolvesServerRawPublicKeys::new(identity(device)?),
        ));
    config.alpn_protocols = vec![ALPN_HTTP1.to_vec()];
    Ok(Arc::new(config))
}

/// The TLS configuration of a client calling one peer: this node's device key as identity, the
/// server required to present a device key that `admit` admits.
pub fn client_config(
    device: &SigningKey,
    admit: Admission,
) -> Result<rustls::ClientConfig, String> {
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PeerVerifier::new(admit, "server")))
        .with_client_cert_resolver(Arc::new(
            rustls::client::AlwaysResolvesClientRawPublicKeys::new(identity(device)?),
        ));
    config.alpn_protocols = vec![ALPN_HTTP1.to_vec()];
    Ok(config)
}

/// The device key of the peer on an established server-side connection.
pub fn peer_key(connection: &rustls::ServerConnection) -> Option<KeyId> {
    let presented = connection.peer_certificates()?.first()?;
    key_of_spki(presented.as_ref()).ok()
}

#[cfg(test)]
mod tests;
