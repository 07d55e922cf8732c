//! What goes wrong, and when: the faults a [`Schedule`] decides for each connection and each
//! chunk, a pure function of the seed.

use std::time::Duration;

/// Which way bytes flow through a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the client that connected to the proxy, to the target.
    Up,
    /// From the target back to the client.
    Down,
}

/// What happens to a whole connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnFault {
    /// Forwarded as it is (chunk faults may still apply).
    Pass,
    /// Closed at once; nothing is forwarded.
    Drop,
    /// Connected upstream only after this long.
    Delay(Duration),
    /// Every complete HTTP request on it is also sent again on a new upstream connection.
    Duplicate,
    /// Held until a later connection has been forwarded, or at most this long.
    Reorder(Duration),
    /// `bytes` of direction `direction` are forwarded, then both sides are closed.
    Truncate {
        /// The direction cut.
        direction: Direction,
        /// How many bytes get through.
        bytes: usize,
    },
    /// Every connection is cut and new ones are refused for this long (this one included).
    LinkDown(Duration),
}

/// What happens to one chunk read from one side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkFault {
    /// Forwarded.
    Pass,
    /// Forwarded after this long (holding everything behind it).
    Delay(Duration),
    /// Not forwarded; both sides are closed.
    Drop,
    /// Only this many bytes of the chunk are forwarded (at most its length minus one); then
    /// both sides are closed.
    Truncate(usize),
}

/// The odds of each fault, and the seed that draws them.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// The seed: the same seed gives the same decisions.
    pub seed: u64,
    /// Per connection: closed at once.
    pub drop: f64,
    /// Per connection: delayed.
    pub delay: f64,
    /// Per connection: requests replayed.
    pub duplicate: f64,
    /// Per connection: held so that later ones overtake.
    pub reorder: f64,
    /// Per connection: one direction cut short.
    pub truncate: f64,
    /// Per connection: the link goes down.
    pub link_down: f64,
    /// Per chunk: delayed.
    pub chunk_delay: f64,
    /// Per chunk: dropped (connection closed).
    pub chunk_drop: f64,
    /// Per chunk: cut short (connection closed).
    pub chunk_truncate: f64,
    /// The longest delay or hold, in milliseconds.
    pub max_delay_ms: u64,
    /// The longest time the link stays down, in milliseconds.
    pub max_down_ms: u64,
}

/// splitmix64: a good 64-bit mix for deriving independent streams from one seed.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Schedule {
    /// No faults at all.
    pub fn clean() -> Schedule {
        Schedule {
            seed: 0,
            drop: 0.0,
            delay: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            truncate: 0.0,
            link_down: 0.0,
            chunk_delay: 0.0,
            chunk_drop: 0.0,
            chunk_truncate: 0.0,
            max_delay_ms: 0,
            max_down_ms: 0,
        }
    }

    /// A schedule whose mix of faults is itself drawn from `seed`: some schedules are mostly
    /// drops, some mostly duplicates and reordering, some a link that keeps going down.
    pub fn random(seed: u64) -> Schedule {
        let mut rng = fastrand::Rng::with_seed(mix(seed));
        let mut odds = |max: f64| {
            if rng.bool() {
                rng.f64() * max
            } else {
                0.0
            }
        };
        let drop = odds(0.25);
        let delay = odds(0.3);
        let duplicate = odds(0.3);
        let reorder = odds(0.2);
        let truncate = odds(0.25);
        let link_down = odds(0.08);
        let chunk_delay = odds(0.15);
        let chunk_drop = odds(0.05);
        let chunk_truncate = odds(0.05);
        Schedule {
            seed,
            drop,
            delay,
            duplicate,
            reorder,
            truncate,
            link_down,
            chunk_delay,
            chunk_drop,
            chunk_truncate,
            max_delay_ms: 50 + rng.u64(0..700),
            max_down_ms: 200 + rng.u64(0..1500),
        }
    }

    /// Whether the schedule injects nothing.
    pub fn is_clean(&self) -> bool {
        [
            self.drop,
            self.delay,
            self.duplicate,
            self.reorder,
            self.truncate,
            self.link_down,
            self.chunk_delay,
            self.chunk_drop,
            self.chunk_truncate,
        ]
        .iter()
        .all(|p| *p <= 0.0)
    }

    fn rng(&self, conn: u64, stream: u64, chunk: u64) -> fastrand::Rng {
        fastrand::Rng::with_seed(mix(mix(mix(self.seed) ^ conn) ^ stream) ^ chunk)
    }

    /// What happens to the `conn`th connection (counting from 0).
    pub fn connection(&self, conn: u64) -> ConnFault {
        let mut rng = self.rng(conn, 0, 0);
        let delay = || Duration::from_millis(1 + self.max_delay_ms);
        let mut roll = rng.f64();
        let mut pick = |p: f64| {
            if roll < p {
                true
            } else {
                roll -= p;
                false
            }
        };
        if pick(self.link_down) {
            ConnFault::LinkDown(Duration::from_millis(
                50 + rng.u64(0..=self.max_down_ms.max(1)),
            ))
        } else if pick(self.drop) {
            ConnFault::Drop
        } else if pick(self.truncate) {
            ConnFault::Truncate {
                direction: if rng.bool() {
                    Direction::Up
                } else {
                    Direction::Down
                },
                bytes: rng.usize(0..600),
            }
        } else if pick(self.duplicate) {
            ConnFault::Duplicate
        } else if pick(self.reorder) {
            ConnFault::Reorder(delay().mul_f64(0.5 + rng.f64()))
        } else if pick(self.delay) {
            ConnFault::Delay(Duration::from_millis(
                rng.u64(1..=delay().as_millis() as u64),
            ))
        } else {
            ConnFault::Pass
        }
    }

    /// What happens to the `chunk`th chunk read in `direction` on the `conn`th connection.
    pub fn chunk(&self, conn: u64, direction: Direction, chunk: u64, len: usize) -> ChunkFault {
        let stream = match direction {
            Direction::Up => 1,
            Direction::Down => 2,
        };
        let mut rng = self.rng(conn, stream, chunk + 1);
        let roll = rng.f64();
        if roll < self.chunk_drop {
            ChunkFault::Drop
        } else if roll < self.chunk_drop + self.chunk_truncate && len > 1 {
            ChunkFault::Truncate(rng.usize(0..len))
        } else if roll < self.chunk_drop + self.chunk_truncate + self.chunk_delay {
            ChunkFault::Delay(Duration::from_millis(rng.u64(1..=self.max_delay_ms.max(1))))
        } else {
            ChunkFault::Pass
        }
    }
}
