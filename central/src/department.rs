//! The Precious Metals Department's signed figures file (`docs/department-figures.md`):
//! `{"figures": {...}, "signed_by": "<key>", "signature": "<hex>"}`, the signature ed25519
//! (`verify_strict`) over [`CONTEXT`] followed by the RFC 8785 canonical bytes of `figures`.
//!
//! [`load`] is pure: the file's bytes, the registry and the time of loading in, the figures and
//! who signed them out, or a [`FiguresError`] saying why not. It refuses a file over
//! [`MAX_FILE_BYTES`], JSON that is not the format (unknown fields, decimals not in their one
//! spelling), a bad signature, and a signer not enrolled as `precious_metals_officer` at the
//! time of loading. [`sign`] makes such a file from figures and a key, for the Department's
//! side and the tests: central keeps no Department key. [`compare_with_central`] is the shell:
//! it loads a file and compares its figures with the reconciliation central's report endpoint
//! computes for the same period, from the same consignments ([`crate::exports::gather_for_period`]).

use crate::central::Central;
use crate::reconcile::Reconciler;
use crate::reports::department::{Comparison, DepartmentFigures, Period};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use tamga_core::registry::AuthorizationError;
use tamga_core::{KeyId, Registry, Role, Timestamp};

/// What the signature is over, before the figures' canonical bytes.
pub const CONTEXT: &[u8] = b"tamga/department-figures/v1\0";

/// The largest figures file taken.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// The file as written.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedFigures {
    /// The figures, as signed.
    pub figures: serde_json::Value,
    /// The signer's public key, 64 hex digits.
    pub signed_by: String,
    /// The ed25519 signature, 128 hex digits.
    pub signature: String,
}

/// The file read with typed figures, so that every object is checked for unknown and repeated
/// fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Typed {
    figures: DepartmentFigures,
    #[allow(dead_code)]
    signed_by: String,
    #[allow(dead_code)]
    signature: String,
}

/// Figures whose file holds: verified, signed by a Department officer in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Loaded {
    /// The figures.
    pub figures: DepartmentFigures,
    /// Who signed them.
    pub signed_by: KeyId,
    /// The signer's name, as enrolled.
    pub holder: String,
    /// The signer's unit.
    pub unit: String,
}

/// Why a figures file was refused. Nothing was compared or recorded.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FiguresError {
    /// Over [`MAX_FILE_BYTES`].
    #[error("the file is larger than {MAX_FILE_BYTES} bytes: not a Department figures file")]
    TooLarge,
    /// Not the format.
    #[error("not a Department figures file: {0}")]
    Malformed(String),
    /// The signature does not verify.
    #[error("the signature does not verify for key {0}: the figures were changed after signing, or signed with another key")]
    BadSignature(String),
    /// The signer is not a Department officer in force.
    #[error("the signer may not sign the Department's figures: {0}")]
    Signer(String),
}

/// The bytes signed: [`CONTEXT`] and the canonical bytes of `figures`.
pub fn message(figures: &serde_json::Value) -> Result<Vec<u8>, FiguresError> {
    let canonical = serde_jcs::to_vec(figures).map_err(|e| {
        FiguresError::Malformed(format!("the figures have no canonical form ({e})"))
    })?;
    let mut m = CONTEXT.to_vec();
    m.extend_from_slice(&canonical);
    Ok(m)
}

/// The file for `figures` signed with `key`.
pub fn sign(figures: &serde_json::Value, key: &SigningKey) -> Result<SignedFigures, FiguresError> {
    let signature = key.sign(&message(figures)?);
    Ok(SignedFigures {
        figures: figures.clone(),
        signed_by: tamga_core::signing::key_id(key).to_string(),
        signature: hex::encode(signature.to_bytes()),
    })
}

/// Reads and verifies a figures file loaded at `now` against `registry`.
pub fn load(bytes: &[u8], registry: &Registry, now: Timestamp) -> Result<Loaded, FiguresError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FiguresError::TooLarge);
    }
    let malformed = |e: serde_json::Error| FiguresError::Malformed(e.to_string());
    let typed: Typed = serde_json::from_slice(bytes).map_err(malformed)?;
    let file: SignedFigures = serde_json::from_slice(bytes).map_err(malformed)?;
    typed.figures.check().map_err(FiguresError::Malformed)?;
    let signer = KeyId::new(&file.signed_by)
        .map_err(|e| FiguresError::Malformed(format!("signed_by: {e}")))?;
    let key: [u8; 32] = hex::decode(signer.as_str())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| FiguresError::Malformed("signed_by is not a public key".into()))?;
    let key = VerifyingKey::from_bytes(&key)
        .map_err(|_| FiguresError::Malformed("signed_by is not a public key".into()))?;
    let signature: [u8; 64] = hex::decode(&file.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| FiguresError::Malformed("signature: expected 128 hex digits".into()))?;
    key.verify_strict(&message(&file.figures)?, &Signature::from_bytes(&signature))
        .map_err(|_| FiguresError::BadSignature(signer.to_string()))?;
    let enrollment = registry
        .enrollment_at(&signer, now, &[Role::PreciousMetalsOfficer])
        .map_err(|e| {
            FiguresError::Signer(match e {
                AuthorizationError::RoleNotPermitted { key, role, .. } => format!(
                    "key {key} is enrolled as {role} at {now}, not as precious_metals_officer: only the Precious Metals Department's officers sign its figures"
                ),
                e => e.to_string(),
            })
        })?;
    Ok(Loaded {
        figures: typed.figures,
        signed_by: signer,
        holder: enrollment.holder.clone(),
        unit: enrollment.unit.to_string(),
    })
}

