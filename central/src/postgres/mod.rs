//! Central on PostgreSQL: several central processes answering for one central, sharing one
//! database, behind any TCP load balancer.
//!
//! Each process keeps its own store (`store/` in its data directory) as a **replica** of the
//! database, and the database holds what must be shared: every automerge change of every
//! document (by hash, so each once), the change feed (a position given out in commit order),
//! how far central has heard from each node, and the replay guard's nonces
//! (`migrations/V1__shared_ledger.sql`).
//!
//! - A process answers a node from its replica after catching up with the database
//!   ([`Replica::catch_up`]), and the feed position it tells the node is the one it caught up
//!   to; so a node may meet another process in its next session and resume from its checkpoint.
//! - What a process merges from a node, or records itself, is published to the database
//!   ([`Replica::publish`]) before the node's round (or the request) is answered: acknowledged
//!   means committed in PostgreSQL, not only in the replica.
//! - Two processes merging changes into one consignment at the same moment lose nothing: a
//!   document is the set of its changes, each inserted once by its hash (`ON CONFLICT DO
//!   NOTHING`), never a value read, changed and written back; automerge merges them in any
//!   order to the same document. The one row every publishing transaction locks is the feed's
//!   position, so that positions are given out in commit order and a follower never skips a
//!   change that commits late.
//! - Central's transparency log is the database's: one order of leaves and one line of signed
//!   heads, whichever process a node asks ([`log`](self::log)).
//! - A replica is derived: lost, it is rebuilt from the database by catching up from 0.
//!
//! sled stays central's default: without `postgres` in the configuration nothing here runs.

mod ledger;
mod link;
mod listing;
mod log;
mod replica;
mod rows;

pub use replica::Replica;
pub use rows::{KpFact, RowSet, RowWriter};

use r2d2_postgres::PostgresConnectionManager;
use std::sync::Arc;
use std::time::Duration;
use tamga_core::KeyId;
use tamga_store::{Store, StoreError};

/// The schema, versioned in `central/migrations/` and applied at start.
mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The advisory lock taken while migrating, so that processes starting together migrate once.
const MIGRATION_LOCK: i64 = 0x7461_6d67_615f_6d31; // "tamga_m1"

/// The most connections a process keeps to the database.
const POOL_SIZE: u32 = 8;

type Pool = r2d2::Pool<PostgresConnectionManager<link::Tls>>;
/// A pooled connection.
pub(crate) type Connection = r2d2::PooledConnection<PostgresConnectionManager<link::Tls>>;

/// The shared database, connected and migrated.
#[derive(Clone)]
pub struct Database {
    pool: Arc<Connections>,
    /// The URL without its password, for messages.
    shown: String,
}

/// The pool, closed on a thread of its own when the last handle goes: closing a connection
/// blocks, which an async worker (where a server's state is dropped) must never do.
struct Connections(Option<Pool>);

impl Drop for Connections {
    fn drop(&mut self) {
        if let Some(pool) = self.0.take() {
            let _ = std::thread::Builder::new()
                .name("postgres-close".into())
                .spawn(move || drop(pool));
        }
    }
}

impl Connections {
    fn get(&self) -> Result<Connection, r2d2::Error> {
        self.0.as_ref().expect("open until dropped").get()
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("url", &self.shown)
            .finish()
    }
}

/// `url` with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(an unreadable URL)".into(),
    }
}

impl Database {
    /// Connects to the database at `url` (`postgres://user@host:port/name`, with
    /// `?sslmode=require&sslrootcert=FILE` off this host: [`link`]), applies the schema's
    /// migrations, and checks that the database is pinned to `authority` (pinning an empty
    /// one). Errors say what to do.
    pub fn open(url: &str, authority: &KeyId) -> Result<Database, String> {
        let shown = redact(url);
        let (config, tls) = link::link(url, &shown)?;
        // One connection first, for the server's own words when it cannot be reached.
        config
            .connect(tls.clone())
            .map_err(|e| {
                let why = tamga_node::transport::client::causes(&e);
                if why.contains("certificate") {
                    format!("PostgreSQL at {shown} is not the server the CA in sslrootcert vouches for ({why}): check the URL's host and the CA file; nothing was sent")
                } else {
                    format!("cannot connect to PostgreSQL at {shown}: {why}. Is it running, and does the database exist (createdb)?")
                }
            })?
            .close()
            .map_err(|e| format!("PostgreSQL at {shown}: {e}"))?;
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(PostgresConnectionManager::new(config, tls))
            .map_err(|e| {
                format!("cannot connect to PostgreSQL at {shown}: {e}. Is it running, and does the database exist (createdb)?")
            })?;
        let db = Database {
            pool: Arc::new(Connections(Some(pool))),
            shown,
        };
        db.migrate()?;
        db.pin(authority)?;
        Ok(db)
    }

