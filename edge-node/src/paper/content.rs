//! What a paper act says, before it is laid out: the act read into sections of labelled lines
//! in a person's words ([`Sheet`]). Pure: the act, what the node knows of it and the time zone
//! in, text out. Codes, names, numbers and masses are printed exactly as recorded (a mass keeps
//! its decimals and its unit); times are given in the node's local time with the offset, and in
//! UTC.

use super::words::{self, Bi};
use super::{Facts, Standing};
use crate::answers::Signer;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tamga_core::act::{
    ActCorrected, ConsignmentDelivered, CustodyTransferred, IncidentReported, Place,
    SealObservation,
};
use tamga_core::quantity::{Mass, MassUnit};
use tamga_core::{ActBody, Timestamp};

/// One labelled line: the label in both languages and the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The label.
    pub label: Bi,
    /// The value, as people read it (may hold line feeds).
    pub value: String,
}

/// A headed group of lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The heading.
    pub heading: Bi,
    /// The lines.
    pub rows: Vec<Row>,
}

/// A paper act's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sheet {
    /// The act kind's name.
    pub kind: Bi,
    /// The act's id, in full.
    pub act_id: String,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

impl Sheet {
    /// Every word of the sheet, for tests and searching: labels in both languages and values.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n{}\n", self.kind.both(), self.act_id);
        for s in &self.sections {
            out.push_str(&s.heading.both());
            out.push('\n');
            for r in &s.rows {
                out.push_str(&format!("{}: {}\n", r.label.both(), r.value));
            }
        }
        out
    }
}

fn row(label: Bi, value: impl Into<String>) -> Row {
    Row {
        label,
        value: value.into(),
    }
}

/// `at` in `zone`, with its offset and the zone's name: `2026-11-23 12:30:00 +06:00
/// (Asia/Bishkek)`.
pub fn local_time(at: Timestamp, zone: chrono_tz::Tz) -> String {
    let utc = DateTime::<Utc>::from_timestamp(at.unix(), 0).expect("a timestamp is in range");
    format!(
        "{} ({})",
        utc.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S %:z"),
        zone.name()
    )
}

/// A mass exactly as recorded, with its unit in both languages.
pub fn mass(m: &Mass) -> String {
    let ru = match m.unit {
        MassUnit::Kg => "кг",
        MassUnit::G => "г",
        MassUnit::Ct => "кар.",
    };
    format!("{} {ru} / {}", m.value, m.unit.symbol())
}

fn place(p: &Place) -> String {
    match p {
        Place::Post { unit } => format!("{} / {}: {}", words::POST.ru, words::POST.en, unit),
        Place::Road {
            description,
            coordinates,
        } => {
            let mut out = format!("{} / {}: {}", words::ROAD.ru, words::ROAD.en, description);
            if let Some(c) = coordinates {
                out.push_str(&format!(" ({}, {})", c.latitude, c.longitude));
            }
            out
        }
    }
}

/// A signer as the registry here names them: name, personal number, unit, key.
pub fn signer(s: &Signer) -> String {
    let key = s.key.as_str();
    match &s.name {
        None => format!(
            "{} / {}: {key}",
            words::UNKNOWN_KEY.ru,
            words::UNKNOWN_KEY.en
        ),
        Some(name) => {
            let mut out = name.clone();
            if let Some(p) = &s.personal_number {
                let w = words::PERSONAL_NUMBER;
                out.push_str(&format!(", {} / {} {p}", w.ru, w.en));
            }
            if let Some(u) = &s.unit {
                out.push_str(&format!(", {} / {} {u}", words::UNIT.ru, words::UNIT.en));
            }
            out.push_str(&format!("\n{key}"));
            out
        }
    }
}

fn seals(list: &[SealObservation]) -> Vec<Row> {
    if list.is_empty() {
        return vec![row(words::SEALS, words::NO_SEALS.both())];
    }
    list.iter()
        .enumerate()
        .map(|(n, o)| {
            let state = words::seal_state(&tamga_core::canonical::wire_name(&o.state));
            row(
                Bi {
                    ru: "Пломба",
                    en: "Seal",
                },
                format!("{}. {} — {}", n + 1, o.seal, state.both()),
            )
        })
        .collect()
}

