//! Resolutions awaiting a supervisor's signature (the two-person rule).
//!
//! A critical discrepancy's resolution is signed first by a staff member, who names the
//! supervisor to give the second signature; until then it is kept here, one file per resolution
//! in `resolutions-pending/` (readable by central's user only), not in any document: a
//! resolution with one signature closes nothing, so it is never recorded or synced. The
//! supervisor's countersignature ([`countersign`]) checks everything again against the
//! consignment as it is then, and records the act with both signatures.

use crate::central::Central;
use crate::staff::{current_assessment, ResolveError, OFFICERS_DIR};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tamga_core::act::DiscrepancyResolved;
use tamga_core::signing::{act_id, ActSignature};
use tamga_core::{ActBody, ActId, KeyId, SignedAct, Timestamp};
use tamga_node::keystore::{Keystore, Throttle};

/// The folder in central's data directory.
pub const PENDING_DIR: &str = "resolutions-pending";

/// The largest pending file read (a resolution is well under 8 KiB).
const MAX_PENDING_BYTES: u64 = 64 * 1024;

/// A resolution signed by its first signer.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    /// The act's body, naming the supervisor.
    pub body: DiscrepancyResolved,
    /// The first signer's signature.
    pub first: ActSignature,
}

impl Pending {
    /// The id the act will have once countersigned.
    pub fn id(&self) -> ActId {
        act_id(&ActBody::DiscrepancyResolved(self.body.clone()))
    }

    /// The supervisor named.
    pub fn supervisor(&self) -> Option<&KeyId> {
        self.body.supervisor.as_ref()
    }
}

/// The pending resolutions' folder.
pub struct PendingStore {
    dir: PathBuf,
}

impl PendingStore {
    /// Opens (making it if needed) the folder in central's data directory `data`.
    pub fn open(data: &Path) -> Result<Self, ResolveError> {
        let dir = data.join(PENDING_DIR);
        std::fs::create_dir_all(&dir)
            .map_err(|e| ResolveError::Pending(format!("{}: {e}", dir.display())))?;
        Ok(PendingStore { dir })
    }

    fn path(&self, id: &ActId) -> PathBuf {
        self.dir.join(format!("{}.json", id.to_hex()))
    }

    /// Keeps `pending` (durably: written to a temporary file, synced, renamed).
    pub fn save(&self, pending: &Pending) -> Result<(), ResolveError> {
        let bytes = serde_json::to_vec_pretty(pending).expect("serializes");
        let path = self.path(&pending.id());
        tamga_node::files::write_atomic_private(&path, &bytes)
            .map_err(|e| ResolveError::Pending(format!("{}: {e}", path.display())))
    }

    /// The pending resolution `id`, if kept. A file that does not read as one, or whose name is
    /// not its act's id, is refused.
    pub fn get(&self, id: &ActId) -> Result<Option<Pending>, ResolveError> {
        let path = self.path(id);
        let bytes = match read_bounded(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ResolveError::Pending(format!("{}: {e}", path.display()))),
        };
        let pending: Pending = serde_json::from_slice(&bytes).map_err(|e| {
            ResolveError::Pending(format!(
                "{} is not a pending resolution: {e}",
                path.display()
            ))
        })?;
        if &pending.id() != id {
            return Err(ResolveError::Pending(format!(
                "{} holds another resolution than its name says",
                path.display()
            )));
        }
        Ok(Some(pending))
    }

    /// Every pending resolution, oldest first; a file that does not read is skipped with a
    /// warning.
    pub fn list(&self) -> Result<Vec<Pending>, ResolveError> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| ResolveError::Pending(format!("{}: {e}", self.dir.display())))?;
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(hex) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            let Ok(id) = ActId::from_hex(hex) else {
                continue;
            };
            match self.get(&id) {
                Ok(Some(p)) => out.push(p),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "a pending resolution was skipped"),
            }
        }
        out.sort_by_key(|p| (p.body.at, p.id()));
        Ok(out)
    }

    /// Removes the pending resolution `id` (done or no longer current).
    pub fn remove(&self, id: &ActId) -> Result<(), ResolveError> {
        match std::fs::remove_file(self.path(id)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ResolveError::Pending(format!(
                "{}: {e}",
                self.dir.display()
            ))),
        }
    }
}

fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_PENDING_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_PENDING_BYTES {
        return Err(std::io::Error::other(
            "larger than a pending resolution can be",
        ));
    }
    Ok(bytes)
}

