//! The officer's records from the command line: `list` and `show` (what is held, assessed
//! now), `act` (any single-signer act from a form file), and the acts built from options
//! (`seal`, `escort`, `incident`, `position`, `arrive`, `deliver`), each signed with the
//! officer's key under their PIN; `act paper`: an act printed on paper.

use super::forms::{ActForm, Signed};
use super::{print, read_pin};
use serde_json::Value;
use std::path::Path;
use tamga_core::{ActId, ConsignmentId};
use tamga_edge::answers::ActView;
use tamga_edge::api::MAX_FORM_BYTES;
use tamga_edge::client::Client;

/// `list`.
pub fn list(dir: &Path, json: bool, filters: &[String]) -> Result<(), String> {
    let mut pairs = Vec::new();
    for f in filters {
        let (name, value) = f
            .split_once('=')
            .ok_or_else(|| format!("--filter {f}: write NAME=VALUE, e.g. status=in_transit"))?;
        pairs.push((name.to_owned(), value.to_owned()));
    }
    let page = Client::open(dir)?.consignments(&pairs)?;
    if json {
        print::json(&page);
    } else {
        print::consignments(&page);
    }
    Ok(())
}

/// `show`.
pub fn show(dir: &Path, consignment: String, json: bool) -> Result<(), String> {
    let id = ConsignmentId::new(consignment).map_err(|e| e.to_string())?;
    let view = Client::open(dir)?.consignment(&id)?;
    if json {
        print::consignment_json(&view);
    } else {
        print::consignment(&view, &super::local_time(dir));
    }
    Ok(())
}

/// `act`: the act's JSON without `at` from a file or standard input (`-`); the PIN is asked
/// for unless the form holds it.
pub fn act(dir: &Path, form: &Path) -> Result<(), String> {
    let text = if form.as_os_str() == "-" {
        let mut t = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut t).map_err(|e| e.to_string())?;
        t
    } else {
        tamga_node::files::read_text_limited(form, MAX_FORM_BYTES as u64)
            .map_err(|e| format!("{}: {e}", form.display()))?
    };
    let mut value: Value =
        serde_json::from_str(&text).map_err(|e| format!("the form is not JSON: {e}"))?;
    // A form that is not an object is left for the desk to refuse, naming what is wrong.
    if let Value::Object(fields) = &mut value {
        if !fields.contains_key("pin") {
            let officer = fields.get("officer").and_then(Value::as_str).unwrap_or("");
            let pin = read_pin(&format!("PIN for {officer}: "))?;
            fields.insert("pin".into(), Value::String(pin));
        }
    }
    print::recorded(&Client::open(dir)?.record_form(&value)?);
    Ok(())
}

/// `act paper`: the act's paper act (see [`tamga_edge::paper`]) written to `out`. A short id
/// is looked up in `consignment`'s acts, as everywhere else.
pub fn paper(dir: &Path, act: &str, consignment: Option<&str>, out: &Path) -> Result<(), String> {
    let client = Client::open(dir)?;
    let given = act.trim().to_ascii_lowercase();
    let id = if given.len() == 64 {
        ActId::from_hex(&given).map_err(|e| format!("{given:?}: {e}"))?
    } else if let Some(c) = consignment {
        let full = Acts::of(&client, c).id(&given)?;
        ActId::from_hex(&full).map_err(|e| e.to_string())?
    } else {
        return Err(format!(
            "{given:?} is not a whole act id: give the id, or the short id `tamga-edge show CONSIGNMENT` prints in [brackets] with its consignment: `tamga-edge act paper {given} -c CONSIGNMENT --out FILE.pdf`"
        ));
    };
    let paper = client.paper(&id)?;
    tamga_node::files::write_atomic(out, &paper.pdf)
        .map_err(|e| format!("{}: {e}", out.display()))?;
    println!("wrote {}: the paper act of {id}", out.display());
    match paper.qr {
        tamga_edge::paper::QrOnPaper::Printed { .. } => println!("{}", paper.qr.describe()),
        tamga_edge::paper::QrOnPaper::TooLarge { .. } => {
            eprintln!("warning: {}", paper.qr.describe())
        }
    }
    Ok(())
}

/// Signs and records an act built from the command's options, asking for the PIN.
pub fn record(dir: &Path, form: ActForm) -> Result<(), String> {
    record_on(&Client::open(dir)?, form)
}

/// [`record`] through an open client.
pub fn record_on(client: &Client, form: ActForm) -> Result<(), String> {
    let pin = read_pin(&format!("PIN for {}: ", form.officer()))?;
    print::recorded(&client.record_form(&Signed { form, pin })?);
    Ok(())
}

/// The acts of one consignment held here, read once when an act id is first looked up.
pub struct Acts<'a> {
    client: &'a Client,
    consignment: String,
    acts: std::cell::OnceCell<Vec<ActView>>,
}

impl<'a> Acts<'a> {
    /// The acts of `consignment` through `client`.
    pub fn of(client: &'a Client, consignment: &str) -> Acts<'a> {
        Acts {
            client,
            consignment: consignment.to_owned(),
            acts: std::cell::OnceCell::new(),
        }
    }

    fn list(&self) -> Result<&[ActView], String> {
        if let Some(acts) = self.acts.get() {
            return Ok(acts);
        }
        let id = ConsignmentId::new(self.consignment.clone())
            .map_err(|e| format!("--consignment: {e}"))?;
        let view = self.client.consignment(&id)?;
        Ok(self.acts.get_or_init(|| view.acts))
    }

    /// The act `given` (its id, or a prefix of it such as the short id `show` prints): its full
    /// id and kind.
    pub fn find(&self, given: &str) -> Result<(String, String), String> {
        let given = given.trim().to_ascii_lowercase();
        let c = &self.consignment;
        if given.len() < 6 || !given.chars().all(|ch| ch.is_ascii_hexdigit()) {
            return Err(format!(
                "{given:?} is not an act id: give the id or the short id (12 hex digits) that `tamga-edge show {c}` prints in [brackets]"
            ));
        }
        let found: Vec<&ActView> = self
            .list()?
            .iter()
            .filter(|a| a.id.to_string().starts_with(&given))
            .collect();
        match found[..] {
            [one] => Ok((one.id.to_string(), one.kind.clone())),
            [] => Err(format!(
                "no act {given} in consignment {c} on this node: `tamga-edge show {c}` lists its acts with their short ids; if it was recorded on another node, sync first"
            )),
            _ => Err(format!(
                "{given} names {} acts of consignment {c}: give more of its id",
                found.len()
            )),
        }
    }

    /// The full id of the act `given`.
    pub fn id(&self, given: &str) -> Result<String, String> {
        Ok(self.find(given)?.0)
    }
}
