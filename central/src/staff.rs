//! Reconciliation staff close discrepancies: a `discrepancy_resolved` act signed with the staff
//! member's own officer key, kept encrypted under their PIN in central's keystore (`officers/`,
//! the same format as an edge node's).
//!
//! [`resolution`] is the functional core (the assessment, the registry, the form and the time
//! in, the act's body or a refusal out); [`resolve`] unlocks the key under the server's PIN
//! throttle ([`crate::shared::Shared::pins`]), signs and records.
//! The signer's enrollment is checked before the PIN is tried, and nothing is recorded unless
//! every check passes.
//!
//! The two-person rule (tamga-core's `assessment::resolution`): a critical discrepancy's
//! resolution names a supervisor; [`resolve`] then gives back the first staff member's
//! signature unrecorded, for the caller to keep pending (`crate::pending`) until that supervisor
//! countersigns; only the act with both signatures is recorded.

use crate::central::Central;
use serde::Deserialize;
use tamga_core::act::DiscrepancyResolved;
use tamga_core::assessment::DiscrepancyId;
use tamga_core::codes::Text;
use tamga_core::{ActBody, Assessment, ConsignmentId, KeyId, Registry, Role, SignedAct, Timestamp};
use tamga_node::keystore::{Keystore, KeystoreError, Throttle};
use tamga_store::StoreError;

/// The keystore's directory in central's data directory.
pub const OFFICERS_DIR: &str = "officers";

/// What staff send to resolve a discrepancy.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveForm {
    /// The consignment.
    pub consignment: String,
    /// The staff member's key.
    pub officer: String,
    /// Their PIN.
    pub pin: String,
    /// Why the discrepancy is closed.
    pub reason: String,
    /// The supervisor who is to give the second signature: required for a critical
    /// discrepancy, refused for any other.
    #[serde(default)]
    pub supervisor: Option<String>,
}

/// What a resolution did (one per request: the variants' sizes do not matter).
#[allow(clippy::large_enum_variant)]
pub enum Resolved {
    /// Recorded: one signature was enough.
    Recorded(SignedAct),
    /// Signed by the first staff member only (nothing recorded): it awaits the supervisor's
    /// signature.
    FirstSignature {
        /// The act's body, naming the supervisor.
        body: DiscrepancyResolved,
        /// The first signature.
        signature: tamga_core::signing::ActSignature,
    },
}

/// Why a resolution was refused. Nothing was recorded.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// A field is wrong.
    #[error("{0}")]
    Form(String),
    /// No such consignment or discrepancy.
    #[error("{0}")]
    NotFound(String),
    /// Already resolved.
    #[error("discrepancy {id} was already resolved by act {act}; nothing was signed")]
    AlreadyResolved {
        /// The discrepancy.
        id: String,
        /// The resolving act.
        act: String,
    },
    /// The signer may not resolve discrepancies.
    #[error("{0}")]
    NotAllowed(String),
    /// The key could not be unlocked.
    #[error(transparent)]
    Key(#[from] KeystoreError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The pending resolutions' folder.
    #[error("{0}")]
    Pending(String),
}

impl ResolveError {
    /// The HTTP status for the error.
    pub fn status(&self) -> u16 {
        match self {
            ResolveError::Form(_) => 400,
            ResolveError::NotFound(_) => 404,
            ResolveError::AlreadyResolved { .. } => 409,
            ResolveError::NotAllowed(_) => 403,
            ResolveError::Key(KeystoreError::WrongPin { .. }) => 403,
            ResolveError::Key(KeystoreError::TryLater { .. }) => 429,
            ResolveError::Key(KeystoreError::UnknownKey { .. }) => 404,
            ResolveError::Key(KeystoreError::PinTooShort { .. }) => 400,
            ResolveError::Key(_) => 500,
            ResolveError::Store(StoreError::InvalidAct { .. }) => 422,
            ResolveError::Store(StoreError::DiskFull { .. }) => 507,
            ResolveError::Store(_) => 500,
            ResolveError::Pending(_) => 500,
        }
    }
}

/// The checked fields of a form.
pub struct Checked {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// The discrepancy.
    pub discrepancy: DiscrepancyId,
    /// The staff member's key.
    pub officer: KeyId,
    /// The reason.
    pub reason: Text,
    /// The supervisor named for the second signature.
    pub supervisor: Option<KeyId>,
}

