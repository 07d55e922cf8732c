//! The words of the findings. Each finding's message is a template: a stable key
//! (`custody.fork`) and an English text with named placeholders (`custody handed over {count}
//! times from handoff {handoff}: to {receivers}`). A finding carries the key and the values
//! ([`Words`]); its `summary` is the English text filled with them, and a user interface says
//! the same in its own language from `finding.<key>` in its tables, with the same placeholders.
//!
//! Values are text as the English shows it: times already for people, ids as the English
//! writes them. A placeholder whose name ends in one of [`TERMS`] holds a term of that
//! vocabulary as the English text spells it (an act kind `custody_transferred`, a seal state
//! `Intact`, an incident kind `force majeure`); a user interface translates the term by its
//! snake_case spelling (`intact`, `force_majeure`) from its own vocabulary, or shows it as it is.
//!
//! Each template is a struct with one field per placeholder, built with `say!`: a value left
//! out, or one the text does not name, does not compile. The tests below check that each
//! struct's fields are exactly the placeholders of its text and that keys are unique; building
//! [`Words`] checks it again in debug builds.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The vocabularies of terms: a placeholder whose name ends in one of these holds a term of it.
pub const TERMS: &[&str] = &[
    "act_kind",
    "seal_state",
    "seal_basis",
    "document_kind",
    "incident_kind",
    "duty",
    "role",
    "mass_unit",
];

/// One finding's message: its stable key and its English text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    /// Stable: user interfaces translate `finding.<key>`.
    pub key: &'static str,
    /// The English text, with `{name}` placeholders.
    pub english: &'static str,
    /// The placeholders as the template's struct names them.
    pub fields: &'static [&'static str],
}

/// The placeholders `text` names, each once, in order of first appearance; an error if a brace
/// does not open or close a placeholder of `a-z`, `0-9` and `_`. A translation of a template
/// names the same placeholders as its English.
pub fn placeholders(text: &str) -> Result<Vec<&str>, String> {
    let mut names: Vec<&str> = Vec::new();
    for piece in pieces(text) {
        match piece? {
            Piece::Text(_) => {}
            Piece::Placeholder(name) if !names.contains(&name) => names.push(name),
            Piece::Placeholder(_) => {}
        }
    }
    Ok(names)
}

/// The template of `key`, if it is one of [`ALL`].
pub fn template(key: &str) -> Option<&'static Template> {
    ALL.iter().find(|t| t.key == key)
}

impl Template {
    /// The placeholders of the English text ([`placeholders`]).
    pub fn placeholders(&self) -> Result<Vec<&'static str>, String> {
        placeholders(self.english)
    }

    /// Whether `text` can say this template in another language: it names the same
    /// placeholders, in any order, each well-formed; why not if not.
    pub fn check_translation(&self, text: &str) -> Result<(), String> {
        let mut english = self.placeholders()?;
        let mut names = placeholders(text)?;
        english.sort_unstable();
        names.sort_unstable();
        if names != english {
            return Err(format!(
                "names the placeholders {names:?}, the English {english:?}"
            ));
        }
        Ok(())
    }

    /// The English text with each placeholder replaced by its value in `args` (one left without
    /// a value stays as written).
    pub fn fill(&self, args: &BTreeMap<String, String>) -> String {
        let mut out = String::with_capacity(self.english.len() + 32);
        for piece in pieces(self.english) {
            match piece {
                Ok(Piece::Text(text)) => out.push_str(text),
                Ok(Piece::Placeholder(name)) => match args.get(name) {
                    Some(value) => out.push_str(value),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                },
                Err(_) => return self.english.to_owned(),
            }
        }
        out
    }
}

enum Piece<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

/// The text and placeholders of `english`, in order.
fn pieces(english: &str) -> impl Iterator<Item = Result<Piece<'_>, String>> {
    let mut rest = english;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(open) = rest.find(['{', '}']) else {
            let text = rest;
            rest = "";
            return Some(Ok(Piece::Text(text)));
        };
        if open > 0 {
            let text = &rest[..open];
            rest = &rest[open..];
            return Some(Ok(Piece::Text(text)));
        }
        let bad = |why: &str| Err(format!("{why} in {english:?}"));
        if rest.starts_with('}') {
            rest = "";
            return Some(bad("a '}' that closes nothing"));
        }
        let Some(close) = rest.find('}') else {
            rest = "";
            return Some(bad("a '{' never closed"));
        };
        let name = &rest[1..close];
        rest = &rest[close + 1..];
        let well_formed = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        Some(if well_formed {
            Ok(Piece::Placeholder(name))
        } else {
            bad(&format!("placeholder {{{name}}} is not a-z, 0-9 and _"))
        })
    })
}

