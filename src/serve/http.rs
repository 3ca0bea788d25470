//! A small, strict HTTP/1.1 request parser and responder (RFC 9112).
//!
//! The parser is incremental: give it the bytes received so far and it
//! answers *complete* (a request and how many bytes it used), *incomplete*
//! (read more), or an error carrying the status to answer with. It never
//! panics, whatever the bytes, and never buffers past its limits: a header
//! section longer than [`Limits::max_header_bytes`] is a 431 as soon as
//! that many bytes have arrived without its end, a declared body longer
//! than [`Limits::max_body_bytes`] a 413 as soon as its `Content-Length`
//! is read.
//!
//! Strict means what a server facing the Internet should do: bare LF line
//! ends, whitespace before a header's colon, folded header lines, control
//! characters, a missing or repeated `Host` in HTTP/1.1, a malformed or
//! conflicting `Content-Length`, or `Content-Length` together with
//! `Transfer-Encoding` are all 400 — each of them is how request smuggling
//! between two lenient parsers starts. `Transfer-Encoding` alone is 501
//! (this server reads no chunked bodies); an HTTP version other than 1.0
//! and 1.1 is 505.

use std::fmt;

/// How much a request may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The request line and headers, with their line ends (431 past it).
    pub max_header_bytes: usize,
    /// Header fields (431 past it).
    pub max_headers: usize,
    /// A body's `Content-Length` (413 past it).
    pub max_body_bytes: usize,
}

impl Default for Limits {
    /// 8 KiB of headers (nginx's default `large_client_header_buffers`
    /// size), 100 fields, 1 MiB of body (nginx's `client_max_body_size`).
    fn default() -> Self {
        Limits {
            max_header_bytes: 8 * 1024,
            max_headers: 100,
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// The HTTP versions this server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// HTTP/1.0: the connection closes after each response unless the
    /// request asks for `keep-alive`.
    Http10,
    /// HTTP/1.1: the connection stays open unless a side says `close`.
    Http11,
}

/// A parsed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method token, as sent (methods are case-sensitive).
    pub method: String,
    /// The request target, as sent.
    pub target: String,
    /// The protocol version.
    pub version: Version,
    /// Header fields in order: names as sent, values without surrounding
    /// whitespace.
    pub headers: Vec<(String, String)>,
    /// The body (`Content-Length` bytes; empty without one).
    pub body: Vec<u8>,
}

impl Request {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Does the connection stay open after the response? HTTP/1.1: unless
    /// `Connection` lists `close`; HTTP/1.0: only if it lists `keep-alive`.
    pub fn keep_alive(&self) -> bool {
        let listed = |token: &str| {
            self.headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
                .flat_map(|(_, v)| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        match self.version {
            Version::Http11 => !listed("close"),
            Version::Http10 => listed("keep-alive") && !listed("close"),
        }
    }
}

/// Why a request was refused; each maps to a status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// 400: the bytes are not an HTTP/1.x request; the text says where.
    BadRequest(&'static str),
    /// 413: the declared body is longer than the limit.
    BodyTooLarge,
    /// 431: the request line and headers are longer than the limit, or
    /// there are too many header fields.
    HeadersTooLarge,
    /// 501: a `Transfer-Encoding` this server does not read.
    NotImplemented,
    /// 505: an HTTP version other than 1.0 and 1.1.
    VersionNotSupported,
}

impl HttpError {
    /// The status code to answer with.
    pub fn status(self) -> u16 {
        match self {
            HttpError::BadRequest(_) => 400,
            HttpError::BodyTooLarge => 413,
            HttpError::HeadersTooLarge => 431,
            HttpError::NotImplemented => 501,
            HttpError::VersionNotSupported => 505,
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::BadRequest(why) => write!(f, "400 bad request: {why}"),
            HttpError::BodyTooLarge => f.write_str("413 content too large"),
            HttpError::HeadersTooLarge => f.write_str("431 request header fields too large"),
            HttpError::NotImplemented => f.write_str("501 transfer-encoding not implemented"),
            HttpError::VersionNotSupported => f.write_str("505 HTTP version not supported"),
        }
    }
}

impl std::error::Error for HttpError {}

/// What the parser made of the bytes so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A whole request, which used the first `used` bytes (the rest may be
    /// the next, pipelined request).
    Complete {
        /// The request.
        request: Request,
        /// Bytes of the buffer it took.
        used: usize,
    },
    /// Not a whole request yet, and nothing wrong so far: read more.
    Incomplete,
}

/// Parse the request at the start of `buf`. Empty lines before the
/// request line are skipped (RFC 9112 asks servers to: some clients send a
/// CRLF after a body) and counted in `used`.
pub fn parse(buf: &[u8], limits: &Limits) -> Result<Parsed, HttpError> {
    let mut skip = 0;
    while buf[skip..].starts_with(b"\r\n") {
        skip += 2;
    }
    match parse_request(&buf[skip..], limits)? {
        Parsed::Complete { request, used } => Ok(Parsed::Complete {
            request,
            used: skip + used,
        }),
        Parsed::Incomplete => Ok(Parsed::Incomplete),
    }
}

/// Parse the request at the very start of `buf`.
fn parse_request(buf: &[u8], limits: &Limits) -> Result<Parsed, HttpError> {
    let Some(head_len) = find(buf, b"\r\n\r\n").map(|i| i + 4) else {
        if buf.len() >= limits.max_header_bytes {
            return Err(HttpError::HeadersTooLarge);
        }
        // Reject what is already wrong without waiting for the end.
        check_partial_head(buf)?;
        return Ok(Parsed::Incomplete);
    };
    if head_len > limits.max_header_bytes {
        return Err(HttpError::HeadersTooLarge);
    }
    let head = &buf[..head_len - 4];
    let mut lines = split_lines(head)?;
    let request_line = lines.next().unwrap_or(b"");
    let (method, target, version) = parse_request_line(request_line)?;
    let mut headers = Vec::new();
    for line in lines {
        if headers.len() == limits.max_headers {
            return Err(HttpError::HeadersTooLarge);
        }
        headers.push(parse_field(line)?);
    }
    let mut request = Request {
        method,
        target,
        version,
        headers,
        body: Vec::new(),
    };
    let body_len = body_length(&request, limits)?;
    let total = head_len + body_len;
    if buf.len() < total {
        return Ok(Parsed::Incomplete);
    }
    request.body = buf[head_len..total].to_vec();
    Ok(Parsed::Complete {
        request,
        used: total,
    })
}

/// The first index of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The lines of a header section, each without its CRLF; a bare CR or LF
/// is an error.
fn split_lines(head: &[u8]) -> Result<impl Iterator<Item = &[u8]>, HttpError> {
    let mut rest = head;
    while let Some(i) = rest.iter().position(|&b| b == b'\r' || b == b'\n') {
        if rest[i] == b'\n' || rest.get(i + 1) != Some(&b'\n') {
            return Err(HttpError::BadRequest(
                "a line ends with a bare LF or CR, not CRLF",
            ));
        }
        rest = &rest[i + 2..];
    }
    Ok(head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l)))
}

