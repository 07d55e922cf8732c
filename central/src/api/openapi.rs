//! Central's JSON API described in OpenAPI, served at `GET /api/openapi.json` on each port:
//! made from the `#[utoipa::path]` annotations beside each handler, and then cut to what the port
//! asked serves, with its credentials. On the staff port (HTTPS) that is every route
//! [`access::action_of`] admits, each with what the gate asks: nothing for an open route, the
//! session cookie `tamga_session` for the others, and the session's `X-CSRF-Token` on a POST
//! (the gate's own 401 and 403 added to each). On the loopback port, the administration CLI's
//! API: every route but the staff port's own (login, sessions, the audit trail, accounts,
//! security keys), each with the token from `serve.json` in `x-tamga-admin-token`.
//! `scripts/schemathesis.sh` holds both ports to their descriptions.

use super::access::{self, Need};
use axum::http::Method;
use serde_json::{json, Map, Value};
use utoipa::OpenApi;

/// Every route of both ports, as the annotations beside the handlers describe them.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "tamga-central API",
        description = "The JSON API of tamga-central: the dashboard's on the staff port (HTTPS, a staff session), the administration CLI's on the loopback port (the token in serve.json). Errors are {\"error\": \"<what went wrong and what to do>\"}. Times are RFC 3339 UTC, with *_for_people in central's time zone."
    ),
    paths(
        super::dashboard::overview,
        super::dashboard::vocabulary,
        super::dashboard::consignments,
        super::consignment::consignment,
        super::track::track,
        super::dashboard::discrepancies,
        super::across::across,
        super::across::overdue_duties,
        super::across::silent,
        super::resolutions::resolve,
        super::resolutions::pending,
        super::resolutions::countersign,
        super::dashboard::nodes,
        super::dashboard::refusals,
        super::dashboard::officers,
        super::dashboard::registry,
        crate::exports::kp,
        crate::exports::reconciliation,
        super::department::compare,
        crate::exports::epcis,
        crate::exports::consignments_csv,
        super::administration::admin_enroll,
        super::administration::admin_revoke,
        super::administration::admin_kp_participants,
        super::administration::admin_calendar,
        super::administration::admin_post,
        super::administration::admin_enrollment,
        super::administration::admin_import,
        super::seal_feed::from_file,
        super::administration::admin_evidence,
        super::administration::admin_rotate_log_key,
        super::administration::admin_account,
        super::administration::admin_backup,
        super::evidence::download,
        super::access::login,
        super::access::logout,
        super::access::whoami,
        super::access::audit_json,
        super::access::audit_csv,
        super::access::accounts_list,
        super::access::accounts_add,
        super::access::accounts_disable,
        super::security_keys::login,
        super::security_keys::mine,
        super::security_keys::begin,
        super::security_keys::finish,
        super::security_keys::remove_all,
        super::security_keys::change_password,
        super::openapi_on_staff_port,
    ),
    components(schemas(super::schemas::AccountSwitch)),
    tags(
        (name = "dashboard", description = "Central at a glance, the nodes, the registry"),
        (name = "consignments", description = "Consignments, discrepancies, findings across consignments, duties"),
        (name = "resolutions", description = "Closing discrepancies, by one signature or two"),
        (name = "reports", description = "KP statistics, the reconciliation, the Department's figures"),
        (name = "exports", description = "EPCIS, CSV, evidence packages"),
        (name = "administration", description = "The administration CLI's commands (loopback, the token)"),
        (name = "session", description = "Login and logout on the staff port"),
        (name = "audit", description = "The audit trail"),
        (name = "accounts", description = "Staff accounts"),
        (name = "security keys", description = "A staff member's security keys"),
        (name = "openapi", description = "This description"),
    )
)]
struct ApiDoc;

/// The routes only the staff port serves (`access::staff` adds them): everything else is on both
/// ports (`super::routes`) or, under `/api/admin/`, on loopback.
pub const STAFF_PORT_ONLY: [&str; 13] = [
    "/api/login",
    "/api/login/security-key",
    "/api/logout",
    "/api/session",
    "/api/audit",
    "/api/audit.csv",
    "/api/accounts",
    "/api/accounts/{username}/{what}",
    "/api/accounts/{username}/remove-security-keys",
    "/api/account/security-keys",
    "/api/account/security-keys/begin",
    "/api/account/security-keys/finish",
    "/api/account/password",
];

