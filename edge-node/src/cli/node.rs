//! The node's own commands: `init`, `serve`, `status`, `record`, `add-peer`, `sync`,
//! `export-bundle`, `import-bundle` and `import-seal-feed`. They work on the data directory and the store, not at
//! the officer's desk.

use super::print;
use std::path::Path;
use tamga_core::KeyId;
use tamga_edge::client::Client;
use tamga_edge::config::{Config, PeerConfig};
use tamga_edge::node::{InitOptions, Node};
use tamga_node::files::{read_limited, write_atomic};

fn open(dir: &Path) -> Result<Node, String> {
    Node::open(dir).map_err(|e| e.to_string())
}

/// `init`: a device key, the configuration, an empty store pinned to the authority; then the
/// enrollment file, if one is given.
pub fn init(dir: &Path, options: InitOptions, enrollment: Option<&Path>) -> Result<(), String> {
    let authority_key = KeyId::new(options.authority.clone()).map_err(|e| e.to_string())?;
    let device = Node::init(dir, options).map_err(|e| e.to_string())?;
    println!("node created in {}", dir.display());
    println!("device key: {device}");
    println!(
        "customs authority pinned: {} (confirm this fingerprint with central)",
        authority_key.fingerprint()
    );
    if let Some(file) = enrollment {
        let new = open(dir)?.record_file(file).map_err(|e| e.to_string())?;
        println!("enrollment imported: {new} registry acts");
    }
    Ok(())
}

/// `serve`: runs the node until Ctrl-C or SIGTERM.
pub fn serve(dir: &Path) -> Result<(), String> {
    let node = open(dir)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(tamga_edge::serve::run(node, |addr| {
        println!("listening on {addr}");
    }))
}

/// `status`: the node's state from its store, or, while `serve` runs, the running node's
/// status (its peers, jobs and GPS too).
pub fn status(dir: &Path, json: bool) -> Result<(), String> {
    let client = Client::open(dir)?;
    let Client::Local(local) = &client else {
        let answer = client
            .running_status()?
            .ok_or("the running node did not answer its status")?;
        if json {
            print::json(&answer);
        } else {
            print::status(&answer.node);
            print::central_log(answer.central_log.as_ref());
            print::gps(answer.gps.as_ref());
        }
        return Ok(());
    };
    let node = &local.node;
    let status = node.status().map_err(|e| e.to_string())?;
    if json {
        print::status_json(&status);
    } else {
        print::status(&status);
        print::central_log(
            tamga_edge::answers::CentralLog::of(node)
                .map_err(|e| e.to_string())?
                .as_ref(),
        );
    }
    Ok(())
}

/// `clear-log-alarm`.
pub fn clear_log_alarm(dir: &Path) -> Result<(), String> {
    let node = open(dir)?;
    match node.store.log_alarm().map_err(|e| e.to_string())? {
        None => println!("no log alarm"),
        Some(alarm) => {
            println!("log alarm cleared: {alarm}");
            node.store.set_log_alarm(None).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// `record`: signed acts from a file, one per line.
pub fn record(dir: &Path, file: &Path) -> Result<(), String> {
    let new = open(dir)?.record_file(file).map_err(|e| e.to_string())?;
    println!("{new} new acts recorded");
    Ok(())
}

/// `add-peer`. Only the configuration changes: a running node reads its peers again each round.
pub fn add_peer(dir: &Path, peer: PeerConfig) -> Result<(), String> {
    let mut config = Config::load(dir).map_err(|e| e.to_string())?;
    let name = peer.name.clone();
    let (url, fingerprint) = (peer.url.clone(), peer.key.fingerprint());
    config.peers.retain(|p| p.name != name);
    config.peers.push(peer);
    config.check()?;
    config.save(dir).map_err(|e| e.to_string())?;
    println!(
        "peer {name} added: this node calls {url} over TLS and accepts only device key {fingerprint} there; confirm that fingerprint with the peer's operator (the device key `tamga-edge status` prints there begins with it)"
    );
    Ok(())
}

/// `sync`: with one configured peer, or all.
pub fn sync(dir: &Path, peer: Option<&str>) -> Result<(), String> {
    let lines = Client::open(dir)?.sync(peer)?;
    println!("{lines}");
    Ok(())
}

/// `export-bundle`: everything changed after `since` that the node with device key `for_key`
/// may receive, addressed and sealed to it.
pub fn export_bundle(dir: &Path, out: &Path, for_key: &str, since: u64) -> Result<(), String> {
    let node = open(dir)?;
    let addressee = KeyId::new(for_key.to_owned()).map_err(|e| format!("--for: {e}"))?;
    let bytes = node
        .export_bundle(&addressee, since)
        .map_err(|e| e.to_string())?;
    write_atomic(out, &bytes).map_err(|e| format!("{}: {e}", out.display()))?;
    println!(
        "bundle written to {} ({} bytes), sealed for device {}: only that node can read it",
        out.display(),
        bytes.len(),
        addressee.fingerprint()
    );
    Ok(())
}

/// `import-bundle`.
pub fn import_bundle(dir: &Path, file: &Path) -> Result<(), String> {
    let node = open(dir)?;
    // A bundle is one sync frame and a signature, sealed: a larger file is refused before it is
    // read.
    let limit = tamga_node::sealed::MAX_SEALED_BUNDLE_BYTES as u64;
    let too_large = |size: u64| {
        format!(
            "{}: {size} bytes, larger than any bundle ({limit} bytes at most): this is not a bundle file, or it was damaged; export it again",
            file.display()
        )
    };
    let size = std::fs::metadata(file)
        .map_err(|e| format!("{}: {e}", file.display()))?
        .len();
    if size > limit {
        return Err(too_large(size));
    }
    let bytes = read_limited(file, limit).map_err(|e| {
        if e.kind() == std::io::ErrorKind::FileTooLarge {
            // It grew after it was measured.
            too_large(limit + 1)
        } else {
            format!("{}: {e}", file.display())
        }
    })?;
    let report = node
        .import_bundle(&bytes, &mut |_, _| {})
        .map_err(|e| e.to_string())?;
    println!(
        "bundle imported: {}",
        tamga_edge::answers::bundle_imported(&report)
    );
    Ok(())
}

/// `import-seal-feed`: through the running node when it holds the store.
pub fn import_seal_feed(dir: &Path, file: &Path) -> Result<(), String> {
    let limit = tamga_sync::seal_feed::MAX_FEED_BYTES as u64;
    let bytes = read_limited(file, limit).map_err(|e| {
        if e.kind() == std::io::ErrorKind::FileTooLarge {
            format!(
                "{}: larger than a seal feed may be ({limit} bytes): ask the operator for smaller batches",
                file.display()
            )
        } else {
            format!("{}: {e}", file.display())
        }
    })?;
    let report = Client::open(dir)
        .map_err(|e| e.to_string())?
        .import_seal_feed(&bytes)?;
    println!("{}", report.in_words());
    Ok(())
}
