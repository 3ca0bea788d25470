//! The strict HTTP/1.1 parser and the two handlers: fixed cases for every
//! refusal, and properties over generated input — arbitrary bytes never
//! panic the parser or the handler, and a valid request parses to itself
//! however its bytes are split across reads.

#![cfg(not(any(loom, shuttle)))]

use proclab::serve::http::{parse, refuse, respond, HttpError, Limits, Parsed, Request, Version};
use proclab::serve::{Echo, Handler, Http};
use proptest::prelude::*;
use std::io::{self, Read, Write};

fn complete(bytes: &[u8]) -> (Request, usize) {
    match parse(bytes, &Limits::default()) {
        Ok(Parsed::Complete { request, used }) => (request, used),
        other => panic!(
            "{:?}: expected a request, got {other:?}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

fn refused(bytes: &[u8]) -> HttpError {
    match parse(bytes, &Limits::default()) {
        Err(e) => e,
        other => panic!(
            "{:?}: expected a refusal, got {other:?}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

#[test]
fn a_simple_get() {
    let bytes = b"GET /index.html HTTP/1.1\r\nHost: example\r\nUser-Agent:  curl/8  \r\n\r\n";
    let (r, used) = complete(bytes);
    assert_eq!(used, bytes.len());
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("GET", "/index.html")
    );
    assert_eq!(r.version, Version::Http11);
    assert_eq!(r.header("user-agent"), Some("curl/8"));
    assert!(r.keep_alive());
    assert!(r.body.is_empty());
}

#[test]
fn keep_alive_follows_the_version_and_connection() {
    let (r, _) = complete(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    assert!(!r.keep_alive());
    let (r, _) = complete(b"GET / HTTP/1.0\r\n\r\n");
    assert!(!r.keep_alive(), "HTTP/1.0 closes by default");
    let (r, _) = complete(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    assert!(r.keep_alive());
    let (r, _) = complete(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade, close\r\n\r\n");
    assert!(!r.keep_alive(), "close anywhere in the list");
}

#[test]
fn a_body_by_content_length_and_pipelining() {
    let bytes = b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: h\r\n\r\n";
    let (r, used) = complete(bytes);
    assert_eq!(r.body, b"hello");
    let (next, _) = complete(&bytes[used..]);
    assert_eq!(next.method, "GET");
    assert_eq!(
        parse(
            b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhel",
            &Limits::default()
        ),
        Ok(Parsed::Incomplete),
        "a body not yet all here"
    );
}

#[test]
fn empty_lines_before_a_request_are_skipped() {
    let (r, used) = complete(b"\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_eq!((r.method.as_str(), used), ("GET", 31));
}

#[test]
fn every_refusal_has_its_status() {
    let cases: &[(&[u8], u16)] = &[
        (b"GET / HTTP/1.1\nHost: h\n\n", 400),                     // bare LF
        (b"GET / HTTP/1.1\r\nHost: h\rX\r\n\r\n", 400),            // bare CR
        (b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),              // two spaces
        (b"GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n", 400),         // four parts
        (b"G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400),               // method not a token
        (b"GET / HTTQ/1.1\r\nHost: h\r\n\r\n", 400),               // not HTTP
        (b"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\n\r\n", 400),                          // no Host
        (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),    // two Hosts
        (b"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400),              // space before colon
        (b"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400),    // obs-fold
        (b"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: h\x01\r\n\r\n", 400),           // control char
        (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
        (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413),
        (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n", 413),
    ];
    for (bytes, status) in cases {
        assert_eq!(
            refused(bytes).status(),
            *status,
            "{:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn header_limits_give_431_without_waiting_for_the_end() {
    let limits = Limits::default();
    let mut long = b"GET / HTTP/1.1\r\nHost: h\r\nX: ".to_vec();
    long.resize(limits.max_header_bytes, b'a');
    assert_eq!(parse(&long, &limits), Err(HttpError::HeadersTooLarge));
    let mut many = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
    for i in 0..limits.max_headers {
        many.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    assert_eq!(parse(&many, &limits), Err(HttpError::HeadersTooLarge));
}

#[test]
fn a_broken_request_line_is_refused_before_the_headers_end() {
    assert_eq!(
        parse(b"GET / HTTP/9\r\nHost:", &Limits::default())
            .unwrap_err()
            .status(),
        400
    );
    assert_eq!(
        parse(b"GET / HT\x00", &Limits::default())
            .unwrap_err()
            .status(),
        400
    );
    assert_eq!(
        parse(b"GET / HTTP/1.1\r", &Limits::default()),
        Ok(Parsed::Incomplete),
        "a CR at the end may be followed by its LF"
    );
}

#[test]
fn responses() {
    let (get, _) = complete(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    let reply = String::from_utf8(respond(&get)).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
    assert!(reply.ends_with("\r\n\r\nproclab says hello\n"), "{reply}");
    assert!(!reply.contains("Connection: close"));
    let (head, _) = complete(b"HEAD / HTTP/1.0\r\n\r\n");
    let reply = String::from_utf8(respond(&head)).unwrap();
    assert!(
        reply.contains("Content-Length: 19\r\n") && reply.ends_with("Connection: close\r\n\r\n"),
        "{reply}"
    );
    let (post, _) = complete(b"DELETE / HTTP/1.1\r\nHost: h\r\n\r\n");
    let reply = String::from_utf8(respond(&post)).unwrap();
    assert!(
        reply.starts_with("HTTP/1.1 405 ") && reply.contains("Allow: GET, HEAD\r\n"),
        "{reply}"
    );
    let reply = String::from_utf8(refuse(HttpError::HeadersTooLarge)).unwrap();
    assert!(
        reply.starts_with("HTTP/1.1 431 ") && reply.contains("Connection: close\r\n"),
        "{reply}"
    );
}

/// An in-memory connection: reads come from `input` in chunks of the
/// given sizes; writes are collected.
struct Pipe {
    input: Vec<u8>,
    chunks: Vec<usize>,
    at: usize,
    output: Vec<u8>,
}

impl Pipe {
    fn new(input: &[u8], chunks: Vec<usize>) -> Pipe {
        Pipe {
            input: input.to_vec(),
            chunks,
            at: 0,
            output: Vec::new(),
        }
    }
}

impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.input.len() - self.at;
        let chunk = if self.chunks.is_empty() {
            left
        } else {
            self.chunks.remove(0).max(1)
        };
        let n = chunk.min(left).min(buf.len());
        buf[..n].copy_from_slice(&self.input[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_http_handler_answers_pipelined_requests_and_stops_at_close() {
    let input = b"GET / HTTP/1.1\r\nHost: h\r\n\r\nHEAD / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\nHost: h\r\n\r\n";
    let mut pipe = Pipe::new(input, vec![3, 50, 7]);
    let served = Http::default().serve(&mut pipe).unwrap();
    assert_eq!(
        served.requests, 2,
        "the request after `close` is not answered"
    );
    let out = String::from_utf8(pipe.output).unwrap();
    assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 2, "{out}");
}

#[test]
fn the_http_handler_answers_garbage_with_400_and_closes() {
    let mut pipe = Pipe::new(b"\x16\x03\x01 hello tls\r\n\r\nGET / HTTP/1.1\r\n", vec![]);
    let served = Http::default().serve(&mut pipe).unwrap();
    assert_eq!(served.requests, 0);
    assert!(String::from_utf8_lossy(&pipe.output).starts_with("HTTP/1.1 400 Bad Request\r\n"));
}

#[test]
fn echo_echoes_everything() {
    let mut pipe = Pipe::new(b"abc\ndef", vec![2, 1, 100]);
    let served = Echo.serve(&mut pipe).unwrap();
    assert_eq!(pipe.output, b"abc\ndef");
    assert_eq!((served.bytes_in, served.bytes_out), (7, 7));
}

/// A valid request from its parts.
fn request_bytes(method: &str, target: &str, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\nHost: test\r\n");
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    if !body.is_empty() {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any bytes: the parser answers, and never claims more than it got.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(Parsed::Complete { used, .. }) = parse(&bytes, &Limits::default()) {
            prop_assert!(used <= bytes.len());
        }
    }

    /// Request-shaped noise, which reaches deeper than random bytes.
    #[test]
    fn request_shaped_noise_never_panics(
        line in "[A-Z]{1,6} [ -~]{0,20} HTTP/[0-9]\\.[0-9]",
        fields in proptest::collection::vec("[ -~\t]{0,30}", 0..6),
        tail in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let mut bytes = line.into_bytes();
        bytes.extend_from_slice(b"\r\n");
        for f in fields {
            bytes.extend_from_slice(f.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&tail);
        let _ = parse(&bytes, &Limits::default());
        let mut pipe = Pipe::new(&bytes, vec![]);
        let _ = Http::default().serve(&mut pipe);
    }

    /// A valid request parses to its parts, whatever the read sizes.
    #[test]
    fn valid_requests_round_trip_in_any_split(
        method in "(GET|HEAD|POST|PUT)",
        target in "/[!-~]{0,30}",
        headers in proptest::collection::vec(("X-[A-Za-z0-9-]{1,10}", "[!-~]([ -~]{0,20}[!-~])?"), 0..5),
        body in proptest::collection::vec(any::<u8>(), 0..64),
        chunks in proptest::collection::vec(1usize..20, 0..30),
    ) {
        let bytes = request_bytes(&method, &target, &headers, &body);
        let (r, used) = complete(&bytes);
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(&r.method, &method);
        prop_assert_eq!(&r.target, &target);
        prop_assert_eq!(&r.body, &body);
        for (n, v) in &headers {
            prop_assert!(r.headers.iter().any(|(hn, hv)| hn == n && hv == v));
        }
        // Every prefix is incomplete, never an error.
        for cut in 0..bytes.len() {
            prop_assert_eq!(parse(&bytes[..cut], &Limits::default()), Ok(Parsed::Incomplete), "cut at {}", cut);
        }
        // Through the handler, read in the generated chunk sizes.
        let mut pipe = Pipe::new(&bytes, chunks);
        let served = Http::default().serve(&mut pipe).unwrap();
        prop_assert_eq!(served.requests, 1);
        let status = if method == "GET" || method == "HEAD" { "HTTP/1.1 200 " } else { "HTTP/1.1 405 " };
        prop_assert!(pipe.output.starts_with(status.as_bytes()));
    }
}
