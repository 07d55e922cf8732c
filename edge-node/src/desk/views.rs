//! What people see at the desk: the consignments held here, one consignment with its acts and
//! their signers, the officer keys on this device, the registry, acts by id.

use super::{Desk, DeskError};
use crate::answers::{
    ActView, AtHeadquarters, ConsignmentView, EnrollmentView, OfficerView, Signer,
};
use crate::listing::{self, ConsignmentList, ListRequest};
use crate::workflow;
use std::collections::{BTreeMap, BTreeSet};
use tamga_core::{ActId, ConsignmentId, KeyId, SignedAct, Timestamp};
use tamga_store::DocId;

impl Desk<'_> {
    /// The ids of every consignment held here (from the status index, nothing assessed).
    fn consignment_ids(&self) -> Result<BTreeSet<ConsignmentId>, DeskError> {
        let mut ids = BTreeSet::new();
        for status in tamga_store::summary::STATUSES {
            ids.extend(self.node.store.by_status(status)?);
        }
        Ok(ids)
    }

    /// A page of the consignments held here as the list shows them at `now`, most urgent
    /// deadline first, delivered last, with the header's counts unless the request leaves them
    /// out: from the store's summaries, list keys and counters, nothing assessed; the counts
    /// once per answer.
    pub fn consignments(
        &self,
        request: &ListRequest,
        now: Timestamp,
    ) -> Result<ConsignmentList, DeskError> {
        let store = &self.node.store;
        let page = store.list(&request.query, now)?;
        let counts = if request.counts {
            Some((&store.list_counts(now)?).into())
        } else {
            None
        };
        Ok(ConsignmentList {
            rows: page
                .rows
                .iter()
                .map(|r| listing::row(r, &self.node.config.local_time()))
                .collect(),
            next: page.next.map(|c| c.to_text()),
            counts,
        })
    }

    /// The signer of an act dated `at`, as enrolled at that time
    /// ([`tamga_core::Registry::signer_at`], the answer central's dashboard gives too).
    pub fn signer(&self, key: &KeyId, at: Timestamp) -> Signer {
        let registry = self.node.store.registry();
        let enrollment = registry.signer_at(key, at).enrollment;
        Signer {
            key: key.clone(),
            name: enrollment.map(|e| e.holder.clone()),
            personal_number: enrollment.and_then(|e| e.personal_number.clone()),
            role: enrollment.map(|e| e.role.as_str().to_owned()),
            unit: enrollment.map(|e| e.unit.to_string()),
        }
    }

    /// One consignment: its assessment `now`, its acts with their signers, the handoff prefill.
    pub fn consignment_view(
        &self,
        id: &ConsignmentId,
        now: Timestamp,
    ) -> Result<ConsignmentView, DeskError> {
        let (assessment, acts) = self.node.store.assessment_and_acts(id, now)?;
        if acts.is_empty() {
            return Err(DeskError::NotFound(format!(
                "no consignment {id} on this node: check the number, or sync with the post that registered it"
            )));
        }
        Ok(self.view_of(assessment, &acts))
    }

    /// One consignment's road for the map `now` ([`tamga_core::assessment::track::view`]): its
    /// corridor, the route's posts, positions, seal events and the road's findings.
    pub fn track_view(
        &self,
        id: &ConsignmentId,
        now: Timestamp,
    ) -> Result<tamga_core::assessment::track::view::TrackView, DeskError> {
        let (assessment, acts) = self.node.store.assessment_and_acts(id, now)?;
        if acts.is_empty() {
            return Err(DeskError::NotFound(format!(
                "no consignment {id} on this node: check the number, or sync with the post that registered it"
            )));
        }
        let registry = self.node.store.registry();
        Ok(tamga_core::assessment::track::view::view(
            &assessment,
            &acts,
            &registry,
        ))
    }

    /// A consignment's view from its assessment and the acts it was made from.
    pub fn view_of(
        &self,
        assessment: tamga_core::Assessment,
        acts: &[SignedAct],
    ) -> ConsignmentView {
        let registration = assessment.registration_body.clone();
        let by_id: BTreeMap<ActId, &SignedAct> = acts.iter().map(|a| (a.id(), a)).collect();
        let zone = self.node.config.local_time();
        let view = |act: &SignedAct, holds: bool| ActView {
            id: act.id(),
            kind: act.body().kind().to_owned(),
            at: act.body().at(),
            at_for_people: zone.for_people(act.body().at()),
            body: serde_json::to_value(act.body()).expect("an act serializes"),
            signers: act
                .signatures()
                .iter()
                .map(|s| self.signer(&s.key, act.body().at()))
                .collect(),
            holds,
            at_headquarters: self.node.store.receipt(&act.id()).ok().flatten().map(|r| {
                AtHeadquarters {
                    seen: r.seen,
                    seen_for_people: zone.for_people(r.seen),
                    leaf: r.index,
                }
            }),
        };
        let mut views: Vec<ActView> = assessment
            .acts
            .iter()
            .filter_map(|id| by_id.get(id).map(|a| view(a, true)))
            .collect();
        for rejected in &assessment.rejected {
            if let Some(a) = by_id.get(&rejected.act) {
                views.push(view(a, false));
            }
        }
        let next_handoff = workflow::next_handoff(&assessment, registration.as_ref());
        ConsignmentView {
            assessment,
            acts: views,
            registration,
            next_handoff,
        }
    }

    /// The officer keys held here, with their enrollment in force `now`.
    pub fn officers(&self, now: Timestamp) -> Result<Vec<OfficerView>, DeskError> {
        let registry = self.node.store.registry();
        let mut out = Vec::new();
        for stored in self.keystore()?.list()? {
            let enrollment = registry
                .enrollments(&stored.id)
                .iter()
                .rev()
                .find(|e| e.valid_from <= now && now < e.valid_until)
                .map(|e| enrollment_view(&registry, &stored.id, e));
            out.push(OfficerView {
                key: stored.id,
                holder: stored.holder,
                enrollment,
            });
        }
        Ok(out)
    }

    /// Every key enrolled in the registry here (the latest enrollment of each).
    pub fn enrolled(&self) -> Vec<EnrollmentView> {
        let registry = self.node.store.registry();
        registry
            .keys()
            .filter_map(|k| {
                registry
                    .enrollments(k)
                    .last()
                    .map(|e| enrollment_view(&registry, k, e))
            })
            .collect()
    }

    /// Act `id`: the completed handoff of an offer kept here, or else the act in whichever
    /// consignment holds it.
    pub fn act_by_id(&self, id: &ActId) -> Result<SignedAct, DeskError> {
        if let Ok((_, offer, _)) = self.offers().find(id) {
            return self.act(&offer.transfer().consignment, id);
        }
        self.find_act(id)
    }

    /// Act `id`, in whichever consignment holds it: looked up by its key in each document, no
    /// consignment assessed.
    pub fn find_act(&self, id: &ActId) -> Result<SignedAct, DeskError> {
        for consignment in self.consignment_ids()? {
            if self
                .node
                .store
                .has_act(&DocId::Consignment(consignment.clone()), id)?
            {
                return self.act(&consignment, id);
            }
        }
        Err(DeskError::NotFound(format!("no act {id} on this node")))
    }

    /// Act `id` of `consignment`.
    pub fn act(&self, consignment: &ConsignmentId, id: &ActId) -> Result<SignedAct, DeskError> {
        self.node
            .store
            .acts(&DocId::Consignment(consignment.clone()))?
            .into_iter()
            .find(|a| &a.id() == id)
            .ok_or_else(|| DeskError::NotFound(format!("no act {id} in consignment {consignment}")))
    }
}

