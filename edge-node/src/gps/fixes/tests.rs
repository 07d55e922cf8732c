//! The rules of [`super`], one test each, and arbitrary bytes and tracks that never make it panic
//! or sign what it should not.

use super::*;
use tamga_core::fixtures::at;

const NOW: &str = "2026-12-04T12:00:00Z";

fn now() -> Timestamp {
    at(NOW)
}

/// A `TPV` line as gpsd writes it.
fn tpv(mode: u8, time: &str, lat: f64, lon: f64) -> String {
    format!(
        r#"{{"class":"TPV","device":"/dev/ttyACM0","mode":{mode},"time":"{time}","ept":0.005,"lat":{lat:.9},"lon":{lon:.9},"altHAE":720.0,"speed":15.4}}"#
    )
}

/// A fix `seconds` after (or before) [`NOW`].
fn fix_at(seconds: i64, lat: f64, lon: f64) -> Fix {
    Fix::new(now().plus_seconds(seconds), lat, lon).unwrap()
}

fn read(line: &str) -> Line {
    read_line(line.as_bytes())
}

fn taken(step: &Step) -> Vec<Timestamp> {
    step.taken.iter().map(|f| f.at).collect()
}

#[test]
fn a_3d_or_2d_tpv_with_time_and_position_is_a_fix_to_7_places() {
    let Line::Fix(fix) = read(&tpv(3, "2026-12-04T11:59:30.283Z", 43.0613, 74.4776)) else {
        panic!("not a fix");
    };
    assert_eq!(
        fix.at,
        at("2026-12-04T11:59:30Z"),
        "the fraction is dropped"
    );
    assert_eq!(fix.coordinates.latitude.to_string(), "43.0613000");
    assert_eq!(fix.coordinates.longitude.to_string(), "74.4776000");
    assert_eq!(fix.position().at, fix.at);
    assert!(matches!(
        read(&tpv(2, "2026-12-04T11:59:30Z", 42.8746, 74.603)),
        Line::Fix(_)
    ));
    // gpsd's nine places, rounded to the nearest seventh; south and west negative; no "-0".
    let line = r#"{"class":"TPV","mode":3,"time":"2026-12-04T11:59:30.000Z","lat":-33.868812349,"lon":-0.000000049}"#;
    let Line::Fix(fix) = read(line) else {
        panic!("not a fix");
    };
    assert_eq!(fix.coordinates.latitude.to_string(), "-33.8688123");
    assert_eq!(fix.coordinates.longitude.to_string(), "0.0000000");
    // An offset in gpsd's time is read as the instant it names; a line end is no matter.
    let Line::Fix(fix) = read(&format!(
        "{}\r\n",
        tpv(3, "2026-12-04T17:59:30+06:00", 43.0, 74.0)
    )) else {
        panic!("not a fix");
    };
    assert_eq!(fix.at, at("2026-12-04T11:59:30Z"));
    // The coordinates travel in an act as one spelling.
    let json = serde_json::to_string(&fix.position()).unwrap();
    assert_eq!(
        json,
        r#"{"at":"2026-12-04T11:59:30Z","coordinates":{"latitude":"43.0000000","longitude":"74.0000000"}}"#
    );
}

#[test]
fn mode_0_or_1_or_a_tpv_without_time_or_position_is_no_fix() {
    for line in [
        tpv(0, "2026-12-04T11:59:30Z", 43.0, 74.0),
        tpv(1, "2026-12-04T11:59:30Z", 43.0, 74.0),
        r#"{"class":"TPV","device":"/dev/pts/1","mode":1,"time":"2026-12-04T21:02:20.000Z","ept":0.005}"#.into(),
        r#"{"class":"TPV","mode":3,"lat":43.0573,"lon":74.4816,"altHAE":720.0}"#.into(),
        r#"{"class":"TPV","mode":3,"time":"2026-12-04T11:59:30Z","lat":43.0}"#.into(),
        r#"{"class":"TPV","mode":2,"time":"2026-12-04T11:59:30Z","lon":74.0}"#.into(),
        r#"{"class":"TPV","mode":null,"time":"2026-12-04T11:59:30Z","lat":43.0,"lon":74.0}"#.into(),
        r#"{"class":"TPV"}"#.into(),
    ] {
        assert_eq!(read(&line), Line::NoFix, "{line}");
        let step = Filter::new(300).line(line.as_bytes(), now());
        assert_eq!(step.refused, [Reason::NoFix]);
        assert_eq!(step.receiver_fix, Some(false));
        assert!(step.taken.is_empty());
    }
}

