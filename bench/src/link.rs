//! A slow, lossy network link in virtual time, for benchmarks that must not sleep and cannot use
//! the kernel's netem: how long a message of a given size takes to cross a link of a given rate,
//! delay and loss when carried by TCP.
//!
//! # The model
//!
//! * A message (one HTTP request or response) is cut into TCP segments of at most
//!   [`LinkParams::mss`] payload bytes; each segment costs [`LinkParams::header`] more bytes on
//!   the wire (IPv4 + TCP headers). An empty message still costs one segment.
//! * The link serializes one segment at a time at [`LinkParams::rate_bps`]; a segment arrives
//!   [`LinkParams::one_way`] seconds after its last bit leaves. The sender is never limited by
//!   its congestion window: at 64 kbit/s and 600 ms the bandwidth-delay product is about three
//!   segments, below the initial window of ten (RFC 6928), so the link rate is the limit.
//! * Each transmission of a data segment is lost independently with probability
//!   [`LinkParams::loss`] (a seeded [`fastrand::Rng`], so a run is reproducible). ACKs are
//!   never lost (they are small and cumulative: a later one covers an earlier one).
//! * A lost segment followed in the same message by at least [`LinkParams::dupack_threshold`]
//!   more segments is recovered by fast retransmit: the third duplicate ACK reaches the sender
//!   about one round trip after the loss, and the segment is sent again ahead of new data.
//!   Otherwise (a loss near the end of a message, a lost retransmission) the retransmission
//!   timer fires: [`LinkParams::rto_initial`] after the transmission, doubling for each
//!   further loss of the same segment (RFC 6298).
//! * The message is delivered when its last missing segment arrives (TCP delivers in order).
//! * Opening a connection costs one round trip (SYN, SYN-ACK; the final ACK travels with the
//!   first data). A lost SYN or SYN-ACK is sent again after the retransmission timeout, 1 s
//!   and doubling, like Linux.
//! * Requests and responses do not overlap (a request/response protocol), so each message has
//!   the link to itself; processing at either end takes no virtual time (callers measure it
//!   apart).
//!
//! What it leaves out: slow start after an idle period or a timeout (which would add a little
//! for large messages after a loss), delayed ACKs, SACK (with SACK several losses in one
//! window are repaired in one round trip; here each is repaired on its own, in parallel with
//! the rest of the message), reordering and queueing at the bottleneck.

/// The link's properties.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkParams {
    /// Bits per second.
    pub rate_bps: f64,
    /// One-way propagation delay, seconds (a round trip is twice this).
    pub one_way: f64,
    /// Probability that a data segment transmission is lost.
    pub loss: f64,
    /// Largest TCP payload per segment, bytes.
    pub mss: usize,
    /// Header bytes per segment (IPv4 20 + TCP 20).
    pub header: usize,
    /// First retransmission timeout, seconds.
    pub rto_initial: f64,
    /// Later segments needed after a loss for fast retransmit (duplicate ACKs).
    pub dupack_threshold: usize,
}

impl LinkParams {
    /// About 64 kbit/s, 600 ms round trip, 5% loss: a poor mobile link at a remote post.
    pub fn slow_lossy() -> Self {
        LinkParams {
            rate_bps: 64_000.0,
            one_way: 0.3,
            loss: 0.05,
            mss: 1460,
            header: 40,
            rto_initial: 1.0,
            dupack_threshold: 3,
        }
    }

    /// The round trip time, seconds.
    pub fn rtt(&self) -> f64 {
        2.0 * self.one_way
    }

    /// Seconds to serialize `bytes` onto the link.
    pub fn serialize(&self, bytes: usize) -> f64 {
        bytes as f64 * 8.0 / self.rate_bps
    }

    /// The segments a message of `bytes` payload bytes needs (at least one).
    pub fn segments(&self, bytes: usize) -> usize {
        bytes.div_ceil(self.mss.max(1)).max(1)
    }

    /// Bytes on the wire for a message of `bytes`, without retransmissions.
    pub fn wire_bytes(&self, bytes: usize) -> usize {
        bytes + self.segments(bytes) * self.header
    }
}

