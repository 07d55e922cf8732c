//! A post and central as two real stores, for the sync benchmarks: the registry enrolled on
//! both, real signed acts recorded through `Store::record`, and sessions driven through the real
//! sans-IO engine (`Initiator` at the post, `respond` at central) with every request and
//! response framed (postcard + zstd) as on the wire. Each exchange's sizes are kept, credential
//! headers included as the HTTP shell sends them, so a link model can replay them.

use std::time::Instant;
use tamga_core::act::{
    ActBody, ArrivalNotified, ConsignmentDelivered, Coordinates, Place, Position, PositionReported,
    SealChecked, SealObservation, SealState,
};
use tamga_core::fixtures::stream;
use tamga_core::fixtures::{self, Story};
use tamga_core::quantity::{parse_decimal, Mass, MassUnit};
use tamga_core::signing::key_id;
use tamga_core::{KeyId, SignedAct};
use tamga_store::{DocId, Store};
use tamga_sync::frame;
use tamga_sync::scope::Scope;
use tamga_sync::session::{respond, Initiator, Step, SyncError};

/// Header bytes of one exchange: the credential header on the request and the signature header
/// on the response ("name: value\r\n" each), measured on a real credential.
pub fn header_bytes() -> (usize, usize) {
    use tamga_sync::auth::{RequestAuth, ResponseAuth};
    use tamga_sync::responder::{AUTH_HEADER, RESPONSE_AUTH_HEADER};
    let device = fixtures::key("bench header");
    let request = RequestAuth::sign(&device, &key_id(&device), Story::new().t(0), [0; 16], b"");
    let response = ResponseAuth::sign(&device, &request, b"");
    (
        AUTH_HEADER.len() + 4 + request.to_header().len(),
        RESPONSE_AUTH_HEADER.len() + 4 + response.to_header().len(),
    )
}

/// One request and its response: bytes sent each way (frame + header). A cut exchange holds
/// what left before the cut, and `None` for a response that never started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// Request bytes.
    pub request: usize,
    /// Response bytes.
    pub response: Option<usize>,
}

/// A session's exchanges and what it did.
#[derive(Clone, Debug, Default)]
pub struct SessionRun {
    /// Every exchange in order.
    pub exchanges: Vec<Exchange>,
    /// Whether the session finished (false: cut).
    pub completed: bool,
    /// Documents the session worked on.
    pub documents: usize,
    /// Sync messages sent and received by the post.
    pub messages: usize,
    /// Wall time of the store work on both sides (no network), milliseconds.
    pub millis: f64,
}

impl SessionRun {
    /// Bytes sent both ways.
    pub fn bytes(&self) -> usize {
        self.exchanges
            .iter()
            .map(|e| e.request + e.response.unwrap_or(0))
            .sum()
    }

    /// Round trips (exchanges).
    pub fn round_trips(&self) -> usize {
        self.exchanges.len()
    }
}

