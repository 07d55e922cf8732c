//! GS1 EPCIS 2.0 export of custody and seal acts, as a JSON-LD `EPCISDocument`, so that other
//! traceability systems can consume what tamga records (a functional core: acts and the
//! document's creation time in, a `serde_json::Value` out).
//!
//! # Which acts, which events
//!
//! Every custody act (`custody_transferred`, `consignment_delivered`, `delivery_refused`,
//! `consignment_returned`) and seal act (`seal_applied`, `seal_checked`, `seal_removed`,
//! `seal_replaced`) becomes one `ObjectEvent` with action `OBSERVE`: the consignment exists
//! before and after, and the act observes it changing hands, place or state. A
//! `TransformationEvent` would say inputs were consumed into different outputs (processing,
//! repacking into new lots), which never happens under customs escort: even a seal replacement
//! or a transhipment leaves the same goods in the same package. A correction (`act_corrected`)
//! of an exported act is an EPCIS error declaration (below). The vehicle's positions and the
//! navigation seals' events are observations on the road ([`road`]). Other acts (registration,
//! escort and crew changes, incidents and their follow-up, permissions, deadline extensions,
//! arrival, resolutions, the registry) are not exported: they record decisions and
//! reports about the goods, not something that happened to them at a place. The caller passes
//! only acts that hold (an assessment's accepted acts); acts are deduplicated by id and ordered
//! by `(time, id)`, so the document does not depend on the order they were given in.
//!
//! | act | bizStep | disposition |
//! |---|---|---|
//! | `custody_transferred`, first handoff (no previous) | `shipping` | `in_transit` |
//! | `custody_transferred`, later handoffs, transhipments included | `accepting` | `in_transit` |
//! | `consignment_delivered`, in full | `receiving` | `in_progress` |
//! | `consignment_delivered`, with a shortage | `receiving` | `mismatch_quantity` |
//! | `delivery_refused` | `inspecting` | `non_conformant` |
//! | `consignment_returned` | `receiving` | `returned` |
//! | `seal_applied` | `packing` | `container_closed` |
//! | `seal_checked`, intact | `inspecting` | `conformant` |
//! | `seal_checked`, damaged or missing | `inspecting` | `non_conformant` |
//! | `seal_removed` | `unpacking` | `container_open` |
//! | `seal_replaced` | `replacing` | `container_closed` |
//!
//! bizStep and disposition are CBV 2.0 short names, which the EPCIS 2.0 JSON-LD context expands
//! to `https://ref.gs1.org/cbv/BizStep-...` and `.../Disp-...`. CBV has no sealing step: fixing
//! the seal is the last step of packing the safe-bag for shipment (`packing`, the container now
//! closed), taking it off opens the package (`unpacking`, `container_open`), and a replacement
//! substitutes one seal for another (`replacing`). A seal check is an inspection whose outcome
//! is `conformant` or `non_conformant` (dispositions CBV 2.0 added for inspections). The first
//! handoff is the shipment leaving the office of departure; every later handoff is a change of
//! possession (`accepting`) while transit goes on; delivery ends transit and adds the goods to
//! the receiving office's charge (`receiving`), where they await state control (`in_progress`);
//! a delivery with a shortage counted is a receipt whose quantity does not match what was
//! expected (`mismatch_quantity`, CBV 2.0), the shortage in `tamga:shortage`. A refusal is the
//! office of destination's check before receipt ending unsuccessfully (`inspecting`,
//! `non_conformant`), its reason in `tamga:reason`: the goods are not received and stay with the
//! escort. A return is the office of departure receiving the goods back (`receiving`,
//! `returned`). A transhipment is a handoff like any other (`accepting`): the goods move to
//! another crew and vehicle, named as a `location` in `destinationList`
//! (`urn:tamga:vehicle:<plate>`) beside the receiving unit, with `tamga:transhipment` (the
//! vehicle and the permission act) and the seals taken off (`removed`) and fixed (`applied`).
//! The exact act is always in `tamga:actKind`.
//!
//! # Corrections
//!
//! An act is never edited: a correction is a new signed act naming the old one, and the old one
//! stays. EPCIS events are immutable the same way, and EPCIS 2.0 corrects one with an error
//! declaration: an event with the same content (and `eventID`) as the erroneous one plus an
//! `errorDeclaration` (`declarationTime`, `reason` `incorrect_data`, `correctiveEventIDs`), and a
//! corrective event with a new `eventID` holding the corrected data. So a correction of an
//! exported act (a mistyped seal number on `seal_applied`: the one exported kind a correction
//! may change) adds, at the correction's place in the order, the error declaration of the event
//! in force (the original's, or the previous correction's) and the corrective event: the
//! corrected act's event with the corrected fields, at the time the act happened, its
//! `eventID` derived from the correction's id, `tamga:actKind` `act_corrected`, `tamga:actId` and
//! `tamga:signers` the correction's and `tamga:corrects` the act corrected. The original event
//! is exported unchanged, as it was signed. The error declaration carries the correction's id
//! and reason as `tamga:correctionActId` and `tamga:reason`. Corrections of acts that are not
//! exported (registration, escort assignment, incident) export nothing.
//!
//! # Identifiers
//!
//! - The consignment: `urn:tamga:consignment:<id>` in `epcList`, the id percent-encoded
//!   (`10609050/231126/0000123` becomes `10609050%2F231126%2F0000123`). EPCIS 2.0 accepts any
//!   URI as an instance identifier; tamga consignments have no GS1 key.
//! - Places: `urn:tamga:unit:<unit code>` for posts, offices and escort units in `readPoint`,
//!   `bizLocation`, `sourceList` and `destinationList` (EPCIS accepts any URI). An act on the
//!   road has a `geo:<lat>,<lon>` read point (RFC 5870) when it gives coordinates, else none, and
//!   its description in `tamga:place`. `bizLocation` is given only for acts at a post.
//! - Custody handoffs name the releasing and receiving units as `possessing_party` in
//!   `sourceList` and `destinationList`.
//! - `eventID` is `urn:uuid:` followed by a UUID derived from the act id: its first 16 bytes
//!   with the version set to 8 and the RFC 9562 variant (a deterministic, implementation-defined
//!   UUID). The `ni:///sha-256;...?ver=CBV2.0` form is not used: in EPCIS 2.0 it names the
//!   event hash computed by the CBV canonicalisation algorithm over the event's own fields, and
//!   the act id is the hash of a different encoding, so a consumer recomputing the event hash
//!   would find a mismatch. The full act id is in `tamga:actId`.
//! - Times: `eventTime` is the act's time in UTC, `eventTimeZoneOffset` `+00:00`.
//!
//! # Extension fields
//!
//! Under the `tamga` prefix, declared in `@context` as `urn:tamga:epcis:`: `tamga:actId` (64 hex
//! digits), `tamga:actKind`, `tamga:signers` (the signers' key ids, in signature order),
//! `tamga:seals` (each with `tamga:sealNumber`, and `tamga:state`, `tamga:sealKind` and
//! `tamga:change` where known), and as the act gives them `tamga:grounds`, `tamga:packages`,
//! `tamga:grossMass`, `tamga:netMass`, `tamga:shortage`, `tamga:reason`, `tamga:permission`,
//! `tamga:transhipment`, `tamga:corrects`, `tamga:place`, `tamga:note`, `tamga:fixedOn`.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use tamga_core::act::{
    ActBody, ActCorrected, Correction, Place, SealGrounds, SealObservation, SealState,
};
use tamga_core::quantity::Mass;
use tamga_core::{ActId, SignedAct, Timestamp};

