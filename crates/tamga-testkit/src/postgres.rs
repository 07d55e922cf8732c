//! PostgreSQL for tests: a fresh database of its own for each test, in the cluster
//! `TAMGA_POSTGRES_URL` names (`scripts/postgres.sh start DIR` makes and starts one, printing
//! the URL). Without it the test is skipped, saying so, unless `TAMGA_POSTGRES_TEST=required`
//! (CI sets both).

use std::sync::atomic::{AtomicU32, Ordering};

/// The variable naming the cluster (a URL to any database in it, as a superuser).
pub const URL_VAR: &str = "TAMGA_POSTGRES_URL";
/// The variable that makes the PostgreSQL tests required.
pub const REQUIRED_VAR: &str = "TAMGA_POSTGRES_TEST";

static NEXT: AtomicU32 = AtomicU32::new(0);

/// The cluster's URL, or `None` (the `what` test skipped, said on standard error) when
/// [`URL_VAR`] is not set; panics if it is not set and [`REQUIRED_VAR`] is `required`.
pub fn cluster(what: &str) -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let message = format!(
                "{what} test skipped: no PostgreSQL ({URL_VAR} is not set; `scripts/postgres.sh start /tmp/tamga-pg` starts one and prints the URL)"
            );
            assert!(
                std::env::var(REQUIRED_VAR).as_deref() != Ok("required"),
                "{message}, and {REQUIRED_VAR}=required"
            );
            eprintln!("{message}");
            None
        }
    }
}

/// A new, empty database in the cluster for the `what` test: its URL, or `None` as
/// [`cluster`] says.
pub fn fresh_database(what: &str) -> Option<String> {
    let url = cluster(what)?;
    let name = format!(
        "tamga_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    let mut client = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the test cluster at {url}: {e}"));
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
    Some(with_database(&url, &name))
}

/// `url` naming database `name` instead of its own.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|i| start + i))
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A PostgreSQL cluster of a test's own (`scripts/postgres.sh` in a temporary directory, on a
/// free port), for tests that stop or restart the server; stopped when dropped.
pub struct OwnCluster {
    dir: std::path::PathBuf,
    port: u16,
    url: String,
}

fn script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/postgres.sh")
}

fn run_script(args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new("bash")
        .arg(script())
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

impl OwnCluster {
    /// A new cluster, or `None` (the `what` test skipped, said on standard error) where
    /// PostgreSQL's server is not installed; panics then if [`REQUIRED_VAR`] is `required`.
    pub fn start(what: &str) -> Option<OwnCluster> {
        let installed = std::fs::read_dir("/usr/lib/postgresql")
            .map(|d| d.count() > 0)
            .unwrap_or(false);
        if !installed {
            let message = format!("{what} test skipped: PostgreSQL's server is not installed (Debian: apt-get install postgresql)");
            assert!(
                std::env::var(REQUIRED_VAR).as_deref() != Ok("required"),
                "{message}, and {REQUIRED_VAR}=required"
            );
            eprintln!("{message}");
            return None;
        }
        // Under /tmp: the server's own user must reach it.
        let dir = std::path::PathBuf::from(format!(
            "/tmp/tamga-test-postgres-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let port = crate::ports::free_port();
        let url = run_script(&["start", dir.to_str().unwrap(), &port.to_string()])
            .unwrap_or_else(|e| panic!("a PostgreSQL cluster of the test's own: {e}"));
        Some(OwnCluster { dir, port, url })
    }

    /// A URL to its `postgres` database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A new database in it: its URL.
    pub fn database(&self, name: &str) -> String {
        let mut client = postgres::Client::connect(&self.url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.url));
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        with_database(&self.url, name)
    }

    /// Serves TLS from now on with the server certificate `cert_pem` and its key `key_pem`
    /// (files of the server's own user in its data directory; the configuration reloaded).
    /// Connections without TLS are still taken, as PostgreSQL's default `pg_hba.conf` does.
    pub fn serve_tls(&self, cert_pem: &str, key_pem: &str) {
        use std::os::unix::fs::PermissionsExt;
        let data = self.dir.join("data");
        for (name, text, mode) in [
            ("server.crt", cert_pem, 0o644),
            ("server.key", key_pem, 0o600),
        ] {
            let path = data.join(name);
            std::fs::write(&path, text).expect("writes into the data directory");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let owned = std::process::Command::new("chown")
                .arg("postgres:postgres")
                .arg(&path)
                .status()
                .expect("chown");
            assert!(owned.success(), "the server's user owns {}", path.display());
        }
        let mut client = postgres::Client::connect(&self.url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.url));
        client.batch_execute("ALTER SYSTEM SET ssl = on").unwrap();
        client.batch_execute("SELECT pg_reload_conf()").unwrap();
        // The server reloads on its own time: new connections see the new files after it.
        std::thread::sleep(std::time::Duration::from_millis(500));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let mut fresh = postgres::Client::connect(&self.url, postgres::NoTls).unwrap();
            let on: String = fresh.query_one("SHOW ssl", &[]).unwrap().get(0);
            if on == "on" {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "ssl is not on after a reload"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Stops the server (fast: open connections are cut).
    pub fn stop(&self) {
        run_script(&["stop", self.dir.to_str().unwrap()]).expect("the server stops");
    }

    /// Starts it again on the same port.
    pub fn start_again(&self) {
        run_script(&["start", self.dir.to_str().unwrap(), &self.port.to_string()])
            .expect("the server starts again");
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = run_script(&["stop", self.dir.to_str().unwrap()]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_database_name_replaces_the_urls_own() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:55432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:55432/t1"
        );
        assert_eq!(
            super::with_database("postgres://u:p@h:1/db?sslmode=disable", "t2"),
            "postgres://u:p@h:1/t2?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://h:1", "t3"),
            "postgres://h:1/t3"
        );
    }
}