fn enrollment_view(
    registry: &tamga_core::Registry,
    key: &KeyId,
    e: &tamga_core::registry::Enrollment,
) -> EnrollmentView {
    EnrollmentView {
        key: key.clone(),
        name: e.holder.clone(),
        personal_number: e.personal_number.clone(),
        role: e.role.as_str().to_owned(),
        unit: e.unit.to_string(),
        valid_from: e.valid_from,
        valid_until: e.valid_until,
        revoked: registry.revocation(key).is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NodeRole;
    use tamga_core::act::ActBody;
    use tamga_core::fixtures::{at, unit, Story, OTHER_POST};

    /// An officer enrolled at the airport for 2026–27 and moved to another post for 2028: the
    /// registration they signed in 2026 names them as enrolled then, as central's dashboard
    /// does, not by their latest enrollment.
    #[test]
    fn an_act_shows_its_signer_as_enrolled_at_the_act_s_time() {
        let dir = tempfile::tempdir().unwrap();
        let story = Story::new();
        let node = crate::desk::test_node(
            dir.path(),
            NodeRole::Post,
            tamga_core::fixtures::AIRPORT_POST,
            &story,
        );
        let ActBody::KeyEnrolled(mut moved) =
            story.enrollment(&story.airport_officer).body().clone()
        else {
            unreachable!("an enrollment")
        };
        moved.at = at("2027-12-20T09:00:00Z");
        moved.unit = unit(OTHER_POST);
        moved.valid_from = at("2028-01-01T00:00:00Z");
        moved.valid_until = at("2029-01-01T00:00:00Z");
        node.store
            .record(&story.by_authority(ActBody::KeyEnrolled(moved)))
            .unwrap();
        node.store.record(&story.registration()).unwrap();

        let pins = crate::desk::test_pins(&node);
        let view = Desk::new(&node, &pins)
            .consignment_view(&story.consignment, story.t(60))
            .unwrap();
        let registered = view
            .acts
            .iter()
            .find(|a| a.kind == "consignment_registered")
            .unwrap();
        assert_eq!(
            registered.signers[0].unit.as_deref(),
            Some(tamga_core::fixtures::AIRPORT_POST)
        );
    }

    /// A page comes with the header's counts unless asked without them; the rows are the same.
    #[test]
    fn a_page_without_counts_is_the_same_page() {
        let dir = tempfile::tempdir().unwrap();
        let story = Story::new();
        let node = crate::desk::test_node(
            dir.path(),
            NodeRole::Post,
            tamga_core::fixtures::AIRPORT_POST,
            &story,
        );
        for n in 0..5 {
            node.store
                .record(&tamga_core::fixtures::stream::registration(&story, n))
                .unwrap();
        }
        let pins = crate::desk::test_pins(&node);
        let desk = Desk::new(&node, &pins);
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        // Late enough that every deadline has passed.
        let now = story.t(5000);
        let ask = |list: &[(&str, &str)]| {
            desk.consignments(&listing::parse_query(&pairs(list)).unwrap(), now)
                .unwrap()
        };
        let counted = ask(&[("limit", "2")]);
        let counts = counted.counts.as_ref().expect("counted by default");
        assert_eq!((counts.total, counts.overdue), (5, 5));
        assert_eq!(counts.by_worst["major"], 5, "overdue is major: {counts:?}");
        let bare = ask(&[("limit", "2"), ("counts", "false")]);
        assert!(bare.counts.is_none());
        let json = |page: &ConsignmentList| serde_json::to_value(&page.rows).unwrap();
        assert_eq!(json(&bare), json(&counted));
        assert_eq!(bare.next, counted.next);
        assert_eq!(bare.rows.len(), 2);
    }
}
