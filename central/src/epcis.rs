//! GS1 EPCIS 2.0 export of custody and seal acts, as a JSON-LD `EPCISDocument`, so that other
//! traceability systems can consume what tamga records (a functional core: acts and the
//! document's creation time in, a `serde_json::Value` out).
//!
//! # Which acts, which events
//!
//! Every custody act (`custody_transferred`, `consignment_delivered`) and seal act
//! (`seal_applied`, `seal_checked`, `seal_removed`, `seal_replaced`) becomes one `ObjectEvent`
//! with action `OBSERVE`: the consignment exists before and after, and the act observes it
//! changing hands or its seals changing state. A `TransformationEvent` would say inputs were
//! consumed into different outputs (processing, repacking into new lots), which never happens
//! under customs escort: even a seal replacement leaves the same goods in the same package.
//! Other acts (registration, escort, positions, incidents, arrival, resolutions, the registry)
//! are not exported. The caller passes only acts that hold (an assessment's accepted acts);
//! acts are deduplicated by id and ordered by `(time, id)`, so the document does not depend on
//! the order they were given in.
//!
//! | act | bizStep | disposition |
//! |---|---|---|
//! | `custody_transferred`, first handoff (no previous) | `shipping` | `in_transit` |
//! | `custody_transferred`, later handoffs | `accepting` | `in_transit` |
//! | `consignment_delivered` | `receiving` | `in_progress` |
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
//! the receiving office's charge (`receiving`), where they await state control (`in_progress`).
//! The exact act is always in `tamga:actKind`.
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
//! `tamga:grossMass`, `tamga:place`, `tamga:note`, `tamga:fixedOn`.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use tamga_core::act::{ActBody, Place, SealGrounds, SealObservation, SealState};
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

