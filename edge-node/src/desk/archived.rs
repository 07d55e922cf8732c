//! The post's archive at the desk ([`crate::archive`]): a pass now, a search, an archived
//! consignment shown exactly as a live one (its acts assessed now against this node's registry),
//! and its signed acts as an acts file for export.

use super::{Desk, DeskError};
use crate::answers::{ArchiveListing, ArchivePass, ArchivedView};
use crate::archive::{self, Shelf};
use tamga_core::{assess, ConsignmentId, SignedAct, Timestamp, Tolerances};
use tamga_store::DocId;

impl Desk<'_> {
    /// The node's archive.
    pub fn shelf(&self) -> Shelf {
        Shelf::of(&self.node.dir)
    }

    /// Archives now the consignments delivered at least `days` days ago that central holds.
    pub fn archive_pass(&self, days: u32, now: Timestamp) -> Result<ArchivePass, DeskError> {
        Ok(archive::archive_closed(
            &self.node.store,
            &self.shelf(),
            &self.node.config.central_units,
            days,
            now,
        )?)
    }

    /// The archived consignments matching `query` ([`Shelf::search`]), and the files refused.
    pub fn archive_search(&self, query: &str) -> Result<ArchiveListing, DeskError> {
        let (found, refused) = self.shelf().search(query)?;
        Ok(ArchiveListing {
            rows: found.iter().map(|f| f.row()).collect(),
            refused: refused.iter().map(|e| e.to_string()).collect(),
        })
    }

    /// The acts of `consignment`'s latest archived copy (held or not, as [`tamga_store::Store::acts`]
    /// gives a live one's), with where it was found.
    fn archived_acts_all(
        &self,
        consignment: &ConsignmentId,
    ) -> Result<(archive::Found, Vec<SignedAct>, Vec<tamga_store::Rejection>), DeskError> {
        let (found, document) = self.shelf().document(consignment)?;
        let registry = self.node.store.registry();
        let (acts, rejected) = tamga_store::saved::acts(
            &DocId::Consignment(consignment.clone()),
            &document,
            &registry,
        )?;
        Ok((found, acts, rejected))
    }

    /// An archived consignment, assessed `now`, as the desk shows a live one.
    pub fn archived(
        &self,
        consignment: &ConsignmentId,
        now: Timestamp,
    ) -> Result<ArchivedView, DeskError> {
        let (found, acts, _) = self.archived_acts_all(consignment)?;
        let registry = self.node.store.registry();
        let assessment = assess(consignment, &acts, &registry, now, &Tolerances::default());
        Ok(ArchivedView {
            archived: found.row(),
            view: self.view_of(assessment, &acts),
        })
    }

    /// The signed acts of an archived consignment that verify against this node's registry, in
    /// the order of their time: what `tamga-edge record` (or any node) takes in and checks
    /// again.
    pub fn archived_acts(&self, consignment: &ConsignmentId) -> Result<Vec<SignedAct>, DeskError> {
        let (_, acts, rejected) = self.archived_acts_all(consignment)?;
        let left_out: std::collections::BTreeSet<_> =
            rejected.iter().filter_map(|r| r.act).collect();
        let mut acts: Vec<SignedAct> = acts
            .into_iter()
            .filter(|a| !left_out.contains(&a.id()))
            .collect();
        acts.sort_by_key(|a| (a.body().at(), a.id()));
        Ok(acts)
    }

    /// [`Desk::archived_acts`] as an acts file: canonical acts, one per line.
    pub fn archived_acts_text(&self, consignment: &ConsignmentId) -> Result<String, DeskError> {
        let mut text = String::new();
        for act in self.archived_acts(consignment)? {
            text.push_str(&String::from_utf8_lossy(&act.encode()));
            text.push('\n');
        }
        Ok(text)
    }
}
