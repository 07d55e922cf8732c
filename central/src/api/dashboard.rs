//! The dashboard's JSON API: the overview, consignments and discrepancies by filter, one
//! consignment with its chain and proofs (and the findings across consignments it is part of),
//! resolutions, nodes, refusals, officers, the registry and the vocabulary the UI translates.

use crate::central::registry_entries;
use crate::reply::{bad, blocking, consignment_id, filter, internal, ApiError, ApiResult};
use crate::shared::Shared;
use crate::staff::OFFICERS_DIR;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use tamga_core::{ActBody, ActId, KeyId, Registry, SignedAct, Timestamp};
use tamga_node::local_time::LocalTime;
use tamga_store::DocId;

#[utoipa::path(
    get,
    path = "/api/overview",
    tag = "dashboard",
    summary = "Central at a glance",
    responses(
        (status = 200, description = "The unit, the clock, the totals, the reconciliation's progress, the nodes", body = crate::api::openapi::Overview),
        (status = 500, description = "Central failed (its store or files): the error says what happened", body = crate::api::openapi::ErrorAnswer)
    )
)]
pub(super) async fn overview(State(s): State<Arc<Shared>>) -> ApiResult<Json<Value>> {
    let v = blocking(&s, |s| {
        let now = Timestamp::now();
        let snapshot = s.snapshot(now).map_err(internal)?;
        Ok(json!({
            "unit": s.central.config.unit,
            "authority_fingerprint": s.central.root().fingerprint(),
            "now": now,
            "now_for_people": s.central.config.local_time().for_people(now),
            "time_zone": s.central.config.local_time().at(now),
            "totals": snapshot.totals,
            "progress": snapshot.progress,
            "feed_position": snapshot.store_position,
            "lag_positions": snapshot.store_position.saturating_sub(snapshot.progress.position),
            "nodes": {"ok": snapshot.nodes.0, "silent": snapshot.nodes.1, "never": snapshot.nodes.2},
        }))
    })
    .await?;
    Ok(Json(v))
}

#[utoipa::path(
    get,
    path = "/api/consignments",
    tag = "consignments",
    summary = "Consignments by filter",
    params(
        ("status" = Option<String>, Query, description = "Only consignments in this status"),
        ("severity" = Option<String>, Query, description = "Only those with an open discrepancy at least this severe: critical, major or minor"),
        ("kind" = Option<String>, Query, description = "Only those with an open discrepancy of this kind (GET /api/vocabulary lists them)"),
        ("post" = Option<String>, Query, description = "Only those whose route includes this unit"),
        ("due_before" = Option<String>, Query, description = "A duty due before this time"),
        ("discrepancies" = Option<String>, Query, description = "yes: only those with discrepancies in the state asked; no: only those without"),
        ("overdue" = Option<String>, Query, description = "yes or no"),
        ("state" = Option<String>, Query, description = "Which discrepancies count: open (default), resolved or all"),
        ("from" = Option<String>, Query, description = "Registered at or after this time (local time of central's zone, or RFC 3339)"),
        ("until" = Option<String>, Query, description = "Registered before this time (local time of central's zone, or RFC 3339)")
    ),
    responses(
        (status = 200, description = "Each consignment's reconciled row, with its open discrepancies counted and the worst of them", body = Vec<crate::api::openapi::ConsignmentRow>),
        (status = 400, description = "A filter parameter does not read: the error names it", body = crate::api::openapi::ErrorAnswer)
    )
)]
pub(super) async fn consignments(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let filter = filter(&params, &s.central.config.local_time())?;
    let rows = s.reconciler.read(|index, _| {
        index
            .consignments(&filter)
            .into_iter()
            .map(|r| {
                let mut v = json!(r);
                v["open"] = json!(r.open().count());
                v["worst_open"] = json!(r.worst_open());
                v
            })
            .collect::<Vec<_>>()
    });
    Ok(Json(json!(rows)))
}

