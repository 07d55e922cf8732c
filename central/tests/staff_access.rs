//! Headquarters staff at their own desks, on real processes: central's staff port over HTTPS
//! (its own certificate, trusted by fingerprint), accounts with a password and a TOTP second
//! factor, sessions by cookie, CSRF tokens, the role table walked route by route for every
//! role, staff signing only with their own key, the login throttle, logout, and the
//! hash-chained audit trail showing each of these.

mod common;

use common::staff::{add_account, code_of, staff_port, Staff, PASSWORD};
use common::*;
use serde_json::{json, Value};
use std::path::Path;
use tamga_core::fixtures::Story;

const PIN: &str = "4827-1955";
/// Every route of the staff port, as one request each; what a request that passes the gate
/// must not answer (the role table decides, nothing else).
fn routes(
    consignment: &str,
) -> Vec<(&'static str, String, Value, tamga_central::accounts::Action)> {
    use tamga_central::accounts::Action::*;
    let c = encode_path(consignment);
    vec![
        ("GET", "/api/overview".into(), Value::Null, Overview),
        ("GET", "/api/vocabulary".into(), Value::Null, Overview),
        ("GET", "/api/nodes".into(), Value::Null, Overview),
        ("GET", "/api/refusals".into(), Value::Null, Overview),
        ("GET", "/api/registry".into(), Value::Null, Overview),
        ("GET", "/api/officers".into(), Value::Null, Overview),
        (
            "GET",
            "/api/consignments".into(),
            Value::Null,
            ViewConsignments,
        ),
        (
            "GET",
            format!("/api/consignments/{c}"),
            Value::Null,
            ViewConsignments,
        ),
        (
            "GET",
            "/api/discrepancies".into(),
            Value::Null,
            ViewConsignments,
        ),
        ("GET", "/api/across".into(), Value::Null, ViewConsignments),
        ("GET", "/api/duties".into(), Value::Null, ViewConsignments),
        (
            "GET",
            "/api/resolutions/pending".into(),
            Value::Null,
            ViewConsignments,
        ),
        (
            "POST",
            format!("/api/discrepancies/{}/resolve", "0".repeat(64)),
            json!({}),
            Resolve,
        ),
        (
            "POST",
            format!("/api/resolutions/{}/countersign", "0".repeat(64)),
            json!({}),
            Countersign,
        ),
        ("GET", "/api/reports/kp".into(), Value::Null, Reports),
        (
            "GET",
            "/api/reports/reconciliation".into(),
            Value::Null,
            Reports,
        ),
        ("POST", "/api/reports/department".into(), json!({}), Reports),
        ("GET", "/api/export/epcis".into(), Value::Null, Export),
        ("GET", "/api/export/csv".into(), Value::Null, Export),
        (
            "GET",
            format!("/api/evidence?consignment={c}"),
            Value::Null,
            Export,
        ),
        ("GET", "/api/audit".into(), Value::Null, Audit),
        ("GET", "/api/audit.csv".into(), Value::Null, Audit),
        ("POST", "/api/admin/enroll".into(), json!({}), Enroll),
        ("POST", "/api/admin/revoke".into(), json!({}), Enroll),
        (
            "POST",
            "/api/admin/kp-participants".into(),
            json!({}),
            Enroll,
        ),
        ("POST", "/api/admin/calendar".into(), json!({}), Enroll),
        ("POST", "/api/admin/post".into(), json!({}), Enroll),
        ("POST", "/api/admin/enrollment".into(), json!({}), Enroll),
        ("POST", "/api/admin/import".into(), json!({}), Enroll),
        ("GET", "/api/accounts".into(), Value::Null, ManageAccounts),
        ("POST", "/api/accounts".into(), json!({}), ManageAccounts),
        (
            "POST",
            "/api/accounts/nobody/disable".into(),
            json!({}),
            ManageAccounts,
        ),
        (
            "POST",
            "/api/accounts/nobody/remove-security-keys".into(),
            json!({}),
            ManageAccounts,
        ),
    ]
}

