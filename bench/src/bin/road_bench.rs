//! The road: positions assessed against a corridor, at one vehicle's and at central's scale, and
//! their cost on the wire.
//!
//! ```sh
//! cargo run --release -p tamga-bench --bin road_bench            # a week, 100 vehicles
//! cargo run --release -p tamga-bench --bin road_bench -- --quick # a day, 10 vehicles
//! ```
//!
//! The trip: the story's consignment registered with a corridor of 120 waypoints along 600 km
//! (Bishkek to Osh, roughly), 2 km wide, a navigation seal on it, handed to the escort, then a
//! fix every 10 s for the period (a week: 60,480 fixes), moving along the line with a few metres
//! of deterministic noise, batched 30 fixes to a `position_reported` act (one every 5 minutes,
//! as the vehicle's gpsd reader batches by default), each signed by the vehicle's device.
//!
//! 1. One vehicle: `tamga_core::assess` of the consignment with its positions against the same
//!    without them (the difference per fix is what the road costs), both over acts decoded
//!    afresh (so signatures are verified in each, as at a node). Baselines in the same run: the
//!    corridor's geometry alone (`geo::Line::distance_metres` of every fix), `SignedAct::decode`
//!    of the position acts, and ed25519-dalek `verify_strict` of their signatures.
//! 2. Central: the same trip for each of N vehicles (100; 10 quick), decoded and assessed on one
//!    thread per core, against the single vehicle's time times N divided by the cores.
//! 3. Bytes per fix on the wire: the positions recorded at a post (a day's), then one real sync
//!    session to central (`tamga_bench::sync_pair`: frames as sent, headers included), against
//!    the floor of the fixes alone zstd-compressed at the frame's level (3): as text
//!    (`unix,lat,lon` lines) and as packed deltas (i32 time, latitude and longitude in 1e-7
//!    degrees).
//!
//! Prints tables and a last line of JSON.

use std::time::Instant;
use tamga_bench::sync_pair::Pair;
use tamga_core::act::{ActBody, Corridor, Position};
use tamga_core::assessment::track::geo::{Line, Point};
use tamga_core::fixtures::road::{coordinates_of, Road};
use tamga_core::fixtures::Story;
use tamga_core::signing::signing_message;
use tamga_core::{assess, SignedAct, Tolerances};

/// Seconds between fixes.
const EVERY: i64 = 10;
/// Fixes per position act.
const PER_ACT: usize = 30;
/// Waypoints of the corridor.
const WAYPOINTS: usize = 120;

/// The corridor's line: Bishkek (42.87 N, 74.60 E) to Osh (40.53 N, 72.80 E), bending.
fn line_point(f: f64) -> (f64, f64) {
    let (a, b) = ((42.8746, 74.6122), (40.5283, 72.7985));
    let bend = (f * std::f64::consts::PI * 3.0).sin() * 0.35;
    (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f + bend)
}

fn corridor() -> Corridor {
    Corridor {
        waypoints: (0..WAYPOINTS)
            .map(|i| {
                let (lat, lon) = line_point(i as f64 / (WAYPOINTS - 1) as f64);
                coordinates_of(lat, lon)
            })
            .collect(),
        width_metres: 2000,
    }
}

/// The fixes of `seconds` of driving from minute 30, on the polyline through the waypoints.
fn drive(story: &Story, seconds: i64) -> Vec<Position> {
    let points: Vec<(f64, f64)> = (0..WAYPOINTS)
        .map(|i| line_point(i as f64 / (WAYPOINTS - 1) as f64))
        .collect();
    let start = story.t(30);
    (0..=seconds / EVERY)
        .map(|i| {
            let f = i as f64 * EVERY as f64 / seconds as f64 * (WAYPOINTS - 1) as f64;
            let leg = (f.floor() as usize).min(WAYPOINTS - 2);
            let t = f - leg as f64;
            let (a, b) = (points[leg], points[leg + 1]);
            // A few metres of noise, the same every run.
            let noise = ((i * 7919) % 101) as f64 / 101.0 - 0.5;
            Position {
                at: start.plus_seconds(i * EVERY),
                coordinates: coordinates_of(
                    a.0 + (b.0 - a.0) * t + noise * 0.0001,
                    a.1 + (b.1 - a.1) * t - noise * 0.0001,
                ),
            }
        })
        .collect()
}

