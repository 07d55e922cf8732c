//! Evidence packages (`docs/act-format.md` §14.6): one consignment's signed acts, the registry
//! acts needed to check them, a receipt per act and the signed tree head, in one JSON file an
//! auditor can check offline; and the two findings the log makes possible
//! ([`late_sightings`]): an act dated long before central first saw it, and one dated before
//! its signer's revocation but first seen after it.

use super::{LogError, Receipt, SignedTreeHead};
use crate::assessment::words::say;
use crate::canonical::ActId;
use crate::codes::{ConsignmentId, KeyId};
use crate::registry::Registry;
use crate::signing::SignedAct;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The package format's name.
pub const FORMAT: &str = "tamga-evidence/1";
/// The deployment's default offline allowance: how long before central first sees an act a
/// node may plausibly have signed it (three days on the road without a link).
pub const DEFAULT_OFFLINE_ALLOWANCE_SECONDS: u64 = 3 * 24 * 3600;
/// The largest package read.
pub const MAX_PACKAGE_BYTES: usize = 64 * 1024 * 1024;

/// One signed act with its receipt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The signed act's wire form, as a JSON object.
    pub act: serde_json::Value,
    /// Its receipt in the package's tree head.
    pub receipt: Receipt,
}

impl Item {
    /// An act and its receipt.
    pub fn new(act: &SignedAct, receipt: Receipt) -> Self {
        Item {
            act: serde_json::from_slice(act.encoded()).expect("a signed act's bytes are JSON"),
            receipt,
        }
    }

    /// The signed act, read back through the strict decoder from its canonical bytes.
    pub fn signed_act(&self) -> Result<SignedAct, String> {
        let bytes = serde_jcs::to_vec(&self.act).map_err(|e| e.to_string())?;
        SignedAct::decode(&bytes).map_err(|e| e.to_string())
    }
}

/// An evidence package.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    /// Always [`FORMAT`].
    pub format: String,
    /// The consignment.
    pub consignment: ConsignmentId,
    /// The customs authority's root key.
    pub authority: KeyId,
    /// When the package was made.
    pub made_at: Timestamp,
    /// The deployment's offline allowance in seconds.
    pub offline_allowance_seconds: u64,
    /// The signed tree head's text.
    pub checkpoint: String,
    /// Registry acts, each with its receipt.
    pub registry: Vec<Item>,
    /// The consignment's acts, each with its receipt.
    pub acts: Vec<Item>,
}

/// A finding the log's times make: see [`late_sightings`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sighting {
    /// First seen more than the allowance after the act's time.
    SeenLate {
        /// The act's own time.
        at: Timestamp,
        /// When central's log first saw it.
        seen: Timestamp,
        /// The allowance it exceeds, in seconds.
        allowance: u64,
    },
    /// Dated before the signer's revocation, first seen at or after it.
    SeenAfterRevocation {
        /// The signer.
        key: KeyId,
        /// The act's own time.
        at: Timestamp,
        /// When the revocation took effect.
        effective_from: Timestamp,
        /// When central's log first saw the act.
        seen: Timestamp,
    },
}

/// What the log's times say about `act`, first seen at `seen`.
pub fn late_sightings(
    act: &SignedAct,
    seen: Timestamp,
    registry: &Registry,
    allowance: u64,
) -> Vec<Sighting> {
    let at = act.body().at();
    let mut out = Vec::new();
    if seen.seconds_since(&at) > i64::try_from(allowance).unwrap_or(i64::MAX) {
        out.push(Sighting::SeenLate {
            at,
            seen,
            allowance,
        });
    }
    for signature in act.signatures() {
        if let Some(revocation) = registry.revocation(&signature.key) {
            if at < revocation.effective_from && seen >= revocation.effective_from {
                out.push(Sighting::SeenAfterRevocation {
                    key: signature.key.clone(),
                    at,
                    effective_from: revocation.effective_from,
                    seen,
                });
            }
        }
    }
    out
}

