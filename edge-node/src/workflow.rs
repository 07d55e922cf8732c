//! The officer's workflows as pure functions: a form (an act's own JSON without `at`) becomes an
//! act body; a consignment's assessment becomes the list row and the handoff prefill people see.
//!
//! Nothing here reads a clock, a file or a key: the node passes the time and does the signing
//! and recording (the desk).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tamga_core::act::{ActBody, ConsignmentRegistered, CustodyTransferred, SealObservation};
use tamga_core::assessment::seals::SealStatus;
use tamga_core::quantity::Mass;
use tamga_core::{ActId, Assessment, KeyId, Severity, Timestamp};

/// Why a form was refused. The message names the field and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FormError(pub String);

/// Act kinds an officer records with one signature from this node's forms. A handoff needs two
/// signatures (see [`offer_from_form`]); resolving discrepancies is central staff's work; the
/// registry is the authority's.
pub const SINGLE_SIGNER_KINDS: &[&str] = &[
    "consignment_registered",
    "seal_applied",
    "seal_checked",
    "seal_removed",
    "seal_replaced",
    "escort_assigned",
    "incident_reported",
    "position_reported",
    "arrival_notified",
    "consignment_delivered",
    "permission_granted",
    "act_corrected",
    "escort_changed",
    "deadline_extended",
    "incident_followed_up",
    "delivery_refused",
    "consignment_returned",
    "department_notified",
    "expertise_concluded",
    "state_control_act_drawn",
    "certificates_issued",
    "kpc_returned",
    "kp_coupon_returned",
];

/// The acts that amend the record or end transit: before one is recorded the desk assesses the
/// consignment with it, and refuses it (recording nothing) if it would not hold (a correction
/// after the first handoff without a permit, a return without a refusal or a permit, a delivery
/// after transit ended, ...).
pub const CHECKED_KINDS: &[&str] = &[
    "permission_granted",
    "act_corrected",
    "escort_changed",
    "deadline_extended",
    "incident_followed_up",
    "delivery_refused",
    "consignment_returned",
    "consignment_delivered",
    "department_notified",
    "expertise_concluded",
    "state_control_act_drawn",
    "certificates_issued",
    "kpc_returned",
    "kp_coupon_returned",
];

/// Splits the officer's PIN off a form. The PIN never goes into an act.
pub fn take_pin(form: &mut Value) -> Result<String, FormError> {
    let object = form
        .as_object_mut()
        .ok_or_else(|| FormError("the form must be a JSON object".into()))?;
    match object.remove("pin") {
        Some(Value::String(pin)) => Ok(pin),
        Some(_) => Err(FormError("pin: must be text".into())),
        None => Err(FormError(
            "pin: the signing officer's PIN is required".into(),
        )),
    }
}

fn with_time(form: Value, at: Timestamp) -> Result<Map<String, Value>, FormError> {
    let Value::Object(mut object) = form else {
        return Err(FormError("the form must be a JSON object".into()));
    };
    if object.contains_key("at") {
        return Err(FormError(
            "at: the node sets the time of an act from its own clock; leave it out".into(),
        ));
    }
    object.insert("at".into(), Value::String(at.to_rfc3339()));
    Ok(object)
}

/// Reads one act kind's fields, naming the field at fault (an internally tagged enum would
/// lose the path).
fn fields<T: serde::de::DeserializeOwned>(object: Map<String, Value>) -> Result<T, FormError> {
    fields_at(object, None)
}

/// [`fields`] of an object found at `prefix` in the form.
fn fields_at<T: serde::de::DeserializeOwned>(
    object: Map<String, Value>,
    prefix: Option<&str>,
) -> Result<T, FormError> {
    serde_path_to_error::deserialize(Value::Object(object)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        match (prefix, path.as_str()) {
            (None, ".") => FormError(inner),
            (None, _) => FormError(format!("{path}: {inner}")),
            (Some(p), ".") => FormError(format!("{p}: {inner}")),
            (Some(p), _) => FormError(format!("{p}.{path}: {inner}")),
        }
    })
}