#[test]
fn other_classes_are_ignored_not_counted() {
    for line in [
        r#"{"class":"VERSION","release":"3.22","rev":"3.22","proto_major":3,"proto_minor":14}"#,
        r#"{"class":"DEVICES","devices":[{"class":"DEVICE","path":"/dev/pts/1","activated":"2026-12-04T22:29:52.264Z","native":0,"bps":4800}]}"#,
        r#"{"class":"WATCH","enable":true,"json":true,"nmea":false,"raw":0,"scaled":false}"#,
        r#"{"class":"SKY","device":"/dev/pts/1","xdop":0.9,"time":17,"satellites":[{"PRN":5,"el":31.0,"az":92.0,"ss":44.0,"used":true}]}"#,
        r#"{"class":"DEVICE","path":"/dev/pts/1","activated":0}"#,
        r#"{"class":"PPS","device":"/dev/pts/1","real_sec":1733356800,"real_nsec":0}"#,
        "",
        "\r",
    ] {
        assert_eq!(read(line), Line::Other, "{line}");
        assert_eq!(
            Filter::new(300).line(line.as_bytes(), now()),
            Step::default()
        );
    }
}

#[test]
fn garbage_is_refused_and_counted_never_a_panic() {
    let huge = format!(
        r#"{{"class":"TPV","mode":3,"time":"2026-12-04T11:59:30Z","lat":43.0,"lon":74.0,"pad":"{}"}}"#,
        "x".repeat(MAX_LINE_BYTES)
    );
    let nested = "[".repeat(100_000);
    let cases: Vec<Vec<u8>> = vec![
        b"$GPRMC,210000.00,A,4303.6780,N,07428.6560,E,30.0,150.0,041226,,,A*68".to_vec(),
        b"not json at all".to_vec(),
        b"{\"class\":\"TPV\",\"mode\":3,".to_vec(),
        b"[1,2,3]".to_vec(),
        b"42".to_vec(),
        b"\"TPV\"".to_vec(),
        b"null".to_vec(),
        br#"{"mode":3,"time":"2026-12-04T11:59:30Z","lat":43.0,"lon":74.0}"#.to_vec(),
        br#"{"class":7,"mode":3}"#.to_vec(),
        br#"{"class":"TPV","mode":"3","time":"2026-12-04T11:59:30Z","lat":43.0,"lon":74.0}"#
            .to_vec(),
        br#"{"class":"TPV","mode":3.5,"time":"2026-12-04T11:59:30Z","lat":43.0,"lon":74.0}"#
            .to_vec(),
        br#"{"class":"TPV","mode":9,"time":"2026-12-04T11:59:30Z","lat":43.0,"lon":74.0}"#.to_vec(),
        br#"{"class":"TPV","mode":-1,"time":"2026-12-04T11:59:30Z","lat":43.0,"lon":74.0}"#
            .to_vec(),
        br#"{"class":"TPV","mode":3,"time":1733313570,"lat":43.0,"lon":74.0}"#.to_vec(),
        br#"{"class":"TPV","mode":3,"time":"yesterday","lat":43.0,"lon":74.0}"#.to_vec(),
        br#"{"class":"TPV","mode":3,"time":"1970-01-01T00:00:00Z","lat":43.0,"lon":74.0}"#.to_vec(),
        br#"{"class":"TPV","mode":3,"time":"2026-12-04T11:59:30Z","lat":"43.0","lon":74.0}"#
            .to_vec(),
        br#"{"class":"TPV","mode":3,"time":"2026-12-04T11:59:30Z","lat":91.0,"lon":74.0}"#.to_vec(),
        br#"{"class":"TPV","mode":3,"time":"2026-12-04T11:59:30Z","lat":43.0,"lon":-180.5}"#
            .to_vec(),
        br#"{"class":"TPV","mode":3,"time":"2026-12-04T11:59:30Z","lat":1e400,"lon":74.0}"#
            .to_vec(),
        br#"{"class":"TPV","mode":3,"time":"2026-12-04T11:59:30Z","lat":43.0,"lon":74.0} trailing"#
            .to_vec(),
        b"\xff\xfe{\"class\":\"TPV\"}".to_vec(),
        b"{\"class\":\"TPV\",\"device\":\"\xc3\x28\"}".to_vec(),
        b"\0\0\0\0".to_vec(),
        huge.into_bytes(),
        nested.into_bytes(),
    ];
    for bytes in cases {
        let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned();
        assert_eq!(read_line(&bytes), Line::Garbage, "{shown}");
        let mut filter = Filter::new(300);
        let step = filter.line(&bytes, now());
        assert_eq!(step.refused, [Reason::Garbage], "{shown}");
        assert!(step.taken.is_empty() && filter.last_taken().is_none());
    }
}

