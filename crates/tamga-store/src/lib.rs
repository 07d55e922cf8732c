//! tamga-store: a node's replicas. One automerge document per consignment and one for the
//! registry, persisted in sled, with a change feed, per-peer sync state and checkpoints, and
//! secondary indexes for the UI.
//!
//! # What it guarantees
//!
//! - **Acts are validated before they count.** [`Store::record`] refuses an act that does not
//!   hold (bad signature, unknown/expired/revoked key, wrong role; for registry acts, not the
//!   pinned authority). Changes from peers ([`Store::apply_changes`],
//!   [`Store::receive_sync_message`]) are checked entry by entry: an entry that does not decode,
//!   sits under another act's id, belongs to another document, or does not hold is kept in the
//!   document (a CRDT cannot refuse part of a change) but never enters the derived state or the
//!   indexes, and it is reported in the [`MergeReport`] and kept in [`Store::rejected`].
//! - **Acknowledged means durable, across power loss.** Every call that changes a document
//!   returns only after its one sled transaction (document change, feed number, derived record,
//!   index diff, peer sync state) is durable: sled flushed, then its log `fdatasync`ed (and new
//!   blob files synced), in group commits that concurrent writers share (`store::durable`).
//!   The `_deferred` merges leave the wait to their caller, who calls [`Store::make_durable`]
//!   once for many before acknowledging any. Recording an act twice is a no-op.
//! - **Grow-only acts.** A peer's change that removes or overwrites an act this node holds is
//!   answered by restoring the act (reported in [`MergeReport::restored`]).
//! - **Derived state is never stored in a document.** It is computed by [`tamga_core::assess`]
//!   from the document's acts and the registry built from the registry document. The indexes
//!   hold only what does not depend on the time of assessment (status, route posts, deadline,
//!   seals, signers), so the store never reads a clock; callers pass `as_of` to
//!   [`Store::assessment`] (a shell passes `Timestamp::now()`).
//! - **A change feed.** Every local modification of a document gets the next sequence number;
//!   [`Store::changed_since`] answers "which documents changed since N" with one range scan as
//!   long as the answer.
//! - **On-demand loading.** Opening reads the format marker and the registry document only;
//!   consignment documents are loaded when used and evicted from a bounded LRU cache.
//! - **Compaction** ([`Store::compact`]) folds incremental changes into a saved document one
//!   document at a time, atomically, so no acknowledged act is ever lost and readers wait for at
//!   most one document's save. Callers run it periodically (e.g. every few minutes or when
//!   [`Store::last_seq`] has grown by some thousands).
//! - **Clear errors** ([`StoreError`]): a directory that is not a tamga store, a newer format,
//!   damaged files, a store already open by another process (with its pid), a full disk, a
//!   different pinned authority. None panics; none acknowledges anything.
//!
//! # How the methods are used
//!
//! The methods of [`Store`] are grouped by concept, one module of [`store`] each, and a node
//! comes to them in this order:
//!
//! 1. [`store::open`]: [`Store::open`] takes the lock, checks the format (bringing a store of
//!    format 1 up to date) and loads the registry document.
//! 2. [`store::write`] and [`store::merge`]: acts made on this node ([`Store::record`],
//!    [`Store::annotate`]) and changes or sync messages from peers ([`Store::apply_changes`],
//!    [`Store::check_merge`], [`Store::generate_sync_message`],
//!    [`Store::receive_sync_message`]); every modification ends in the one transaction of the
//!    write path.
//! 3. [`store::feed`] and [`store::peers`], during sync: which documents changed since a
//!    position ([`Store::last_seq`], [`Store::changed_since`]) and where each peer is
//!    ([`Store::checkpoint`], [`Store::set_checkpoint`]).
//! 4. [`store::query`]: acts, assessments, the registry and the indexes ([`Store::acts`],
//!    [`Store::assessment`], [`Store::by_status`], [`Store::units_concerned`],
//!    [`Store::due_before`], ...).
//!    A pass over many consignments on several threads reads through a [`Reader`] each
//!    ([`Store::reader`], [`store::reader`]): the store's lock is held only to copy a
//!    document's bytes, and acts are decoded and verified apart from the shared caches.
//! 5. [`store::compact`] and [`store::check`], in upkeep ([`Store::compact`], [`Store::check`]).
//!
//! Beneath them, [`store::layout`] holds the trees on disk, the lock file and the format
//! constants, and [`store::cache`] the caches of loaded documents and decoded acts. Beside
//! them, [`store::pin`] keeps the node's own count of wrong PINs per officer key for the
//! keystore's throttle ([`Store::pin_failures`], [`Store::set_pin_failures`]): local to the
//! node, outside every document, never synced.
//! [`store::forget`] removes a delivered consignment from a vehicle for good ([`Store::forget`])
//! and refuses it on every path after; [`saved`] reads the acts back from a document's saved
//! form ([`Store::save_doc`]) outside the store, as a post's archive files keep them.
//!
//! See [`store::layout`] for the layout on disk, [`store::write`] for the write path, [`doc`]
//! for the document layout, [`index`] for the indexes.
//!
//! # Tests
//!
//! Unit tests sit next to the code. `tests/crash.rs` runs a writer in a child process, kills it
//! with SIGKILL at random points, reopens the store and checks every acknowledged act is there
//! and [`Store::check`] finds nothing wrong: 6 rounds by default, set `TAMGA_CRASH_ITERATIONS`
//! (e.g. `TAMGA_CRASH_ITERATIONS=150 cargo test -p tamga-store --release --test crash`) for the
//! slow suite. `tests/disk_full.rs` fills a real small filesystem (`TAMGA_SMALL_FS`, see there)
//! and checks the error is [`StoreError::DiskFull`] and nothing acknowledged is lost.
//! `examples/open_bench.rs` measures open time and memory (see `BENCHMARKS.md`).

pub mod doc;
pub mod error;
pub mod index;
pub mod saved;
pub mod store;
pub mod summary;
pub mod writer;

pub use automerge::ChangeHash;
pub use doc::{DocId, Rejection};
pub use error::{Result, StoreError};
pub use store::merge::{blank_sync_reply, sync_message_carries_changes};
pub use store::peers::RememberedNonce;
pub use store::reader::Reader;
pub use store::rewrite::Rewritten;
pub use store::snapshot::{Restored, Snapshotted, FEED_RESUME_GAP};
pub use store::{
    CompactionReport, MergeReport, Recorded, Store, StoreOptions, FORMAT_VERSION, MAGIC,
};
pub use writer::Writer;