/// The discrepancies the log's times make for a consignment's `acts` (those that hold or not:
/// a forged act has no sighting worth a finding, so only acts whose signatures verify count):
/// `seen_late` (major) for an act first seen more than `allowance` seconds after its time, and
/// `seen_after_revocation` (critical) for one dated before a signer's revocation but first seen
/// at or after it, each proven by the act (and the revocation), its summary giving both times.
/// `seen` is when central's log first saw an act (`None`: not yet in the log). A
/// `discrepancy_resolved` act among `acts` naming one resolves it, as in the assessment.
pub fn sighting_discrepancies(
    acts: &[SignedAct],
    seen: &dyn Fn(&ActId) -> Option<Timestamp>,
    registry: &Registry,
    allowance: u64,
) -> Vec<crate::assessment::Discrepancy> {
    use crate::assessment::{discrepancy_id, Discrepancy, DiscrepancyKind, Severity};
    let mut out = Vec::new();
    // An act merged from two nodes may stand twice among a document's acts: one finding each.
    let mut done = std::collections::BTreeSet::new();
    for act in acts {
        if act.verify_signatures().is_err() || !done.insert(act.id()) {
            continue;
        }
        let Some(when) = seen(&act.id()) else {
            continue;
        };
        for sighting in late_sightings(act, when, registry, allowance) {
            let (kind, severity, subject, proof, words) = match &sighting {
                Sighting::SeenLate {
                    at,
                    seen,
                    allowance,
                } => (
                    DiscrepancyKind::SeenLate,
                    Severity::Major,
                    String::new(),
                    vec![act.id()],
                    say!(SeenLate {
                        act_kind: act.body().kind(),
                        at: at.for_people(),
                        seen: seen.for_people(),
                        hours: seen.seconds_since(at) / 3600,
                        allowance: allowance / 3600,
                    }),
                ),
                Sighting::SeenAfterRevocation {
                    key,
                    at,
                    effective_from,
                    seen,
                } => {
                    let mut proof = vec![act.id()];
                    proof.extend(registry.revocation(key).map(|r| r.act));
                    (
                        DiscrepancyKind::SeenAfterRevocation,
                        Severity::Critical,
                        key.to_string(),
                        proof,
                        say!(SeenAfterRevocation {
                            act_kind: act.body().kind(),
                            at: at.for_people(),
                            signer: key.fingerprint(),
                            revoked_from: effective_from.for_people(),
                            seen: seen.for_people(),
                        }),
                    )
                }
            };
            let id = discrepancy_id(kind, &subject, &proof);
            let resolution = acts.iter().find_map(|a| match a.body() {
                crate::ActBody::DiscrepancyResolved(r)
                    if r.discrepancy == id
                        && crate::assessment::resolution::closes(severity, a.id(), r).is_ok() =>
                {
                    Some(crate::assessment::resolution::resolution(a.id(), r))
                }
                _ => None,
            });
            let mut proof = proof;
            proof.sort();
            out.push(Discrepancy {
                id,
                kind,
                severity,
                subject,
                summary: words.english(),
                words,
                acts: proof,
                resolution,
            });
        }
    }
    out
}

/// One act as a verified package shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The act's id.
    pub id: ActId,
    /// Its kind.
    pub kind: &'static str,
    /// Its own time.
    pub at: Timestamp,
    /// When central's log first saw it.
    pub seen: Timestamp,
    /// Its signers' names as enrolled at its time.
    pub signers: Vec<String>,
    /// What is wrong with it; empty when it holds.
    pub refused: Vec<String>,
    /// What the log's times say of it.
    pub sightings: Vec<Sighting>,
}

/// What checking a package found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The tree head.
    pub head: SignedTreeHead,
    /// Registry acts that do not hold, with why.
    pub registry_refused: Vec<(ActId, String)>,
    /// The consignment's acts.
    pub acts: Vec<Checked>,
}

impl Verdict {
    /// Whether everything in the package holds.
    pub fn holds(&self) -> bool {
        self.registry_refused.is_empty() && self.acts.iter().all(|a| a.refused.is_empty())
    }
}

