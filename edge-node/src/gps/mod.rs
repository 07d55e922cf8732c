//! Positions from the vehicle's own GPS receiver, through gpsd, signed as `position_reported`
//! acts. A vehicle node whose configuration has `[gps]` ([`crate::config::GpsConfig`]) runs
//! [`run`] beside its server (`tamga-edge serve`).
//!
//! This module is the thin shell: it connects to gpsd (`gpsd`, default `127.0.0.1:2947`), asks
//! for its reports (`?WATCH={"enable":true,"json":true};`), reads its lines (each at most
//! [`fixes::MAX_LINE_BYTES`]; a longer one is garbage) and hands each to the pure filter
//! ([`fixes`]) with the node's clock. The fixes taken wait in a batch, signed by the device key
//! and recorded for each consignment in the unit's custody ([`record`]) once the batch has
//! `batch_fixes` fixes or its first fix has waited `batch_seconds`, whichever comes first; fixes
//! with no consignment to be signed for are dropped and counted. When gpsd is lost (the
//! connection refused, closed or failing), the batch is recorded at once, and the client tries
//! again after 1 s, doubling to 30 s, the status saying `lost` meanwhile ([`status`]). On
//! SIGTERM the batch is recorded before the task ends.

pub mod fixes;
pub mod record;
pub mod status;

use crate::config::GpsConfig;
use fixes::{Filter, Fix, Reason, MAX_LINE_BYTES};
use record::Recorder;
use status::GpsState;
use std::sync::Arc;
use std::time::Duration;
use tamga_core::Timestamp;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{debug, info, warn};

/// What the client sends gpsd once connected: reports as JSON, until the connection ends.
pub const WATCH: &[u8] = b"?WATCH={\"enable\":true,\"json\":true};\n";
/// How long connecting to gpsd may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait between attempts to reach gpsd.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The wait before the next attempt to reach gpsd after `failures` failed attempts in a row: 1 s,
/// doubling, at most [`MAX_BACKOFF`].
pub fn backoff(failures: u32) -> Duration {
    Duration::from_secs(1u64 << failures.min(5)).min(MAX_BACKOFF)
}

/// A line read, or a line too long to keep.
#[derive(Debug, PartialEq, Eq)]
enum Read {
    Line(Vec<u8>),
    TooLong,
}

/// gpsd's lines, each kept up to [`MAX_LINE_BYTES`]: the rest of a longer one is skipped, never
/// held in memory.
struct Lines<R> {
    reader: R,
    line: Vec<u8>,
    too_long: bool,
}

impl<R: AsyncBufRead + Unpin> Lines<R> {
    fn new(reader: R) -> Self {
        Lines {
            reader,
            line: Vec::new(),
            too_long: false,
        }
    }

    fn keep(line: &mut Vec<u8>, too_long: &mut bool, bytes: &[u8]) {
        if *too_long {
            return;
        }
        if line.len() + bytes.len() > MAX_LINE_BYTES {
            *too_long = true;
            *line = Vec::new();
        } else {
            line.extend_from_slice(bytes);
        }
    }

    fn finish(&mut self) -> Read {
        if std::mem::take(&mut self.too_long) {
            Read::TooLong
        } else {
            Read::Line(std::mem::take(&mut self.line))
        }
    }

    /// The next line (without its `\n`), or `None` at the end of the stream. Cancel safe: what was
    /// read of a line stays for the next call.
    async fn next(&mut self) -> std::io::Result<Option<Read>> {
        loop {
            let buf = self.reader.fill_buf().await?;
            if buf.is_empty() {
                if self.line.is_empty() && !self.too_long {
                    return Ok(None);
                }
                return Ok(Some(self.finish()));
            }
            match buf.iter().position(|b| *b == b'\n') {
                Some(end) => {
                    Self::keep(&mut self.line, &mut self.too_long, &buf[..end]);
                    self.reader.consume(end + 1);
                    return Ok(Some(self.finish()));
                }
                None => {
                    let n = buf.len();
                    Self::keep(&mut self.line, &mut self.too_long, buf);
                    self.reader.consume(n);
                }
            }
        }
    }
}

/// The fixes taken, waiting to be signed.
struct Batch {
    fixes: Vec<Fix>,
    due: Option<Instant>,
}

