//! The sync transport between nodes: the endpoint a node serves ([`endpoint`]) and the client
//! that runs a session with a peer ([`client`]), over HTTPS with TLS bound to device keys
//! ([`crate::tls`]). The protocol itself (credentials, frames, sessions, answers) is
//! `tamga-sync`'s; this module only carries it.

pub mod client;
pub mod endpoint;

pub use client::{
    causes, check_peer_url, read_bounded, sync_with, sync_with_progress, BoundedReadError,
    Connector, HttpPeer, HttpSyncError, MAX_REFUSAL_BYTES,
};
pub use endpoint::{
    router, Endpoint, OutOfScope, Refusal, AUTH_HEADER, RESPONSE_AUTH_HEADER, SYNC_PATH,
};
