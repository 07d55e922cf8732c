//! Central's transparency log on the shared database (`migrations/V3__shared_log.sql`): one
//! log whichever process a node asks.
//!
//! - **Leaves** are sequenced in the database: a process takes the log's row (`log_state`,
//!   `FOR UPDATE`), appends a leaf for each verified act of the documents the feed changed since
//!   the log last reached, and commits. The acts are already committed in the database (a
//!   change is published before the feed lists it), so the log never holds a leaf whose act is
//!   not durable.
//! - **Heads** are signed under the same row, in a second transaction: the root of the size
//!   the row says, dated no earlier than the latest head. So heads are signed one process at a
//!   time, in the order of their sizes and times, and every process signs with the same key
//!   (`log.key`, copied with the data directory).
//! - **Proofs** are made from each process's own copy of the leaves in its store
//!   ([`Store::log_mirror`]): the copy is brought up to the database's leaves before a head is
//!   answered or a proof made, and it is only ever written from the database, so it is the
//!   same log.

use super::{failed, Replica};
use postgres::GenericClient;
use tamga_core::transparency::{Hash, Leaf, Receipt, SignedTreeHead};
use tamga_core::{ActId, Timestamp};
use tamga_store::{DocId, Store, StoreError};
use tamga_sync::ledger::{parse_head, Head, NextHead};
use tamga_sync::session::SyncError;

/// Leaves read from the database at a time.
const LEAVES_PER_READ: i64 = 4096;
/// The most feed positions one sequencing transaction takes (so the log's row is never held
/// for long while a large backlog is sequenced).
const POSITIONS_PER_SEQUENCING: u64 = 1024;
/// The store's checkpoint: how many of its leaves are known to be the database's (written by
/// [`mirror`], or compared when the process joined).
const MIRRORED: &str = "@postgres:log";

impl Replica {
    /// Brings this store's copy of the log up to the database's leaves and latest head;
    /// returns the number of leaves it holds.
    pub fn mirror_log(&self) -> Result<u64, StoreError> {
        let mut client = self.database().connection()?;
        mirror(self.store(), &mut *client)
    }

    /// Makes this store's log and the database's one log when the process joins: a store whose
    /// log the database does not have yet (a central moving onto the database) gives it its
    /// leaves and latest head; otherwise every leaf the store holds that was not copied from
    /// the database is compared with the database's. A store whose log differs is refused.
    pub fn adopt_log(&self) -> Result<(), StoreError> {
        let store = self.store();
        let mut client = self.database().connection()?;
        let mut tx = client.transaction().map_err(failed)?;
        let shared = locked_size(&mut tx)?;
        let local = store.log_size()?;
        let checked = store.checkpoint(MIRRORED)?.unwrap_or(0).min(local);
        if shared == 0 && local > 0 {
            let insert = tx
                .prepare("INSERT INTO log_leaves (index, act, seen) VALUES ($1, $2, $3)")
                .map_err(failed)?;
            for index in 0..local {
                let leaf = leaf_at(store, index)?;
                tx.execute(
                    &insert,
                    &[&(index as i64), &leaf.act.0.as_slice(), &leaf.seen.unix()],
                )
                .map_err(failed)?;
            }
            if let Some((size, text)) = store.log_latest_head()? {
                tx.execute(
                    "INSERT INTO log_heads (size, head) VALUES ($1, $2)",
                    &[&(size as i64), &text],
                )
                .map_err(failed)?;
            }
            // Sequenced again from the feed's start: only acts without a leaf get one.
            tx.execute(
                "UPDATE log_state SET size = $1, fed = 0",
                &[&(local as i64)],
            )
            .map_err(failed)?;
            tx.commit().map_err(failed)?;
            tracing::info!(
                leaves = local,
                "this store's transparency log is now the shared database's"
            );
        } else if local > shared {
            return Err(differs(format!(
                "it holds {local} leaves, the database's log {shared}"
            )));
        } else {
            let mut index = checked;
            while index < local {
                let rows = tx
                    .query(
                        "SELECT index, act, seen FROM log_leaves WHERE index >= $1 AND index < $2 ORDER BY index",
                        &[&(index as i64), &((index + LEAVES_PER_READ as u64).min(local) as i64)],
                    )
                    .map_err(failed)?;
                for leaf in leaves_of(&rows, index)? {
                    if leaf != leaf_at(store, index)? {
                        return Err(differs(format!("at leaf {index}")));
                    }
                    index += 1;
                }
                if rows.is_empty() {
                    return Err(differs(format!("the database lacks leaf {index}")));
                }
            }
            drop(tx);
        }
        store.set_checkpoint(MIRRORED, local)?;
        store.make_durable()
    }
}

