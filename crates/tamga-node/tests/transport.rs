//! The sync transport between real servers and clients on loopback, over TLS 1.3 bound to device
//! keys: a session carries a consignment from a vehicle to a post; a wrong, unenrolled or revoked
//! key fails the handshake and nothing is merged; refused credentials, replays and oversized
//! bodies get clear errors and change nothing; plain HTTP never reaches the sync endpoint.

use std::sync::Arc;
use std::time::Duration;
use tamga_core::fixtures::{self, key, Story};
use tamga_core::signing::key_id;
use tamga_core::{SignedAct, Timestamp};
use tamga_node::server::{serve_with, Limits, Routes};
use tamga_node::tls;
use tamga_node::transport::{
    router, sync_with, Connector, Endpoint, HttpPeer, HttpSyncError, AUTH_HEADER,
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

/// Serves `store`'s sync endpoint as `device` on a loopback port: TLS for enrolled devices, and
/// a plain router answering `local` on loopback.
async fn serve(store: Arc<Store>, device: ed25519_dalek::SigningKey) -> std::net::SocketAddr {
    let endpoint = Arc::new(Endpoint::new(
        Arc::clone(&store),
        device.clone(),
        vec![fixtures::unit("HQ-RECON")],
        300,
    ));
    let tls =
        tls::server_config(&device, tls::any_enrolled_device(move || store.registry())).unwrap();
    let routes = Routes::new(
        router(endpoint),
        axum::Router::new().route("/", axum::routing::get(|| async { "local" })),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        serve_with(
            listener,
            routes,
            tls,
            Limits::default(),
            std::future::pending(),
        )
        .await
        .unwrap()
    });
    address
}

fn connector(device: &ed25519_dalek::SigningKey, store: &Arc<Store>) -> Connector {
    Connector::for_store(device.clone(), Arc::clone(store), Duration::from_secs(10))
}

