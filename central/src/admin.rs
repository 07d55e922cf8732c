//! Enrollment and revocation as one set of answers, whether the CLI opens the store itself or
//! the running server holds it: the CLI then sends the same request to the server's local
//! administration API (`POST /api/admin/enroll`, `POST /api/admin/revoke`, loopback only, with
//! the token the server wrote in `serve.json`) and prints the same answer.

use crate::authority::{
    parse_key, CalendarRequest, Enrolling, KpParticipantsRequest, PostRequest, Revoking,
};
use crate::central::{Central, CentralError};
use crate::{EnrollmentRequest, RevocationRequest};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;
use tamga_core::{ActBody, Role, SignedAct, Timestamp};
use tamga_store::StoreError;

/// The header carrying the administration token.
pub const TOKEN_HEADER: &str = "x-tamga-admin-token";

/// The file a running server writes for the CLI.
pub const SERVE_FILE: &str = "serve.json";

/// What the running server tells the CLI.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServeInfo {
    /// The local API's base URL on loopback.
    pub url: String,
    /// The token for `/api/admin/*`.
    pub token: String,
    /// The server's process id.
    pub pid: u32,
    /// The staff port's base URL (HTTPS), if it is served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_url: Option<String>,
    /// The staff port's certificate's SHA-256 fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_fingerprint: Option<String>,
}

/// An enrollment request on the wire.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollBody {
    /// The public key, 64 hex digits.
    pub key: String,
    /// The role.
    #[schema(value_type = String)]
    pub role: Role,
    /// The unit code.
    pub unit: String,
    /// The holder's name.
    pub name: String,
    /// The officer's personal number.
    #[serde(default)]
    pub personal_number: Option<String>,
    /// Valid from; absent: the moment the enrollment is signed (the server's now, so a request
    /// that took a while to arrive does not reach back in time).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub valid_from: Option<Timestamp>,
    /// Valid until (exclusive); absent: `valid_days` after `valid_from`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub valid_until: Option<Timestamp>,
    /// Days of validity when `valid_until` is absent (365 if absent too).
    #[serde(default)]
    pub valid_days: Option<u32>,
    /// The paper record the enrollment carries over, if it is a migration.
    #[serde(default)]
    pub migrated_from: Option<String>,
}

impl EnrollBody {
    /// The request, its absent times taken from `now` (the signer's time).
    pub fn request(self, now: Timestamp) -> EnrollmentRequest {
        let valid_from = self.valid_from.unwrap_or(now);
        let valid_until = self.valid_until.unwrap_or_else(|| {
            valid_from.plus_seconds(i64::from(self.valid_days.unwrap_or(365)) * 86_400)
        });
        EnrollmentRequest {
            key: self.key,
            role: self.role,
            unit: self.unit,
            holder: self.name,
            personal_number: self.personal_number,
            valid_from,
            valid_until,
            migrated_from: self.migrated_from,
        }
    }
}

/// A revocation request on the wire.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    /// The public key.
    pub key: String,
    /// Why.
    pub reason: String,
    /// From when.
    #[schema(value_type = String)]
    pub effective_from: Timestamp,
}

impl From<RevokeBody> for RevocationRequest {
    fn from(b: RevokeBody) -> Self {
        RevocationRequest {
            key: b.key,
            reason: b.reason,
            effective_from: b.effective_from,
        }
    }
}

/// The answer to an enrollment.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrollOut {
    /// `enrolled` or `already_enrolled`.
    pub outcome: String,
    /// The enrolling act.
    pub act: String,
    /// The key.
    pub key: String,
    /// The holder.
    pub holder: String,
    /// The personal number.
    pub personal_number: Option<String>,
    /// The role.
    #[schema(value_type = String)]
    pub role: Role,
    /// The unit.
    pub unit: String,
    /// Valid from.
    #[schema(value_type = String)]
    pub valid_from: Timestamp,
    /// Valid until.
    #[schema(value_type = String)]
    pub valid_until: Timestamp,
}

/// The answer to a revocation.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RevokeOut {
    /// `revoked` or `already_revoked`.
    pub outcome: String,
    /// The revoking act.
    pub act: String,
    /// The key.
    pub key: String,
    /// From when.
    #[schema(value_type = String)]
    pub effective_from: Timestamp,
    /// Why.
    pub reason: String,
}

