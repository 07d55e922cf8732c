//! The HTTP transport between real servers and clients on loopback: a session carries a
//! consignment from a vehicle to a post; refused credentials, replays and oversized bodies get
//! clear errors and change nothing.

use std::sync::Arc;
use std::time::Duration;
use tamga_core::fixtures::{self, key, Story};
use tamga_core::signing::key_id;
use tamga_core::{SignedAct, Timestamp};
use tamga_node::transport::{
    client, router, sync_with, Endpoint, HttpPeer, HttpSyncError, AUTH_HEADER,
};
use tamga_store::{DocId, Store};
use tamga_sync::auth::RequestAuth;
use tamga_sync::frame;
use tamga_sync::scope::Scope;
use tamga_sync::session::Request;

fn device_enrollment(
    story: &Story,
    name: &str,
    unit: &str,
) -> (ed25519_dalek::SigningKey, SignedAct) {
    let device = key(name);
    let act = story.device_enrollment(&key_id(&device), unit, name);
    (device, act)
}

struct Node {
    _dir: tempfile::TempDir,
    store: Arc<Store>,
}

fn node(story: &Story, extra: &[SignedAct]) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &story.authority_id()).unwrap();
    for act in story.registry_acts().iter().chain(extra) {
        store.record(act).unwrap();
    }
    Node {
        _dir: dir,
        store: Arc::new(store),
    }
}

async fn serve(store: Arc<Store>, device: ed25519_dalek::SigningKey) -> String {
    let endpoint = Arc::new(Endpoint::new(
        store,
        device,
        vec![fixtures::unit("HQ-RECON")],
        300,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(endpoint)).await.unwrap() });
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vehicle_syncs_with_a_post_over_http() {
    let story = Story::new();
    let (post_device, post_enrolled) = device_enrollment(&story, "post PC", fixtures::DEPARTMENT);
    let registry = [post_enrolled];
    let post = node(&story, &registry);
    let vehicle = node(&story, &registry);
    for act in &story.clean_delivery()[..6] {
        vehicle.store.record(act).unwrap();
    }
    let url = serve(Arc::clone(&post.store), post_device.clone()).await;
    let peer = HttpPeer {
        url,
        key: key_id(&post_device),
        scope: Scope::Unit(fixtures::unit(fixtures::DEPARTMENT)),
    };
    let http = client(Duration::from_secs(10));
    let summary = sync_with(
        &http,
        Arc::clone(&vehicle.store),
        &story.vehicle_device.key,
        &peer,
    )
    .await
    .unwrap();
    assert!(summary.documents >= 1, "{summary:?}");
    let doc = DocId::Consignment(story.consignment.clone());
    assert_eq!(post.store.acts(&doc).unwrap().len(), 6);
    // The next session re-offers what the post merged; the one after has nothing to do: one
    // round trip.
    let again = sync_with(
        &http,
        Arc::clone(&vehicle.store),
        &story.vehicle_device.key,
        &peer,
    )
    .await
    .unwrap();
    let third = sync_with(
        &http,
        Arc::clone(&vehicle.store),
        &story.vehicle_device.key,
        &peer,
    )
    .await
    .unwrap();
    assert!(again.round_trips <= 4, "{again:?}");
    assert_eq!((third.round_trips, third.documents), (1, 0), "{third:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_replays_and_oversized_bodies_get_clear_errors() {
    let story = Story::new();
    let (post_device, post_enrolled) = device_enrollment(&story, "post PC", fixtures::DEPARTMENT);
    let post = node(&story, &[post_enrolled]);
    let url = serve(Arc::clone(&post.store), post_device.clone()).await;
    let http = client(Duration::from_secs(10));
    let peer = HttpPeer {
        url: url.clone(),
        key: key_id(&post_device),
        scope: Scope::Unit(fixtures::unit(fixtures::DEPARTMENT)),
    };

    // An unenrolled laptop.
    let stranger = node(&story, &[]);
    let err = sync_with(
        &http,
        Arc::clone(&stranger.store),
        &key("stolen laptop"),
        &peer,
    )
    .await
    .unwrap_err();
    match &err {
        HttpSyncError::Refused {
            status, message, ..
        } => {
            assert_eq!(*status, 401);
            assert!(message.contains("may not sync"), "{message}");
        }
        other => panic!("expected a refusal, got {other}"),
    }

    // A captured request sent again.
    let body = frame::encode(&Request::Open { heard_from_you: 0 }).unwrap();
    let auth = RequestAuth::sign(
        &story.vehicle_device.key,
        &key_id(&post_device),
        Timestamp::now(),
        [9; 16],
        &body,
    );
    let send = || {
        http.post(format!("{url}/sync"))
            .header(AUTH_HEADER, auth.to_header())
            .body(body.clone())
            .send()
    };
    assert_eq!(send().await.unwrap().status(), 200);
    let replay = send().await.unwrap();
    assert_eq!(replay.status(), 401);
    assert!(replay.text().await.unwrap().contains("replayed"));

    // An oversized body.
    let huge = vec![0u8; frame::MAX_FRAME_BYTES + 1];
    let auth = RequestAuth::sign(
        &story.vehicle_device.key,
        &key_id(&post_device),
        Timestamp::now(),
        [10; 16],
        &huge,
    );
    let answer = http
        .post(format!("{url}/sync"))
        .header(AUTH_HEADER, auth.to_header())
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 413);

    // A request without a credential.
    let answer = http
        .post(format!("{url}/sync"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    assert!(answer.text().await.unwrap().contains("tamga-auth"));
}