/// The store's log that is not the database's: what to do.
fn differs(detail: String) -> StoreError {
    failed(format!(
        "this process's store holds a transparency log that differs from the shared database's ({detail}); move this data directory's store/ aside and start again: the store is rebuilt from the database"
    ))
}

fn leaf_at(store: &Store, index: u64) -> Result<Leaf, StoreError> {
    store
        .log_leaf_at(index)?
        .ok_or_else(|| failed(format!("this store's log lacks its leaf {index}")))
}

/// The log's size, its row locked until the transaction ends.
fn locked_size(client: &mut impl GenericClient) -> Result<u64, StoreError> {
    let size: i64 = client
        .query_one("SELECT size FROM log_state FOR UPDATE", &[])
        .map_err(failed)?
        .get(0);
    Ok(size.max(0) as u64)
}

/// Leaves read from `rows` (index, act, seen), which must start at `from` without a gap.
fn leaves_of(rows: &[postgres::Row], from: u64) -> Result<Vec<Leaf>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let index: i64 = row.get(0);
        let act: Vec<u8> = row.get(1);
        let seen: i64 = row.get(2);
        if index != (from + i as u64) as i64 {
            return Err(failed(format!(
                "the database's log has no leaf {} (the next is {index})",
                from + i as u64
            )));
        }
        let act: [u8; 32] = act
            .try_into()
            .map_err(|_| failed(format!("the database's leaf {index} is not an act id")))?;
        let seen = Timestamp::from_unix(seen)
            .ok_or_else(|| failed(format!("the database's leaf {index} has no time")))?;
        out.push(Leaf {
            act: ActId(act),
            seen,
        });
    }
    Ok(out)
}

/// Copies the database's leaves beyond those `store` holds, and its latest head, into
/// `store`; returns the leaves `store` holds.
fn mirror(store: &Store, client: &mut impl GenericClient) -> Result<u64, StoreError> {
    let mut size = store.log_size()?;
    loop {
        let rows = client
            .query(
                "SELECT index, act, seen FROM log_leaves WHERE index >= $1 ORDER BY index LIMIT $2",
                &[&(size as i64), &LEAVES_PER_READ],
            )
            .map_err(failed)?;
        if rows.is_empty() {
            break;
        }
        size = store.log_mirror(size, &leaves_of(&rows, size)?)?;
        store.set_checkpoint(MIRRORED, size)?;
        if (rows.len() as i64) < LEAVES_PER_READ {
            break;
        }
    }
    let latest = client
        .query_opt(
            "SELECT size, head FROM log_heads ORDER BY size DESC LIMIT 1",
            &[],
        )
        .map_err(failed)?;
    if let Some(row) = latest {
        let (head_size, text): (i64, String) = (row.get(0), row.get(1));
        let head_size = head_size.max(0) as u64;
        let here = store.log_latest_head()?;
        let newer = match &here {
            Some((s, t)) => head_size > *s || (head_size == *s && *t != text),
            None => true,
        };
        if newer && head_size <= size {
            store.log_put_head(head_size, &text)?;
        }
    }
    Ok(size)
}

/// The documents the database's feed changed after `since` up to `until`, each once, in the
/// order of the feed.
pub(super) fn docs_between(
    client: &mut impl GenericClient,
    since: u64,
    until: u64,
) -> Result<Vec<DocId>, StoreError> {
    let rows = client
        .query(
            "SELECT doc FROM changes WHERE position > $1 AND position <= $2 GROUP BY doc ORDER BY min(position), doc",
            &[&(since as i64), &(until as i64)],
        )
        .map_err(failed)?;
    rows.iter()
        .map(|row| {
            let key: String = row.get(0);
            DocId::from_key(key.as_bytes())
                .ok_or_else(|| failed(format!("no such document key {key:?} in the database")))
        })
        .collect()
}

