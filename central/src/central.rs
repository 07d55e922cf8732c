//! Central's data directory, opened: central's registrar key (`registrar.key`), its device key
//! (`device.key`), the configuration (`tamga-central.toml`, which names the customs authority's
//! root key) and the store (`store/`, pinned to the root key). The root key itself is never
//! here: `init` is given it once, to enroll central's registrar, and it goes back offline
//! ([`crate::root`]).
//!
//! Key files are readable by central's user only (a file others may read is refused), written
//! whole or not at all, and never overwritten. `init` writes the configuration last, so a
//! directory with a configuration is a finished one.

use crate::authority::{
    enrollment_acts, enrollment_file, Authority, AuthorityError, Enrolling, EnrollmentRequest,
    RevocationRequest, Revoking, REGISTRAR_KEY_FILE,
};
use crate::config::{self, Config, ConfigError};
use ed25519_dalek::SigningKey;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tamga_core::signing::key_id;
use tamga_core::{KeyId, Registry, Role, SignedAct, Timestamp, UnitCode};
use tamga_store::{DocId, Store, StoreError};
use tracing::info;
use zeroize::Zeroizing;

/// A registrar key made for rotation, waiting for the root's enrollment (`registrar new`).
pub const NEXT_REGISTRAR_KEY_FILE: &str = "registrar.next.key";
/// Central's device key's file name.
pub const DEVICE_KEY_FILE: &str = "device.key";
/// The store's directory in the data directory.
pub const STORE_DIR: &str = "store";
/// The largest key file read (a key file is one line of hex).
const KEY_FILE_LIMIT: u64 = 4096;

/// Why a central operation failed. Each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    /// The configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The authority refused, or its key could not be used.
    #[error(transparent)]
    Authority(#[from] AuthorityError),
    /// A file.
    #[error("{path}: {detail}")]
    File {
        /// The file.
        path: String,
        /// What went wrong and what to do.
        detail: String,
    },
    /// `init` on a directory that already holds (part of) central.
    #[error("{dir} already holds {what}; central's keys are never overwritten. Use that directory, or give `init` a new one{hint}")]
    AlreadyInitialized {
        /// The directory.
        dir: String,
        /// What was found.
        what: String,
        /// More advice, if any.
        hint: &'static str,
    },
}

pub(crate) fn file_error(path: &Path, detail: impl ToString) -> CentralError {
    CentralError::File {
        path: path.display().to_string(),
        detail: detail.to_string(),
    }
}

/// What `init` sets up.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// Central's unit code, like `HQ-RECON`.
    pub unit: String,
    /// The listen address.
    pub listen: String,
    /// For how many days central's own device key is enrolled.
    pub device_valid_days: u32,
    /// For how many days central's registrar key is enrolled (the root enrolls a new one before
    /// it ends).
    pub registrar_valid_days: u32,
    /// The PostgreSQL database several central processes will share ([`crate::postgres`]);
    /// `None`: central's own store only.
    pub postgres: Option<String>,
}

/// What `init` made: the keys to publish.
#[derive(Clone, Debug, Serialize)]
pub struct Initialized {
    /// The data directory.
    pub data_dir: String,
    /// Central's unit.
    pub unit: String,
    /// The customs authority's public key: every edge node pins it (`tamga-edge init
    /// --authority`).
    pub authority_key: KeyId,
    /// Its fingerprint, read aloud to confirm it.
    pub authority_fingerprint: String,
    /// Central's registrar key, enrolled by the root.
    pub registrar_key: KeyId,
    /// Until when the registrar key is enrolled.
    pub registrar_valid_until: Timestamp,
    /// Central's own device key, enrolled in the registry.
    pub device_key: KeyId,
    /// Until when the device key is enrolled.
    pub device_valid_until: Timestamp,
    /// The SHA-256 fingerprint of the staff port's certificate central made for itself, for
    /// staff to compare with what their browser shows.
    pub staff_certificate_sha256: String,
}

