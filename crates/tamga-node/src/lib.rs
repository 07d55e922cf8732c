//! tamga-node: what both binaries, `tamga-edge` and `tamga-central`, stand on. The shell
//! around the functional core (`tamga-core`) and the sans-IO sync engine (`tamga-sync`): the
//! only crate under the binaries that opens sockets, serves HTTP, or runs background tasks.
//!
//! - [`server`]: the HTTP server with its limits (connections, header and request deadlines)
//!   and the graceful stop on a signal.
//! - [`transport`]: the sync endpoint (`POST /sync`) and the client that runs a session with a
//!   peer, over HTTPS.
//! - [`tls`]: TLS 1.3 between nodes, each side's identity its enrolled device key.
//! - [`sealed`]: bundle files encrypted to their addressee's device key.
//! - [`local`]: the local UI and API's guard (this machine only), the JSON-body check, and the
//!   embedded UI files' routes, with `/track.js`: a consignment's road drawn as an SVG map.
//! - [`local_time`]: times for people in the node's zone with its offset, and times people
//!   type read in it (and its browser side, `/time.js`).
//! - [`keystore`]: officers' signing keys encrypted under their PIN.
//! - [`officer`]: the officer commands both binaries offer: a key made or imported under a PIN.
//! - [`files`]: small files written atomically and durably, read with a bound.
//! - [`backup`]: a serving node's data directory backed up, encrypted and signed, and restored
//!   on a fresh machine.
//! - [`upkeep`]: background compaction of a serving node's store.

pub mod backup;
pub mod files;
pub mod keystore;
pub mod local;
pub mod local_time;
pub mod officer;
pub mod sealed;
pub mod server;
pub mod tls;
pub mod transport;
pub mod upkeep;