#[utoipa::path(
    get,
    path = "/api/discrepancies",
    tag = "consignments",
    summary = "Discrepancies by filter",
    params(
        ("status" = Option<String>, Query, description = "Only consignments in this status"),
        ("severity" = Option<String>, Query, description = "Only those with an open discrepancy at least this severe: critical, major or minor"),
        ("kind" = Option<String>, Query, description = "Only those with an open discrepancy of this kind (GET /api/vocabulary lists them)"),
        ("post" = Option<String>, Query, description = "Only those whose route includes this unit"),
        ("due_before" = Option<String>, Query, description = "A duty due before this time"),
        ("discrepancies" = Option<String>, Query, description = "yes: only those with discrepancies in the state asked; no: only those without"),
        ("overdue" = Option<String>, Query, description = "yes or no"),
        ("state" = Option<String>, Query, description = "Which discrepancies count: open (default), resolved or all"),
        ("from" = Option<String>, Query, description = "Registered at or after this time (local time of central's zone, or RFC 3339)"),
        ("until" = Option<String>, Query, description = "Registered before this time (local time of central's zone, or RFC 3339)")
    ),
    responses(
        (status = 200, description = "The discrepancies of the consignments the filter keeps", body = Vec<serde_json::Value>),
        (status = 400, description = "A filter parameter does not read: the error names it", body = crate::api::openapi::ErrorAnswer)
    )
)]
pub(super) async fn discrepancies(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let filter = filter(&params, &s.central.config.local_time())?;
    let rows = s
        .reconciler
        .read(|index, _| json!(index.discrepancies(&filter)));
    Ok(Json(rows))
}

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
        ("id" = String, Path, description = "The consignment's number, e.g. 10609050/231126/0000123 (its slashes percent-encoded)")
    ),
    responses(
        (status = 200, description = "The consignment with its proofs", body = crate::api::openapi::ConsignmentDetail),
        (status = 400, description = "The consignment's number does not read", body = crate::api::openapi::ErrorAnswer),
        (status = 404, description = "Central holds no such consignment", body = crate::api::openapi::ErrorAnswer),
        (status = 500, description = "Central failed (its store or files): the error says what happened", body = crate::api::openapi::ErrorAnswer)
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

#[utoipa::path(
    get,
    path = "/api/nodes",
    tag = "dashboard",
    summary = "Which devices synced and when",
    params(
        ("silent_after_hours" = Option<u32>, Query, description = "A device silent this long is listed as silent (1 to 8760; the configuration's by default)")
    ),
    responses(
        (status = 200, description = "The devices and their last contact", body = crate::api::openapi::NodesAnswer),
        (status = 400, description = "silent_after_hours is not a whole number of hours from 1 to 8760", body = crate::api::openapi::ErrorAnswer),
        (status = 500, description = "Central failed (its store or files): the error says what happened", body = crate::api::openapi::ErrorAnswer)
    )
)]
pub(super) async fn nodes(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let silent_after = match params.get("silent_after_hours").map(|v| v.trim()) {
        None | Some("") => s.silent_after(),
        Some(v) => {
            let hours: u32 = v
                .parse()
                .ok()
                .filter(|h| (1..=24 * 365).contains(h))
                .ok_or_else(|| {
                    bad(format!(
                        "silent_after_hours: {v:?} is not a whole number of hours from 1 to 8760"
                    ))
                })?;
            i64::from(hours) * 3600
        }
    };
    let v = blocking(&s, move |s| {
        let now = Timestamp::now();
        let rows = crate::nodes::rows(
            &s.central.store.registry(),
            &s.contacts.snapshot(),
            &s.central.device_id(),
            now,
            silent_after,
            &s.central.config.local_time(),
        );
        Ok(json!({"now": now, "silent_after_seconds": silent_after, "nodes": rows}))
    })
    .await?;
    Ok(Json(v))
}

