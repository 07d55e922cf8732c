//! tamga's reliability suite on real processes: a fault-injecting TCP proxy put between nodes,
//! and the harness that starts tamga-central and tamga-edge, kills them, and checks that every
//! acknowledged act survives and every node converges. `scripts/reliability.sh` runs it.