/// One enrollment in the registry, as staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegistryEntry {
    /// The enrolled key.
    pub key: KeyId,
    /// Its fingerprint.
    pub fingerprint: String,
    /// The holder's name.
    pub holder: String,
    /// The officer's personal number.
    pub personal_number: Option<String>,
    /// The role.
    pub role: Role,
    /// The unit.
    pub unit: UnitCode,
    /// Valid from (inclusive).
    pub valid_from: Timestamp,
    /// Valid until (exclusive).
    pub valid_until: Timestamp,
    /// The enrolling act's id.
    pub act: String,
    /// Who signed it: `root` (the customs authority's root key) or the registrar's key.
    pub enrolled_by: String,
    /// The paper record it carries over, if it is a migration.
    pub migrated_from: Option<String>,
    /// `valid`, `not_yet_valid`, `expired` or `revoked`, at the time of listing.
    pub status: &'static str,
    /// The key's revocation, if any.
    pub revoked: Option<RevokedEntry>,
}

/// A revocation, as staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RevokedEntry {
    /// From when.
    pub effective_from: Timestamp,
    /// Why.
    pub reason: String,
    /// The revoking act's id.
    pub act: String,
}

/// The registry as staff see it at `now`: one entry per enrollment, by unit, role, holder and
/// start of validity.
pub fn registry_entries(registry: &Registry, now: Timestamp) -> Vec<RegistryEntry> {
    let mut entries: Vec<RegistryEntry> = registry
        .keys()
        .flat_map(|key| {
            let revocation = registry.revocation(key);
            registry.enrollments(key).iter().map(move |e| {
                let status = match revocation {
                    Some(r) if r.effective_from <= now => "revoked",
                    _ if now < e.valid_from => "not_yet_valid",
                    _ if e.valid_until <= now => "expired",
                    _ => "valid",
                };
                RegistryEntry {
                    key: key.clone(),
                    fingerprint: key.fingerprint(),
                    holder: e.holder.clone(),
                    personal_number: e.personal_number.clone(),
                    role: e.role,
                    unit: e.unit.clone(),
                    valid_from: e.valid_from,
                    valid_until: e.valid_until,
                    act: e.act.to_hex(),
                    enrolled_by: if &e.by == registry.authority() {
                        "root".to_owned()
                    } else {
                        e.by.to_string()
                    },
                    migrated_from: e.migrated_from.clone(),
                    status,
                    revoked: revocation.map(|r| RevokedEntry {
                        effective_from: r.effective_from,
                        reason: r.reason.clone(),
                        act: r.act.to_hex(),
                    }),
                }
            })
        })
        .collect();
    entries.sort_by(|a, b| {
        (&a.unit, a.role, &a.holder, a.valid_from, &a.key).cmp(&(
            &b.unit,
            b.role,
            &b.holder,
            b.valid_from,
            &b.key,
        ))
    });
    entries
}

/// Central, opened.
pub struct Central {
    /// Its data directory.
    pub dir: PathBuf,
    /// Its configuration.
    pub config: Config,
    /// Central's registrar key, under the root key the configuration names. Replaced when the
    /// root enrolls the next one ([`Central::new_registrar_key`]).
    registrar: std::sync::RwLock<Authority>,
    root: KeyId,
    /// Central's own device key (for sync with edge nodes).
    pub device: SigningKey,
    /// Central's replicas; its registry document is the registry of record.
    pub store: Arc<Store>,
}