#[test]
fn a_fix_more_than_300_seconds_ahead_of_the_clock_is_refused() {
    let mut filter = Filter::new(300);
    let step = filter.fix(fix_at(MAX_AHEAD_SECONDS + 1, 43.0, 74.0), now());
    assert_eq!(step.refused, [Reason::Future]);
    let step = filter.fix(fix_at(5 * 3600, 43.0, 74.0), now());
    assert_eq!(step.refused, [Reason::Future]);
    assert!(filter.last_taken().is_none(), "a refused fix is no anchor");
    // At the bound it is taken; and the refused one did not stop what follows.
    let step = filter.fix(fix_at(MAX_AHEAD_SECONDS, 43.0, 74.0), now());
    assert_eq!(taken(&step), [now().plus_seconds(MAX_AHEAD_SECONDS)]);
    let line = tpv(3, "2026-12-04T17:00:00Z", 43.0, 74.0);
    let step = Filter::new(300).line(line.as_bytes(), now());
    assert_eq!(step.refused, [Reason::Future]);
    assert_eq!(step.receiver_fix, Some(true));
}

#[test]
fn a_fix_more_than_an_hour_behind_the_clock_is_refused() {
    let mut filter = Filter::new(300);
    let step = filter.fix(fix_at(-MAX_BEHIND_SECONDS - 1, 43.0, 74.0), now());
    assert_eq!(step.refused, [Reason::Past]);
    // A receiver past a GPS week rollover: 1024 weeks back.
    let step = filter.fix(fix_at(-1024 * 7 * 86_400, 43.0, 74.0), now());
    assert_eq!(step.refused, [Reason::Past]);
    assert!(filter.last_taken().is_none(), "a refused fix is no anchor");
    let step = filter.fix(fix_at(-MAX_BEHIND_SECONDS, 43.0, 74.0), now());
    assert_eq!(taken(&step), [now().plus_seconds(-MAX_BEHIND_SECONDS)]);
}

#[test]
fn a_fix_not_later_than_the_last_taken_is_dropped() {
    let mut filter = Filter::new(300);
    assert_eq!(taken(&filter.fix(fix_at(-60, 43.0, 74.0), now())).len(), 1);
    // The same second again (gpsd's 2D then 3D report of one fix, or a fraction later).
    let step = filter.fix(fix_at(-60, 43.0001, 74.0), now());
    assert_eq!(step.refused, [Reason::Duplicate]);
    let step = filter.fix(fix_at(-61, 43.0, 74.0), now());
    assert_eq!(step.refused, [Reason::Duplicate]);
    let line = tpv(3, "2026-12-04T11:59:00.900Z", 43.0, 74.0);
    assert_eq!(
        filter.line(line.as_bytes(), now()).refused,
        [Reason::Duplicate]
    );
    assert_eq!(filter.last_taken().unwrap().at, now().plus_seconds(-60));
    assert_eq!(taken(&filter.fix(fix_at(-59, 43.0, 74.0), now())).len(), 1);
}

