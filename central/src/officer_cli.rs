//! `tamga-central officer new|import|list`: staff's own signing keys, kept on central under
//! each person's PIN.

use crate::{to_json, OfficerCommand};
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;
use tamga_central::central::Central;
use tamga_core::{Role, Timestamp};

#[derive(Serialize)]
struct OfficerOut {
    key: String,
    holder: String,
    central_staff: Option<tamga_central::central::RegistryEntry>,
}

pub fn officer(dir: &Path, command: OfficerCommand, json: bool) -> Result<String, String> {
    use tamga_node::keystore::Keystore;
    let mut answer = String::new();
    if !dir.join(tamga_central::config::FILE_NAME).exists() {
        return Err(format!(
            "{} is not central's data directory: create it with `tamga-central init`, or give --data-dir",
            dir.display()
        ));
    }
    let keystore =
        Keystore::open(dir.join(tamga_central::staff::OFFICERS_DIR)).map_err(|e| e.to_string())?;
    match command {
        OfficerCommand::New { holder } => {
            let id = tamga_node::officer::new_key(&keystore, &holder)?;
            let _ = writeln!(answer, "staff key created for {holder}: {id}");
            let _ = writeln!(answer, "Enroll it: tamga-central enroll --key {id} --role central_staff --unit <unit> --name \"{holder}\" --personal-number <number>");
        }
        OfficerCommand::Import { holder } => {
            let id = tamga_node::officer::import_key(&keystore, &holder)?;
            let _ = writeln!(answer, "staff key imported for {holder}: {id}");
        }
        OfficerCommand::List => {
            let stored = keystore.list().map_err(|e| e.to_string())?;
            // The registry as enrolled; while serve holds the store, the enrollment file is
            // not needed: the list shows the keys without their enrollment then.
            let now = Timestamp::now();
            let entries = Central::open(dir)
                .map(|c| c.registry_entries(now))
                .unwrap_or_default();
            let list: Vec<OfficerOut> = stored
                .into_iter()
                .map(|k| OfficerOut {
                    central_staff: entries
                        .iter()
                        .find(|e| {
                            e.key == k.id
                                && matches!(e.role, Role::CentralStaff | Role::Supervisor)
                                && e.status == "valid"
                        })
                        .cloned(),
                    key: k.id.to_string(),
                    holder: k.holder,
                })
                .collect();
            if json {
                return Ok(to_json(&list));
            }
            for o in &list {
                let enrolled = match &o.central_staff {
                    Some(e) => format!(
                        "central_staff of {}, until {}",
                        e.unit,
                        tamga_central::config::Config::load(dir)
                            .map(|c| c.local_time())
                            .unwrap_or_default()
                            .for_people(e.valid_until)
                    ),
                    None => "not enrolled as central staff now (or central is serving: see the dashboard)".into(),
                };
                let _ = writeln!(answer, "{}  {}  {}", o.key, o.holder, enrolled);
            }
        }
    }
    Ok(answer)
}
