//! `tamga-edge handoff`: custody handed over between officers of two units. The releasing
//! officer offers (sent over the LAN, or written as a file or QR code picture); the receiving
//! node takes the offer in (a file, a QR code's text, or a photo of the code); the receiving
//! officer reviews it against their own count and countersigns; the completed act goes back
//! over the LAN, or as a file or QR code that the releasing side records with `complete`.

use super::acts::Acts;
use super::forms::{self, Here, OfferForm, PartyForm, ReceivingCount, Signed};
use super::grammar::HandoffCommand;
use super::{print, read_pin};
use std::path::Path;
use tamga_core::ActId;
use tamga_edge::client::Client;
use tamga_edge::qr::{self, Carried};
use tamga_node::files::{read_limited, write_atomic};

/// The largest file read as an offer, an act or a photo of a QR code.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Runs a `handoff` subcommand.
pub fn run(dir: &Path, cmd: HandoffCommand) -> Result<(), String> {
    match cmd {
        HandoffCommand::Offer {
            who,
            to_unit,
            to_officer,
            from_unit,
            count,
            transhipment,
            place,
            send,
            out,
            qr,
        } => {
            let here = Here::of(dir)?;
            let client = Client::open(dir)?;
            let count = forms::count(&count)?;
            let permit = match &transhipment.permission {
                Some(p) => Some(Acts::of(&client, &who.consignment).id(p)?),
                None => None,
            };
            let transhipment = forms::transhipment(*transhipment, permit)?;
            let form = OfferForm {
                consignment: who.consignment,
                place: forms::place(&place, &here)?,
                releasing: PartyForm {
                    unit: from_unit.unwrap_or(here.unit),
                    officer: who.officer,
                },
                receiving: PartyForm {
                    unit: to_unit,
                    officer: to_officer,
                },
                count,
                transhipment,
                send_to: send.clone(),
            };
            let pin = read_pin(&format!("PIN for {}: ", form.releasing.officer))?;
            let answer = client.make_offer(&Signed { form, pin })?;
            let id = answer.offer;
            println!("offer {id} made");
            let bytes = client.offer_bytes(&id)?;
            if let Some(path) = &out {
                write_file(path, &bytes)?;
                println!("offer file written to {}", path.display());
            }
            if let Some(path) = &qr {
                write_qr(path, &qr::to_text(Carried::Offer, &bytes))?;
                println!("offer QR code written to {}", path.display());
            }
            if answer.sent {
                println!("sent over the LAN to {}", send.unwrap_or_default());
            } else if let Some(e) = answer.send_error {
                return Err(e);
            }
            Ok(())
        }
        HandoffCommand::List { json } => {
            let list = Client::open(dir)?.offers()?;
            if json {
                print::json(&list);
            } else {
                print::offers(&list);
            }
            Ok(())
        }
        HandoffCommand::Import { file } => {
            let text = read_offer_or_act_file(&file)?;
            let answer = Client::open(dir)?.import_offer(&text)?;
            println!(
                "offer {} taken in: review it with `tamga-edge handoff review`",
                answer.offer
            );
            Ok(())
        }
        HandoffCommand::Review {
            offer,
            officer,
            count,
            json,
        } => {
            let id = ActId::from_hex(&offer).map_err(|e| e.to_string())?;
            let count = ReceivingCount {
                count: forms::count(&count)?,
                officer,
            };
            let review = Client::open(dir)?.review(&id, &count)?;
            if json {
                print::json(&review);
            } else {
                print::review(&review);
            }
            Ok(())
        }
        HandoffCommand::Accept {
            offer,
            officer,
            count,
            out,
            qr,
        } => {
            let id = ActId::from_hex(&offer).map_err(|e| e.to_string())?;
            let client = Client::open(dir)?;
            let count = ReceivingCount {
                count: forms::count(&count)?,
                officer,
            };
            print::review(&client.review(&id, &count)?);
            let pin = read_pin(&format!("PIN for {} to countersign: ", count.officer))?;
            let done = client.countersign(&id, &Signed { form: &count, pin })?;
            println!("custody taken over: act {}", done.answer.act);
            if let Some(path) = &out {
                write_file(path, format!("{}\n", done.act_text).as_bytes())?;
                println!(
                    "completed act written to {} for the releasing side",
                    path.display()
                );
            }
            if let Some(path) = &qr {
                write_qr(path, &qr::to_text(Carried::Act, done.act_text.as_bytes()))?;
                println!("completed act as a QR code in {}", path.display());
            }
            if done.answer.returned {
                println!("sent back to the releasing node over the LAN");
            }
            Ok(())
        }
        HandoffCommand::Complete { file } => {
            let text = read_offer_or_act_file(&file)?;
            let answer = Client::open(dir)?.import_acts(&text)?;
            println!("{} new acts recorded", answer.new);
            Ok(())
        }
    }
}

/// The text of an offer or act file, of a file holding a QR code's text, or of the code in a
/// photo (PNG or JPEG).
fn read_offer_or_act_file(path: &Path) -> Result<String, String> {
    let bytes =
        read_limited(path, MAX_FILE_BYTES).map_err(|e| format!("{}: {e}", path.display()))?;
    let is_picture = bytes.starts_with(b"\x89PNG") || bytes.starts_with(&[0xff, 0xd8, 0xff]);
    if is_picture {
        return qr::read_photo(&bytes).map_err(|e| e.to_string());
    }
    String::from_utf8(bytes)
        .map_err(|_| format!("{}: neither text nor a PNG or JPEG photo", path.display()))
}

/// Writes a file the officer named, whole or not at all.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    write_atomic(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `text` as a QR code picture: PNG for a `.png` path, SVG otherwise.
fn write_qr(path: &Path, text: &str) -> Result<(), String> {
    let bytes = if path.extension().is_some_and(|e| e == "png") {
        qr::png(text).map_err(|e| e.to_string())?
    } else {
        qr::svg(text).map_err(|e| e.to_string())?.into_bytes()
    };
    write_file(path, &bytes)
}
