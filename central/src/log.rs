//! Central's transparency log (`docs/act-format.md` §14): its key (`log.key`, enrolled by the
//! registrar in the role `transparency_log`, made the first time central serves, replaced by
//! [`rotate`]), the keeper that sequences and signs tree heads
//! (`tamga_sync::receipts::LogKeeper`, shared by the sync endpoint and the background loop),
//! and evidence packages of one consignment.

use crate::authority::EnrollmentRequest;
use crate::central::{Central, CentralError};
use ed25519_dalek::SigningKey;
use std::path::Path;
use std::sync::Arc;
use tamga_core::signing::key_id;
use tamga_core::transparency::evidence::{self, Item, Package};
use tamga_core::{ConsignmentId, KeyId, Role, SignedAct, Timestamp};
use tamga_store::DocId;
use tamga_sync::ledger::Ledger;
use tamga_sync::receipts::LogKeeper;
use tracing::info;
use zeroize::Zeroizing;

/// The log key's file name in central's data directory.
pub const LOG_KEY_FILE: &str = "log.key";
/// The next log key's file while a rotation is under way.
pub const NEXT_LOG_KEY_FILE: &str = "log.key.next";
/// For how many days the log key is enrolled.
const LOG_KEY_DAYS: i64 = 730;

/// The ledger a command run on central's data directory keeps the log in: its store, or with
/// a shared database the store joined to it (so the log it sequences and signs is the
/// database's one log). Blocking.
pub fn ledger(central: &Central) -> Result<Arc<dyn Ledger>, String> {
    match &central.config.postgres {
        None => Ok(Arc::clone(&central.store) as Arc<dyn Ledger>),
        Some(url) => {
            let zone = central.config.zone().unwrap_or(chrono_tz::Asia::Bishkek);
            let joined =
                crate::postgres::join(Arc::clone(&central.store), url, central.root(), zone)?;
            Ok(joined.replica as Arc<dyn Ledger>)
        }
    }
}

/// Central's log keeper: the log key read from `log.key`, made and enrolled by the registrar
/// if there is none yet or it is not enrolled in force at `now` (a file written by a run that
/// stopped before enrolling it is enrolled now).
///
/// With a shared database the processes of one central sign with one key: a process without
/// `log.key` while the registry has a log key in force makes none, and says to copy it.
pub fn keeper(central: &Central, now: Timestamp) -> Result<Arc<LogKeeper>, CentralError> {
    let path = central.dir.join(LOG_KEY_FILE);
    finish_rotation(central, now)?;
    let key = if path.exists() {
        read_key(&path)?
    } else if let (Some(_), Some(other)) = (&central.config.postgres, key_in_force(central, now)) {
        return Err(crate::central::file_error(
            &path,
            format!(
                "missing, and central's log is signed by {} (made by another central process on the shared database): copy log.key from that process's data directory here (0600), then start again",
                other.fingerprint()
            ),
        ));
    } else {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|e| {
            crate::central::file_error(&path, format!("no randomness for the log key: {e}"))
        })?;
        let text = Zeroizing::new(format!("{}\n", hex::encode(&seed[..])));
        tamga_node::files::write_new_private(&path, text.as_bytes())
            .map_err(|e| crate::central::file_error(&path, e))?;
        info!(key = %key_id(&SigningKey::from_bytes(&seed)), "transparency log key made");
        SigningKey::from_bytes(&seed)
    };
    if !enrolled(central, &key, now) {
        if central.store.registry().revocation(&key_id(&key)).is_some() {
            // Rotated by another process on the shared database: never enrolled again.
            return Err(crate::central::file_error(
                &path,
                format!(
                    "holds log key {}, which is revoked (the log key was rotated{}): copy log.key from the process that rotated it here (0600), then start again",
                    key_id(&key).fingerprint(),
                    match key_in_force(central, now) {
                        Some(other) => format!("; {} signs the log now", other.fingerprint()),
                        None => String::new(),
                    }
                ),
            ));
        }
        enroll(central, &key, now)?;
    }
    let store = Arc::clone(&central.store);
    Ok(Arc::new(LogKeeper::new(key).checking(Box::new(
        move |key, at| {
            store
                .registry()
                .enrollment_at(key, at, &[Role::TransparencyLog])
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
    ))))
}

