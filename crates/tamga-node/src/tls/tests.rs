//! Handshakes between real TLS endpoints on loopback: the right keys meet; another key, a key
//! the admission refuses, a non-Ed25519 key and a chain of certificates are each refused at the
//! handshake.

use super::*;
use rustls::pki_types::ServerName;
use std::sync::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

fn admit_all() -> Admission {
    Arc::new(|_: &KeyId| Ok(()))
}

fn only(expected: KeyId) -> Admission {
    Arc::new(move |k: &KeyId| {
        if *k == expected {
            Ok(())
        } else {
            Err(format!("not {}", expected.fingerprint()))
        }
    })
}

/// Runs one handshake: the server's outcome (the client key it saw) and the client's.
async fn handshake(
    server: Arc<rustls::ServerConfig>,
    client: rustls::ClientConfig,
) -> (Result<KeyId, String>, Result<(), String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(None));
    let seen_by_server = Arc::clone(&seen);
    let server_side = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(server);
        match acceptor.accept(stream).await {
            Ok(mut tls) => {
                let key = peer_key(tls.get_ref().1).ok_or("no key".to_string());
                *seen_by_server.lock().unwrap() = Some(key.clone());
                let mut b = [0u8; 5];
                let _ = tls.read_exact(&mut b).await;
                let _ = tls.write_all(b"world").await;
                key
            }
            Err(e) => Err(e.to_string()),
        }
    });
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let name = ServerName::IpAddress(address.ip().into());
    let client_outcome = match connector.connect(name, stream).await {
        Ok(mut tls) => {
            // TLS 1.3: the server's verdict on the client's key arrives after the client's
            // Finished; a refused client learns it on its first read.
            let _ = tls.write_all(b"hello").await;
            let mut b = [0u8; 5];
            match tls.read_exact(&mut b).await {
                Ok(_) => Ok(()),
                Err(e) => Err(e.to_string()),
            }
        }
        Err(e) => Err(e.to_string()),
    };
    (server_side.await.unwrap(), client_outcome)
}

#[tokio::test]
async fn the_expected_keys_meet_and_the_server_learns_the_clients_device_key() {
    let (server_key, client_key) = (key(1), key(2));
    let server = server_config(&server_key, only(key_id(&client_key))).unwrap();
    let client = client_config(&client_key, only(key_id(&server_key))).unwrap();
    let (server_saw, client_saw) = handshake(server, client).await;
    assert_eq!(server_saw.unwrap(), key_id(&client_key));
    client_saw.unwrap();
}

#[tokio::test]
async fn a_server_presenting_another_key_is_refused_by_the_client() {
    let (server_key, client_key, expected) = (key(1), key(2), key(3));
    let server = server_config(&server_key, admit_all()).unwrap();
    let client = client_config(&client_key, only(key_id(&expected))).unwrap();
    let (server_saw, client_saw) = handshake(server, client).await;
    let e = client_saw.unwrap_err();
    assert!(e.contains("not "), "{e}");
    assert!(server_saw.is_err());
}

#[tokio::test]
async fn a_client_the_admission_refuses_is_refused_by_the_server() {
    let (server_key, client_key) = (key(1), key(2));
    let server = server_config(&server_key, only(key_id(&key(9)))).unwrap();
    let client = client_config(&client_key, admit_all()).unwrap();
    let (server_saw, client_saw) = handshake(server, client).await;
    assert!(server_saw.unwrap_err().contains("not "));
    assert!(client_saw.is_err());
}

/// A client configuration presenting `chain` signed by `signer`, accepting any server.
fn client_presenting(
    chain: Vec<CertificateDer<'static>>,
    signer: Arc<dyn rustls::sign::SigningKey>,
) -> rustls::ClientConfig {
    let certified = Arc::new(CertifiedKey::new(chain, signer));
    rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PeerVerifier::new(admit_all(), "server")))
        .with_client_cert_resolver(Arc::new(
            rustls::client::AlwaysResolvesClientRawPublicKeys::new(certified),
        ))
}

#[tokio::test]
async fn a_client_key_that_is_not_ed25519_is_refused_at_the_handshake() {
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &rng,
    )
    .unwrap();
    let signer = provider()
        .key_provider
        .load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            pkcs8.as_ref().to_vec(),
        )))
        .unwrap();
    let spki = signer.public_key().unwrap().as_ref().to_vec();
    let server = server_config(&key(1), admit_all()).unwrap();
    let (server_saw, client_saw) = handshake(
        server,
        client_presenting(vec![CertificateDer::from(spki)], signer),
    )
    .await;
    assert!(client_saw.is_err());
    let e = server_saw.unwrap_err();
    // The server asks for Ed25519 signatures only: a client that cannot make one sends no
    // key at all, and is refused for that.
    assert!(
        e.contains("not an Ed25519") || e.contains("no certificates"),
        "{e}"
    );
}

#[tokio::test]
async fn a_chain_of_certificates_and_an_oversized_one_are_refused() {
    let client_key = key(2);
    let der = client_key.to_pkcs8_der().unwrap();
    let signer = || {
        provider()
            .key_provider
            .load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                der.as_bytes().to_vec(),
            )))
            .unwrap()
    };
    let spki = CertificateDer::from(spki_of(&key_id(&client_key)));
    for chain in [
        vec![spki.clone(), CertificateDer::from(vec![0x30; 40_000])],
        vec![CertificateDer::from(vec![0x30; 60_000])],
    ] {
        let server = server_config(&key(1), admit_all()).unwrap();
        let (server_saw, client_saw) = handshake(server, client_presenting(chain, signer())).await;
        assert!(server_saw.is_err());
        assert!(client_saw.is_err());
    }
}

#[test]
fn a_raw_public_key_is_read_back_only_from_an_ed25519_spki() {
    let k = key_id(&key(5));
    assert_eq!(key_of_spki(&spki_of(&k)).unwrap(), k);
    let spki = spki_of(&k);
    assert!(key_of_spki(&spki[..spki.len() - 1]).is_err());
    let mut longer = spki.clone();
    longer.push(0);
    assert!(key_of_spki(&longer).is_err());
    let mut other_algorithm = spki;
    other_algorithm[8] = 0x71;
    assert!(key_of_spki(&other_algorithm).is_err());
}
