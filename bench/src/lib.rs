//! tamga's benchmark suite. Every figure is measured against a baseline in the same run and
//! printed as a ratio; `scripts/bench.sh` runs them all (or a quick mode of each for CI), and
//! BENCHMARKS.md records the results with the commands that reproduce them.

pub mod consignments;
pub mod link;
pub mod procstat;
pub mod sync_pair;
