//! The sync transport between nodes: the endpoint a node serves ([`endpoint`]) and the client
//! that runs a session with a peer ([`client`]), over HTTP. The protocol itself (credentials,
//! frames, sessions, answers) is `tamga-sync`'s; this module only carries it.

pub mod client;
pub mod endpoint;

pub use client::{client, sync_with, sync_with_progress, HttpPeer, HttpSyncError};
pub use endpoint::{router, Endpoint, Refusal, AUTH_HEADER, RESPONSE_AUTH_HEADER, SYNC_PATH};
