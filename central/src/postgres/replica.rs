//! A process's store as a replica of the shared database: catching up with the changes other
//! processes published, and publishing what this process merged or recorded (see the module
//! doc of [`crate::postgres`]).

use super::{failed, Database};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use tamga_store::{ChangeHash, DocId, Store, StoreError, Writer};
use tracing::debug;

/// The store's checkpoint names for how far it stands with the database: the database's
/// feed position caught up to, and the store's own feed position published up to. Kept in
/// the store beside its peers' checkpoints: the database is, to the replica, a peer.
const APPLIED: &str = "@postgres:applied";
const PUBLISHED: &str = "@postgres:published";

/// The most feed positions taken in one catch-up step. A position holds one publishing
/// transaction: a sync round's documents (at most `tamga_sync::session::MAX_DOCS_PER_ROUND`) or
/// [`DOCS_PER_PUBLISH`]; so a step holds at most 16 × 512 documents' changes in memory, however
/// large the database a new process catches up with.
const POSITIONS_PER_STEP: i64 = 16;
/// The most documents published in one transaction.
const DOCS_PER_PUBLISH: usize = 512;

/// A process's store following the shared database.
pub struct Replica {
    store: Arc<Store>,
    db: Database,
    state: Mutex<State>,
}

struct State {
    /// The database's feed position this store holds everything up to.
    applied: u64,
    /// The store's own feed position whose changes are all in the database.
    published: u64,
    /// Per document, hashes of changes whose ancestors are all in the database (from this
    /// process's catch-ups and publications): what it need not publish again.
    known: HashMap<DocId, Vec<ChangeHash>>,
}

/// A document's changes, each with its hash.
type Changes = Vec<(ChangeHash, Vec<u8>)>;

fn key_of(doc: &DocId) -> String {
    String::from_utf8_lossy(&doc.to_key()).into_owned()
}

impl Replica {
    /// `store` following `db`, from where the store last stood with it.
    pub fn new(store: Arc<Store>, db: Database) -> Result<Replica, StoreError> {
        let applied = store.checkpoint(APPLIED)?.unwrap_or(0);
        let published = store.checkpoint(PUBLISHED)?.unwrap_or(0);
        Ok(Replica {
            store,
            db,
            state: Mutex::new(State {
                applied,
                published,
                known: HashMap::new(),
            }),
        })
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The database.
    pub fn database(&self) -> &Database {
        &self.db
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The database's feed position this store has caught up to.
    pub fn applied(&self) -> u64 {
        self.lock().applied
    }

    /// Takes into the store every change published since it last caught up, durably; returns
    /// the database's feed position it now holds everything up to.
    pub fn catch_up(&self) -> Result<u64, StoreError> {
        let mut state = self.lock();
        let mut client = self.db.connection()?;
        let end: i64 = client
            .query_one("SELECT position FROM feed_position", &[])
            .map_err(failed)?
            .get(0);
        let end = end.max(0) as u64;
        while state.applied < end {
            let from = state.applied as i64;
            let upto = (from + POSITIONS_PER_STEP).min(end as i64);
            // Every change at or before `end` is committed: positions are given out in commit
            // order (the feed's row lock).
            let rows = client
                .query(
                    "SELECT doc, hash, bytes FROM changes WHERE position > $1 AND position <= $2 ORDER BY position",
                    &[&from, &upto],
                )
                .map_err(failed)?;
            let mut docs: BTreeMap<String, (Vec<u8>, Vec<ChangeHash>)> = BTreeMap::new();
            for row in &rows {
                let doc: String = row.get(0);
                let hash: Vec<u8> = row.get(1);
                let bytes: Vec<u8> = row.get(2);
                let hash = ChangeHash::try_from(hash.as_slice())
                    .map_err(|e| failed(format!("a change's hash in the database: {e}")))?;
                let entry = docs.entry(doc).or_default();
                entry.0.extend_from_slice(&bytes);
                entry.1.push(hash);
            }
            for (key, (bytes, hashes)) in docs {
                let doc = DocId::from_key(key.as_bytes()).ok_or_else(|| {
                    failed(format!("no such document key {key:?} in the database"))
                })?;
                let report = self
                    .store
                    .apply_changes_deferred(&doc, &bytes, &Writer::Anyone)?;
                if !report.rejected.is_empty() {
                    debug!(%doc, rejected = report.rejected.len(), "entries from the database left out of the derived state");
                }
                state.known.entry(doc).or_default().extend(hashes);
            }
            self.store.make_durable()?;
            state.applied = upto as u64;
            self.store.set_checkpoint(APPLIED, state.applied)?;
        }
        Ok(state.applied)
    }

    /// Publishes every change the store holds that the database may not: those of the
    /// documents changed in the store's own feed since it last published. Returns once the
    /// database has committed them (a change already there, from any process, is left as it
    /// is).
    pub fn publish(&self) -> Result<(), StoreError> {
        let mut state = self.lock();
        loop {
            let changed = self
                .store
                .changed_since_limit(state.published, DOCS_PER_PUBLISH)?;
            let Some(&(last, _)) = changed.last() else {
                return Ok(());
            };
            let mut batch = Vec::new();
            for (_, doc) in &changed {
                let known = state.known.get(doc).cloned().unwrap_or_default();
                let changes = self.store.changes_after(doc, &known)?;
                if !changes.is_empty() {
                    batch.push((doc.clone(), changes));
                }
            }
            if !batch.is_empty() {
                self.commit(&batch)?;
                for (doc, changes) in batch {
                    let known = state.known.entry(doc.clone()).or_default();
                    known.extend(changes.into_iter().map(|(hash, _)| hash));
                    // Kept small: the document's heads when everything up to them is there.
                    let heads = self.store.heads(&doc)?;
                    if heads.iter().all(|h| known.contains(h)) {
                        *known = heads;
                    }
                }
            }
            state.published = last;
            self.store.set_checkpoint(PUBLISHED, last)?;
            if changed.len() < DOCS_PER_PUBLISH {
                return Ok(());
            }
        }
    }

    /// One transaction: the feed's row locked for the next position, each change inserted
    /// once, the position taken only if something new was inserted.
    fn commit(&self, batch: &[(DocId, Changes)]) -> Result<(), StoreError> {
        let mut client = self.db.connection()?;
        let mut tx = client.transaction().map_err(failed)?;
        let current: i64 = tx
            .query_one("SELECT position FROM feed_position FOR UPDATE", &[])
            .map_err(failed)?
            .get(0);
        let next = current + 1;
        let insert = tx
            .prepare("INSERT INTO changes (hash, doc, position, bytes) VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING")
            .map_err(failed)?;
        let mut inserted = 0;
        for (doc, changes) in batch {
            let key = key_of(doc);
            for (hash, bytes) in changes {
                inserted += tx
                    .execute(&insert, &[&hash.0.as_slice(), &key, &next, bytes])
                    .map_err(failed)?;
            }
        }
        if inserted > 0 {
            tx.execute("UPDATE feed_position SET position = $1", &[&next])
                .map_err(failed)?;
        }
        tx.commit().map_err(failed)?;
        debug!(
            inserted,
            position = next,
            "published to the shared database"
        );
        Ok(())
    }
}
