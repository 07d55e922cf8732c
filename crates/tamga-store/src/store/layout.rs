//! The trees on disk, the lock file, the format constants and the keys they use.
//!
//! # Layout on disk
//!
//! `<dir>/tamga.lock` (an advisory lock held while the store is open; it names the holder's
//! pid) and `<dir>/sled/` (the sled database) with these trees:
//!
//! | tree | key | value |
//! |---|---|---|
//! | `meta` | `magic`, `version`, `rules`, `authority`, `actor`, `last_seq`, `forgotten\0<doc key>`, `feed_gap\0<from>`, `counted`, `count\0<kind>/<value>` | format marker, version (u32 BE), the assessment rules' version the derived records were made with (u32 BE, `tamga_core::assessment::RULES_VERSION`), pinned authority key, this node's automerge actor, last feed number (u64 BE), when a document was forgotten (Unix seconds, u64 BE), where a restored store's feed jumps (from the snapshot's last number, u64 BE, to the number it goes on after, see [`super::snapshot`]), the list's counters are kept, one counter: how many `lstatus`, `lworst` or `due` index keys have that value (u64 BE, see [`super::counts`]) |
//! | `docs` | doc key ([`DocId::to_key`]) | the document as last compacted ([`AutoCommit::save`]) |
//! | `changes` | doc key, `0`, seq (u64 BE) | an incremental change ([`AutoCommit::save_after`]) not yet folded into `docs` |
//! | `feed` | seq (u64 BE) | doc key: every local modification, in order, contiguous from 1 |
//! | `latest` | seq (u64 BE) | doc key: only each document's latest seq, so "changed since N" is one range scan whose length is the answer's |
//! | `doc_seq` | doc key | its latest seq |
//! | `derived` | doc key | [`Derived`]: its index keys, the entries that do not hold and the list row |
//! | `index` | see [`crate::index`] | empty |
//! | `peers` | `ckpt\0<peer>` / `sync\0<peer>\0<doc key>` / `nonce\0<time>` `<device key>` `<nonce>` | checkpoint (u64 BE) / automerge `sync::State` / empty: an accepted request's nonce (time: i64 with the sign bit flipped, BE), kept until it leaves the skew window |
//! | `pending` | key id, or `*every-consignment` | empty: registry keys whose consignments still need re-indexing (every consignment after a new KP participants list) |
//! | `pin_failures` | officer key id (64 hex) | u32 BE: consecutive wrong PINs for that key on this node (see [`super::pin`]); local, never synced |
//! | `log` | `n` level (u8) index (u64 BE) / `l` index (u64 BE) / `a` act id (32 bytes) / `h` size (u64 BE) / `size`, `fed` | central's transparency log (see [`super::log`]): a complete subtree's hash / a leaf's entry (act id ‖ seen) / the act's leaf index (u64 BE) / a signed tree head's text / leaves held, the feed number sequenced up to (u64 BE) |
//! | `receipts` | `r` act id (32 bytes) / `H` size (u64 BE) / `P` size (u64 BE) / `head` / `alarm` / `cursor` | what a node holds of central's log (see [`super::receipts`]): an act's receipt (seen i64 BE, index, size u64 BE, the path's hashes) / a tree head its receipts are proven against (text) / a head a bundle carried, waiting for a consistency check against central (text) / the last tree head accepted from central (text) / why central's last answer was refused as a rewritten or forked log / the feed number up to which every act has its receipt (u64 BE) |
//!
//! [`DocId::to_key`]: crate::DocId::to_key
//! [`AutoCommit::save`]: automerge::AutoCommit::save
//! [`AutoCommit::save_after`]: automerge::AutoCommit::save_after
//! [`Derived`]: crate::index::Derived

use crate::doc::DocId;
use crate::error::{from_io, Result, StoreError};
use sled::Tree;
use std::fs::File;
use std::io::Write as _;
use std::path::Path;

/// The format marker in `meta/magic`.
pub const MAGIC: &[u8] = b"tamga-store";
/// The newest format this build writes and reads. Version 2 added the `unit` index, version 3
/// the list row in the derived record and the list keys (`list`, `lstatus`, `lcustodian`,
/// `lworst`, `due`, `future`), version 4 the bucket the time moves a consignment out of in the
/// `due` and `future` keys (and the `due` keys' counters), version 5 the goods' words
/// (`lgoods`); an older store is brought up to it
/// when opened (every consignment re-derived, its index keys rewritten, the counters counted
/// afresh, then the version written), so opening an older store is all an upgrade takes.
pub const FORMAT_VERSION: u32 = 5;

/// The names of the store's sled trees, as in the table above.
pub(super) const TREE_NAMES: [&str; 13] = [
    "meta",
    "docs",
    "changes",
    "feed",
    "latest",
    "doc_seq",
    "derived",
    "index",
    "peers",
    "pending",
    "pin_failures",
    "log",
    "receipts",
];

/// The store's sled trees, one per row of the table above.
pub(super) struct Trees {
    pub(super) meta: Tree,
    pub(super) docs: Tree,
    pub(super) changes: Tree,
    pub(super) feed: Tree,
    pub(super) latest: Tree,
    pub(super) doc_seq: Tree,
    pub(super) derived: Tree,
    pub(super) index: Tree,
    pub(super) peers: Tree,
    pub(super) pending: Tree,
    pub(super) pin_failures: Tree,
    pub(super) log: Tree,
    pub(super) receipts: Tree,
}

impl Trees {
    /// Every tree with its name, in the order of [`TREE_NAMES`].
    pub(super) fn named(&self) -> [(&'static str, &Tree); 13] {
        let t = self;
        let trees = [
            &t.meta,
            &t.docs,
            &t.changes,
            &t.feed,
            &t.latest,
            &t.doc_seq,
            &t.derived,
            &t.index,
            &t.peers,
            &t.pending,
            &t.pin_failures,
            &t.log,
            &t.receipts,
        ];
        std::array::from_fn(|i| (TREE_NAMES[i], trees[i]))
    }
}

pub(super) fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

pub(super) fn read_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

pub(super) fn change_prefix(doc: &[u8]) -> Vec<u8> {
    let mut k = doc.to_vec();
    k.push(0);
    k
}

pub(super) fn sync_key(peer: &str, doc: &DocId) -> Vec<u8> {
    let mut k = b"sync\0".to_vec();
    k.extend_from_slice(peer.as_bytes());
    k.push(0);
    k.extend_from_slice(&doc.to_key());
    k
}

pub(super) fn checkpoint_key(peer: &str) -> Vec<u8> {
    let mut k = b"ckpt\0".to_vec();
    k.extend_from_slice(peer.as_bytes());
    k
}

/// Takes the advisory lock `<dir>/tamga.lock` and writes our pid into it.
pub(super) fn take_lock(dir: &Path) -> Result<File> {
    use std::os::unix::io::AsRawFd;
    let path = dir.join("tamga.lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| from_io(dir, e))?;
    // SAFETY: flock on a file descriptor we own.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
            let pid = std::fs::read_to_string(&path)
                .ok()
                .and_then(|t| t.trim().parse().ok());
            return Err(StoreError::Locked {
                path: dir.to_owned(),
                pid,
            });
        }
        return Err(from_io(dir, e));
    }
    file.set_len(0).map_err(|e| from_io(dir, e))?;
    write!(file, "{}", std::process::id()).map_err(|e| from_io(dir, e))?;
    file.sync_all().map_err(|e| from_io(dir, e))?;
    Ok(file)
}
