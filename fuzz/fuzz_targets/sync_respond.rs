//! Hostile sync requests from an authenticated peer of a given scope, answered by
//! `tamga_sync::session::respond` against a real store that holds the reference story's
//! consignment (routed through the airport post and the Department, not through the peer's
//! post).
//!
//! Three ways in, chosen by the first byte:
//! - `0`: the rest as a whole request frame (`Open`, `Sync` with any document keys and automerge
//!   messages, `Close`);
//! - `1`: a `Sync` round about the story's consignment, the rest as its automerge sync message;
//! - `2`: a `Sync` round about a consignment the store does not hold, the rest as its message.
//!
//! Properties: no panic; nothing of a document outside the peer's write scope is merged (the
//! story's consignment keeps its heads; a document that changed concerns the peer's unit); the
//! answer about any document the peer may not see is the blank answer of a node holding nothing
//! of it; and the store stays consistent (`Store::check`, every 64 inputs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use tamga_core::fixtures::{unit, Story, OTHER_POST};
use tamga_core::KeyId;
use tamga_store::{DocId, Store};
use tamga_sync::frame;
use tamga_sync::scope::Scope;
use tamga_sync::session::{respond, DocMessage, Request, Response};

struct World {
    store: Store,
    story_doc: DocId,
    peer: KeyId,
    scope: Scope,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let story = Story::new();
        // In memory where the machine has it: each input's merge flushes the store, and a
        // disk's flush would be most of the time spent, with nothing to learn from it.
        let dir = match tempfile::tempdir_in("/dev/shm") {
            Ok(dir) => dir,
            Err(_) => tempfile::tempdir().expect("a temporary directory"),
        };
        let store = Store::open(dir.path(), &story.authority_id()).expect("a store");
        for act in story.registry_acts() {
            store.record(&act).expect("the registry acts record");
        }
        for act in &story.clean_delivery()[..6] {
            store.record(act).expect("the story's acts record");
        }
        World {
            store,
            story_doc: DocId::Consignment(story.consignment.clone()),
            peer: story.outsider.id.clone(),
            scope: Scope::of(&unit(OTHER_POST), &[unit("HQ-RECON")]),
            _dir: dir,
        }
    })
}

fn doc_key(doc: &DocId) -> String {
    String::from_utf8(doc.to_key()).expect("document keys are text")
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    let Some((&way, rest)) = data.split_first() else {
        return;
    };
    let request = match way % 3 {
        0 => match frame::decode::<Request>(rest) {
            Ok(r) => r,
            Err(_) => return,
        },
        1 => Request::Sync {
            messages: vec![DocMessage {
                doc: doc_key(&w.story_doc),
                message: rest.to_vec(),
            }],
        },
        _ => Request::Sync {
            messages: vec![DocMessage {
                doc: "c:10609050/231126/9999999".into(),
                message: rest.to_vec(),
            }],
        },
    };
    let asked: Vec<DocMessage> = match &request {
        Request::Sync { messages } => messages.clone(),
        _ => Vec::new(),
    };
    let story_heads = w.store.heads(&w.story_doc).expect("heads");
    let before: Vec<(DocId, Vec<_>)> = asked
        .iter()
        .filter_map(|m| DocId::from_key(m.doc.as_bytes()))
        .map(|d| {
            let heads = w.store.heads(&d).expect("heads");
            (d, heads)
        })
        .collect();

    let answer = respond(&w.store, &w.peer, &w.scope, request);

    assert_eq!(
        w.store.heads(&w.story_doc).expect("heads"),
        story_heads,
        "a consignment outside the peer's write scope changed"
    );
    for (doc, heads) in &before {
        if &w.store.heads(doc).expect("heads") != heads {
            let DocId::Consignment(c) = doc else {
                continue; // the registry is anyone's to relay
            };
            let units = w.store.units_concerned(c).expect("units");
            assert!(
                w.scope.includes(&units),
                "{doc} changed but does not concern the peer's unit: {units:?}"
            );
        }
    }
    if let Ok(Response::Synced { messages }) = answer {
        for reply in messages {
            let Some(doc) = DocId::from_key(reply.doc.as_bytes()) else {
                panic!("a reply about a document key that does not parse");
            };
            let visible = !w.store.heads(&doc).expect("heads").is_empty()
                && tamga_sync::session::in_scope(&w.store, &doc, &w.scope).expect("scope");
            if !visible {
                let m = asked
                    .iter()
                    .find(|m| m.doc == reply.doc)
                    .expect("a reply only about a document asked about");
                assert_eq!(
                    Some(reply.message),
                    tamga_store::blank_sync_reply(&m.message),
                    "the answer about {doc}, which the peer may not see, is not the blank one"
                );
            }
        }
    }
    static RUNS: AtomicU64 = AtomicU64::new(0);
    if RUNS.fetch_add(1, Ordering::Relaxed) % 64 == 0 {
        let problems = w.store.check().expect("check runs");
        assert!(problems.is_empty(), "store inconsistent: {problems:?}");
    }
});