/// Enrolls on `central` and answers.
pub fn enroll(
    central: &Central,
    request: &EnrollmentRequest,
    now: Timestamp,
) -> Result<EnrollOut, CentralError> {
    Ok(match central.enroll(request, now)? {
        Enrolling::New(act) => {
            let ActBody::KeyEnrolled(body) = act.body() else {
                unreachable!("an enrollment signs a key_enrolled act")
            };
            EnrollOut {
                outcome: "enrolled".into(),
                act: act.id().to_hex(),
                key: body.key.to_string(),
                holder: body.holder.name.to_string(),
                personal_number: body.holder.personal_number.as_ref().map(|p| p.to_string()),
                role: body.role,
                unit: body.unit.to_string(),
                valid_from: body.valid_from,
                valid_until: body.valid_until,
            }
        }
        Enrolling::AlreadyEnrolled(e) => EnrollOut {
            outcome: "already_enrolled".into(),
            act: e.act.to_hex(),
            key: parse_key(&request.key)
                .map(|k| k.to_string())
                .unwrap_or_default(),
            holder: e.holder.clone(),
            personal_number: e.personal_number.clone(),
            role: e.role,
            unit: e.unit.to_string(),
            valid_from: e.valid_from,
            valid_until: e.valid_until,
        },
    })
}

/// Revokes on `central` and answers.
pub fn revoke(
    central: &Central,
    request: &RevocationRequest,
    now: Timestamp,
) -> Result<RevokeOut, CentralError> {
    let key = parse_key(&request.key)
        .map(|k| k.to_string())
        .unwrap_or_default();
    Ok(match central.revoke(request, now)? {
        Revoking::New(act) => {
            let ActBody::KeyRevoked(body) = act.body() else {
                unreachable!("a revocation signs a key_revoked act")
            };
            RevokeOut {
                outcome: "revoked".into(),
                act: act.id().to_hex(),
                key,
                effective_from: body.effective_from,
                reason: body.reason.to_string(),
            }
        }
        Revoking::AlreadyRevoked(r) => RevokeOut {
            outcome: "already_revoked".into(),
            act: r.act.to_hex(),
            key,
            effective_from: r.effective_from,
            reason: r.reason.clone(),
        },
    })
}

/// The answer to a KP participants list.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KpParticipantsOut {
    /// The `kp_participants_listed` act.
    pub act: String,
    /// In force from.
    #[schema(value_type = String)]
    pub at: Timestamp,
    /// How many participants.
    pub participants: usize,
    /// How many countries they cover.
    pub countries: usize,
}

/// Lists the KP participants in `request` from `now`.
pub fn list_kp_participants(
    central: &Central,
    request: &KpParticipantsRequest,
    now: Timestamp,
) -> Result<KpParticipantsOut, CentralError> {
    let act = central.list_kp_participants(request, now)?;
    Ok(KpParticipantsOut {
        act: act.id().to_hex(),
        at: act.body().at(),
        participants: request.participants.len(),
        countries: request.participants.iter().map(|p| p.countries.len()).sum(),
    })
}

/// The answer to a calendar's publication or a post's registration.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListedOut {
    /// The act.
    pub act: String,
    /// Its kind.
    pub kind: String,
    /// In force from (published at).
    #[schema(value_type = String)]
    pub at: Timestamp,
}

impl From<SignedAct> for ListedOut {
    fn from(act: SignedAct) -> Self {
        ListedOut {
            act: act.id().to_hex(),
            kind: act.body().kind().to_owned(),
            at: act.body().at(),
        }
    }
}

/// Publishes the calendar in `request` at `now`.
pub fn publish_calendar(
    central: &Central,
    request: &CalendarRequest,
    now: Timestamp,
) -> Result<ListedOut, CentralError> {
    Ok(central.publish_calendar(request, now)?.into())
}

/// Registers the post in `request` from `now`.
pub fn register_post(
    central: &Central,
    request: &PostRequest,
    now: Timestamp,
) -> Result<ListedOut, CentralError> {
    Ok(central.register_post(request, now)?.into())
}

/// The enrollment file's content, as the server hands it to the CLI.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrollmentText {
    /// Every registry act, one per line.
    pub text: String,
    /// How many.
    pub acts: usize,
}