/// What can already be judged in a header section that has not ended.
fn check_partial_head(buf: &[u8]) -> Result<(), HttpError> {
    // Every LF must follow a CR (a CR at the very end may await its LF).
    for (i, &b) in buf.iter().enumerate() {
        let next = buf.get(i + 1);
        if b == b'\n' && (i == 0 || buf[i - 1] != b'\r') {
            return Err(HttpError::BadRequest(
                "a line ends with a bare LF, not CRLF",
            ));
        }
        if b == b'\r' && next.is_some_and(|&n| n != b'\n') {
            return Err(HttpError::BadRequest("a bare CR inside a line"));
        }
    }
    // A complete request line can be checked at once.
    if let Some(end) = find(buf, b"\r\n") {
        parse_request_line(&buf[..end])?;
    } else if !buf.iter().all(|&b| is_request_line_byte(b) || b == b'\r') {
        return Err(HttpError::BadRequest(
            "a control character in the request line",
        ));
    }
    Ok(())
}

fn is_request_line_byte(b: u8) -> bool {
    b == b' ' || b.is_ascii_graphic() || b >= 0x80
}

/// RFC 9110 `tchar`: what method and field names are made of.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_token_byte(b))
}

/// `method SP target SP version`, exactly one space between.
fn parse_request_line(line: &[u8]) -> Result<(String, String, Version), HttpError> {
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HttpError::BadRequest(
            "the request line is not `METHOD target HTTP/1.1` with single spaces",
        ));
    };
    if !is_token(method) {
        return Err(HttpError::BadRequest("the method is not a token"));
    }
    if target.is_empty() || !target.iter().all(|&b| b.is_ascii_graphic()) {
        return Err(HttpError::BadRequest(
            "the request target is empty or has a character outside visible ASCII",
        ));
    }
    let version = match version {
        b"HTTP/1.1" => Version::Http11,
        b"HTTP/1.0" => Version::Http10,
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            return Err(HttpError::VersionNotSupported)
        }
        _ => {
            return Err(HttpError::BadRequest(
                "the version is not HTTP/<digit>.<digit>",
            ))
        }
    };
    // Tokens and visible ASCII are valid UTF-8.
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Ok((text(method), text(target), version))
}

