//! The client `Connection` and server `Handshake` state machines, sans IO:
//! simulated time, every input split at every byte.

use sse_core::client::{Cause, Connection, ConnectionConfig, Request, Step};
use sse_core::http::{Url, EMPTY_HEADER};
use sse_core::server::{Decision, Handshake, Resource};
use sse_core::{FailReason, Parser, ReconnectConfig};

fn config() -> ConnectionConfig {
    ConnectionConfig {
        reconnect: ReconnectConfig::DEFAULT.with_jitter_permille(0),
        ..ConnectionConfig::DEFAULT
    }
}

fn connection() -> Connection<Vec<u8>> {
    let mut conn = Connection::new(Parser::new(vec![0; 1024]), config(), 1);
    conn.start(0).unwrap();
    conn
}

/// Drives `conn` as an adapter does: each chunk is appended to what the
/// connection left unconsumed; steps are written down as text until one
/// ends the attempt.
fn drive(conn: &mut Connection<Vec<u8>>, chunks: &[&[u8]], now: u64) -> Vec<String> {
    let mut seen = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    for chunk in chunks {
        pending.extend_from_slice(chunk);
        let mut rest: &[u8] = &pending;
        loop {
            let step = conn.handle_input(&mut rest, now);
            let (text, ends) = describe(&step);
            if !matches!(step, Step::NeedMore) {
                seen.push(text);
            }
            if ends {
                return seen;
            }
            if matches!(step, Step::NeedMore) {
                break;
            }
        }
        pending = rest.to_vec();
    }
    let (text, _) = describe(&conn.handle_eof(now));
    seen.push(format!("eof {text}"));
    seen
}

/// A step as text, and whether it ends the attempt.
fn describe(step: &Step<'_>) -> (String, bool) {
    match step {
        Step::NeedMore => ("more".into(), false),
        Step::Open { status, headers } => {
            (format!("open {status} {:?}", headers.get_str("content-type")), false)
        }
        Step::Event(e) => (format!("event {}|{}|{}", e.event_type, e.data, e.id), false),
        Step::Limit(e) => (format!("limit {e}"), false),
        Step::Redirect { status, location } => (format!("redirect {status} {location}"), true),
        Step::Retry { delay_ms, at_ms, cause } => {
            (format!("retry {delay_ms} at {at_ms}: {cause}"), true)
        }
        Step::Failed(reason) => (format!("failed {reason:?}"), true),
        other => (format!("{other:?}"), true),
    }
}

/// Every way to cut `input` in two, and one byte at a time, gives what
/// the whole input gives.
fn same_at_every_split(input: &[u8]) -> Vec<String> {
    let whole = drive(&mut connection(), &[input], 100);
    for cut in 0..=input.len() {
        let split = drive(&mut connection(), &[&input[..cut], &input[cut..]], 100);
        assert_eq!(split, whole, "cut at {cut}");
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(drive(&mut connection(), &bytes, 100), whole, "one byte at a time");
    whole
}

#[test]
fn chunked_stream_at_every_split() {
    let input = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
        Transfer-Encoding: chunked\r\n\r\n\
        1c\r\nretry: 500\nid: 1\ndata: one\n\n\r\n\
        22\r\nid: 2\ndata: two\n\nevent: x\ndata: th\r\n\
        6\r\nree\n\n:\r\n\
        0\r\n\r\n";
    let steps = same_at_every_split(input);
    assert_eq!(
        steps,
        [
            "open 200 Some(\"text/event-stream\")",
            "event message|one|1",
            "event message|two|2",
            "event x|three|2",
            "retry 500 at 600: the server ended the stream",
        ]
    );
}

#[test]
fn length_and_until_close_bodies_at_every_split() {
    let by_length =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 18\r\n\r\n\
        data: a\n\ndata: b\n\nignored after the body";
    assert_eq!(
        same_at_every_split(by_length),
        [
            "open 200 Some(\"text/event-stream\")",
            "event message|a|",
            "event message|b|",
            "retry 3000 at 3100: the server ended the stream"
        ]
    );
    let until_close =
        b"HTTP/1.1 200 OK\r\ncontent-type: Text/Event-Stream; charset=utf-8\r\n\r\ndata: a\n\ndata: cut";
    assert_eq!(
        same_at_every_split(until_close),
        [
            "open 200 Some(\"Text/Event-Stream; charset=utf-8\")",
            "event message|a|",
            "eof retry 3000 at 3100: the server ended the stream"
        ]
    );
}

#[test]
fn interim_responses_are_skipped() {
    let input = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n\
        HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n";
    assert_eq!(
        same_at_every_split(input),
        [
            "open 200 Some(\"text/event-stream\")",
            "event message|x|",
            "eof retry 3000 at 3100: the server ended the stream"
        ]
    );
}

#[test]
fn refusals_fail_for_good() {
    let cases: [(&[u8], FailReason); 3] = [
        (b"HTTP/1.1 204 No Content\r\n\r\n", FailReason::NoContent),
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello", FailReason::ContentType),
        (b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", FailReason::Status(401)),
    ];
    for (input, reason) in cases {
        let mut conn = connection();
        assert_eq!(drive(&mut conn, &[input], 0), [format!("failed {reason:?}")]);
        assert_eq!(conn.start(10), Err(FailReason::Closed), "no attempt after a failure");
    }
}

#[test]
fn chunked_body_cut_short_or_broken_reconnects() {
    let head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    let cut = format!("{head}a\r\ndata: x\n\n");
    assert_eq!(
        drive(&mut connection(), &[cut.as_bytes()], 0),
        [
            "open 200 Some(\"text/event-stream\")",
            "event message|x|",
            "eof retry 3000 at 3000: response body cut short"
        ]
    );
    let broken = format!("{head}zz\r\n");
    let steps = drive(&mut connection(), &[broken.as_bytes()], 0);
    assert!(steps[1].starts_with("retry 3000 at 3000: bad response body"), "{steps:?}");
}

#[test]
fn head_timeout_and_limits() {
    let mut conn = connection();
    assert_eq!(conn.poll_timeout(), Some(30_000));
    assert!(conn.handle_timeout(29_999).is_none());
    let (text, _) = describe(&conn.handle_timeout(30_000).unwrap());
    assert_eq!(text, "retry 3000 at 33000: no response head within 30000 ms");
    assert_eq!(conn.poll_timeout(), Some(33_000), "the wait is the next deadline");

    // A head over the limit ends the attempt; so does a malformed one.
    let mut conn = Connection::new(
        Parser::new(vec![0; 64]),
        ConnectionConfig { max_head_bytes: 64, ..config() },
        1,
    );
    conn.start(0).unwrap();
    let big = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(100));
    let steps = drive(&mut conn, &[big.as_bytes()], 0);
    assert_eq!(steps, ["retry 3000 at 3000: bad response: HTTP head exceeds 64 bytes"]);
    conn.start(3_000).unwrap();
    let steps = drive(&mut conn, &[b"HTTP/1.1 2x0 OK\r\n\r\n"], 3_000);
    assert_eq!(steps, ["retry 6000 at 9000: bad response: malformed HTTP head"], "doubled");
}

#[test]
fn an_event_over_the_limit_is_skipped_and_the_stream_goes_on() {
    let mut conn = Connection::new(Parser::new(vec![0; 300]), config(), 1);
    conn.start(0).unwrap();
    let big = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: {}\n\ndata: ok\n\n",
        "x".repeat(1000)
    );
    let steps = drive(&mut conn, &[big.as_bytes()], 0);
    assert!(steps[1].starts_with("limit event data exceeds the"), "{steps:?}");
    assert_eq!(steps[2], "event message|ok|");
}