/// The enrollment file of `central`.
pub fn enrollment_text(central: &Central) -> Result<EnrollmentText, CentralError> {
    let acts = central.enrollment_acts()?;
    let bytes = crate::authority::enrollment_file(&acts);
    Ok(EnrollmentText {
        text: String::from_utf8(bytes).expect("canonical acts are UTF-8"),
        acts: acts.len(),
    })
}

/// A registry act file on the wire: its text, one act per line.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportBody {
    /// The file's text.
    pub text: String,
}

/// A navigation seal operator's feed on the administration API: its text.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedBody {
    /// The feed's text: one signed `seal_events_reported` act per line.
    pub text: String,
}

/// What recording a feed did.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeedOut {
    /// Acts in the feed.
    pub acts: usize,
    /// Events in them.
    pub events: usize,
    /// Acts central did not hold before.
    pub new: usize,
    /// The consignments they concern.
    pub consignments: Vec<String>,
}

impl From<tamga_sync::seal_feed::FeedReport> for FeedOut {
    fn from(r: tamga_sync::seal_feed::FeedReport) -> Self {
        FeedOut {
            acts: r.acts,
            events: r.events,
            new: r.new,
            consignments: r.consignments,
        }
    }
}

/// The answer to an import.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportOut {
    /// Acts in the file.
    pub acts: usize,
    /// Acts central did not hold before.
    pub new: usize,
}

/// The largest registry act file taken (a registrar rotation is two or three lines).
pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024;

/// Imports the registry act file `text` into `central`.
pub fn import(central: &Central, text: &str, now: Timestamp) -> Result<ImportOut, CentralError> {
    let bad = |detail: String| CentralError::File {
        path: "the act file".into(),
        detail,
    };
    if text.len() > MAX_IMPORT_BYTES {
        return Err(bad(format!(
            "larger than {MAX_IMPORT_BYTES} bytes: not a registry act file"
        )));
    }
    let mut acts = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let act = tamga_core::SignedAct::decode(line.trim().as_bytes())
            .map_err(|e| bad(format!("line {}: {e}; nothing was recorded", n + 1)))?;
        acts.push(act);
    }
    if acts.is_empty() {
        return Err(bad(
            "holds no act: give the file `tamga-central root ...` wrote".into(),
        ));
    }
    let new = central.import_registry_acts(&acts, now)?;
    Ok(ImportOut {
        acts: acts.len(),
        new,
    })
}

/// Where the CLI's enrollments and revocations go.
pub enum Admin {
    /// Central, opened here.
    Local(Box<Central>),
    /// The running server's administration API.
    Remote(ServeInfo),
}