/// What the link did so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Messages carried.
    pub messages: u64,
    /// Connections opened.
    pub connections: u64,
    /// Data segment transmissions, retransmissions included.
    pub transmissions: u64,
    /// Transmissions lost (data segments, SYN and SYN-ACK).
    pub lost: u64,
    /// Losses repaired by fast retransmit.
    pub fast_retransmits: u64,
    /// Retransmission timeouts (data and connection setup).
    pub timeouts: u64,
    /// Bytes put on the wire, headers and retransmissions included (connection setup: 2
    /// headers per attempt).
    pub wire_bytes: u64,
}

/// A link in virtual time with a seeded loss pattern.
pub struct Link {
    params: LinkParams,
    rng: fastrand::Rng,
    stats: LinkStats,
}

/// One transmission waiting for the link.
#[derive(Clone, Copy, Debug)]
struct Pending {
    segment: usize,
    ready: f64,
    /// Transmissions of this segment lost so far.
    losses: u32,
}

impl Link {
    /// A link with `params`, losses drawn from `seed`.
    pub fn new(params: LinkParams, seed: u64) -> Self {
        Link {
            params,
            rng: fastrand::Rng::with_seed(seed),
            stats: LinkStats::default(),
        }
    }

    /// The link's properties.
    pub fn params(&self) -> &LinkParams {
        &self.params
    }

    /// What the link did so far.
    pub fn stats(&self) -> LinkStats {
        self.stats
    }

    fn lost(&mut self) -> bool {
        let lost = self.rng.f64() < self.params.loss;
        if lost {
            self.stats.lost += 1;
        }
        lost
    }

    /// Seconds to open a connection: one round trip, plus a timeout (1 s, doubling) for each
    /// lost SYN or SYN-ACK.
    pub fn connect(&mut self) -> f64 {
        self.stats.connections += 1;
        let syn = self.params.serialize(self.params.header);
        let mut elapsed = 0.0;
        let mut rto = self.params.rto_initial;
        loop {
            self.stats.wire_bytes += 2 * self.params.header as u64;
            // The SYN, then (if it arrived) the SYN-ACK.
            if self.lost() || self.lost() {
                self.stats.timeouts += 1;
                elapsed += rto;
                rto *= 2.0;
                continue;
            }
            return elapsed + self.params.rtt() + 2.0 * syn;
        }
    }