/// A log key enrolled in force at `now`, if any.
fn key_in_force(central: &Central, now: Timestamp) -> Option<KeyId> {
    let registry = central.store.registry();
    let key = registry
        .keys()
        .find(|k| {
            registry
                .enrollment_at(k, now, &[Role::TransparencyLog])
                .is_ok()
        })
        .cloned();
    key
}

/// With a shared database, keeps `keeper`'s key in step with the registry: a key no longer in
/// force (another process rotated it) is retired, so this process signs no head with it, and
/// the key in `log.key` is taken up once it is in force (the operator copied the new one).
/// Returns whether the keeper can sign.
pub fn follow_key(central: &Central, keeper: &LogKeeper, now: Timestamp) -> bool {
    let registry = central.store.registry();
    let in_force = |key: &KeyId| {
        registry
            .enrollment_at(key, now, &[Role::TransparencyLog])
            .is_ok()
    };
    if in_force(&keeper.key_id()) {
        return true;
    }
    if let Ok(key) = read_key(&central.dir.join(LOG_KEY_FILE)) {
        if in_force(&key_id(&key)) {
            info!(key = %key_id(&key), "the log key in log.key is taken up");
            keeper.rotate(key);
            return true;
        }
    }
    if !keeper.is_retired() {
        tracing::error!(
            key = %keeper.key_id(),
            "this process's log key is no longer in force (another central process rotated it): this process signs no tree head until the new log.key is copied into its data directory"
        );
        keeper.retire();
    }
    false
}

fn enrolled(central: &Central, key: &SigningKey, now: Timestamp) -> bool {
    central
        .store
        .registry()
        .enrollment_at(&key_id(key), now, &[Role::TransparencyLog])
        .is_ok()
}

fn enroll(central: &Central, key: &SigningKey, now: Timestamp) -> Result<(), CentralError> {
    central.enroll(
        &EnrollmentRequest {
            key: key_id(key).to_string(),
            role: Role::TransparencyLog,
            unit: central.config.unit.to_string(),
            holder: format!("tamga-central {} transparency log", central.config.unit),
            personal_number: None,
            valid_from: now,
            valid_until: now.plus_seconds(LOG_KEY_DAYS * 86_400),
            migrated_from: None,
        },
        now,
    )?;
    Ok(())
}

/// A rotation cut short: a next key enrolled is put in place of `log.key` (the old key's
/// revocation is left to the next rotation or the registrar); one never enrolled is dropped.
fn finish_rotation(central: &Central, now: Timestamp) -> Result<(), CentralError> {
    let next = central.dir.join(NEXT_LOG_KEY_FILE);
    if !next.exists() {
        return Ok(());
    }
    let key = read_key(&next)?;
    if enrolled(central, &key, now) {
        let path = central.dir.join(LOG_KEY_FILE);
        std::fs::rename(&next, &path).map_err(|e| crate::central::file_error(&next, e))?;
        tamga_node::files::sync_parent(&path).map_err(|e| crate::central::file_error(&path, e))?;
        info!(key = %key_id(&key), "a log key rotation cut short was finished");
    } else {
        tamga_node::files::remove(&next).map_err(|e| crate::central::file_error(&next, e))?;
    }
    Ok(())
}

/// What a rotation did.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Rotated {
    /// The key retired (revoked from `at`).
    pub old: KeyId,
    /// The key signing from now on.
    pub new: KeyId,
    /// When.
    pub at: Timestamp,
}

