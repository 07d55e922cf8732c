//! The replay guard across restarts, on real processes: a signed sync request that central
//! accepted is refused as a replay when it comes again after central was killed and started
//! again (before, the guard lived in memory only, and a restart forgot every nonce).

mod common;

use common::*;
use tamga_core::Timestamp;
use tamga_sync::session::Request;

#[test]
fn a_request_accepted_before_a_restart_is_a_replay_after_it() {
    let mut scene = Scene::new(|_| {});
    let central = tamga_core::KeyId::new(scene.central_device.clone()).unwrap();
    let device = scene.story.vehicle_device.key.clone();
    // An opening request with a fresh nonce, signed now: status, credential, body.
    let open = |http: &Http| {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).unwrap();
        let request = Request::Open { heard_from_you: 0 };
        let (status, credential, body, _) =
            raw_sync(http, &device, &central, &request, Timestamp::now(), nonce);
        (status, credential, body)
    };
    let (status, credential, body) = open(&scene.http);
    assert_eq!(status, 200);

    // Killed (nothing is shut down cleanly) and started again on the same directory.
    scene.server.kill();
    let (server, url) = serve(&scene.hq);
    scene.server = server;
    scene.http = central_http(&scene.hq, &url);
    let (status, answer) = post_sync(&scene.http, &device, &central, &credential, body.clone());
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(status, 401, "{answer}");
    assert!(answer.contains("replayed"), "{answer}");
    let refusals = scene.refusals();
    assert!(
        refusals.iter().any(|r| r["reason"] == "replayed"),
        "{refusals:?}"
    );

    // A new request of the same device is answered: the test can tell.
    assert_eq!(open(&scene.http).0, 200);
}