impl Central {
    /// Creates central in `dir` with the root key `root` (opened for this once): a fresh
    /// registrar key the root enrolls, a device key the registrar enrolls at `options.unit`, the
    /// store pinned to the root, then the configuration. The root key is not kept.
    pub fn init(
        dir: &Path,
        options: &InitOptions,
        root: &Authority,
        now: Timestamp,
    ) -> Result<Initialized, CentralError> {
        if !root.is_root() {
            return Err(file_error(
                dir,
                "init needs the customs authority's root key",
            ));
        }
        let mut config =
            Config::new(&options.unit, &options.listen).map_err(|detail| ConfigError::Invalid {
                path: "the options given".into(),
                detail,
            })?;
        config.authority = Some(root.id());
        config.postgres = options.postgres.clone();
        config.check().map_err(|detail| ConfigError::Invalid {
            path: "the options given".into(),
            detail,
        })?;
        let shown = dir.display().to_string();
        if dir.join(config::FILE_NAME).exists() {
            return Err(CentralError::AlreadyInitialized {
                dir: shown,
                what: "a tamga-central configuration".into(),
                hint: "",
            });
        }
        for part in [REGISTRAR_KEY_FILE, DEVICE_KEY_FILE, STORE_DIR] {
            if dir.join(part).exists() {
                return Err(CentralError::AlreadyInitialized {
                    dir: shown,
                    what: format!("{part} but no configuration"),
                    hint: ". If an earlier init was interrupted, move the directory aside and run init again",
                });
            }
        }
        if let Some(url) = &config.postgres {
            // Reachable, migrated, and this authority's (or empty, then pinned to it), before
            // anything is written here. What init records reaches it when central first serves.
            crate::postgres::Database::open(url, &root.id()).map_err(|detail| {
                CentralError::File {
                    path: crate::postgres::redact(url),
                    detail,
                }
            })?;
        }
        std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
        let registrar = Authority::generate()?.under(root.id());
        write_new_private(&dir.join(REGISTRAR_KEY_FILE), &registrar.key_file_text())?;
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|e| AuthorityError::NoRandomness(e.to_string()))?;
        let device = SigningKey::from_bytes(&seed);
        let device_text = Zeroizing::new(format!("{}\n", hex::encode(&seed[..])));
        write_new_private(&dir.join(DEVICE_KEY_FILE), &device_text)?;
        let store = Store::open(dir.join(STORE_DIR), &root.id())?;
        let days = |n: u32| now.plus_seconds(i64::from(n) * 86_400);
        let registrar_valid_until = days(options.registrar_valid_days);
        let device_valid_until = days(options.device_valid_days);
        for (signer, request) in [
            (
                root,
                EnrollmentRequest {
                    key: registrar.id().to_string(),
                    role: Role::Registrar,
                    unit: options.unit.clone(),
                    holder: format!("tamga-central {} registrar", options.unit),
                    personal_number: None,
                    valid_from: now,
                    valid_until: registrar_valid_until,
                    migrated_from: None,
                },
            ),
            (
                &registrar,
                EnrollmentRequest {
                    key: key_id(&device).to_string(),
                    role: Role::Device,
                    unit: options.unit.clone(),
                    holder: format!("tamga-central {}", options.unit),
                    personal_number: None,
                    valid_from: now,
                    valid_until: device_valid_until,
                    migrated_from: None,
                },
            ),
        ] {
            if let Enrolling::New(act) = signer.enroll(&store.registry(), &request, now)? {
                store.record(&act)?;
            }
        }
        write_replacing(&dir.join(config::FILE_NAME), config.to_toml().as_bytes())?;
        let staff_certificate_sha256 =
            crate::staff_tls::ensure_own_certificate(dir, &config.staff_tls_names)
                .map_err(|e| file_error(dir, e))?;
        info!(root = %root.id(), registrar = %registrar.id(), device = %key_id(&device), unit = %options.unit, "central initialized");
        Ok(Initialized {
            data_dir: shown,
            unit: options.unit.clone(),
            authority_key: root.id(),
            authority_fingerprint: root.fingerprint(),
            registrar_key: registrar.id(),
            registrar_valid_until,
            device_key: key_id(&device),
            device_valid_until,
            staff_certificate_sha256,
        })
    }

    /// Opens central in `dir`.
    pub fn open(dir: &Path) -> Result<Central, CentralError> {
        let config = Config::load(dir)?;
        let root = config.root().map_err(|detail| ConfigError::Invalid {
            path: dir.join(config::FILE_NAME).display().to_string(),
            detail,
        })?;
        let registrar = Authority::load(&dir.join(REGISTRAR_KEY_FILE), root.clone())?;
        info!(registrar = %registrar.id(), "registrar key loaded");
        let device = Central::read_device_key(dir)?;
        let store = Store::open(dir.join(STORE_DIR), &root)?;
        Ok(Central {
            dir: dir.to_owned(),
            config,
            registrar: std::sync::RwLock::new(registrar),
            root,
            device,
            store: Arc::new(store),
        })
    }

    /// Central's device key in `dir`.
    pub fn read_device_key(dir: &Path) -> Result<SigningKey, CentralError> {
        let key_path = dir.join(DEVICE_KEY_FILE);
        let text = Zeroizing::new(
            tamga_node::files::read_private_text(&key_path, KEY_FILE_LIMIT)
                .map_err(|e| file_error(&key_path, e))?,
        );
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), seed.as_mut()).map_err(|_| {
            file_error(
                &key_path,
                "not a device key (64 hex digits expected); restore it from its backup",
            )
        })?;
        Ok(SigningKey::from_bytes(&seed))
    }

    /// The customs authority's root key, which every node pins.
    pub fn root(&self) -> &KeyId {
        &self.root
    }

    /// The registrar key central signs enrollments and revocations with.
    pub fn registrar_id(&self) -> KeyId {
        self.registrar_key().id()
    }

    fn registrar_key(&self) -> std::sync::RwLockReadGuard<'_, Authority> {
        self.registrar.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes the next registrar key (`registrar.next.key`) for the root to enroll, or returns
    /// the one already waiting. Once an imported act file enrolls it as registrar and it is in
    /// force, central signs with it and the old key file is removed.
    pub fn new_registrar_key(dir: &Path) -> Result<KeyId, CentralError> {
        let path = dir.join(NEXT_REGISTRAR_KEY_FILE);
        let config = Config::load(dir)?;
        let root = config
            .root()
            .map_err(|detail| file_error(&dir.join(config::FILE_NAME), detail))?;
        if path.exists() {
            return Ok(Authority::load(&path, root)?.id());
        }
        let next = Authority::generate()?;
        write_new_private(&path, &next.key_file_text())?;
        info!(next = %next.id(), "next registrar key made; the root must enroll it");
        Ok(next.id())
    }

    /// Signs with the next registrar key if the registry now holds it as a registrar in force.
    fn promote_next_registrar(&self, now: Timestamp) -> Result<(), CentralError> {
        let next_path = self.dir.join(NEXT_REGISTRAR_KEY_FILE);
        if !next_path.exists() {
            return Ok(());
        }
        let next = Authority::load(&next_path, self.root.clone())?;
        let registry = self.store.registry();
        let in_force = registry
            .enrollment_at(&next.id(), now, &[Role::Registrar])
            .is_ok();
        if !in_force || !registry.is_registrar(&next.id()) {
            return Ok(());
        }
        let current = self.dir.join(REGISTRAR_KEY_FILE);
        std::fs::rename(&next_path, &current).map_err(|e| file_error(&current, e))?;
        tamga_node::files::sync_parent(&current).map_err(|e| file_error(&current, e))?;
        let mut registrar = self.registrar.write().unwrap_or_else(|e| e.into_inner());
        info!(old = %registrar.id(), new = %next.id(), "registrar key rotated");
        *registrar = next;
        Ok(())
    }

    /// Records the registry acts of an act file from the root key (or another registrar):
    /// each must hold against the registry as it stands with the file's earlier acts. Nothing
    /// is recorded unless every act holds. Returns how many were new.
    pub fn import_registry_acts(
        &self,
        acts: &[SignedAct],
        now: Timestamp,
    ) -> Result<usize, CentralError> {
        let mut check = self.store.registry();
        for act in acts {
            if !matches!(act.body().subject(), tamga_core::act::Subject::Registry) {
                return Err(file_error(
                    Path::new("the act file"),
                    format!(
                        "act {} is a {} act: a registry act file holds enrollments, revocations and KP participants lists only",
                        act.id().short(),
                        act.body().kind()
                    ),
                ));
            }
            check.apply(act).map_err(|e| {
                file_error(
                    Path::new("the act file"),
                    format!("{e}; nothing of the file was recorded"),
                )
            })?;
        }
        let mut new = 0;
        for act in acts {
            if self.store.record(act)?.seq.is_some() {
                new += 1;
                info!(act = %act.id(), kind = act.body().kind(), "registry act imported");
            }
        }
        self.promote_next_registrar(now)?;
        Ok(new)
    }

    /// Central's device key id.
    pub fn device_id(&self) -> KeyId {
        key_id(&self.device)
    }

    /// Enrolls a key: signs a `key_enrolled` act dated `now` and records it (durable when this
    /// returns), unless the registry already says the same.
    pub fn enroll(
        &self,
        request: &EnrollmentRequest,
        now: Timestamp,
    ) -> Result<Enrolling, CentralError> {
        let decision = self
            .registrar_key()
            .enroll(&self.store.registry(), request, now)?;
        if let Enrolling::New(act) = &decision {
            self.store.record(act)?;
            if let tamga_core::ActBody::KeyEnrolled(body) = act.body() {
                info!(act = %act.id(), key = %body.key, role = body.role.as_str(), unit = %body.unit, "key enrolled");
            }
        }
        Ok(decision)
    }

    /// Revokes a key: signs a `key_revoked` act dated `now` and records it (durable when this
    /// returns), unless the key is already revoked from that time or earlier.
    pub fn revoke(
        &self,
        request: &RevocationRequest,
        now: Timestamp,
    ) -> Result<Revoking, CentralError> {
        let decision = self
            .registrar_key()
            .revoke(&self.store.registry(), request, now)?;
        if let Revoking::New(act) = &decision {
            self.store.record(act)?;
            if let tamga_core::ActBody::KeyRevoked(body) = act.body() {
                info!(act = %act.id(), key = %body.key, effective_from = %body.effective_from, "key revoked");
            }
        }
        Ok(decision)
    }

    /// Lists the Kimberley Process participants from `now`: signs a `kp_participants_listed`
    /// act with the registrar key and records it (durable when this returns). Every consignment
    /// is then assessed against it.
    pub fn list_kp_participants(
        &self,
        request: &crate::authority::KpParticipantsRequest,
        now: Timestamp,
    ) -> Result<SignedAct, CentralError> {
        let act = self.registrar_key().list_kp_participants(request, now)?;
        self.store.record(&act)?;
        info!(act = %act.id(), participants = request.participants.len(), "KP participants listed");
        Ok(act)
    }

    /// Publishes a year's working calendar: signs a `calendar_published` act with the registrar
    /// key and records it.
    pub fn publish_calendar(
        &self,
        request: &crate::authority::CalendarRequest,
        now: Timestamp,
    ) -> Result<SignedAct, CentralError> {
        let act = self.registrar_key().publish_calendar(request, now)?;
        self.store.record(&act)?;
        info!(act = %act.id(), year = request.year, "calendar published");
        Ok(act)
    }

    /// Registers a post (time zone, working hours) from `now`: signs a `post_registered` act
    /// with the registrar key and records it.
    pub fn register_post(
        &self,
        request: &crate::authority::PostRequest,
        now: Timestamp,
    ) -> Result<SignedAct, CentralError> {
        let act = self.registrar_key().register_post(request, now)?;
        self.store.record(&act)?;
        info!(act = %act.id(), post = %request.post, "post registered");
        Ok(act)
    }

    /// The registry as staff see it at `now`.
    pub fn registry_entries(&self, now: Timestamp) -> Vec<RegistryEntry> {
        registry_entries(&self.store.registry(), now)
    }

    /// Every registry act that holds, once each, in a stable order.
    pub fn enrollment_acts(&self) -> Result<Vec<SignedAct>, CentralError> {
        Ok(enrollment_acts(
            self.root(),
            self.store.acts(&DocId::Registry)?,
        ))
    }

    /// Writes the enrollment file for edge nodes to `path` (replacing it whole, atomically).
    /// Returns how many acts it holds.
    pub fn write_enrollment(&self, path: &Path) -> Result<usize, CentralError> {
        let acts = self.enrollment_acts()?;
        write_replacing(path, &enrollment_file(&acts))?;
        info!(path = %path.display(), acts = acts.len(), "enrollment file written");
        Ok(acts.len())
    }
}

