//! Errors. Every variant says what happened and what to do about it; none of them means data
//! was lost: an operation that fails was not acknowledged.

use std::path::PathBuf;
use tamga_core::{ActId, KeyId};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory holds something that is not a tamga store.
    #[error("{path} is not a tamga store ({detail}); give an empty or new directory for a new store, or the directory of an existing tamga store")]
    NotAStore {
        /// The directory.
        path: PathBuf,
        /// What was found.
        detail: String,
    },
    /// The store was written by a newer tamga.
    #[error("the store at {path} has format version {found}, but this build of tamga reads only up to version {supported}; upgrade tamga to open it")]
    NewerFormat {
        /// The directory.
        path: PathBuf,
        /// The version on disk.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The store's files are damaged.
    #[error("the store at {path} is damaged ({detail}); move the directory aside and restore it from a backup, or start an empty store and sync it again from peers")]
    Corrupted {
        /// The directory.
        path: PathBuf,
        /// What is damaged.
        detail: String,
    },
    /// Another process (or another handle in this process) has the store open.
    #[error("the store at {path} is already open by another process{}; stop that process (only one tamga node may use a store at a time) or use another directory", match .pid { Some(pid) => format!(" (pid {pid})"), None => String::new() })]
    Locked {
        /// The directory.
        path: PathBuf,
        /// The process that holds it, if known.
        pid: Option<u32>,
    },
    /// The disk is full.
    #[error("the disk holding the store at {path} is full; free some space and retry (the last operation was not acknowledged)")]
    DiskFull {
        /// The directory.
        path: PathBuf,
    },
    /// The store pins a different customs authority key.
    #[error("the store at {path} pins customs authority key {stored}, but {given} was given; use the store made for this authority or a new directory")]
    AuthorityMismatch {
        /// The directory.
        path: PathBuf,
        /// The key the store pins.
        stored: KeyId,
        /// The key given.
        given: KeyId,
    },
    /// An act was refused: it does not hold.
    #[error("act {act} was refused and not recorded: {reason}")]
    InvalidAct {
        /// The act.
        act: ActId,
        /// Why.
        reason: String,
    },
    /// Input from a peer could not be read at all (nothing was applied).
    #[error(
        "{what} could not be read and nothing was applied: {detail}; ask the peer to send it again"
    )]
    BadInput {
        /// What was being read.
        what: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// A peer's changes to a consignment its unit is not concerned with (write scope): refused
    /// whole, nothing merged.
    #[error("changes to consignment {consignment} from a node of {unit} were refused and nothing was merged: {unit} has no part in that consignment (it is not on the route, assigned as escort, or a custody party by acts that hold)")]
    OutOfScope {
        /// The consignment.
        consignment: tamga_core::ConsignmentId,
        /// The writer's unit.
        unit: tamga_core::UnitCode,
    },
    /// A write into a document this node forgot (data minimization): refused, nothing merged.
    #[error("{doc} was forgotten on this node after its delivery (central holds it) and is never taken in again; nothing was merged")]
    Forgotten {
        /// The document.
        doc: crate::doc::DocId,
    },
    /// Another I/O failure.
    #[error(
        "I/O error on the store at {path}: {source}; check the disk and permissions, then retry"
    )]
    Io {
        /// The directory.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// An internal storage failure that fits none of the above.
    #[error("storage error on the store at {path}: {detail}; retry, and if it persists move the store aside and resync from peers")]
    Storage {
        /// The directory.
        path: PathBuf,
        /// The detail.
        detail: String,
    },
    /// The database several central processes share (PostgreSQL) failed or could not be
    /// reached.
    #[error("the shared database failed: {detail}; nothing was acknowledged. Check that PostgreSQL is running and reachable at the configured URL; the operation may be retried")]
    Database {
        /// What failed.
        detail: String,
    },
}

/// `Result` with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Whether an I/O error means the disk is full.
pub(crate) fn is_disk_full(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(libc::ENOSPC)
        || e.raw_os_error() == Some(libc::EDQUOT)
        || e.kind() == std::io::ErrorKind::StorageFull
}

/// Maps an I/O error on `path`.
pub(crate) fn from_io(path: &std::path::Path, e: std::io::Error) -> StoreError {
    if is_disk_full(&e) {
        StoreError::DiskFull {
            path: path.to_owned(),
        }
    } else {
        StoreError::Io {
            path: path.to_owned(),
            source: e,
        }
    }
}

/// Maps a sled error on `path`.
pub(crate) fn from_sled(path: &std::path::Path, e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(io) => {
            let text = io.to_string();
            if text.contains("could not acquire lock") {
                StoreError::Locked {
                    path: path.to_owned(),
                    pid: None,
                }
            } else {
                from_io(path, io)
            }
        }
        sled::Error::Corruption { at, .. } => StoreError::Corrupted {
            path: path.to_owned(),
            detail: format!("sled found corrupt data at {at:?}"),
        },
        other => StoreError::Storage {
            path: path.to_owned(),
            detail: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enospc_maps_to_disk_full_with_advice() {
        let path = std::path::Path::new("/var/lib/tamga");
        let e = from_io(path, std::io::Error::from_raw_os_error(libc::ENOSPC));
        assert!(matches!(e, StoreError::DiskFull { .. }));
        assert!(e.to_string().contains("free some space"), "{e}");
        let e = from_sled(
            path,
            sled::Error::Io(std::io::Error::from_raw_os_error(libc::ENOSPC)),
        );
        assert!(matches!(e, StoreError::DiskFull { .. }));
        let e = from_io(path, std::io::Error::from_raw_os_error(libc::EACCES));
        assert!(matches!(e, StoreError::Io { .. }));
    }

    #[test]
    fn lock_message_names_the_pid() {
        let e = StoreError::Locked {
            path: "/x".into(),
            pid: Some(42),
        };
        assert!(e.to_string().contains("(pid 42)"), "{e}");
    }
}
