//! Paper acts at the desk: an act held here, its consignment's registration in force, its
//! signers as the registry here enrolled them at the act's time, whether it holds now, and the
//! node's time zone, gathered for [`crate::paper::render`].

use super::{Desk, DeskError};
use crate::paper::{self, Facts, Paper, Standing};
use tamga_core::{ActBody, ActId, Timestamp};

impl Desk<'_> {
    /// The paper act of act `id`, printed `now`: [`DeskError::NotFound`] for an act not held
    /// here, [`DeskError::NoPaper`] for an act of a kind without one.
    pub fn paper(&self, id: &ActId, now: Timestamp) -> Result<Paper, DeskError> {
        let act = self.act_by_id(id)?;
        let body = act.body();
        if !paper::has_paper(body.kind()) {
            return Err(DeskError::NoPaper(paper::no_paper(body.kind())));
        }
        let Some(consignment) = body.consignment() else {
            return Err(DeskError::NoPaper(paper::no_paper(body.kind())));
        };
        let (assessment, acts) = self.node.store.assessment_and_acts(consignment, now)?;
        let standing = match assessment.rejected.iter().find(|r| &r.act == id) {
            Some(r) => Standing::DoesNotHold(r.reason.clone()),
            None => Standing::Holds,
        };
        let signers: Vec<_> = act
            .signatures()
            .iter()
            .map(|s| self.signer(&s.key, body.at()))
            .collect();
        let corrected_kind = match body {
            ActBody::ActCorrected(c) => acts
                .iter()
                .find(|a| a.id() == c.corrects)
                .map(|a| a.body().kind()),
            _ => None,
        };
        // The configuration's zone was checked when it was read.
        let zone = self.node.config.zone().unwrap_or(chrono_tz::Asia::Bishkek);
        paper::render(&Facts {
            act: &act,
            registration: assessment.registration_body.as_ref(),
            signers: &signers,
            standing: &standing,
            corrected_kind,
            zone,
            printed_at: now,
        })
        .map_err(DeskError::NoPaper)
    }
}
