//! A staff member's HTTPS client for central's staff port: trusts only the certificate central
//! made (read from its data directory), keeps the session cookie and the CSRF token.

use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

/// What the staff port answered.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The staff port of the central in `hq`, as `serve.json` names it.
pub fn staff_port(hq: &Path) -> (u16, String) {
    let info: Value =
        serde_json::from_slice(&std::fs::read(hq.join("serve.json")).unwrap()).unwrap();
    let url = info["staff_url"]
        .as_str()
        .expect("the staff port is served")
        .to_owned();
    let port = url.rsplit(':').next().unwrap().parse().unwrap();
    (port, info["staff_fingerprint"].as_str().unwrap().to_owned())
}

/// One staff member's browser, in the small.
pub struct Staff {
    port: u16,
    tls: Arc<rustls::ClientConfig>,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl Staff {
    /// A client of the staff port of `hq` trusting only central's own certificate.
    pub fn new(hq: &Path) -> Staff {
        use rustls::pki_types::pem::PemObject;
        let (port, _) = staff_port(hq);
        let mut roots = rustls::RootCertStore::empty();
        for cert in
            rustls::pki_types::CertificateDer::pem_file_iter(hq.join("staff-tls.crt")).unwrap()
        {
            roots.add(cert.unwrap()).unwrap();
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        Staff {
            port,
            tls: Arc::new(tls),
            cookie: None,
            csrf: None,
        }
    }

    /// One request over a fresh TLS connection to `localhost`.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(Arc::clone(&self.tls), name).unwrap();
        let tcp = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .unwrap();
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        if let Some(c) = &self.cookie {
            head.push_str(&format!("Cookie: tamga_session={c}\r\n"));
        }
        for (n, v) in headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        tls.write_all(head.as_bytes()).unwrap();
        tls.write_all(body).unwrap();
        let mut raw = Vec::new();
        let _ = tls.read_to_end(&mut raw);
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP answer");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
        {
            body = unchunk(&body);
        }
        Answer {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Answer {
        self.send("GET", path, &[], &[])
    }

    /// A state change as the dashboard sends it: JSON with the session's CSRF token.
    pub fn post(&self, path: &str, body: &Value) -> Answer {
        let csrf = self.csrf.clone().unwrap_or_default();
        self.send(
            "POST",
            path,
            &[
                ("Content-Type", "application/json"),
                ("X-CSRF-Token", &csrf),
            ],
            body.to_string().as_bytes(),
        )
    }

    /// Logs in; keeps the cookie and the CSRF token on success (an account with a security key
    /// answers 200 without a session: the key is asked for next).
    pub fn login(&mut self, username: &str, password: &str, code: &str) -> Answer {
        let body = serde_json::json!({"username": username, "password": password, "code": code});
        self.open("/api/login", &body)
    }

    /// The login's second step with a security key's answer (`credential`) to the challenge
    /// of the login `login`; keeps the session on success.
    #[allow(dead_code)]
    pub fn login_with_key(&mut self, login: &str, credential: &Value) -> Answer {
        let body = serde_json::json!({"login": login, "credential": credential});
        self.open("/api/login/security-key", &body)
    }

    fn open(&mut self, path: &str, body: &Value) -> Answer {
        let answer = self.send(
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        );
        if let Some(set) = answer.header("set-cookie").filter(|_| answer.status == 200) {
            let token = set
                .split(';')
                .next()
                .unwrap()
                .trim_start_matches("tamga_session=")
                .to_owned();
            self.cookie = Some(token);
            self.csrf = answer.json()["csrf"].as_str().map(str::to_owned);
        }
        answer
    }
}

fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&data[..end])
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
}

/// The current TOTP code of `username`'s account in `hq` (what their authenticator app shows).
pub fn code_of(hq: &Path, username: &str, offset_steps: i64) -> String {
    let accounts: Value =
        serde_json::from_slice(&std::fs::read(hq.join("accounts.json")).unwrap()).unwrap();
    let secret = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .unwrap()["totp_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    tamga_central::accounts::totp_code(&secret, (now + offset_steps * 30) as u64)
}

/// Adds `username`'s account with `role` (and their signing key) through the CLI, the password
/// the tests use.
pub fn add_account(hq: &Path, username: &str, role: &str, key: Option<&str>) {
    let number = format!("HQ-{username}");
    let mut args = vec![
        "account",
        "add",
        "--username",
        username,
        "--name",
        username,
        "--personal-number",
        &number,
        "--role",
        role,
    ];
    if let Some(k) = key {
        args.extend(["--key", k]);
    }
    let out = super::must(
        Path::new(super::CENTRAL),
        hq,
        &args,
        &format!("{PASSWORD}\n"),
    );
    assert!(
        out.contains("Second factor") && out.contains("otpauth://totp/"),
        "{out}"
    );
}

/// The password of the tests' accounts.
pub const PASSWORD: &str = "a long passphrase for the test";

/// The Chromium flag that trusts the staff port's certificate key and no other: the base64
/// SHA-256 of its SubjectPublicKeyInfo.
pub fn trust_flag(hq: &Path) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let pem = std::fs::read_to_string(hq.join("staff-tls.key")).unwrap();
    let key = rcgen::KeyPair::from_pem(&pem).unwrap();
    let hash = Sha256::digest(rcgen::PublicKeyData::subject_public_key_info(&key));
    format!(
        "--ignore-certificate-errors-spki-list={}",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

/// The staff port's base URL as a browser opens it.
pub fn staff_base(hq: &Path) -> String {
    format!("https://localhost:{}", staff_port(hq).0)
}

/// Logs in on the dashboard's login form.
pub async fn browser_login(c: &tamga_testkit::webdriver::Client, hq: &Path, username: &str) {
    use tamga_testkit::webdriver::{click_css, find, type_into};
    find(c, "[data-test=login]").await;
    type_into(c, "[data-test=login-username]", username).await;
    type_into(c, "[data-test=login-password]", PASSWORD).await;
    type_into(c, "[data-test=login-code]", &code_of(hq, username, 0)).await;
    click_css(c, "[data-test=login-submit]").await;
    find(c, "[data-test=who]").await;
}

/// Logs out from the dashboard's header.
pub async fn browser_logout(c: &tamga_testkit::webdriver::Client) {
    use tamga_testkit::webdriver::{click_css, find};
    click_css(c, "[data-test=logout]").await;
    find(c, "[data-test=login]").await;
}
