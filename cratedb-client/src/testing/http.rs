//! A minimal HTTP/1.1 server side: read requests (Content-Length or chunked bodies,
//! keep-alive, `Expect: 100-continue`) and write responses.

use std::io::{self, Read, Write};

const MAX_HEAD: usize = 64 * 1024;

/// CrateDB's answer to bytes that are not HTTP on its HTTP port (checked on CrateDB 6.4 by
/// sending it the start of a TLS handshake).
const NOT_HTTP_BODY: &[u8] = b"Requested file [bad-request] was not found";

/// One request as read from the wire.
#[derive(Debug)]
pub(crate) struct HttpRequest {
    pub(crate) method: String,
    pub(crate) target: String,
    /// Names in lower case.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl HttpRequest {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client asked to close the connection after this request.
    pub(crate) fn wants_close(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

/// A connection with a read buffer.
pub(crate) struct Conn<S> {
    stream: S,
    buf: Vec<u8>,
}

fn bad(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

impl<S: Read + Write> Conn<S> {
    pub(crate) fn new(stream: S) -> Self {
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        self.buf.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
        Ok(n)
    }

    fn take(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        let rest = self.buf.split_off(n);
        Ok(std::mem::replace(&mut self.buf, rest))
    }

    fn take_line(&mut self) -> io::Result<String> {
        loop {
            if let Some(pos) = find(&self.buf, b"\r\n") {
                let line = self.take(pos + 2)?;
                let text = line.get(..pos).unwrap_or(&[]);
                return String::from_utf8(text.to_vec()).map_err(|_| bad("non-UTF-8 line"));
            }
            if self.buf.len() > MAX_HEAD {
                return Err(bad("line too long"));
            }
            if self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Reads the next request; `None` when the client closed the connection between requests.
    ///
    /// Bytes that cannot start an HTTP request (a TLS handshake sent to a plain-HTTP port)
    /// are answered as CrateDB answers them, a `404` naming `bad-request`, and the connection
    /// is closed.
    pub(crate) fn read_request(&mut self) -> io::Result<Option<HttpRequest>> {
        let head_end = loop {
            if self.buf.first().is_some_and(|b| !b.is_ascii_uppercase()) {
                self.write_response(404, &[], NOT_HTTP_BODY, false)?;
                return Err(bad("not an HTTP request"));
            }
            if let Some(pos) = find(&self.buf, b"\r\n\r\n") {
                break pos;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(bad("request head too large"));
            }
            if self.fill()? == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(io::ErrorKind::UnexpectedEof.into())
                };
            }
        };
        let head = self.take(head_end + 4)?;
        let head = String::from_utf8(head).map_err(|_| bad("non-UTF-8 request head"))?;
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or("");
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        if method.is_empty() || target.is_empty() {
            return Err(bad("malformed request line"));
        }
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let mut request = HttpRequest {
            method,
            target,
            headers,
            body: Vec::new(),
        };
        if request
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        {
            self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            self.stream.flush()?;
        }
        let chunked = request
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            request.body = self.read_chunked()?;
        } else if let Some(len) = request.header("content-length") {
            let len: usize = len.parse().map_err(|_| bad("bad content-length"))?;
            request.body = self.take(len)?;
        }
        Ok(Some(request))
    }

    fn read_chunked(&mut self) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line = self.take_line()?;
            let size = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
            if size == 0 {
                // Trailers until an empty line.
                while !self.take_line()?.is_empty() {}
                return Ok(body);
            }
            body.extend(self.take(size)?);
            self.take(2)?;
        }
    }

    /// Writes a response; with `truncate`, announces the full length but sends half the body.
    pub(crate) fn write_response(
        &mut self,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
        truncate: bool,
    ) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
        self.stream.write_all(head.as_bytes())?;
        let sent = if truncate { body.len() / 2 } else { body.len() };
        self.stream.write_all(body.get(..sent).unwrap_or(body))?;
        self.stream.flush()
    }

    /// Writes a response head announcing `length` bytes, then only `body`.
    pub(crate) fn write_claimed(
        &mut self,
        status: u16,
        body: &[u8],
        length: u64,
    ) -> io::Result<()> {
        let head = format!(
            "HTTP/1.1 {status} {}\r\ncontent-type: application/json; charset=UTF-8\r\ncontent-length: {length}\r\n\r\n",
            reason(status)
        );
        self.stream.write_all(head.as_bytes())?;
        self.stream.write_all(body)?;
        self.stream.flush()
    }

    /// The underlying stream.
    pub(crate) fn stream_mut(&mut self) -> &mut S {
        &mut self.stream
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        413 => "Request Entity Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
