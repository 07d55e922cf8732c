//! The legal record's forms from the command line: permits, corrections, crew changes,
//! deadline extensions, incident follow-ups, refusal, return and a transhipment offer's part.

use super::*;

/// `permit ...`; the act ids in it are resolved by the caller (`ids` maps what was typed to
/// the full id).
pub fn permit(
    cmd: PermitCommand,
    here: &Here,
    ids: impl Fn(&str) -> Result<String, String>,
) -> Result<ActForm, String> {
    let (common, permits) = match cmd {
        PermitCommand::SealRemoval { common, seals } => (common, PermitForm::SealRemoval { seals }),
        PermitCommand::Correction { common, act } => {
            let act = ids(&act)?;
            (common, PermitForm::Correction { act })
        }
        PermitCommand::Transhipment { common, incident } => {
            let incident = incident.as_deref().map(&ids).transpose()?;
            (common, PermitForm::Transhipment { incident })
        }
        PermitCommand::Return { common } => (common, PermitForm::Return),
    };
    Ok(ActForm::PermissionGranted {
        place: place(&common.place, here)?,
        who: who(common.who),
        permits,
        reason: common.reason,
        valid_until: common
            .valid_until
            .map(|t| typed_time("--valid-until", &t, &here.zone))
            .transpose()?,
    })
}

/// The changed fields of `correct` for an act of `kind`: the options that fit the kind and the
/// `--changes` file's fields. An option of another kind's fields is refused, naming the ones
/// that fit.
pub fn correction_changes(
    kind: &str,
    f: CorrectionArgs,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    use serde_json::Value;
    let mut changes = serde_json::Map::new();
    let mut given: Vec<(&str, &str, Value)> = Vec::new();
    let text = |v: String| Value::String(v);
    if let Some(v) = f.seal {
        given.push(("--seal", "seal", text(v)));
    }
    if let Some(v) = f.seal_kind {
        given.push(("--seal-kind", "seal_kind", text(v)));
    }
    if let Some(v) = f.fixed_on {
        given.push(("--fixed-on", "fixed_on", text(v)));
    }
    if let Some(v) = f.vehicle {
        given.push(("--vehicle", "vehicle", text(v)));
    }
    if let Some(v) = f.happened_at {
        given.push(("--happened-at", "happened_at", text(v)));
    }
    if let Some(v) = f.description {
        given.push(("--description", "description", text(v)));
    }
    if !f.affected_seals.is_empty() {
        let list = f.affected_seals.into_iter().map(Value::String).collect();
        given.push(("--affected-seal", "seals", Value::Array(list)));
    }
    if let Some(v) = f.declaration {
        given.push(("--declaration", "declaration", text(v)));
    }
    if let Some(v) = f.packages {
        given.push(("--packages", "packages", Value::from(v)));
    }
    let fitting: &[&str] = match kind {
        "seal_applied" => &["--seal", "--seal-kind", "--fixed-on"],
        "escort_assigned" => &["--vehicle"],
        "incident_reported" => &["--happened-at", "--description", "--affected-seal"],
        "consignment_registered" => &["--declaration", "--packages"],
        other => {
            return Err(format!(
                "a {other} act cannot be corrected: only a registration, a seal applied, an escort assignment or an incident report can"
            ))
        }
    };
    for (option, name, value) in given {
        if !fitting.contains(&option) {
            return Err(format!(
                "{option} does not apply to a {kind} act; give {} or --changes FILE",
                fitting.join(", ")
            ));
        }
        changes.insert(name.into(), value);
    }
    if let Some(file) = f.changes {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let Value::Object(more) = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not JSON: {e}", file.display()))?
        else {
            return Err(format!(
                "{}: write the changed fields as a JSON object, like {{\"carrier\": {{...}}}}",
                file.display()
            ));
        };
        changes.extend(more);
    }
    if changes.is_empty() {
        return Err(format!(
            "say what changes: {} (or --changes FILE)",
            fitting.join(", ")
        ));
    }
    changes.insert("kind".into(), Value::String(kind.into()));
    Ok(changes)
}

/// `correct`: `corrects` and `permission` are resolved act ids, `changes` from
/// [`correction_changes`].
pub fn correct(
    w: Who,
    corrects: String,
    changes: serde_json::Map<String, serde_json::Value>,
    reason: String,
    permission: Option<String>,
) -> ActForm {
    ActForm::ActCorrected {
        who: who(w),
        corrects,
        changes,
        reason,
        permission,
    }
}

/// `change-escort`.
pub fn change_escort(
    w: Who,
    escort: Escort,
    reason: String,
    p: &PlaceArgs,
    here: &Here,
) -> Result<ActForm, String> {
    Ok(ActForm::EscortChanged {
        place: place(p, here)?,
        who: who(w),
        escort_unit: escort.unit,
        vehicle: escort.vehicle,
        officer_in_charge: escort.in_charge,
        crew: escort.crew,
        reason,
    })
}

/// `extend-deadline`: `incident` is a resolved act id.
pub fn extend_deadline(w: Who, incident: String, until: String, reason: String) -> ActForm {
    ActForm::DeadlineExtended {
        who: who(w),
        incident,
        delivery_deadline: until,
        reason,
    }
}

/// `follow-up`: `incident` is a resolved act id.
pub fn follow_up(
    w: Who,
    incident: String,
    action: String,
    note: String,
    attachments: &[PathBuf],
    p: &PlaceArgs,
    here: &Here,
) -> Result<ActForm, String> {
    Ok(ActForm::IncidentFollowedUp {
        place: place(p, here)?,
        who: who(w),
        incident,
        action,
        note,
        attachments: hashes(attachments)?,
    })
}

/// `refuse`.
pub fn refuse(
    w: Who,
    reason: String,
    seals: &[String],
    p: &PlaceArgs,
    here: &Here,
) -> Result<ActForm, String> {
    Ok(ActForm::DeliveryRefused {
        place: place(p, here)?,
        who: who(w),
        reason,
        seals: seals_seen(seals)?,
    })
}

/// `return`: `permission` is a resolved act id.
pub fn returned(
    w: Who,
    c: &CountArgs,
    permission: Option<String>,
    p: &PlaceArgs,
    here: &Here,
) -> Result<ActForm, String> {
    let count = count(c)?;
    Ok(ActForm::ConsignmentReturned {
        place: place(p, here)?,
        who: who(w),
        count,
        permission,
    })
}

/// The transhipment of `handoff offer`: `permission` is the resolved permit id.
pub fn transhipment(
    t: TranshipmentArgs,
    permission: Option<String>,
) -> Result<Option<TranshipmentForm>, String> {
    let Some(permission) = permission else {
        return Ok(None);
    };
    let vehicle = t
        .vehicle
        .ok_or("a transhipment needs the vehicle the goods move to: --tranship-vehicle PLATE")?;
    if t.new_seals.is_empty() {
        return Err("a transhipment needs the seals fixed after the move: --new-seal NUMBER (repeat) and --new-seal-on \"what they are fixed on\"".into());
    }
    let fixed_on = t
        .new_seal_on
        .ok_or("say what the new seals are fixed on: --new-seal-on \"safe-bag, one place\"")?;
    Ok(Some(TranshipmentForm {
        permission,
        vehicle,
        new_seals: t
            .new_seals
            .into_iter()
            .map(|seal| NewSealForm {
                seal,
                seal_kind: t.new_seal_kind.clone(),
                fixed_on: fixed_on.clone(),
            })
            .collect(),
    }))
}
