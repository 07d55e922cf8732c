//! The shapes of the answers central's handlers build with `json!`, for the API's OpenAPI
//! description (`api::openapi`; the consignment's in `api::consignment`, the reports' in
//! `exports`, the error answer is `crate::reply::ErrorAnswer`): each
//! lists the fields its handler writes (deeper values, such as an assessment or a report, are
//! objects whose fields `docs/` and the types named here give). Nothing here is sent: the
//! handlers' own values are.

#![allow(dead_code)]

use serde_json::Value;
use utoipa::ToSchema;

/// A zone at an instant.
#[derive(ToSchema)]
pub struct ZoneAt {
    /// The IANA name, like `Asia/Bishkek`.
    name: String,
    /// The offset from UTC now, like `+06:00`.
    offset: String,
    /// The same in seconds east of UTC.
    offset_seconds: i32,
}

/// Devices by how recently they synced.
#[derive(ToSchema)]
pub struct NodeCounts {
    /// Synced within the silence limit.
    ok: u64,
    /// Silent longer.
    silent: u64,
    /// Never synced.
    never: u64,
}

/// `GET /api/overview`.
#[derive(ToSchema)]
pub struct Overview {
    /// Central's unit.
    unit: String,
    /// The customs authority key's fingerprint.
    authority_fingerprint: String,
    /// Central's clock (UTC).
    now: String,
    /// The same, for people.
    now_for_people: String,
    /// Central's time zone and its offset now.
    time_zone: ZoneAt,
    /// Consignments and discrepancies counted.
    #[schema(value_type = Object)]
    totals: Value,
    /// The reconciliation's progress.
    #[schema(value_type = Object)]
    progress: Value,
    /// The store's change-feed position.
    feed_position: u64,
    /// Positions the reconciliation is behind.
    lag_positions: u64,
    /// Devices by their last contact.
    nodes: NodeCounts,
}

/// A consignment's reconciled row (`crate::reconcile::Record`'s fields) with its open
/// discrepancies counted.
#[derive(ToSchema)]
pub struct ConsignmentRow {
    /// The consignment's number.
    consignment: String,
    /// Open discrepancies.
    open: u64,
    /// The worst open discrepancy's severity.
    worst_open: Option<String>,
}

/// `GET /api/nodes`.
#[derive(ToSchema)]
pub struct NodesAnswer {
    /// Central's clock.
    now: String,
    /// A device silent this long is listed as silent.
    silent_after_seconds: i64,
    /// Each device.
    #[schema(value_type = Vec<Object>)]
    nodes: Vec<Value>,
}

/// `GET /api/refusals`.
#[derive(ToSchema)]
pub struct RefusalsAnswer {
    /// Central's clock.
    now: String,
    /// How many refusals are kept.
    kept_at_most: u64,
    /// Refusals counted by reason.
    #[schema(value_type = Object)]
    counts: Value,
    /// The last refusals.
    #[schema(value_type = Vec<Object>)]
    refusals: Vec<Value>,
}

/// A staff signing key held in central's keystore.
#[derive(ToSchema)]
pub struct StaffKey {
    /// The key.
    key: String,
    /// Who holds it, as the keystore says.
    holder: String,
    /// Its enrollment in force as central staff or supervisor.
    #[schema(value_type = Option<Object>)]
    central_staff: Option<Value>,
    /// Enrolled as a supervisor.
    supervisor: bool,
}

/// `GET /api/vocabulary`.
#[derive(ToSchema)]
pub struct Vocabulary {
    /// Every status.
    statuses: Vec<String>,
    /// Every outcome.
    outcomes: Vec<String>,
    /// Every discrepancy kind.
    kinds: Vec<String>,
    /// Every kind of finding across consignments.
    across_kinds: Vec<String>,
    /// Every severity.
    severities: Vec<String>,
}

/// A duty past its end.
#[derive(ToSchema)]
pub struct OverdueDuty {
    /// Its consignment.
    consignment: String,
    /// Which duty.
    duty: String,
    /// The act it arose from.
    since_act: String,
    /// When it arose.
    since: String,
    /// When it ended.
    due: String,
    /// The same, for people.
    due_for_people: String,
}

/// A tracked consignment in transit not heard of for longer than allowed.
#[derive(ToSchema)]
pub struct Silent {
    /// The consignment.
    consignment: String,
    /// The unit holding it, if custody is not disputed.
    custodian: Option<String>,
    /// When it was last heard of: its latest position, else the start of transit.
    heard_at: String,
    /// The same, for people.
    heard_at_for_people: String,
    /// Minutes since.
    silent_minutes: i64,
    /// The latest position (`at`, `coordinates`), if any.
    #[schema(value_type = Option<Object>)]
    last_fix: Option<serde_json::Value>,
}

/// A resolution recorded.
#[derive(ToSchema)]
pub struct Resolution {
    /// The `discrepancy_resolved` act.
    act: String,
    /// The discrepancy.
    discrepancy: String,
    /// Its consignment.
    consignment: String,
    /// Who signed first.
    officer: String,
    /// The supervisor who countersigned, for a critical one.
    supervisor: Option<String>,
    /// When.
    at: String,
    /// The same, for people.
    at_for_people: String,
    /// Why it is closed.
    reason: String,
}

/// A resolution awaiting its supervisor's signature.
#[derive(ToSchema)]
pub struct PendingResolution {
    /// Its id (the act's, once countersigned).
    pending: String,
    /// The consignment.
    consignment: String,
    /// The discrepancy.
    discrepancy: String,
    /// Who signed first.
    officer: String,
    /// Their name, as enrolled.
    officer_name: Option<String>,
    /// The supervisor named for the second signature.
    supervisor: Option<String>,
    /// Their name, as enrolled.
    supervisor_name: Option<String>,
    /// When it was signed.
    at: String,
    /// The same, for people.
    at_for_people: String,
    /// Why it is closed.
    reason: String,
}

