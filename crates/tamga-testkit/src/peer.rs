//! A blocking HTTP/1.1 client that speaks to a node as one of its peers: over TLS 1.3, with the
//! TLS configuration the caller builds (a device key to present, the key the node must present;
//! see `tamga_node::tls::client_config`). For hand-made sync requests and handoffs in tests, and
//! for a test that a wrong key fails the handshake.

use crate::http::{read_response, request_bytes, Response, TIMEOUT};
use rustls::pki_types::ServerName;
use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;

/// A client for one node at `HOST:PORT`, as the peer its configuration presents.
#[derive(Clone)]
pub struct PeerHttp {
    authority: String,
    config: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for PeerHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerHttp")
            .field("authority", &self.authority)
            .finish_non_exhaustive()
    }
}

impl PeerHttp {
    /// A client for `base` (`https://HOST:PORT`, `http://HOST:PORT` or `HOST:PORT`: the node's
    /// one port) over TLS with `config`.
    pub fn new(base: &str, config: rustls::ClientConfig) -> PeerHttp {
        let base = base.trim_end_matches('/');
        let authority = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .unwrap_or(base)
            .to_owned();
        PeerHttp {
            authority,
            config: Arc::new(config),
        }
    }

    /// `HOST:PORT`.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// `METHOD path` with `headers` and `body` on a new TLS connection. A failed handshake is an
    /// error that says why.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, String> {
        let address = self
            .authority
            .to_socket_addrs()
            .map_err(|e| format!("{}: {e}", self.authority))?
            .next()
            .ok_or_else(|| format!("{}: no address", self.authority))?;
        let tcp = TcpStream::connect_timeout(&address, TIMEOUT)
            .map_err(|e| format!("connect to {}: {e}", self.authority))?;
        tcp.set_read_timeout(Some(TIMEOUT))
            .and_then(|()| tcp.set_write_timeout(Some(TIMEOUT)))
            .map_err(|e| e.to_string())?;
        let name = ServerName::try_from(address.ip().to_string()).map_err(|e| e.to_string())?;
        let connection = rustls::ClientConnection::new(Arc::clone(&self.config), name)
            .map_err(|e| e.to_string())?;
        let mut stream = rustls::StreamOwned::new(connection, tcp);
        // The handshake first, so that a refused key is told apart from a failed request.
        while stream.conn.is_handshaking() {
            stream
                .conn
                .complete_io(&mut stream.sock)
                .map_err(|e| format!("TLS handshake with {}: {e}", self.authority))?;
        }
        // A large body waits for the node's `100 Continue`: a node that refuses it from its head
        // (413) says so before a byte of it is sent, as over TLS a refusal racing a write is
        // lost with the connection.
        let large = body.len() > 64 * 1024;
        let mut with_expect = headers.to_vec();
        if large {
            with_expect.push(("Expect", "100-continue"));
        }
        let out = request_bytes(&self.authority, method, path, &with_expect, body);
        let (head, rest) = out.split_at(out.len() - body.len());
        let fail = |e: std::io::Error| format!("{method} {path}: writing: {e}");
        stream
            .write_all(head)
            .and_then(|()| stream.flush())
            .map_err(fail)?;
        if large {
            let early = read_response(&mut stream, false)?;
            if early.status != 100 {
                return Ok(early);
            }
        }
        stream
            .write_all(rest)
            .and_then(|()| stream.flush())
            .map_err(fail)?;
        read_response(&mut stream, method == "HEAD").map_err(|e| format!("{method} {path}: {e}"))
    }

    /// [`PeerHttp::request`], panicking when there is no answer.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        self.request(method, path, headers, body)
            .unwrap_or_else(|e| panic!("{}: {e}", self.authority))
    }
}
