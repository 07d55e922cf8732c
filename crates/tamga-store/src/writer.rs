//! Write scope: who may bring changes from a peer into a document.

use std::collections::BTreeSet;
use tamga_core::UnitCode;

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
    /// Whether this writer may leave a consignment concerning `units`.
    pub fn may_write(&self, units: &BTreeSet<UnitCode>) -> bool {
        match self {
            Writer::Anyone => true,
            Writer::Unit(unit) => units.contains(unit),
        }
    }
}