/// The sheet of a paper act. The caller has checked the kind has one ([`super::KINDS`]).
pub fn sheet(f: &Facts<'_>) -> Sheet {
    let body = f.act.body();
    let kind = words::kind(body.kind()).unwrap_or(words::any_kind(body.kind()));
    let at = body.at();
    let mut act = vec![
        row(words::ACT_ID, f.act.id().to_string()),
        row(words::LOCAL_TIME, local_time(at, f.zone)),
        row(words::UTC_TIME, at.for_people()),
    ];
    if let Some(p) = act_place(body) {
        act.push(row(words::PLACE, place(p)));
    }
    act.push(row(
        words::STANDING,
        match f.standing {
            Standing::Holds => words::HOLDS.both(),
            Standing::DoesNotHold(why) => format!("{}: {why}", words::DOES_NOT_HOLD.both()),
        },
    ));
    act.push(row(words::PRINTED, local_time(f.printed_at, f.zone)));
    let not_held = || words::NOT_HELD.both();
    let consignment = Section {
        heading: words::CONSIGNMENT_SECTION,
        rows: vec![
            row(
                words::CONSIGNMENT,
                body.consignment()
                    .map(|c| c.to_string())
                    .unwrap_or_else(not_held),
            ),
            row(
                words::DECLARATION,
                f.registration
                    .map(|r| r.declaration.to_string())
                    .unwrap_or_else(not_held),
            ),
        ],
    };
    let mut sections = vec![
        Section {
            heading: words::THE_ACT,
            rows: act,
        },
        consignment,
        Section {
            heading: words::SIGNED_BY,
            rows: signed_by(body, f.signers),
        },
    ];
    match body {
        ActBody::CustodyTransferred(h) => handoff(h, &mut sections),
        ActBody::ConsignmentDelivered(d) => delivery(d, &mut sections),
        ActBody::IncidentReported(i) => incident(i, f.zone, &mut sections),
        ActBody::ActCorrected(c) => correction(c, f, &mut sections),
        _ => {}
    }
    Sheet {
        kind,
        act_id: f.act.id().to_string(),
        sections,
    }
}

fn act_place(body: &ActBody) -> Option<&Place> {
    match body {
        ActBody::CustodyTransferred(a) => Some(&a.place),
        ActBody::ConsignmentDelivered(a) => Some(&a.place),
        ActBody::IncidentReported(a) => Some(&a.place),
        _ => None,
    }
}

fn signed_by(body: &ActBody, signers: &[Signer]) -> Vec<Row> {
    match body {
        ActBody::CustodyTransferred(h) => {
            let side = |label: Bi, unit: &tamga_core::UnitCode, n: usize| {
                let who = signers.get(n).map(signer).unwrap_or_default();
                row(label, format!("{unit}: {who}"))
            };
            vec![
                side(words::RELEASING, &h.releasing.unit, 0),
                side(words::RECEIVING, &h.receiving.unit, 1),
            ]
        }
        _ => signers
            .iter()
            .map(|s| row(words::SIGNER, signer(s)))
            .collect(),
    }
}

fn count(packages: u32, gross: &Mass) -> Vec<Row> {
    vec![
        row(words::PACKAGES, packages.to_string()),
        row(words::GROSS_MASS, mass(gross)),
    ]
}

fn handoff(h: &CustodyTransferred, sections: &mut Vec<Section>) {
    sections.push(Section {
        heading: words::SEALS,
        rows: seals(&h.seals),
    });
    let mut rows = count(h.packages, &h.gross_mass);
    if let Some(p) = &h.previous {
        rows.push(row(words::PREVIOUS, p.to_string()));
    }
    sections.push(Section {
        heading: words::COUNT,
        rows,
    });
    if let Some(t) = &h.transhipment {
        let mut rows = vec![
            row(words::VEHICLE, t.vehicle.to_string()),
            row(words::PERMISSION, t.permission.to_string()),
        ];
        for s in &t.new_seals {
            let kind = words::seal_kind(&tamga_core::canonical::wire_name(&s.seal_kind));
            rows.push(row(
                words::NEW_SEALS,
                format!("{} — {}, {}", s.seal, kind.both(), s.fixed_on),
            ));
        }
        sections.push(Section {
            heading: words::TRANSHIPMENT,
            rows,
        });
    }
}

