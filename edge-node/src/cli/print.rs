//! Printing the node's answers: for people (a line per row, what matters first) and as JSON
//! (`--json`: the API's answer, pretty, keys sorted as the API writes them). Everything printed
//! is read from the typed answers' fields.

use serde::Serialize;
use tamga_core::canonical::wire_name;
use tamga_edge::answers::{
    sorted, ActView, ConsignmentView, OfferView, OfficerView, RecordedAct, ReviewView, Signer,
};
use tamga_edge::listing::ConsignmentList;
use tamga_edge::node::Status;

/// An answer as pretty JSON, its keys sorted.
pub fn json(answer: &impl Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(&sorted(answer)).expect("JSON prints")
    );
}

/// `status --json`: the node's state, its fields in their declared order.
pub fn status_json(status: &Status) {
    println!(
        "{}",
        serde_json::to_string_pretty(status).expect("status serializes")
    );
}

/// `status`.
pub fn status(status: &Status) {
    println!("{:?} node of {}", status.role, status.unit);
    println!("device key: {}", status.device_key);
    println!("authority: {}", status.authority_fingerprint);
    println!(
        "documents: {}, feed position {}",
        status.documents, status.feed_position
    );
    println!("enrolled keys: {}", status.enrolled_keys);
}

/// What this node holds of central's transparency log, and the log alarm.
pub fn central_log(log: Option<&tamga_edge::answers::CentralLog>) {
    match log {
        None => println!("central's log: no receipts yet (sync with central)"),
        Some(l) => {
            if l.size > 0 {
                println!(
                    "central's log: {} acts, tree head signed {}",
                    l.size, l.signed_at_for_people
                );
            }
            if l.carried_unchecked > 0 {
                println!(
                    "  {} tree heads carried here by bundles wait for their check at the next sync with central",
                    l.carried_unchecked
                );
            }
            if let Some(alarm) = &l.alarm {
                println!("LOG ALARM: {alarm}");
                println!("  central's log does not extend what this node accepted before: report it to headquarters' security officer; keep this node's data as it is");
            }
        }
    }
}

/// The GPS of a vehicle that reads one (nothing if it does not).
pub fn gps(gps: Option<&tamga_edge::gps::status::GpsAnswer>) {
    let Some(g) = gps else {
        return;
    };
    let state = match g.state {
        tamga_edge::gps::status::Link::Connected => "connected",
        tamga_edge::gps::status::Link::NoFix => "no fix",
        tamga_edge::gps::status::Link::Lost => "LOST",
    };
    println!(
        "GPS (gpsd {}): {state} since {}",
        g.gpsd, g.since_for_people
    );
    if let Some(e) = &g.error {
        println!("  {e}");
    }
    let fix = |f: &tamga_edge::gps::status::FixView| {
        format!("{}, {} at {}", f.latitude, f.longitude, f.at_for_people)
    };
    match &g.last_fix {
        Some(f) => println!("  last fix: {}", fix(f)),
        None => println!("  last fix: none yet"),
    }
    println!(
        "  {} fixes signed in {} acts; {} waiting for the next batch; {} held back",
        g.signed, g.acts, g.waiting, g.held_back
    );
    if let Some(b) = &g.last_batch {
        println!(
            "  last batch {}: {} fixes for {}",
            b.at_for_people,
            b.fixes,
            b.consignments.join(", ")
        );
    }
    let refused: Vec<String> = g
        .refused
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(reason, n)| format!("{reason} {n}"))
        .collect();
    if !refused.is_empty() {
        println!("  not signed: {}", refused.join(", "));
    }
    if let Some(j) = &g.last_jump {
        println!(
            "  last jump: from {} to {} ({} km/h), not signed",
            fix(&j.from),
            fix(&j.to),
            j.speed_kmh
        );
    }
    if let Some(e) = &g.record_error {
        println!("  NOT RECORDED: {e}");
    }
}

/// An act recorded (or already held).
pub fn recorded(answer: &RecordedAct) {
    if answer.new {
        println!("recorded {} {}", answer.kind, answer.act);
    } else {
        println!("already recorded: {} {}", answer.kind, answer.act);
    }
}

/// `list`: the counts, a line per consignment, and how to get the next page.
pub fn consignments(page: &ConsignmentList) {
    let by = |m: &std::collections::BTreeMap<String, u64>| {
        m.iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(c) = &page.counts {
        println!(
            "{} held ({}); overdue {}; worst open discrepancy: {}",
            c.total,
            by(&c.by_status),
            c.overdue,
            by(&c.by_worst)
        );
    }
    let rows = &page.rows;
    if rows.is_empty() {
        match &page.counts {
            Some(c) if c.total == 0 => {
                println!("no consignments here yet: register one, or sync with a peer")
            }
            _ => println!("no consignments match"),
        }
    }
    for r in rows {
        println!(
            "{}  {:<11} custody {:<16} deadline {}{}  {} open discrepancies",
            r.consignment,
            r.status,
            or_dash(r.custodian.as_deref()),
            or_dash(r.deadline_for_people.as_deref()),
            if r.overdue { " OVERDUE" } else { "" },
            r.open_discrepancies
        );
    }
    if let Some(next) = &page.next {
        println!("more: --filter after={next}");
    }
}

/// `show --json`: the assessment, with the acts as people read them beside it.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    assessment: &'a tamga_core::Assessment,
    act_details: &'a [ActView],
}

/// `show --json`.
pub fn consignment_json(view: &ConsignmentView) {
    json(&Shown {
        assessment: &view.assessment,
        act_details: &view.acts,
    });
}

