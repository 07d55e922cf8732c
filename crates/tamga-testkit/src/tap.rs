//! A wiretap: a TCP relay on loopback in front of a server that keeps every byte each way, for
//! tests that check what an eavesdropper on the link would read (and what replaying it does).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One connection's bytes: what the client sent, what the server answered.
#[derive(Clone, Debug, Default)]
pub struct Captured {
    /// Client to server.
    pub up: Vec<u8>,
    /// Server to client.
    pub down: Vec<u8>,
}

type Connections = Arc<Mutex<Vec<Arc<Mutex<Captured>>>>>;

/// A relay to one target that keeps what passes. It runs until the test ends.
#[derive(Clone)]
pub struct Tap {
    address: SocketAddr,
    connections: Connections,
}

impl Tap {
    /// A tap on a fresh loopback port in front of `target`.
    pub fn start(target: SocketAddr) -> Tap {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let address = listener.local_addr().expect("bound");
        let connections: Connections = Arc::default();
        let keep = Arc::clone(&connections);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                let captured = Arc::new(Mutex::new(Captured::default()));
                keep.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(Arc::clone(&captured));
                let (Ok(client_r), Ok(server_r)) = (client.try_clone(), server.try_clone()) else {
                    continue;
                };
                let up = Arc::clone(&captured);
                std::thread::spawn(move || pump(client_r, server, &up, true));
                std::thread::spawn(move || pump(server_r, client, &captured, false));
            }
        });
        Tap {
            address,
            connections,
        }
    }

    /// `HOST:PORT` of the tap.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// What passed, one entry per connection, in the order they were opened.
    pub fn captured(&self) -> Vec<Captured> {
        self.connections
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|c| c.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .collect()
    }

    /// Every byte that passed, both ways, all connections.
    pub fn all_bytes(&self) -> Vec<u8> {
        self.captured()
            .into_iter()
            .flat_map(|c| c.up.into_iter().chain(c.down))
            .collect()
    }
}

/// Copies `from` to `to`, keeping each chunk, until either side closes.
fn pump(mut from: TcpStream, mut to: TcpStream, into: &Mutex<Captured>, up: bool) {
    let mut chunk = [0u8; 64 * 1024];
    loop {
        match from.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                {
                    let mut c = into.lock().unwrap_or_else(|p| p.into_inner());
                    let side = if up { &mut c.up } else { &mut c.down };
                    side.extend_from_slice(&chunk[..n]);
                }
                if to.write_all(&chunk[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_keeps_both_ways_and_passes_them_on() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let target = server.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut s, _) = server.accept().unwrap();
            let mut buf = [0u8; 5];
            s.read_exact(&mut buf).unwrap();
            s.write_all(b"pong:").unwrap();
            s.write_all(&buf).unwrap();
        });
        let tap = Tap::start(target);
        let mut c = TcpStream::connect(tap.address()).unwrap();
        c.write_all(b"hello").unwrap();
        let mut answer = [0u8; 10];
        c.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"pong:hello");
        std::thread::sleep(std::time::Duration::from_millis(50));
        let captured = tap.captured();
        assert_eq!(captured.len(), 1);
        assert_eq!(captured[0].up, b"hello");
        assert_eq!(captured[0].down, b"pong:hello");
        assert!(contains(&tap.all_bytes(), b"pong"));
        assert!(!contains(&tap.all_bytes(), b"absent"));
    }
}
