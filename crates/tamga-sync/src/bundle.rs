//! Bundle files: sync carried on a USB stick.
//!
//! A bundle holds, for each document a peer may lack, the automerge bytes to merge (a saved
//! document or a run of changes; merging either is idempotent), and the receipts of central's
//! log the exporter holds for their acts ([`crate::carried`]). It is one frame (see
//! [`crate::frame`]) of a [`Bundle`] followed by the exporting node's ed25519 signature over
//! `tamga/bundle/v2\0` and the SHA-256 of the frame (a bundle of the first version, without
//! receipts, is signed over `tamga/bundle/v1\0` and still opens). The header names the customs authority, the
//! exporting node, optionally the node it is meant for, and the exporter's change-feed position,
//! so the importer can record how far it has heard from the exporter.
//!
//! Opening a bundle refuses: a truncated or altered file, a bundle of another authority, one
//! signed by a key that is not an enrolled device, one addressed to another node, and one whose
//! carried receipts do not hold. Importing the same or an older bundle again is safe: the merge
//! finds nothing new.

use crate::carried::{self, CarriedLog};
use crate::frame::{self, FrameError};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tamga_core::registry::{Registry, Role};
use tamga_core::signing::key_id;
use tamga_core::{KeyId, Timestamp};

/// Context string of bundle signatures.
pub const BUNDLE_CONTEXT: &[u8] = b"tamga/bundle/v2\0";
/// Context string of the first version's signatures (bundles without receipts).
pub const BUNDLE_CONTEXT_V1: &[u8] = b"tamga/bundle/v1\0";

/// What a bundle says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleHeader {
    /// The customs authority's key id (hex).
    pub authority: String,
    /// The exporting node's device key id (hex).
    pub exporter: String,
    /// The node it is meant for, if any (hex).
    pub addressee: Option<String>,
    /// When it was made (unix seconds, UTC).
    pub created_at: i64,
    /// The exporter's change-feed position when it was made.
    pub feed_position: u64,
    /// The feed position the export started from (0: everything in scope).
    pub since: u64,
}

/// One document's bytes in a bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleDoc {
    /// The document's key (a consignment id, or `registry`).
    pub doc: String,
    /// Automerge bytes to merge: a saved document or changes.
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

/// The contents of a bundle file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// About the bundle.
    pub header: BundleHeader,
    /// The documents.
    pub docs: Vec<BundleDoc>,
    /// The exporter's receipts of central's log for the documents' acts.
    pub log: CarriedLog,
}

/// A bundle of the first version: no receipts.
#[derive(Deserialize)]
struct BundleV1 {
    header: BundleHeader,
    docs: Vec<BundleDoc>,
}

/// Why a bundle file was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Shorter than a signature, or the frame inside is damaged: the copy is incomplete.
    #[error(
        "the bundle file is truncated or damaged ({0}): copy it again from the exporting node"
    )]
    Damaged(String),
    /// The signature does not match the contents.
    #[error("the bundle's signature does not match its contents: the file was altered after export; do not import it")]
    Tampered,
    /// Another customs authority.
    #[error("the bundle belongs to customs authority {found}, but this node trusts {pinned}: it cannot be imported here")]
    ForeignAuthority {
        /// The bundle's authority.
        found: String,
        /// This node's.
        pinned: String,
    },
    /// The exporter is not an enrolled device.
    #[error("the bundle was exported by {exporter}, which is not an enrolled device: {reason}")]
    UnknownExporter {
        /// The exporter.
        exporter: String,
        /// Why.
        reason: String,
    },
    /// Meant for another node.
    #[error("the bundle is addressed to node {addressee}, not to this node ({me})")]
    NotForThisNode {
        /// The addressee.
        addressee: String,
        /// This node.
        me: String,
    },
    /// The frame is not a bundle.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The receipts of central's log it carries do not hold.
    #[error("the bundle's receipts of central's log do not hold ({0}): the exporting node is faulty or was tampered with; nothing was imported")]
    Receipts(String),
}

