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
use tamga_sync::receipts::LogKeeper;
use tracing::info;
use zeroize::Zeroizing;

/// The log key's file name in central's data directory.
pub const LOG_KEY_FILE: &str = "log.key";
/// The next log key's file while a rotation is under way.
pub const NEXT_LOG_KEY_FILE: &str = "log.key.next";
/// For how many days the log key is enrolled.
const LOG_KEY_DAYS: i64 = 730;

/// Central's log keeper: the log key read from `log.key`, made and enrolled by the registrar
/// if there is none yet or it is not enrolled in force at `now` (a file written by a run that
/// stopped before enrolling it is enrolled now).
pub fn keeper(central: &Central, now: Timestamp) -> Result<Arc<LogKeeper>, CentralError> {
    let path = central.dir.join(LOG_KEY_FILE);
    finish_rotation(central, now)?;
    let key = if path.exists() {
        read_key(&path)?
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
        enroll(central, &key, now)?;
    }
    Ok(Arc::new(LogKeeper::new(key)))
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
pub fn rotate(
    central: &Central,
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
        .head(&central.store, now)
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
/// act that holds, each with its receipt in a tree head signed now.
pub fn evidence(
    central: &Central,
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
        .head(store, now)
        .map_err(|e| EvidenceError::Log(e.to_string()))?;
    let size = head.head.size;
    let item = |act: &SignedAct| -> Result<Item, EvidenceError> {
        let receipt = store
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