impl Replica {
    /// Appends the leaves of what the feed brought since the log last reached, up to what this
    /// store has caught up with (`applied`), a bounded step per transaction.
    fn sequence(&self, now: Timestamp, applied: u64) -> Result<(), StoreError> {
        let store = self.store();
        let mut client = self.database().connection()?;
        loop {
            let mut tx = client.transaction().map_err(failed)?;
            let state = tx
                .query_one("SELECT fed, size FROM log_state FOR UPDATE", &[])
                .map_err(failed)?;
            let (fed, size): (i64, i64) = (state.get(0), state.get(1));
            let (fed, size) = (fed.max(0) as u64, size.max(0) as u64);
            if fed >= applied {
                return Ok(());
            }
            let held = mirror(store, &mut tx)?;
            if held != size {
                return Err(failed(format!(
                    "the log's copy in this store holds {held} leaves, the database's log {size}"
                )));
            }
            let until = applied.min(fed + POSITIONS_PER_SEQUENCING);
            let docs = docs_between(&mut tx, fed, until)?;
            let leaves = store.log_unsequenced(&docs, now)?;
            if !leaves.is_empty() {
                let insert = tx
                    .prepare("INSERT INTO log_leaves (index, act, seen) VALUES ($1, $2, $3)")
                    .map_err(failed)?;
                for (i, leaf) in leaves.iter().enumerate() {
                    tx.execute(
                        &insert,
                        &[
                            &((size + i as u64) as i64),
                            &leaf.act.0.as_slice(),
                            &leaf.seen.unix(),
                        ],
                    )
                    .map_err(failed)?;
                }
            }
            tx.execute(
                "UPDATE log_state SET fed = $1, size = $2",
                &[&(until as i64), &((size + leaves.len() as u64) as i64)],
            )
            .map_err(failed)?;
            tx.commit().map_err(failed)?;
        }
    }

    /// The log's latest head, or a new one from `next`, under the log's row.
    fn sign(&self, next: NextHead<'_>) -> Result<SignedTreeHead, SyncError> {
        let store = self.store();
        let mut client = self.database().connection()?;
        let mut tx = client.transaction().map_err(failed)?;
        let size = locked_size(&mut tx)?;
        let held = mirror(store, &mut tx)?;
        if held != size {
            return Err(failed(format!(
                "the log's copy in this store holds {held} leaves, the database's log {size}"
            ))
            .into());
        }
        let latest = tx
            .query_opt("SELECT head FROM log_heads ORDER BY size DESC LIMIT 1", &[])
            .map_err(failed)?
            .map(|row| parse_head(&row.get::<_, String>(0)))
            .transpose()?;
        match next(latest, size, &store.log_root(size)?)? {
            Head::Latest(head) => Ok(head),
            Head::New(head) => {
                let text = head.to_text();
                tx.execute(
                    "INSERT INTO log_heads (size, head) VALUES ($1, $2) \
                     ON CONFLICT (size) DO UPDATE SET head = EXCLUDED.head",
                    &[&(size as i64), &text],
                )
                .map_err(failed)?;
                tx.commit().map_err(failed)?;
                store.log_put_head(size, &text)?;
                Ok(head)
            }
        }
    }

    /// The log's part of the [`tamga_sync::ledger::Ledger`]: what this process merged is
    /// published and what others published taken in first, then the log is sequenced and the
    /// head signed.
    pub(super) fn shared_head(
        &self,
        now: Timestamp,
        next: NextHead<'_>,
    ) -> Result<SignedTreeHead, SyncError> {
        self.publish()?;
        let applied = self.catch_up()?;
        self.sequence(now, applied)?;
        self.sign(next)
    }

    /// This store's copy of the log, brought up to at least `size` leaves.
    fn log_holding(&self, size: u64) -> Result<&Store, StoreError> {
        let store = self.store();
        if store.log_size()? < size {
            self.mirror_log()?;
        }
        Ok(store)
    }

    pub(super) fn shared_size(&self) -> Result<u64, StoreError> {
        self.mirror_log()
    }

    pub(super) fn shared_receipt(
        &self,
        act: &ActId,
        size: u64,
    ) -> Result<Option<Receipt>, StoreError> {
        self.log_holding(size)?.log_receipt(act, size)
    }

    pub(super) fn shared_consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError> {
        self.log_holding(new)?.log_consistency(old, new)
    }
}
