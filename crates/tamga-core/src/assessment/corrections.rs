//! Corrections: an `act_corrected` names an earlier act and the fields it changes. The act
//! corrected stays as it was signed; the rules read its corrected body, every correction
//! applied in fold order. Who may correct what is [`super::permission`]'s to judge: by the time
//! this module runs, every correction left holds.
//!
//! A correction changes only fields no part in the consignment depends on (see
//! [`crate::act::Correction`]): so corrections never change who may write what, and the
//! permission pass may judge the acts as signed.

use crate::act::{ActBody, ActCorrected, Correction};
use crate::canonical::ActId;
use crate::signing::SignedAct;
use std::collections::BTreeMap;

/// The corrected bodies of the acts corrected, and for each the corrections applied, in order.
pub(crate) struct Corrected {
    pub bodies: BTreeMap<ActId, ActBody>,
    pub by_act: BTreeMap<ActId, Vec<ActId>>,
}

/// Applies every correction among `acts` (in fold order, all holding) to the act it names.
pub(crate) fn apply(acts: &[&SignedAct]) -> Corrected {
    let mut bodies: BTreeMap<ActId, ActBody> = BTreeMap::new();
    let mut by_act: BTreeMap<ActId, Vec<ActId>> = BTreeMap::new();
    let originals: BTreeMap<ActId, &ActBody> = acts.iter().map(|a| (a.id(), a.body())).collect();
    for act in acts {
        let ActBody::ActCorrected(c) = act.body() else {
            continue;
        };
        let Some(original) = originals.get(&c.corrects) else {
            continue;
        };
        let body = bodies
            .entry(c.corrects)
            .or_insert_with(|| (*original).clone());
        if correct(body, c) {
            by_act.entry(c.corrects).or_default().push(act.id());
        }
    }
    Corrected { bodies, by_act }
}

/// Whether `correction` fits `body`'s kind (then it is applied).
pub(crate) fn fits(body: &ActBody, correction: &Correction) -> bool {
    body.kind() == correction.target_kind()
}

fn correct(body: &mut ActBody, c: &ActCorrected) -> bool {
    fn set<T: Clone>(field: &mut T, value: &Option<T>) {
        if let Some(v) = value {
            *field = v.clone();
        }
    }
    match (body, &c.changes) {
        (ActBody::ConsignmentRegistered(r), Correction::ConsignmentRegistered(f)) => {
            set(&mut r.declaration, &f.declaration);
            set(&mut r.consignor, &f.consignor);
            set(&mut r.consignee, &f.consignee);
            if f.carrier.is_some() {
                r.carrier = f.carrier.clone();
            }
            set(&mut r.goods, &f.goods);
            set(&mut r.packages, &f.packages);
            set(&mut r.certificates, &f.certificates);
            set(&mut r.documents, &f.documents);
            true
        }
        (ActBody::SealApplied(s), Correction::SealApplied(f)) => {
            set(&mut s.seal, &f.seal);
            set(&mut s.seal_kind, &f.seal_kind);
            set(&mut s.fixed_on, &f.fixed_on);
            true
        }
        (ActBody::EscortAssigned(e), Correction::EscortAssigned(f)) => {
            set(&mut e.vehicle, &f.vehicle);
            true
        }
        (ActBody::IncidentReported(i), Correction::IncidentReported(f)) => {
            if f.happened_at.is_some() {
                i.happened_at = f.happened_at;
            }
            set(&mut i.description, &f.description);
            set(&mut i.seals, &f.seals);
            set(&mut i.attachments, &f.attachments);
            true
        }
        _ => false,
    }
}
