//! `tamga-central kp-participants`, `calendar` and `register-post`: the lists the authority keeps
//! in the registry, signed with central's registrar key, here or through the running server;
//! each travels to the nodes in the enrollment file.

use std::path::Path;
use tamga_central::admin::Admin;
use tamga_central::authority::{CalendarRequest, KpParticipantsRequest, PostRequest};
use tamga_core::Timestamp;
use tamga_node::local_time::LocalTime;

const HAND_OUT: &str = "Hand out a new enrollment file: tamga-central enrollment --out FILE\n";

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("serializes") + "\n"
}

/// A JSON file of `what`, or an error that says what to write.
fn read<T: serde::de::DeserializeOwned>(file: &Path, what: &str, shape: &str) -> Result<T, String> {
    let bytes = tamga_node::files::read_limited(file, 4 * 1024 * 1024)
        .map_err(|e| format!("{}: cannot read the {what} ({e})", file.display()))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: not a {what} ({e}); write {shape}", file.display()))
}

/// `kp-participants --file`.
pub fn kp_participants(
    dir: &Path,
    file: &Path,
    zone: &LocalTime,
    json: bool,
) -> Result<String, String> {
    let request: KpParticipantsRequest = read(
        file,
        "KP participants list",
        r#"{"source": "...", "participants": [{"name": "...", "countries": ["BE", ...]}]}"#,
    )?;
    let out = Admin::open(dir)?.list_kp_participants(request, Timestamp::now())?;
    Ok(if json {
        pretty(&out)
    } else {
        format!(
            "listed {} Kimberley Process participants ({} countries) from {}: act {}\n{HAND_OUT}",
            out.participants,
            out.countries,
            zone.for_people(out.at),
            out.act
        )
    })
}

/// `calendar --file`.
pub fn calendar(dir: &Path, file: &Path, json: bool) -> Result<String, String> {
    let request: CalendarRequest = read(
        file,
        "calendar",
        r#"{"year": 2027, "days_off": ["2027-01-01", ...], "source": "..."}"#,
    )?;
    let year = request.year;
    let out = Admin::open(dir)?.publish_calendar(request, Timestamp::now())?;
    Ok(if json {
        pretty(&out)
    } else {
        format!(
            "published the working calendar of {year}: act {}\n{HAND_OUT}",
            out.act
        )
    })
}

/// `register-post`.
pub fn register_post(
    dir: &Path,
    request: PostRequest,
    zone: &LocalTime,
    json: bool,
) -> Result<String, String> {
    let post = request.post.clone();
    let out = Admin::open(dir)?.register_post(request, Timestamp::now())?;
    Ok(if json {
        pretty(&out)
    } else {
        format!(
            "registered post {post} from {}: act {}\n{HAND_OUT}",
            zone.for_people(out.at),
            out.act
        )
    })
}