/// A post and central, each with its own store in a temporary directory.
pub struct Pair {
    /// The fixture story whose keys sign everything.
    pub story: Story,
    /// The post's store.
    pub post: Store,
    /// Central's store.
    pub central: Store,
    /// The post's device key id (central's name for it).
    pub post_id: KeyId,
    /// Central's device key id (the post's name for it).
    pub central_id: KeyId,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl Pair {
    /// Two fresh stores, the registry recorded on each.
    pub fn new() -> Pair {
        let story = Story::new();
        let dirs = (
            tempfile::tempdir().expect("temporary directory"),
            tempfile::tempdir().expect("temporary directory"),
        );
        let post = Store::open(dirs.0.path(), &story.authority_id()).expect("post store");
        let central = Store::open(dirs.1.path(), &story.authority_id()).expect("central store");
        for act in story.registry_acts() {
            post.record(&act).expect("registry act");
            central.record(&act).expect("registry act");
        }
        Pair {
            story,
            post,
            central,
            post_id: key_id(&fixtures::key("bench post device")),
            central_id: key_id(&fixtures::key("bench central device")),
            _dirs: dirs,
        }
    }

    /// A whole session, post to central.
    pub fn session(&self) -> Result<SessionRun, SyncError> {
        self.session_cut(None)
    }

    /// A session whose link dies once `budget` bytes have left (both ways counted): the
    /// exchange in flight is lost there. A request cut short never reaches central; a response
    /// cut short was answered (and merged) at central but never reaches the post. `None`: no
    /// cut.
    pub fn session_cut(&self, budget: Option<usize>) -> Result<SessionRun, SyncError> {
        let started = Instant::now();
        let (request_header, response_header) = header_bytes();
        let post_scope = Scope::Unit(fixtures::unit(fixtures::AIRPORT_POST));
        let mut run = SessionRun::default();
        let mut sent = 0usize;
        let left = |sent: usize| budget.map_or(usize::MAX, |b| b.saturating_sub(sent));
        let mut initiator = Initiator::new(&self.post, self.central_id.clone(), Scope::All);
        let mut request = initiator.start()?;
        loop {
            let wire = frame::encode(&request).map_err(|e| SyncError::Protocol(e.to_string()))?;
            let request_bytes = wire.len() + request_header;
            if request_bytes > left(sent) {
                run.exchanges.push(Exchange {
                    request: left(sent),
                    response: None,
                });
                break;
            }
            sent += request_bytes;
            let decoded = frame::decode(&wire).map_err(|e| SyncError::Protocol(e.to_string()))?;
            let response = respond(&self.central, &self.post_id, &post_scope, decoded)?;
            let wire = frame::encode(&response).map_err(|e| SyncError::Protocol(e.to_string()))?;
            let response_bytes = wire.len() + response_header;
            if response_bytes > left(sent) {
                run.exchanges.push(Exchange {
                    request: request_bytes,
                    response: Some(left(sent)),
                });
                break;
            }
            sent += response_bytes;
            run.exchanges.push(Exchange {
                request: request_bytes,
                response: Some(response_bytes),
            });
            let decoded = frame::decode(&wire).map_err(|e| SyncError::Protocol(e.to_string()))?;
            match initiator.receive(decoded)? {
                Step::Send(next) => request = next,
                Step::Done(_) => {
                    run.completed = true;
                    break;
                }
            }
        }
        run.documents = initiator.summary().documents;
        run.messages = initiator.summary().messages;
        run.millis = started.elapsed().as_secs_f64() * 1000.0;
        Ok(run)
    }

    /// Sessions until one finds nothing to do (the one after a merge re-offers what it merged).
    pub fn settle(&self) -> Result<(), SyncError> {
        for _ in 0..4 {
            if self.session()?.documents == 0 {
                return Ok(());
            }
        }
        Err(SyncError::Protocol("sessions did not settle".into()))
    }

    /// Every document `store` holds, each once.
    pub fn documents(store: &Store) -> Vec<DocId> {
        store
            .changed_since(0)
            .expect("the change feed")
            .into_iter()
            .map(|(_, doc)| doc)
            .collect()
    }
}

impl Default for Pair {
    fn default() -> Self {
        Self::new()
    }
}

/// A seal check at the airport post on the `n`th generated consignment (the change the
/// benchmarks make on a settled post).
pub fn seal_check(story: &Story, n: u64) -> SignedAct {
    story.sign(
        ActBody::SealChecked(SealChecked {
            consignment: stream::consignment(n),
            at: story.t((n % 1000) as i64 + 30),
            officer: story.airport_officer.id.clone(),
            place: Place::Post {
                unit: fixtures::unit(fixtures::AIRPORT_POST),
            },
            seal: stream::seal(n),
            state: SealState::Intact,
            note: None,
        }),
        &[&story.airport_officer],
    )
}

/// Acts per consignment in [`escorted_consignment`].
pub const ACTS_PER_ESCORT: usize = 40;

/// The whole life of the `n`th consignment of a post's week, 40 acts as the post's store ends
/// up holding them (its own acts and the escort's, received from the vehicle): registration,
/// seal applied, escort assigned and the handoff to the escort at the post (the
/// `post_stream_act` steps), then on the road 30 position reports (three fixes each, one every
/// four minutes) and 3 seal checks by the second escort officer, and at the Department the
/// arrival notice, the handoff to the Department officer and the delivery.
pub fn escorted_consignment(story: &Story, n: u64) -> Vec<SignedAct> {
    let consignment = stream::consignment(n);
    let seal = stream::seal(n);
    let mut acts: Vec<SignedAct> = (0..4)
        .map(|step| stream::post_stream_act(story, 4 * n + step))
        .collect();
    let handoff = acts[3].id();
    // The post's acts keep `post_stream_act`'s times; the road starts 40 minutes after the
    // registration.
    let base = (n % 1000) as i64;
    let road = |k: i64| base + 40 + 4 * k;
    for k in 0..30i64 {
        let fix = |j: i64| {
            let step = k * 3 + j;
            Position {
                at: story.t(road(k) - 2 + j),
                coordinates: Coordinates {
                    latitude: parse_decimal(&format!("{:.4}", 43.0612 - 0.0021 * step as f64))
                        .expect("latitude"),
                    longitude: parse_decimal(&format!("{:.4}", 74.4776 + 0.0015 * step as f64))
                        .expect("longitude"),
                },
            }
        };
        acts.push(story.sign(
            ActBody::PositionReported(PositionReported {
                consignment: consignment.clone(),
                at: story.t(road(k)),
                officer: story.vehicle_device.id.clone(),
                positions: vec![fix(0), fix(1), fix(2)],
            }),
            &[&story.vehicle_device],
        ));
    }
    for (k, km) in [(9i64, 14), (19, 38), (28, 61)] {
        acts.push(story.sign(
            ActBody::SealChecked(SealChecked {
                consignment: consignment.clone(),
                at: story.t(road(k) + 1),
                officer: story.escort_second.id.clone(),
                place: Place::Road {
                    description: fixtures::text(&format!("Bishkek ring road, km {km}, stop")),
                    coordinates: None,
                },
                seal: seal.clone(),
                state: SealState::Intact,
                note: None,
            }),
            &[&story.escort_second],
        ));
    }
    let arrived = road(30);
    acts.push(story.sign(
        ActBody::ArrivalNotified(ArrivalNotified {
            consignment: consignment.clone(),
            at: story.t(arrived + 5),
            officer: story.escort_lead.id.clone(),
            place: Place::Post {
                unit: fixtures::unit(fixtures::DEPARTMENT),
            },
            arrived_at: story.t(arrived),
            working_hours_began_at: None,
        }),
        &[&story.escort_lead],
    ));
    let seals = vec![SealObservation {
        seal: seal.clone(),
        state: SealState::Intact,
    }];
    let mut body = story.transfer_body(
        arrived + 10,
        fixtures::DEPARTMENT,
        Some(handoff),
        &story.escort_lead,
        &story.department_officer,
    );
    body.consignment = consignment.clone();
    body.seals = seals.clone();
    acts.push(story.transfer(body, &story.escort_lead, &story.department_officer));
    acts.push(story.sign(
        ActBody::ConsignmentDelivered(ConsignmentDelivered {
            documents: Vec::new(),
            net_mass: None,
            shortage: None,
            consignment,
            at: story.t(arrived + 15),
            officer: story.department_officer.id.clone(),
            place: Place::Post {
                unit: fixtures::unit(fixtures::DEPARTMENT),
            },
            seals,
            packages: 1,
            gross_mass: Mass::new("0.412", MassUnit::Kg).expect("valid mass"),
        }),
        &[&story.department_officer],
    ));
    debug_assert_eq!(acts.len(), ACTS_PER_ESCORT);
    acts
}