/// Why a comparison was not made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The file was refused.
    #[error("refused: {0}")]
    Refused(#[from] FiguresError),
    /// Central could not compute its side.
    #[error("{0}")]
    Failed(String),
}

/// What a comparison answers: who signed the figures, and every difference.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Compared {
    /// The signer's key.
    pub signed_by: KeyId,
    /// Their name, as enrolled.
    pub holder: String,
    /// Their unit.
    pub unit: String,
    /// The comparison.
    pub comparison: Comparison,
}

/// Loads the figures file `bytes` at `now` and compares its figures with central's
/// reconciliation for their period, as `GET /api/reports/reconciliation` computes it. Central
/// opened here: a reconciler over its store is filled first.
pub fn compare_with_central(
    central: &Central,
    bytes: &[u8],
    now: Timestamp,
) -> Result<Compared, CompareError> {
    let loaded = load(bytes, &central.store.registry(), now)?;
    let reconciler = Reconciler::new(std::sync::Arc::clone(&central.store))
        .with_offline_allowance(central.config.offline_allowance_seconds);
    reconciler
        .full(now)
        .map_err(|e| CompareError::Failed(e.to_string()))?;
    compare_loaded(&reconciler, &central.store, loaded, now)
}

/// Compares figures already loaded with the reconciliation from `reconciler`'s index (the
/// running server's, or one filled for the command line).
pub fn compare_loaded(
    reconciler: &Reconciler,
    store: &tamga_store::Store,
    loaded: Loaded,
    now: Timestamp,
) -> Result<Compared, CompareError> {
    let failed = |e: &dyn std::fmt::Display| CompareError::Failed(e.to_string());
    let Period { from, until } = loaded.figures.period;
    let gathered = crate::exports::gather_for_period(reconciler, store, from, until, now)
        .map_err(|e| failed(&e))?;
    let mut report =
        crate::reports::reconciliation(&gathered.records(), from, until).map_err(|e| failed(&e))?;
    report.skipped.extend(gathered.skipped);
    let comparison = crate::reports::department::compare(&loaded.figures, &report);
    Ok(Compared {
        signed_by: loaded.signed_by,
        holder: loaded.holder,
        unit: loaded.unit,
        comparison,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::{at, Story};

    fn figures() -> serde_json::Value {
        serde_json::json!({
            "period": {"from": "2026-11-01T00:00:00Z", "until": "2026-12-01T00:00:00Z"},
            "rows": [{
                "direction": "import", "heading": "7102", "consignments": 1,
                "quantity": {"ct": "1250.35"}, "net_mass_g": "250.07",
                "values": [{"currency": "USD", "amount": "1875525.00"}],
                "state_control_certificates": 0
            }]
        })
    }

    fn bytes(file: &SignedFigures) -> Vec<u8> {
        serde_json::to_vec_pretty(file).unwrap()
    }

    #[test]
    fn a_department_officers_file_loads_and_every_other_is_refused_saying_why() {
        let story = Story::new();
        let registry = story.registry();
        let now = at("2026-12-02T09:00:00Z");
        let good = sign(&figures(), &story.department_officer.key).unwrap();
        let loaded = load(&bytes(&good), &registry, now).unwrap();
        assert_eq!(loaded.signed_by, story.department_officer.id);
        assert_eq!(loaded.figures.rows[0].heading, "7102");

        // Key order and spacing are not signed: the canonical form is.
        let mut reordered = serde_json::to_string(&good).unwrap();
        reordered = reordered.replace("{\"figures\"", "{ \"figures\"");
        assert!(load(reordered.as_bytes(), &registry, now).is_ok());

        let mut tampered = good.clone();
        tampered.figures["rows"][0]["quantity"]["ct"] = "1250.36".into();
        let e = load(&bytes(&tampered), &registry, now).unwrap_err();
        assert!(matches!(e, FiguresError::BadSignature(_)), "{e}");

        let airport = sign(&figures(), &story.airport_officer.key).unwrap();
        let e = load(&bytes(&airport), &registry, now).unwrap_err();
        assert!(e.to_string().contains("post_officer"), "{e}");
        assert!(e.to_string().contains("precious_metals_officer"), "{e}");

        let outsider = sign(&figures(), &story.outsider.key).unwrap();
        let e = load(&bytes(&outsider), &registry, now).unwrap_err();
        assert!(e.to_string().contains("not enrolled"), "{e}");

        // Out of force when loaded (the story's enrollments end on 2028-01-01).
        let e = load(&bytes(&good), &registry, at("2028-02-01T00:00:00Z")).unwrap_err();
        assert!(e.to_string().contains("was not valid"), "{e}");

        let mut extra = serde_json::to_value(&good).unwrap();
        extra["comment"] = "hello".into();
        let e = load(extra.to_string().as_bytes(), &registry, now).unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");

        let mut sloppy = figures();
        sloppy["rows"][0]["net_mass_g"] = "250,07".into();
        let signed = sign(&sloppy, &story.department_officer.key).unwrap();
        let e = load(&bytes(&signed), &registry, now).unwrap_err();
        assert!(matches!(e, FiguresError::Malformed(_)), "{e}");

        let twice = String::from_utf8(bytes(&good)).unwrap().replacen(
            "\"rows\"",
            "\"period\": {}, \"rows\"",
            1,
        );
        assert!(load(twice.as_bytes(), &registry, now).is_err());

        let huge = vec![b' '; MAX_FILE_BYTES + 1];
        assert_eq!(load(&huge, &registry, now), Err(FiguresError::TooLarge));
        assert!(load(b"not json", &registry, now).is_err());
    }
}
