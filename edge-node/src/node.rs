//! A node's data directory: its configuration, its device key (`device.key`, readable by the
//! node's user only), and its store (`store/`). Opening a node checks all three.

use crate::config::{Config, ConfigError, NodeRole, PeerConfig};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tamga_core::signing::key_id;
use tamga_core::{KeyId, SignedAct, Timestamp, UnitCode};
use tamga_node::transport::HttpPeer;
use tamga_store::{Store, StoreError, StoreOptions};
use tamga_sync::scope::Scope;

/// The device key's file name.
pub const DEVICE_KEY_FILE: &str = "device.key";
/// The officers' keystore's folder (one encrypted key per file).
pub const OFFICERS_DIR: &str = "officers";
/// The largest device key file read (the key is 64 hex digits).
const MAX_DEVICE_KEY_BYTES: u64 = 1024;

/// sled's page cache at an edge node (central keeps the store's 64 MiB): a post PC or a vehicle
/// tablet has less memory, and the list reads a page's summaries and a few index keys, not the
/// documents. (Measured with `list_bench 20000`: 64, 16 and 4 MiB left the serving node's
/// resident memory within a few MiB of each other; most of it is not this cache.)
pub const EDGE_SLED_CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// How an edge node opens its store.
pub fn store_options() -> StoreOptions {
    StoreOptions {
        sled_cache_bytes: EDGE_SLED_CACHE_BYTES,
        ..StoreOptions::default()
    }
}

/// The largest file of acts `record_file` reads (as the local API's largest upload).
pub const MAX_ACTS_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Why a node operation failed. Each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file.
    #[error("{path}: {detail}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// `init` on a directory that already holds a node.
    #[error("{0} already holds a tamga node; use it, or choose an empty directory")]
    AlreadyInitialized(String),
    /// A peer unknown to the registry.
    #[error("peer {name}'s key {key} is not an enrolled device here: import the registry from central first")]
    UnknownPeer {
        /// The peer's name.
        name: String,
        /// Its key.
        key: String,
    },
    /// A bundle could not be written or was refused.
    #[error("{0}")]
    Bundle(String),
    /// A navigation seal operator's feed refused.
    #[error("{0}")]
    SealFeed(String),
    /// A bundle was asked for a node that may not receive one.
    #[error("the receiving node may not receive a bundle: {0}")]
    Addressee(String),
    /// Acts in a file that do not hold.
    #[error("{path}, line {line}: {detail}")]
    BadAct {
        /// The file.
        path: String,
        /// The line.
        line: usize,
        /// What is wrong.
        detail: String,
    },
}

fn file_error(path: &Path, detail: impl ToString) -> NodeError {
    NodeError::File {
        path: path.display().to_string(),
        detail: detail.to_string(),
    }
}

/// What `init` sets up.
pub struct InitOptions {
    /// Post or vehicle.
    pub role: NodeRole,
    /// The unit code.
    pub unit: String,
    /// The customs authority's key.
    pub authority: String,
    /// The listen address.
    pub listen: String,
    /// Central's units.
    pub central_units: Vec<String>,
}

/// A node, opened.
pub struct Node {
    /// Its data directory.
    pub dir: PathBuf,
    /// Its configuration.
    pub config: Config,
    /// Its device key.
    pub device: SigningKey,
    /// Its replicas.
    pub store: Arc<Store>,
}

/// A node's state at a glance.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Status {
    /// Post or vehicle.
    pub role: NodeRole,
    /// The unit.
    pub unit: String,
    /// The device key.
    pub device_key: String,
    /// The pinned authority key's fingerprint.
    pub authority_fingerprint: String,
    /// Documents held (the registry included).
    pub documents: usize,
    /// The change-feed position.
    pub feed_position: u64,
    /// Keys enrolled in the registry here.
    pub enrolled_keys: usize,
}

