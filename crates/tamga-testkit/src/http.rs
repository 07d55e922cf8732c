//! A small blocking HTTP/1.1 client over [`TcpStream`], enough for tests against a node on
//! loopback: any method, headers, a body of bytes; the answer's status, headers and body
//! (`Content-Length`, chunked, or up to the close). One connection per request
//! (`Connection: close`), so no kept connection is ever reused as the server closes it.
//!
//! The body is written on its own thread while the answer is read, so that a server that
//! answers before reading the whole body (413 for an oversized one) is heard, not cut off by a
//! failed write.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long a request may wait to connect, and for each read and write.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// An answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body (chunked transfer decoded).
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `METHOD path` to `authority` (`host:port`) with `headers` and `body`. A `Host` header is
/// added unless `headers` has one; `Content-Length` whenever there is a body or the method is
/// not GET or HEAD.
pub fn request(
    authority: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response, String> {
    let address = authority
        .to_socket_addrs()
        .map_err(|e| format!("{authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("{authority}: no address"))?;
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT)
        .map_err(|e| format!("connect to {authority}: {e}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let out = request_bytes(authority, method, path, headers, body);
    let written = std::thread::spawn(move || writer.write_all(&out).map_err(|e| e.to_string()));
    let answer = read_response(&mut stream, method == "HEAD");
    let written = written
        .join()
        .unwrap_or_else(|_| Err("the writer panicked".into()));
    match (answer, written) {
        (Ok(response), _) => Ok(response),
        (Err(read), Err(write)) => Err(format!("{method} {path}: {read} (writing: {write})")),
        (Err(read), Ok(())) => Err(format!("{method} {path}: {read}")),
    }
}

/// The bytes of a request: head (with `Host` unless given, `Content-Length` when there is a body
/// or the method is not GET or HEAD, `Connection: close`) and body.
pub(crate) fn request_bytes(
    authority: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head += &format!("Host: {authority}\r\n");
    }
    for (name, value) in headers {
        head += &format!("{name}: {value}\r\n");
    }
    if !body.is_empty() || !matches!(method, "GET" | "HEAD") {
        head += &format!("Content-Length: {}\r\n", body.len());
    }
    head += "Connection: close\r\n\r\n";
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Reads one answer: up to its end when its length is known, else up to the close. An error
/// after a complete answer (the server reset the connection) does not count.
pub(crate) fn read_response(stream: &mut impl Read, head_only: bool) -> Result<Response, String> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if let Some(done) = parse(&raw, head_only, false)? {
            return Ok(done);
        }
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return match parse(&raw, head_only, true) {
                    Ok(Some(done)) if !raw.is_empty() => Ok(done),
                    _ => Err(format!("{e} after {} bytes of the answer", raw.len())),
                }
            }
        }
    }
    parse(&raw, head_only, true)?.ok_or_else(|| {
        format!(
            "the connection closed after {} bytes, before the answer was complete",
            raw.len()
        )
    })
}

/// The answer in `raw`, if complete (`closed`: nothing more will come).
fn parse(raw: &[u8], head_only: bool, closed: bool) -> Result<Option<Response>, String> {
    let Some(end) = find(raw, b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = &raw[end + 4..];
    let respond = |body: Vec<u8>| {
        Ok(Some(Response {
            status,
            headers: headers.clone(),
            body,
        }))
    };
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
        return respond(Vec::new());
    }
    if header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        return match dechunk(rest)? {
            Some(body) => respond(body),
            None if closed => Err("the chunked body was cut off".into()),
            None => Ok(None),
        };
    }
    if let Some(length) = header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| format!("content-length {length:?}"))?;
        return if rest.len() >= length {
            respond(rest[..length].to_vec())
        } else if closed {
            Err(format!(
                "the body was cut off at {} of {length} bytes",
                rest.len()
            ))
        } else {
            Ok(None)
        };
    }
    if closed {
        respond(rest.to_vec())
    } else {
        Ok(None)
    }
}