/// An account to add (`crate::accounts::NewAccount`).
#[derive(ToSchema)]
pub struct NewAccount {
    /// The login name.
    username: String,
    /// The person's full name.
    name: String,
    /// Their personal number.
    personal_number: String,
    /// reconciliation, supervisor, auditor or administrator.
    role: String,
    /// Their signing key, for roles that sign.
    key: Option<String>,
    /// Their password.
    password: String,
}

/// A new account's second factor, for the person's authenticator app.
#[derive(ToSchema)]
pub struct Enrolment {
    /// The secret in base32.
    secret_base32: String,
    /// The `otpauth://` URI, as a QR code carries it.
    uri: String,
}

/// A staff account as listed.
#[derive(ToSchema)]
pub struct AccountView {
    /// The login name.
    username: String,
    /// The person's full name.
    name: String,
    /// Their personal number.
    personal_number: String,
    /// Their role.
    role: String,
    /// Their signing key, for roles that sign.
    key: Option<String>,
    /// Disabled: no login.
    disabled: bool,
    /// How many security keys it has registered.
    security_keys: u64,
}

/// An account disabled or enabled.
#[derive(ToSchema)]
pub struct AccountDisabled {
    /// The login name.
    username: String,
    /// Whether it is disabled now.
    disabled: bool,
}

/// The session as the dashboard is told it.
#[derive(ToSchema, serde::Serialize)]
pub struct SessionAnswer {
    /// The login name.
    username: String,
    /// The person's full name.
    name: String,
    /// Their role.
    role: String,
    /// Their signing key, for roles that sign.
    key: Option<String>,
    /// The token every change (POST) carries in X-CSRF-Token.
    csrf: String,
    /// The session ends after this long without a request.
    idle_seconds: u64,
}

/// A right password for an account with a security key: the key is asked for next.
#[derive(ToSchema, serde::Serialize)]
pub struct KeyAsked {
    /// `security_key`.
    second_factor: String,
    /// The token for `POST /api/login/security-key`.
    login: String,
    /// The WebAuthn options for the browser.
    #[schema(value_type = Object)]
    options: Value,
    /// The relying party's id.
    rp_id: String,
}

/// What a login answers.
#[derive(ToSchema, serde::Serialize)]
#[serde(untagged)]
pub enum LoginAnswer {
    /// Logged in.
    Session(SessionAnswer),
    /// The security key is asked for next.
    KeyAsked(KeyAsked),
}

/// Logged out.
#[derive(ToSchema)]
pub struct LoggedOut {
    /// Always true.
    logged_out: bool,
}

/// `GET /api/audit`.
#[derive(ToSchema)]
pub struct AuditAnswer {
    /// `intact`, or `broken: ...` saying where.
    chain: String,
    /// Every line, with `at_for_people`.
    #[schema(value_type = Vec<Object>)]
    lines: Vec<Value>,
}

/// A security key as its owner sees it.
#[derive(ToSchema)]
pub struct KeyView {
    /// What the owner calls it.
    name: String,
    /// When it was registered.
    added: String,
    /// A short label of its credential.
    id: String,
}

/// `GET /api/account/security-keys`.
#[derive(ToSchema)]
pub struct MyKeys {
    /// The relying party's id.
    rp_id: String,
    /// The session's keys.
    keys: Vec<KeyView>,
}

/// A registration's challenge.
#[derive(ToSchema)]
pub struct KeyChallenge {
    /// The WebAuthn options for the browser.
    #[schema(value_type = Object)]
    options: Value,
    /// The relying party's id.
    rp_id: String,
}

/// A password change.
#[derive(ToSchema)]
pub struct PasswordChange {
    /// The password now.
    current: String,
    /// The one to have (12 characters or more).
    new: String,
}

/// A password changed.
#[derive(ToSchema)]
pub struct PasswordChanged {
    /// Always true.
    changed: bool,
}

/// A log key rotation.
#[derive(ToSchema)]
pub struct LogKeyRotated {
    /// The key retired (revoked from the next second).
    old: String,
    /// The key signing the log from now.
    new: String,
    /// When (RFC 3339 UTC).
    at: String,
}

/// A person's keys removed.
#[derive(ToSchema)]
pub struct KeysRemoved {
    /// The login name.
    username: String,
    /// How many keys were removed.
    removed: u64,
}

/// The login's first step.
#[derive(ToSchema)]
pub struct LoginForm {
    /// The login name.
    username: String,
    /// The password.
    password: String,
    /// The 6 digits the authenticator app shows now (none for an account with a security key).
    code: Option<String>,
}

/// The login's second step with a security key.
#[derive(ToSchema)]
pub struct KeyLoginForm {
    /// The token the password step answered with.
    login: String,
    /// The key's signed answer to the challenge (WebAuthn `PublicKeyCredential`).
    #[schema(value_type = Object)]
    credential: Value,
}

/// A new security key's registration.
#[derive(ToSchema)]
pub struct KeyRegistrationForm {
    /// What the owner calls the key.
    name: String,
    /// The browser's answer to the challenge (WebAuthn `RegisterPublicKeyCredential`).
    #[schema(value_type = Object)]
    credential: Value,
}

/// What `POST /api/accounts/{username}/{what}` does.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum AccountSwitch {
    /// No login; the account's sessions end.
    Disable,
    /// Logins again.
    Enable,
}