/// A finding's message as values: the template's key and a value for each placeholder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Words {
    /// The template's key.
    pub key: String,
    /// Each placeholder's value.
    pub args: BTreeMap<String, String>,
}

impl Words {
    /// `template` with the values `args`, named as its struct's fields.
    fn new(template: &Template, args: Vec<(&str, String)>) -> Words {
        debug_assert!(
            template
                .placeholders()
                .is_ok_and(|names| names.iter().eq(args.iter().map(|(name, _)| name))),
            "the values given for {} are not its placeholders",
            template.key
        );
        Words {
            key: template.key.to_owned(),
            args: args
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        }
    }

    /// The template of the key, if it is one of [`ALL`].
    pub fn template(&self) -> Option<&'static Template> {
        template(&self.key)
    }

    /// The English text (the key itself if it names no template).
    pub fn english(&self) -> String {
        match self.template() {
            Some(template) => template.fill(&self.args),
            None => self.key.clone(),
        }
    }
}

/// Builds the [`Words`] of a template, each value anything `Display`, a field alone taking the
/// variable of its name: `say!(Fork { count: next.len(), handoff, receivers })`.
macro_rules! say {
    (@value $field:ident) => {
        $field
    };
    (@value $field:ident $value:expr) => {
        $value
    };
    ($name:ident $({ $($field:ident $(: $value:expr)?),* $(,)? })?) => {
        $crate::assessment::words::$name {
            $($($field: ($crate::assessment::words::say!(@value $field $($value)?)).to_string(),)*)?
        }
        .words()
    };
}
pub(crate) use say;

/// Declares each template as a struct of its placeholders, and [`ALL`].
macro_rules! templates {
    ($($name:ident $key:literal { $($field:ident),* } = $english:literal;)*) => {
        $(
            #[doc = concat!("`", $key, "`: ", $english)]
            #[derive(Clone, Debug)]
            #[allow(missing_docs)]
            pub struct $name {
                $(pub $field: String,)*
            }

            impl $name {
                /// The template.
                pub const TEMPLATE: Template = Template {
                    key: $key,
                    english: $english,
                    fields: &[$(stringify!($field)),*],
                };

                /// The finding's words.
                pub fn words(self) -> Words {
                    Words::new(&Self::TEMPLATE, vec![$((stringify!($field), self.$field)),*])
                }
            }
        )*

        /// Every template.
        pub const ALL: &[Template] = &[$($name::TEMPLATE),*];
    };
}