fn peer(address: std::net::SocketAddr, key: tamga_core::KeyId) -> HttpPeer {
    HttpPeer {
        url: format!("https://{address}"),
        key,
        scope: Scope::Unit(fixtures::unit(fixtures::DEPARTMENT)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vehicle_syncs_with_a_post_over_tls() {
    let story = Story::new();
    let (post_device, post_enrolled) = device_enrollment(&story, "post PC", fixtures::DEPARTMENT);
    let registry = [post_enrolled];
    let post = node(&story, &registry);
    let vehicle = node(&story, &registry);
    for act in &story.clean_delivery()[..6] {
        vehicle.store.record(act).unwrap();
    }
    let address = serve(Arc::clone(&post.store), post_device.clone()).await;
    let peer = peer(address, key_id(&post_device));
    let connector = connector(&story.vehicle_device.key, &vehicle.store);
    let summary = sync_with(&connector, Arc::clone(&vehicle.store), &peer)
        .await
        .unwrap();
    assert!(summary.documents >= 1, "{summary:?}");
    let doc = DocId::Consignment(story.consignment.clone());
    assert_eq!(post.store.acts(&doc).unwrap().len(), 6);
    // The next session re-offers what the post merged; the one after has nothing to do: one
    // round trip.
    let again = sync_with(&connector, Arc::clone(&vehicle.store), &peer)
        .await
        .unwrap();
    let third = sync_with(&connector, Arc::clone(&vehicle.store), &peer)
        .await
        .unwrap();
    assert!(again.round_trips <= 4, "{again:?}");
    assert_eq!((third.round_trips, third.documents), (1, 0), "{third:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_unenrolled_or_revoked_key_fails_the_handshake_and_nothing_is_merged() {
    let story = Story::new();
    let (post_device, post_enrolled) = device_enrollment(&story, "post PC", fixtures::DEPARTMENT);
    let post = node(&story, std::slice::from_ref(&post_enrolled));
    let vehicle = node(&story, &[post_enrolled]);
    for act in &story.clean_delivery()[..6] {
        vehicle.store.record(act).unwrap();
    }
    let doc = DocId::Consignment(story.consignment.clone());
    let address = serve(Arc::clone(&post.store), post_device.clone()).await;
    let unreachable = |err: HttpSyncError| match err {
        HttpSyncError::Unreachable { detail, .. } => detail,
        other => panic!("expected a failed handshake, got {other}"),
    };

    // The vehicle expects another key at that address (a machine in the middle, or a wrong
    // address): it refuses the post's key and says which key it expected.
    let impostor = key_id(&key("impostor"));
    let err = sync_with(
        &connector(&story.vehicle_device.key, &vehicle.store),
        Arc::clone(&vehicle.store),
        &peer(address, impostor.clone()),
    )
    .await
    .unwrap_err();
    let detail = unreachable(err);
    assert!(
        detail.contains(&impostor.fingerprint().to_string()),
        "{detail}"
    );
    assert!(post.store.acts(&doc).unwrap().is_empty());

    // An unenrolled laptop: the post refuses its key at the handshake.
    let laptop = key("stolen laptop");
    let err = sync_with(
        &connector(&laptop, &vehicle.store),
        Arc::clone(&vehicle.store),
        &peer(address, key_id(&post_device)),
    )
    .await
    .unwrap_err();
    unreachable(err);
    assert!(post.store.acts(&doc).unwrap().is_empty());

    // The vehicle's tablet is revoked once the revocation reaches the post: refused from then.
    post.store
        .record(&story.revocation(&story.vehicle_device, Timestamp::now()))
        .unwrap();
    let err = sync_with(
        &connector(&story.vehicle_device.key, &vehicle.store),
        Arc::clone(&vehicle.store),
        &peer(address, key_id(&post_device)),
    )
    .await
    .unwrap_err();
    unreachable(err);
    assert!(post.store.acts(&doc).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_replays_and_oversized_bodies_get_clear_errors() {
    let story = Story::new();
    let (post_device, post_enrolled) = device_enrollment(&story, "post PC", fixtures::DEPARTMENT);
    let (other_device, other_enrolled) =
        device_enrollment(&story, "second tablet", fixtures::ESCORT_UNIT);
    let post = node(&story, &[post_enrolled, other_enrolled]);
    let address = serve(Arc::clone(&post.store), post_device.clone()).await;
    let url = format!("https://{address}");
    let http = connector(&story.vehicle_device.key, &post.store)
        .client(&key_id(&post_device))
        .unwrap();

    // A captured request sent again.
    let body = frame::encode(&Request::Open { heard_from_you: 0 }).unwrap();
    let auth = RequestAuth::sign(
        &story.vehicle_device.key,
        &key_id(&post_device),
        Timestamp::now(),
        [9; 16],
        &body,
    );
    let send = |auth: &RequestAuth| {
        http.post(format!("{url}/sync"))
            .header(AUTH_HEADER, auth.to_header())
            .body(body.clone())
            .send()
    };
    assert_eq!(send(&auth).await.unwrap().status(), 200);
    let replay = send(&auth).await.unwrap();
    assert_eq!(replay.status(), 401);
    assert!(replay.text().await.unwrap().contains("replayed"));

    // A credential of another enrolled device, sent over the vehicle's connection.
    let borrowed = RequestAuth::sign(
        &other_device,
        &key_id(&post_device),
        Timestamp::now(),
        [11; 16],
        &body,
    );
    let answer = send(&borrowed).await.unwrap();
    assert_eq!(answer.status(), 401);
    assert!(answer
        .text()
        .await
        .unwrap()
        .contains("the connection was opened by device"));

    // An oversized body.
    let huge = vec![0u8; frame::MAX_FRAME_BYTES + 1];
    let auth = RequestAuth::sign(
        &story.vehicle_device.key,
        &key_id(&post_device),
        Timestamp::now(),
        [10; 16],
        &huge,
    );
    // The node answers 413 from the declared length, before reading the body, and closes the
    // connection: the client sees the answer, or the connection closed under its write.
    match http
        .post(format!("{url}/sync"))
        .header(AUTH_HEADER, auth.to_header())
        .body(huge)
        .send()
        .await
    {
        Ok(answer) => assert_eq!(answer.status(), 413),
        Err(e) => assert!(e.is_request(), "{e:?}"),
    }

    // A request without a credential.
    let answer = http
        .post(format!("{url}/sync"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    assert!(answer.text().await.unwrap().contains("tamga-auth"));

    // Plain HTTP on loopback reaches the local routes, never the sync endpoint.
    tls::install_provider();
    let plain = reqwest::Client::new();
    let local = plain
        .get(format!("http://{address}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(local.text().await.unwrap(), "local");
    let sync = plain
        .post(format!("http://{address}/sync"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(sync.status(), 404);
}
