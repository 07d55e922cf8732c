//! Paper custody acts: a printable A4 PDF of a handoff (`custody_transferred`), a delivery
//! (`consignment_delivered`), an incident report (`incident_reported`) or a correction
//! (`act_corrected`), in Russian with English beside every heading and label, saying what the
//! act says in a person's words (who signed, by name, personal number and unit as the registry
//! here enrolls them; seals and their states; packages and masses exactly as recorded; where;
//! when, in the node's local time with its offset and in UTC), with the signed act itself in a
//! QR code in the form [`crate::qr`] imports (`tamga:act:`): anyone can scan the paper and
//! record and verify the act offline on another node. A signed act too large for one code is
//! said to be so, on the paper and to the caller, never cut short.
//!
//! Pure: the desk gathers the [`Facts`] (`Desk::paper`); [`render`] makes the PDF.
//!
//! - `words`: the vocabulary in both languages.
//! - `content`: the act read into a [`content::Sheet`] of sections and labelled lines.
//! - `layout`: the sheet on A4 pages (printpdf, DejaVu Sans embedded), the QR code drawn.

pub mod content;
mod layout;
pub mod words;

use crate::answers::Signer;
use crate::qr::{self, Carried, QrError};
use tamga_core::act::ConsignmentRegistered;
use tamga_core::{SignedAct, Timestamp};

/// The act kinds that have a paper act.
pub const KINDS: [&str; 4] = [
    "custody_transferred",
    "consignment_delivered",
    "incident_reported",
    "act_corrected",
];

/// Whether acts of `kind` have a paper act.
pub fn has_paper(kind: &str) -> bool {
    KINDS.contains(&kind)
}

/// The refusal for an act of another kind, naming the kinds that have one.
pub fn no_paper(kind: &str) -> String {
    format!(
        "a {kind} act has no paper act: only {} acts do",
        KINDS.join(", ")
    )
}

/// Whether the act holds among its consignment's acts on this node, now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// It holds.
    Holds,
    /// It does not, for this reason.
    DoesNotHold(String),
}

/// What a paper act is made from.
#[derive(Clone, Copy)]
pub struct Facts<'a> {
    /// The signed act.
    pub act: &'a SignedAct,
    /// The consignment's registration in force here (corrections applied), if held.
    pub registration: Option<&'a ConsignmentRegistered>,
    /// Its signers in signature order, as enrolled at the act's time.
    pub signers: &'a [Signer],
    /// Whether it holds here.
    pub standing: &'a Standing,
    /// For a correction: the kind of the act corrected, if held here.
    pub corrected_kind: Option<&'a str>,
    /// The node's time zone.
    pub zone: chrono_tz::Tz,
    /// When the paper is printed.
    pub printed_at: Timestamp,
}

/// Where the signed act went on the paper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QrOnPaper {
    /// Printed in one QR code of this many characters.
    Printed {
        /// The code's text length.
        characters: usize,
    },
    /// Too large for one QR code (this many characters): the paper says so and has no code.
    TooLarge {
        /// The text's length.
        characters: usize,
    },
}

impl QrOnPaper {
    /// A line for people about the code.
    pub fn describe(&self) -> String {
        match self {
            QrOnPaper::Printed { characters } => format!(
                "the signed act is in its QR code ({characters} characters): scan it and import it on any node to record and verify it"
            ),
            QrOnPaper::TooLarge { characters } => format!(
                "the signed act is too large for one QR code ({characters} characters): the paper has no code and says so; hand the act over as a file or by sync"
            ),
        }
    }
}

/// A paper act: the PDF and what became of the QR code.
#[derive(Clone, Debug)]
pub struct Paper {
    /// The PDF.
    pub pdf: Vec<u8>,
    /// The QR code.
    pub qr: QrOnPaper,
}

/// The paper act of `facts`; `Err` (naming the kinds that have one) for an act of another
/// kind.
pub fn render(facts: &Facts<'_>) -> Result<Paper, String> {
    let kind = facts.act.body().kind();
    if !has_paper(kind) {
        return Err(no_paper(kind));
    }
    let sheet = content::sheet(facts);
    let text = qr::to_text(Carried::Act, &facts.act.encode());
    let characters = text.len();
    Ok(match qr::modules(&text) {
        Ok((width, dark)) => Paper {
            pdf: layout::pdf(&sheet, layout::Code::Printed(width, &dark)),
            qr: QrOnPaper::Printed { characters },
        },
        Err(QrError::TooLarge(_)) | Err(_) => Paper {
            pdf: layout::pdf(&sheet, layout::Code::TooLarge(characters)),
            qr: QrOnPaper::TooLarge { characters },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::Story;

    fn facts<'a>(story: &Story, act: &'a SignedAct, standing: &'a Standing) -> Facts<'a> {
        Facts {
            act,
            registration: None,
            signers: &[],
            standing,
            corrected_kind: None,
            zone: chrono_tz::Asia::Bishkek,
            printed_at: story.t(300),
        }
    }

    #[test]
    fn the_four_kinds_have_paper_and_others_are_refused_naming_them() {
        let story = Story::new();
        let holds = Standing::Holds;
        let acts = story.clean_delivery();
        let handoff = render(&facts(&story, &acts[3], &holds)).unwrap();
        assert!(handoff.pdf.starts_with(b"%PDF-"));
        let QrOnPaper::Printed { characters } = handoff.qr else {
            panic!("a handoff fits in one code: {:?}", handoff.qr)
        };
        assert!(characters < 1500, "{characters}");
        let e = render(&facts(&story, &acts[1], &holds)).unwrap_err();
        assert!(
            e.contains("seal_applied")
                && e.contains(
                    "custody_transferred, consignment_delivered, incident_reported, act_corrected"
                ),
            "{e}"
        );
    }

    /// An incident whose description is as long as an act allows does not fit in one code:
    /// the paper is still made, says so, and the caller is told.
    #[test]
    fn an_act_too_large_for_one_code_is_said_to_be_so_not_cut() {
        let story = Story::new();
        // Text that zstd cannot shrink: a pseudo-random walk over letters.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let noise: String = (0..4000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b'a' + (x % 26) as u8)
            })
            .collect();
        let incident = story.sign(
            tamga_core::ActBody::IncidentReported(tamga_core::act::IncidentReported {
                consignment: story.consignment.clone(),
                at: story.t(50),
                officer: story.escort_lead.id.clone(),
                place: tamga_core::act::Place::Road {
                    description: tamga_core::fixtures::text("Bishkek ring road, km 14"),
                    coordinates: None,
                },
                happened_at: None,
                incident: tamga_core::act::IncidentKind::Delay,
                description: tamga_core::fixtures::text(&noise),
                seals: Vec::new(),
                attachments: Vec::new(),
            }),
            &[&story.escort_lead],
        );
        let holds = Standing::Holds;
        let paper = render(&facts(&story, &incident, &holds)).unwrap();
        let QrOnPaper::TooLarge { characters } = paper.qr else {
            panic!("{:?}", paper.qr)
        };
        assert!(characters > 2331, "{characters}");
        assert!(paper.pdf.starts_with(b"%PDF-"));
        assert!(paper.qr.describe().contains("too large"));
    }
}