/// The EPCIS event for one act, or `None` for an act that is not a custody or seal act.
pub fn event(act: &SignedAct) -> Option<Value> {
    let body = act.body();
    let (biz_step, disposition): (&str, &str) = match body {
        ActBody::CustodyTransferred(t) if t.previous.is_none() => ("shipping", "in_transit"),
        ActBody::CustodyTransferred(_) => ("accepting", "in_transit"),
        ActBody::ConsignmentDelivered(_) => ("receiving", "in_progress"),
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
        e.insert(
            "destinationList".into(),
            party(&t.receiving.unit, "destination"),
        );
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
            e.insert("tamga:seals".into(), observed(&t.seals));
            e.insert("tamga:packages".into(), json!(t.packages));
            e.insert("tamga:grossMass".into(), mass(&t.gross_mass));
        }
        ActBody::ConsignmentDelivered(d) => {
            e.insert("tamga:seals".into(), observed(&d.seals));
            e.insert("tamga:packages".into(), json!(d.packages));
            e.insert("tamga:grossMass".into(), mass(&d.gross_mass));
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
    Some(Value::Object(e))
}

/// The EPCIS 2.0 document for the custody and seal acts among `acts` (of one consignment or
/// many), created at `created`: one event per act, deduplicated by id, in `(time, id)` order.
pub fn document(acts: &[SignedAct], created: Timestamp) -> Value {
    let mut ordered: BTreeMap<(Timestamp, ActId), &SignedAct> = BTreeMap::new();
    for act in acts {
        ordered.entry((act.body().at(), act.id())).or_insert(act);
    }
    let events: Vec<Value> = ordered.values().filter_map(|a| event(a)).collect();
    json!({
        "@context": [EPCIS_CONTEXT, { "tamga": TAMGA_NAMESPACE }],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created.to_rfc3339(),
        "epcisBody": { "eventList": events },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::act::{Coordinates, SealBasis, SealKind, SealRemoved, SealReplaced};
    use tamga_core::fixtures::{at, text, unit, Story, AIRPORT_POST, DEPARTMENT, ESCORT_UNIT};
    use tamga_core::quantity::parse_decimal;
    use tamga_core::SealNumber;

    fn kinds_exported(kind: &str) -> bool {
        matches!(
            kind,
            "custody_transferred"
                | "consignment_delivered"
                | "seal_applied"
                | "seal_checked"
                | "seal_removed"
                | "seal_replaced"
        )
    }

    #[test]
    fn clean_delivery_as_epcis() {
        let story = Story::new();
        let acts = story.clean_delivery();
        let created = at("2026-11-23T09:00:00Z");
        let doc = document(&acts, created);

        // Round trip through text, as a consumer reads it.
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, doc);
        assert_eq!(back["@context"][0], EPCIS_CONTEXT);
        assert_eq!(back["@context"][1]["tamga"], TAMGA_NAMESPACE);
        assert_eq!(back["type"], "EPCISDocument");
        assert_eq!(back["schemaVersion"], "2.0");
        assert_eq!(back["creationDate"], "2026-11-23T09:00:00Z");

        let events = back["epcisBody"]["eventList"].as_array().unwrap();
        let expected: Vec<&SignedAct> = acts
            .iter()
            .filter(|a| kinds_exported(a.body().kind()))
            .collect();
        assert_eq!(expected.len(), 5);
        assert_eq!(events.len(), expected.len());

        let summary: Vec<(&str, &str, &str, &str)> = events
            .iter()
            .map(|e| {
                (
                    e["tamga:actKind"].as_str().unwrap(),
                    e["eventTime"].as_str().unwrap(),
                    e["bizStep"].as_str().unwrap(),
                    e["disposition"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "seal_applied",
                    "2026-11-23T06:10:00Z",
                    "packing",
                    "container_closed"
                ),
                (
                    "custody_transferred",
                    "2026-11-23T06:30:00Z",
                    "shipping",
                    "in_transit"
                ),
                (
                    "seal_checked",
                    "2026-11-23T07:00:00Z",
                    "inspecting",
                    "conformant"
                ),
                (
                    "custody_transferred",
                    "2026-11-23T07:45:00Z",
                    "accepting",
                    "in_transit"
                ),
                (
                    "consignment_delivered",
                    "2026-11-23T07:50:00Z",
                    "receiving",
                    "in_progress"
                ),
            ]
        );

        let consignment = "urn:tamga:consignment:10609050%2F231126%2F0000123";
        for (e, act) in events.iter().zip(&expected) {
            assert_eq!(e["type"], "ObjectEvent");
            assert_eq!(e["action"], "OBSERVE");
            assert_eq!(e["eventTimeZoneOffset"], "+00:00");
            assert_eq!(e["epcList"], json!([consignment]));
            assert_eq!(e["tamga:actId"], act.id().to_hex());
            assert_eq!(e["eventID"], event_id(&act.id()));
            let signers: Vec<&str> = act.signatures().iter().map(|s| s.key.as_str()).collect();
            assert_eq!(e["tamga:signers"], json!(signers));
            assert!(e["tamga:seals"][0]["tamga:sealNumber"] == "KG-0042137");
        }

        let handoff = &events[1];
        assert_eq!(handoff["readPoint"]["id"], "urn:tamga:unit:MANAS-AIRPORT");
        assert_eq!(handoff["bizLocation"]["id"], "urn:tamga:unit:MANAS-AIRPORT");
        assert_eq!(
            handoff["sourceList"],
            json!([{ "type": "possessing_party", "source": format!("urn:tamga:unit:{AIRPORT_POST}") }])
        );
        assert_eq!(
            handoff["destinationList"],
            json!([{ "type": "possessing_party", "destination": format!("urn:tamga:unit:{ESCORT_UNIT}") }])
        );
        assert_eq!(handoff["tamga:signers"].as_array().unwrap().len(), 2);
        assert_eq!(handoff["tamga:seals"][0]["tamga:state"], "intact");
        assert_eq!(handoff["tamga:grossMass"]["tamga:value"], "0.412");

        // The check on the road: no read point without coordinates, the place in words.
        let check = &events[2];
        assert!(check.get("readPoint").is_none() && check.get("bizLocation").is_none());
        assert_eq!(check["tamga:place"], "Bishkek ring road, km 14, fuel stop");

        assert_eq!(
            events[4]["bizLocation"]["id"],
            format!("urn:tamga:unit:{DEPARTMENT}")
        );

        // Order and duplicates of the input do not matter.
        let mut shuffled: Vec<SignedAct> = acts.iter().rev().cloned().collect();
        shuffled.extend(acts.iter().cloned());
        assert_eq!(document(&shuffled, created), doc);
    }

    #[test]
    fn event_ids_are_deterministic_uuids() {
        let story = Story::new();
        let act = story.seal_applied();
        let id = event_id(&act.id());
        assert_eq!(id, event_id(&story.seal_applied().id()));
        let uuid = id.strip_prefix("urn:uuid:").unwrap();
        let groups: Vec<&str> = uuid.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            vec![8, 4, 4, 4, 12]
        );
        assert!(groups[2].starts_with('8'));
        assert!(matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
        assert!(act.id().to_hex().starts_with(groups[0]));
    }

    #[test]
    fn seal_removal_replacement_and_damage() {
        let story = Story::new();
        let new_seal = SealNumber::new("KG-0042200").unwrap();
        let road = Place::Road {
            description: text("Chui highway, km 21"),
            coordinates: Some(Coordinates {
                latitude: parse_decimal("42.8746").unwrap(),
                longitude: parse_decimal("74.6122").unwrap(),
            }),
        };
        let replaced = story.sign(
            ActBody::SealReplaced(SealReplaced {
                consignment: story.consignment.clone(),
                at: story.t(65),
                officer: story.escort_lead.id.clone(),
                place: road.clone(),
                old_seal: story.seal.clone(),
                old_state: SealState::Damaged,
                new_seal: new_seal.clone(),
                new_seal_kind: SealKind::Mechanical,
                fixed_on: text("safe-bag, one place"),
                grounds: SealGrounds {
                    permission: None,
                    basis: SealBasis::ThreatOfLoss,
                    reference: None,
                },
            }),
            &[&story.escort_lead],
        );
        let removed = story.sign(
            ActBody::SealRemoved(SealRemoved {
                consignment: story.consignment.clone(),
                at: story.t(112),
                officer: story.department_officer.id.clone(),
                place: Place::Post {
                    unit: unit(DEPARTMENT),
                },
                seal: new_seal.clone(),
                state: SealState::Intact,
                grounds: SealGrounds {
                    permission: None,
                    basis: SealBasis::Inspection,
                    reference: Some(text("order 77/2026")),
                },
            }),
            &[&story.department_officer],
        );
        let damaged = story.seal_checked(60, SealState::Damaged);
        let doc = document(
            &[
                removed,
                damaged,
                replaced,
                story.registration(),
                story.positions(),
            ],
            at("2026-11-24T00:00:00Z"),
        );
        let events = doc["epcisBody"]["eventList"].as_array().unwrap();
        assert_eq!(
            events.len(),
            3,
            "registration and positions are not exported"
        );

        assert_eq!(events[0]["bizStep"], "inspecting");
        assert_eq!(events[0]["disposition"], "non_conformant");
        assert_eq!(events[0]["tamga:seals"][0]["tamga:state"], "damaged");

        let r = &events[1];
        assert_eq!(r["bizStep"], "replacing");
        assert_eq!(r["disposition"], "container_closed");
        assert_eq!(r["readPoint"]["id"], "geo:42.8746,74.6122");
        assert!(r.get("bizLocation").is_none());
        assert_eq!(
            r["tamga:seals"],
            json!([
                { "tamga:sealNumber": "KG-0042137", "tamga:state": "damaged", "tamga:change": "removed" },
                { "tamga:sealNumber": "KG-0042200", "tamga:sealKind": "mechanical", "tamga:change": "applied" },
            ])
        );
        assert_eq!(
            r["tamga:grounds"],
            json!({ "tamga:basis": "threat_of_loss" })
        );

        let u = &events[2];
        assert_eq!(u["bizStep"], "unpacking");
        assert_eq!(u["disposition"], "container_open");
        assert_eq!(u["eventTime"], "2026-11-23T07:52:00Z");
        assert_eq!(
            u["tamga:grounds"],
            json!({ "tamga:basis": "inspection", "tamga:reference": "order 77/2026" })
        );
        assert_eq!(u["readPoint"]["id"], "urn:tamga:unit:PMD-BISHKEK");
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(encode("A-b_c.d~9"), "A-b_c.d~9");
        assert_eq!(encode("a/b c:ä"), "a%2Fb%20c%3A%C3%A4");
    }
}