/// Why a package could not be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// Not a package.
    #[error("not a tamga evidence package: {0}")]
    Malformed(String),
    /// Made under another root key than the one trusted.
    #[error("the package is under root key {given}, not the trusted {trusted}")]
    OtherAuthority {
        /// The package's.
        given: KeyId,
        /// The reader's.
        trusted: KeyId,
    },
    /// The tree head or a receipt does not hold.
    #[error(transparent)]
    Log(#[from] LogError),
}

/// Reads a package's bytes.
pub fn read(bytes: &[u8]) -> Result<Package, PackageError> {
    if bytes.len() > MAX_PACKAGE_BYTES {
        return Err(PackageError::Malformed("larger than 64 MiB".into()));
    }
    let package: Package =
        serde_json::from_slice(bytes).map_err(|e| PackageError::Malformed(e.to_string()))?;
    if package.format != FORMAT {
        return Err(PackageError::Malformed(format!(
            "format {:?}, expected {FORMAT:?}",
            package.format
        )));
    }
    Ok(package)
}

/// Checks a package as §14.6 says, against the root key the reader trusts.
pub fn verify(package: &Package, trusted: &KeyId) -> Result<Verdict, PackageError> {
    if &package.authority != trusted {
        return Err(PackageError::OtherAuthority {
            given: package.authority.clone(),
            trusted: trusted.clone(),
        });
    }
    let head = SignedTreeHead::parse(&package.checkpoint)?;
    let mut registry_acts = Vec::new();
    for item in &package.registry {
        let act = item.signed_act().map_err(PackageError::Malformed)?;
        check_receipt(&act, item, &head)?;
        registry_acts.push(act);
    }
    let (registry, refused) = Registry::from_acts(trusted.clone(), &registry_acts);
    head.verify(&registry)?;
    let mut acts = Vec::new();
    for item in &package.acts {
        let act = item.signed_act().map_err(PackageError::Malformed)?;
        check_receipt(&act, item, &head)?;
        let at = act.body().at();
        let mut refusals = Vec::new();
        if act.body().consignment() != Some(&package.consignment) {
            refusals.push("names another consignment".to_owned());
        }
        if let Err(e) = act.verify_signatures() {
            refusals.push(e.to_string());
        }
        let mut signers = Vec::new();
        for signature in act.signatures() {
            let named = registry.signer_at(&signature.key, at);
            match named.enrollment {
                Some(e) => signers.push(format!("{} ({}, {})", e.holder, e.role.as_str(), e.unit)),
                None => signers.push(signature.key.fingerprint()),
            }
            // Enrolled, in force and not revoked at the act's time, in a role that may sign
            // its kind (section 9), a resolution's second signature a supervisor's (9.2).
            if let Err(e) = registry.enrollment_at(
                &signature.key,
                at,
                crate::registry::roles_for_signer(act.body(), &signature.key),
            ) {
                refusals.push(format!("{}: {e}", signature.key.fingerprint()));
            }
        }
        if let crate::ActBody::DiscrepancyResolved(r) = act.body() {
            if let Some(supervisor) = &r.supervisor {
                if let Err(e) = registry.two_people(&r.officer, supervisor, at) {
                    refusals.push(e.to_string());
                }
            }
        }
        acts.push(Checked {
            id: act.id(),
            kind: act.body().kind(),
            at,
            seen: item.receipt.seen,
            signers,
            refused: refusals,
            sightings: late_sightings(
                &act,
                item.receipt.seen,
                &registry,
                package.offline_allowance_seconds,
            ),
        });
    }
    Ok(Verdict {
        head,
        registry_refused: refused
            .into_iter()
            .map(|(id, e)| (id, e.to_string()))
            .collect(),
        acts,
    })
}

fn check_receipt(act: &SignedAct, item: &Item, head: &SignedTreeHead) -> Result<(), LogError> {
    if item.receipt.act != act.id() {
        return Err(LogError::Proof(format!(
            "the receipt is for act {}, not {}",
            item.receipt.act.short(),
            act.id().short()
        )));
    }
    item.receipt.verify(&head.head)
}