/// `show`: the consignment's state, seals, discrepancies and acts.
pub fn consignment(view: &ConsignmentView, zone: &tamga_node::local_time::LocalTime) {
    let a = &view.assessment;
    let s = &a.state;
    println!(
        "consignment {}: {}",
        a.consignment.as_str(),
        wire_name(&s.status)
    );
    if let Some(c) = &s.custodian {
        println!(
            "custodian: {} (officer {})",
            c.unit.as_str(),
            c.officer.as_str()
        );
    } else if s.custody_disputed {
        println!("custodian: DISPUTED (two handoffs from one predecessor)");
    }
    if let Some(d) = &s.deadline {
        println!(
            "deadline: {}{}{}",
            zone.for_people(*d),
            if s.overdue { " (OVERDUE)" } else { "" },
            s.deadline_extension
                .map(|e| format!(" (extended by [{}])", e.short()))
                .unwrap_or_default()
        );
    }
    if let Some(e) = &s.escort {
        println!(
            "escort: {}, vehicle {}, in charge {}, crew {}{}",
            e.unit.as_str(),
            e.vehicle,
            e.officer_in_charge.as_str(),
            e.crew
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if e.changes.is_empty() {
                String::new()
            } else {
                format!(" ({} changes)", e.changes.len())
            }
        );
    }
    for i in &s.open_incidents {
        println!("open incident: [{}] (not yet followed up)", i.short());
    }
    if let Some(o) = &s.outcome {
        println!("outcome: {}", outcome(o));
    }
    for (n, seal) in &s.seals {
        println!(
            "seal {}: {}, last seen {}",
            n.as_str(),
            wire_name(&seal.status),
            wire_name(&seal.last_state)
        );
    }
    for d in &a.discrepancies {
        let resolved = if d.resolution.is_some() {
            " (resolved)"
        } else {
            ""
        };
        println!(
            "[{}] {}: {}{resolved}",
            wire_name(&d.severity),
            wire_name(&d.kind),
            d.summary
        );
    }
    println!("acts:");
    for act in &view.acts {
        let signers: Vec<String> = act.signers.iter().map(signer).collect();
        println!(
            "  {}  {:<22} {}{}  [{}]",
            act.at_for_people,
            act.kind,
            signers.join(", "),
            if act.holds { "" } else { "  DOES NOT HOLD" },
            act.id.short()
        );
        match &act.at_headquarters {
            Some(hq) => println!("      received by central at {}", hq.seen_for_people),
            None => println!("      not yet at headquarters"),
        }
        if act.kind == "act_corrected" {
            let corrects = act.body["corrects"].as_str().unwrap_or("");
            println!(
                "      corrects [{}]: {}",
                corrects.get(..12).unwrap_or(corrects),
                changes_text(&act.body["changes"])
            );
        }
        if let Some(by) = s.corrections.get(&act.id) {
            let ids: Vec<String> = by.iter().map(|c| format!("[{}]", c.short())).collect();
            println!("      corrected by {}", ids.join(", "));
        }
    }
}

/// A correction's changed fields, `name: value` each.
fn changes_text(changes: &serde_json::Value) -> String {
    let Some(fields) = changes.as_object() else {
        return String::new();
    };
    fields
        .iter()
        .filter(|(k, _)| k.as_str() != "kind")
        .map(|(k, v)| match v {
            serde_json::Value::String(text) => format!("{k}: {text}"),
            other => format!("{k}: {other}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// How transit ended, in a line.
fn outcome(o: &tamga_core::assessment::Outcome) -> String {
    use tamga_core::assessment::Outcome;
    match o {
        Outcome::Delivered { act } => format!("delivered in full [{}]", act.short()),
        Outcome::DeliveredShort {
            act,
            packages,
            net_mass,
        } => format!(
            "delivered SHORT by {packages} packages, {} net [{}]",
            net_mass.for_people(),
            act.short()
        ),
        Outcome::Refused { act, reason } => {
            format!(
                "REFUSED at the office of destination: {reason} [{}]",
                act.short()
            )
        }
        Outcome::Returned { act } => {
            format!("returned to the office of departure [{}]", act.short())
        }
    }
}

/// A signer as people name them.
fn signer(s: &Signer) -> String {
    match (&s.name, &s.personal_number) {
        (Some(n), Some(p)) => format!("{n} ({p})"),
        (Some(n), None) => n.clone(),
        _ => format!("unknown key {}", s.key.as_str()),
    }
}

/// `officer list`: a line per key, with its enrollment.
pub fn officers(list: &[OfficerView]) {
    for o in list {
        let enrolled = match &o.enrollment {
            None => "NOT ENROLLED now: ask central to enroll it".to_owned(),
            Some(e) => format!("{} of {}, until {}", e.role, e.unit, e.valid_until),
        };
        println!("{}  {}  {}", o.key.as_str(), o.holder, enrolled);
    }
}

/// `handoff list`: a line per offer.
pub fn offers(list: &[OfferView]) {
    for o in list {
        println!(
            "{}  {:<8} {:<9} {}  {} -> {}  {}",
            o.offer,
            wire_name(&o.direction),
            o.state,
            o.consignment,
            o.releasing.unit,
            o.receiving.unit,
            o.at_for_people,
        );
    }
}

/// A review: every discrepancy, the ones the handoff would add marked NEW.
pub fn review(review: &ReviewView) {
    let all = &review.assessment.discrepancies;
    if all.is_empty() {
        println!("no discrepancy: the handoff may be countersigned");
    }
    for d in all {
        let is_new = review.new_discrepancies.iter().any(|n| n.id == d.id);
        println!(
            "{}[{}] {}: {}",
            if is_new { "NEW " } else { "" },
            wire_name(&d.severity),
            wire_name(&d.kind),
            d.summary
        );
    }
}

/// Text for an absent value.
fn or_dash(text: Option<&str>) -> &str {
    text.unwrap_or("-")
}
