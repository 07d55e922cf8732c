//! The link to PostgreSQL. Every act central holds crosses it (where the diamonds are, who
//! carries them), so off the machine it is encrypted and the server authenticated:
//!
//! - a database on another host needs `sslmode=require` (or libpq's `verify-ca`/`verify-full`)
//!   and `sslrootcert=FILE`, the PEM of the CA that signed the server's certificate: TLS
//!   (rustls) with the server's certificate and name checked against that CA, always (stricter
//!   than libpq's `require`, which checks nothing);
//! - a database on this host (loopback or a Unix socket) may be reached without TLS, as
//!   PostgreSQL's own tools do; with `sslrootcert` it is TLS as above.
//!
//! A URL that would send the records unencrypted over a network is refused, saying what to
//! write instead.

use std::path::Path;
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The TLS connector every connection is made with (unused where the URL says no TLS).
pub type Tls = MakeRustlsConnect;

/// The configuration and TLS connector for `url` (`shown`: the URL without its password).
pub fn link(url: &str, shown: &str) -> Result<(postgres::Config, Tls), String> {
    let written = |e: &dyn std::fmt::Display| {
        format!("the PostgreSQL URL {shown} is not valid ({e}); write it as postgres://USER@HOST:PORT/DATABASE?sslmode=require&sslrootcert=/etc/tamga/postgres-ca.pem")
    };
    let mut parsed = url::Url::parse(url).map_err(|e| written(&e))?;
    let mut ca = None;
    let mut mode = None;
    let mut kept = Vec::new();
    for (key, value) in parsed.query_pairs() {
        match key.as_ref() {
            "sslrootcert" => ca = Some(value.into_owned()),
            "sslmode" => mode = Some(value.into_owned()),
            _ => kept.push((key.into_owned(), value.into_owned())),
        }
    }
    let tls = match (mode.as_deref(), &ca) {
        (Some("require" | "verify-ca" | "verify-full"), Some(_)) | (None | Some("prefer"), Some(_)) => true,
        (Some("require" | "verify-ca" | "verify-full"), None) => {
            return Err(format!(
                "the PostgreSQL URL {shown} asks for TLS but names no CA to check the server with: add sslrootcert=FILE (the PEM of the CA that signed the server's certificate)"
            ))
        }
        (None | Some("prefer" | "disable" | "allow"), None) => false,
        (Some("disable" | "allow"), Some(_)) => {
            return Err(format!(
                "the PostgreSQL URL {shown} names a CA but says sslmode={}: write sslmode=require",
                mode.unwrap_or_default()
            ))
        }
        (Some(other), _) => return Err(written(&format!("sslmode={other}"))),
    };
    {
        let mut query = parsed.query_pairs_mut();
        query.clear();
        for (key, value) in &kept {
            query.append_pair(key, value);
        }
        query.append_pair("sslmode", if tls { "require" } else { "disable" });
    }
    let mut config: postgres::Config = parsed.as_str().parse().map_err(|e| written(&e))?;
    if !tls {
        if let Some(far) = config.get_hosts().iter().find_map(|h| match h {
            postgres::config::Host::Tcp(name) if !on_this_host(name) => Some(name.clone()),
            _ => None,
        }) {
            return Err(format!(
                "the PostgreSQL URL {shown} would carry central's records to {far} unencrypted: add sslmode=require&sslrootcert=FILE (the PEM of the CA that signed the server's certificate), or run the database on this host"
            ));
        }
    }
    let roots = match &ca {
        Some(file) if tls => roots(Path::new(file), shown)?,
        _ => rustls::RootCertStore::empty(),
    };
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS to PostgreSQL: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.ssl_mode(if tls {
        postgres::config::SslMode::Require
    } else {
        postgres::config::SslMode::Disable
    });
    Ok((config, MakeRustlsConnect::new(client)))
}

/// Whether `host` names this machine: a network link to it never leaves it.
fn on_this_host(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The CA certificates in the PEM file `file`.
fn roots(file: &Path, shown: &str) -> Result<rustls::RootCertStore, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let unreadable = |e: &dyn std::fmt::Display| {
        format!(
            "the CA for PostgreSQL at {shown} ({}): {e}; give the PEM of the CA that signed the server's certificate",
            file.display()
        )
    };
    let mut store = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(file).map_err(|e| unreadable(&e))? {
        store
            .add(cert.map_err(|e| unreadable(&e))?)
            .map_err(|e| unreadable(&e))?;
    }
    if store.is_empty() {
        return Err(unreadable(&"no certificate in it"));
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::link;

    fn refused(url: &str) -> String {
        link(url, "(url)")
            .err()
            .unwrap_or_else(|| panic!("{url} was taken"))
    }

    #[test]
    fn records_never_cross_a_network_unencrypted() {
        for url in [
            "postgres://tamga@db.hq:5432/tamga",
            "postgres://tamga@10.1.2.3/tamga?sslmode=prefer",
            "postgres://tamga@db.hq/tamga?sslmode=disable",
        ] {
            assert!(refused(url).contains("unencrypted"), "{url}");
        }
        assert!(refused("postgres://tamga@db.hq/tamga?sslmode=require").contains("sslrootcert"));
        assert!(refused(
            "postgres://tamga@db.hq/tamga?sslmode=verify-full&sslrootcert=/nonexistent.pem"
        )
        .contains("/nonexistent.pem"));
        assert!(refused("postgres://tamga@db.hq/tamga?sslmode=sometimes").contains("sslmode"));
        // On this host: no TLS needed.
        for url in [
            "postgres://postgres@127.0.0.1:55432/postgres",
            "postgres://postgres@localhost/postgres?sslmode=prefer",
            "postgres://postgres@[::1]:5432/postgres",
        ] {
            let (config, _) = link(url, "(url)").unwrap();
            assert_eq!(
                config.get_ssl_mode(),
                postgres::config::SslMode::Disable,
                "{url}"
            );
        }
    }
}
