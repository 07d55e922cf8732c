//! tamga-sync: the one protocol by which any two tamga nodes reconcile — vehicle and post over
//! the LAN, post and central over a slow link, any node with any other through a bundle file.
//!
//! Everything here is sans-IO: it consumes and produces bytes and values and never touches a
//! socket, a file or the clock (time and randomness come in as arguments), so the same code runs
//! over HTTP (the shell crate `tamga-node` carries it), over files and inside deterministic
//! simulations. It depends on no async runtime.
//!
//! - [`auth`]: requests and responses signed with the nodes' device keys, bound to both nodes,
//!   fresh and never replayed.
//! - [`scope`]: which consignments a peer is entitled to receive.
//! - [`frame`]: the binary framing of protocol messages, compressed, with hard size limits.
//! - [`session`]: the session engine: open, batched automerge sync rounds, close.
//! - [`responder`]: the serving side of one request: credential, frame, answer, signature.
//! - [`bundle`]: signed bundle files for sync by USB stick, exported from and imported into the
//!   store.
//! - [`seal_feed`]: the navigation seal operator's feed of signed seal events, checked whole and
//!   recorded.
//!
//! # Two stores syncing
//!
//! A post records a registration; a session carries it to central. The loop in the middle is
//! all a transport does: frame the [`session::Initiator`]'s request, sign it, hand it to the
//! peer's [`responder::Responder`], check the answer's signature and give the answer back.
//!
//! ```
//! use std::sync::Arc;
//! use tamga_core::fixtures::{key, Story};
//! use tamga_core::signing::key_id;
//! use tamga_core::UnitCode;
//! use tamga_store::{DocId, Store};
//! use tamga_sync::auth::{RequestAuth, ResponseAuth, DEFAULT_SKEW_SECONDS};
//! use tamga_sync::responder::Responder;
//! use tamga_sync::scope::Scope;
//! use tamga_sync::session::{Initiator, Step};
//! use tamga_sync::frame;
//!
//! let story = Story::new();
//! let (post_device, central_device) = (key("post device"), key("central device"));
//! let open = |device: &ed25519_dalek::SigningKey, unit: &str| {
//!     let dir = tempfile::tempdir().unwrap();
//!     let store = Store::open(dir.path(), &story.authority_id()).unwrap();
//!     for act in story.registry_acts() {
//!         store.record(&act).unwrap();
//!     }
//!     store.record(&story.device_enrollment(&key_id(device), unit, unit)).unwrap();
//!     (dir, store)
//! };
//! let (_post_dir, post) = open(&post_device, "MANAS-AIRPORT");
//! let (_central_dir, central) = open(&central_device, "HQ-RECON");
//! // Each store must know the other's device enrollment.
//! post.record(&story.device_enrollment(&key_id(&central_device), "HQ-RECON", "HQ")).unwrap();
//! central.record(&story.device_enrollment(&key_id(&post_device), "MANAS-AIRPORT", "post")).unwrap();
//! post.record(&story.registration()).unwrap();
//!
//! let hq = vec![UnitCode::new("HQ-RECON").unwrap()];
//! let responder = Responder::new(Arc::new(central), central_device.clone(), hq, DEFAULT_SKEW_SECONDS);
//! let now = story.t(60);
//! let mut session = Initiator::new(&post, key_id(&central_device), Scope::All);
//! let mut request = session.start().unwrap();
//! let mut rounds = 0u8;
//! let summary = loop {
//!     let body = frame::encode(&request).unwrap();
//!     // A nonce must never repeat; a real transport draws it from the operating system.
//!     rounds += 1;
//!     let nonce = [rounds; 16];
//!     let auth = RequestAuth::sign(&post_device, &key_id(&central_device), now, nonce, &body);
//!     let answer = responder.answer(&auth, &body, now).unwrap();
//!     ResponseAuth::from_header(&answer.signature)
//!         .and_then(|s| s.verify(&key_id(&central_device), &auth, &answer.body))
//!         .unwrap();
//!     match session.receive(frame::decode(&answer.body).unwrap()).unwrap() {
//!         Step::Send(next) => request = next,
//!         Step::Done(summary) => break summary,
//!     }
//! };
//! assert!(summary.documents >= 1);
//! let consignment = story.consignment.clone();
//! assert!(!responder.store.acts(&DocId::Consignment(consignment)).unwrap().is_empty());

//! ```

pub mod auth;
pub mod bundle;
pub mod carried;
pub mod error;
pub mod frame;
pub mod ledger;
pub mod proofs;
pub mod receipts;
pub mod responder;
pub mod scope;
pub mod seal_feed;
pub mod session;

/// A store for the crate's tests: in a temporary directory, pinned to the story's authority,
/// the story's registry recorded.
#[cfg(test)]
pub(crate) mod test_support {
    use tamga_core::fixtures::Story;
    use tamga_store::Store;

    pub fn store(story: &Story) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &story.authority_id()).unwrap();
        for act in story.registry_acts() {
            store.record(&act).unwrap();
        }
        (dir, store)
    }
}