    /// The URL without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// A connection from the pool (a broken one is replaced when taken).
    pub(crate) fn connection(&self) -> Result<Connection, StoreError> {
        self.pool.get().map_err(|e| StoreError::Database {
            detail: format!("no connection to {}: {e}", self.shown),
        })
    }

    fn migrate(&self) -> Result<(), String> {
        let mut client = self.pool.get().map_err(|e| e.to_string())?;
        let failed = |e: &dyn std::fmt::Display| {
            format!(
                "the schema of the database at {} could not be brought up to date: {e}",
                self.shown
            )
        };
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .map_err(|e| failed(&e))?;
        let newer = self.newer_schema(&mut client);
        if newer.is_err() {
            let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
            return newer;
        }
        let migrated = embedded::migrations::runner().run(&mut *client);
        let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
        let report = migrated.map_err(|e| failed(&e))?;
        unlocked.map_err(|e| failed(&e))?;
        for m in report.applied_migrations() {
            tracing::info!(
                version = m.version(),
                name = m.name(),
                "database schema migrated"
            );
        }
        Ok(())
    }

    /// Refuses a database whose schema a newer build brought beyond this build's migrations:
    /// this build would misread it.
    fn newer_schema(&self, client: &mut Connection) -> Result<(), String> {
        let known = embedded::migrations::runner()
            .get_migrations()
            .iter()
            .map(|m| m.version())
            .max()
            .unwrap_or(0);
        let failed = |e: postgres::Error| format!("the database at {}: {e}", self.shown);
        let history: bool = client
            .query_one(
                "SELECT to_regclass('refinery_schema_history') IS NOT NULL",
                &[],
            )
            .map_err(failed)?
            .get(0);
        let found: Option<i32> = if history {
            client
                .query_one("SELECT max(version) FROM refinery_schema_history", &[])
                .map_err(failed)?
                .get(0)
        } else {
            None
        };
        match found {
            Some(v) if v > known as i32 => Err(format!(
                "the database at {} has schema version {v}, but this build of tamga-central knows only up to version {known}: a newer tamga-central migrated it; upgrade this one to that version (every process of one central runs the same version)",
                self.shown
            )),
            _ => Ok(()),
        }
    }

    fn pin(&self, authority: &KeyId) -> Result<(), String> {
        let mut client = self.pool.get().map_err(|e| e.to_string())?;
        let failed = |e: postgres::Error| format!("the database at {}: {e}", self.shown);
        client
            .execute(
                "INSERT INTO pinned_authority (authority) VALUES ($1) ON CONFLICT DO NOTHING",
                &[&authority.as_str()],
            )
            .map_err(failed)?;
        let pinned: String = client
            .query_one("SELECT authority FROM pinned_authority", &[])
            .map_err(failed)?
            .get(0);
        if pinned != authority.as_str() {
            return Err(format!(
                "the database at {} holds the records of customs authority {}, not {}: give this central its own database",
                self.shown,
                KeyId::new(pinned.clone()).map(|k| k.fingerprint()).unwrap_or(pinned),
                authority.fingerprint()
            ));
        }
        Ok(())
    }
}

/// A process joined to the shared database: its store caught up and what it holds published.
pub struct Joined {
    /// The process's store as a replica of the database.
    pub replica: Arc<Replica>,
    /// Where the reconciliation's rows go.
    pub rows: Arc<RowWriter>,
}

/// Joins the database at `url` (pinned to `authority`) with `store`: publishes what the store
/// holds that the database may not (what `init` or the command line recorded), catches up with
/// what other processes published, and makes its store's log the database's
/// ([`Replica::adopt_log`]). Blocking: call it off the async workers.
pub fn join(
    store: Arc<Store>,
    url: &str,
    authority: &KeyId,
    zone: chrono_tz::Tz,
) -> Result<Joined, String> {
    let db = Database::open(url, authority)?;
    let shown = db.shown().to_owned();
    let replica = Replica::new(store, db).map_err(|e| e.to_string())?;
    replica
        .publish()
        .map_err(|e| format!("publishing this store to {shown}: {e}"))?;
    let position = replica
        .catch_up()
        .map_err(|e| format!("catching up with {shown}: {e}"))?;
    replica.adopt_log().map_err(|e| e.to_string())?;
    tracing::info!(database = %shown, position, "joined the shared database");
    let replica = Arc::new(replica);
    Ok(Joined {
        rows: Arc::new(RowWriter::new(Arc::clone(&replica), zone)),
        replica,
    })
}

/// A database error as the store's error: nothing acknowledged, what to check.
pub(crate) fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError::Database {
        detail: e.to_string(),
    }
}

#[cfg(test)]
mod listing_tests;
#[cfg(test)]
mod rows_tests;
#[cfg(test)]
mod tests;