fn signed_digest(context: &[u8], frame: &[u8]) -> Vec<u8> {
    let mut m = context.to_vec();
    m.extend_from_slice(&Sha256::digest(frame));
    m
}

/// Writes `bundle` as file bytes signed by the exporting node's device key.
pub fn seal(bundle: &Bundle, device: &SigningKey) -> Result<Vec<u8>, BundleError> {
    let mut bytes = frame::encode(bundle)?;
    let signature = device.sign(&signed_digest(BUNDLE_CONTEXT, &bytes));
    bytes.extend_from_slice(&signature.to_bytes());
    Ok(bytes)
}

/// Reads and checks bundle file bytes for the node `me`, which trusts `registry`.
pub fn open(bytes: &[u8], registry: &Registry, me: &KeyId) -> Result<Bundle, BundleError> {
    if bytes.len() < 64 + 8 {
        return Err(BundleError::Damaged(format!("{} bytes", bytes.len())));
    }
    let (framed, signature) = bytes.split_at(bytes.len() - 64);
    let damaged = |e: FrameError| match e {
        FrameError::TooLarge { .. } => BundleError::Frame(e),
        other => BundleError::Damaged(other.to_string()),
    };
    // The version is told by the message: a first-version bundle lacks the receipts, and a
    // frame refuses bytes left after its message, so no frame reads as both.
    let (bundle, context) = match frame::decode::<Bundle>(framed) {
        Ok(bundle) => (bundle, BUNDLE_CONTEXT),
        Err(e) => match frame::decode::<BundleV1>(framed) {
            Ok(v1) => (
                Bundle {
                    header: v1.header,
                    docs: v1.docs,
                    log: CarriedLog::default(),
                },
                BUNDLE_CONTEXT_V1,
            ),
            Err(_) => return Err(damaged(e)),
        },
    };
    let h = &bundle.header;
    if h.authority != registry.authority().as_str() {
        return Err(BundleError::ForeignAuthority {
            found: h.authority.clone(),
            pinned: registry.authority().to_string(),
        });
    }
    let exporter = KeyId::new(h.exporter.clone()).map_err(|e| BundleError::UnknownExporter {
        exporter: h.exporter.clone(),
        reason: e.to_string(),
    })?;
    let at = Timestamp::from_unix(h.created_at)
        .ok_or_else(|| BundleError::Damaged("bad time".into()))?;
    registry
        .enrollment_at(&exporter, at, &[Role::Device])
        .map_err(|e| BundleError::UnknownExporter {
            exporter: h.exporter.clone(),
            reason: e.to_string(),
        })?;
    // The time a bundle claims is its exporter's word: a revoked key (a stolen tablet) could
    // date a bundle before its revocation. So a revoked device carries nothing, whatever time
    // its bundle claims; the acts it held are signed by their officers and travel with another
    // device.
    if let Some(revocation) = registry.revocation(&exporter) {
        return Err(BundleError::UnknownExporter {
            exporter: h.exporter.clone(),
            reason: format!(
                "the device key was revoked from {} ({}): a bundle it signed is refused whatever time it claims; carry the acts with another device",
                revocation.effective_from, revocation.reason
            ),
        });
    }
    let mut raw = [0u8; 32];
    hex::decode_to_slice(exporter.as_str(), &mut raw).expect("a key id is hex");
    let key = VerifyingKey::from_bytes(&raw).map_err(|_| BundleError::UnknownExporter {
        exporter: h.exporter.clone(),
        reason: "not an ed25519 key".into(),
    })?;
    let signature = Signature::from_bytes(signature.try_into().expect("64 bytes"));
    key.verify_strict(&signed_digest(context, framed), &signature)
        .map_err(|_| BundleError::Tampered)?;
    if let Some(addressee) = &h.addressee {
        if addressee != me.as_str() {
            return Err(BundleError::NotForThisNode {
                addressee: addressee.clone(),
                me: me.to_string(),
            });
        }
    }
    Ok(bundle)
}

