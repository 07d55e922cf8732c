//! tamga-edge: the node that escort crews and post officers run all day, offline — on a post PC
//! or a rugged tablet in the escort vehicle. It keeps the node's replicas (tamga-store), syncs
//! with any peer it can reach (tamga-sync: over the LAN or the slow link to central, or by bundle
//! file), and serves the local API.
//!
//! - [`config`]: the node's configuration file and environment overrides.
//! - [`node`]: a node's data directory: device key, store, peers, status.
//! - [`serve`]: the running node: HTTP endpoints and the background sync loop.

pub mod config;
pub mod keystore;
pub mod node;
pub mod serve;