/// Keeps a resolution `staff::resolve` signed once; nothing is recorded.
pub fn keep(
    central: &Central,
    body: DiscrepancyResolved,
    first: ActSignature,
) -> Result<Pending, ResolveError> {
    let pending = Pending { body, first };
    pending
        .first
        .verify(&pending.id())
        .map_err(|e| ResolveError::Pending(format!("the first signature does not hold: {e}")))?;
    PendingStore::open(&central.dir)?.save(&pending)?;
    tracing::info!(pending = %pending.id(), discrepancy = %pending.body.discrepancy, consignment = %pending.body.consignment, officer = %pending.body.officer, "critical discrepancy's resolution signed once, awaiting the supervisor's signature");
    Ok(pending)
}

/// What a supervisor sends to countersign.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountersignForm {
    /// The supervisor's key.
    pub officer: String,
    /// Their PIN.
    pub pin: String,
}

/// The supervisor countersigns pending resolution `id`: it must be addressed to them, its first
/// signature must verify, the discrepancy must still be open and both signers still enrolled
/// (judged as for any act), and their PIN must unlock their key. The act with both signatures
/// is recorded (durable when this returns) and the pending file removed. A resolution whose
/// discrepancy is gone or closed meanwhile is removed, nothing signed.
pub fn countersign(
    central: &Central,
    pins: &Throttle,
    id: &str,
    form: &CountersignForm,
    now: Timestamp,
) -> Result<SignedAct, ResolveError> {
    let id =
        ActId::from_hex(id.trim()).map_err(|e| ResolveError::Form(format!("resolution: {e}")))?;
    let officer =
        KeyId::new(form.officer.trim()).map_err(|e| ResolveError::Form(format!("officer: {e}")))?;
    let store = PendingStore::open(&central.dir)?;
    let Some(pending) = store.get(&id)? else {
        return Err(ResolveError::NotFound(format!(
            "no resolution {} awaits a second signature (it may have been countersigned already: reload)",
            id.short()
        )));
    };
    if pending.supervisor() != Some(&officer) {
        return Err(ResolveError::NotAllowed(format!(
            "resolution {} awaits the signature of supervisor {}, not of {officer}",
            id.short(),
            pending
                .supervisor()
                .map(|k| k.fingerprint())
                .unwrap_or_default()
        )));
    }
    pending.first.verify(&id).map_err(|e| {
        ResolveError::Pending(format!(
            "the first signature on resolution {} does not hold: {e}",
            id.short()
        ))
    })?;
    let (registry, assessment) = current_assessment(central, &pending.body.consignment, now)?;
    match assessment
        .discrepancies
        .iter()
        .find(|d| d.id == pending.body.discrepancy)
    {
        None => {
            store.remove(&id)?;
            return Err(ResolveError::NotFound(format!(
                "consignment {} has no discrepancy {} now (superseded since the first signature); the pending resolution was withdrawn, nothing signed",
                pending.body.consignment, pending.body.discrepancy
            )));
        }
        Some(d) if d.resolution.is_some() => {
            store.remove(&id)?;
            return Err(ResolveError::AlreadyResolved {
                id: d.id.to_string(),
                act: d
                    .resolution
                    .as_ref()
                    .map(|r| r.act.to_hex())
                    .unwrap_or_default(),
            });
        }
        Some(_) => {}
    }
    let body = ActBody::DiscrepancyResolved(pending.body.clone());
    for key in body.required_signers() {
        registry
            .signer_check(&body, key)
            .map_err(|e| ResolveError::NotAllowed(format!("nothing was signed: {e}")))?;
    }
    registry
        .two_people(&pending.body.officer, &officer, pending.body.at)
        .map_err(|e| ResolveError::NotAllowed(e.to_string()))?;
    // Both still enrolled now, not only at the first signature's time: a key revoked since
    // signs nothing more, and a resolution signed by one revoked since is done again.
    for (key, roles) in [
        (
            &pending.body.officer,
            &[tamga_core::Role::CentralStaff, tamga_core::Role::Supervisor][..],
        ),
        (&officer, &[tamga_core::Role::Supervisor][..]),
    ] {
        registry.enrollment_at(key, now, roles).map_err(|e| {
            ResolveError::NotAllowed(format!(
                "nothing was signed: {e} (a resolution is countersigned only while both its signers are enrolled)"
            ))
        })?;
    }
    let keystore = Keystore::open(central.dir.join(OFFICERS_DIR))?;
    let key = keystore.unlock(&officer, &form.pin, pins)?;
    let second = ActSignature::create(&id, &key);
    let act = SignedAct::assemble(body, vec![pending.first.clone(), second])
        .map_err(|e| ResolveError::Form(e.to_string()))?;
    registry
        .verify(&act)
        .map_err(|e| ResolveError::NotAllowed(format!("nothing was recorded: {e}")))?;
    central.store.record(&act)?;
    store.remove(&id)?;
    tracing::info!(act = %act.id(), discrepancy = %pending.body.discrepancy, consignment = %pending.body.consignment, first = %pending.body.officer, supervisor = %officer, "critical discrepancy resolved by two people");
    Ok(act)
}
