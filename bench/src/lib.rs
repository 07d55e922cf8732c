//! tamga's benchmark suite. Every figure is measured against a baseline in the same run and
//! printed as a ratio; `scripts/bench.sh` runs them all (or a quick mode of each for CI), and
//! BENCHMARKS.md records the results with the commands that reproduce them.

pub mod consignments;
pub mod link;
pub mod procstat;
pub mod sync_pair;

/// Bytes in MiB, for printing.
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The size a benchmark runs at: the first number among its arguments, else `quick` with
/// `--quick`, else `full`.
pub fn size(args: &[String], quick: u64, full: u64) -> u64 {
    args.iter().skip(1).find_map(|a| a.parse().ok()).unwrap_or(
        if args.iter().any(|a| a == "--quick") {
            quick
        } else {
            full
        },
    )
}

/// A post node at the Manas airport post in `dir`, made as `tamga-edge init` makes one, opened,
/// with the story's registry recorded.
pub fn post_node(
    dir: &std::path::Path,
    story: &tamga_core::fixtures::Story,
) -> tamga_edge::node::Node {
    use tamga_edge::node::{InitOptions, Node};
    Node::init(
        dir,
        InitOptions {
            role: tamga_edge::config::NodeRole::Post,
            unit: "MANAS-AIRPORT".into(),
            authority: story.authority_id().to_string(),
            listen: "127.0.0.1:0".into(),
            central_units: vec!["HQ-RECON".into()],
        },
    )
    .expect("a post node");
    let node = Node::open(dir).expect("the node opens");
    for act in story.registry_acts() {
        node.store.record(&act).expect("the registry");
    }
    node
}