#[test]
fn staff_log_in_over_https_and_each_role_may_do_only_its_own() {
    let root = tempfile::tempdir().unwrap();
    let hq = root.path().join("hq");
    init_central(&hq);
    let story = Story::new();
    enroll_story(&hq, &story);
    import_staff(&hq, &story, PIN);
    add_account(
        &hq,
        "recon",
        "reconciliation",
        Some(story.central_staff.id.as_str()),
    );
    add_account(
        &hq,
        "super",
        "supervisor",
        Some(story.supervisor.id.as_str()),
    );
    add_account(&hq, "audit", "auditor", None);
    add_account(&hq, "admin", "administrator", None);
    add_account(&hq, "audit3", "auditor", None);
    // A role that signs needs a key; one that does not takes none.
    let r = run(
        Path::new(CENTRAL),
        &hq,
        &[
            "account",
            "add",
            "--username",
            "x",
            "--name",
            "X",
            "--personal-number",
            "1",
            "--role",
            "reconciliation",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        !r.ok && r.stderr.contains("--key"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    // The account's role and its key's enrolled role say the same: a supervisor's key does not
    // make a reconciliation account.
    let r = run(
        Path::new(CENTRAL),
        &hq,
        &[
            "account",
            "add",
            "--username",
            "y",
            "--name",
            "Y",
            "--personal-number",
            "2",
            "--role",
            "reconciliation",
            "--key",
            story.supervisor.id.as_str(),
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        !r.ok && r.stderr.contains("enrolled as central_staff"),
        "{}{}",
        r.stdout,
        r.stderr
    );

    let (_server, url) = serve(&hq);
    let (port, fingerprint) = staff_port(&hq);
    assert_eq!(
        fingerprint.len(),
        95,
        "SHA-256 as 32 colon-separated pairs: {fingerprint}"
    );

    // Plain HTTP on the staff port is told to use HTTPS; the loopback port still serves the
    // administration CLI.
    let (status, text) = tamga_testkit::http::get(port, "/api/overview").unwrap();
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("https://"), "{text}");
    let _ = url;

    // The UI's files are open and carry the security headers; the API needs a session.
    let mut staff = Staff::new(&hq);
    let page = staff.get("/");
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert!(page.header("strict-transport-security").is_some());
    assert_eq!(staff.get("/api/overview").status, 401);

    // Wrong password, no second factor, a wrong code: refused alike.
    let wrong = staff.login(
        "audit",
        "not the password at all",
        &code_of(&hq, "audit", 0),
    );
    assert_eq!(wrong.status, 401, "{}", wrong.text());
    let missing = staff.login("audit", PASSWORD, "");
    assert_eq!(missing.status, 401, "{}", missing.text());
    assert_eq!(
        missing.text(),
        wrong.text(),
        "the same words for every failure"
    );
    let ok = staff.login("audit", PASSWORD, &code_of(&hq, "audit", 0));
    assert_eq!(ok.status, 200, "{}", ok.text());
    let cookie = ok.header("set-cookie").unwrap();
    for flag in ["HttpOnly", "Secure", "SameSite=Strict"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert_eq!(ok.json()["role"], "auditor");
    assert_eq!(staff.get("/api/overview").status, 200);

    // A state change without the CSRF token, or as a cross-site form would send it: refused.
    let form = staff.send(
        "POST",
        "/api/logout",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"x=1",
    );
    assert_eq!(form.status, 403, "{}", form.text());
    let no_token = staff.send(
        "POST",
        "/api/logout",
        &[("Content-Type", "application/json")],
        b"{}",
    );
    assert_eq!(no_token.status, 403);

    // The whole table: every role, every route.
    let consignment = story.consignment.to_string();
    let mut sessions = vec![];
    for (username, role) in [
        ("recon", tamga_central::accounts::StaffRole::Reconciliation),
        ("super", tamga_central::accounts::StaffRole::Supervisor),
        ("audit", tamga_central::accounts::StaffRole::Auditor),
        ("admin", tamga_central::accounts::StaffRole::Administrator),
    ] {
        let mut s = Staff::new(&hq);
        // A code is accepted once per account: the auditor's next login takes the next one.
        let offset = if username == "audit" { 1 } else { 0 };
        let answer = s.login(username, PASSWORD, &code_of(&hq, username, offset));
        assert_eq!(answer.status, 200, "{username}: {}", answer.text());
        sessions.push((username, role, s));
    }
    for (username, role, s) in &sessions {
        for (method, path, body, action) in routes(&consignment) {
            let answer = match method {
                "GET" => s.get(&path),
                _ => {
                    // Resolutions name the signer's own key, so that only the role decides.
                    let mut body = body.clone();
                    if matches!(
                        action,
                        tamga_central::accounts::Action::Resolve
                            | tamga_central::accounts::Action::Countersign
                    ) {
                        let key = match *username {
                            "recon" => story.central_staff.id.to_string(),
                            _ => story.supervisor.id.to_string(),
                        };
                        body = json!({"officer": key});
                    }
                    s.post(&path, &body)
                }
            };
            let allowed = role.may(action);
            if allowed {
                assert!(
                    !([401, 403].contains(&answer.status)
                        || answer.status == 404 && answer.text().contains("not served")),
                    "{username} ({}) may {method} {path}: {} {}",
                    role.as_str(),
                    answer.status,
                    answer.text()
                );
            } else {
                assert_eq!(
                    answer.status,
                    403,
                    "{username} ({}) may not {method} {path}: {}",
                    role.as_str(),
                    answer.text()
                );
            }
        }
        // Routes the loopback port serves for the CLI are not served here at all.
        assert_eq!(s.post("/api/admin/evidence", &json!({})).status, 404);
        assert_eq!(s.post("/api/admin/accounts", &json!({})).status, 404);
    }

    // Staff sign with their own key only: the supervisor's key named by reconciliation staff.
    let (_, _, recon) = &sessions[0];
    let other = recon.post(
        &format!("/api/discrepancies/{}/resolve", "0".repeat(64)),
        &json!({"consignment": consignment, "officer": story.supervisor.id.as_str(), "pin": PIN, "reason": "x"}),
    );
    assert_eq!(other.status, 403, "{}", other.text());
    assert!(other.text().contains("your own key"), "{}", other.text());

    // An administrator adds an account over HTTPS; the throttle: from the fifth failure in a
    // row, logins from that name wait, answered 429 without a check.
    let (_, _, admin) = &sessions[3];
    let added = admin.post(
        "/api/accounts",
        &json!({"username": "audit2", "name": "Second Auditor", "personal_number": "HQ-400", "role": "auditor", "password": PASSWORD}),
    );
    assert_eq!(added.status, 201, "{}", added.text());
    assert!(added.json()["uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    let mut attacker = Staff::new(&hq);
    for _ in 0..5 {
        assert_eq!(
            attacker
                .login("audit2", "guessing the password", "000000")
                .status,
            401
        );
    }
    let throttled = attacker.login("audit2", PASSWORD, &code_of(&hq, "audit2", 0));
    assert_eq!(throttled.status, 429, "{}", throttled.text());

    // Logout ends the session.
    let (_, _, audit) = &sessions[2];
    let out = audit.post("/api/logout", &json!({}));
    assert_eq!(out.status, 200, "{}", out.text());
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(audit.get("/api/overview").status, 401);

    // The audit trail, read by another auditor: each of these is there, the chain intact; and
    // as CSV.
    let mut auditor = Staff::new(&hq);
    assert_eq!(
        auditor
            .login("audit3", PASSWORD, &code_of(&hq, "audit3", 0))
            .status,
        200
    );
    let trail = auditor.get("/api/audit").json();
    assert_eq!(trail["chain"], "intact", "{trail}");
    let lines = trail["lines"].as_array().unwrap();
    let has = |action: &str, username: &str| {
        lines
            .iter()
            .any(|l| l["action"] == action && l["username"] == username)
    };
    assert!(has("login_failed", "audit") && has("login", "audit") && has("logout", "audit"));
    assert!(has("denied", "recon"), "a role refused is recorded");
    assert!(has("view_consignment", "recon"));
    assert!(has("evidence", "audit") && has("export", "super"));
    assert!(has("account", "admin"));
    // What the administration CLI did on central's machine, before and while it served.
    assert!(has("enroll", "central-cli") && has("accounts", "central-cli"));
    assert!(has("login_failed", "audit2"));
    assert!(lines.iter().any(|l| l["outcome"] == "429 throttled"));
    let csv = auditor.get("/api/audit.csv");
    assert_eq!(csv.status, 200);
    assert!(csv
        .text()
        .starts_with("seq,at,username,role,remote,action,subject,outcome,prev,hash"));

    // The trail edited on disk: the auditor is told where its chain breaks.
    let path = hq.join("audit.log");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"login_failed\"", "\"login\"", 1)).unwrap();
    let trail = auditor.get("/api/audit").json();
    assert!(
        trail["chain"].as_str().unwrap().starts_with("broken"),
        "{trail}"
    );
}

#[test]
fn a_session_ends_after_its_idle_time() {
    let root = tempfile::tempdir().unwrap();
    let hq = root.path().join("hq");
    init_central(&hq);
    let path = hq.join("tamga-central.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("staff_idle_seconds = 900"), "{text}");
    std::fs::write(
        &path,
        text.replace("staff_idle_seconds = 900", "staff_idle_seconds = 2"),
    )
    .unwrap();
    add_account(&hq, "audit", "auditor", None);
    let (_server, _) = serve(&hq);
    let mut staff = Staff::new(&hq);
    let ok = staff.login("audit", PASSWORD, &code_of(&hq, "audit", 0));
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["idle_seconds"], 2);
    // Activity keeps it alive; silence ends it.
    for _ in 0..3 {
        std::thread::sleep(std::time::Duration::from_millis(900));
        assert_eq!(staff.get("/api/overview").status, 200);
    }
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let ended = staff.get("/api/overview");
    assert_eq!(ended.status, 401, "{}", ended.text());
    assert!(ended.text().contains("log in"), "{}", ended.text());
}
