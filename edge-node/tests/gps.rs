//! Positions from a real gpsd into a real vehicle node.
//!
//! The vehicle node (`tamga-edge serve`) is enrolled at the escort unit and holds the reference
//! story's consignment in its unit's custody; its configuration has `[gps]` (batches of at most
//! 30 fixes or 5 s) and `TAMGA_EDGE_GPSD` gives the address of a gpsd that `gpsfake` starts and
//! feeds with `tests/data/airport-to-department.nmea` (written by `tests/data/make-track.py`),
//! its times shifted so that the drive ends just before the node's clock.
//!
//! - The `position_reported` acts recorded, signed by the vehicle's device key, hold exactly the
//!   fixes the receiver reported with a fix, in order, to 7 decimal places: none of the cold
//!   start or the stretch without a fix, of the garbage, of the fix 300 km away (the jump) or of
//!   the fix dated 5 hours ahead (refused as dated in the future). The status counts them.
//! - gpsd killed (gpsfake's whole process group): the status says `lost`, the node keeps
//!   serving; a stand-in gpsd at the address sends garbage (not JSON, a 100 KiB line, bytes that
//!   are not UTF-8, wrong types, a position off the globe) and one good fix: the garbage is
//!   counted, the fix signed; then a new gpsfake at the address: the node reconnects and signs
//!   its fixes; stopped with SIGTERM, it exits 0 with the last fixes recorded.
//!
//! Needs `/usr/sbin/gpsd` and `/usr/bin/gpsfake` (Debian: `gpsd gpsd-clients`). Without them the
//! test says so and passes, unless `TAMGA_GPS_TEST=required` (as in CI). gpsd runs on a port of
//! its own, so a gpsd the system runs on 2947 is not in the way.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tamga_core::fixtures::{self, Story};
use tamga_core::KeyId;
use tamga_testkit::http;
use tamga_testkit::ports::free_port;
use tamga_testkit::process::{self, Proc};
use tamga_testkit::wait::wait_for_within;

mod common;

use common::{edge, write_acts, BIN};

const GPSD: &str = "/usr/sbin/gpsd";
const GPSFAKE: &str = "/usr/bin/gpsfake";
const TRACK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/airport-to-department.nmea"
);
/// Seconds gpsfake waits between sentences.
const CYCLE: &str = "0.1";
/// The node's batches in this test (`[gps]`).
const BATCH_FIXES: usize = 30;

/// Whether gpsd and gpsfake are here; if not, fails when `TAMGA_GPS_TEST=required`, else says
/// on standard error that the test is skipped.
fn tools_present() -> bool {
    tamga_testkit::tools::present(
        "GPS",
        "TAMGA_GPS_TEST",
        &[GPSD, GPSFAKE],
        "apt-get install gpsd gpsd-clients",
    )
}

// ------------------------------------------------------------------ gpsfake

/// gpsfake and the gpsd it starts, in a process group of their own: killed whole, and reaped,
/// when dropped.
struct Gpsfake {
    child: Child,
    log: std::path::PathBuf,
    reaped: bool,
}