/// Checks the form's fields and the discrepancy id from the path.
pub fn check_form(discrepancy: &str, form: &ResolveForm) -> Result<Checked, ResolveError> {
    let field = |name: &str, e: &dyn std::fmt::Display| ResolveError::Form(format!("{name}: {e}"));
    Ok(Checked {
        consignment: ConsignmentId::new(form.consignment.trim())
            .map_err(|e| field("consignment", &e))?,
        discrepancy: DiscrepancyId::new(discrepancy.trim())
            .map_err(|e| field("discrepancy", &e))?,
        officer: KeyId::new(form.officer.trim()).map_err(|e| field("officer", &e))?,
        reason: Text::new(form.reason.trim()).map_err(|e| {
            field(
                "reason",
                &format!("{e} (say why the discrepancy is closed)"),
            )
        })?,
        supervisor: match form.supervisor.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(key) => Some(KeyId::new(key).map_err(|e| field("supervisor", &e))?),
        },
    })
}

/// The body of the resolution, if the discrepancy is open in `assessment` and the officer is
/// enrolled as central staff at `now`.
pub fn resolution(
    assessment: &Assessment,
    registry: &Registry,
    form: &Checked,
    now: Timestamp,
) -> Result<DiscrepancyResolved, ResolveError> {
    let Some(found) = assessment
        .discrepancies
        .iter()
        .find(|d| d.id == form.discrepancy)
    else {
        return Err(ResolveError::NotFound(format!(
            "consignment {} has no discrepancy {} now (it may have been superseded: reload the queue)",
            form.consignment, form.discrepancy
        )));
    };
    if let Some(r) = &found.resolution {
        return Err(ResolveError::AlreadyResolved {
            id: found.id.to_string(),
            act: r.act.to_hex(),
        });
    }
    registry
        .enrollment_at(&form.officer, now, &[Role::CentralStaff, Role::Supervisor])
        .map_err(|e| {
            ResolveError::NotAllowed(format!(
                "key {} may not resolve discrepancies now: {e}. Staff need a key enrolled as central_staff or supervisor",
                form.officer
            ))
        })?;
    let critical = tamga_core::assessment::resolution::needs_two(found.severity);
    match (&form.supervisor, critical) {
        (None, true) => {
            return Err(ResolveError::Form(format!(
                "supervisor: discrepancy {} is critical, so it is closed by two people: name the supervisor who is to give the second signature",
                found.id
            )))
        }
        (Some(_), false) => {
            return Err(ResolveError::Form(format!(
                "supervisor: discrepancy {} is {}, and one signature closes it; leave the supervisor out",
                found.id,
                found.severity.as_str()
            )))
        }
        (Some(supervisor), true) => {
            if supervisor == &form.officer {
                return Err(ResolveError::NotAllowed(
                    "the second signature must be another staff member's: name a supervisor other than yourself".into(),
                ));
            }
            registry
                .enrollment_at(supervisor, now, &[Role::Supervisor])
                .map_err(|e| {
                    ResolveError::NotAllowed(format!(
                        "key {supervisor} may not give the second signature now: {e}. The second signature is a supervisor's"
                    ))
                })?;
            registry
                .two_people(&form.officer, supervisor, now)
                .map_err(|e| ResolveError::NotAllowed(e.to_string()))?;
        }
        (None, false) => {}
    }
    Ok(DiscrepancyResolved {
        consignment: form.consignment.clone(),
        at: now,
        officer: form.officer.clone(),
        discrepancy: form.discrepancy.clone(),
        reason: form.reason.clone(),
        supervisor: form.supervisor.clone(),
    })
}

/// The consignment's assessment at `now` as staff resolve against it: the rules' findings and
/// the log's (seen late, seen after a revocation).
pub fn current_assessment(
    central: &Central,
    consignment: &ConsignmentId,
    now: Timestamp,
) -> Result<(Registry, Assessment), ResolveError> {
    let doc = tamga_store::DocId::Consignment(consignment.clone());
    let acts = central.store.acts(&doc)?;
    if acts.is_empty() {
        return Err(ResolveError::NotFound(format!(
            "central holds no consignment {consignment}"
        )));
    }
    let registry = central.store.registry();
    let assessment = crate::reconcile::sightings::with_sightings(
        &central.store,
        &registry,
        central.store.assessment(consignment, now)?,
        &acts,
        central.config.offline_allowance_seconds,
    );
    Ok((registry, assessment))
}