/// The EPCIS 2.0 JSON-LD context.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
/// The namespace of tamga's extension fields, bound to the `tamga` prefix.
pub const TAMGA_NAMESPACE: &str = "urn:tamga:epcis:";

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The consignment's URI: `urn:tamga:consignment:<percent-encoded id>`.
pub fn consignment_uri(id: &tamga_core::ConsignmentId) -> String {
    format!("urn:tamga:consignment:{}", encode(id.as_str()))
}

/// A post's, office's or escort unit's URI: `urn:tamga:unit:<percent-encoded code>`.
pub fn unit_uri(unit: &tamga_core::UnitCode) -> String {
    format!("urn:tamga:unit:{}", encode(unit.as_str()))
}

/// The event id of the act `id`: `urn:uuid:` and a version 8 UUID made of the id's first 16
/// bytes.
pub fn event_id(id: &ActId) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&id.0[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn wire<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn seal_entry(
    seal: &tamga_core::SealNumber,
    state: Option<SealState>,
    kind: Option<Value>,
    change: &str,
) -> Value {
    let mut m = Map::new();
    m.insert("tamga:sealNumber".into(), json!(seal.as_str()));
    if let Some(state) = state {
        m.insert("tamga:state".into(), wire(&state));
    }
    if let Some(kind) = kind {
        m.insert("tamga:sealKind".into(), kind);
    }
    m.insert("tamga:change".into(), json!(change));
    Value::Object(m)
}

fn observed(seals: &[SealObservation]) -> Value {
    Value::Array(
        seals
            .iter()
            .map(|s| seal_entry(&s.seal, Some(s.state), None, "observed"))
            .collect(),
    )
}

fn grounds(g: &SealGrounds) -> Value {
    let mut m = Map::new();
    m.insert("tamga:basis".into(), wire(&g.basis));
    if let Some(r) = &g.reference {
        m.insert("tamga:reference".into(), json!(r.as_str()));
    }
    Value::Object(m)
}

fn mass(m: &Mass) -> Value {
    json!({ "tamga:value": m.value.to_string(), "tamga:unit": m.unit.symbol() })
}

fn party(unit: &tamga_core::UnitCode, key: &str) -> Value {
    json!([{ "type": "possessing_party", key: unit_uri(unit) }])
}

/// The vehicle's URI: `urn:tamga:vehicle:<percent-encoded registration plate>`.
pub fn vehicle_uri(plate: &str) -> String {
    format!("urn:tamga:vehicle:{}", encode(plate))
}

/// The EPCIS event for one act, or `None` for an act that is not a custody or seal act.
pub fn event(act: &SignedAct) -> Option<Value> {
    event_of(act, act.body()).map(Value::Object)
}

/// The event of `act` as `body` says (the act's own body, or its body corrected).
fn event_of(act: &SignedAct, body: &ActBody) -> Option<Map<String, Value>> {
    let (biz_step, disposition): (&str, &str) = match body {
        ActBody::CustodyTransferred(t) if t.previous.is_none() => ("shipping", "in_transit"),
        ActBody::CustodyTransferred(_) => ("accepting", "in_transit"),
        ActBody::ConsignmentDelivered(d) if d.shortage.is_some() => {
            ("receiving", "mismatch_quantity")
        }
        ActBody::ConsignmentDelivered(_) => ("receiving", "in_progress"),
        ActBody::DeliveryRefused(_) => ("inspecting", "non_conformant"),
        ActBody::ConsignmentReturned(_) => ("receiving", "returned"),
        ActBody::SealApplied(_) => ("packing", "container_closed"),
        ActBody::SealChecked(c) if c.state == SealState::Intact => ("inspecting", "conformant"),
        ActBody::SealChecked(_) => ("inspecting", "non_conformant"),
        ActBody::SealRemoved(_) => ("unpacking", "container_open"),
        ActBody::SealReplaced(_) => ("replacing", "container_closed"),
        _ => return None,
    };
    let consignment = body.consignment()?;
    let id = act.id();
    let mut e = Map::new();
    e.insert("type".into(), json!("ObjectEvent"));
    e.insert("eventID".into(), json!(event_id(&id)));
    e.insert("eventTime".into(), json!(body.at().to_rfc3339()));
    e.insert("eventTimeZoneOffset".into(), json!("+00:00"));
    e.insert("epcList".into(), json!([consignment_uri(consignment)]));
    e.insert("action".into(), json!("OBSERVE"));
    e.insert("bizStep".into(), json!(biz_step));
    e.insert("disposition".into(), json!(disposition));
    match body.place() {
        Some(Place::Post { unit }) => {
            e.insert("readPoint".into(), json!({ "id": unit_uri(unit) }));
            e.insert("bizLocation".into(), json!({ "id": unit_uri(unit) }));
        }
        Some(Place::Road {
            description,
            coordinates,
        }) => {
            if let Some(c) = coordinates {
                e.insert(
                    "readPoint".into(),
                    json!({ "id": format!("geo:{},{}", c.latitude, c.longitude) }),
                );
            }
            e.insert("tamga:place".into(), json!(description.as_str()));
        }
        None => {}
    }
    if let ActBody::CustodyTransferred(t) = body {
        e.insert("sourceList".into(), party(&t.releasing.unit, "source"));
        let mut destinations = party(&t.receiving.unit, "destination");
        if let (Some(moved), Value::Array(list)) = (&t.transhipment, &mut destinations) {
            list.push(
                json!({ "type": "location", "destination": vehicle_uri(moved.vehicle.as_str()) }),
            );
        }
        e.insert("destinationList".into(), destinations);
    }
    e.insert("tamga:actId".into(), json!(id.to_hex()));
    e.insert("tamga:actKind".into(), json!(body.kind()));
    e.insert(
        "tamga:signers".into(),
        Value::Array(
            act.signatures()
                .iter()
                .map(|s| json!(s.key.as_str()))
                .collect(),
        ),
    );
    match body {
        ActBody::CustodyTransferred(t) => {
            match &t.transhipment {
                None => {
                    e.insert("tamga:seals".into(), observed(&t.seals));
                }
                Some(moved) => {
                    // Every seal listed comes off; the new ones go on after the move.
                    let seals = t
                        .seals
                        .iter()
                        .map(|s| seal_entry(&s.seal, Some(s.state), None, "removed"))
                        .chain(moved.new_seals.iter().map(|n| {
                            seal_entry(&n.seal, None, Some(wire(&n.seal_kind)), "applied")
                        }))
                        .collect();
                    e.insert("tamga:seals".into(), Value::Array(seals));
                    e.insert(
                        "tamga:transhipment".into(),
                        json!({
                            "tamga:vehicle": moved.vehicle.as_str(),
                            "tamga:permission": moved.permission.to_hex(),
                        }),
                    );
                }
            }
            e.insert("tamga:packages".into(), json!(t.packages));
            e.insert("tamga:grossMass".into(), mass(&t.gross_mass));
        }
        ActBody::ConsignmentDelivered(d) => {
            e.insert("tamga:seals".into(), observed(&d.seals));
            e.insert("tamga:packages".into(), json!(d.packages));
            e.insert("tamga:grossMass".into(), mass(&d.gross_mass));
            if let Some(net) = &d.net_mass {
                e.insert("tamga:netMass".into(), mass(net));
            }
            if let Some(short) = &d.shortage {
                e.insert(
                    "tamga:shortage".into(),
                    json!({
                        "tamga:packages": short.packages,
                        "tamga:netMass": mass(&short.net_mass),
                        "tamga:description": short.description.as_str(),
                    }),
                );
            }
        }
        ActBody::DeliveryRefused(r) => {
            e.insert("tamga:seals".into(), observed(&r.seals));
            e.insert("tamga:reason".into(), json!(r.reason.as_str()));
        }
        ActBody::ConsignmentReturned(r) => {
            e.insert("tamga:seals".into(), observed(&r.seals));
            e.insert("tamga:packages".into(), json!(r.packages));
            e.insert("tamga:grossMass".into(), mass(&r.gross_mass));
            if let Some(permission) = &r.permission {
                e.insert("tamga:permission".into(), json!(permission.to_hex()));
            }
        }
        ActBody::SealApplied(s) => {
            e.insert(
                "tamga:seals".into(),
                json!([seal_entry(
                    &s.seal,
                    None,
                    Some(wire(&s.seal_kind)),
                    "applied"
                )]),
            );
            e.insert("tamga:fixedOn".into(), json!(s.fixed_on.as_str()));
        }
        ActBody::SealChecked(s) => {
            e.insert(
                "tamga:seals".into(),
                json!([seal_entry(&s.seal, Some(s.state), None, "checked")]),
            );
            if let Some(note) = &s.note {
                e.insert("tamga:note".into(), json!(note.as_str()));
            }
        }
        ActBody::SealRemoved(s) => {
            e.insert(
                "tamga:seals".into(),
                json!([seal_entry(&s.seal, Some(s.state), None, "removed")]),
            );
            e.insert("tamga:grounds".into(), grounds(&s.grounds));
        }
        ActBody::SealReplaced(s) => {
            e.insert(
                "tamga:seals".into(),
                json!([
                    seal_entry(&s.old_seal, Some(s.old_state), None, "removed"),
                    seal_entry(&s.new_seal, None, Some(wire(&s.new_seal_kind)), "applied"),
                ]),
            );
            e.insert("tamga:fixedOn".into(), json!(s.fixed_on.as_str()));
            e.insert("tamga:grounds".into(), grounds(&s.grounds));
        }
        _ => {}
    }
    Some(e)
}

/// `body` (a `seal_applied` act's) with `correction` applied, if it is a correction of that
/// kind: the one exported kind a correction may change.
fn corrected(body: &ActBody, correction: &ActCorrected) -> Option<ActBody> {
    let (ActBody::SealApplied(seal), Correction::SealApplied(fields)) = (body, &correction.changes)
    else {
        return None;
    };
    let mut seal = seal.clone();
    if let Some(number) = &fields.seal {
        seal.seal = number.clone();
    }
    if let Some(kind) = fields.seal_kind {
        seal.seal_kind = kind;
    }
    if let Some(fixed_on) = &fields.fixed_on {
        seal.fixed_on = fixed_on.clone();
    }
    Some(ActBody::SealApplied(seal))
}

/// The error declaration of `in_force` (the erroneous event, unchanged) and the corrective
/// event, for the correction `act` of `original` whose corrected body is `body`.
fn correction_events(
    original: &SignedAct,
    body: &ActBody,
    act: &SignedAct,
    correction: &ActCorrected,
    in_force: &Map<String, Value>,
) -> Option<(Value, Map<String, Value>)> {
    let mut corrective = event_of(original, body)?;
    let corrective_id = event_id(&act.id());
    corrective.insert("eventID".into(), json!(corrective_id));
    corrective.insert("tamga:actId".into(), json!(act.id().to_hex()));
    corrective.insert("tamga:actKind".into(), json!(act.body().kind()));
    corrective.insert(
        "tamga:signers".into(),
        Value::Array(
            act.signatures()
                .iter()
                .map(|s| json!(s.key.as_str()))
                .collect(),
        ),
    );
    corrective.insert("tamga:corrects".into(), json!(original.id().to_hex()));
    let mut declaration = in_force.clone();
    declaration.insert(
        "errorDeclaration".into(),
        json!({
            "declarationTime": correction.at.to_rfc3339(),
            "reason": "incorrect_data",
            "correctiveEventIDs": [corrective_id],
            "tamga:correctionActId": act.id().to_hex(),
            "tamga:reason": correction.reason.as_str(),
        }),
    );
    Some((Value::Object(declaration), corrective))
}

/// The EPCIS 2.0 document for the custody and seal acts among `acts` (of one consignment or
/// many), created at `created`: one event per act, deduplicated by id, in `(time, id)` order,
/// and for each correction of an exported act its error declaration and corrective event.
pub fn document(acts: &[SignedAct], created: Timestamp) -> Value {
    let mut ordered: BTreeMap<(Timestamp, ActId), &SignedAct> = BTreeMap::new();
    for act in acts {
        ordered.entry((act.body().at(), act.id())).or_insert(act);
    }
    let by_id: BTreeMap<ActId, &SignedAct> = ordered.values().map(|a| (a.id(), *a)).collect();
    // For each act corrected: its body as corrected so far and the event in force.
    let mut in_force: BTreeMap<ActId, (ActBody, Map<String, Value>)> = BTreeMap::new();
    let mut events: Vec<Value> = Vec::new();
    for act in ordered.values() {
        let ActBody::ActCorrected(c) = act.body() else {
            events.extend(event(act));
            events.extend(road::events(act));
            continue;
        };
        let Some(original) = by_id.get(&c.corrects) else {
            continue;
        };
        let (body, erroneous) = match in_force.get(&c.corrects) {
            Some((body, event)) => (body.clone(), event.clone()),
            None => match event_of(original, original.body()) {
                Some(event) => (original.body().clone(), event),
                None => continue,
            },
        };
        let Some(body) = corrected(&body, c) else {
            continue;
        };
        if let Some((declaration, corrective)) =
            correction_events(original, &body, act, c, &erroneous)
        {
            events.push(declaration);
            events.push(Value::Object(corrective.clone()));
            in_force.insert(c.corrects, (body, corrective));
        }
    }
    json!({
        "@context": [EPCIS_CONTEXT, { "tamga": TAMGA_NAMESPACE }],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created.to_rfc3339(),
        "epcisBody": { "eventList": events },
    })
}

mod road;
#[cfg(test)]
mod tests;