/// The road from Manas airport towards Bishkek, a fix every 10 s at about 60 km/h.
fn road(from_second: i64, count: usize) -> Vec<Fix> {
    (0..count)
        .map(|i| {
            let i = i as i64;
            fix_at(
                from_second + 10 * i,
                43.0613 - 0.0012 * i as f64,
                74.4776 + 0.0008 * i as f64,
            )
        })
        .collect()
}

#[test]
fn a_jump_is_held_back_and_dropped_when_the_next_fix_agrees_with_the_last_taken() {
    let mut filter = Filter::new(300);
    let fixes = road(-600, 6);
    for fix in &fixes[..3] {
        assert_eq!(filter.fix(fix.clone(), now()).taken.len(), 1);
    }
    // 400 km away 10 s later: held, not signed, nothing said yet.
    let jump = fix_at(-570, 40.5, 72.8);
    let step = filter.fix(jump.clone(), now());
    assert!(step.taken.is_empty() && step.refused.is_empty(), "{step:?}");
    assert_eq!(filter.held(), 1);
    assert_eq!(filter.last_taken(), Some(&fixes[2]));
    // The next fix is on the road: taken, and the held fix is a jump from the last one taken.
    let step = filter.fix(fixes[4].clone(), now());
    assert_eq!(taken(&step), [fixes[4].at]);
    assert_eq!(step.refused, [Reason::Jump]);
    let j = &step.jumps[0];
    assert_eq!((&j.from, &j.to), (&fixes[2], &jump));
    assert!(j.speed_kmh > 100_000.0, "{}", j.speed_kmh);
    assert_eq!(filter.held(), 0);
    // Within the limit is no jump: 300 km/h for 10 s is 0.83 km.
    let mut filter = Filter::new(300);
    filter.fix(fix_at(0, 43.0, 74.0), now());
    let near = fix_at(10, 43.0 + 0.8 / 111.2, 74.0);
    assert_eq!(filter.fix(near, now()).taken.len(), 1);
    let far = fix_at(20, 43.0 + 1.8 / 111.2, 74.0);
    assert!(filter.fix(far, now()).taken.is_empty());
}

#[test]
fn three_fixes_agreeing_after_a_jump_re_anchor_the_filter() {
    // The vehicle was not where the first fixes said (a receiver's cold start): the fixes after
    // the "jump" agree with it and with each other, so they and the jump are taken.
    let mut filter = Filter::new(300);
    filter.fix(fix_at(-300, 40.5, 72.8), now());
    let real = road(-290, 4);
    for fix in &real[..3] {
        let step = filter.fix(fix.clone(), now());
        assert!(step.taken.is_empty(), "held until three agree: {step:?}");
    }
    let step = filter.fix(real[3].clone(), now());
    assert_eq!(
        taken(&step),
        real.iter().map(|f| f.at).collect::<Vec<_>>(),
        "the jump and the three after it"
    );
    assert!(step.refused.is_empty());
    assert_eq!(filter.last_taken(), Some(&real[3]));

    // A jump that agrees with neither: the three after it are taken, the jump itself is not.
    let mut filter = Filter::new(300);
    let before = road(-600, 2);
    for fix in &before {
        filter.fix(fix.clone(), now());
    }
    let jump = fix_at(-570, 40.5, 72.8);
    filter.fix(jump.clone(), now());
    let elsewhere: Vec<Fix> = (0..3)
        .map(|i| fix_at(-560 + 10 * i, 42.0 + 0.001 * i as f64, 75.0))
        .collect();
    assert!(filter.fix(elsewhere[0].clone(), now()).taken.is_empty());
    assert!(filter.fix(elsewhere[1].clone(), now()).taken.is_empty());
    let step = filter.fix(elsewhere[2].clone(), now());
    assert_eq!(
        taken(&step),
        elsewhere.iter().map(|f| f.at).collect::<Vec<_>>()
    );
    assert_eq!(step.refused, [Reason::Jump]);
    assert_eq!(step.jumps[0].to, jump);
    assert_eq!(step.jumps[0].from, before[1]);
    // Then the road from there on is taken as it comes.
    let next = fix_at(-520, 42.0025, 75.0);
    assert_eq!(taken(&filter.fix(next, now())).len(), 1);
}