/// Rotates the log key at `now`: a new key is made (`log.key.next`, 0600), enrolled by the
/// registrar as `transparency_log`, put in place of `log.key`, and `keeper` signs with it from
/// then on (a head by the new key at once); then the old key is revoked from the next second,
/// and its file is gone. Tree heads the old key signed before stay valid: a head's key is
/// judged at the head's time. A crash part way is finished at the next start ([`keeper`]).
///
/// With a shared database the other processes stop signing with the old key as soon as they
/// see its revocation, and sign again once the new `log.key` is copied to them
/// ([`follow_key`]).
pub fn rotate(
    central: &Central,
    ledger: &dyn Ledger,
    keeper: &LogKeeper,
    now: Timestamp,
) -> Result<Rotated, CentralError> {
    let old = keeper.key_id();
    let next = central.dir.join(NEXT_LOG_KEY_FILE);
    if next.exists() {
        tamga_node::files::remove(&next).map_err(|e| crate::central::file_error(&next, e))?;
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut()).map_err(|e| {
        crate::central::file_error(&next, format!("no randomness for the log key: {e}"))
    })?;
    let text = Zeroizing::new(format!("{}\n", hex::encode(&seed[..])));
    tamga_node::files::write_new_private(&next, text.as_bytes())
        .map_err(|e| crate::central::file_error(&next, e))?;
    let key = SigningKey::from_bytes(&seed);
    enroll(central, &key, now)?;
    let path = central.dir.join(LOG_KEY_FILE);
    std::fs::rename(&next, &path).map_err(|e| crate::central::file_error(&next, e))?;
    tamga_node::files::sync_parent(&path).map_err(|e| crate::central::file_error(&path, e))?;
    let new = key_id(&key);
    keeper.rotate(key);
    keeper
        .head(ledger, now)
        .map_err(|e| crate::central::file_error(&path, format!("the new key is in place and enrolled, but its first tree head failed ({e}); it is signed at the next sync")))?;
    central.revoke(
        &crate::authority::RevocationRequest {
            key: old.to_string(),
            reason: format!("log key rotated: {new} signs the log from {now}"),
            effective_from: now.plus_seconds(1),
        },
        now,
    )?;
    info!(%old, %new, "transparency log key rotated");
    Ok(Rotated { old, new, at: now })
}

fn read_key(path: &Path) -> Result<SigningKey, CentralError> {
    let text = Zeroizing::new(
        tamga_node::files::read_private_text(path, 4096)
            .map_err(|e| crate::central::file_error(path, e))?,
    );
    let mut seed = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), seed.as_mut()).map_err(|_| {
        crate::central::file_error(
            path,
            "not a log key (64 hex digits expected); restore it from its backup",
        )
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Why an evidence package could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// Central holds no such consignment.
    #[error("central holds no consignment {0}")]
    Unknown(ConsignmentId),
    /// Central failed.
    #[error(transparent)]
    Central(#[from] CentralError),
    /// The log failed.
    #[error("the transparency log: {0}")]
    Log(String),
}

/// The evidence package of `consignment` (§14.6): every act of it central holds, every registry
/// act that holds, each with its receipt in a tree head signed now (in the log `ledger` keeps).
pub fn evidence(
    central: &Central,
    ledger: &dyn Ledger,
    keeper: &LogKeeper,
    consignment: &ConsignmentId,
    now: Timestamp,
) -> Result<Package, EvidenceError> {
    let store = &central.store;
    let doc = DocId::Consignment(consignment.clone());
    let mut acts: Vec<SignedAct> = store
        .acts(&doc)
        .map_err(CentralError::from)?
        .into_iter()
        .filter(|a| a.verify_signatures().is_ok())
        .collect();
    if acts.is_empty() {
        return Err(EvidenceError::Unknown(consignment.clone()));
    }
    acts.sort_by_key(|a| (a.body().at(), a.id()));
    // An act merged from two nodes may stand twice in the document: once in the package.
    acts.dedup_by_key(|a| a.id());
    let head = keeper
        .head(ledger, now)
        .map_err(|e| EvidenceError::Log(e.to_string()))?;
    let size = head.head.size;
    let item = |act: &SignedAct| -> Result<Item, EvidenceError> {
        let receipt = ledger
            .log_receipt(&act.id(), size)
            .map_err(|e| EvidenceError::Log(e.to_string()))?
            .ok_or_else(|| {
                EvidenceError::Log(format!("act {} has no leaf in the log", act.id().short()))
            })?;
        Ok(Item::new(act, receipt))
    };
    let registry = central.enrollment_acts()?;
    Ok(Package {
        format: evidence::FORMAT.into(),
        consignment: consignment.clone(),
        authority: central.root().clone(),
        made_at: now,
        offline_allowance_seconds: central.config.offline_allowance_seconds,
        checkpoint: head.to_text(),
        registry: registry.iter().map(item).collect::<Result<_, _>>()?,
        acts: acts.iter().map(item).collect::<Result<_, _>>()?,
    })
}
