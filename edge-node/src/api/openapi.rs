//! The local API's OpenAPI description, served at `GET /api/openapi.json`: made from the
//! `#[utoipa::path]` annotations beside each handler and the answer types' schemas, so it changes
//! with the code. `docs/edge-api.md` stays the contract people read; this is the same API for
//! tools (clients, fuzzers such as schemathesis: `scripts/schemathesis.sh`).
//!
//! The API has no credentials: it answers only on the node's own machine (a loopback peer and a
//! `Host` naming this machine, else `403`), and a `POST` must be JSON or a marked upload
//! (`X-Tamga-Upload: 1`). The acts' own types (an assessment, an act's body) are described as
//! objects; `docs/act-format.md` holds their fields.

use super::Json;
use utoipa::OpenApi;

/// The edge node's local API, as the annotations beside its handlers describe it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "tamga-edge local API",
        description = "The officer's API of a tamga-edge node (docs/edge-api.md). It answers only on the node's own machine: no credentials, but requests from other machines, or whose Host is not a loopback name, get 403. A POST must carry Content-Type: application/json, or X-Tamga-Upload: 1 for an upload. Errors are {\"error\": \"<what went wrong and what to do>\"}. Times are RFC 3339 UTC; decimals are strings; key and act ids are 64 lower-case hex digits."
    ),
    paths(
        super::status,
        super::officers,
        super::registry,
        super::consignments,
        super::consignment,
        super::track,
        super::record_act,
        super::import_acts,
        super::act_file,
        super::act_qr,
        super::act_paper,
        super::offers::make_offer,
        super::offers::list_offers,
        super::offers::get_offer,
        super::offers::offer_file,
        super::offers::offer_qr,
        super::offers::offer_qr_png,
        super::offers::import_offer,
        super::offers::review_offer,
        super::offers::countersign,
        super::sync::sync_now,
        super::sync::export_bundle,
        super::sync::import_bundle,
        super::sync::import_seal_feed,
        super::sync::get_job,
        super::archive::search,
        super::archive::archived,
        super::archive::acts_file,
        super::archive::run,
        super::backup::backup,
        serve,
    ),
    tags(
        (name = "node", description = "The node, its officers and the registry"),
        (name = "consignments", description = "The list and one consignment"),
        (name = "acts", description = "Recording acts, signed acts as files, QR codes and paper"),
        (name = "handoffs", description = "Custody offers and countersignatures"),
        (name = "sync and bundles", description = "Sync now, bundle files and the jobs that run them"),
        (name = "archive", description = "A post's archive of delivered consignments"),
        (name = "backup", description = "A backup of the running node, for its operator"),
        (name = "openapi", description = "This description"),
    )
)]
pub struct ApiDoc;

/// The description as served.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// `GET /api/openapi.json`.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "openapi",
    summary = "This API's OpenAPI description",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", body = Object),
        crate::api::NotHere
    )
)]
pub(super) async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use tamga_testkit::routes::api_routes_in as routes_in;

    fn described() -> BTreeSet<(String, String)> {
        let doc = serde_json::to_value(document()).unwrap();
        let mut out = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
        out
    }

    #[test]
    fn every_route_under_api_is_described_and_nothing_else() {
        let mut served = BTreeSet::new();
        for source in [
            include_str!("../api.rs"),
            include_str!("offers.rs"),
            include_str!("archive.rs"),
            include_str!("backup.rs"),
            include_str!("sync.rs"),
        ] {
            served.extend(routes_in(source));
        }
        assert!(
            served.len() > 20,
            "the route table was not read: {served:?}"
        );
        let described = described();
        let missing: Vec<_> = served.difference(&described).collect();
        assert!(missing.is_empty(), "served but not described: {missing:?}");
        let extra: Vec<_> = described.difference(&served).collect();
        assert!(extra.is_empty(), "described but not served: {extra:?}");
    }

    #[test]
    fn the_document_is_openapi_3_json_with_an_error_schema() {
        let text = serde_json::to_string(&document()).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(
            doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
            "{}",
            doc["openapi"]
        );
        assert_eq!(
            doc["components"]["schemas"]["ErrorAnswer"]["required"],
            serde_json::json!(["error"])
        );
        // Every operation says what its errors look like.
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                assert!(
                    responses.keys().any(|s| s.starts_with('4')),
                    "{method} {path} lists no error answer"
                );
            }
        }
    }
}
