//! tamga-edge: the node that escort crews and post officers run all day, offline — on a post PC
//! or a rugged tablet in the escort vehicle. It keeps the node's replicas (tamga-store), syncs
//! with any peer it can reach (tamga-sync: over the LAN or the slow link to central, or by bundle
//! file), records the officers' signed acts, and serves the web UI and the local API.
//!
//! - [`config`]: the node's configuration file and environment overrides.
//! - [`node`]: a node's data directory: device key, store, peers, status, bundles.
//! - [`workflow`]: forms to acts, assessments to what people see (pure).
//! - [`desk`]: the officers' workflows on a node: sign, record, hand over.
//! - [`offers`]: handoff offers in flight.
//! - [`qr`]: offers and acts as QR codes.
//! - [`jobs`]: long operations and their progress.
//! - [`api`]: the web UI, the local JSON API, the handoff endpoints for peers.
//! - [`contacts`]: what the node remembers of each peer's last contact.
//! - [`serve`]: the running node: endpoints, peers' contact, the background sync loop.

pub mod api;
pub mod client;
pub mod config;
pub mod contacts;
pub mod desk;
pub mod jobs;
pub mod node;
pub mod offers;
pub mod qr;
pub mod serve;
pub mod workflow;
