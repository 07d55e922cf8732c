//! Write scope: who may bring changes from a peer into a document.

use crate::error::StoreError;
use std::collections::BTreeSet;
use tamga_core::{ConsignmentId, UnitCode};

/// Who brings changes from a peer: write scope. A merge that a writer may not make is refused
/// whole ([`StoreError::OutOfScope`]) and changes nothing, not even the peer's sync state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Writer {
    /// A node that may write every document: central (or, for central, its own tools).
    Anyone,
    /// A node of this unit: it may bring changes to a consignment only if the unit is concerned
    /// with it as merged ([`tamga_core::assessment::units_concerned`]: only acts that hold, so
    /// an act the unit may not sign cannot make it concerned). A new consignment is thus taken
    /// only from its office of departure or a unit it has given a part to. The registry is
    /// anyone's to relay: its acts count only with the authority's signature.
    Unit(UnitCode),
}

impl Writer {
    /// Whether this writer may leave `consignment` concerning `units`; if not, the error that
    /// refuses the merge.
    pub(crate) fn admit(
        &self,
        consignment: &ConsignmentId,
        units: &BTreeSet<UnitCode>,
    ) -> Result<(), StoreError> {
        match self {
            Writer::Unit(unit) if !units.contains(unit) => Err(StoreError::OutOfScope {
                consignment: consignment.clone(),
                unit: unit.clone(),
            }),
            _ => Ok(()),
        }
    }
}
