//! The road in EPCIS: the vehicle's positions and the navigation seals' events.
//!
//! | act | events | bizStep | disposition | readPoint |
//! |---|---|---|---|---|
//! | `position_reported` | one per act | `transporting` | `in_transit` | `geo:` of the last fix |
//! | `seal_events_reported`, each event | one per event | `sensor_reporting` | below | `geo:` where the seal knew |
//!
//! A batch of positions is one observation of the goods on their way, at the time the batch
//! was signed, its fixes in `tamga:positions` (`tamga:time`, `tamga:latitude`,
//! `tamga:longitude`, exact decimals as text). Each seal event is its own observation at the
//! time the seal recorded it (CBV 2.0's `sensor_reporting`), the seal and what it reported in
//! `tamga:seals` and `tamga:sealEvent`, with the disposition the event says of the package:
//! `armed` `container_closed`, `opened` `container_open`, `tampered` `damaged`, `position`
//! `in_transit`; `battery_low` and `disarmed` say nothing of the goods and carry none. Their
//! `eventID` is derived from the act id and the event's place in the act (a version 8 UUID
//! from the SHA-256 of both), so that the same act always gives the same ids.

use super::{consignment_uri, event_id, seal_entry};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use tamga_core::act::{Coordinates, SealEventKind};
use tamga_core::{ActBody, ActId, SignedAct, Timestamp};

fn geo(c: &Coordinates) -> Value {
    json!({ "id": format!("geo:{},{}", c.latitude, c.longitude) })
}

/// The fields every event of `act` has.
fn base(
    act: &SignedAct,
    event: String,
    at: Timestamp,
    biz_step: &str,
    disposition: Option<&str>,
) -> Option<Map<String, Value>> {
    let mut e = Map::new();
    e.insert("type".into(), json!("ObjectEvent"));
    e.insert("eventID".into(), json!(event));
    e.insert("eventTime".into(), json!(at.to_rfc3339()));
    e.insert("eventTimeZoneOffset".into(), json!("+00:00"));
    e.insert(
        "epcList".into(),
        json!([consignment_uri(act.body().consignment()?)]),
    );
    e.insert("action".into(), json!("OBSERVE"));
    e.insert("bizStep".into(), json!(biz_step));
    if let Some(d) = disposition {
        e.insert("disposition".into(), json!(d));
    }
    e.insert("tamga:actId".into(), json!(act.id().to_hex()));
    e.insert("tamga:actKind".into(), json!(act.body().kind()));
    e.insert(
        "tamga:signers".into(),
        Value::Array(
            act.signatures()
                .iter()
                .map(|s| json!(s.key.as_str()))
                .collect(),
        ),
    );
    Some(e)
}

/// The event id of the `n`th event of the act `id`.
fn nth_event_id(id: &ActId, n: usize) -> String {
    let digest: [u8; 32] = Sha256::new()
        .chain_update(id.0)
        .chain_update((n as u64).to_be_bytes())
        .finalize()
        .into();
    event_id(&ActId(digest))
}

/// The events of a `position_reported` or `seal_events_reported` act; none for another kind.
pub(super) fn events(act: &SignedAct) -> Vec<Value> {
    match act.body() {
        ActBody::PositionReported(p) => {
            let Some(mut e) = base(
                act,
                event_id(&act.id()),
                p.at,
                "transporting",
                Some("in_transit"),
            ) else {
                return Vec::new();
            };
            if let Some(last) = p.positions.last() {
                e.insert("readPoint".into(), geo(&last.coordinates));
            }
            e.insert(
                "tamga:positions".into(),
                Value::Array(
                    p.positions
                        .iter()
                        .map(|x| {
                            json!({
                                "tamga:time": x.at.to_rfc3339(),
                                "tamga:latitude": x.coordinates.latitude.to_string(),
                                "tamga:longitude": x.coordinates.longitude.to_string(),
                            })
                        })
                        .collect(),
                ),
            );
            vec![Value::Object(e)]
        }
        ActBody::SealEventsReported(r) => r
            .events
            .iter()
            .enumerate()
            .filter_map(|(n, x)| {
                let disposition = match x.event {
                    SealEventKind::Armed => Some("container_closed"),
                    SealEventKind::Opened => Some("container_open"),
                    SealEventKind::Tampered => Some("damaged"),
                    SealEventKind::Position => Some("in_transit"),
                    SealEventKind::BatteryLow | SealEventKind::Disarmed => None,
                };
                let mut e = base(
                    act,
                    nth_event_id(&act.id(), n),
                    x.at,
                    "sensor_reporting",
                    disposition,
                )?;
                if let Some(c) = &x.coordinates {
                    e.insert("readPoint".into(), geo(c));
                }
                e.insert(
                    "tamga:seals".into(),
                    json!([seal_entry(
                        &x.seal,
                        None,
                        Some(json!("navigation")),
                        "reported"
                    )]),
                );
                e.insert("tamga:sealEvent".into(), json!(x.event.as_str()));
                Some(Value::Object(e))
            })
            .collect(),
        _ => Vec::new(),
    }
}
