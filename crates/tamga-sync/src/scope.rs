//! Scope: which consignments a peer may receive.
//!
//! A node receives a consignment's document only if its unit is concerned with it: a post on
//! the consignment's planned route, the escort unit assigned to it, or a unit that held or
//! received custody of it. Central's units receive everything. Every node receives the registry.
//! Only acts that hold count: an act signed by nobody in particular cannot widen a scope. The
//! units concerned are [`tamga_core::assessment::units_concerned`], kept by the store in its
//! `unit` index.

use std::collections::BTreeSet;
use tamga_core::UnitCode;

/// What a peer may receive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everything (central).
    All,
    /// The consignments its unit is concerned with.
    Unit(UnitCode),
}

impl Scope {
    /// The scope of a peer enrolled at `unit`, given the units that are central.
    pub fn of(unit: &UnitCode, central_units: &[UnitCode]) -> Self {
        if central_units.contains(unit) {
            Scope::All
        } else {
            Scope::Unit(unit.clone())
        }
    }

    /// Whether a consignment concerning `units` is in this scope.
    pub fn includes(&self, units: &BTreeSet<UnitCode>) -> bool {
        match self {
            Scope::All => true,
            Scope::Unit(unit) => units.contains(unit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::{unit, AIRPORT_POST, DEPARTMENT, ESCORT_UNIT, OTHER_POST};

    #[test]
    fn central_units_see_everything_other_units_what_concerns_them() {
        let units: BTreeSet<UnitCode> = [AIRPORT_POST, DEPARTMENT, ESCORT_UNIT]
            .into_iter()
            .map(unit)
            .collect();
        let central = [unit("HQ-RECON")];
        for inside in [AIRPORT_POST, DEPARTMENT, ESCORT_UNIT, "HQ-RECON"] {
            assert!(
                Scope::of(&unit(inside), &central).includes(&units),
                "{inside}"
            );
        }
        assert!(!Scope::of(&unit(OTHER_POST), &central).includes(&units));
    }
}