impl Node {
    /// Creates a node in `dir`: a fresh device key, the configuration, an empty store that pins
    /// the authority. Returns the device key id, to be enrolled by central.
    pub fn init(dir: &Path, options: InitOptions) -> Result<KeyId, NodeError> {
        if dir.join(crate::config::FILE_NAME).exists() || dir.join(DEVICE_KEY_FILE).exists() {
            return Err(NodeError::AlreadyInitialized(dir.display().to_string()));
        }
        let invalid = |detail: String| ConfigError::Invalid {
            path: "the options given".into(),
            detail,
        };
        let unit = UnitCode::new(options.unit).map_err(|e| invalid(format!("unit: {e}")))?;
        let authority =
            KeyId::new(options.authority).map_err(|e| invalid(format!("authority: {e}")))?;
        let central_units = options
            .central_units
            .into_iter()
            .map(UnitCode::new)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(format!("central_units: {e}")))?;
        let config = Config {
            role: options.role,
            unit,
            authority,
            listen: options.listen,
            public_url: None,
            central_units,
            peers: Vec::new(),
            sync_interval_seconds: 60,
            compact_interval_seconds: 3600,
            keep_delivered_days: None,
            archive_closed_days: None,
            time_zone: crate::config::DEFAULT_TIME_ZONE.to_owned(),
            gps: None,
        };
        config.check().map_err(|detail| ConfigError::Invalid {
            path: "the options given".into(),
            detail,
        })?;
        std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
        let device = Node::new_device_key(dir)?;
        config.save(dir)?;
        Store::open(dir.join("store"), &config.authority.clone())?;
        Ok(device)
    }

    /// Makes a fresh device key in `dir` (which must not hold one) and returns its id, to be
    /// enrolled by central.
    pub fn new_device_key(dir: &Path) -> Result<KeyId, NodeError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| file_error(dir, format!("no randomness: {e}")))?;
        let device = SigningKey::from_bytes(&seed);
        let key_path = dir.join(DEVICE_KEY_FILE);
        // Created readable by the node's user only, whole or not at all, never over a key.
        tamga_node::files::write_new_private(&key_path, hex::encode(seed).as_bytes())
            .map_err(|e| file_error(&key_path, e))?;
        Ok(key_id(&device))
    }

    /// The device key in `dir`.
    pub fn read_device_key(dir: &Path) -> Result<SigningKey, NodeError> {
        let key_path = dir.join(DEVICE_KEY_FILE);
        let text = tamga_node::files::read_private_text(&key_path, MAX_DEVICE_KEY_BYTES)
            .map_err(|e| file_error(&key_path, e))?;
        let mut seed = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut seed)
            .map_err(|_| file_error(&key_path, "not a device key (64 hex digits expected)"))?;
        Ok(SigningKey::from_bytes(&seed))
    }

    /// Opens the node in `dir`.
    pub fn open(dir: &Path) -> Result<Node, NodeError> {
        let config = Config::load(dir)?;
        let device = Node::read_device_key(dir)?;
        let store = Store::open_with(
            dir.join("store"),
            &config.authority.clone(),
            store_options(),
        )?;
        Ok(Node {
            dir: dir.to_owned(),
            config,
            device,
            store: Arc::new(store),
        })
    }

    /// This node's device key id.
    pub fn device_id(&self) -> KeyId {
        key_id(&self.device)
    }

    /// Records the signed acts in a file, one canonical act per line (an enrollment file from
    /// central, or acts signed elsewhere). Stops at the first line that does not hold; the
    /// lines before it stay recorded. Returns how many were new.
    pub fn record_file(&self, path: &Path) -> Result<usize, NodeError> {
        let text = tamga_node::files::read_text_limited(path, MAX_ACTS_FILE_BYTES)
            .map_err(|e| file_error(path, e))?;
        let mut new = 0;
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let bad = |detail: String| NodeError::BadAct {
                path: path.display().to_string(),
                line: n + 1,
                detail,
            };
            let act = SignedAct::decode(line.as_bytes()).map_err(|e| bad(e.to_string()))?;
            let recorded = self.store.record(&act).map_err(|e| bad(e.to_string()))?;
            if recorded.seq.is_some() {
                new += 1;
            }
        }
        Ok(new)
    }

    /// A configured peer, with the scope its enrollment gives it.
    pub fn peer(&self, peer: &PeerConfig) -> Result<HttpPeer, NodeError> {
        let scope = Scope::of_device(
            &self.store.registry(),
            &peer.key,
            Timestamp::now(),
            &self.config.central_units,
        )
        .map_err(|_| NodeError::UnknownPeer {
            name: peer.name.clone(),
            key: peer.key.to_string(),
        })?;
        Ok(HttpPeer {
            url: peer.url.clone(),
            key: peer.key.clone(),
            scope,
        })
    }

    /// The node's state at a glance.
    pub fn status(&self) -> Result<Status, NodeError> {
        Ok(Status {
            role: self.config.role,
            unit: self.config.unit.to_string(),
            device_key: self.device_id().to_string(),
            authority_fingerprint: self.config.authority.fingerprint(),
            documents: self.store.doc_count(),
            feed_position: self.store.last_seq()?,
            enrolled_keys: self.store.registry().keys().count(),
        })
    }

    /// A sealed bundle file of everything changed after `since`, for the node with device key
    /// `addressee`: only what its enrollment lets it receive, addressed to it, signed by this
    /// node and encrypted to the addressee's key ([`tamga_node::sealed`]).
    pub fn export_bundle(&self, addressee: &KeyId, since: u64) -> Result<Vec<u8>, NodeError> {
        let now = Timestamp::now();
        let scope = Scope::of_device(
            &self.store.registry(),
            addressee,
            now,
            &self.config.central_units,
        )
        .map_err(|e| NodeError::Addressee(e.to_string()))?;
        let signed = tamga_sync::bundle::export(
            &self.store,
            &self.device,
            Some(addressee),
            &scope,
            since,
            now,
        )
        .map_err(|e| NodeError::Bundle(e.to_string()))?;
        tamga_node::sealed::seal_to(&signed, std::slice::from_ref(addressee))
            .map_err(|e| NodeError::Bundle(e.to_string()))
    }

    /// Records a navigation seal operator's feed (a file the crew was given, or one the
    /// operator's system left on the vehicle's LAN share): checked whole against the store,
    /// then recorded durably ([`tamga_sync::seal_feed`]).
    pub fn import_seal_feed(
        &self,
        bytes: &[u8],
    ) -> Result<tamga_sync::seal_feed::FeedReport, NodeError> {
        tamga_sync::seal_feed::import(&self.store, bytes, Timestamp::now()).map_err(|e| match e {
            tamga_sync::seal_feed::FeedError::Store(e) => NodeError::Store(e),
            e => NodeError::SealFeed(e.to_string()),
        })
    }

    /// Imports a sealed bundle file (decrypted with this node's device key, then checked whole
    /// before anything is merged), telling `progress(done, total)` as documents are merged.
    pub fn import_bundle(
        &self,
        bytes: &[u8],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<tamga_sync::bundle::ImportReport, NodeError> {
        let signed =
            tamga_node::sealed::unseal(bytes, &self.device, tamga_node::sealed::MAX_BUNDLE_BYTES)
                .map_err(|e| NodeError::Bundle(e.to_string()))?;
        tamga_sync::bundle::import_with_progress(
            &self.store,
            &signed,
            &self.device_id(),
            &self.config.central_units,
            Timestamp::now(),
            progress,
        )
        .map_err(|e| NodeError::Bundle(e.to_string()))
    }
}
