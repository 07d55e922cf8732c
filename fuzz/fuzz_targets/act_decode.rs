//! Hostile bytes as a signed act and as a custody offer.
//!
//! Properties: the strict decoder gives every act one byte string (what decodes encodes back to
//! exactly the input), the id is the hash of the canonical body, checking signatures never
//! panics, whatever the keys and signature bytes say, and the decoder's one-parse path agrees
//! with the decoding through a JSON value on every input (same act, or same error).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tamga_core::act::ActBody;
use tamga_core::handoff::CustodyOffer;
use tamga_core::signing::act_id;
use tamga_core::{SignedAct, MAX_ACT_BYTES};

fuzz_target!(|data: &[u8]| {
    let direct = SignedAct::decode(data);
    let by_value = SignedAct::decode_by_value(data);
    match (&direct, &by_value) {
        (Ok(a), Ok(b)) => assert!(a == b && a.encode() == b.encode()),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("the two decodings disagree: {direct:?} / {by_value:?}"),
    }
    if let Ok(act) = direct {
        assert!(data.len() <= MAX_ACT_BYTES);
        let bytes = act.encode();
        assert_eq!(
            bytes, data,
            "an act must encode to exactly the bytes it decoded from"
        );
        let again = SignedAct::decode(&bytes).expect("an act's own encoding decodes");
        assert_eq!(again, act);
        assert_eq!(act.id(), act_id(act.body()));
        assert_eq!(act.signatures().len(), act.body().required_signers().len());
        let _ = act.verify_signatures();
        // An act with more than one signer is never an offer, and vice versa.
        assert!(CustodyOffer::decode(data).is_err() || act.signatures().len() == 1);
    }
    if let Ok(offer) = CustodyOffer::decode(data) {
        let bytes = offer.encode();
        assert_eq!(
            bytes, data,
            "an offer must encode to exactly the bytes it decoded from"
        );
        let again = CustodyOffer::decode(&bytes).expect("an offer's own encoding decodes");
        assert_eq!(again, offer);
        assert_eq!(
            offer.id(),
            act_id(&ActBody::CustodyTransferred(offer.transfer().clone()))
        );
        let _ = offer.verify_releasing();
    }
});
