//! The floor of the edge node's stack: the smallest server on the same pieces (tokio's
//! multi-threaded runtime, axum, sled with the edge node's cache size), which opens the same sled
//! database as the node and answers a probe and one list. `footprint` measures it beside `tamga-edge
//! serve`, so the node's figures can be read against what the stack itself costs.
//!
//! ```sh
//! footprint_floor <store dir> <listen address>
//! ```
//!
//! `GET /health` answers `ok` (the start-up probe); `GET /api/consignments` lists the documents
//! the database holds (the keys of its `doc_seq` tree, one per document) as a JSON array of
//! strings: a list on the same data without any assessment. `GET /documents` counts them by a
//! scan of that tree, as the node's status did before it kept a count. Prints `listening on
//! <address>` when it accepts connections, like the node, and stops on SIGTERM or Ctrl-C.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use tamga_edge::node::EDGE_SLED_CACHE_BYTES;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(listen)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: footprint_floor <store dir> <listen address>");
        std::process::exit(2);
    };
    let db = sled::Config::new()
        .path(std::path::Path::new(dir).join("sled"))
        .cache_capacity(EDGE_SLED_CACHE_BYTES)
        .open()
        .unwrap_or_else(|e| {
            eprintln!("{dir}: {e}");
            std::process::exit(1)
        });
    let docs = db.open_tree("doc_seq").expect("the doc_seq tree");
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async move {
        let app = Router::new()
            .route("/health", get(|| async { "ok" }))
            .route("/api/consignments", get(list))
            .route("/documents", get(count))
            .with_state(Arc::new(docs));
        let listener = tokio::net::TcpListener::bind(listen.as_str())
            .await
            .unwrap_or_else(|e| {
                eprintln!("cannot listen on {listen}: {e}");
                std::process::exit(1)
            });
        println!(
            "listening on {}",
            listener.local_addr().expect("a bound address")
        );
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let mut term =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                        .expect("a SIGTERM handler");
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            })
            .await
            .expect("the server runs");
    });
}

async fn list(State(docs): State<Arc<sled::Tree>>) -> Json<Vec<String>> {
    let keys = tokio::task::spawn_blocking(move || {
        docs.iter()
            .keys()
            .filter_map(|k| k.ok())
            .map(|k| String::from_utf8_lossy(&k).into_owned())
            .collect()
    })
    .await
    .unwrap_or_default();
    Json(keys)
}

async fn count(State(docs): State<Arc<sled::Tree>>) -> String {
    tokio::task::spawn_blocking(move || docs.len())
        .await
        .unwrap_or_default()
        .to_string()
}