/// Which of central's ports a description is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Port {
    /// The staff port: HTTPS, a session.
    Staff,
    /// The loopback port: the administration token.
    Loopback,
}

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// A path template with each `{parameter}` filled in, as the gate sees a request.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|s| match s {
            "{what}" => "disable",
            s if s.starts_with('{') => "x",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn error_answer(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorAnswer"}}}
    })
}

/// What `port` asks of a request for `method` on `path`, `None` if it does not serve it: the
/// security requirements and the refusals of its gate.
fn gate_of(port: Port, method: &str, path: &str) -> Option<(Value, Vec<(&'static str, Value)>)> {
    let post = method == "post";
    match port {
        Port::Staff => {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).ok()?;
            match access::action_of(&method, &concrete(path))? {
                Need::Open => Some((json!([]), vec![])),
                need => {
                    let mut refusals = vec![(
                        "401",
                        error_answer(
                            "No session: log in first (the session ended, or there was none)",
                        ),
                    )];
                    let mut why = Vec::new();
                    if post {
                        why.push("no X-CSRF-Token of the session, or a body that is not JSON");
                    }
                    if matches!(need, Need::Role(_)) {
                        why.push("the account's role may not do this");
                    }
                    if !why.is_empty() {
                        refusals
                            .push(("403", error_answer(&format!("Refused: {}", why.join("; ")))));
                    }
                    let security = if post {
                        json!([{"session": [], "csrf": []}])
                    } else {
                        json!([{"session": []}])
                    };
                    Some((security, refusals))
                }
            }
        }
        Port::Loopback => {
            if STAFF_PORT_ONLY.contains(&path) {
                return None;
            }
            let mut refusals = vec![(
                "403",
                error_answer("Without the token from serve.json in x-tamga-admin-token, or not from central's own machine"),
            )];
            if post {
                refusals.push((
                    "400",
                    error_answer(
                        "Not JSON (Content-Type: application/json), or the request does not read",
                    ),
                ));
            }
            Some((json!([{"admin_token": []}]), refusals))
        }
    }
}