/// Resolves discrepancy `discrepancy` as `form` asks: checks, unlocks the officer's key with
/// the PIN under `pins` (the process's throttle over central's store), signs and records the
/// act (durable when this returns).
pub fn resolve(
    central: &Central,
    pins: &Throttle,
    discrepancy: &str,
    form: &ResolveForm,
    now: Timestamp,
) -> Result<Resolved, ResolveError> {
    let checked = check_form(discrepancy, form)?;
    let (registry, assessment) = current_assessment(central, &checked.consignment, now)?;
    let body = resolution(&assessment, &registry, &checked, now)?;
    let keystore = Keystore::open(central.dir.join(OFFICERS_DIR))?;
    let key = keystore.unlock(&checked.officer, &form.pin, pins)?;
    if body.supervisor.is_some() {
        let id = tamga_core::signing::act_id(&ActBody::DiscrepancyResolved(body.clone()));
        let signature = tamga_core::signing::ActSignature::create(&id, &key);
        return Ok(Resolved::FirstSignature { body, signature });
    }
    let act = SignedAct::sign(ActBody::DiscrepancyResolved(body), &[&key])
        .map_err(|e| ResolveError::Form(e.to_string()))?;
    central.store.record(&act)?;
    tracing::info!(act = %act.id(), discrepancy = %checked.discrepancy, consignment = %checked.consignment, officer = %checked.officer, "discrepancy resolved");
    Ok(Resolved::Recorded(act))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::act::SealState;
    use tamga_core::fixtures::Story;
    use tamga_core::{assess, DiscrepancyKind, Tolerances};

    fn form(story: &Story, officer: &KeyId, reason: &str) -> ResolveForm {
        ResolveForm {
            consignment: story.consignment.to_string(),
            officer: officer.to_string(),
            pin: "123456".into(),
            reason: reason.into(),
            supervisor: Some(story.supervisor.id.to_string()),
        }
    }

    #[test]
    fn only_open_discrepancies_and_central_staff() {
        let story = Story::new();
        let mut acts = story.clean_delivery()[..5].to_vec();
        acts.push(story.seal_checked(60, SealState::Damaged));
        let registry = story.registry();
        let a = assess(
            &story.consignment,
            &acts,
            &registry,
            story.t(70),
            &Tolerances::default(),
        );
        let damaged = a
            .discrepancies
            .iter()
            .find(|d| d.kind == DiscrepancyKind::SealDamaged)
            .unwrap();
        let staff = form(
            &story,
            &story.central_staff.id,
            "bag replaced at the Department, report 17",
        );
        let checked = check_form(damaged.id.as_str(), &staff).unwrap();
        let body = resolution(&a, &registry, &checked, story.t(70)).unwrap();
        assert_eq!(body.discrepancy, damaged.id);
        assert_eq!(body.supervisor.as_ref(), Some(&story.supervisor.id));

        // A damaged seal is critical: the supervisor is named, another person, a supervisor.
        let alone = ResolveForm {
            supervisor: None,
            ..staff.clone()
        };
        let err = resolution(
            &a,
            &registry,
            &check_form(damaged.id.as_str(), &alone).unwrap(),
            story.t(70),
        )
        .unwrap_err();
        assert_eq!(err.status(), 400, "{err}");
        assert!(err.to_string().contains("two people"), "{err}");
        for (officer, supervisor) in [
            (&story.supervisor, &story.supervisor),
            (&story.central_staff, &story.central_staff),
            (&story.supervisor, &story.central_staff),
        ] {
            let f = ResolveForm {
                officer: officer.id.to_string(),
                supervisor: Some(supervisor.id.to_string()),
                ..staff.clone()
            };
            let err = resolution(
                &a,
                &registry,
                &check_form(damaged.id.as_str(), &f).unwrap(),
                story.t(70),
            )
            .unwrap_err();
            assert_eq!(err.status(), 403, "{err}");
        }

        // Resolved, it no longer resolves; a post officer may not resolve; bad fields are named.
        let act = story.sign(
            ActBody::DiscrepancyResolved(body),
            &[&story.central_staff, &story.supervisor],
        );
        acts.push(act);
        let after = assess(
            &story.consignment,
            &acts,
            &registry,
            story.t(71),
            &Tolerances::default(),
        );
        assert!(matches!(
            resolution(&after, &registry, &checked, story.t(71)),
            Err(ResolveError::AlreadyResolved { .. })
        ));
        assert!(!after.has_open(DiscrepancyKind::SealDamaged));
        let post = check_form(
            damaged.id.as_str(),
            &form(&story, &story.airport_officer.id, "fine"),
        )
        .unwrap();
        let err = resolution(&a, &registry, &post, story.t(70)).unwrap_err();
        assert_eq!(err.status(), 403, "{err}");
        let unknown = check_form(&"0".repeat(64), &staff).unwrap();
        assert_eq!(
            resolution(&a, &registry, &unknown, story.t(70))
                .unwrap_err()
                .status(),
            404
        );
        for (bad, field) in [
            (form(&story, &story.central_staff.id, "  "), "reason"),
            (
                ResolveForm {
                    consignment: "x".into(),
                    ..staff.clone()
                },
                "consignment",
            ),
            (
                ResolveForm {
                    officer: "abc".into(),
                    ..staff.clone()
                },
                "officer",
            ),
        ] {
            let err = check_form(damaged.id.as_str(), &bad).err().unwrap();
            assert!(err.to_string().starts_with(field), "{err}");
        }
        assert!(check_form("not-hex", &staff).is_err());
    }
}