templates! {
    // Verification (assessment/mod.rs).
    CopyDoesNotHold "signature.copy_does_not_hold" { act_kind, act } =
        "{act_kind} act {act} also arrived in a copy whose signatures do not hold; the valid copy is used";
    LeftOutBadKey "left_out.bad_key" { act_kind, act, key } =
        "{act_kind} act {act} left out: {key} is not a valid ed25519 public key";
    LeftOutBadSignature "left_out.bad_signature" { act_kind, act, key, id } =
        "{act_kind} act {act} left out: signature by {key} does not verify for act {id}: the act was altered after signing or signed with another key";
    LeftOutUnknownKey "left_out.unknown_key" { act_kind, act, key } =
        "{act_kind} act {act} left out: key {key} is not enrolled with the customs authority";
    LeftOutRevokedKey "left_out.revoked_key" { act_kind, act, key, revoked_from, revocation, at } =
        "{act_kind} act {act} left out: key {key} was revoked from {revoked_from} (act {revocation}); the act is dated {at}";
    LeftOutExpiredKey "left_out.expired_key" { act_kind, act, key, at, valid_from, valid_until } =
        "{act_kind} act {act} left out: key {key} was not valid at {at}: its enrollment covers {valid_from} to {valid_until}";
    LeftOutRoleNotPermitted "left_out.role_not_permitted" { act_kind, act, key, role, signed_act_kind } =
        "{act_kind} act {act} left out: key {key} is enrolled as {role}, which may not sign a {signed_act_kind} act";
    LeftOutUnitMismatch "left_out.unit_mismatch" { act_kind, act, key, claimed, enrolled } =
        "{act_kind} act {act} left out: officer {key} signs for unit {claimed} but is enrolled at {enrolled}";
    LeftOutSamePerson "left_out.same_person" { act_kind, act, first, second } =
        "{act_kind} act {act} left out: keys {first} and {second} are held by one person: a critical discrepancy is closed by two different staff members";
    LeftOutRegistry "left_out.registry" { act_kind, act, reason } =
        "{act_kind} act {act} left out: {reason}";
    RegistrationMissing "registration.missing" { count } =
        "{count} acts recorded but the consignment was never validly registered";
    RegistrationConflicting "registration.conflicting" { count, act } =
        "registered {count} times with different content; the earliest ({act}) is used";
    SingleSignature "resolution.single_signature" { act, discrepancy } =
        "discrepancy_resolved act {act} not permitted: discrepancy {discrepancy} is critical: it is closed only with a supervisor's second signature on the resolution (the two-person rule), and this one has a single signature";

    // Who may write what (assessment/permission.rs).
    RegisteredElsewhere "not_permitted.registered_elsewhere" { act_kind, act, unit, departure } =
        "{act_kind} act {act} not permitted: registered by an officer of {unit}, but the office of departure is {departure}";
    RegisteredByNoUnit "not_permitted.registered_by_no_unit" { act_kind, act, departure } =
        "{act_kind} act {act} not permitted: registered by an officer of no unit, but the office of departure is {departure}";
    ReleasesUnheld "not_permitted.releases_unheld" { act_kind, act, unit } =
        "{act_kind} act {act} not permitted: {unit} releases custody it never held and is not an assigned escort";
    ReceivesUnassigned "not_permitted.receives_unassigned" { act_kind, act, unit } =
        "{act_kind} act {act} not permitted: {unit} may receive custody only as an assigned escort unit or a post on the route";
    SignerNotEnrolled "not_permitted.not_enrolled" { act_kind, act, key } =
        "{act_kind} act {act} not permitted: {key} is not enrolled";
    SignsElsewhere "not_permitted.signs_elsewhere" { act_kind, act, unit, post } =
        "{act_kind} act {act} not permitted: an officer of {unit} signs an act performed at {post}";
    SealByOutsider "not_permitted.seal_by_outsider" { act_kind, act, unit } =
        "{act_kind} act {act} not permitted: {unit} is not on the route and has not held custody";
    EscortAssigner "not_permitted.escort_assigner" { act_kind, act, departure, custodian, unit } =
        "{act_kind} act {act} not permitted: an escort may be assigned by the office of departure ({departure}) or the current custodian ({custodian}), not {unit}";
    NoPart "not_permitted.no_part" { act_kind, act, unit } =
        "{act_kind} act {act} not permitted: {unit} has no part in this consignment";
    IncidentFromElsewhere "not_permitted.incident_from_elsewhere" { act_kind, act, unit } =
        "{act_kind} act {act} not permitted: {unit} has no part in this consignment and reports from elsewhere than its own post";
    PositionsByOther "not_permitted.positions_by_other" { act_kind, act, unit } =
        "{act_kind} act {act} not permitted: positions may be reported only by an assigned escort unit, not {unit}";
    EventsOfUnknownSeal "not_permitted.events_of_unknown_seal" { act_kind, act, seal } =
        "{act_kind} act {act} not permitted: {seal} is not a navigation seal fixed on this consignment";
    ArrivalElsewhere "not_permitted.arrival_elsewhere" { act_kind, act, destination } =
        "{act_kind} act {act} not permitted: arrival is notified at the office of destination ({destination})";
    ArrivalByOther "not_permitted.arrival_by_other" { act_kind, act, unit } =
        "{act_kind} act {act} not permitted: arrival may be notified by the office of destination or the assigned escort, not {unit}";
    DeliveryElsewhere "not_permitted.delivery_elsewhere" { act_kind, act, destination } =
        "{act_kind} act {act} not permitted: delivery is recorded by the office of destination ({destination}) at itself";
    RefusalElsewhere "not_permitted.refusal_elsewhere" { act_kind, act, destination } =
        "{act_kind} act {act} not permitted: a refusal is recorded by the office of destination ({destination}) at itself";
    ReturnElsewhere "not_permitted.return_elsewhere" { act_kind, act, departure } =
        "{act_kind} act {act} not permitted: a return is recorded by the office of departure ({departure}) at itself";
    ReturnAfterEnd "not_permitted.return_after_end" { act_kind, act } =
        "{act_kind} act {act} not permitted: transit has already ended";
    ReturnWithoutGrounds "not_permitted.return_without_grounds" { act_kind, act } =
        "{act_kind} act {act} not permitted: goods return to the office of departure only after a refusal at destination or with a return permit";
    CorrectionPermitter "not_permitted.correction_permitter" { act_kind, act, departure, unit } =
        "{act_kind} act {act} not permitted: a correction is permitted by the office of departure ({departure}) or central staff, not {unit}";
    ExtensionBy "not_permitted.extension_by" { act_kind, act, departure, unit } =
        "{act_kind} act {act} not permitted: the deadline is extended by the office of departure ({departure}) or central staff, not {unit}";
    ExtensionIncident "not_permitted.extension_incident" { act_kind, act, incident } =
        "{act_kind} act {act} not permitted: names incident {incident}, which is not an incident recorded before it";
    ExtensionNotLater "not_permitted.extension_not_later" { act_kind, act, deadline, in_force } =
        "{act_kind} act {act} not permitted: sets the deadline to {deadline}, not later than the one in force ({in_force})";
    FollowUpIncident "not_permitted.follow_up_incident" { act_kind, act, incident } =
        "{act_kind} act {act} not permitted: follows up {incident}, which is not an incident recorded before it";
    BroughtElsewhere "not_permitted.brought_elsewhere" { act_kind, act } =
        "{act_kind} act {act} not permitted: goods brought to customs are recorded by that customs body's officer, at it";
    AttendedNotOfficial "not_permitted.attended_not_official" { act_kind, act } =
        "{act_kind} act {act} not permitted: only customs officials record that they attended";
    CorrectsUnknown "not_permitted.corrects_unknown" { act_kind, act, corrected } =
        "{act_kind} act {act} not permitted: corrects {corrected}, which is not an act of this consignment recorded before it";
    CorrectionWrongKind "not_permitted.correction_wrong_kind" { act_kind, act, changes_act_kind, corrected, corrected_act_kind } =
        "{act_kind} act {act} not permitted: carries changes for a {changes_act_kind} act, but {corrected} is a {corrected_act_kind} act";
    CorrectionNotOwner "not_permitted.correction_not_owner" { act_kind, act, corrected, owner, unit } =
        "{act_kind} act {act} not permitted: {corrected} was signed for {owner}; an officer of {unit} may not correct it";
    CorrectionOfNoUnit "not_permitted.correction_of_no_unit" { act_kind, act, corrected, unit } =
        "{act_kind} act {act} not permitted: {corrected} was signed for no unit; an officer of {unit} may not correct it";
    CorrectionNeedsPermit "not_permitted.correction_needs_permit" { act_kind, act } =
        "{act_kind} act {act} not permitted: after the first handoff a correction needs a correction permit for that act from the office of departure or central staff";
    DepartmentNotifier "not_permitted.department_notifier" { act_kind, act, departure, unit } =
        "{act_kind} act {act} not permitted: the Department is notified by the office of departure ({departure}), not {unit}";
    NeitherOffice "not_permitted.neither_office" { act_kind, act, unit } =
        "{act_kind} act {act} not permitted: {unit} is neither the office of departure nor the office of destination";
    NotOnRoute "not_permitted.not_on_route" { act_kind, act, unit } =
        "{act_kind} act {act} not permitted: {unit} is not on the route";
    RegistryActHere "not_permitted.registry_act" { act_kind, act } =
        "{act_kind} act {act} not permitted: a registry act is not a consignment's";
    TransitEnded "not_permitted.transit_ended" { act_kind, act } =
        "{act_kind} act {act} not permitted: transit has already ended (delivered, refused or returned)";
    NotCustomsBody "not_permitted.not_customs_body" { act_kind, act, unit } =
        "{act_kind} act {act} not permitted: {unit} is not a customs body with a part in this consignment";

    // The custody chain (assessment/custody.rs).
    ForkFromDeparture "custody.fork_from_departure" { count, receivers } =
        "custody handed over {count} times from the office of departure: to {receivers}";
    Fork "custody.fork" { count, handoff, receivers } =
        "custody handed over {count} times from handoff {handoff}: to {receivers}";
    FirstReleasedElsewhere "custody.first_released_elsewhere" { unit, departure } =
        "first handoff released by {unit}, but the goods were registered at {departure}";
    UnknownPrevious "custody.unknown_previous" { handoff, previous } =
        "handoff {handoff} follows custody act {previous}, which is not among the valid acts";
    ReleasedByOther "custody.released_by_other" { holder, unit } =
        "custody passed to {holder} but the next handoff is released by {unit}";
    HandoffBeforePrevious "clock.handoff_before_previous" { at, previous_at } =
        "handoff at {at} is dated before the handoff it follows ({previous_at})";
    DeliveredNotHolder "custody.delivered_not_holder" { post, holder } =
        "delivered at {post} but custody was last passed to {holder}";
    DeliveredOffPostNotHolder "custody.delivered_off_post_not_holder" { holder } =
        "delivered at a place off any post but custody was last passed to {holder}";
    ReturnedNotHolder "custody.returned_not_holder" { post, holder } =
        "returned at {post} but custody was last passed to {holder}";
    ReturnedOffPostNotHolder "custody.returned_off_post_not_holder" { holder } =
        "returned at a place off any post but custody was last passed to {holder}";

    // The seal ledger (assessment/seals.rs).
    SealAppliedAgain "seal.applied_again" { seal } =
        "seal {seal} applied again while already on the goods";
    SealNotApplied "seal.not_applied" { seal, seal_state } =
        "seal {seal} observed ({seal_state}) but never applied to this consignment";
    SealIntactAfterRemoval "seal.intact_after_removal" { seal } =
        "seal {seal} was taken off, yet observed intact on the goods later";
    SealIntactAfterWorse "seal.intact_after_worse" { seal, seal_state } =
        "seal {seal} was recorded {seal_state} and later intact: one of the records is wrong";
    SealDamagedAfterMissing "seal.damaged_after_missing" { seal } =
        "seal {seal} was recorded Missing and later damaged: one of the records is wrong";
    SealMissingNoIncident "seal.missing_no_incident" { seal } =
        "seal {seal} found missing and no incident was reported";
    SealDamagedNoIncident "seal.damaged_no_incident" { seal } =
        "seal {seal} found damaged and no incident was reported";
    SealMissingIncident "seal.missing_incident" { seal, incident } =
        "seal {seal} found missing; incident {incident} reported";
    SealDamagedIncident "seal.damaged_incident" { seal, incident } =
        "seal {seal} found damaged; incident {incident} reported";
    SealOffUnderThreat "seal.removed_under_threat" { seal, seal_basis, hours } =
        "seal {seal} taken off under a claimed threat ({seal_basis}) but no incident with a photo was reported within {hours} hours";
    SealOffWithoutPermission "seal.removed_without_permission" { seal } =
        "seal {seal} taken off \"with permission\", but no permission of a customs body for this seal is recorded in force";
    SealOffForInspection "seal.removed_for_inspection" { seal } =
        "seal {seal} taken off for an inspection, but not by a customs officer of a post";
    TranshipmentWithoutPermit "seal.transhipment_without_permit" { vehicle } =
        "goods moved to vehicle {vehicle} without a transhipment permit of a customs body in force";
    SealNotListed "seal.not_listed" { seal } =
        "seal {seal} is on the goods but was not listed at this handoff";
    NoSealOnRoughDiamonds "seal.none_rough_diamonds" {} =
        "rough diamonds handed over with no seal: they must travel in sealed safe-bags";
    NoSeal "seal.none" {} =
        "goods handed over with no seal on them";

    // Certificates, packages and masses (assessment/goods.rs).
    KpCertificateMissing "certificate.kp_missing" {} =
        "rough diamonds registered without a Kimberley Process certificate";
    SccMissingExport "certificate.scc_missing_export" {} =
        "precious stones or metals registered for export without a State Control Certificate";
    SccMissingImport "certificate.scc_missing_import" {} =
        "precious goods imported without a State Control Certificate and without the importer's registration details";
    PackagesCounted "goods.packages" { counted, registered } =
        "{counted} packages counted, {registered} registered";
    PackagesCountedShort "goods.packages_short" { counted, registered, short } =
        "{counted} packages counted, {registered} registered and {short} recorded short";
    GrossMass "goods.gross_mass" { gross, gross_mass_unit, registered, tolerance } =
        "gross mass {gross} {gross_mass_unit} weighed, {registered} g registered (tolerance {tolerance} g)";
    StonesUnit "goods.stones_unit" { line, hs, mass_unit } =
        "goods line {line} (HS {hs}) is measured in {mass_unit} net: precious stones are weighed in carats";
    MetalsUnit "goods.metals_unit" { line, hs, mass_unit } =
        "goods line {line} (HS {hs}) is measured in {mass_unit} net: precious metals are weighed in grams";
    NetUnit "goods.net_unit" { mass_unit, goods_mass_unit } =
        "net mass re-weighed in {mass_unit}, but these goods are weighed in {goods_mass_unit}";
    NetMass "goods.net_mass" { observed, mass_unit, expected, tolerance } =
        "net mass {observed} {mass_unit} re-weighed at delivery, {expected} {mass_unit} expected (tolerance {tolerance} {mass_unit})";

    // The Kimberley Process (assessment/kimberley.rs).
    KpcIncomplete "kp.incomplete" { certificate } =
        "KP certificate {certificate} registered without its contents (issuing authority, expiry, exporter, importer, carats, value in USD, parcels, HS codes): correct the registration from the certificate";
    KpcExpired "kp.expired" { certificate, expired_at, registered_at } =
        "KP certificate {certificate} expired at {expired_at}, before the goods were registered at {registered_at}";
    KpcCarats "kp.carats" { certificates, certified, declared } =
        "KP certificate {certificates}: certifies {certified} ct, the goods lines declare {declared} ct of rough diamonds";
    KpcValue "kp.value" { certificates, certified, declared } =
        "KP certificate {certificates}: certifies USD {certified}, the goods lines declare USD {declared}";
    KpcParcels "kp.parcels" { certificates, parcels, packages } =
        "KP certificate {certificates}: certifies {parcels} parcels, {packages} packages registered";
    KpcHsCodes "kp.hs_codes" { certificates, hs_codes } =
        "KP certificate {certificates}: lists no HS code of goods line {hs_codes}";
    NonParticipantConsignor "kp.non_participant_consignor" { country, list_act, source } =
        "rough diamonds with {country} (the consignor's country), which is not a Kimberley Process participant in the list in force at registration (act {list_act}, {source})";
    NonParticipantIssuer "kp.non_participant_issuer" { country, list_act, source } =
        "rough diamonds with {country} (the KP certificate's issuing country), which is not a Kimberley Process participant in the list in force at registration (act {list_act}, {source})";
    NonParticipantConsignee "kp.non_participant_consignee" { country, list_act, source } =
        "rough diamonds with {country} (the consignee's country), which is not a Kimberley Process participant in the list in force at registration (act {list_act}, {source})";

    // Deadlines, arrival and clocks (assessment/timing.rs).
    ArrivedLate "overdue.arrived_late" { at, deadline } =
        "reached the office of destination {at} after the deadline of {deadline}";
    DeliveredLate "overdue.delivered_late" { at, deadline } =
        "delivered {at} after the deadline of {deadline}";
    RefusedLate "overdue.refused_late" { at, deadline } =
        "refused at the office of destination {at} after the deadline of {deadline}";
    ReturnedLate "overdue.returned_late" { at, deadline } =
        "returned to the office of departure {at} after the deadline of {deadline}";
    NotArrived "overdue.not_arrived" { deadline } =
        "not at the office of destination by the deadline of {deadline}";
    DatedBeforeRegistration "clock.before_registration" { act_kind, at, registered_at } =
        "{act_kind} dated {at}, before the registration at {registered_at}";
    DatedInFuture "clock.future" { act_kind, at, now } =
        "{act_kind} dated {at}, later than now ({now})";
    PositionsAfterBatch "clock.positions_after_batch" {} =
        "positions dated after the batch that reports them";
    SealEventsAfterBatch "clock.seal_events_after_batch" {} =
        "navigation seal events dated after the batch that reports them";
    ArrivalNotifiedLate "arrival.notified_late" { arrived_at, notified_at, minutes } =
        "arrival at {arrived_at} notified at {notified_at}, more than {minutes} minutes later";
    ArrivalBeforeArrived "clock.arrival_before_arrived" {} =
        "arrival notified before the time it says the goods arrived";
    ArrivalNotNotified "arrival.not_notified" {} =
        "delivered without arrival being notified first";

    // The road (assessment/track).
    RouteDeviation "road.deviation" { fixes, from, until, metres } =
        "{fixes} positions from {from} to {until} outside the corridor, up to {metres} m from its line";
    RouteDeviationAfterIncident "road.deviation_after_incident" { fixes, from, until, metres, incident } =
        "{fixes} positions from {from} to {until} outside the corridor, up to {metres} m from its line, with incident {incident} reported";
    LongStop "road.long_stop" { minutes, from, until } =
        "stood still for {minutes} minutes from {from} to {until}, away from any registered post";
    LongStopAfterIncident "road.long_stop_after_incident" { minutes, from, until, incident } =
        "stood still for {minutes} minutes from {from} to {until}, away from any registered post, with incident {incident} reported";
    TrackingGap "road.tracking_gap" { minutes, from, until } =
        "no position for {minutes} minutes in transit, from {from} to {until}";
    SealOpened "road.seal_opened" { seal, at } =
        "navigation seal {seal} reported opened at {at}, neither at the office of destination nor with its removal on record";
    SealTampered "road.seal_tampered" { seal, at } =
        "navigation seal {seal} reported an attempt on it at {at}";
    SealBatteryLow "road.seal_battery_low" { seal, at } =
        "navigation seal {seal} reported its battery low at {at}: it may fall silent";

    // The route, the crew, incidents, duties and delivery.
    OffRouteAfterIncident "route.off_after_incident" { post, incident } =
        "brought to {post}, which is not on the planned route, after incident {incident}";
    OffRoute "route.off" { act_kind, post } =
        "{act_kind} recorded at {post}, which is not on the planned route";
    ReleasingNotInCrew "crew.releasing_not_in_crew" { unit, officer } =
        "the releasing officer for escort unit {unit} ({officer}) is not in the crew in force";
    ReceivingNotInCrew "crew.receiving_not_in_crew" { unit, officer } =
        "the receiving officer for escort unit {unit} ({officer}) is not in the crew in force";
    IncidentReportedLate "incident.reported_late" { incident_kind, happened_at, hours, reported_at } =
        "{incident_kind} at {happened_at} reported {hours} hours later, at {reported_at} (art. 38: at once)";
    IncidentOpen "incident.open" { incident_kind, reported_at } =
        "{incident_kind} reported at {reported_at}: the goods have not been brought to a customs body nor officials to the goods";
    GoodsNotConforming "duty.goods_not_conforming" { number } =
        "State Control Act {number}: the goods do not conform to the contract and documents; they are to be sent back";
    DutyLate "duty.late" { duty, done_at, due, since } =
        "{duty} done at {done_at}, due by {due} (counted from {since})";
    DeliveredShort "delivery.short" { packages, registered, short, short_mass_unit, description } =
        "delivered short: {packages} of {registered} packages and {short} {short_mass_unit} missing ({description})";
    DeliveryRefused "delivery.refused" { reason } =
        "refused at the office of destination: {reason}";
    DocumentsNotChecked "document.none_checked" { count } =
        "{count} accompanying documents registered, none checked at delivery";
    DocumentMissing "document.missing" { number, document_kind } =
        "document {number} ({document_kind}) missing at delivery";
    DocumentNotChecked "document.not_checked" { number, document_kind } =
        "document {number} ({document_kind}) not checked at delivery";

    // Central's log (transparency/evidence.rs) and rules across consignments (central).
    SeenLate "log.seen_late" { act_kind, at, seen, hours, allowance } =
        "{act_kind} dated {at} reached central's log only at {seen} ({hours} h later; a node may be offline {allowance} h)";
    SeenAfterRevocation "log.seen_after_revocation" { act_kind, at, signer, revoked_from, seen } =
        "{act_kind} dated {at}, before its signer {signer}'s revocation from {revoked_from}, reached central's log only at {seen}, after it";
    KpcOnTwoConsignments "across.kpc" { number, issued_by, count, consignments } =
        "Kimberley Process certificate {number} issued by {issued_by} is registered on {count} consignments ({consignments}): a KP certificate certifies one shipment only";
    SealOnTwoConsignments "across.seal" { seal, count, consignments } =
        "seal {seal} is on the goods of {count} consignments at once ({consignments}): a seal is on one consignment at a time";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_template_names_exactly_its_fields_and_keys_are_unique() {
        let mut keys = BTreeSet::new();
        for t in ALL {
            assert!(keys.insert(t.key), "{} is the key of two templates", t.key);
            assert!(
                !t.key.is_empty()
                    && t.key.split('.').count() == 2
                    && t.key.split('.').all(|part| {
                        !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    }),
                "{}: a key is group.name in a-z and _",
                t.key
            );
            let placeholders = t
                .placeholders()
                .unwrap_or_else(|e| panic!("{}: {e}", t.key));
            assert_eq!(placeholders, t.fields, "{}: the text's placeholders", t.key);
            assert!(!t.english.trim().is_empty() && t.english.trim() == t.english);
        }
        assert!(ALL.len() > 100, "{} templates", ALL.len());
    }

    #[test]
    fn a_placeholder_is_a_word_in_braces() {
        let template = |english| Template {
            key: "t.t",
            english,
            fields: &[],
        };
        assert_eq!(
            template("{a} and {b_2} and {a}").placeholders(),
            Ok(vec!["a", "b_2"])
        );
        for bad in ["{", "a }", "{}", "{A}", "{a b}", "{a", "x {a}}"] {
            assert!(template(bad).placeholders().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_translation_names_the_same_placeholders_in_any_order() {
        let fork = &Fork::TEMPLATE;
        assert_eq!(
            fork.check_translation("{receivers}: {count} ({handoff}, {count})"),
            Ok(())
        );
        for bad in [
            "{count} {handoff}",
            "{count} {handoff} {receivers} {more}",
            "{count} {hand_off} {receivers}",
            "{count} {handoff} {receivers",
        ] {
            assert!(fork.check_translation(bad).is_err(), "{bad:?}");
        }
        assert_eq!(template("custody.fork"), Some(fork));
        assert_eq!(template("custody.spoon"), None);
    }

    #[test]
    fn the_english_is_the_text_filled_once_with_the_values() {
        let words = say!(Fork {
            count: 2,
            handoff: "ab12",
            receivers: "{handoff}, POST-2",
        });
        assert_eq!(words.key, "custody.fork");
        assert_eq!(
            words.english(),
            "custody handed over 2 times from handoff ab12: to {handoff}, POST-2"
        );
        assert_eq!(
            say!(NoSeal).english(),
            "goods handed over with no seal on them"
        );
        let json = serde_json::to_value(&words).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"key": "custody.fork", "args": {"count": "2", "handoff": "ab12", "receivers": "{handoff}, POST-2"}})
        );
        let unknown = Words {
            key: "from.elsewhere".into(),
            args: BTreeMap::new(),
        };
        assert_eq!(unknown.english(), "from.elsewhere");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "not its placeholders")]
    fn values_that_are_not_the_placeholders_are_refused() {
        Words::new(&Fork::TEMPLATE, vec![("count", "2".into())]);
    }

    #[test]
    fn terms_name_no_other_placeholder() {
        // A placeholder ends in a term only if it is one: `incident` (an act) is not `incident_kind`.
        for t in ALL {
            for field in t.fields {
                if let Some(term) = TERMS.iter().find(|term| field.ends_with(*term)) {
                    assert!(
                        *field == *term || field.ends_with(&format!("_{term}")),
                        "{}: {field} ends in {term} without being one",
                        t.key
                    );
                }
            }
        }
    }
}