/// How a session with gpsd ended.
enum Ended {
    /// The node stops.
    Stop,
    /// gpsd was lost, for this reason.
    Lost(String),
}

/// The client: everything the task keeps between sessions with gpsd.
struct Client {
    config: GpsConfig,
    state: Arc<GpsState>,
    recorder: Arc<Recorder>,
    filter: Filter,
    batch: Batch,
    /// Failed attempts in a row (a session that heard from gpsd ends the run).
    failures: u32,
}

/// Runs the gpsd client until `stop` changes: reads fixes, signs them in batches with
/// `recorder`, keeps `state` for the status.
pub async fn run(
    config: GpsConfig,
    recorder: Recorder,
    state: Arc<GpsState>,
    mut stop: watch::Receiver<bool>,
) {
    let mut client = Client {
        filter: Filter::new(config.max_speed_kmh),
        config,
        state,
        recorder: Arc::new(recorder),
        batch: Batch {
            fixes: Vec::new(),
            due: None,
        },
        failures: 0,
    };
    info!(gpsd = %client.config.gpsd, "reading positions from gpsd");
    loop {
        if *stop.borrow() {
            break;
        }
        let address = client.config.gpsd.clone();
        let connected = tokio::select! {
            c = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address.as_str())) => c,
            _ = stop.changed() => break,
        };
        let reason = match connected {
            Ok(Ok(stream)) => match client.session(stream, &mut stop).await {
                Ended::Stop => break,
                Ended::Lost(reason) => reason,
            },
            Ok(Err(e)) => format!("gpsd at {address} cannot be reached ({e})"),
            Err(_) => format!(
                "gpsd at {address} did not answer within {} s",
                CONNECT_TIMEOUT.as_secs()
            ),
        };
        // What was batched is recorded now, not left to wait for gpsd.
        client.flush().await;
        let wait = backoff(client.failures);
        let first = client.failures == 0;
        client.failures = client.failures.saturating_add(1);
        let error = format!(
            "{reason}: is gpsd running and the receiver plugged in? (`[gps] gpsd` in tamga-edge.toml, or TAMGA_EDGE_GPSD, gives its address); trying again in {} s",
            wait.as_secs()
        );
        if first {
            warn!(gpsd = %address, error = %reason, "gpsd lost; trying again");
        } else {
            debug!(gpsd = %address, error = %reason, wait = wait.as_secs(), "gpsd still lost");
        }
        client.state.lost(Timestamp::now(), error, wait);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => break,
        }
    }
    client.flush().await;
    info!("stopped reading positions from gpsd");
}

impl Client {
    /// One connection to gpsd, until it is lost or the node stops.
    async fn session(&mut self, stream: TcpStream, stop: &mut watch::Receiver<bool>) -> Ended {
        let (read, mut write) = stream.into_split();
        if let Err(e) = write.write_all(WATCH).await {
            return Ended::Lost(format!(
                "gpsd at {} refused the watch request ({e})",
                self.config.gpsd
            ));
        }
        self.state.connected(Timestamp::now());
        info!(gpsd = %self.config.gpsd, "connected to gpsd");
        let mut lines = Lines::new(BufReader::new(read));
        loop {
            let due = self.batch.due;
            tokio::select! {
                read = lines.next() => match read {
                    Ok(Some(read)) => {
                        self.failures = 0;
                        self.line(read).await;
                    }
                    Ok(None) => {
                        return Ended::Lost(format!("gpsd at {} closed the connection", self.config.gpsd))
                    }
                    Err(e) => {
                        return Ended::Lost(format!("reading from gpsd at {} failed ({e})", self.config.gpsd))
                    }
                },
                _ = tokio::time::sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => {
                    self.flush().await;
                }
                _ = stop.changed() => return Ended::Stop,
            }
        }
    }