fn delivery(d: &ConsignmentDelivered, sections: &mut Vec<Section>) {
    sections.push(Section {
        heading: words::SEALS,
        rows: seals(&d.seals),
    });
    let mut rows = count(d.packages, &d.gross_mass);
    if let Some(n) = &d.net_mass {
        rows.push(row(words::NET_MASS, mass(n)));
    }
    if let Some(s) = &d.shortage {
        rows.push(row(
            words::SHORTAGE,
            format!(
                "{} / {}: {}; {} / {}: {}; {}",
                words::PACKAGES.ru,
                words::PACKAGES.en,
                s.packages,
                words::NET_MASS.ru,
                words::NET_MASS.en,
                mass(&s.net_mass),
                s.description
            ),
        ));
    }
    for doc in &d.documents {
        let state = if doc.present {
            words::PRESENT
        } else {
            words::ABSENT
        };
        rows.push(row(
            words::DOCUMENTS,
            format!("{} — {}", doc.number, state.both()),
        ));
    }
    sections.push(Section {
        heading: words::COUNT,
        rows,
    });
}

fn incident(i: &IncidentReported, zone: chrono_tz::Tz, sections: &mut Vec<Section>) {
    let kind = words::incident_kind(&tamga_core::canonical::wire_name(&i.incident));
    let mut rows = vec![row(words::INCIDENT_KIND, kind.both())];
    if let Some(h) = i.happened_at {
        rows.push(row(
            words::HAPPENED,
            format!("{}; UTC {}", local_time(h, zone), h.for_people()),
        ));
    }
    rows.push(row(words::DESCRIPTION, i.description.to_string()));
    let affected: Vec<String> = i.seals.iter().map(|s| s.to_string()).collect();
    rows.push(row(
        words::AFFECTED_SEALS,
        if affected.is_empty() {
            words::NO_SEALS.both()
        } else {
            affected.join(", ")
        },
    ));
    for a in &i.attachments {
        rows.push(row(words::ATTACHMENTS, a.to_string()));
    }
    sections.push(Section {
        heading: words::INCIDENT,
        rows,
    });
}

fn correction(c: &ActCorrected, f: &Facts<'_>, sections: &mut Vec<Section>) {
    let target = f
        .corrected_kind
        .map(|k| format!(" ({})", words::any_kind(k).both()))
        .unwrap_or_default();
    let mut rows = vec![
        row(words::CORRECTS, format!("{}{target}", c.corrects)),
        row(words::REASON, c.reason.to_string()),
    ];
    if let Some(p) = &c.permission {
        rows.push(row(words::PERMISSION, p.to_string()));
    }
    let changes = serde_json::to_value(&c.changes).expect("a correction serializes");
    if let Some(fields) = changes.as_object() {
        for (name, value) in fields.iter().filter(|(k, _)| k.as_str() != "kind") {
            let label = words::field(name);
            let text = match (name.as_str(), value) {
                ("happened_at", Value::String(t)) => match Timestamp::parse(t) {
                    Ok(at) => format!("{}; UTC {}", local_time(at, f.zone), at.for_people()),
                    Err(_) => t.clone(),
                },
                ("seal_kind", Value::String(k)) => words::seal_kind(k).both(),
                _ => json_text(value),
            };
            rows.push(row(label, text));
        }
    }
    sections.push(Section {
        heading: words::CORRECTION,
        rows,
    });
}

