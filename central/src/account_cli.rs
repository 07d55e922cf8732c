//! `tamga-central account add|list`: headquarters staff accounts, here or through the running
//! server. The password is asked on the terminal (or read from standard input); the second
//! factor's secret is printed once, for the person to enter in their authenticator app.

use serde::Deserialize;
use std::path::Path;
use tamga_central::accounts::{Accounts, Enrolment, StaffRole};
use tamga_central::admin::Admin;

/// `tamga-central account ...`.
#[derive(clap::Subcommand)]
pub enum AccountCommand {
    /// Add an account; the password is asked (or read from standard input), the second
    /// factor's secret printed once.
    Add {
        /// The login name.
        #[arg(long)]
        username: String,
        /// The person's full name.
        #[arg(long)]
        name: String,
        /// Their personal number.
        #[arg(long)]
        personal_number: String,
        /// reconciliation, supervisor, auditor or administrator.
        #[arg(long)]
        role: String,
        /// Their signing key (kept with `tamga-central officer`, enrolled as central_staff or
        /// supervisor): reconciliation staff and supervisors only.
        #[arg(long)]
        key: Option<String>,
    },
    /// List the accounts.
    List,
}

pub use tamga_central::accounts::NewAccount as AddBody;

#[derive(Deserialize)]
struct Added {
    secret_base32: String,
    uri: String,
}

pub fn add(dir: &Path, mut body: AddBody, json: bool) -> Result<String, String> {
    let role = StaffRole::parse(&body.role)?;
    let password = tamga_node::officer::read_secret("Password (12 characters or more): ")?;
    body.password = password.to_string();
    let added = match Admin::open(dir)? {
        Admin::Local(central) => {
            let e: Enrolment = Accounts::open(&central.dir)
                .and_then(|a| {
                    a.add_new(
                        &central.store.registry(),
                        &body,
                        tamga_core::Timestamp::now(),
                    )
                })
                .map_err(|e| e.to_string())?;
            tamga_central::audit::note_in(
                &central.dir,
                tamga_central::audit::cli_event("accounts", 0),
            );
            Added {
                secret_base32: e.secret_base32,
                uri: e.uri,
            }
        }
        Admin::Remote(info) => Admin::post(
            &info,
            "/api/admin/accounts",
            serde_json::to_vec(&body).expect("JSON encodes"),
        )?,
    };
    if json {
        return Ok(serde_json::json!({"username": body.username, "role": role.as_str(), "secret_base32": added.secret_base32, "uri": added.uri}).to_string() + "\n");
    }
    Ok(format!(
        "account {} added ({}, {}).\nSecond factor: enter this secret in the person's authenticator app (TOTP, 6 digits, 30 s):\n  {}\n  {}\nIt is shown once; the person logs in at the staff port with their password and the app's code.\n",
        body.username,
        body.name,
        role.as_str(),
        added.secret_base32,
        added.uri
    ))
}

pub fn list(dir: &Path, json: bool) -> Result<String, String> {
    let accounts = Accounts::open(dir).map_err(|e| e.to_string())?.list();
    if json {
        let rows: Vec<_> = accounts
            .iter()
            .map(|a| serde_json::json!({"username": a.username, "name": a.name, "personal_number": a.personal_number, "role": a.role.as_str(), "key": a.key, "disabled": a.disabled}))
            .collect();
        return Ok(serde_json::to_string_pretty(&rows).expect("JSON encodes") + "\n");
    }
    let mut out = String::new();
    for a in accounts {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}{}\n",
            a.username,
            a.name,
            a.role.as_str(),
            a.key.map(|k| k.fingerprint()).unwrap_or_else(|| "-".into()),
            if a.disabled { "\tdisabled" } else { "" }
        ));
    }
    Ok(out)
}
