//! Hostile text as a handoff QR code and as an officer's form on the edge node.
//!
//! Properties: decoding a code is bounded (text, compressed and decompressed sizes), what
//! decodes is carried again by a code that decodes to the same bytes; a form the node accepts
//! becomes an act (or an offer) whose canonical encoding, signed by the signers it names,
//! decodes strictly to the same act.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tamga_core::act::ActBody;
use tamga_core::handoff::CustodyOffer;
use tamga_core::signing::{ActSignature, SignatureBytes};
use tamga_core::{DecodeError, SignedAct, Timestamp, MAX_ACT_BYTES};
use tamga_edge::{qr, workflow};

fn at() -> Timestamp {
    tamga_core::fixtures::at("2026-11-23T06:40:00Z")
}

/// Signs `body` with placeholder signatures by the keys it names (the shape, not the
/// cryptography) and checks that the wire form decodes strictly to the same act.
fn check_wire(body: ActBody) {
    let signatures = body
        .required_signers()
        .into_iter()
        .map(|k| ActSignature {
            key: k.clone(),
            signature: SignatureBytes([7; 64]),
        })
        .collect();
    match SignedAct::assemble(body.clone(), signatures) {
        Ok(act) => {
            let bytes = act.encode();
            let again = SignedAct::decode(&bytes).unwrap_or_else(|e| {
                panic!(
                    "an accepted form's act does not decode: {e}\n{}",
                    String::from_utf8_lossy(&bytes)
                )
            });
            assert_eq!(again, act);
            assert_eq!(again.body(), &body);
        }
        // A form can describe an act too large to sign; the node refuses it when signing.
        Err(DecodeError::TooLarge { .. }) => {}
        Err(e) => panic!("an accepted form's act does not assemble: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((what, bytes)) = qr::from_text(text) {
        assert!(
            bytes.len() <= MAX_ACT_BYTES,
            "{} bytes out of a code",
            bytes.len()
        );
        if bytes.len() <= 4096 {
            let code = qr::to_text(what, &bytes);
            if code.len() <= qr::MAX_TEXT {
                assert_eq!(qr::from_text(&code), Ok((what, bytes.clone())));
            }
        }
        let _ = match what {
            qr::Carried::Offer => CustodyOffer::decode(&bytes).map(|_| ()).map_err(|_| ()),
            qr::Carried::Act => SignedAct::decode(&bytes).map(|_| ()).map_err(|_| ()),
        };
    }
    if let Ok(form) = serde_json::from_str::<Value>(text) {
        if let Ok(body) = workflow::act_from_form(form.clone(), at()) {
            assert!(workflow::SINGLE_SIGNER_KINDS.contains(&body.kind()));
            check_wire(body);
        }
        if let Ok(transfer) = workflow::offer_from_form(form, at(), None) {
            check_wire(ActBody::CustodyTransferred(transfer));
        }
    }
});
