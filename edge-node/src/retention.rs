//! Data minimization on a vehicle: a tablet that is stolen should hold only what is in flight.
//!
//! A vehicle node forgets a consignment's document ([`tamga_store::Store::forget`]) once the
//! consignment is delivered, at least `keep_delivered_days` have passed since (the
//! configuration; 7 by default, 0 for "as soon as possible"), and central holds every change this
//! node has of it: the last sync with a device enrolled at one of the central units ended with
//! both sides sharing this node's heads. A consignment central has not confirmed is kept,
//! however old: the vehicle may be the only carrier of its acts. A post keeps what concerns it.
//!
//! A pure decision over the store ([`due`]) and a pass that acts on it ([`forget_delivered`]),
//! run by `serve` on the compaction interval.

use tamga_core::assessment::Status;
use tamga_core::{ConsignmentId, KeyId, Registry, Role, Timestamp, UnitCode};
use tamga_store::{DocId, Store, StoreError};
use tracing::{debug, info};

/// The default number of days a vehicle keeps a delivered consignment central holds.
pub const DEFAULT_KEEP_DELIVERED_DAYS: u32 = 7;

/// The device keys of central: every key ever enrolled as a device at one of `central_units`.
pub fn central_devices(registry: &Registry, central_units: &[UnitCode]) -> Vec<KeyId> {
    registry
        .keys()
        .filter(|k| {
            registry
                .enrollments(k)
                .iter()
                .any(|e| e.role == Role::Device && central_units.contains(&e.unit))
        })
        .cloned()
        .collect()
}

/// The delivered consignments this node may forget at `now`.
pub fn due(
    store: &Store,
    central_units: &[UnitCode],
    keep_days: u32,
    now: Timestamp,
) -> Result<Vec<ConsignmentId>, StoreError> {
    let central = central_devices(&store.registry(), central_units);
    let delivered = store.by_status(Status::Delivered)?;
    debug!(
        delivered = delivered.len(),
        central = central.len(),
        keep_days,
        "looking for delivered consignments to forget"
    );
    let mut out = Vec::new();
    for consignment in delivered {
        let assessment = store.assessment(&consignment, now)?;
        let Some(delivered_at) = assessment.state.delivered_at else {
            continue;
        };
        if now.seconds_since(&delivered_at) < i64::from(keep_days) * 86_400 {
            continue;
        }
        let doc = DocId::Consignment(consignment.clone());
        let mut held = false;
        for device in &central {
            if store.peer_holds(device.as_str(), &doc)? {
                held = true;
                break;
            }
        }
        debug!(%consignment, held, central = central.len(), "delivered consignment: does central hold it?");
        if held {
            out.push(consignment);
        }
    }
    Ok(out)
}

/// Forgets every consignment [`due`] gives; returns them.
pub fn forget_delivered(
    store: &Store,
    central_units: &[UnitCode],
    keep_days: u32,
    now: Timestamp,
) -> Result<Vec<ConsignmentId>, StoreError> {
    let due = due(store, central_units, keep_days, now)?;
    for consignment in &due {
        store.forget(&DocId::Consignment(consignment.clone()), now.unix())?;
        info!(%consignment, "delivered consignment forgotten: central holds it");
    }
    Ok(due)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use tamga_core::fixtures::{key, Story};
    use tamga_core::signing::key_id;
    use tamga_sync::scope::Scope;
    use tamga_sync::session::{respond, Initiator, Step};

    fn open(story: &Story, dir: &std::path::Path, devices: &[(&SigningKey, &str)]) -> Store {
        let store = Store::open(dir, &story.authority_id()).unwrap();
        for act in story.registry_acts() {
            store.record(&act).unwrap();
        }
        for (device, unit) in devices {
            store
                .record(&story.device_enrollment(&key_id(device), unit, unit))
                .unwrap();
        }
        store
    }

    /// The vehicle pulls from `central` in one whole session.
    fn sync(vehicle: &Store, central: &Store, vehicle_key: &KeyId, central_key: &KeyId) {
        let scope = Scope::of(&tamga_core::fixtures::unit("ESCORT-BISHKEK"), &hq());
        let mut session = Initiator::new(vehicle, central_key.clone(), Scope::All);
        let mut request = session.start().unwrap();
        loop {
            let response = respond(central, vehicle_key, &scope, request).unwrap();
            match session.receive(response).unwrap() {
                Step::Send(next) => request = next,
                Step::Done(_) => break,
            }
        }
    }

    fn hq() -> Vec<UnitCode> {
        vec![tamga_core::fixtures::unit("HQ-RECON")]
    }

    #[test]
    fn a_delivered_consignment_is_due_once_central_holds_it_and_its_retention_passed() {
        let story = Story::new();
        let (vehicle_device, central_device) = (key("tablet"), key("central"));
        let devices = [
            (&vehicle_device, "ESCORT-BISHKEK"),
            (&central_device, "HQ-RECON"),
        ];
        let (vd, cd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let vehicle = open(&story, vd.path(), &devices);
        let central = open(&story, cd.path(), &devices);
        let acts = story.clean_delivery();
        for act in &acts {
            central.record(act).unwrap();
        }
        // The vehicle holds all but the delivery: not delivered here, nothing due.
        for act in &acts[..acts.len() - 1] {
            vehicle.record(act).unwrap();
        }
        let (vk, ck) = (key_id(&vehicle_device), key_id(&central_device));
        let now = story.t(60 * 24 * 30);
        assert!(due(&vehicle, &hq(), 0, now).unwrap().is_empty());
        sync(&vehicle, &central, &vk, &ck);
        // Delivered now, central holds it: due at once with no retention, not within 30 days.
        assert_eq!(
            due(&vehicle, &hq(), 0, now).unwrap(),
            vec![story.consignment.clone()]
        );
        assert!(due(&vehicle, &hq(), 31, now).unwrap().is_empty());
        // A new act central does not hold yet: not due until the next sync.
        vehicle.record(&story.positions()).ok();
        let forgotten = forget_delivered(&vehicle, &hq(), 0, now).unwrap();
        if forgotten.is_empty() {
            sync(&vehicle, &central, &vk, &ck);
            assert_eq!(forget_delivered(&vehicle, &hq(), 0, now).unwrap().len(), 1);
        }
        assert!(vehicle
            .is_forgotten(&DocId::Consignment(story.consignment.clone()))
            .unwrap());
        // Synced again: nothing comes back.
        sync(&vehicle, &central, &vk, &ck);
        assert!(vehicle
            .acts(&DocId::Consignment(story.consignment.clone()))
            .unwrap()
            .is_empty());
        assert!(vehicle.check().unwrap().is_empty());
    }
}