/// `name ":" OWS value OWS`.
fn parse_field(line: &[u8]) -> Result<(String, String), HttpError> {
    if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
        return Err(HttpError::BadRequest(
            "a folded header line (obsolete line folding is refused)",
        ));
    }
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return Err(HttpError::BadRequest("a header line without a colon"));
    };
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if !is_token(name) {
        return Err(HttpError::BadRequest(
            "a header name is empty, not a token, or followed by whitespace",
        ));
    }
    if value.iter().any(|&b| b != b'\t' && (b < 0x20 || b == 0x7f)) {
        return Err(HttpError::BadRequest(
            "a control character in a header value",
        ));
    }
    let value = value.trim_ascii();
    Ok((
        String::from_utf8_lossy(name).into_owned(),
        String::from_utf8_lossy(value).into_owned(),
    ))
}

/// The body's length from the headers; checks `Host`, `Content-Length`
/// and `Transfer-Encoding`.
fn body_length(request: &Request, limits: &Limits) -> Result<usize, HttpError> {
    let count = |name: &str| {
        request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    };
    if request.version == Version::Http11 && count("host") != 1 {
        return Err(HttpError::BadRequest(
            "an HTTP/1.1 request needs exactly one Host header",
        ));
    }
    let lengths: Vec<&str> = request
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.as_str())
        .collect();
    let has_te = count("transfer-encoding") > 0;
    if has_te && !lengths.is_empty() {
        return Err(HttpError::BadRequest(
            "both Content-Length and Transfer-Encoding",
        ));
    }
    if has_te {
        return Err(HttpError::NotImplemented);
    }
    let Some(first) = lengths.first() else {
        return Ok(0);
    };
    if lengths.iter().any(|l| l != first) {
        return Err(HttpError::BadRequest("conflicting Content-Length headers"));
    }
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HttpError::BadRequest("Content-Length is not a number"));
    }
    // More digits than any limit can hold: too large, not a parse error.
    match first.parse::<usize>() {
        Ok(n) if n <= limits.max_body_bytes => Ok(n),
        _ => Err(HttpError::BodyTooLarge),
    }
}

/// The body every GET answers with.
pub const BODY: &[u8] = b"proclab says hello\n";

/// The response to `request`: 200 with [`BODY`] for GET, the same headers
/// without the body for HEAD, 405 for any other method. `Connection:
/// close` when the connection ends after it.
pub fn respond(request: &Request) -> Vec<u8> {
    let close = !request.keep_alive();
    match request.method.as_str() {
        "GET" => response(200, "OK", BODY, true, close, &[]),
        "HEAD" => response(200, "OK", BODY, false, close, &[]),
        _ => response(
            405,
            "Method Not Allowed",
            b"method not allowed\n",
            true,
            close,
            &[("Allow", "GET, HEAD")],
        ),
    }
}

/// The response to a refused request; the connection then closes.
pub fn refuse(error: HttpError) -> Vec<u8> {
    let reason = match error {
        HttpError::BadRequest(_) => "Bad Request",
        HttpError::BodyTooLarge => "Content Too Large",
        HttpError::HeadersTooLarge => "Request Header Fields Too Large",
        HttpError::NotImplemented => "Not Implemented",
        HttpError::VersionNotSupported => "HTTP Version Not Supported",
    };
    let body = format!("{error}\n");
    response(error.status(), reason, body.as_bytes(), true, true, &[])
}

fn response(
    status: u16,
    reason: &str,
    body: &[u8],
    with_body: bool,
    close: bool,
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in extra {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if close {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    if with_body {
        bytes.extend_from_slice(body);
    }
    bytes
}