    /// Seconds from the first byte of a `bytes`-byte message leaving until the whole message
    /// is delivered at the other end.
    pub fn transfer(&mut self, bytes: usize) -> f64 {
        let p = self.params;
        self.stats.messages += 1;
        let n = p.segments(bytes);
        let size = |segment: usize| {
            let payload = if segment + 1 == n {
                bytes - segment * p.mss
            } else {
                p.mss
            };
            payload + p.header
        };
        let mut delivered = vec![f64::NAN; n];
        let mut next_original = 0;
        // Retransmissions waiting for their time, sent ahead of new data once ready.
        let mut retransmits: Vec<Pending> = Vec::new();
        let mut free_at = 0.0_f64;
        loop {
            let earliest = retransmits
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.ready.total_cmp(&b.1.ready))
                .map(|(i, r)| (i, r.ready));
            let tx = match earliest {
                Some((i, ready)) if next_original >= n || ready <= free_at => {
                    retransmits.swap_remove(i)
                }
                _ if next_original < n => {
                    next_original += 1;
                    Pending {
                        segment: next_original - 1,
                        ready: 0.0,
                        losses: 0,
                    }
                }
                _ => break,
            };
            let start = free_at.max(tx.ready);
            let wire = size(tx.segment);
            free_at = start + p.serialize(wire);
            self.stats.transmissions += 1;
            self.stats.wire_bytes += wire as u64;
            if !self.lost() {
                delivered[tx.segment] = free_at + p.one_way;
                continue;
            }
            let losses = tx.losses + 1;
            let later = n - 1 - tx.segment;
            let ready = if tx.losses == 0 && later >= p.dupack_threshold {
                // The segments after it arrive and each draws a duplicate ACK; the
                // threshold-th reaches the sender a round trip after the loss.
                self.stats.fast_retransmits += 1;
                free_at + p.dupack_threshold as f64 * p.serialize(p.mss + p.header) + p.rtt()
            } else {
                self.stats.timeouts += 1;
                start + p.rto_initial * f64::powi(2.0, tx.losses as i32)
            };
            retransmits.push(Pending {
                segment: tx.segment,
                ready,
                losses,
            });
        }
        delivered.into_iter().fold(0.0, f64::max)
    }

    /// Seconds for one request/response exchange on an open connection.
    pub fn exchange(&mut self, request: usize, response: usize) -> f64 {
        self.transfer(request) + self.transfer(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lossless() -> LinkParams {
        LinkParams {
            loss: 0.0,
            ..LinkParams::slow_lossy()
        }
    }

    #[test]
    fn without_loss_a_message_costs_its_serialization_and_the_delay() {
        let p = lossless();
        let mut link = Link::new(p, 1);
        // 10,000 bytes: 7 segments, 10,280 bytes on the wire.
        assert_eq!(p.segments(10_000), 7);
        assert_eq!(p.wire_bytes(10_000), 10_280);
        let t = link.transfer(10_000);
        let expected = 10_280.0 * 8.0 / 64_000.0 + 0.3;
        assert!((t - expected).abs() < 1e-9, "{t} vs {expected}");
        assert_eq!(link.stats().wire_bytes, 10_280);
        assert_eq!(link.stats().transmissions, 7);
        // An empty message is one bare segment.
        let t = link.transfer(0);
        assert!((t - (40.0 * 8.0 / 64_000.0 + 0.3)).abs() < 1e-9);
        // Opening a connection is one round trip (and two bare segments).
        let c = link.connect();
        assert!((c - (0.6 + 2.0 * 40.0 * 8.0 / 64_000.0)).abs() < 1e-9);
    }

    #[test]
    fn an_exchange_is_the_sum_of_its_two_messages() {
        let mut a = Link::new(lossless(), 1);
        let mut b = Link::new(lossless(), 1);
        let t = a.exchange(2_000, 30_000);
        assert!((t - (b.transfer(2_000) + b.transfer(30_000))).abs() < 1e-9);
    }

    #[test]
    fn every_loss_costs_time_and_bytes() {
        let p = LinkParams::slow_lossy();
        let clean = Link::new(lossless(), 7).transfer(200_000);
        let mut link = Link::new(p, 7);
        let t = link.transfer(200_000);
        let s = link.stats();
        assert_eq!(s.transmissions - s.lost, p.segments(200_000) as u64);
        assert!(s.lost > 0, "5% of 137 segments: some are lost");
        assert!(t > clean, "{t} > {clean}");
        assert!(s.wire_bytes > p.wire_bytes(200_000) as u64);
        // Most losses in a long message are repaired by fast retransmit.
        assert!(s.fast_retransmits > 0);
    }

    #[test]
    fn a_lost_last_segment_waits_for_the_timeout() {
        // A one-segment message has no later segments to draw duplicate ACKs: every loss waits
        // for the timer, 1 s and then 2 s more.
        let p = LinkParams {
            loss: 0.5,
            ..LinkParams::slow_lossy()
        };
        let one = p.serialize(100 + 40) + 0.3;
        let mut seen = [false; 3];
        for seed in 0..100 {
            let mut l = Link::new(p, seed);
            let t = l.transfer(100);
            let s = l.stats();
            assert_eq!(s.fast_retransmits, 0);
            assert_eq!(s.timeouts, s.lost);
            match s.lost {
                0 => assert!((t - one).abs() < 1e-9, "{t}"),
                1 => assert!((t - (1.0 + one)).abs() < 1e-9, "{t}"),
                2 => assert!((t - (3.0 + one)).abs() < 1e-9, "{t}"),
                _ => assert!(t > 7.0),
            }
            if s.lost < 3 {
                seen[s.lost as usize] = true;
            }
        }
        assert_eq!(seen, [true; 3]);
    }

    #[test]
    fn a_lost_syn_costs_a_timeout() {
        let p = LinkParams {
            loss: 0.5,
            ..LinkParams::slow_lossy()
        };
        let rtt = 0.6 + 2.0 * p.serialize(40);
        for seed in 0..50 {
            let mut l = Link::new(p, seed);
            let t = l.connect();
            match l.stats().timeouts {
                0 => assert!((t - rtt).abs() < 1e-9),
                1 => assert!((t - (1.0 + rtt)).abs() < 1e-9),
                2 => assert!((t - (3.0 + rtt)).abs() < 1e-9),
                _ => assert!(t > 7.0),
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_run() {
        let p = LinkParams::slow_lossy();
        let mut a = Link::new(p, 42);
        let mut b = Link::new(p, 42);
        for bytes in [10, 5_000, 80_000, 1_000_000] {
            assert_eq!(a.transfer(bytes), b.transfer(bytes));
        }
        assert_eq!(a.stats(), b.stats());
    }
}