/// Writes a new file readable by its owner only, whole or not at all, and never over an
/// existing one.
fn write_new_private(path: &Path, text: &str) -> Result<(), CentralError> {
    tamga_node::files::write_new_private(path, text.as_bytes()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            file_error(path, "already exists and is never overwritten")
        } else {
            file_error(path, e)
        }
    })
}

/// Writes `bytes` to `path`, replacing any file there whole, atomically and durably.
pub(crate) fn write_replacing(path: &Path, bytes: &[u8]) -> Result<(), CentralError> {
    tamga_node::files::write_atomic(path, bytes).map_err(|e| file_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::{at, key};

    fn options() -> InitOptions {
        InitOptions {
            unit: "HQ-RECON".into(),
            listen: config::DEFAULT_LISTEN.into(),
            device_valid_days: 365,
            registrar_valid_days: 365,
            postgres: None,
        }
    }

    fn root_key() -> Authority {
        Authority::from_seed(&[9u8; 32])
    }

    fn now() -> Timestamp {
        at("2026-01-05T09:00:00Z")
    }

    #[test]
    fn init_makes_private_keys_a_pinned_store_and_enrolls_central_itself() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("central");
        let made = Central::init(&dir, &options(), &root_key(), now()).unwrap();
        #[cfg(unix)]
        for file in [REGISTRAR_KEY_FILE, DEVICE_KEY_FILE] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");

        let central = Central::open(&dir).unwrap();
        assert_eq!(central.root(), &made.authority_key);
        assert_eq!(central.registrar_id(), made.registrar_key);
        assert_eq!(central.device_id(), made.device_key);
        assert_eq!(
            central.config.central_units,
            vec![UnitCode::new("HQ-RECON").unwrap()]
        );
        let entries = central.registry_entries(now());
        assert_eq!(entries.len(), 2, "the registrar and the device");
        let entries: Vec<_> = entries
            .into_iter()
            .filter(|e| e.key == made.device_key)
            .collect();
        assert_eq!(entries[0].enrolled_by, made.registrar_key.to_string());
        assert_eq!(
            (entries[0].role, entries[0].status),
            (Role::Device, "valid")
        );
        assert_eq!(entries[0].valid_until, at("2027-01-05T09:00:00Z"));
    }

    #[test]
    fn init_never_overwrites_a_key() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("central");
        Central::init(&dir, &options(), &root_key(), now()).unwrap();
        let key_before = std::fs::read(dir.join(REGISTRAR_KEY_FILE)).unwrap();
        let err = Central::init(&dir, &options(), &root_key(), now()).unwrap_err();
        assert!(
            matches!(err, CentralError::AlreadyInitialized { .. }),
            "{err}"
        );
        // An interrupted init (a key, no configuration) is not finished over the key either.
        std::fs::remove_file(dir.join(config::FILE_NAME)).unwrap();
        let err = Central::init(&dir, &options(), &root_key(), now()).unwrap_err();
        assert!(err.to_string().contains("interrupted"), "{err}");
        assert_eq!(
            std::fs::read(dir.join(REGISTRAR_KEY_FILE)).unwrap(),
            key_before
        );
        let path = root.path().join("exists");
        std::fs::write(&path, "keep me").unwrap();
        assert!(write_new_private(&path, "new").is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
    }

    #[test]
    fn bad_options_leave_no_directory() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("central");
        let mut bad = options();
        bad.unit = "hq".into();
        assert!(Central::init(&dir, &bad, &root_key(), now()).is_err());
        assert!(!dir.exists());
    }

    #[test]
    fn a_readable_registrar_key_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("central");
        Central::init(&dir, &options(), &root_key(), now()).unwrap();
        let path = dir.join(REGISTRAR_KEY_FILE);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Central::open(&dir).err().expect("refused");
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn enroll_revoke_and_the_enrollment_file() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("central");
        Central::init(&dir, &options(), &root_key(), now()).unwrap();
        let central = Central::open(&dir).unwrap();
        let officer = key_id(&key("officer"));
        let request = EnrollmentRequest {
            key: officer.to_string(),
            role: Role::PostOfficer,
            unit: "MANAS-AIRPORT".into(),
            holder: "Aibek Asanov".into(),
            personal_number: Some("KG-0417".into()),
            valid_from: now(),
            valid_until: at("2027-01-01T00:00:00Z"),
            migrated_from: None,
        };
        assert!(matches!(
            central.enroll(&request, now()).unwrap(),
            Enrolling::New(_)
        ));
        assert!(matches!(
            central.enroll(&request, now()).unwrap(),
            Enrolling::AlreadyEnrolled(_)
        ));
        let revoke = RevocationRequest {
            key: officer.to_string(),
            reason: "personal seal lost".into(),
            effective_from: at("2026-02-01T00:00:00Z"),
        };
        assert!(matches!(
            central.revoke(&revoke, now()).unwrap(),
            Revoking::New(_)
        ));
        let entries = central.registry_entries(at("2026-03-01T00:00:00Z"));
        let entry = entries.iter().find(|e| e.key == officer).unwrap();
        assert_eq!(entry.status, "revoked");
        assert_eq!(entry.revoked.as_ref().unwrap().reason, "personal seal lost");

        let out = root.path().join("enrollment.acts");
        assert_eq!(central.write_enrollment(&out).unwrap(), 4);
        let first = std::fs::read(&out).unwrap();
        assert_eq!(central.write_enrollment(&out).unwrap(), 4);
        assert_eq!(
            std::fs::read(&out).unwrap(),
            first,
            "the same registry, the same bytes"
        );
        let acts: Vec<SignedAct> = first
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| SignedAct::decode(l).unwrap())
            .collect();
        let (registry, rejected) = Registry::from_acts(central.root().clone(), &acts);
        assert!(rejected.is_empty());
        assert_eq!(registry, central.store.registry());
    }
}
