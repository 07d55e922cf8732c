//! The staff port's TLS: the dashboard and its API over HTTPS for headquarters staff at their
//! own desks. The certificate is the organisation's (PEM files named in the configuration,
//! `staff_tls_cert` and `staff_tls_key`), or else one central made for itself at `init`
//! (`staff-tls.crt`, `staff-tls.key`: ECDSA P-256, self-signed, for `localhost`, this machine's
//! name and the names in `staff_tls_names`), whose SHA-256 fingerprint `init` and `serve` print
//! for staff to compare with what their browser shows before they trust it.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The certificate central makes for itself.
pub const CERT_FILE: &str = "staff-tls.crt";
/// Its private key (0600).
pub const KEY_FILE: &str = "staff-tls.key";

/// The certificate's fingerprint as browsers show it: SHA-256 of its DER, upper-case hex pairs
/// joined by colons.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Makes central's own certificate in `dir` unless one is there; returns its fingerprint.
pub fn ensure_own_certificate(dir: &Path, names: &[String]) -> Result<String, String> {
    let cert_path = dir.join(CERT_FILE);
    let key_path = dir.join(KEY_FILE);
    if cert_path.exists() && key_path.exists() {
        let (certs, _) = read_pem(&cert_path, &key_path)?;
        return Ok(fingerprint(&certs[0]));
    }
    let mut all = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        let host = host.trim();
        if !host.is_empty() {
            all.push(host.to_owned());
        }
    }
    for n in names {
        if !all.contains(n) {
            all.push(n.clone());
        }
    }
    let made = rcgen::generate_simple_self_signed(all)
        .map_err(|e| format!("the staff port's certificate could not be made: {e}"))?;
    tamga_node::files::write_atomic_private(&key_path, made.signing_key.serialize_pem().as_bytes())
        .map_err(|e| format!("{}: {e}", key_path.display()))?;
    tamga_node::files::write_atomic_private(&cert_path, made.cert.pem().as_bytes())
        .map_err(|e| format!("{}: {e}", cert_path.display()))?;
    Ok(fingerprint(made.cert.der()))
}

type Pem = (
    Vec<rustls::pki_types::CertificateDer<'static>>,
    rustls::pki_types::PrivateKeyDer<'static>,
);

fn read_pem(cert: &Path, key: &Path) -> Result<Pem, String> {
    use rustls::pki_types::pem::PemObject;
    let certs = rustls::pki_types::CertificateDer::pem_file_iter(cert)
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: not a PEM certificate chain: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate in it", cert.display()));
    }
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("{}: not a PEM private key: {e}", key.display()))?;
    Ok((certs, key))
}

/// The files the staff port serves: the organisation's if configured, else central's own.
pub fn files(dir: &Path, config: &crate::config::Config) -> (PathBuf, PathBuf) {
    match (&config.staff_tls_cert, &config.staff_tls_key) {
        (Some(c), Some(k)) => (dir.join(c), dir.join(k)),
        _ => (dir.join(CERT_FILE), dir.join(KEY_FILE)),
    }
}

/// The staff port's TLS configuration (TLS 1.3 and 1.2, HTTP/1.1) and its certificate's
/// fingerprint.
pub fn server_config(
    dir: &Path,
    config: &crate::config::Config,
) -> Result<(Arc<rustls::ServerConfig>, String), String> {
    if config.staff_tls_cert.is_none() {
        ensure_own_certificate(dir, &config.staff_tls_names)?;
    }
    let (cert, key) = files(dir, config);
    let (certs, private) = read_pem(&cert, &key)?;
    let print = fingerprint(&certs[0]);
    let mut tls = rustls::ServerConfig::builder_with_provider(tamga_node::tls::provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, private)
        .map_err(|e| {
            format!(
                "{} and {} do not make a TLS identity: {e}",
                cert.display(),
                key.display()
            )
        })?;
    tls.alpn_protocols = vec![tamga_node::tls::ALPN_HTTP1.to_vec()];
    Ok((Arc::new(tls), print))
}