/// A JSON value as plain text: strings as they are, lists a line each, objects `name: value`.
fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if items.is_empty() => "—".into(),
        Value::Array(items) => items.iter().map(json_text).collect::<Vec<_>>().join("\n"),
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| format!("{k}: {}", json_text(v)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::Story;

    fn signers(story: &Story, people: &[&tamga_core::fixtures::Person]) -> Vec<Signer> {
        people
            .iter()
            .map(|p| Signer {
                key: p.id.clone(),
                name: Some(p.name.to_owned()),
                personal_number: Some(p.personal_number.to_owned()),
                role: None,
                unit: Some(p.unit.to_owned()),
            })
            .chain(std::iter::once(Signer {
                key: story.outsider.id.clone(),
                name: None,
                personal_number: None,
                role: None,
                unit: None,
            }))
            .take(people.len())
            .collect()
    }

    #[test]
    fn a_handoff_reads_in_both_languages_with_local_time_and_exact_masses() {
        let story = Story::new();
        let acts = story.clean_delivery();
        let handoff = &acts[3];
        let registration = match story.registration().body() {
            ActBody::ConsignmentRegistered(r) => r.clone(),
            _ => unreachable!(),
        };
        let who = signers(&story, &[&story.airport_officer, &story.escort_lead]);
        let facts = Facts {
            act: handoff,
            registration: Some(&registration),
            signers: &who,
            standing: &Standing::Holds,
            corrected_kind: None,
            zone: chrono_tz::Asia::Bishkek,
            printed_at: story.t(200),
        };
        let text = sheet(&facts).text();
        for expected in [
            "Акт приёма-передачи партии / Custody handoff",
            "10609050/231126/0000123",
            "Aibek Asanov, личный номер / personal number KG-0417, подразделение / unit MANAS-AIRPORT",
            "Nurlan Osmonov, личный номер / personal number KG-1120",
            "Сдал / Released by: MANAS-AIRPORT: Aibek Asanov",
            "1. KG-0042137 — целая / intact",
            "0.412 кг / kg",
            // 06:30 UTC is 12:30 in Bishkek.
            "2026-11-23 12:30:00 +06:00 (Asia/Bishkek)",
            "2026-11-23 06:30:00 +00:00",
            &handoff.id().to_string(),
        ] {
            assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
        }
        // Another zone moves the local time, never the UTC one.
        let almaty = sheet(&Facts {
            zone: chrono_tz::Europe::Moscow,
            ..facts
        })
        .text();
        assert!(
            almaty.contains("2026-11-23 09:30:00 +03:00 (Europe/Moscow)"),
            "{almaty}"
        );
        assert!(almaty.contains("2026-11-23 06:30:00 +00:00"));
    }

    #[test]
    fn an_unknown_signer_and_a_missing_registration_are_said_not_guessed() {
        let story = Story::new();
        let delivered = story.delivered(110);
        let who = signers(&story, &[]);
        let unknown = vec![Signer {
            key: story.outsider.id.clone(),
            name: None,
            personal_number: None,
            role: None,
            unit: None,
        }];
        assert!(who.is_empty());
        let text = sheet(&Facts {
            act: &delivered,
            registration: None,
            signers: &unknown,
            standing: &Standing::DoesNotHold("not enrolled".into()),
            corrected_kind: None,
            zone: chrono_tz::Asia::Bishkek,
            printed_at: story.t(200),
        })
        .text();
        assert!(
            text.contains("ключ не зарегистрирован на этом узле"),
            "{text}"
        );
        assert!(text.contains(story.outsider.id.as_str()));
        assert!(text.contains("Транзитная декларация / Transit declaration: не найдено"));
        assert!(text.contains("акт НЕ действителен / the act does NOT hold: not enrolled"));
        assert!(text.contains("Акт доставки партии / Delivery of the consignment"));
    }

    #[test]
    fn local_time_carries_its_offset_and_zone() {
        let at = Timestamp::parse("2026-12-31T19:30:00Z").unwrap();
        assert_eq!(
            local_time(at, chrono_tz::Asia::Bishkek),
            "2027-01-01 01:30:00 +06:00 (Asia/Bishkek)"
        );
        assert_eq!(
            mass(&Mass::new("1250.350", MassUnit::Ct).unwrap()),
            "1250.350 кар. / ct"
        );
    }
}
