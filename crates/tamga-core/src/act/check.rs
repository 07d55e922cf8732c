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
    match grounds.basis {
        SealBasis::Permission if grounds.reference.is_none() && grounds.permission.is_none() => {
            Err(content_error(
                field,
                "a permission needs the permission act or its reference",
            ))
        }
        SealBasis::Inspection if grounds.reference.is_none() => Err(content_error(
            field,
            "an inspection needs the order's reference",
        )),
        SealBasis::ThreatOfLoss | SealBasis::ThreatToLife | SealBasis::Inspection
            if grounds.permission.is_some() =>
        {
            Err(content_error(
                field,
                "a permission act is named only for a removal with permission",
            ))
        }
        _ => Ok(()),
    }
}

fn check_crew(officer_in_charge: &KeyId, crew: &[KeyId]) -> Result<(), ContentError> {
    check_len("crew", crew, 1, MAX_LIST_LEN)?;
    check_unique("crew", crew.iter())?;
    if !crew.contains(officer_in_charge) {
        return Err(content_error("crew", "must include the officer in charge"));
    }
    Ok(())
}

fn check_registration_lists(
    goods: &[GoodsLine],
    certificates: &[Certificate],
    documents: &[AccompanyingDocument],
) -> Result<(), ContentError> {
    check_len("goods", goods, 1, MAX_LIST_LEN)?;
    check_certificates("certificates", certificates)?;
    check_len("documents", documents, 0, MAX_LIST_LEN)?;
    check_unique("documents", documents.iter().map(|d| &d.number))?;
    for (i, line) in goods.iter().enumerate() {
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
    Ok(())
}

/// A certificate list: KP contents only on a KP certificate, and consistent in themselves
/// (positive carats and parcels, a value not negative, rough diamonds' HS codes, listed once,
/// expiring after issue).
fn check_certificates(field: &str, certificates: &[Certificate]) -> Result<(), ContentError> {
    check_len(field, certificates, 0, MAX_LIST_LEN)?;
    for (i, c) in certificates.iter().enumerate() {
        let Some(kp) = &c.kp else { continue };
        let at = |name: &str| format!("{field}[{i}].kp.{name}");
        if c.kind != CertificateKind::KimberleyProcess {
            return Err(content_error(
                &format!("{field}[{i}].kp"),
                "only a Kimberley Process certificate has KP contents",
            ));
        }
        check_positive(&at("carats"), &kp.carats)?;
        if kp.value_usd.is_sign_negative() {
            return Err(content_error(&at("value_usd"), "must not be negative"));
        }
        if kp.parcels == 0 {
            return Err(content_error(&at("parcels"), "must be at least 1"));
        }
        check_len(&at("hs_codes"), &kp.hs_codes, 1, MAX_LIST_LEN)?;
        check_unique(&at("hs_codes"), kp.hs_codes.iter())?;
        if let Some(code) = kp.hs_codes.iter().find(|h| !h.is_rough_diamond()) {
            return Err(content_error(
                &at("hs_codes"),
                format!("{code} is not a rough diamond subheading (7102 10, 7102 21, 7102 31)"),
            ));
        }
        if kp.expires_at <= c.issued_at {
            return Err(content_error(
                &at("expires_at"),
                "must be after the date of issue",
            ));
        }
    }
    Ok(())
}

fn check_correction(c: &Correction) -> Result<(), ContentError> {
    if c.fields().is_empty() {
        return Err(content_error("changes", "changes no field"));
    }
    match c {
        Correction::ConsignmentRegistered(f) => {
            if let Some(goods) = &f.goods {
                check_registration_lists(goods, &[], &[])?;
            }
            if let Some(certificates) = &f.certificates {
                check_certificates("changes.certificates", certificates)?;
            }
            if let Some(documents) = &f.documents {
                check_len("changes.documents", documents, 0, MAX_LIST_LEN)?;
                check_unique("changes.documents", documents.iter().map(|d| &d.number))?;
            }
            if f.packages == Some(0) {
                return Err(content_error("changes.packages", "must be at least 1"));
            }
            Ok(())
        }
        Correction::SealApplied(_) | Correction::EscortAssigned(_) => Ok(()),
        Correction::IncidentReported(f) => {
            if let Some(seals) = &f.seals {
                check_len("changes.seals", seals, 0, MAX_LIST_LEN)?;
            }
            if let Some(attachments) = &f.attachments {
                check_len("changes.attachments", attachments, 0, MAX_LIST_LEN)?;
            }
            Ok(())
        }
    }
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

fn check_corridor(field: &str, c: &Corridor) -> Result<(), ContentError> {
    check_len(
        &format!("{field}.waypoints"),
        &c.waypoints,
        2,
        MAX_WAYPOINTS,
    )?;
    for (i, w) in c.waypoints.iter().enumerate() {
        check_coordinates(&format!("{field}.waypoints[{i}]"), w)?;
    }
    if !(MIN_CORRIDOR_WIDTH_METRES..=MAX_CORRIDOR_WIDTH_METRES).contains(&c.width_metres) {
        return Err(content_error(
            &format!("{field}.width_metres"),
            format!(
                "must be between {MIN_CORRIDOR_WIDTH_METRES} and {MAX_CORRIDOR_WIDTH_METRES} metres"
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
                check_registration_lists(&a.goods, &a.certificates, &a.documents)?;
                check_len("route", &a.route, 2, MAX_LIST_LEN)?;
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
                if let Some(corridor) = &a.corridor {
                    check_corridor("corridor", corridor)?;
                }
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
                check_crew(&a.officer_in_charge, &a.crew)
            }
            ActBody::EscortChanged(a) => {
                check_place("place", &a.place)?;
                check_crew(&a.officer_in_charge, &a.crew)
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
                if let Some(t) = &a.transhipment {
                    check_len("transhipment.new_seals", &t.new_seals, 1, MAX_LIST_LEN)?;
                    check_unique(
                        "transhipment.new_seals",
                        t.new_seals.iter().map(|s| &s.seal),
                    )?;
                    if t.new_seals
                        .iter()
                        .any(|n| a.seals.iter().any(|o| o.seal == n.seal))
                    {
                        return Err(content_error(
                            "transhipment.new_seals",
                            "a new seal must differ from every seal taken off",
                        ));
                    }
                }
                Ok(())
            }
            ActBody::IncidentReported(a) => {
                check_place("place", &a.place)?;
                if a.happened_at.is_some_and(|h| h > a.at) {
                    return Err(content_error("happened_at", "must not be after the report"));
                }
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
                check_positive("gross_mass", &a.gross_mass.value)?;
                if let Some(net) = &a.net_mass {
                    check_positive("net_mass", &net.value)?;
                }
                if let Some(short) = &a.shortage {
                    if short.packages == 0 && short.net_mass.value.is_zero() {
                        return Err(content_error(
                            "shortage",
                            "names no package and no mass missing",
                        ));
                    }
                    if short.net_mass.value.is_sign_negative() {
                        return Err(content_error("shortage.net_mass", "must not be negative"));
                    }
                }
                check_len("documents", &a.documents, 0, MAX_LIST_LEN)?;
                check_unique("documents", a.documents.iter().map(|d| &d.number))
            }
            ActBody::DiscrepancyResolved(a) => {
                if a.supervisor.as_ref() == Some(&a.officer) {
                    return Err(content_error(
                        "supervisor",
                        "the second signature must be another staff member's",
                    ));
                }
                Ok(())
            }
            ActBody::PermissionGranted(a) => {
                check_place("place", &a.place)?;
                if a.valid_until.is_some_and(|until| until <= a.at) {
                    return Err(content_error("valid_until", "must be after the grant"));
                }
                if let Permit::SealRemoval { seals } = &a.permits {
                    check_len("permits.seals", seals, 1, MAX_LIST_LEN)?;
                    check_unique("permits.seals", seals.iter())?;
                }
                Ok(())
            }
            ActBody::ActCorrected(a) => check_correction(&a.changes),
            ActBody::DeadlineExtended(_) => Ok(()),
            ActBody::IncidentFollowedUp(a) => {
                check_place("place", &a.place)?;
                check_len("attachments", &a.attachments, 0, MAX_LIST_LEN)
            }
            ActBody::DeliveryRefused(a) => {
                check_place("place", &a.place)?;
                check_len("seals", &a.seals, 0, MAX_LIST_LEN)?;
                check_unique("seals", a.seals.iter().map(|s| &s.seal))
            }
            ActBody::ConsignmentReturned(a) => {
                check_place("place", &a.place)?;
                check_len("seals", &a.seals, 0, MAX_LIST_LEN)?;
                check_unique("seals", a.seals.iter().map(|s| &s.seal))?;
                check_positive("gross_mass", &a.gross_mass.value)
            }
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
            ActBody::DepartmentNotified(_)
            | ActBody::ExpertiseConcluded(_)
            | ActBody::StateControlActDrawn(_)
            | ActBody::KpCouponReturned(_) => Ok(()),
            ActBody::CertificatesIssued(a) => {
                check_certificates("certificates", &a.certificates)?;
                if a.certificates.is_empty() {
                    return Err(content_error("certificates", "names no certificate"));
                }
                Ok(())
            }
            ActBody::KpcReturned(a) => {
                if a.found_damaged_at > a.at {
                    return Err(content_error(
                        "found_damaged_at",
                        "must not be after the certificate was sent back",
                    ));
                }
                Ok(())
            }
            ActBody::CalendarPublished(a) => {
                if !(2000..=2200).contains(&a.year) {
                    return Err(content_error("year", "must be between 2000 and 2200"));
                }
                check_len("weekly_rest", &a.weekly_rest, 0, 6)?;
                check_unique("weekly_rest", a.weekly_rest.iter())?;
                if a.weekly_rest.iter().any(|d| !(1..=7).contains(d)) {
                    return Err(content_error(
                        "weekly_rest",
                        "ISO weekdays are 1 (Monday) to 7 (Sunday)",
                    ));
                }
                check_len("days_off", &a.days_off, 0, 366)?;
                check_len("working_days", &a.working_days, 0, 366)?;
                check_unique(
                    "days_off and working_days",
                    a.days_off.iter().chain(&a.working_days),
                )?;
                if let Some(d) = a
                    .days_off
                    .iter()
                    .chain(&a.working_days)
                    .find(|d| d.year() != i32::from(a.year))
                {
                    return Err(content_error(
                        "days_off",
                        format!("{d} is not in {}", a.year),
                    ));
                }
                Ok(())
            }
            ActBody::PostRegistered(a) => {
                if let Some(c) = &a.coordinates {
                    check_coordinates("coordinates", c)?;
                }
                match a.working_hours {
                    Some(h) if h.from >= h.until => Err(content_error(
                        "working_hours",
                        "must end after they begin, within one day",
                    )),
                    _ => Ok(()),
                }
            }
            ActBody::SealEventsReported(a) => {
                check_len("events", &a.events, 1, MAX_SEAL_EVENTS_PER_ACT)?;
                for (i, e) in a.events.iter().enumerate() {
                    let field = format!("events[{i}].coordinates");
                    match &e.coordinates {
                        Some(c) => check_coordinates(&field, c)?,
                        None if e.event == SealEventKind::Position => {
                            return Err(content_error(&field, "a position event needs them"))
                        }
                        None => {}
                    }
                }
                check_unique("events", a.events.iter().map(|e| (&e.seal, e.at, e.event)))
            }
            ActBody::KpParticipantsListed(a) => {
                check_len("participants", &a.participants, 1, MAX_PARTICIPANTS)?;
                check_unique("participants", a.participants.iter().map(|p| &p.name))?;
                for (i, p) in a.participants.iter().enumerate() {
                    check_len(
                        &format!("participants[{i}].countries"),
                        &p.countries,
                        1,
                        MAX_LIST_LEN,
                    )?;
                }
                check_unique(
                    "participants: countries",
                    a.participants.iter().flat_map(|p| &p.countries),
                )
            }
        }
    }
}
