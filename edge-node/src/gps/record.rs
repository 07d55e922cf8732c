//! A batch of fixes signed and recorded: one `position_reported` act per consignment the
//! vehicle's unit holds in custody and whose transit has not ended, signed by the node's device
//! key (the `device` role may sign positions: `tamga_core::registry::roles_allowed`), checked
//! against the registry (`Registry::verify`) and recorded with `Store::record`, durable before
//! it counts. Blocking (the store); the caller runs it off the async workers with the time it
//! read.

use super::fixes::Fix;
use ed25519_dalek::SigningKey;
use std::sync::Arc;
use tamga_core::act::{ActBody, PositionReported, MAX_POSITIONS_PER_ACT};
use tamga_core::assessment::Status;
use tamga_core::signing::key_id;
use tamga_core::{ConsignmentId, SignedAct, Timestamp, UnitCode};
use tamga_store::store::list::{ListQuery, MAX_PAGE};
use tamga_store::{Store, StoreError};

/// Who signs the positions, and where they are recorded.
pub struct Recorder {
    /// The node's store.
    pub store: Arc<Store>,
    /// The node's device key, which signs.
    pub device: SigningKey,
    /// The vehicle's escort unit.
    pub unit: UnitCode,
}

/// What became of a batch.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    /// The consignments in the unit's custody, in transit, when the batch was signed (none: the
    /// fixes had nobody to be signed for).
    pub consignments: Vec<ConsignmentId>,
    /// The acts recorded (new or already held).
    pub acts: usize,
    /// The consignments the acts could not be recorded for, and why.
    pub failed: Vec<(ConsignmentId, String)>,
}

/// Whether a consignment's transit has ended (delivered, or returned to the office of departure).
/// A refused consignment going back under escort is still in transit.
pub fn transit_ended(status: Status) -> bool {
    matches!(status, Status::Delivered | Status::Returned)
}