#[test]
fn fixes_that_never_agree_are_held_within_a_bound_and_dropped_as_jumps() {
    let mut filter = Filter::new(300);
    filter.fix(fix_at(-1000, 43.0, 74.0), now());
    let mut jumps = 0;
    for i in 0..50 {
        // Each 500 km from the last, alternately north and south.
        let lat = if i % 2 == 0 { 38.0 } else { 48.0 };
        let step = filter.fix(fix_at(-990 + i, lat, 74.0), now());
        assert!(step.taken.is_empty());
        jumps += step.refused.len();
        assert!(filter.held() <= MAX_HELD);
    }
    assert_eq!(jumps + filter.held(), 50);
}

/// Random bytes, and valid lines cut or changed at random bytes: read and filtered, no panic.
#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = fastrand::Rng::with_seed(0x6770_7364);
    let mut filter = Filter::new(300);
    let valid = tpv(3, "2026-12-04T11:59:30.000Z", 43.0613, 74.4776).into_bytes();
    for round in 0..20_000 {
        let bytes: Vec<u8> = match round % 3 {
            0 => (0..rng.usize(0..200)).map(|_| rng.u8(..)).collect(),
            1 => {
                let mut b = valid.clone();
                for _ in 0..rng.usize(1..6) {
                    let i = rng.usize(..b.len());
                    b[i] = rng.u8(..);
                }
                b
            }
            _ => {
                let cut = rng.usize(..valid.len());
                let mut b = valid[..cut].to_vec();
                b.extend(
                    br#"{"class":"TPV","mode":3,"lat":-1e308,"time":"9999-12-31T23:59:60Z"}"#
                        [..rng.usize(0..60)]
                        .iter(),
                );
                b
            }
        };
        let step = filter.line(&bytes, now());
        assert!(step.refused.len() <= MAX_HELD + 1);
        for fix in &step.taken {
            assert!(fix.at <= now().plus_seconds(MAX_AHEAD_SECONDS));
        }
    }
}

/// Random tracks with random jumps, repeats and future fixes: what is taken is always in time
/// order, never ahead of the clock, and within the speed limit of what was taken before it
/// unless the filter re-anchored on three agreeing fixes.
#[test]
fn whatever_comes_what_is_taken_is_ordered_and_plausible() {
    let mut rng = fastrand::Rng::with_seed(2947);
    for _ in 0..200 {
        let mut filter = Filter::new(120);
        let (mut lat, mut lon, mut t) = (43.0, 74.5, -3000i64);
        let mut all_taken: Vec<Fix> = Vec::new();
        let mut re_anchors = 0;
        for _ in 0..200 {
            t += rng.i64(-2..15);
            lat += (rng.f64() - 0.5) * 0.005;
            lon += (rng.f64() - 0.5) * 0.005;
            let (la, lo, at) = match rng.u8(0..20) {
                0 => (lat + 3.0, lon, t),
                1 => (lat, lon, t + 3600 * 6),
                _ => (lat, lon, t),
            };
            let step = filter.fix(fix_at(at, la, lo.clamp(-180.0, 180.0)), now());
            if step.taken.len() > 1 {
                re_anchors += 1;
            }
            for fix in step.taken {
                assert!(fix.at <= now().plus_seconds(MAX_AHEAD_SECONDS));
                if let Some(last) = all_taken.last() {
                    assert!(fix.at > last.at, "in time order");
                }
                all_taken.push(fix);
            }
        }
        let fast = all_taken
            .windows(2)
            .filter(|w| w[0].speed_kmh_to(&w[1]) > 120.0)
            .count();
        assert!(
            fast <= re_anchors,
            "{fast} moves too fast, {re_anchors} re-anchors"
        );
    }
}
