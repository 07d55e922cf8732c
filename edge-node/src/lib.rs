//! tamga-edge: the node that escort crews and post officers run all day, offline — on a post PC
//! or a rugged tablet in the escort vehicle. It keeps the node's replicas (tamga-store), syncs
//! with any peer it can reach (tamga-sync: over the LAN or the slow link to central, or by bundle
//! file), records the officers' signed acts, and serves the web UI and the local API. The
//! command line (`src/main.rs`, `src/cli/`) stands on this library.
//!
//! The modules, each importing only those above it:
//!
//! - [`config`]: the node's configuration file and environment overrides.
//! - [`node`]: a node's data directory: device key, store, peers, status, bundles.
//! - [`workflow`]: forms to acts, assessments to what people see (pure).
//! - [`offers`]: handoff offers in flight, as files.
//! - [`qr`]: offers and acts as QR codes.
//! - [`paper`]: paper custody acts: a printable PDF of a handoff, delivery, incident or
//!   correction, in Russian and English, with the signed act in a QR code.
//! - [`jobs`]: long operations and their progress.
//! - [`retention`]: on a vehicle, forgetting delivered consignments central holds.
//! - [`gps`]: on a vehicle, positions from its GPS receiver through gpsd, filtered (pure) and
//!   signed by the device key in batches for the consignments the unit holds.
//! - [`schemas`]: the shapes of the acts' own types in the local API's OpenAPI description.
//! - [`archive`]: at a post, closed consignments central holds moved into read-only archive
//!   files, still searched and exported.
//! - [`contacts`]: what the node remembers of each peer's last contact (`contacts.json`).
//! - [`answers`]: the typed answers of the desk and the local API, as the API sends them.
//! - [`desk`]: the officers' workflows on a node: sign, record, hand over; given the time.
//! - [`shared`]: the running node's state: peers' contact, jobs, sessions with peers, LAN sends.
//! - [`api`]: the web UI, the local JSON API, the handoff endpoints for peers; desk errors to
//!   HTTP statuses.
//! - [`serve`]: the running node: endpoints, the background sync loop, compaction, signals.
//! - [`client`]: the CLI's way to the desk: the store directly, or the running node's API.

pub mod answers;
pub mod api;
pub mod archive;
pub mod backup;
pub mod client;
pub mod config;
pub mod contacts;
pub mod desk;
pub mod gps;
pub mod jobs;
pub mod listing;
pub mod node;
pub mod offers;
pub mod paper;
pub mod qr;
pub mod retention;
pub mod schemas;
pub mod serve;
pub mod shared;
pub mod workflow;