fn request_text(conn: &Connection<Vec<u8>>, request: &Request<'_>, target: &str) -> String {
    let mut out = Vec::new();
    conn.write_request(request, &Url::parse(target).unwrap(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn reconnects_resume_with_the_last_event_id_and_the_server_retry() {
    let mut conn = connection();
    let origin = Url::parse("http://a.test/events").unwrap();
    let request = Request::get(origin);
    assert!(!request_text(&conn, &request, "http://a.test/events").contains("Last-Event-ID"));
    let input = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nretry: 250\nid: 7\ndata: x\n\nid: 8\ndata: partial";
    let steps = drive(&mut conn, &[input], 1_000);
    assert_eq!(steps.last().unwrap(), "eof retry 250 at 1250: the server ended the stream");
    assert_eq!(conn.last_event_id(), "7", "the unfinished event's id does not apply");
    conn.start(1_250).unwrap();
    assert!(
        request_text(&conn, &request, "http://a.test/events").contains("\r\nLast-Event-ID: 7\r\n")
    );
    // A failed reconnect doubles the wait, from the server's retry.
    let (text, _) = describe(&conn.handle_error(1_300));
    assert_eq!(text, "retry 500 at 1800: connection failed");
}

#[test]
fn redirects_keep_credentials_at_their_origin_and_303_turns_into_get() {
    let origin = Url::parse("http://a.test/events").unwrap();
    let headers = [("Authorization", "Bearer secret"), ("Cookie", "s=1"), ("X-Trace", "t")];
    let request = Request { origin, method: "POST", headers: &headers, body: Some(b"{\"q\":1}") };
    let mut conn = connection();
    let steps =
        drive(&mut conn, &[b"HTTP/1.1 307 Temporary\r\nLocation: http://b.test/x\r\n\r\n"], 0);
    assert_eq!(steps, ["redirect 307 http://b.test/x"]);
    conn.start(0).unwrap();
    let other = request_text(&conn, &request, "http://b.test/x");
    assert!(other.starts_with("POST /x HTTP/1.1\r\nHost: b.test\r\n"), "{other}");
    assert!(!other.contains("secret") && !other.contains("s=1"), "{other}");
    assert!(other.contains("X-Trace: t") && other.ends_with("{\"q\":1}"), "{other}");
    let same = request_text(&conn, &request, "http://a.test/other");
    assert!(same.contains("Authorization: Bearer secret") && same.contains("Cookie: s=1"));

    let steps = drive(&mut conn, &[b"HTTP/1.1 303 See Other\r\nLocation: /next\r\n\r\n"], 0);
    assert_eq!(steps, ["redirect 303 /next"]);
    conn.start(0).unwrap();
    let see_other = request_text(&conn, &request, "http://a.test/next");
    assert!(see_other.starts_with("GET /next HTTP/1.1\r\n"), "{see_other}");
    assert!(!see_other.contains("Content-Length") && !see_other.contains("{\"q\""), "{see_other}");
    // A retry goes back to the origin's request, body and all.
    let (text, _) = describe(&conn.handle_error(0));
    assert!(text.starts_with("retry"), "{text}");
    conn.start(5_000).unwrap();
    assert!(request_text(&conn, &request, "http://a.test/events").starts_with("POST"));
}

#[test]
fn redirect_limit_and_unusable_locations() {
    let mut conn = Connection::new(
        Parser::new(vec![0; 256]),
        ConnectionConfig { reconnect: ReconnectConfig::DEFAULT.with_max_redirects(2), ..config() },
        1,
    );
    conn.start(0).unwrap();
    let hop: &[u8] = b"HTTP/1.1 302 Found\r\nLocation: /again\r\n\r\n";
    for _ in 0..2 {
        assert_eq!(drive(&mut conn, &[hop], 0), ["redirect 302 /again"]);
        conn.start(0).unwrap();
    }
    assert_eq!(drive(&mut conn, &[hop], 0), ["failed TooManyRedirects"]);

    let mut conn = connection();
    let steps = drive(&mut conn, &[b"HTTP/1.1 302 Found\r\nLocation: ftp://x\r\n\r\n"], 0);
    assert_eq!(steps, ["failed Status(302)"]);
    let mut conn = connection();
    assert_eq!(drive(&mut conn, &[b"HTTP/1.1 302 Found\r\n\r\n"], 0), ["failed Status(302)"]);
}

#[test]
fn closing_stops_every_attempt() {
    let mut conn = connection();
    conn.close();
    assert_eq!(conn.start(0), Err(FailReason::Closed));
    let mut rest: &[u8] = b"HTTP/1.1 200 OK\r\n\r\n";
    assert!(matches!(conn.handle_input(&mut rest, 0), Step::Failed(FailReason::Closed)));
    assert!(matches!(conn.handle_eof(0), Step::Failed(FailReason::Closed)));
    assert_eq!(conn.poll_timeout(), None);
}

#[test]
fn server_errors_retry_when_configured() {
    let reconnect = ReconnectConfig::DEFAULT.with_jitter_permille(0).with_retry_server_errors(true);
    let mut conn =
        Connection::new(Parser::new(vec![0; 256]), ConnectionConfig { reconnect, ..config() }, 1);
    conn.start(0).unwrap();
    let steps = drive(&mut conn, &[b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"], 0);
    assert_eq!(steps, ["retry 3000 at 3000: server answered 503"]);
    assert!(matches!(Cause::Status(503), Cause::Status(503)));
}

fn decide(raw: &[u8]) -> String {
    let handshake = Handshake::new().with_max_head_bytes(256);
    let mut headers = [EMPTY_HEADER; 8];
    let routes = |path: &str| match path {
        "/events" => Some(Resource::Stream),
        "/" => Some(Resource::Page),
        _ => None,
    };
    match handshake.read(raw, &mut headers, routes) {
        Decision::NeedMore => "more".into(),
        Decision::Stream(head) => format!("stream {} {:?}", head.method, head.last_event_id()),
        Decision::Page(head) => format!("page {}", head.method),
        Decision::Refuse(status) => format!("refuse {status}"),
        other => format!("{other:?}"),
    }
}

#[test]
fn handshake_decides_at_every_split() {
    let cases: [(&[u8], &str); 8] = [
        (b"GET /events HTTP/1.1\r\nLast-Event-ID: 4\r\n\r\n", "stream GET Some(\"4\")"),
        (b"HEAD /events?x=1 HTTP/1.1\r\n\r\n", "stream HEAD None"),
        (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "page GET"),
        (b"POST /events HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "refuse 405"),
        (b"GET /nowhere HTTP/1.1\r\n\r\n", "refuse 404"),
        (b"GET /events HTTP/1.1\r\nLast-Event-ID: \xff\r\n\r\n", "refuse 400"),
        (b"GET /events HTTP/1.1\r\nbad header\r\n\r\n", "refuse 400"),
        (b"GET /events HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\nH: 8\r\nI: 9\r\n\r\n", "refuse 431"),
    ];
    for (raw, expected) in cases {
        assert_eq!(decide(raw), expected, "{}", String::from_utf8_lossy(raw));
        for cut in 0..raw.len() {
            let partial = decide(&raw[..cut]);
            // Malformed lines may be refused before the head completes.
            assert!(partial == "more" || partial == expected, "cut {cut}: {partial}");
        }
    }
    let big = format!("GET /events HTTP/1.1\r\nX: {}\r\n", "a".repeat(300));
    assert_eq!(decide(big.as_bytes()), "refuse 431", "too large before its end");
}
