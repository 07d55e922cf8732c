//! The content rules an act keeps beyond its fields' syntax: list sizes, positive masses, a
//! route that starts and ends where transit does, distinct parties in a handoff, and so on.

use super::*;
use rust_decimal::Decimal;

/// Why an act's content was refused although it decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ContentError {
    /// The field at fault.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

fn content_error(field: &str, problem: impl Into<String>) -> ContentError {
    ContentError {
        field: field.to_owned(),
        problem: problem.into(),
    }
}

fn check_len<T>(field: &str, list: &[T], min: usize, max: usize) -> Result<(), ContentError> {
    if list.len() < min || list.len() > max {
        return Err(content_error(
            field,
            format!(
                "has {} entries; between {min} and {max} allowed",
                list.len()
            ),
        ));
    }
    Ok(())
}

fn check_positive(field: &str, value: &Decimal) -> Result<(), ContentError> {
    if value.is_sign_negative() || value.is_zero() {
        return Err(content_error(
            field,
            format!("must be above zero, is {value}"),
        ));
    }
    Ok(())
}

fn check_reference(field: &str, grounds: &SealGrounds) -> Result<(), ContentError> {
    let needs_reference = matches!(grounds.basis, SealBasis::Permission | SealBasis::Inspection);
    if needs_reference && grounds.reference.is_none() {
        return Err(content_error(
            field,
            "a permission or inspection needs its reference",
        ));
    }
    Ok(())
}

fn check_place(field: &str, place: &Place) -> Result<(), ContentError> {
    match place {
        Place::Road {
            coordinates: Some(c),
            ..
        } => check_coordinates(field, c),
        _ => Ok(()),
    }
}

fn check_coordinates(field: &str, c: &Coordinates) -> Result<(), ContentError> {
    if c.latitude.abs() > Decimal::from(90) || c.longitude.abs() > Decimal::from(180) {
        return Err(content_error(
            field,
            format!(
                "coordinates {}, {} are off the globe",
                c.latitude, c.longitude
            ),
        ));
    }
    Ok(())
}

fn check_unique<T: Ord>(field: &str, items: impl Iterator<Item = T>) -> Result<(), ContentError> {
    let mut seen = std::collections::BTreeSet::new();
    for item in items {
        if !seen.insert(item) {
            return Err(content_error(field, "lists the same entry twice"));
        }
    }
    Ok(())
}

impl ActBody {
    /// Checks the rules a well-formed act of this kind keeps, beyond field syntax: list sizes,
    /// positive masses, a route that starts and ends where transit does, distinct parties in a
    /// handoff, and so on.
    pub fn check_content(&self) -> Result<(), ContentError> {
        match self {
            ActBody::ConsignmentRegistered(a) => {
                check_len("goods", &a.goods, 1, MAX_LIST_LEN)?;
                check_len("certificates", &a.certificates, 0, MAX_LIST_LEN)?;
                check_len("route", &a.route, 2, MAX_LIST_LEN)?;
                for (i, line) in a.goods.iter().enumerate() {
                    check_positive(&format!("goods[{i}].quantity"), &line.quantity.value)?;
                    check_positive(&format!("goods[{i}].net_mass"), &line.net_mass.value)?;
                    check_positive(&format!("goods[{i}].gross_mass"), &line.gross_mass.value)?;
                    if line.value.amount.is_sign_negative() {
                        return Err(content_error(
                            &format!("goods[{i}].value"),
                            "must not be negative",
                        ));
                    }
                    match (line.net_mass.in_grams(), line.gross_mass.in_grams()) {
                        (Some(net), Some(gross)) if net <= gross => {}
                        _ => {
                            return Err(content_error(
                                &format!("goods[{i}].net_mass"),
                                "net mass must not exceed gross mass",
                            ))
                        }
                    }
                }
                if a.packages == 0 {
                    return Err(content_error("packages", "must be at least 1"));
                }
                if a.route.first() != Some(&a.office_of_departure)
                    || a.route.last() != Some(&a.office_of_destination)
                {
                    return Err(content_error(
                        "route",
                        "must start at the office of departure and end at the office of destination",
                    ));
                }
                check_unique("route", a.route.iter())?;
                if a.delivery_deadline <= a.at {
                    return Err(content_error(
                        "delivery_deadline",
                        "must be after the registration time",
                    ));
                }
                Ok(())
            }
            ActBody::SealApplied(a) => check_place("place", &a.place),
            ActBody::SealChecked(a) => check_place("place", &a.place),
            ActBody::SealRemoved(a) => {
                check_place("place", &a.place)?;
                check_reference("grounds", &a.grounds)
            }
            ActBody::SealReplaced(a) => {
                check_place("place", &a.place)?;
                check_reference("grounds", &a.grounds)?;
                if a.old_seal == a.new_seal {
                    return Err(content_error("new_seal", "must differ from old_seal"));
                }
                Ok(())
            }
            ActBody::EscortAssigned(a) => {
                check_place("place", &a.place)?;
                check_len("crew", &a.crew, 1, MAX_LIST_LEN)?;
                check_unique("crew", a.crew.iter())?;
                if !a.crew.contains(&a.officer_in_charge) {
                    return Err(content_error("crew", "must include the officer in charge"));
                }
                Ok(())
            }
            ActBody::CustodyTransferred(a) => {
                check_place("place", &a.place)?;
                check_len("seals", &a.seals, 0, MAX_LIST_LEN)?;
                check_unique("seals", a.seals.iter().map(|s| &s.seal))?;
                check_positive("gross_mass", &a.gross_mass.value)?;
                if a.releasing.officer == a.receiving.officer {
                    return Err(content_error(
                        "receiving",
                        "the releasing and receiving officer must be different people",
                    ));
                }
                Ok(())
            }
            ActBody::IncidentReported(a) => {
                check_place("place", &a.place)?;
                check_len("seals", &a.seals, 0, MAX_LIST_LEN)?;
                check_len("attachments", &a.attachments, 0, MAX_LIST_LEN)
            }
            ActBody::PositionReported(a) => {
                check_len("positions", &a.positions, 1, MAX_POSITIONS_PER_ACT)?;
                for (i, p) in a.positions.iter().enumerate() {
                    check_coordinates(&format!("positions[{i}]"), &p.coordinates)?;
                }
                Ok(())
            }
            ActBody::ArrivalNotified(a) => check_place("place", &a.place),
            ActBody::ConsignmentDelivered(a) => {
                check_place("place", &a.place)?;
                check_len("seals", &a.seals, 0, MAX_LIST_LEN)?;
                check_unique("seals", a.seals.iter().map(|s| &s.seal))?;
                check_positive("gross_mass", &a.gross_mass.value)
            }
            ActBody::DiscrepancyResolved(_) => Ok(()),
            ActBody::KeyEnrolled(a) => {
                if a.valid_until <= a.valid_from {
                    return Err(content_error("valid_until", "must be after valid_from"));
                }
                if a.key == a.authority {
                    return Err(content_error(
                        "key",
                        "the authority key is pinned, not enrolled",
                    ));
                }
                Ok(())
            }
            ActBody::KeyRevoked(_) => Ok(()),
        }
    }
}
