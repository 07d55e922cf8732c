//! Hostile bytes as a sync frame (request and response) and hostile text as the credential
//! headers of a sync request and response.
//!
//! Properties: decoding is bounded (the frame limits), what decodes encodes again and decodes to
//! an equal message; a credential that parses is the canonical spelling of itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tamga_sync::auth::{RequestAuth, ResponseAuth};
use tamga_sync::frame;
use tamga_sync::session::{Request, Response};

fn round_trip<T>(data: &[u8])
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    if let Ok(message) = frame::decode::<T>(data) {
        let bytes = frame::encode(&message).expect("a decoded message encodes again");
        assert!(bytes.len() <= frame::MAX_FRAME_BYTES);
        let again: T = frame::decode(&bytes).expect("a message's own frame decodes");
        assert_eq!(again, message);
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<Request>(data);
    round_trip::<Response>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(auth) = RequestAuth::from_header(text) {
            assert_eq!(auth.to_header(), text, "a parsed credential is canonical");
            assert_eq!(RequestAuth::from_header(&auth.to_header()), Ok(auth));
        }
        if let Ok(auth) = ResponseAuth::from_header(text) {
            assert_eq!(
                auth.to_header(),
                text,
                "a parsed response credential is canonical"
            );
        }
    }
});