/// The trip's acts: the road fixture's clean trip up to the handoff, its registration with the
/// long corridor, then `positions` in acts of 30.
fn trip(road: &Road<'_>, positions: &[Position]) -> (Vec<SignedAct>, Vec<SignedAct>) {
    let story = road.story;
    let mut base: Vec<SignedAct> = road
        .acts(600)
        .into_iter()
        .filter(|a| {
            matches!(
                a.body(),
                ActBody::SealApplied(_)
                    | ActBody::EscortAssigned(_)
                    | ActBody::CustodyTransferred(_)
            ) && a.body().at() <= story.t(30)
        })
        .collect();
    let mut body = story.registration_body();
    body.corridor = Some(corridor());
    body.delivery_deadline = story.t(8 * 24 * 60);
    base.push(story.sign(
        ActBody::ConsignmentRegistered(body),
        &[&story.airport_officer],
    ));
    (base, road.position_acts(positions, PER_ACT))
}

fn fresh(bytes: &[Vec<u8>]) -> Vec<SignedAct> {
    bytes
        .iter()
        .map(|b| SignedAct::decode(b).expect("valid"))
        .collect()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let seconds: i64 = if quick { 24 * 3600 } else { 7 * 24 * 3600 };
    let vehicles: usize = tamga_bench::size(&args, 10, 100) as usize;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let story = Story::new();
    let road = Road::new(&story);
    let registry = road.registry();
    let positions = drive(&story, seconds);
    let fixes = positions.len();
    let (base, position_acts) = trip(&road, &positions);
    let as_of = positions.last().expect("fixes").at;
    let encode = |acts: &[SignedAct]| -> Vec<Vec<u8>> { acts.iter().map(|a| a.encode()).collect() };
    let base_bytes = encode(&base);
    let all_bytes: Vec<Vec<u8>> = base_bytes
        .iter()
        .cloned()
        .chain(encode(&position_acts))
        .collect();
    let tolerances = Tolerances::default();
    let judge = |bytes: &[Vec<u8>]| {
        let acts = fresh(bytes);
        assess(&story.consignment, &acts, &registry, as_of, &tolerances)
    };

    // 1. One vehicle.
    let check = judge(&all_bytes);
    assert!(check.state.road.tracked && check.state.road.fixes as usize == fixes);
    assert_eq!(
        check.state.road.outside_corridor, 0,
        "the drive keeps to the corridor"
    );
    let runs = if quick { 5 } else { 3 };
    let time = |bytes: &[Vec<u8>]| {
        median(
            (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(judge(bytes));
                    t.elapsed().as_secs_f64()
                })
                .collect(),
        )
    };
    let with_positions = time(&all_bytes);
    let without = time(&base_bytes);
    let line = Line::new(corridor().waypoints.iter().map(Point::of).collect());
    let points: Vec<Point> = positions
        .iter()
        .map(|p| Point::of(&p.coordinates))
        .collect();
    let geometry = median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                let far = points
                    .iter()
                    .map(|p| line.distance_metres(*p))
                    .fold(0.0, f64::max);
                std::hint::black_box(far);
                t.elapsed().as_secs_f64()
            })
            .collect(),
    );
    let position_bytes = encode(&position_acts);
    let decode = median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(fresh(&position_bytes));
                t.elapsed().as_secs_f64()
            })
            .collect(),
    );
    let signatures: Vec<(ed25519_dalek::VerifyingKey, [u8; 64], Vec<u8>)> = position_acts
        .iter()
        .map(|a| {
            let s = &a.signatures()[0];
            let raw: [u8; 32] = hex::decode(s.key.as_str())
                .expect("hex key")
                .try_into()
                .expect("32 bytes");
            (
                ed25519_dalek::VerifyingKey::from_bytes(&raw).expect("a key"),
                s.signature.0,
                signing_message(&a.id()),
            )
        })
        .collect();
    let verify = median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                for (key, sig, msg) in &signatures {
                    key.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(sig))
                        .expect("valid");
                }
                t.elapsed().as_secs_f64()
            })
            .collect(),
    );
    let per_fix_us = (with_positions - without) / fixes as f64 * 1e6;
    println!(
        "== one vehicle: {fixes} fixes ({} s apart) in {} acts, corridor of {WAYPOINTS} waypoints",
        EVERY,
        position_acts.len()
    );
    println!(
        "assess with positions        {:>10.1} ms",
        with_positions * 1e3
    );
    println!("assess without them          {:>10.1} ms", without * 1e3);
    println!("  the road, per fix          {:>10.2} µs", per_fix_us);
    println!(
        "baseline: geometry per fix   {:>10.2} µs   (ratio {:.1}x)",
        geometry / fixes as f64 * 1e6,
        per_fix_us / (geometry / fixes as f64 * 1e6)
    );
    println!(
        "baseline: decode per fix     {:>10.2} µs",
        decode / fixes as f64 * 1e6
    );
    println!(
        "baseline: verify_strict /fix {:>10.2} µs   (one signature per {PER_ACT} fixes)",
        verify / fixes as f64 * 1e6
    );
    let floor = (geometry + decode + verify) / fixes as f64 * 1e6;
    println!(
        "  road per fix / (geometry + decode + verify) = {:.2}x",
        per_fix_us / floor
    );

    // 2. Central: N vehicles on every core.
    let started = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..cores {
            scope.spawn(|| loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= vehicles {
                    break;
                }
                std::hint::black_box(judge(&all_bytes));
            });
        }
    });
    let central = started.elapsed().as_secs_f64();
    let ideal = with_positions * vehicles as f64 / cores as f64;
    println!(
        "== central: {vehicles} vehicles, {} fixes, {cores} cores",
        vehicles * fixes
    );
    println!(
        "wall                         {:>10.2} s    ({:.2} µs per fix)",
        central,
        central / (vehicles * fixes) as f64 * 1e6
    );
    println!(
        "one vehicle x N / cores      {:>10.2} s    (ratio {:.2}x)",
        ideal,
        central / ideal
    );

    // 3. Bytes per fix on the wire: a day's positions synced from a post to central.
    let day: Vec<Position> = positions
        .iter()
        .take(24 * 3600 / EVERY as usize)
        .cloned()
        .collect();
    let pair = Pair::new();
    for act in road.registry_acts().iter().chain(&base) {
        pair.post.record(act).expect("records");
        pair.central.record(act).expect("records");
    }
    pair.settle().expect("settles");
    for act in road.position_acts(&day, PER_ACT) {
        pair.post.record(&act).expect("records");
    }
    let session = pair.session().expect("syncs");
    let wire = session.bytes();
    let text: String = day
        .iter()
        .map(|p| {
            format!(
                "{},{},{}\n",
                p.at.unix(),
                p.coordinates.latitude,
                p.coordinates.longitude
            )
        })
        .collect();
    let text_floor = zstd::bulk::compress(text.as_bytes(), 3)
        .expect("compresses")
        .len();
    let mut packed = Vec::with_capacity(day.len() * 12);
    let (mut t0, mut la0, mut lo0) = (0i64, 0i64, 0i64);
    for p in &day {
        let e7 = |d: &dyn std::fmt::Display| {
            (d.to_string().parse::<f64>().expect("a number") * 1e7).round() as i64
        };
        let (t, la, lo) = (
            p.at.unix(),
            e7(&p.coordinates.latitude),
            e7(&p.coordinates.longitude),
        );
        for d in [t - t0, la - la0, lo - lo0] {
            packed.extend_from_slice(&(d as i32).to_le_bytes());
        }
        (t0, la0, lo0) = (t, la, lo);
    }
    let packed_floor = zstd::bulk::compress(&packed, 3).expect("compresses").len();
    let n = day.len() as f64;
    println!(
        "== on the wire: {} fixes in {} acts, one sync session post to central ({} round trips)",
        day.len(),
        day.len().div_ceil(PER_ACT),
        session.round_trips()
    );
    println!("session bytes per fix        {:>10.1}", wire as f64 / n);
    println!(
        "floor: text lines, zstd      {:>10.1}   (ratio {:.1}x)",
        text_floor as f64 / n,
        wire as f64 / text_floor as f64
    );
    println!(
        "floor: packed deltas, zstd   {:>10.1}   (ratio {:.1}x)",
        packed_floor as f64 / n,
        wire as f64 / packed_floor as f64
    );
    println!(
        "{}",
        serde_json::json!({
            "bench": "road",
            "fixes": fixes,
            "assess_with_positions_ms": with_positions * 1e3,
            "assess_without_ms": without * 1e3,
            "road_per_fix_us": per_fix_us,
            "geometry_per_fix_us": geometry / fixes as f64 * 1e6,
            "decode_per_fix_us": decode / fixes as f64 * 1e6,
            "verify_per_fix_us": verify / fixes as f64 * 1e6,
            "vehicles": vehicles,
            "central_wall_s": central,
            "central_ideal_s": ideal,
            "wire_fixes": day.len(),
            "wire_bytes_per_fix": wire as f64 / n,
            "floor_text_bytes_per_fix": text_floor as f64 / n,
            "floor_packed_bytes_per_fix": packed_floor as f64 / n,
        })
    );
}