/// A chunked body decoded, once its last chunk has come.
fn dechunk(mut rest: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut body = Vec::new();
    loop {
        let Some(nl) = find(rest, b"\r\n") else {
            return Ok(None);
        };
        let line = String::from_utf8_lossy(&rest[..nl]);
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| format!("chunk size {size:?}"))?;
        let start = nl + 2;
        if size == 0 {
            return Ok(Some(body));
        }
        if rest.len() < start + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&rest[start..start + size]);
        rest = &rest[start + size + 2..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `GET path` on `127.0.0.1:port`: status and body, or why there is none.
pub fn get(port: u16, path: &str) -> Result<(u16, String), String> {
    let answer = request(&format!("127.0.0.1:{port}"), "GET", path, &[], &[])?;
    Ok((answer.status, answer.text()))
}

/// A client for one server, by its base URL (`http://127.0.0.1:PORT`). Its methods panic when
/// the server cannot be reached, as a test would; [`Http::request`] says why instead.
#[derive(Debug, Clone)]
pub struct Http {
    base: String,
    authority: String,
    /// Headers sent with every request (central's administration token, say).
    always: Vec<(String, String)>,
}

impl Http {
    /// A client for `base`: `http://HOST:PORT` or `HOST:PORT`.
    pub fn new(base: &str) -> Http {
        let base = base.trim_end_matches('/');
        let authority = base.strip_prefix("http://").unwrap_or(base).to_owned();
        assert!(
            !authority.contains('/'),
            "{base}: a base URL is http://HOST:PORT"
        );
        Http {
            base: format!("http://{authority}"),
            authority,
            always: Vec::new(),
        }
    }

    /// The same client, sending `name: value` with every request.
    pub fn with_header(mut self, name: &str, value: &str) -> Http {
        self.always.push((name.to_owned(), value.to_owned()));
        self
    }

    /// `http://HOST:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `HOST:PORT`.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// `METHOD path` with `headers` and `body` (see [`request`]).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, String> {
        let mut all: Vec<(&str, &str)> = self
            .always
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        all.extend_from_slice(headers);
        request(&self.authority, method, path, &all, body)
    }

    /// [`Http::request`], panicking when there is no answer.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        self.request(method, path, headers, body)
            .unwrap_or_else(|e| panic!("{}: {e}", self.base))
    }

    /// `GET path`: status and body.
    pub fn get_text(&self, path: &str) -> (u16, String) {
        let answer = self.send("GET", path, &[], &[]);
        (answer.status, answer.text())
    }

    /// `GET path`, which must answer 200 with JSON.
    pub fn get(&self, path: &str) -> Value {
        let (status, text) = self.get_text(path);
        assert_eq!(status, 200, "GET {path}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: {e}: {text}"))
    }

    /// `POST path` with a JSON body: status and the JSON answer.
    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let answer = self.send(
            "POST",
            path,
            &[("content-type", "application/json")],
            body.to_string().as_bytes(),
        );
        let text = answer.text();
        let value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("POST {path}: {e}: {text}"));
        (answer.status, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A server that reads what `read` says of each request, then writes `answer` and closes.
    fn server(
        answer: &'static [u8],
        read: fn(&mut TcpStream) -> Vec<u8>,
    ) -> (String, std::thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let authority = listener.local_addr().unwrap().to_string();
        let handle = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let got = read(&mut s);
            s.write_all(answer).unwrap();
            got
        });
        (authority, handle)
    }

    fn whole_request(s: &mut TcpStream) -> Vec<u8> {
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            if let Some(end) = find(&raw, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .map_or(0, |v| v.trim().parse().unwrap());
                if raw.len() >= end + 4 + length {
                    return raw;
                }
            }
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                return raw;
            }
            raw.extend_from_slice(&buf[..n]);
        }
    }

    fn head_only(s: &mut TcpStream) -> Vec<u8> {
        let mut raw = Vec::new();
        let mut buf = [0u8; 1];
        while find(&raw, b"\r\n\r\n").is_none() {
            s.read_exact(&mut buf).unwrap();
            raw.push(buf[0]);
        }
        raw
    }

    #[test]
    fn get_with_content_length() {
        let (authority, got) = server(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
            whole_request,
        );
        let answer = Http::new(&format!("http://{authority}/")).send("GET", "/x?y=1", &[], &[]);
        assert_eq!(answer.status, 200);
        assert_eq!(answer.text(), "hello");
        assert_eq!(answer.header("Content-Type"), Some("text/plain"));
        let request = String::from_utf8(got.join().unwrap()).unwrap();
        assert!(request.starts_with("GET /x?y=1 HTTP/1.1\r\n"), "{request}");
        assert!(
            request.contains(&format!("Host: {authority}\r\n")),
            "{request}"
        );
        assert!(
            !request.to_ascii_lowercase().contains("content-length"),
            "{request}"
        );
    }

    #[test]
    fn chunked_and_json() {
        let (authority, _) = server(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;x=y\r\n: 1\r\n1\r\n}\r\n0\r\n\r\n",
            whole_request,
        );
        assert_eq!(Http::new(&authority).get("/")["a"], 1);
    }

    #[test]
    fn up_to_the_close_without_a_length() {
        let (authority, _) = server(b"HTTP/1.1 404 Not Found\r\n\r\nnothing here", whole_request);
        let port: u16 = authority.rsplit(':').next().unwrap().parse().unwrap();
        assert_eq!(get(port, "/").unwrap(), (404, "nothing here".to_owned()));
    }

    #[test]
    fn post_sends_its_body_and_headers() {
        let (authority, got) = server(
            b"HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\n{\"ok\":true}",
            whole_request,
        );
        let (status, answer) =
            Http::new(&authority).post("/api", &serde_json::json!({"kind": "x"}));
        assert_eq!((status, answer["ok"].clone()), (201, Value::Bool(true)));
        let request = String::from_utf8(got.join().unwrap()).unwrap();
        assert!(
            request.contains("content-type: application/json\r\n"),
            "{request}"
        );
        assert!(request.contains("Content-Length: 12\r\n"), "{request}");
        assert!(request.ends_with("\r\n\r\n{\"kind\":\"x\"}"), "{request}");
    }

    #[test]
    fn a_given_host_header_is_sent_alone() {
        let (authority, got) = server(
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
            whole_request,
        );
        let answer = Http::new(&authority).send("GET", "/", &[("host", "example.org")], &[]);
        assert_eq!(answer.status, 403);
        let request = String::from_utf8(got.join().unwrap()).unwrap();
        assert_eq!(request.matches("ost: ").count(), 1, "{request}");
        assert!(request.contains("host: example.org\r\n"), "{request}");
    }

    #[test]
    fn an_answer_before_the_body_is_read_is_heard() {
        // The server reads the head only, answers 413 and closes with the body unread.
        let (authority, _) = server(
            b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo much",
            head_only,
        );
        let body = vec![0u8; 32 << 20];
        let answer = Http::new(&authority).send("POST", "/sync", &[], &body);
        assert_eq!((answer.status, answer.text().as_str()), (413, "too much"));
    }

    #[test]
    fn no_server_is_an_error() {
        let port = crate::ports::free_port();
        let error = get(port, "/").unwrap_err();
        assert!(error.contains("connect"), "{error}");
    }
}