/// A header for a bundle exported now by `device`.
pub fn header(
    registry: &Registry,
    device: &SigningKey,
    addressee: Option<&KeyId>,
    created_at: Timestamp,
    since: u64,
    feed_position: u64,
) -> BundleHeader {
    BundleHeader {
        authority: registry.authority().to_string(),
        exporter: key_id(device).to_string(),
        addressee: addressee.map(|k| k.to_string()),
        created_at: created_at.unix(),
        feed_position,
        since,
    }
}

/// What importing a bundle did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Documents in the bundle.
    pub documents: usize,
    /// Documents that changed here.
    pub changed: usize,
    /// Acts new to this node that hold.
    pub new_acts: usize,
    /// Entries left out because they do not hold (kept and reported by the store).
    pub rejected: usize,
    /// The exporter's feed position now recorded as heard (unchanged if the bundle is older
    /// than what was heard already, or starts after it).
    pub checkpoint: Option<u64>,
    /// What came of the receipts of central's log it carried, if it carried any (the error in
    /// words: a head that contradicts this node's raises the log alarm; the documents are
    /// imported either way).
    pub receipts: Option<Result<carried::Kept, String>>,
}

/// Why an export or import failed.
#[derive(Debug, thiserror::Error)]
pub enum CarryError {
    /// The file was refused.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The store failed; what was merged before stays merged.
    #[error(transparent)]
    Store(#[from] tamga_store::StoreError),
}

/// Exports what a peer may lack: every document changed since feed position `since` (0 for
/// everything) that `scope` allows, as saved documents, signed by this node's `device` key.
pub fn export(
    store: &tamga_store::Store,
    device: &SigningKey,
    addressee: Option<&KeyId>,
    scope: &crate::scope::Scope,
    since: u64,
    now: Timestamp,
) -> Result<Vec<u8>, CarryError> {
    let position = store.last_seq()?;
    let mut docs = Vec::new();
    let mut ids = Vec::new();
    for (_, doc) in store.changed_since(since)? {
        if crate::session::in_scope(store, &doc, scope)? {
            docs.push(BundleDoc {
                doc: String::from_utf8(doc.to_key()).expect("document keys are text"),
                bytes: store.save_doc(&doc)?,
            });
            ids.push(doc);
        }
    }
    let bundle = Bundle {
        header: header(&store.registry(), device, addressee, now, since, position),
        docs,
        log: carried::collect(store, &ids)?,
    };
    Ok(seal(&bundle, device)?)
}

/// Imports a bundle file into the store of node `me` (`central_units`: the units whose devices
/// may write everything) at `now`. The whole file is checked before anything is merged, each
/// document against the exporter's write scope ([`crate::scope::Scope::writer`]) and the
/// receipts it carries against their heads ([`carried::check`]); importing the same bundle
/// again, or an older one, merges nothing new.
pub fn import(
    store: &tamga_store::Store,
    bytes: &[u8],
    me: &KeyId,
    central_units: &[tamga_core::UnitCode],
    now: Timestamp,
) -> Result<ImportReport, CarryError> {
    import_with_progress(store, bytes, me, central_units, now, &mut |_, _| {})
}

/// [`import`], telling `progress(done, total)` after each document merged, for a person watching
/// a large bundle go in.
pub fn import_with_progress(
    store: &tamga_store::Store,
    bytes: &[u8],
    me: &KeyId,
    central_units: &[tamga_core::UnitCode],
    now: Timestamp,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportReport, CarryError> {
    let registry = store.registry();
    let bundle = open(bytes, &registry, me)?;
    let receipts = carried::check(&bundle.log, &registry, now)
        .map_err(|e| BundleError::Receipts(format!("{}: {e}", e.code())))?;
    let exporter =
        KeyId::new(bundle.header.exporter.clone()).expect("open checked the exporter's key");
    let at = Timestamp::from_unix(bundle.header.created_at).expect("open checked the time");
    let writer = crate::scope::Scope::of_device(&registry, &exporter, at, central_units)
        .map_err(|e| BundleError::UnknownExporter {
            exporter: exporter.to_string(),
            reason: e.to_string(),
        })?
        .writer();
    let mut docs = Vec::with_capacity(bundle.docs.len());
    for d in &bundle.docs {
        let id = tamga_store::DocId::from_key(d.doc.as_bytes())
            .ok_or_else(|| BundleError::Damaged(format!("no such document key {:?}", d.doc)))?;
        // A document this node forgot stays forgotten: left out, the rest imported.
        if store.is_forgotten(&id)? {
            continue;
        }
        // Every document must merge before any is merged: a refused bundle changes nothing.
        store.check_merge(&id, &d.bytes, &writer)?;
        docs.push((id, &d.bytes));
    }
    let mut report = ImportReport {
        documents: docs.len(),
        ..ImportReport::default()
    };
    let total = docs.len();
    progress(0, total);
    let mut held = std::collections::BTreeSet::new();
    for (done, (id, bytes)) in docs.into_iter().enumerate() {
        let merged = store.apply_changes_deferred(&id, bytes, &writer)?;
        if !bundle.log.receipts.is_empty() {
            held.extend(store.acts(&id)?.iter().map(|a| a.id()));
        }
        progress(done + 1, total);
        if merged.seq.is_some() {
            report.changed += 1;
        }
        report.new_acts += merged.new_acts.len();
        report.rejected += merged.rejected.len();
    }
    // Every document's merge, durable in one group commit before the import reports it.
    store.make_durable()?;
    let exporter = bundle.header.exporter.as_str();
    let heard = store.checkpoint(exporter)?.unwrap_or(0);
    if bundle.header.since <= heard && bundle.header.feed_position > heard {
        store.set_checkpoint(exporter, bundle.header.feed_position)?;
        report.checkpoint = Some(bundle.header.feed_position);
    }
    if !bundle.log.receipts.is_empty() {
        report.receipts =
            Some(carried::keep(store, receipts, &held).map_err(|e| format!("{}: {e}", e.code())));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::{key, Story};

    fn sample(story: &Story, addressee: Option<&KeyId>) -> Bundle {
        Bundle {
            header: header(
                &story.registry(),
                &story.vehicle_device.key,
                addressee,
                story.t(0),
                0,
                17,
            ),
            docs: vec![
                BundleDoc {
                    doc: "registry".into(),
                    bytes: vec![1, 2, 3],
                },
                BundleDoc {
                    doc: story.consignment.to_string(),
                    bytes: vec![9; 1000],
                },
            ],
            log: CarriedLog::default(),
        }
    }

    #[test]
    fn a_sealed_bundle_opens_on_the_node_it_is_for() {
        let story = Story::new();
        let me = story.escort_lead.id.clone();
        let bundle = sample(&story, Some(&me));
        let bytes = seal(&bundle, &story.vehicle_device.key).unwrap();
        assert_eq!(open(&bytes, &story.registry(), &me).unwrap(), bundle);
        let other = story.airport_officer.id.clone();
        assert!(matches!(
            open(&bytes, &story.registry(), &other),
            Err(BundleError::NotForThisNode { .. })
        ));
    }

    /// A bundle of the first version (no receipts, signed over `tamga/bundle/v1\0`) still opens;
    /// its signature does not pass for the second version's, nor the reverse.
    #[test]
    fn a_first_version_bundle_still_opens() {
        #[derive(Serialize)]
        struct V1<'a> {
            header: &'a BundleHeader,
            docs: &'a [BundleDoc],
        }
        let story = Story::new();
        let me = story.escort_lead.id.clone();
        let bundle = sample(&story, Some(&me));
        let v1 = |context: &[u8]| {
            let mut bytes = frame::encode(&V1 {
                header: &bundle.header,
                docs: &bundle.docs,
            })
            .unwrap();
            let signature = story
                .vehicle_device
                .key
                .sign(&signed_digest(context, &bytes));
            bytes.extend_from_slice(&signature.to_bytes());
            bytes
        };
        assert_eq!(
            open(&v1(BUNDLE_CONTEXT_V1), &story.registry(), &me).unwrap(),
            bundle
        );
        assert_eq!(
            open(&v1(BUNDLE_CONTEXT), &story.registry(), &me).unwrap_err(),
            BundleError::Tampered
        );
        let mut v2 = frame::encode(&bundle).unwrap();
        let signature = story
            .vehicle_device
            .key
            .sign(&signed_digest(BUNDLE_CONTEXT_V1, &v2));
        v2.extend_from_slice(&signature.to_bytes());
        assert_eq!(
            open(&v2, &story.registry(), &me).unwrap_err(),
            BundleError::Tampered
        );
    }

    #[test]
    fn truncated_altered_foreign_or_unenrolled_bundles_are_refused() {
        let story = Story::new();
        let me = story.escort_lead.id.clone();
        let bytes = seal(&sample(&story, None), &story.vehicle_device.key).unwrap();
        let registry = story.registry();
        for cut in [0, 10, bytes.len() / 2, bytes.len() - 64, bytes.len() - 1] {
            let err = open(&bytes[..cut], &registry, &me).unwrap_err();
            assert!(
                matches!(err, BundleError::Damaged(_) | BundleError::Tampered),
                "cut {cut}: {err}"
            );
        }
        let mut altered = bytes.clone();
        altered[bytes.len() - 1] ^= 1;
        assert_eq!(
            open(&altered, &registry, &me).unwrap_err(),
            BundleError::Tampered
        );

        // Re-sealed by a device of another authority.
        let other = Story {
            authority: key("another authority"),
            ..Story::new()
        };
        let foreign = seal(&sample(&other, None), &other.vehicle_device.key).unwrap();
        assert!(matches!(
            open(&foreign, &registry, &me),
            Err(BundleError::ForeignAuthority { .. })
        ));

        // Signed by a key that is not a device (an officer) or not enrolled.
        let mut by_officer = sample(&story, None);
        by_officer.header.exporter = story.escort_lead.id.to_string();
        let sealed = seal(&by_officer, &story.escort_lead.key).unwrap();
        assert!(matches!(
            open(&sealed, &registry, &me),
            Err(BundleError::UnknownExporter { .. })
        ));
        // Header claims the vehicle but someone else signed.
        let forged = seal(&sample(&story, None), &key("stolen laptop")).unwrap();
        assert_eq!(
            open(&forged, &registry, &me).unwrap_err(),
            BundleError::Tampered
        );
    }

    /// A stolen tablet, revoked, signs a bundle and dates it before its revocation: the claimed
    /// time does not decide; a bundle by a revoked device is refused whatever time it claims.
    #[test]
    fn a_revoked_device_cannot_backdate_a_bundle() {
        let story = Story::new();
        let me = story.escort_lead.id.clone();
        let mut registry = story.registry();
        registry
            .apply(&story.revocation(&story.vehicle_device, story.t(60)))
            .unwrap();
        // Claims story.t(0), an hour before the revocation.
        let bytes = seal(&sample(&story, None), &story.vehicle_device.key).unwrap();
        let err = open(&bytes, &registry, &me).unwrap_err();
        assert!(
            matches!(&err, BundleError::UnknownExporter { reason, .. } if reason.contains("revoked")),
            "{err}"
        );
    }
}

#[cfg(test)]
mod carry_tests {
    use super::*;
    use crate::scope::Scope;
    use tamga_core::fixtures::{unit, Story, ESCORT_UNIT};
    use tamga_store::DocId;

    use crate::test_support::store;

    #[test]
    fn a_bundle_with_one_damaged_document_is_refused_whole() {
        let story = Story::new();
        let (_a, post) = store(&story);
        let (_b, vehicle) = store(&story);
        for act in &story.clean_delivery()[..4] {
            post.record(act).unwrap();
        }
        let doc = DocId::Consignment(story.consignment.clone());
        let key = |d: &DocId| String::from_utf8(d.to_key()).unwrap();
        let bundle = Bundle {
            header: header(
                &story.registry(),
                &story.vehicle_device.key,
                None,
                story.t(40),
                0,
                9,
            ),
            docs: vec![
                BundleDoc {
                    doc: key(&doc),
                    bytes: post.save_doc(&doc).unwrap(),
                },
                BundleDoc {
                    doc: key(&DocId::Registry),
                    bytes: b"not automerge".to_vec(),
                },
            ],
            log: CarriedLog::default(),
        };
        let bytes = seal(&bundle, &story.vehicle_device.key).unwrap();
        let me = story.escort_lead.id.clone();
        let position = vehicle.last_seq().unwrap();
        assert!(matches!(
            import(&vehicle, &bytes, &me, &[], story.t(60)),
            Err(CarryError::Store(tamga_store::StoreError::BadInput { .. }))
        ));
        assert_eq!(vehicle.last_seq().unwrap(), position);
        assert!(vehicle.acts(&doc).unwrap().is_empty());
        assert_eq!(
            vehicle
                .checkpoint(&story.vehicle_device.id.to_string())
                .unwrap(),
            None
        );
    }

    #[test]
    fn a_bundle_carries_the_escorted_consignment_and_imports_once() {
        let story = Story::new();
        let (_a, post) = store(&story);
        let (_b, vehicle) = store(&story);
        for act in &story.clean_delivery()[..4] {
            post.record(act).unwrap();
        }
        let me = story.escort_lead.id.clone();
        let bytes = export(
            &post,
            &story.vehicle_device.key,
            Some(&me),
            &Scope::Unit(unit(ESCORT_UNIT)),
            0,
            story.t(40),
        )
        .unwrap();
        let first = import(&vehicle, &bytes, &me, &[], story.t(60)).unwrap();
        assert_eq!(first.new_acts, 4, "{first:?}");
        assert!(first.checkpoint.is_some());
        let doc = DocId::Consignment(story.consignment.clone());
        assert_eq!(vehicle.acts(&doc).unwrap().len(), 4);
        let again = import(&vehicle, &bytes, &me, &[], story.t(60)).unwrap();
        assert_eq!(
            (again.changed, again.new_acts, again.checkpoint),
            (0, 0, None)
        );
    }

    #[test]
    fn a_damaged_bundle_changes_nothing_and_out_of_scope_documents_are_not_exported() {
        let story = Story::new();
        let (_a, post) = store(&story);
        let (_b, other) = store(&story);
        for act in &story.clean_delivery()[..2] {
            post.record(act).unwrap();
        }
        let me = story.escort_lead.id.clone();
        // No escort assigned yet: the escort unit is not concerned, only the registry goes.
        let bytes = export(
            &post,
            &story.vehicle_device.key,
            None,
            &Scope::Unit(unit(ESCORT_UNIT)),
            0,
            story.t(40),
        )
        .unwrap();
        let opened = open(&bytes, &post.registry(), &me).unwrap();
        assert_eq!(opened.docs.len(), 1);
        assert_eq!(opened.docs[0].doc, "r");

        let bytes = export(
            &post,
            &story.vehicle_device.key,
            None,
            &Scope::All,
            0,
            story.t(40),
        )
        .unwrap();
        let before = other.last_seq().unwrap();
        let err = import(&other, &bytes[..bytes.len() - 10], &me, &[], story.t(60)).unwrap_err();
        assert!(
            err.to_string().contains("truncated") || err.to_string().contains("altered"),
            "{err}"
        );
        assert_eq!(other.last_seq().unwrap(), before);
    }
}