    /// One line from gpsd: the filter's verdict, the batch, the status; the batch signed once
    /// it is full.
    async fn line(&mut self, read: Read) {
        let now = Timestamp::now();
        let step = match read {
            Read::Line(bytes) => self.filter.line(&bytes, now),
            Read::TooLong => fixes::Step {
                refused: vec![Reason::Garbage],
                ..fixes::Step::default()
            },
        };
        if !step.taken.is_empty() && self.batch.fixes.is_empty() {
            self.batch.due = Some(Instant::now() + Duration::from_secs(self.config.batch_seconds));
        }
        self.batch.fixes.extend(step.taken.iter().cloned());
        for jump in &step.jumps {
            warn!(
                from = %format_args!("{} {}", jump.from.coordinates.latitude, jump.from.coordinates.longitude),
                to = %format_args!("{} {}", jump.to.coordinates.latitude, jump.to.coordinates.longitude),
                speed_kmh = jump.speed_kmh.round(),
                "a GPS fix jumped too far: not signed"
            );
        }
        if step.refused.contains(&Reason::Garbage) {
            debug!("a line from gpsd that is not gpsd's JSON: ignored");
        }
        self.state
            .step(now, &step, self.batch.fixes.len(), self.filter.held());
        if self.batch.fixes.len() >= self.config.batch_fixes {
            self.flush().await;
        }
    }

    /// Signs and records the batch, if it has fixes, for the consignments in custody now.
    async fn flush(&mut self) {
        self.batch.due = None;
        let fixes = std::mem::take(&mut self.batch.fixes);
        if fixes.is_empty() {
            return;
        }
        let now = Timestamp::now();
        let count = fixes.len();
        let recorder = Arc::clone(&self.recorder);
        let per_act = self.config.batch_fixes;
        let outcome =
            tokio::task::spawn_blocking(move || recorder.record(&fixes, now, per_act)).await;
        self.state.waiting(0);
        let recorded = match outcome {
            Ok(Ok(recorded)) => recorded,
            Ok(Err(e)) => {
                warn!(error = %e, fixes = count, "positions not recorded: the store failed");
                self.state.refused(Reason::NotRecorded, count);
                self.state
                    .batch(now, count, Vec::new(), 0, Some(e.to_string()));
                return;
            }
            Err(e) => {
                warn!(error = %e, "the task recording positions ended abnormally");
                self.state.refused(Reason::NotRecorded, count);
                self.state
                    .batch(now, count, Vec::new(), 0, Some(e.to_string()));
                return;
            }
        };
        if recorded.consignments.is_empty() {
            debug!(
                fixes = count,
                "no consignment in this unit's custody: fixes dropped"
            );
            self.state.refused(Reason::NobodyInCustody, count);
            return;
        }
        let error = (!recorded.failed.is_empty()).then(|| {
            recorded
                .failed
                .iter()
                .map(|(c, e)| format!("{c}: {e}"))
                .collect::<Vec<_>>()
                .join("; ")
        });
        if let Some(e) = &error {
            warn!(error = %e, "positions not recorded for some consignments");
        }
        if recorded.acts == 0 {
            self.state.refused(Reason::NotRecorded, count);
        } else {
            info!(
                fixes = count,
                acts = recorded.acts,
                consignments = recorded.consignments.len(),
                "positions signed and recorded"
            );
        }
        let consignments = recorded
            .consignments
            .into_iter()
            .filter(|c| !recorded.failed.iter().any(|(f, _)| f == c))
            .collect();
        self.state
            .batch(now, count, consignments, recorded.acts, error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_starts_at_a_second_and_doubles_to_thirty() {
        let waits: Vec<u64> = (0..8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }

    #[tokio::test]
    async fn lines_are_bounded_and_a_last_line_without_its_end_is_read() {
        let mut input = b"{\"class\":\"VERSION\"}\r\n".to_vec();
        input.extend(vec![b'x'; MAX_LINE_BYTES + 10]);
        input.extend(b"\n\n{\"class\":\"TPV\",\"mode\":1}\nlast");
        // A reader that hands over a few bytes at a time, as a socket may.
        let reader = BufReader::with_capacity(7, &input[..]);
        let mut lines = Lines::new(reader);
        let mut got = Vec::new();
        while let Some(read) = lines.next().await.unwrap() {
            got.push(read);
        }
        assert_eq!(
            got,
            [
                Read::Line(b"{\"class\":\"VERSION\"}\r".to_vec()),
                Read::TooLong,
                Read::Line(Vec::new()),
                Read::Line(b"{\"class\":\"TPV\",\"mode\":1}".to_vec()),
                Read::Line(b"last".to_vec()),
            ]
        );
        assert!(lines.line.capacity() <= MAX_LINE_BYTES);
    }
}
