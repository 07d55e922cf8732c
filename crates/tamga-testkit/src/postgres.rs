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