impl Gpsfake {
    /// Replays `track` once through a gpsd on `port`, once that gpsd listens.
    fn start(port: u16, track: &Path, log: &Path) -> Gpsfake {
        let out = std::fs::File::create(log).unwrap();
        let child = Command::new(GPSFAKE)
            .args(["-P", &port.to_string(), "-1", "-q", "-c", CYCLE])
            .arg(track)
            .env("GPSD_HOME", Path::new(GPSD).parent().unwrap())
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0)
            .spawn()
            .expect("gpsfake runs");
        let mut fake = Gpsfake {
            child,
            log: log.to_owned(),
            reaped: false,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = fake.child.try_wait() {
                fake.reaped = true;
                panic!(
                    "gpsfake ended ({status}) before its gpsd listened: {}",
                    fake.log()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "gpsd did not listen on {port}: {}",
                fake.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        fake
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL to the whole group (gpsfake and its gpsd), then reaped.
    fn kill(&mut self) {
        if self.reaped {
            return;
        }
        // gpsfake is not reaped yet (a zombie at worst), so its group id is still its own.
        let group = self.child.id();
        let killed = Command::new("sh")
            .arg("-c")
            .arg(format!("kill -s KILL -- -{group}"))
            .status()
            .is_ok_and(|s| s.success());
        if !killed {
            eprintln!("could not kill gpsfake's process group {group}; killing gpsfake alone");
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        self.reaped = true;
    }
}

impl Drop for Gpsfake {
    fn drop(&mut self) {
        self.kill();
    }
}

// ------------------------------------------------------------------ the track

/// A position as the act spells it: time (RFC 3339) and degrees to 7 places.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pos {
    at: String,
    latitude: String,
    longitude: String,
}

/// The track, its times shifted, and what the node should sign of it.
struct Track {
    text: String,
    /// The fixes the receiver reports with a fix, in order (neither the jump nor the future fix).
    expected: Vec<Pos>,
    /// The fix 300 km away.
    jump: Pos,
    /// The fix dated hours ahead.
    future: Pos,
    /// The times of the cycles without a fix in the drive (after the cold start).
    no_fix: Vec<String>,
}

fn checksum(body: &str) -> u8 {
    body.bytes().fold(0, |a, b| a ^ b)
}

/// NMEA's `ddmm.mmmm` (or `dddmm.mmmm`) and hemisphere as degrees to 7 places, exactly.
fn degrees(value: &str, hemisphere: &str, whole_digits: usize) -> String {
    let whole: i64 = value[..whole_digits].parse().unwrap();
    let (m, frac) = value[whole_digits..].split_once('.').unwrap();
    assert_eq!(frac.len(), 4, "{value}");
    let minutes_e4: i64 = format!("{m}{frac}").parse().unwrap();
    assert_eq!(
        minutes_e4 * 50 % 3,
        0,
        "{value} is not on the 1e-5 degree grid"
    );
    let e7 = whole * 10_000_000 + minutes_e4 * 50 / 3;
    let sign = if matches!(hemisphere, "S" | "W") {
        "-"
    } else {
        ""
    };
    format!("{sign}{}.{:07}", e7 / 10_000_000, e7 % 10_000_000)
}

fn rfc3339(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Reads `track`, shifts every sentence's time so that the last fix on the road (the future one
/// aside) is at `last_fix`, and recomputes the checksums that were right (a wrong one stays
/// wrong).
fn shift(track: &str, last_fix: NaiveDateTime) -> Track {
    let time_of = |hms: &str| NaiveTime::parse_from_str(hms, "%H%M%S%.f").ok();
    let date_of = |dmy: &str| NaiveDate::parse_from_str(dmy, "%d%m%y").ok();
    // The last fix on the road, as the file dates it.
    let mut mark = None;
    let mut last_in_file = None;
    for line in track.lines() {
        if let Some(m) = line.strip_prefix("# mark: ") {
            mark = Some(m.to_owned());
        } else if let Some(rest) = line.strip_prefix("$GPRMC,") {
            let f: Vec<&str> = rest.split(['*', ',']).collect();
            if f.len() > 9 && f[1] == "A" && mark.as_deref() != Some("future") {
                last_in_file = Some(date_of(f[8]).unwrap().and_time(time_of(f[0]).unwrap()));
            }
            mark = None;
        }
    }
    let offset = last_fix - last_in_file.expect("fixes in the track");
    let mut out = Vec::new();
    let (mut expected, mut no_fix) = (Vec::new(), Vec::new());
    let (mut jump, mut future) = (None, None);
    let (mut mark, mut mark_left, mut date) = (None::<String>, 0, None);
    for line in track.lines() {
        if let Some(m) = line.strip_prefix("# mark: ") {
            mark = Some(m.to_owned());
            mark_left = if m == "no fix" { 6 } else { 1 };
            out.push(line.to_owned());
            continue;
        }
        let Some((body, given)) = line
            .strip_prefix('$')
            .and_then(|l| l.split_once('*'))
            .filter(|(b, _)| b.starts_with("GPRMC,") || b.starts_with("GPGGA,"))
        else {
            out.push(line.to_owned());
            continue;
        };
        let right = u8::from_str_radix(given, 16).ok() == Some(checksum(body));
        let mut f: Vec<String> = body.split(',').map(str::to_owned).collect();
        let rmc = f[0] == "GPRMC";
        if rmc && f.len() > 9 {
            date = date_of(&f[9]);
        }
        let (Some(time), Some(day)) = (time_of(&f[1]), date) else {
            out.push(line.to_owned());
            continue;
        };
        let shifted = day.and_time(time) + offset;
        f[1] = shifted.format("%H%M%S.00").to_string();
        if rmc && f.len() > 9 {
            f[9] = shifted.format("%d%m%y").to_string();
        }
        let body = f.join(",");
        let sum = checksum(&body) ^ if right { 0 } else { 0x5A };
        out.push(format!("${body}*{sum:02X}"));
        if !(rmc && right) {
            continue;
        }
        let fix = (f[2] == "A").then(|| Pos {
            at: rfc3339(shifted),
            latitude: degrees(&f[3], &f[4], 2),
            longitude: degrees(&f[5], &f[6], 3),
        });
        match (mark.as_deref(), fix) {
            (Some("jump"), Some(p)) => jump = Some(p),
            (Some("future"), Some(p)) => future = Some(p),
            (Some("no fix"), None) => no_fix.push(rfc3339(shifted)),
            (Some(m), fix) => panic!("mark {m} on {fix:?}"),
            (None, Some(p)) => expected.push(p),
            (None, None) => {}
        }
        if mark_left > 0 {
            mark_left -= 1;
            if mark_left == 0 {
                mark = None;
            }
        }
    }
    Track {
        text: out.join("\r\n") + "\r\n",
        expected,
        jump: jump.expect("a jump in the track"),
        future: future.expect("a future fix in the track"),
        no_fix,
    }
}

/// A track of a cold start (no fix) and then `fixes` fixes a second apart, parked at the
/// Department, the first at `first`.
fn parked(first: NaiveDateTime, fixes: usize) -> (String, Vec<Pos>) {
    let mut lines = Vec::new();
    let mut expected = Vec::new();
    let sentence = |body: String| format!("${body}*{:02X}", checksum(&body));
    for i in 0..60 {
        let t = first - chrono::Duration::seconds(60 - i);
        lines.push(sentence(format!(
            "GPRMC,{},V,,,,,,,{},,,N",
            t.format("%H%M%S.00"),
            t.format("%d%m%y")
        )));
        lines.push(sentence(format!(
            "GPGGA,{},,,,,0,00,99.99,,M,,M,,",
            t.format("%H%M%S.00")
        )));
    }
    for i in 0..fixes {
        let t = first + chrono::Duration::seconds(i as i64);
        // 42.87460 N, 74.60300 E and a metre or so east each second (1e-5 degree).
        let lon_e5 = 7_460_300 + i as i64;
        let minutes_e4 = (lon_e5 % 100_000) * 6;
        let lon = format!("074{:02}.{:04}", minutes_e4 / 10_000, minutes_e4 % 10_000);
        let lat = "4252.4760";
        lines.push(sentence(format!(
            "GPRMC,{},A,{lat},N,{lon},E,0.1,90.0,{},,,A",
            t.format("%H%M%S.00"),
            t.format("%d%m%y")
        )));
        lines.push(sentence(format!(
            "GPGGA,{},{lat},N,{lon},E,1,09,0.9,760.0,M,-30.0,M,,",
            t.format("%H%M%S.00")
        )));
        expected.push(Pos {
            at: rfc3339(t),
            latitude: degrees(lat, "N", 2),
            longitude: degrees(&lon, "E", 3),
        });
    }
    (lines.join("\r\n") + "\r\n", expected)
}

// ------------------------------------------------------------------ the node

/// The vehicle's device key, and its data directory: enrolled at the escort unit, holding the
/// story's consignment in its unit's custody, `[gps]` set but for gpsd's address.
fn vehicle(story: &Story, dir: &Path, listen: &str) -> KeyId {
    let device = common::init(dir, story, "vehicle", fixtures::ESCORT_UNIT, listen);
    let mut acts = story.registry_acts();
    acts.push(story.device_enrollment(&device, fixtures::ESCORT_UNIT, "escort vehicle tablet"));
    acts.extend(story.clean_delivery()[..6].iter().cloned());
    let file = dir.join("setup.acts");
    write_acts(&file, &acts);
    let (ok, out, err) = edge(dir, &["record", file.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    // The file's address is wrong on purpose: TAMGA_EDGE_GPSD gives the right one.
    let config = dir.join("tamga-edge.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[gps]\ngpsd = \"127.0.0.1:1\"\nbatch_seconds = 5\nbatch_fixes = {BATCH_FIXES}\nmax_speed_kmh = 300\n"
    ));
    std::fs::write(&config, text).unwrap();
    device
}

fn serve(dir: &Path, gpsd: &str) -> (Proc, u16) {
    let mut command = process::node_command(Path::new(BIN), dir, &["serve"]);
    command.env("TAMGA_EDGE_GPSD", gpsd);
    command.env("TAMGA_LOG", "error");
    let (node, address) = process::serve(command, "vehicle node");
    let port = address.rsplit_once(':').unwrap().1.parse().unwrap();
    (node, port)
}

fn status(port: u16) -> Value {
    let (code, body) = http::get(port, "/api/status").expect("the node answers");
    assert_eq!(code, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn gps(port: u16) -> Value {
    status(port)["gps"].clone()
}

/// The `position_reported` acts the device key signed, oldest first, with their positions:
/// through the running node's API.
fn signed_acts(port: u16, story: &Story, device: &KeyId) -> Vec<(Value, Vec<Pos>)> {
    let path = format!(
        "/api/consignments/{}",
        story.consignment.as_str().replace('/', "%2F")
    );
    let (code, body) = http::get(port, &path).unwrap();
    assert_eq!(code, 200, "{body}");
    let view: Value = serde_json::from_str(&body).unwrap();
    signed_in(&view["acts"], device)
}

/// The same from a list of acts as the API and the CLI show them.
fn signed_in(acts: &Value, device: &KeyId) -> Vec<(Value, Vec<Pos>)> {
    let mut acts: Vec<(Value, Vec<Pos>)> = acts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "position_reported" && a["body"]["officer"] == device.as_str())
        .map(|a| {
            let positions = a["body"]["positions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| Pos {
                    at: p["at"].as_str().unwrap().to_owned(),
                    latitude: p["coordinates"]["latitude"].as_str().unwrap().to_owned(),
                    longitude: p["coordinates"]["longitude"].as_str().unwrap().to_owned(),
                })
                .collect();
            (a.clone(), positions)
        })
        .collect();
    acts.sort_by(|a, b| {
        (a.0["body"]["at"].as_str(), a.1.first().map(|p| &p.at))
            .cmp(&(b.0["body"]["at"].as_str(), b.1.first().map(|p| &p.at)))
    });
    acts
}

fn positions(acts: &[(Value, Vec<Pos>)]) -> Vec<Pos> {
    acts.iter().flat_map(|(_, p)| p.clone()).collect()
}

/// Where two lists of positions first differ, for a failure message.
fn first_difference(got: &[Pos], want: &[Pos]) -> String {
    let at = got.iter().zip(want).position(|(g, w)| g != w);
    match at {
        Some(i) => format!("at {i}: signed {:?}, expected {:?}", got[i], want[i]),
        None => format!("{} signed, {} expected", got.len(), want.len()),
    }
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// A stand-in gpsd at `port`: takes one connection, checks the watch request, sends `lines`,
/// closes.
fn stand_in_gpsd(port: u16, lines: Vec<Vec<u8>>) {
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("the port gpsd left is free");
    listener.set_nonblocking(true).unwrap();
    let started = Instant::now();
    let mut stream = loop {
        match listener.accept() {
            Ok((stream, _)) => break stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(
                    started.elapsed() < Duration::from_secs(40),
                    "the node did not come back to gpsd's address"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = Vec::new();
    let mut byte = [0u8; 1];
    while !request.ends_with(b"\n") && request.len() < 200 {
        stream.read_exact(&mut byte).expect("the watch request");
        request.push(byte[0]);
    }
    assert_eq!(
        String::from_utf8_lossy(&request).trim(),
        r#"?WATCH={"enable":true,"json":true};"#
    );
    for line in lines {
        stream.write_all(&line).unwrap();
    }
    stream.flush().unwrap();
}

// ------------------------------------------------------------------ the test

#[test]
fn positions_from_a_real_gpsd_are_signed_for_the_consignment_in_custody() {
    if !tools_present() {
        return;
    }
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("vehicle");
    let listen = format!("127.0.0.1:{}", free_port());
    let device = vehicle(&story, &dir, &listen);

    // The drive, ending just before the node's clock.
    let started = now();
    let track = shift(
        &std::fs::read_to_string(TRACK).unwrap(),
        started - chrono::Duration::seconds(5),
    );
    assert!(track.expected.len() > 90, "{}", track.expected.len());
    let replay = root.path().join("drive.nmea");
    std::fs::write(&replay, &track.text).unwrap();
    let gps_port = free_port();
    let gpsd = format!("127.0.0.1:{gps_port}");
    let mut fake = Gpsfake::start(gps_port, &replay, &root.path().join("gpsfake.log"));
    let (node, port) = serve(&dir, &gpsd);
    assert_eq!(
        gps(port)["gpsd"],
        gpsd.as_str(),
        "TAMGA_EDGE_GPSD gives the address"
    );

    // Every fix the receiver reported, signed, and nothing else.
    let want = &track.expected;
    let limit = Duration::from_secs(180);
    let waited = Instant::now();
    loop {
        let g = gps(port);
        let got = positions(&signed_acts(port, &story, &device));
        if got.len() >= want.len() && g["waiting"] == 0 {
            break;
        }
        assert!(
            waited.elapsed() < limit,
            "not every fix signed within {} s ({}); status {g}; gpsfake: {}",
            limit.as_secs(),
            first_difference(&got, want),
            fake.log()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let acts = signed_acts(port, &story, &device);
    let got = positions(&acts);
    assert!(
        got == *want,
        "the signed positions are not the receiver's fixes: {}",
        first_difference(&got, want)
    );
    for (act, positions) in &acts {
        assert!(positions.len() <= BATCH_FIXES, "{act}");
        assert_eq!(act["holds"], true, "{act}");
        assert_eq!(act["signers"].as_array().unwrap().len(), 1);
        assert_eq!(act["signers"][0]["key"], device.as_str(), "{act}");
    }
    assert!(acts.len() >= want.len().div_ceil(BATCH_FIXES));
    let signed_times: Vec<&str> = got.iter().map(|p| p.at.as_str()).collect();
    for t in &track.no_fix {
        assert!(!signed_times.contains(&t.as_str()), "{t}: no fix, signed");
    }
    assert!(!got.contains(&track.jump) && !got.contains(&track.future));

    // The status counts what was not signed.
    let g = gps(port);
    assert_eq!(g["signed"], want.len(), "{g}");
    assert_eq!(g["acts"], acts.len(), "{g}");
    assert!(g["refused"]["future"].as_u64().unwrap() >= 1, "{g}");
    assert!(g["refused"]["jump"].as_u64().unwrap() >= 1, "{g}");
    assert!(g["refused"]["no_fix"].as_u64().unwrap() >= 6, "{g}");
    assert_eq!(
        g["refused"]["garbage"], 0,
        "gpsd itself sends no garbage: {g}"
    );
    assert_eq!(g["refused"]["nobody_in_custody"], 0, "{g}");
    assert_eq!(
        g["last_jump"]["to"]["latitude"],
        track.jump.latitude.as_str()
    );
    assert_eq!(
        g["last_jump"]["to"]["longitude"],
        track.jump.longitude.as_str()
    );
    assert!(g["last_jump"]["speed_kmh"].as_u64().unwrap() > 300, "{g}");
    assert_eq!(g["last_fix"]["at"], want.last().unwrap().at.as_str());
    assert_eq!(
        g["last_batch"]["consignments"][0],
        story.consignment.as_str()
    );
    // The CLI shows the same, through the running node.
    let (ok, out, err) = edge(&dir, &["status"]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("GPS (gpsd {gpsd})"))
            && out.contains(&format!("{} fixes signed", want.len()))
            && out.contains("last jump"),
        "{out}"
    );

    // gpsd goes away: `lost`, and the node keeps serving.
    fake.kill();
    wait_for_within(
        "the status says gpsd is lost",
        Duration::from_secs(30),
        || gps(port)["state"] == "lost",
    );
    let g = gps(port);
    assert!(g["error"].as_str().unwrap().contains(&gpsd), "{g}");
    assert!(g["retry_seconds"].as_u64().unwrap() >= 1, "{g}");
    let (code, _) = http::get(port, "/api/consignments?limit=5").unwrap();
    assert_eq!(code, 200);

    // A stand-in gpsd sends garbage and one good fix, then closes.
    let good_at = Utc::now() - chrono::Duration::seconds(1);
    let good = Pos {
        at: good_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        latitude: "42.8747000".into(),
        longitude: "74.6031000".into(),
    };
    let stamp = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let garbage: Vec<Vec<u8>> = vec![
        b"this is not gpsd\r\n".to_vec(),
        [vec![b'x'; 100 * 1024], b"\r\n".to_vec()].concat(),
        b"\xff\xfe\xfd{\"class\":\"TPV\"}\r\n".to_vec(),
        format!(
            r#"{{"class":"TPV","mode":"3","time":"{}","lat":42.8747,"lon":74.6031}}"#,
            stamp(good_at)
        )
        .into_bytes()
        .into_iter()
        .chain(*b"\r\n")
        .collect(),
        format!(
            r#"{{"class":"TPV","mode":3,"time":"{}","lat":95.0,"lon":74.6031}}"#,
            stamp(good_at)
        )
        .into_bytes()
        .into_iter()
        .chain(*b"\r\n")
        .collect(),
        b"[1,2,3]\r\n".to_vec(),
    ];
    let count = garbage.len() as u64;
    let mut lines = vec![
        br#"{"class":"VERSION","release":"stand-in","proto_major":3,"proto_minor":14}"#
            .iter()
            .chain(b"\r\n")
            .copied()
            .collect::<Vec<u8>>(),
    ];
    lines.extend(garbage);
    lines.push(
        format!(
            "{{\"class\":\"TPV\",\"mode\":3,\"time\":\"{}\",\"lat\":42.874700000,\"lon\":74.603100000}}\r\n",
            stamp(good_at)
        )
        .into_bytes(),
    );
    stand_in_gpsd(gps_port, lines);
    wait_for_within(
        "the stand-in's good fix signed",
        Duration::from_secs(30),
        || positions(&signed_acts(port, &story, &device)).len() == want.len() + 1,
    );
    let got = positions(&signed_acts(port, &story, &device));
    assert_eq!(got.last(), Some(&good));
    let g = gps(port);
    assert_eq!(g["refused"]["garbage"], count, "{g}");
    assert_eq!(g["signed"], want.len() + 1, "{g}");

    // A new gpsd at the address: the node comes back to it and signs what it reports.
    let first = good_at.naive_utc() + chrono::Duration::seconds(1);
    let (parked_track, parked_fixes) = parked(first, 20);
    let replay = root.path().join("parked.nmea");
    std::fs::write(&replay, parked_track).unwrap();
    let fake = Gpsfake::start(gps_port, &replay, &root.path().join("gpsfake-2.log"));
    let last = parked_fixes.last().unwrap().clone();
    wait_for_within(
        "the node reconnected and took the new gpsd's last fix",
        Duration::from_secs(90),
        || gps(port)["last_fix"]["at"] == last.at.as_str(),
    );
    assert_ne!(gps(port)["state"], "lost");
    // Stopped now, it records the fixes it batched before it exits.
    node.stop_cleanly();
    drop(fake);
    let (ok, out, err) = edge(&dir, &["show", story.consignment.as_str(), "--json"]);
    assert!(ok, "{err}");
    let view: Value = serde_json::from_str(&out).unwrap();
    let after = positions(&signed_in(&view["act_details"], &device));
    let new = &after[want.len() + 1..];
    assert!(!new.is_empty());
    assert_eq!(new.last(), Some(&last), "the last fix recorded on SIGTERM");
    let start = parked_fixes.iter().position(|p| *p == new[0]).unwrap();
    assert_eq!(
        new,
        &parked_fixes[start..],
        "the new gpsd's fixes, in order, from the first the node heard"
    );
}
