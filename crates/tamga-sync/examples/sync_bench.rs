//! Sync cost when little changed: a post holding N consignments (default 10,000) syncs with
//! central after 10 of them changed, and after none changed. Reports bytes on the wire (frames
//! plus the credential header), round trips and wall time, and the lower bound: the new
//! automerge changes alone, zstd-compressed.
//!
//! Run: `cargo run --release -p tamga-sync --example sync_bench -- 10000`

use std::time::Instant;
use tamga_core::act::{ActBody, Place, SealChecked, SealState};
use tamga_core::fixtures::stream;
use tamga_core::fixtures::{self, Story};
use tamga_core::signing::key_id;
use tamga_core::KeyId;
use tamga_store::{DocId, Store};
use tamga_sync::frame;
use tamga_sync::scope::Scope;
use tamga_sync::session::{respond, Initiator, Step};

/// Bytes of the credential header on each request and the signature header on each response,
/// measured on a real credential.
fn header_bytes() -> usize {
    use tamga_sync::auth::{RequestAuth, ResponseAuth};
    use tamga_sync::responder::{AUTH_HEADER, RESPONSE_AUTH_HEADER};
    let device = fixtures::key("bench header");
    let request = RequestAuth::sign(&device, &key_id(&device), Story::new().t(0), [0; 16], b"");
    let response = ResponseAuth::sign(&device, &request, b"");
    // "name: value\r\n" for each.
    AUTH_HEADER.len()
        + 4
        + request.to_header().len()
        + RESPONSE_AUTH_HEADER.len()
        + 4
        + response.to_header().len()
}

struct Cost {
    round_trips: u32,
    bytes: usize,
    millis: f64,
    documents: usize,
}

fn session(client: &Store, client_id: &KeyId, server: &Store, server_id: &KeyId) -> Cost {
    let started = Instant::now();
    let mut initiator = Initiator::new(client, server_id.clone(), Scope::All);
    let mut request = initiator.start().unwrap();
    let mut bytes = 0;
    let headers = header_bytes();
    let scope = Scope::Unit(fixtures::unit(fixtures::AIRPORT_POST));
    loop {
        let wire = frame::encode(&request).unwrap();
        bytes += wire.len() + headers;
        let response = respond(server, client_id, &scope, frame::decode(&wire).unwrap()).unwrap();
        let wire = frame::encode(&response).unwrap();
        bytes += wire.len();
        match initiator.receive(frame::decode(&wire).unwrap()).unwrap() {
            Step::Send(next) => request = next,
            Step::Done(summary) => {
                return Cost {
                    round_trips: summary.round_trips,
                    bytes,
                    millis: started.elapsed().as_secs_f64() * 1000.0,
                    documents: summary.documents,
                }
            }
        }
    }
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let story = Story::new();
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let post = Store::open(dirs.0.path(), &story.authority_id()).unwrap();
    let central = Store::open(dirs.1.path(), &story.authority_id()).unwrap();
    for act in story.registry_acts() {
        post.record(&act).unwrap();
        central.record(&act).unwrap();
    }
    let post_id = key_id(&fixtures::key("bench post device"));
    let central_id = key_id(&fixtures::key("bench central device"));
    let t = Instant::now();
    for i in 0..n {
        post.record(&stream::registration(&story, i)).unwrap();
        post.record(&stream::seal_applied(&story, i)).unwrap();
    }
    eprintln!(
        "post: {n} consignments recorded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let first = session(&post, &post_id, &central, &central_id);
    eprintln!(
        "first sync: {} documents, {} round trips, {:.1} MiB, {:.1} s",
        first.documents,
        first.round_trips,
        first.bytes as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );
    // Settle: the next session re-offers what the first merged; after it, nothing is pending.
    session(&post, &post_id, &central, &central_id);

    let quiet = session(&post, &post_id, &central, &central_id);

    // Ten consignments get a seal check at the post.
    let changed: Vec<u64> = (0..10).map(|k| k * (n / 10).max(1)).collect();
    let mut lower_bound = 0;
    for &i in &changed {
        let doc = DocId::Consignment(stream::consignment(i));
        let heads = post.heads(&doc).unwrap();
        let act = story.sign(
            ActBody::SealChecked(SealChecked {
                consignment: stream::consignment(i),
                at: story.t((i % 1000) as i64 + 30),
                officer: story.airport_officer.id.clone(),
                place: Place::Post {
                    unit: fixtures::unit(fixtures::AIRPORT_POST),
                },
                seal: stream::seal(i),
                state: SealState::Intact,
                note: None,
            }),
            &[&story.airport_officer],
        );
        post.record(&act).unwrap();
        let new = post.changes_since(&doc, &heads).unwrap();
        lower_bound += zstd::bulk::compress(&new, 3).unwrap().len();
    }
    let ten = session(&post, &post_id, &central, &central_id);
    let settle = session(&post, &post_id, &central, &central_id);
    let quiet_after = session(&post, &post_id, &central, &central_id);

    println!("| sync with central, post holding {n} consignments | round trips | bytes on the wire | wall time |");
    println!("|---|---|---|---|");
    let row = |what: &str, c: &Cost| {
        println!(
            "| {what} | {} | {} | {:.1} ms |",
            c.round_trips, c.bytes, c.millis
        );
    };
    row("none changed", &quiet);
    row("10 changed", &ten);
    row("next session (re-offers the 10 merged at central)", &settle);
    row("none changed, after that", &quiet_after);
    println!("| lower bound: the 10 new changes alone, zstd-compressed | - | {lower_bound} | - |");
    println!(
        "\nratio 10 changed / lower bound: {:.1}x; documents in the 10-changed session: {}",
        ten.bytes as f64 / lower_bound as f64,
        ten.documents
    );
}