/// A correction's `changes` are tagged by the corrected act's kind; read them as that kind's
/// fields first, so that an error names the field (`changes.seal: ...`), which the tagged enum
/// would not.
fn check_changes(object: &Map<String, Value>) -> Result<(), FormError> {
    use tamga_core::act::{EscortFields, IncidentFields, RegistrationFields, SealFields};
    let Some(changes) = object.get("changes") else {
        return Ok(());
    };
    let Value::Object(changes) = changes else {
        return Err(FormError(
            "changes: the changed fields, as an object with the corrected act's \"kind\"".into(),
        ));
    };
    let mut fields_only = changes.clone();
    let kind = match fields_only.remove("kind") {
        Some(Value::String(k)) => k,
        _ => {
            return Err(FormError(
                "changes.kind: the kind of the act corrected (consignment_registered, seal_applied, escort_assigned or incident_reported)".into(),
            ))
        }
    };
    if fields_only.is_empty() {
        return Err(FormError(
            "changes: name at least one field with its corrected value".into(),
        ));
    }
    let at = Some("changes");
    match kind.as_str() {
        "consignment_registered" => fields_at::<RegistrationFields>(fields_only, at).map(drop),
        "seal_applied" => fields_at::<SealFields>(fields_only, at).map(drop),
        "escort_assigned" => fields_at::<EscortFields>(fields_only, at).map(drop),
        "incident_reported" => fields_at::<IncidentFields>(fields_only, at).map(drop),
        other => Err(FormError(format!(
            "changes.kind: a {other} act cannot be corrected; only consignment_registered, seal_applied, escort_assigned and incident_reported acts can"
        ))),
    }
}

fn decode_body(mut object: Map<String, Value>) -> Result<ActBody, FormError> {
    let kind = match object.remove("kind") {
        Some(Value::String(k)) => k,
        _ => return Err(FormError("kind: which act (seal_checked, ...)".into())),
    };
    let body = match kind.as_str() {
        "consignment_registered" => ActBody::ConsignmentRegistered(fields(object)?),
        "seal_applied" => ActBody::SealApplied(fields(object)?),
        "seal_checked" => ActBody::SealChecked(fields(object)?),
        "seal_removed" => ActBody::SealRemoved(fields(object)?),
        "seal_replaced" => ActBody::SealReplaced(fields(object)?),
        "escort_assigned" => ActBody::EscortAssigned(fields(object)?),
        "custody_transferred" => ActBody::CustodyTransferred(fields(object)?),
        "incident_reported" => ActBody::IncidentReported(fields(object)?),
        "position_reported" => ActBody::PositionReported(fields(object)?),
        "arrival_notified" => ActBody::ArrivalNotified(fields(object)?),
        "consignment_delivered" => ActBody::ConsignmentDelivered(fields(object)?),
        "permission_granted" => ActBody::PermissionGranted(fields(object)?),
        "act_corrected" => {
            check_changes(&object)?;
            ActBody::ActCorrected(fields(object)?)
        }
        "escort_changed" => ActBody::EscortChanged(fields(object)?),
        "deadline_extended" => ActBody::DeadlineExtended(fields(object)?),
        "incident_followed_up" => ActBody::IncidentFollowedUp(fields(object)?),
        "delivery_refused" => ActBody::DeliveryRefused(fields(object)?),
        "consignment_returned" => ActBody::ConsignmentReturned(fields(object)?),
        "department_notified" => ActBody::DepartmentNotified(fields(object)?),
        "expertise_concluded" => ActBody::ExpertiseConcluded(fields(object)?),
        "state_control_act_drawn" => ActBody::StateControlActDrawn(fields(object)?),
        "certificates_issued" => ActBody::CertificatesIssued(fields(object)?),
        "kpc_returned" => ActBody::KpcReturned(fields(object)?),
        "kp_coupon_returned" => ActBody::KpCouponReturned(fields(object)?),
        other => {
            return Err(FormError(format!(
                "kind: {other:?} is not an act recorded here"
            )))
        }
    };
    body.check_content()
        .map_err(|e| FormError(format!("{}: {}", e.field, e.problem)))?;
    Ok(body)
}

/// The act an officer's form describes, performed at `at`. Only [`SINGLE_SIGNER_KINDS`].
pub fn act_from_form(form: Value, at: Timestamp) -> Result<ActBody, FormError> {
    let kind = form
        .get("kind")
        .and_then(Value::as_str)
        .ok_or_else(|| FormError("kind: which act (seal_checked, incident_reported, ...)".into()))?
        .to_owned();
    if !SINGLE_SIGNER_KINDS.contains(&kind.as_str()) {
        return Err(FormError(match kind.as_str() {
            "custody_transferred" => {
                "kind: a handoff is made as an offer and countersigned by the receiving officer"
                    .into()
            }
            other => format!(
                "kind: {other:?} cannot be recorded from this node; one of {}",
                SINGLE_SIGNER_KINDS.join(", ")
            ),
        }));
    }
    decode_body(with_time(form, at)?)
}

