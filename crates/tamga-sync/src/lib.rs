//! tamga-sync: the one protocol by which any two tamga nodes reconcile — vehicle and post over
//! the LAN, post and central over a slow link, any node with any other through a bundle file.
//!
//! Everything here is sans-IO: it consumes and produces bytes and values and never touches a
//! socket, a file or the clock (time and randomness come in as arguments), so the same code runs
//! over HTTP, over files and inside deterministic simulations.
//!
//! - [`auth`]: requests and responses signed with the nodes' device keys, bound to both nodes,
//!   fresh and never replayed.
//! - [`scope`]: which consignments a peer is entitled to receive.
//! - [`frame`]: the binary framing of protocol messages, compressed, with hard size limits.
//! - [`bundle`]: signed bundle files for sync by USB stick, exported from and imported into the
//!   store.
//! - [`session`]: the session engine: open, batched automerge sync rounds, close.
//! - [`http`]: the thin HTTP shell: an axum endpoint and a reqwest client.
//! - [`upkeep`]: background compaction of a serving node's store.

pub mod auth;
pub mod bundle;
pub mod frame;
pub mod http;
pub mod scope;
pub mod session;
pub mod upkeep;
