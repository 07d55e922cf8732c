//! tamga's benchmark suite. Every figure is measured against a baseline in the same run and
//! printed as a ratio; `scripts/bench.sh` runs them all (or a quick mode of each for CI), and
//! BENCHMARKS.md records the results with the commands that reproduce them.

pub mod consignments;
pub mod link;
pub mod procstat;
pub mod sync_pair;

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