#[utoipa::path(
    get,
    path = "/api/refusals",
    tag = "dashboard",
    summary = "The last refused sync requests, counted by reason",
    responses(
        (status = 200, description = "The refusals", body = crate::api::openapi::RefusalsAnswer)
    )
)]
pub(super) async fn refusals(State(s): State<Arc<Shared>>) -> Json<Value> {
    let now = Timestamp::now();
    Json(json!({
        "now": now,
        "kept_at_most": crate::nodes::REFUSALS_KEPT,
        "counts": s.refusals.counts(),
        "refusals": s.refusals.recent(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/officers",
    tag = "dashboard",
    summary = "The staff signing keys held in central's keystore",
    responses(
        (status = 200, description = "The keys and their enrollments as central staff or supervisor", body = Vec<crate::api::openapi::StaffKey>),
        (status = 500, description = "Central failed (its store or files): the error says what happened", body = crate::api::openapi::ErrorAnswer)
    )
)]
pub(super) async fn officers(State(s): State<Arc<Shared>>) -> ApiResult<Json<Value>> {
    let v = blocking(&s, |s| {
        let keystore = tamga_node::keystore::Keystore::open(s.central.dir.join(OFFICERS_DIR))
            .map_err(internal)?;
        let registry = s.central.store.registry();
        let now = Timestamp::now();
        let list: Vec<Value> = keystore
            .list()
            .map_err(internal)?
            .into_iter()
            .map(|k| {
                let enrolled = registry
                    .enrollment_at(
                        &k.id,
                        now,
                        &[tamga_core::Role::CentralStaff, tamga_core::Role::Supervisor],
                    )
                    .ok()
                    .map(|e| json!({"name": e.holder, "personal_number": e.personal_number, "unit": e.unit, "role": e.role.as_str(), "valid_until": e.valid_until}));
                let supervisor = enrolled
                    .as_ref()
                    .is_some_and(|e| e["role"] == "supervisor");
                json!({"key": k.id, "holder": k.holder, "central_staff": enrolled, "supervisor": supervisor})
            })
            .collect();
        Ok(json!(list))
    })
    .await?;
    Ok(Json(v))
}

#[utoipa::path(
    get,
    path = "/api/registry",
    tag = "dashboard",
    summary = "Every enrolled key",
    responses(
        (status = 200, description = "The registry's entries", body = Vec<serde_json::Value>)
    )
)]
pub(super) async fn registry(State(s): State<Arc<Shared>>) -> ApiResult<Json<Value>> {
    let now = Timestamp::now();
    Ok(Json(json!(registry_entries(
        &s.central.store.registry(),
        now
    ))))
}

/// Every discrepancy kind, in the order the dashboard lists them (the filter's choices).
pub(crate) const KINDS: [tamga_core::DiscrepancyKind; 40] = {
    use tamga_core::DiscrepancyKind as K;
    [
        K::BadSignature,
        K::UnknownKey,
        K::ExpiredKey,
        K::RevokedKey,
        K::RoleNotPermitted,
        K::NotPermitted,
        K::MissingRegistration,
        K::ConflictingRegistration,
        K::CustodyFork,
        K::CustodyGap,
        K::NotInCrew,
        K::TranshipmentWithoutPermission,
        K::SealNotApplied,
        K::SealMissing,
        K::SealDamaged,
        K::SealRemovedWithoutGrounds,
        K::SealStateConflict,
        K::PackageCountMismatch,
        K::MassMismatch,
        K::NetMassMismatch,
        K::GoodsUnitMismatch,
        K::Shortage,
        K::DeliveryRefused,
        K::DocumentMissing,
        K::MissingCertificate,
        K::KpNonParticipant,
        K::KpcIncomplete,
        K::KpcExpired,
        K::KpcMismatch,
        K::GoodsNotConforming,
        K::DutyLate,
        K::IncidentOpen,
        K::IncidentReportedLate,
        K::Overdue,
        K::OffRoute,
        K::ClockAnomaly,
        K::ArrivalNotifiedLate,
        K::ArrivalNotNotified,
        K::SeenLate,
        K::SeenAfterRevocation,
    ]
};

/// The outcomes a consignment's transit may have.
pub(crate) const OUTCOMES: [&str; 4] = ["delivered", "delivered_short", "refused", "returned"];

#[utoipa::path(
    get,
    path = "/api/vocabulary",
    tag = "dashboard",
    summary = "Every status, outcome, discrepancy kind and severity the dashboard translates",
    responses(
        (status = 200, description = "The words", body = crate::api::openapi::Vocabulary)
    )
)]
pub(super) async fn vocabulary() -> Json<Value> {
    Json(json!({
        "statuses": crate::reconcile::STATUSES,
        "outcomes": OUTCOMES,
        "kinds": &KINDS[..],
        "across_kinds": crate::reconcile::AcrossKind::ALL,
        "severities": [tamga_core::Severity::Critical, tamga_core::Severity::Major, tamga_core::Severity::Minor],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const I18N: &str = include_str!("../../ui/i18n.js");
    const APP: &str = include_str!("../../ui/app.js");
    const INDEX: &str = include_str!("../../ui/index.html");

    /// Each language's keys, in the order written (`  en: {` opens a language, `    key:` or
    /// `    "key":` is an entry).
    fn languages() -> BTreeMap<String, Vec<String>> {
        let mut langs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut current = None;
        for line in I18N.lines() {
            if let Some(name) = line
                .strip_prefix("  ")
                .and_then(|l| l.strip_suffix(": {"))
                .filter(|n| n.chars().all(|c| c.is_ascii_lowercase()))
            {
                current = Some(name.to_owned());
                langs.entry(name.to_owned()).or_default();
                continue;
            }
            let (Some(lang), Some(entry)) = (&current, line.strip_prefix("    ")) else {
                continue;
            };
            let key = match entry.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next(),
                None => entry.split(':').next(),
            };
            if let Some(key) = key.filter(|k| !k.is_empty() && !k.contains(' ')) {
                langs.get_mut(lang).unwrap().push(key.to_owned());
            }
        }
        langs
    }

    /// The keys `app.js` and `index.html` name literally: `t("key")` and `data-t="key"` (a key
    /// built from a prefix, `t("kind." + k)`, is checked through the vocabulary).
    fn literal_keys() -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for (text, open, close) in [(APP, "t(\"", "\")"), (INDEX, "data-t=\"", "\"")] {
            let mut rest = text;
            while let Some(at) = rest.find(open) {
                let before = rest[..at].chars().next_back();
                let after = &rest[at + open.len()..];
                rest = after;
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                if let Some(end) = after.find('"') {
                    if after[end..].starts_with(close) {
                        keys.insert(after[..end].to_owned());
                    }
                }
            }
        }
        keys
    }

    #[test]
    fn every_language_has_every_word_the_dashboard_shows() {
        let langs = languages();
        assert_eq!(
            langs.keys().map(String::as_str).collect::<Vec<_>>(),
            ["en", "ky", "ru"],
            "the dashboard's languages"
        );
        let en: BTreeSet<&String> = langs["en"].iter().collect();
        let mut needed: BTreeSet<String> = literal_keys();
        for s in crate::reconcile::STATUSES {
            needed.insert(format!("status.{}", s.as_str()));
        }
        for k in KINDS {
            needed.insert(format!("kind.{}", k.as_str()));
        }
        for o in OUTCOMES {
            needed.insert(format!("outcome.{o}"));
        }
        for k in crate::reconcile::AcrossKind::ALL {
            needed.insert(format!("across.{}", k.as_str()));
        }
        for s in ["critical", "major", "minor"] {
            needed.insert(format!("severity.{s}"));
        }
        for (lang, keys) in &langs {
            let set: BTreeSet<&String> = keys.iter().collect();
            assert_eq!(set.len(), keys.len(), "{lang}: a key written twice");
            assert_eq!(set, en, "{lang} and en have different keys");
            let missing: Vec<&String> = needed.iter().filter(|k| !set.contains(k)).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        }
    }

    #[test]
    fn the_vocabulary_lists_every_discrepancy_kind_once() {
        use tamga_core::DiscrepancyKind as K;
        // A new kind fails to compile here until it is listed.
        let position = |k: K| -> usize {
            match k {
                K::BadSignature
                | K::UnknownKey
                | K::ExpiredKey
                | K::RevokedKey
                | K::RoleNotPermitted
                | K::NotPermitted
                | K::MissingRegistration
                | K::ConflictingRegistration
                | K::CustodyFork
                | K::CustodyGap
                | K::NotInCrew
                | K::TranshipmentWithoutPermission
                | K::SealNotApplied
                | K::SealMissing
                | K::SealDamaged
                | K::SealRemovedWithoutGrounds
                | K::SealStateConflict
                | K::PackageCountMismatch
                | K::MassMismatch
                | K::NetMassMismatch
                | K::GoodsUnitMismatch
                | K::Shortage
                | K::DeliveryRefused
                | K::DocumentMissing
                | K::MissingCertificate
                | K::KpNonParticipant
                | K::KpcIncomplete
                | K::KpcExpired
                | K::KpcMismatch
                | K::GoodsNotConforming
                | K::DutyLate
                | K::IncidentOpen
                | K::IncidentReportedLate
                | K::Overdue
                | K::OffRoute
                | K::ClockAnomaly
                | K::ArrivalNotifiedLate
                | K::ArrivalNotNotified
                | K::SeenLate
                | K::SeenAfterRevocation => KINDS.iter().position(|x| *x == k).unwrap(),
            }
        };
        let distinct: BTreeSet<usize> = KINDS.iter().map(|k| position(*k)).collect();
        assert_eq!(distinct.len(), KINDS.len());
    }
}