/// The description of what `port` serves, with its credentials.
pub fn document(port: Port) -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the description serializes");
    let paths = doc["paths"].as_object_mut().expect("paths");
    for (path, item) in paths.iter_mut() {
        let item = item.as_object_mut().expect("a path item");
        for method in METHODS {
            let Some(op) = item.get_mut(method) else {
                continue;
            };
            match gate_of(port, method, path) {
                None => {
                    item.remove(method);
                }
                Some((security, refusals)) => {
                    op["security"] = security;
                    let responses = op["responses"].as_object_mut().expect("responses");
                    for (status, answer) in refusals {
                        match responses.get_mut(status) {
                            // The handler's own refusal with this status: both reasons.
                            Some(own) => {
                                let both = format!(
                                    "{}; or: {}",
                                    own["description"].as_str().unwrap_or(""),
                                    answer["description"].as_str().unwrap_or("")
                                );
                                own["description"] = json!(both);
                            }
                            None => {
                                responses.insert(status.to_owned(), answer);
                            }
                        }
                    }
                }
            }
        }
    }
    paths.retain(|_, item| METHODS.iter().any(|m| item.get(*m).is_some()));
    let schemes = match port {
        Port::Staff => json!({
            "session": {"type": "apiKey", "in": "cookie", "name": crate::sessions::COOKIE,
                        "description": "The session cookie POST /api/login sets"},
            "csrf": {"type": "apiKey", "in": "header", "name": crate::sessions::CSRF_HEADER,
                     "description": "The session's CSRF token (the login's answer, csrf), on every POST"},
        }),
        Port::Loopback => json!({
            "admin_token": {"type": "apiKey", "in": "header", "name": crate::admin::TOKEN_HEADER,
                            "description": "The token in serve.json in central's data directory (readable by central's user only)"},
        }),
    };
    let components = doc["components"]
        .as_object_mut()
        .expect("components")
        .entry("securitySchemes")
        .or_insert_with(|| Value::Object(Map::new()));
    *components = schemes;
    let port_words = match port {
        Port::Staff => " This description: the staff port.",
        Port::Loopback => " This description: the loopback port.",
    };
    if let Some(Value::String(d)) = doc["info"].get_mut("description") {
        d.push_str(port_words);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use tamga_testkit::routes::api_routes_in as routes_in;

    type Routes = BTreeSet<(String, String)>;

    fn described(port: Port) -> Routes {
        let doc = document(port);
        let mut out = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
        out
    }

    fn assert_same(port: &str, served: &Routes, described: &Routes) {
        let missing: Vec<_> = served.difference(described).collect();
        assert!(
            missing.is_empty(),
            "{port}: served but not described: {missing:?}"
        );
        let extra: Vec<_> = described.difference(served).collect();
        assert!(
            extra.is_empty(),
            "{port}: described but not served: {extra:?}"
        );
    }

    #[test]
    fn each_port_describes_every_api_route_it_serves_and_nothing_else() {
        // Loopback: the routes of `api/mod.rs` (both ports' and the administration CLI's).
        let shared = routes_in(include_str!("mod.rs"));
        let staff_own = routes_in(include_str!("access.rs"));
        assert!(
            shared.len() > 25 && staff_own.len() > 10,
            "{shared:?} {staff_own:?}"
        );
        assert_same("loopback", &shared, &described(Port::Loopback));
        // The staff port's own routes are those STAFF_PORT_ONLY lists.
        let own_paths: BTreeSet<&str> = staff_own.iter().map(|(_, p)| p.as_str()).collect();
        let listed: BTreeSet<&str> = STAFF_PORT_ONLY
            .iter()
            .copied()
            .chain(["/api/openapi.json"])
            .collect();
        assert_eq!(own_paths, listed);
        // Staff port: all of them that the gate's table admits.
        let staff: Routes = shared
            .union(&staff_own)
            .filter(|(m, p)| {
                access::action_of(&Method::from_bytes(m.as_bytes()).unwrap(), &concrete(p))
                    .is_some()
            })
            .cloned()
            .collect();
        assert_same("staff port", &staff, &described(Port::Staff));
        // What the staff port does not serve: the administration CLI's own commands.
        let loopback_only: Vec<_> = shared
            .union(&staff_own)
            .filter(|r| !staff.contains(r))
            .collect();
        assert_eq!(
            loopback_only,
            [
                &("POST".to_owned(), "/api/admin/accounts".to_owned()),
                &("POST".to_owned(), "/api/admin/backup".to_owned()),
                &("POST".to_owned(), "/api/admin/evidence".to_owned()),
                &("POST".to_owned(), "/api/admin/log-key".to_owned()),
                &("POST".to_owned(), "/api/admin/seal-feed".to_owned())
            ]
        );
    }

    #[test]
    fn the_descriptions_are_openapi_3_json_with_the_ports_credentials() {
        for port in [Port::Staff, Port::Loopback] {
            let text = serde_json::to_string(&document(port)).unwrap();
            let doc: Value = serde_json::from_str(&text).unwrap();
            assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
            for (path, item) in doc["paths"].as_object().unwrap() {
                for (method, op) in item.as_object().unwrap() {
                    assert!(op["security"].is_array(), "{port:?} {method} {path}");
                    let statuses: Vec<&String> =
                        op["responses"].as_object().unwrap().keys().collect();
                    assert!(
                        statuses.iter().any(|s| s.starts_with('4')) || op["security"] == json!([]),
                        "{port:?} {method} {path} lists no refusal"
                    );
                }
            }
        }
        let staff = document(Port::Staff);
        assert_eq!(staff["paths"]["/api/login"]["post"]["security"], json!([]));
        assert_eq!(
            staff["paths"]["/api/discrepancies/{id}/resolve"]["post"]["security"],
            json!([{"session": [], "csrf": []}])
        );
        assert_eq!(
            staff["components"]["securitySchemes"]["session"]["name"],
            "tamga_session"
        );
        assert!(staff["paths"].get("/api/admin/evidence").is_none());
        let loopback = document(Port::Loopback);
        assert_eq!(
            loopback["paths"]["/api/overview"]["get"]["security"],
            json!([{"admin_token": []}])
        );
        assert!(loopback["paths"].get("/api/login").is_none());
    }
}