impl Admin {
    /// Opens central in `dir`, or reaches the running server if it holds the store.
    pub fn open(dir: &Path) -> Result<Admin, String> {
        match Central::open(dir) {
            Ok(c) => Ok(Admin::Local(Box::new(c))),
            Err(CentralError::Store(StoreError::Locked { .. })) => {
                let path = dir.join(SERVE_FILE);
                let bytes = std::fs::read(&path).map_err(|e| {
                    format!("central's store is in use by another process, and {} cannot be read ({e}): is `tamga-central serve` running from this directory? Stop it or wait for it to start", path.display())
                })?;
                let info: ServeInfo = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                Ok(Admin::Remote(info))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    fn call<B: Serialize, T: for<'de> Deserialize<'de>>(
        info: &ServeInfo,
        path: &str,
        body: &B,
    ) -> Result<T, String> {
        Admin::post(info, path, serde_json::to_vec(body).expect("JSON encodes"))
    }

    /// Sends `body` (JSON) to the running server's `path` and reads its JSON answer; an error
    /// answer is its `error`.
    pub fn post<T: for<'de> Deserialize<'de>>(
        info: &ServeInfo,
        path: &str,
        body: Vec<u8>,
    ) -> Result<T, String> {
        let url = format!("{}{path}", info.url);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let answer = http
                .post(&url)
                .header("content-type", "application/json")
                .header(TOKEN_HEADER, &info.token)
                .body(body)
                .send()
                .await
                .map_err(|e| format!("central's store is held by the running server (pid {}), but its API at {} does not answer ({e}); is `tamga-central serve` still running?", info.pid, info.url))?;
            let status = answer.status();
            let bytes = answer
                .bytes()
                .await
                .map_err(|e| format!("{url}: unreadable answer ({e})"))?;
            if status.is_success() {
                serde_json::from_slice(&bytes).map_err(|e| format!("{url}: unreadable answer ({e})"))
            } else {
                let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
                Err(value["error"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("{url}: {status}")))
            }
        })
    }

    /// Enrolls, here or through the running server.
    pub fn enroll(&self, body: EnrollBody, now: Timestamp) -> Result<EnrollOut, String> {
        match self {
            Admin::Local(c) => {
                let out = enroll(c, &body.request(now), now).map_err(|e| e.to_string());
                if out.is_ok() {
                    crate::audit::note_in(&c.dir, crate::audit::cli_event("enroll", 0));
                }
                out
            }
            Admin::Remote(info) => Admin::call(info, "/api/admin/enroll", &body),
        }
    }

    /// Writes the enrollment file to `path` (replaced whole), from here or from the running
    /// server. Returns how many acts it holds.
    pub fn write_enrollment(&self, path: &Path) -> Result<usize, String> {
        match self {
            Admin::Local(c) => c.write_enrollment(path).map_err(|e| e.to_string()),
            Admin::Remote(info) => {
                let got: EnrollmentText =
                    Admin::call(info, "/api/admin/enrollment", &serde_json::json!({}))?;
                crate::central::write_replacing(path, got.text.as_bytes())
                    .map_err(|e| e.to_string())?;
                Ok(got.acts)
            }
        }
    }

    /// Imports a registry act file, here or through the running server.
    pub fn import(&self, text: String, now: Timestamp) -> Result<ImportOut, String> {
        match self {
            Admin::Local(c) => {
                let out = import(c, &text, now).map_err(|e| e.to_string());
                if out.is_ok() {
                    crate::audit::note_in(&c.dir, crate::audit::cli_event("import", 0));
                }
                out
            }
            Admin::Remote(info) => Admin::call(info, "/api/admin/import", &ImportBody { text }),
        }
    }

    /// Records a navigation seal operator's feed file, here or through the running server.
    pub fn import_seal_feed(&self, file: &Path, now: Timestamp) -> Result<FeedOut, String> {
        let text = tamga_node::files::read_text_limited(
            file,
            tamga_sync::seal_feed::MAX_FEED_BYTES as u64,
        )
        .map_err(|e| format!("{}: {e}", file.display()))?;
        match self {
            Admin::Local(c) => {
                let report = tamga_sync::seal_feed::import(&c.store, text.as_bytes(), now)
                    .map_err(|e| e.to_string())?;
                crate::audit::note_in(&c.dir, crate::audit::cli_event("seal-feed", 0));
                Ok(report.into())
            }
            Admin::Remote(info) => Admin::call(info, "/api/admin/seal-feed", &FeedBody { text }),
        }
    }

    /// Lists the KP participants, here or through the running server.
    pub fn list_kp_participants(
        &self,
        body: KpParticipantsRequest,
        now: Timestamp,
    ) -> Result<KpParticipantsOut, String> {
        match self {
            Admin::Local(c) => list_kp_participants(c, &body, now).map_err(|e| e.to_string()),
            Admin::Remote(info) => Admin::call(info, "/api/admin/kp-participants", &body),
        }
    }

    /// Publishes a year's calendar, here or through the running server.
    pub fn publish_calendar(
        &self,
        body: CalendarRequest,
        now: Timestamp,
    ) -> Result<ListedOut, String> {
        match self {
            Admin::Local(c) => publish_calendar(c, &body, now).map_err(|e| e.to_string()),
            Admin::Remote(info) => Admin::call(info, "/api/admin/calendar", &body),
        }
    }

    /// Registers a post, here or through the running server.
    pub fn register_post(&self, body: PostRequest, now: Timestamp) -> Result<ListedOut, String> {
        match self {
            Admin::Local(c) => register_post(c, &body, now).map_err(|e| e.to_string()),
            Admin::Remote(info) => Admin::call(info, "/api/admin/post", &body),
        }
    }

    /// Revokes, here or through the running server.
    pub fn revoke(&self, body: RevokeBody, now: Timestamp) -> Result<RevokeOut, String> {
        match self {
            Admin::Local(c) => {
                let out = revoke(c, &body.into(), now).map_err(|e| e.to_string());
                if out.is_ok() {
                    crate::audit::note_in(&c.dir, crate::audit::cli_event("revoke", 0));
                }
                out
            }
            Admin::Remote(info) => Admin::call(info, "/api/admin/revoke", &body),
        }
    }
}