impl Recorder {
    /// The consignments the unit holds in custody at `now` and whose transit has not ended, from
    /// the store's list (its custodian index; nothing assessed).
    pub fn in_custody(&self, now: Timestamp) -> Result<Vec<ConsignmentId>, StoreError> {
        let mut query = ListQuery {
            limit: MAX_PAGE,
            custodian: Some(self.unit.clone()),
            ..ListQuery::default()
        };
        let mut held = Vec::new();
        loop {
            let page = self.store.list(&query, now)?;
            held.extend(
                page.rows
                    .into_iter()
                    .filter(|r| r.summary.custodian.as_ref() == Some(&self.unit))
                    .filter(|r| !transit_ended(r.summary.status))
                    .map(|r| r.summary.consignment),
            );
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(held),
            }
        }
    }

    /// Signs `fixes` (oldest first) at `now`, at most `per_act` to an act, for each consignment
    /// in custody, and records the acts. An act that cannot be recorded is reported in
    /// [`Recorded::failed`]; the others are recorded all the same.
    pub fn record(
        &self,
        fixes: &[Fix],
        now: Timestamp,
        per_act: usize,
    ) -> Result<Recorded, StoreError> {
        let mut recorded = Recorded {
            consignments: self.in_custody(now)?,
            ..Recorded::default()
        };
        let per_act = per_act.clamp(1, MAX_POSITIONS_PER_ACT);
        for consignment in &recorded.consignments {
            for chunk in fixes.chunks(per_act) {
                match self.record_one(consignment, chunk, now) {
                    Ok(()) => recorded.acts += 1,
                    Err(e) => {
                        recorded.failed.push((consignment.clone(), e));
                        break;
                    }
                }
            }
        }
        Ok(recorded)
    }

    fn record_one(
        &self,
        consignment: &ConsignmentId,
        fixes: &[Fix],
        now: Timestamp,
    ) -> Result<(), String> {
        let body = ActBody::PositionReported(PositionReported {
            consignment: consignment.clone(),
            at: now,
            officer: key_id(&self.device),
            positions: fixes.iter().map(Fix::position).collect(),
        });
        let act = SignedAct::sign(body, &[&self.device])
            .map_err(|e| format!("the positions could not be signed: {e}"))?;
        self.store.registry().verify(&act).map_err(|e| {
            format!(
                "this vehicle's device key may not sign positions ({e}): have central enroll it for the escort unit, then import the enrollment file"
            )
        })?;
        self.store
            .record(&act)
            .map_err(|e| format!("the positions could not be recorded: {e}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NodeRole;
    use crate::desk::test_node;
    use tamga_core::fixtures::{at, Story, ESCORT_UNIT};

    fn fixes(from: Timestamp, n: usize) -> Vec<Fix> {
        (0..n)
            .map(|i| {
                let t = from.plus_seconds(10 * i as i64);
                Fix::new(t, 43.0613 - 0.001 * i as f64, 74.4776 + 0.001 * i as f64).unwrap()
            })
            .collect()
    }

    fn positions_of(store: &Store, c: &ConsignmentId) -> Vec<PositionReported> {
        store
            .acts(&tamga_store::DocId::Consignment(c.clone()))
            .unwrap()
            .into_iter()
            .filter_map(|a| match a.body() {
                ActBody::PositionReported(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }

    /// A vehicle node whose device key is enrolled at the escort unit, holding the story up to
    /// `acts` of its clean delivery.
    fn vehicle(dir: &std::path::Path, story: &Story, acts: usize) -> (crate::node::Node, Recorder) {
        let node = test_node(dir, NodeRole::Vehicle, ESCORT_UNIT, story);
        let enrollment = story.device_enrollment(&node.device_id(), ESCORT_UNIT, "tablet");
        node.store.record(&enrollment).unwrap();
        for act in &story.clean_delivery()[..acts] {
            node.store.record(act).unwrap();
        }
        let recorder = Recorder {
            store: Arc::clone(&node.store),
            device: node.device.clone(),
            unit: node.config.unit.clone(),
        };
        (node, recorder)
    }

    #[test]
    fn a_batch_is_signed_by_the_device_key_for_the_consignment_in_the_units_custody() {
        let dir = tempfile::tempdir().unwrap();
        let story = Story::new();
        let (node, recorder) = vehicle(dir.path(), &story, 6);
        let now = at("2026-12-04T12:00:00Z");
        assert_eq!(
            recorder.in_custody(now).unwrap(),
            std::slice::from_ref(&story.consignment)
        );
        let batch = fixes(now.plus_seconds(-600), 7);
        let done = recorder.record(&batch, now, 3).unwrap();
        assert_eq!(done.acts, 3, "3 + 3 + 1");
        assert!(done.failed.is_empty());
        let acts = positions_of(&node.store, &story.consignment);
        let mut ours: Vec<_> = acts.iter().filter(|p| p.at == now).collect();
        ours.sort_by_key(|p| p.positions[0].at);
        assert_eq!(ours.len(), 3);
        let signed: Vec<_> = ours.iter().flat_map(|p| p.positions.clone()).collect();
        assert_eq!(signed, batch.iter().map(Fix::position).collect::<Vec<_>>());
        assert!(ours.iter().all(|p| p.officer == node.device_id()));
        // Each act holds in the consignment's assessment (the escort unit may report positions).
        let all = node
            .store
            .acts(&tamga_store::DocId::Consignment(story.consignment.clone()))
            .unwrap();
        let assessment = tamga_core::assess(
            &story.consignment,
            &all,
            &node.store.registry(),
            now,
            &tamga_core::Tolerances::default(),
        );
        assert!(assessment.rejected.is_empty(), "{:?}", assessment.rejected);
    }

    #[test]
    fn nobody_in_custody_before_the_handoff_or_after_delivery() {
        let story = Story::new();
        let now = at("2026-12-04T12:00:00Z");
        // Registered, sealed, escort assigned: the post still holds it.
        let dir = tempfile::tempdir().unwrap();
        let (_node, recorder) = vehicle(dir.path(), &story, 3);
        let done = recorder.record(&fixes(now, 2), now, 30).unwrap();
        assert_eq!(done, Recorded::default());
        // Delivered: transit ended.
        let dir = tempfile::tempdir().unwrap();
        let (node, recorder) = vehicle(dir.path(), &story, 9);
        assert!(recorder.in_custody(now).unwrap().is_empty());
        recorder.record(&fixes(now, 2), now, 30).unwrap();
        assert!(positions_of(&node.store, &story.consignment)
            .iter()
            .all(|p| p.at != now));
    }

    #[test]
    fn a_device_key_not_enrolled_records_nothing_and_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let story = Story::new();
        let node = test_node(dir.path(), NodeRole::Vehicle, ESCORT_UNIT, &story);
        for act in &story.clean_delivery()[..6] {
            node.store.record(act).unwrap();
        }
        let recorder = Recorder {
            store: Arc::clone(&node.store),
            device: node.device.clone(),
            unit: node.config.unit.clone(),
        };
        let now = at("2026-12-04T12:00:00Z");
        let done = recorder.record(&fixes(now, 2), now, 30).unwrap();
        assert_eq!(done.acts, 0);
        assert!(done.failed[0].1.contains("enroll"), "{:?}", done.failed);
        assert!(positions_of(&node.store, &story.consignment)
            .iter()
            .all(|p| p.at != now));
    }
}