/// The handoff an offer form describes: the `custody_transferred` body without `at` and
/// `previous`, which come from the clock and from the last custody act known here.
pub fn offer_from_form(
    form: Value,
    at: Timestamp,
    previous: Option<ActId>,
) -> Result<CustodyTransferred, FormError> {
    let mut object = with_time(form, at)?;
    if object.contains_key("previous") {
        return Err(FormError(
            "previous: the node names the last custody act it knows; leave it out".into(),
        ));
    }
    object.insert("kind".into(), Value::String("custody_transferred".into()));
    if let Some(p) = previous {
        object.insert("previous".into(), Value::String(p.to_string()));
    }
    match decode_body(object)? {
        ActBody::CustodyTransferred(t) => Ok(t),
        _ => unreachable!("the kind was set above"),
    }
}

/// The one officer who signs a single-signer act.
pub fn signer(body: &ActBody) -> &KeyId {
    body.required_signers()[0]
}

/// What the offer form starts from: what this node knows of the consignment. The releasing
/// officer confirms every value before signing.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NextHandoff {
    /// The last custody act known here.
    #[schema(value_type = Option<String>)]
    pub previous: Option<ActId>,
    /// Who holds custody now (the office of departure before the first handoff).
    pub releasing_unit: Option<String>,
    /// The seals in place, as last seen.
    #[schema(value_type = Vec<crate::schemas::SealObservationSchema>)]
    pub seals: Vec<SealObservation>,
    /// Packages as registered.
    pub packages: Option<u32>,
    /// Gross mass as registered (the sum of the goods lines, in the first line's unit when all
    /// lines share it, else in grams).
    #[schema(value_type = Option<crate::schemas::MassSchema>)]
    pub gross_mass: Option<Mass>,
}

/// The prefill for the next handoff of an assessed consignment.
pub fn next_handoff(
    assessment: &Assessment,
    registration: Option<&ConsignmentRegistered>,
) -> NextHandoff {
    let state = &assessment.state;
    let releasing_unit = state
        .custodian
        .as_ref()
        .map(|c| c.unit.to_string())
        .or_else(|| registration.map(|r| r.office_of_departure.to_string()));
    let seals = state
        .seals
        .iter()
        .filter(|(_, s)| s.status == SealStatus::Active)
        .map(|(n, s)| SealObservation {
            seal: n.clone(),
            state: s.last_state,
        })
        .collect();
    NextHandoff {
        previous: state.custody_chain.last().copied(),
        releasing_unit,
        seals,
        packages: registration.map(|r| r.packages),
        gross_mass: registration.and_then(registered_gross_mass),
    }
}

/// The registered gross mass of all goods lines, exactly.
pub fn registered_gross_mass(r: &ConsignmentRegistered) -> Option<Mass> {
    let first = r.goods.first()?.gross_mass.unit;
    if r.goods.iter().all(|g| g.gross_mass.unit == first) {
        let mut total = rust_decimal::Decimal::ZERO;
        for g in &r.goods {
            total = total.checked_add(g.gross_mass.value)?;
        }
        return Some(Mass {
            value: total,
            unit: first,
        });
    }
    let mut grams = rust_decimal::Decimal::ZERO;
    for g in &r.goods {
        grams = grams.checked_add(g.gross_mass.in_grams()?)?;
    }
    Some(Mass {
        value: grams,
        unit: tamga_core::quantity::MassUnit::G,
    })
}

/// One consignment as the list shows it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsignmentRow {
    /// The id.
    pub consignment: String,
    /// Where it stands (`in_transit`, ...).
    pub status: String,
    /// Who holds custody (empty while disputed or before registration).
    pub custodian: Option<String>,
    /// The delivery deadline.
    pub deadline: Option<String>,
    /// The same, for people.
    pub deadline_for_people: Option<String>,
    /// Past the deadline and not delivered.
    pub overdue: bool,
    /// The planned route.
    pub route: Vec<String>,
    /// The goods in a few words.
    pub goods: String,
    /// Open discrepancies.
    pub open_discrepancies: usize,
    /// The most severe open discrepancy.
    #[schema(value_type = Option<crate::schemas::SeveritySchema>)]
    pub worst: Option<Severity>,
}

