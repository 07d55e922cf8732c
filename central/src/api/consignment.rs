//! One consignment as the dashboard shows it (`GET /api/consignments/{id}`): its reconciled
//! record, the legal record in force, the assessment, every act with its signers as enrolled at
//! the act's time, the custody chain, the seals, and the findings across consignments it is part
//! of.

use crate::reply::{blocking, consignment_id, internal, ApiError, ApiResult};
use crate::shared::Shared;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use tamga_core::{ActBody, ActId, KeyId, Registry, SignedAct, Timestamp};
use tamga_node::local_time::LocalTime;
use tamga_store::DocId;

/// Who signed, as the registry says.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SignerView {
    #[schema(value_type = String)]
    key: KeyId,
    name: Option<String>,
    personal_number: Option<String>,
    role: Option<String>,
    unit: Option<String>,
    /// Enrolled in some role at the act's time (the assessment says whether it was allowed).
    enrolled_at_the_time: bool,
}

fn signer(registry: &Registry, key: &KeyId, at: Timestamp) -> SignerView {
    let named = registry.signer_at(key, at);
    let e = named.enrollment;
    SignerView {
        key: key.clone(),
        name: e.map(|e| e.holder.clone()),
        personal_number: e.and_then(|e| e.personal_number.clone()),
        role: e.map(|e| e.role.as_str().to_owned()),
        unit: e.map(|e| e.unit.to_string()),
        enrolled_at_the_time: named.in_force,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ActView {
    #[schema(value_type = String)]
    id: ActId,
    kind: &'static str,
    #[schema(value_type = String)]
    at: Timestamp,
    at_for_people: String,
    #[schema(value_type = Option<Object>)]
    place: Option<Value>,
    signers: Vec<SignerView>,
    /// The signatures verify and every signer was allowed.
    verified: bool,
    /// Why it was left out.
    rejected_because: Option<String>,
    #[schema(value_type = Object)]
    body: Value,
}

fn act_view(
    act: &SignedAct,
    registry: &Registry,
    rejected: Option<&str>,
    zone: &LocalTime,
) -> ActView {
    let at = act.body().at();
    ActView {
        id: act.id(),
        kind: act.body().kind(),
        at,
        at_for_people: zone.for_people(at),
        place: act.body().place().map(|p| json!(p)),
        signers: act
            .signatures()
            .iter()
            .map(|s| signer(registry, &s.key, at))
            .collect(),
        verified: rejected.is_none(),
        rejected_because: rejected.map(str::to_owned),
        body: serde_json::to_value(act.body()).expect("an act serializes"),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ChainLink {
    unit: String,
    officer: SignerView,
    #[schema(value_type = String)]
    since: Timestamp,
    since_for_people: String,
    /// The act that gave custody.
    #[schema(value_type = String)]
    act: ActId,
    kind: &'static str,
}

/// The custody chain as boxes: the registering post, then each handoff's receiver. Handoffs
/// that hold but are not in the chain (a fork) are listed beside it.
fn chain(
    by_id: &BTreeMap<ActId, &SignedAct>,
    a: &tamga_core::Assessment,
    registry: &Registry,
    zone: &LocalTime,
) -> (Vec<ChainLink>, Vec<ActId>) {
    let mut links = Vec::new();
    if let Some((id, r)) = a.registration() {
        links.push(ChainLink {
            unit: r.office_of_departure.to_string(),
            officer: signer(registry, &r.officer, r.at),
            since: r.at,
            since_for_people: zone.for_people(r.at),
            act: id,
            kind: "consignment_registered",
        });
    }
    for id in &a.state.custody_chain {
        if let Some(act) = by_id.get(id) {
            if let ActBody::CustodyTransferred(t) = act.body() {
                links.push(ChainLink {
                    unit: t.receiving.unit.to_string(),
                    officer: signer(registry, &t.receiving.officer, t.at),
                    since: t.at,
                    since_for_people: zone.for_people(t.at),
                    act: *id,
                    kind: act.body().kind(),
                });
            }
        }
    }
    let holding: std::collections::BTreeSet<&ActId> = a.acts.iter().collect();
    let beside = by_id
        .iter()
        .filter(|(id, act)| {
            holding.contains(id)
                && matches!(act.body(), ActBody::CustodyTransferred(_))
                && !a.state.custody_chain.contains(id)
        })
        .map(|(id, _)| *id)
        .collect();
    (links, beside)
}

/// What headquarters reads of the legal record in force: how transit ended, the escort crew in
/// force with its changes, the incidents (open or followed up), the deadline in force and its
/// extension, and each corrected act with its corrections (the original kept as signed).
fn legal_record(
    by_id: &BTreeMap<ActId, &SignedAct>,
    a: &tamga_core::Assessment,
    registry: &Registry,
    zone: &LocalTime,
) -> Value {
    let when = |id: &ActId| by_id.get(id).map(|act| act.body().at());
    let at = |id: &ActId| {
        let t = when(id);
        json!({"act": id, "kind": by_id.get(id).map(|x| x.body().kind()), "at": t, "at_for_people": t.map(|t| zone.for_people(t))})
    };
    let outcome = a.state.outcome.as_ref().map(|o| {
        let mut v = json!(o);
        let act = match o {
            tamga_core::assessment::Outcome::Delivered { act }
            | tamga_core::assessment::Outcome::DeliveredShort { act, .. }
            | tamga_core::assessment::Outcome::Refused { act, .. }
            | tamga_core::assessment::Outcome::Returned { act } => act,
        };
        v["at"] = json!(when(act));
        v["at_for_people"] = json!(when(act).map(|t| zone.for_people(t)));
        if let tamga_core::assessment::Outcome::DeliveredShort { net_mass, .. } = o {
            v["net_mass_for_people"] = json!(net_mass.for_people());
        }
        v
    });
    let escort = a.state.escort.as_ref().map(|e| {
        let since = when(&e.act).unwrap_or(a.as_of);
        let people = |key: &tamga_core::KeyId| signer(registry, key, a.as_of);
        let changes: Vec<Value> = e
            .changes
            .iter()
            .map(|id| {
                let mut v = at(id);
                match by_id.get(id).map(|x| x.body()) {
                    Some(ActBody::EscortChanged(c)) => {
                        v["reason"] = json!(c.reason);
                        v["vehicle"] = json!(c.vehicle);
                        v["officer_in_charge"] = json!(people(&c.officer_in_charge));
                    }
                    Some(ActBody::CustodyTransferred(t)) => {
                        if let Some(moved) = &t.transhipment {
                            v["vehicle"] = json!(moved.vehicle);
                            v["transhipment"] = json!(true);
                        }
                    }
                    _ => {}
                }
                v
            })
            .collect();
        json!({
            "unit": e.unit,
            "vehicle": e.vehicle,
            "officer_in_charge": people(&e.officer_in_charge),
            "crew": e.crew.iter().map(people).collect::<Vec<_>>(),
            "assigned": at(&e.act),
            "since": since,
            "changes": changes,
        })
    });
    let incidents: Vec<Value> = a
        .state
        .incidents
        .iter()
        .filter_map(|id| {
            let ActBody::IncidentReported(i) = by_id.get(id)?.body() else {
                return None;
            };
            let follow_ups: Vec<Value> = a
                .acts
                .iter()
                .filter_map(|f| match by_id.get(f)?.body() {
                    ActBody::IncidentFollowedUp(u) if u.incident == *id => {
                        let mut v = at(f);
                        v["action"] = json!(u.action);
                        v["note"] = json!(u.note);
                        Some(v)
                    }
                    _ => None,
                })
                .collect();
            let mut v = at(id);
            v["incident"] = json!(i.incident);
            v["description"] = json!(i.description);
            v["happened_at"] = json!(i.happened_at);
            v["open"] = json!(a.state.open_incidents.contains(id));
            v["follow_ups"] = json!(follow_ups);
            Some(v)
        })
        .collect();
    let registered = a.registration().map(|(_, r)| r.delivery_deadline);
    let extension = a.state.deadline_extension.as_ref().map(|id| {
        let mut v = at(id);
        if let Some(ActBody::DeadlineExtended(d)) = by_id.get(id).map(|x| x.body()) {
            v["reason"] = json!(d.reason);
            v["incident"] = json!(d.incident);
            v["signer"] = json!(signer(registry, &d.officer, d.at));
        }
        v
    });
    let corrections: Vec<Value> = a
        .state
        .corrections
        .iter()
        .map(|(id, list)| {
            let mut v = at(id);
            v["corrections"] = json!(list
                .iter()
                .map(|c| {
                    let mut w = at(c);
                    if let Some(ActBody::ActCorrected(body)) = by_id.get(c).map(|x| x.body()) {
                        w["fields"] = json!(body.changes.fields());
                        w["changes"] = json!(body.changes);
                        w["reason"] = json!(body.reason);
                        w["permission"] = json!(body.permission);
                        w["signer"] = json!(signer(registry, &body.officer, body.at));
                    }
                    w
                })
                .collect::<Vec<_>>());
            // The act as signed, kept: the assessment reads it corrected.
            v["original"] = by_id
                .get(id)
                .map(|x| serde_json::to_value(x.body()).expect("an act serializes"))
                .unwrap_or(Value::Null);
            v
        })
        .collect();
    json!({
        "outcome": outcome,
        "escort": escort,
        "incidents": incidents,
        "open_incidents": a.state.open_incidents,
        "deadline": {
            "in_force": a.state.deadline,
            "in_force_for_people": a.state.deadline.map(|t| zone.for_people(t)),
            "registered": registered,
            "registered_for_people": registered.map(|t| zone.for_people(t)),
            "extension": extension,
        },
        "corrections": corrections,
    })
}

#[utoipa::path(
    get,
    path = "/api/consignments/{id}",
    tag = "consignments",
    summary = "One consignment: its record, legal record, assessment, acts, custody chain, seals and findings across consignments",
    params(
        ("id" = String, Path, description = "The consignment's number (its slashes percent-encoded)", example = "10609050/231126/0000123")
    ),
    responses(
        (status = 200, description = "The consignment with its proofs", body = ConsignmentDetail),
        (status = 400, description = "The consignment's number does not read", body = crate::reply::ErrorAnswer),
        (status = 404, description = "Central holds no such consignment", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub(super) async fn consignment(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = consignment_id(&id)?;
    let v = blocking(&s, move |s| {
        let store = &s.central.store;
        let doc = DocId::Consignment(id.clone());
        let acts = store.acts(&doc).map_err(internal)?;
        let unreadable: Vec<Value> = store
            .rejected(&doc)
            .map_err(internal)?
            .into_iter()
            .filter(|r| r.act.is_none_or(|a| !acts.iter().any(|x| x.id() == a)))
            .map(|r| json!({"key": r.key, "act": r.act, "reason": r.reason}))
            .collect();
        if acts.is_empty() && unreadable.is_empty() {
            return Err(ApiError(
                StatusCode::NOT_FOUND,
                format!("central holds no consignment {id}"),
            ));
        }
        let now = Timestamp::now();
        let registry = store.registry();
        let assessment = crate::reconcile::sightings::with_sightings(
            store,
            &registry,
            store.assessment(&id, now).map_err(internal)?,
            &acts,
            s.central.config.offline_allowance_seconds,
        );
        let zone = s.central.config.local_time();
        let by_id: BTreeMap<ActId, &SignedAct> = acts.iter().map(|a| (a.id(), a)).collect();
        let mut timeline: Vec<ActView> = assessment
            .acts
            .iter()
            .filter_map(|a| by_id.get(a).map(|act| act_view(act, &registry, None, &zone)))
            .collect();
        for r in &assessment.rejected {
            if let Some(act) = by_id.get(&r.act) {
                timeline.push(act_view(act, &registry, Some(&r.reason), &zone));
            }
        }
        timeline.sort_by_key(|v| (v.at, v.id));
        let (links, beside) = chain(&by_id, &assessment, &registry, &zone);
        let seals: Vec<Value> = assessment
            .state
            .seals
            .iter()
            .map(|(number, record)| {
                let history: Vec<Value> = record
                    .history
                    .iter()
                    .filter_map(|h| by_id.get(h))
                    .map(|a| json!({"act": a.id(), "kind": a.body().kind(), "at": a.body().at(), "at_for_people": zone.for_people(a.body().at())}))
                    .collect();
                json!({"seal": number, "record": record, "history": history})
            })
            .collect();
        let registration = assessment
            .registration()
            .map(|(_, r)| json!(ActBody::ConsignmentRegistered(r.clone())));
        let record = crate::reconcile::Record::of(&assessment, &acts);
        let legal = legal_record(&by_id, &assessment, &registry, &zone);
        // The consignments sharing its KPC or an active seal, as the index last assessed them.
        let across = s.reconciler.read(|index, _| index.across_of(&id));
        Ok(json!({
            "record": record,
            "legal": legal,
            "assessment": assessment,
            "registration": registration,
            "acts": timeline,
            "unreadable": unreadable,
            "chain": links,
            "handoffs_beside_the_chain": beside,
            "seals": seals,
            "across": across,
        }))
    })
    .await?;
    Ok(Json(v))
}

/// What headquarters reads of the legal record in force.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct LegalRecord {
    /// How transit ended, if it has.
    #[schema(value_type = Option<Object>)]
    outcome: Option<Value>,
    /// The escort crew in force and its changes.
    #[schema(value_type = Option<Object>)]
    escort: Option<Value>,
    /// The incidents, open or followed up.
    #[schema(value_type = Vec<Object>)]
    incidents: Vec<Value>,
    /// The open incidents' acts.
    open_incidents: Vec<String>,
    /// The deadline in force, as registered, and its extension.
    #[schema(value_type = Object)]
    deadline: Value,
    /// Each corrected act with its corrections.
    #[schema(value_type = Vec<Object>)]
    corrections: Vec<Value>,
}

/// `GET /api/consignments/{id}`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ConsignmentDetail {
    /// Its reconciled row.
    #[schema(value_type = Object)]
    record: Value,
    /// The legal record in force.
    legal: LegalRecord,
    /// The assessment, made now (`tamga_core::Assessment`).
    #[schema(value_type = Object)]
    assessment: Value,
    /// The registration in force.
    #[schema(value_type = Option<Object>)]
    registration: Option<Value>,
    /// Its acts, in time order.
    acts: Vec<ActView>,
    /// Acts that did not read, each with why.
    #[schema(value_type = Vec<Object>)]
    unreadable: Vec<Value>,
    /// The custody chain.
    chain: Vec<ChainLink>,
    /// Handoffs that hold but are not in the chain (a fork).
    handoffs_beside_the_chain: Vec<String>,
    /// Each seal with its record and history.
    #[schema(value_type = Vec<Object>)]
    seals: Vec<Value>,
    /// The findings across consignments it is part of.
    across: Value,
}
