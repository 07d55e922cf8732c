//! What the proxy did: counts of each fault, per connection and in all.

use std::sync::atomic::AtomicU64;

/// What the proxy did, counted.
#[derive(Debug, Default)]
pub struct Stats {
    /// Connections accepted.
    pub connections: AtomicU64,
    /// Requests after the first on a kept-alive connection (each draws its own fault).
    pub requests: AtomicU64,
    /// Connections refused while the link was down.
    pub refused: AtomicU64,
    /// Connections dropped at once.
    pub dropped: AtomicU64,
    /// Connections delayed.
    pub delayed: AtomicU64,
    /// HTTP requests replayed.
    pub duplicated: AtomicU64,
    /// Connections held for reordering.
    pub reordered: AtomicU64,
    /// Connections cut short (by a connection or chunk fault).
    pub truncated: AtomicU64,
    /// Times the link went down.
    pub link_downs: AtomicU64,
    /// Chunks delayed.
    pub chunks_delayed: AtomicU64,
    /// Bytes forwarded, both ways.
    pub bytes: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Connections accepted.
    pub connections: u64,
    /// Further requests on kept-alive connections.
    pub requests: u64,
    /// Refused while down.
    pub refused: u64,
    /// Dropped at once.
    pub dropped: u64,
    /// Delayed.
    pub delayed: u64,
    /// HTTP requests replayed.
    pub duplicated: u64,
    /// Held for reordering.
    pub reordered: u64,
    /// Cut short.
    pub truncated: u64,
    /// Link downs.
    pub link_downs: u64,
    /// Chunks delayed.
    pub chunks_delayed: u64,
    /// Bytes forwarded.
    pub bytes: u64,
}

impl Counts {
    /// What happened between `earlier` and this snapshot.
    pub fn since(&self, earlier: &Counts) -> Counts {
        Counts {
            connections: self.connections - earlier.connections,
            requests: self.requests - earlier.requests,
            refused: self.refused - earlier.refused,
            dropped: self.dropped - earlier.dropped,
            delayed: self.delayed - earlier.delayed,
            duplicated: self.duplicated - earlier.duplicated,
            reordered: self.reordered - earlier.reordered,
            truncated: self.truncated - earlier.truncated,
            link_downs: self.link_downs - earlier.link_downs,
            chunks_delayed: self.chunks_delayed - earlier.chunks_delayed,
            bytes: self.bytes - earlier.bytes,
        }
    }

    /// Adds another snapshot.
    pub fn add(&mut self, o: &Counts) {
        self.connections += o.connections;
        self.requests += o.requests;
        self.refused += o.refused;
        self.dropped += o.dropped;
        self.delayed += o.delayed;
        self.duplicated += o.duplicated;
        self.reordered += o.reordered;
        self.truncated += o.truncated;
        self.link_downs += o.link_downs;
        self.chunks_delayed += o.chunks_delayed;
        self.bytes += o.bytes;
    }

    /// Faults injected, all kinds together.
    pub fn faults(&self) -> u64 {
        self.refused
            + self.dropped
            + self.delayed
            + self.duplicated
            + self.reordered
            + self.truncated
            + self.link_downs
            + self.chunks_delayed
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "connections={} requests={} refused={} dropped={} delayed={} duplicated={} reordered={} truncated={} link_downs={} chunks_delayed={} bytes={}",
            self.connections,
            self.requests,
            self.refused,
            self.dropped,
            self.delayed,
            self.duplicated,
            self.reordered,
            self.truncated,
            self.link_downs,
            self.chunks_delayed,
            self.bytes
        )
    }
}