/// The list row of an assessed consignment, its deadline for people in `zone`.
pub fn row(
    assessment: &Assessment,
    registration: Option<&ConsignmentRegistered>,
    zone: &tamga_node::local_time::LocalTime,
) -> ConsignmentRow {
    let state = &assessment.state;
    let goods = registration
        .map(tamga_store::summary::goods_text)
        .unwrap_or_default();
    ConsignmentRow {
        consignment: assessment.consignment.to_string(),
        status: state.status.as_str().to_owned(),
        custodian: state.custodian.as_ref().map(|c| c.unit.to_string()),
        deadline: state.deadline.map(|d| d.to_rfc3339()),
        deadline_for_people: state.deadline.map(|d| zone.for_people(d)),
        overdue: state.overdue,
        route: registration
            .map(|r| r.route.iter().map(|u| u.to_string()).collect())
            .unwrap_or_default(),
        goods,
        open_discrepancies: assessment.open_discrepancies().count(),
        worst: assessment.open_discrepancies().map(|d| d.severity).min(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tamga_core::fixtures::Story;
    use tamga_core::Tolerances;

    fn seal_check_form(story: &Story) -> Value {
        json!({
            "kind": "seal_checked",
            "consignment": story.consignment.as_str(),
            "officer": story.escort_second.id.as_str(),
            "place": {"type": "road", "description": "Bishkek ring road, km 14"},
            "seal": "KG-0042137",
            "state": "intact",
        })
    }

    #[test]
    fn a_form_is_the_act_without_its_time() {
        let story = Story::new();
        let body = act_from_form(seal_check_form(&story), story.t(60)).unwrap();
        assert_eq!(body.kind(), "seal_checked");
        assert_eq!(body.at(), story.t(60));
        assert_eq!(signer(&body), &story.escort_second.id);
    }

    #[test]
    fn forms_that_do_not_make_a_valid_act_name_the_field() {
        let story = Story::new();
        let mut form = seal_check_form(&story);
        form["at"] = json!("2026-11-23T07:00:00Z");
        let e = act_from_form(form, story.t(60)).unwrap_err();
        assert!(e.0.starts_with("at:"), "{e}");

        let mut form = seal_check_form(&story);
        form["state"] = json!("broken");
        let e = act_from_form(form, story.t(60)).unwrap_err();
        assert!(e.0.starts_with("state:") && e.0.contains("intact"), "{e}");

        let mut form = seal_check_form(&story);
        form["kind"] = json!("custody_transferred");
        let e = act_from_form(form, story.t(60)).unwrap_err();
        assert!(e.0.contains("offer"), "{e}");

        let mut form = seal_check_form(&story);
        form["kind"] = json!("key_enrolled");
        assert!(act_from_form(form, story.t(60)).is_err());

        let mut form = seal_check_form(&story);
        form["place"]["coordinates"] = json!({"latitude": "91.0", "longitude": "74"});
        let e = act_from_form(form, story.t(60)).unwrap_err();
        assert!(e.0.contains("off the globe"), "{e}");

        // A mass spelled as a float is not an exact decimal.
        let e = offer_from_form(
            json!({
                "consignment": story.consignment.as_str(),
                "place": {"type": "post", "unit": "MANAS-AIRPORT"},
                "releasing": {"unit": "MANAS-AIRPORT", "officer": story.airport_officer.id.as_str()},
                "receiving": {"unit": "ESCORT-BISHKEK", "officer": story.escort_lead.id.as_str()},
                "seals": [], "packages": 1,
                "gross_mass": {"value": 0.412, "unit": "kg"}
            }),
            story.t(30),
            None,
        )
        .unwrap_err();
        assert!(e.0.starts_with("gross_mass.value:"), "{e}");
    }

    /// An act's JSON without `at`, as a form.
    fn form_of(body: &ActBody) -> Value {
        let mut form = serde_json::to_value(body).unwrap();
        form.as_object_mut().unwrap().remove("at");
        form
    }

    #[test]
    fn the_legal_record_s_acts_are_forms_too() {
        use tamga_core::act::{Correction, FollowUp, IncidentKind, Permit, SealFields};
        use tamga_core::fixtures::legal::roadside;
        let story = Story::new();
        let incident = story.incident(50, IncidentKind::Accident);
        let seal = story.seal_applied_mistyped();
        let acts = [
            story.permission(60, &story.airport_officer, Permit::Return {}),
            story.permission(
                60,
                &story.airport_officer,
                Permit::Correction { act: seal.id() },
            ),
            story.correction(
                61,
                &story.airport_officer,
                &seal,
                Correction::SealApplied(SealFields {
                    seal: Some(tamga_core::SealNumber::new("KG-0042137").unwrap()),
                    ..SealFields::default()
                }),
                None,
            ),
            story.crew_change(62),
            story.extension(63, &incident, 24 * 60),
            story.follow_up(
                64,
                &story.airport_officer,
                roadside(),
                &incident,
                FollowUp::OfficialsAttended,
            ),
            story.refusal(65),
            story.returned(66, None),
            story.delivered_with(67, |d| {
                d.net_mass = Some(
                    tamga_core::quantity::Mass::new("1250.30", tamga_core::quantity::MassUnit::Ct)
                        .unwrap(),
                );
            }),
            incident,
        ];
        for act in acts {
            let body = act.body();
            assert!(
                SINGLE_SIGNER_KINDS.contains(&body.kind()),
                "{}",
                body.kind()
            );
            assert_eq!(
                &act_from_form(form_of(body), body.at()).unwrap(),
                body,
                "{}",
                body.kind()
            );
        }
    }

    #[test]
    fn a_correction_s_field_errors_name_the_changed_field() {
        let story = Story::new();
        let seal = story.seal_applied_mistyped();
        let form = |changes: Value| {
            json!({
                "kind": "act_corrected",
                "consignment": story.consignment.as_str(),
                "officer": story.airport_officer.id.as_str(),
                "corrects": seal.id().to_string(),
                "changes": changes,
                "reason": "mistyped",
            })
        };
        let e = act_from_form(
            form(json!({"kind": "seal_applied", "seal_kind": "glue"})),
            story.t(5),
        )
        .unwrap_err();
        assert!(e.0.starts_with("changes.seal_kind:"), "{e}");
        let e = act_from_form(
            form(json!({"kind": "seal_applied", "vehicle": "01 KG"})),
            story.t(5),
        )
        .unwrap_err();
        assert!(e.0.starts_with("changes.vehicle: unknown field"), "{e}");
        let e = act_from_form(form(json!({"kind": "seal_applied"})), story.t(5)).unwrap_err();
        assert!(e.0.contains("at least one field"), "{e}");
        let e = act_from_form(
            form(json!({"kind": "seal_checked", "seal": "X"})),
            story.t(5),
        )
        .unwrap_err();
        assert!(e.0.starts_with("changes.kind:"), "{e}");
        let ok = act_from_form(
            form(json!({"kind": "seal_applied", "seal": "KG-0042137"})),
            story.t(5),
        )
        .unwrap();
        assert_eq!(ok.kind(), "act_corrected");
    }

    #[test]
    fn the_pin_is_taken_off_the_form() {
        let mut form = json!({"kind": "seal_checked", "pin": "123456"});
        assert_eq!(take_pin(&mut form).unwrap(), "123456");
        assert!(form.get("pin").is_none());
        assert!(take_pin(&mut form).is_err());
    }

    #[test]
    fn the_offer_prefill_follows_the_known_state() {
        let story = Story::new();
        let acts = story.clean_delivery();
        // After registration, seal and escort: the first handoff, from the office of departure.
        let first = tamga_core::assess(
            &story.consignment,
            &acts[..3],
            &story.registry(),
            story.t(20),
            &Tolerances::default(),
        );
        let registration = story.registration_body();
        let next = next_handoff(&first, Some(&registration));
        assert_eq!(next.previous, None);
        assert_eq!(next.releasing_unit.as_deref(), Some("MANAS-AIRPORT"));
        assert_eq!(next.seals, story.intact_seals());
        assert_eq!(next.packages, Some(1));
        assert_eq!(next.gross_mass.unwrap().for_people(), "0.412 kg");

        let offer = offer_from_form(
            json!({
                "consignment": story.consignment.as_str(),
                "place": {"type": "post", "unit": "MANAS-AIRPORT"},
                "releasing": {"unit": "MANAS-AIRPORT", "officer": story.airport_officer.id.as_str()},
                "receiving": {"unit": "ESCORT-BISHKEK", "officer": story.escort_lead.id.as_str()},
                "seals": [{"seal": "KG-0042137", "state": "intact"}],
                "packages": 1,
                "gross_mass": {"value": "0.412", "unit": "kg"}
            }),
            story.t(30),
            next.previous,
        )
        .unwrap();
        assert_eq!(
            ActBody::CustodyTransferred(offer),
            acts[3].body().clone(),
            "the form makes exactly the reference story's handoff"
        );

        let row = row(&first, Some(&registration), &Default::default());
        assert_eq!(row.status, "in_transit");
        // The story's deadline, 14:00 UTC, for people in Bishkek.
        assert_eq!(
            row.deadline_for_people.as_deref(),
            Some("2026-11-23 20:00:00 +06:00")
        );
        assert!(row.goods.contains("1250.35 ct"), "{}", row.goods);
    }
}
