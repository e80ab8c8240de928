//! The client `Connection` and server `Handshake` state machines, sans IO:
//! simulated time, every input split at every byte.

use sse_core::client::{Cause, Connection, ConnectionConfig, Request, Step};
use sse_core::http::{Url, EMPTY_HEADER};
use sse_core::server::{Decision, Handshake, Resource};
use sse_core::{FailReason, Parser, ReconnectConfig, ReconnectMode};

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
    let mut seen: Vec<String> = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    for chunk in chunks {
        pending.extend_from_slice(chunk);
        let mut rest: &[u8] = &pending;
        loop {
            let step = conn.handle_input(&mut rest, now);
            let (text, ends) = describe(&step);
            match (seen.last_mut(), text.strip_prefix("body ")) {
                // A refused body comes in pieces that depend on the reads.
                (Some(last), Some(piece)) if last.starts_with("body ") => last.push_str(piece),
                _ if matches!(step, Step::NeedMore) => {}
                _ => seen.push(text),
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
        Step::Rejected { status, reason, headers } => (
            format!(
                "rejected {status} {:?} {reason:?} {:?}",
                headers.reason(),
                headers.get_str("content-type")
            ),
            false,
        ),
        Step::RejectedBody(piece) => (format!("body {}", String::from_utf8_lossy(piece)), false),
        Step::Finished { cause } => (format!("finished: {cause}"), true),
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
fn refusals_fail_for_good_with_their_body() {
    let no_content: &[u8] = b"HTTP/1.1 204 No Content\r\n\r\n";
    let mut conn = connection();
    assert_eq!(drive(&mut conn, &[no_content], 0), ["failed NoContent"]);
    assert_eq!(conn.start(10), Err(FailReason::Closed), "no attempt after a failure");

    let json = r#"{"error":{"message":"Incorrect API key"}}"#;
    let cases: [(String, [&str; 3]); 5] = [
        (
            format!("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}", json.len()),
            ["rejected 401 \"Unauthorized\" Status(401) Some(\"application/json\")", &format!("body {json}"), "failed Status(401)"],
        ),
        (
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"error\r\n4\r\n\":\"x\r\n2\r\n\"}\r\n0\r\n\r\n".to_owned(),
            ["rejected 429 \"Too Many Requests\" Status(429) Some(\"application/json\")", "body {\"error\":\"x\"}", "failed Status(429)"],
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<h1>hi</h1>".to_owned(),
            ["rejected 200 \"OK\" ContentType Some(\"text/html\")", "body <h1>hi</h1>", "eof failed ContentType"],
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\n\x1f\x08z".to_owned(),
            ["rejected 200 \"OK\" ContentEncoding Some(\"text/event-stream\")", "body \u{1f}\u{8}z", "failed ContentEncoding"],
        ),
        (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy".to_owned(),
            ["rejected 503 \"Service Unavailable\" Status(503) None", "body busy", "failed Status(503)"],
        ),
    ];
    for (input, want) in cases {
        assert_eq!(same_at_every_split(input.as_bytes()), want, "{input}");
    }
}

#[test]
fn a_refused_body_is_bounded_in_size_and_time() {
    let config = ConnectionConfig { max_error_body: 10, head_timeout_ms: 1_000, ..config() };
    let mut conn = Connection::new(Parser::new(vec![0; 256]), config, 1);
    conn.start(0).unwrap();
    let huge = format!("HTTP/1.1 500 Oops\r\n\r\n{}", "x".repeat(100));
    let steps = drive(&mut conn, &[huge.as_bytes()], 0);
    assert_eq!(
        steps,
        ["rejected 500 \"Oops\" Status(500) None", "body xxxxxxxxxx", "failed Status(500)"]
    );

    let mut conn = Connection::new(Parser::new(vec![0; 256]), config, 1);
    conn.start(0).unwrap();
    let mut slow: &[u8] = b"HTTP/1.1 500 Oops\r\nContent-Length: 100\r\n\r\nabc";
    assert!(matches!(conn.handle_input(&mut slow, 10), Step::Rejected { status: 500, .. }));
    assert!(matches!(conn.handle_input(&mut slow, 10), Step::RejectedBody(b"abc")));
    assert!(matches!(conn.handle_input(&mut slow, 10), Step::NeedMore));
    assert_eq!(conn.poll_timeout(), Some(1_010), "the body gets the head timeout");
    assert!(conn.handle_timeout(1_009).is_none());
    assert!(matches!(conn.handle_timeout(1_010), Some(Step::Failed(FailReason::Status(500)))));
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
fn redirects_keep_headers_and_body_at_their_origin_and_303_turns_into_get() {
    let origin = Url::parse("http://a.test/events").unwrap();
    let headers = [
        ("Authorization", "Bearer secret"),
        ("Cookie", "s=1"),
        ("X-Api-Key", "k1"),
        ("X-Trace", "t"),
    ];
    let request = Request {
        origin,
        method: "POST",
        headers: &headers,
        body: Some(b"{\"q\":1}"),
        forward_headers: &["x-trace"],
    };
    let mut conn = connection();
    let steps =
        drive(&mut conn, &[b"HTTP/1.1 307 Temporary\r\nLocation: http://b.test/x\r\n\r\n"], 0);
    assert_eq!(steps, ["redirect 307 http://b.test/x"]);
    conn.start(0).unwrap();
    let other = request_text(&conn, &request, "http://b.test/x");
    assert!(other.starts_with("POST /x HTTP/1.1\r\nHost: b.test\r\n"), "{other}");
    assert!(
        !other.contains("secret") && !other.contains("s=1") && !other.contains("k1"),
        "{other}"
    );
    assert!(other.contains("X-Trace: t"), "marked safe to forward: {other}");
    assert!(!other.contains("{\"q\"") && !other.contains("Content-Length"), "no body: {other}");
    let same = request_text(&conn, &request, "http://a.test/other");
    assert!(same.contains("Authorization: Bearer secret") && same.contains("Cookie: s=1"));
    assert!(same.contains("X-Api-Key: k1") && same.ends_with("{\"q\":1}"));

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

fn with_mode(mode: ReconnectMode) -> Connection<Vec<u8>> {
    let reconnect = config().reconnect.with_mode(mode).with_retry_server_errors(true);
    let mut conn =
        Connection::new(Parser::new(vec![0; 256]), ConnectionConfig { reconnect, ..config() }, 1);
    conn.start(0).unwrap();
    conn
}

#[test]
fn reconnect_modes_decide_what_ends_the_source() {
    let clean: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 9\r\n\r\ndata: a\n\n";
    let cut: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 99\r\n\r\ndata: a\n\n";
    let busy: &[u8] = b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n";
    let open = "open 200 Some(\"text/event-stream\")";
    let cases: [(ReconnectMode, &[u8], &str); 9] = [
        (ReconnectMode::Always, clean, "retry 3000 at 3000: the server ended the stream"),
        (ReconnectMode::Always, cut, "eof retry 3000 at 3000: response body cut short"),
        (ReconnectMode::Always, busy, "retry 3000 at 3000: server answered 503"),
        (ReconnectMode::OnError, clean, "finished: the server ended the stream"),
        (ReconnectMode::OnError, cut, "eof retry 3000 at 3000: response body cut short"),
        (ReconnectMode::OnError, busy, "retry 3000 at 3000: server answered 503"),
        (ReconnectMode::Never, clean, "finished: the server ended the stream"),
        (ReconnectMode::Never, cut, "eof finished: response body cut short"),
        (ReconnectMode::Never, busy, "failed Status(503)"),
    ];
    for (mode, input, end) in cases {
        let steps = drive(&mut with_mode(mode), &[input], 0);
        assert_eq!(steps.last().map(String::as_str), Some(end), "{mode:?}: {steps:?}");
        if input != busy {
            assert_eq!(steps[..2], [open.to_owned(), "event message|a|".to_owned()], "{mode:?}");
        }
    }
    let mut conn = with_mode(ReconnectMode::Never);
    assert_eq!(describe(&conn.handle_error(5)).0, "finished: connection failed");
    assert_eq!(conn.start(6), Err(FailReason::Closed), "no second attempt");
}

#[test]
fn an_idle_stream_is_reconnected() {
    let config = ConnectionConfig { idle_timeout_ms: Some(1_000), ..config() };
    let mut conn = Connection::new(Parser::new(vec![0; 256]), config, 1);
    conn.start(0).unwrap();
    assert_eq!(conn.poll_timeout(), Some(30_000), "the head timeout first");
    let mut input: &[u8] =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 4\ndata: a\n\n";
    assert!(matches!(conn.handle_input(&mut input, 100), Step::Open { .. }));
    assert_eq!(conn.poll_timeout(), Some(1_100));
    assert!(matches!(conn.handle_input(&mut input, 100), Step::Event(_)));
    // A comment counts: anything from the server shows it is alive.
    let mut comment: &[u8] = b": ping\n";
    assert!(matches!(conn.handle_input(&mut comment, 900), Step::NeedMore));
    assert_eq!(conn.poll_timeout(), Some(1_900));
    assert!(conn.handle_timeout(1_899).is_none());
    let step = conn.handle_timeout(1_900).unwrap();
    assert_eq!(describe(&step).0, "retry 3000 at 4900: nothing received for 1000 ms");
    conn.start(4_900).unwrap();
    assert_eq!(conn.last_event_id(), "4", "the reconnect resumes");
}

#[test]
fn starting_again_abandons_the_attempt_and_keeps_the_id() {
    let mut conn = connection();
    let mut input: &[u8] =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 9\ndata: a\n\nid: 10\ndata: half";
    let steps = drive_no_eof(&mut conn, &mut input);
    assert_eq!(steps, ["open 200 Some(\"text/event-stream\")", "event message|a|9"]);
    conn.start(50).unwrap();
    assert_eq!(conn.last_event_id(), "9", "the half event is dropped");
    let mut input: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: b\n\n";
    let steps = drive_no_eof(&mut conn, &mut input);
    assert_eq!(steps[1], "event message|b|9");
}

fn drive_no_eof(conn: &mut Connection<Vec<u8>>, input: &mut &[u8]) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let step = conn.handle_input(input, 0);
        if matches!(step, Step::NeedMore) {
            return seen;
        }
        seen.push(describe(&step).0);
    }
}

/// A head another HTTP client read: the same decisions, the body taken as
/// it comes (no chunk sizes), redirects left to that client.
#[test]
fn heads_read_elsewhere_get_the_same_decisions() {
    let mut conn = connection();
    let head: &[u8] =
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
    assert!(matches!(conn.handle_head(head, 0), Step::Open { status: 200, .. }));
    let steps = drive(&mut conn, &[b"id: 3\ndata: a\n\n", b"data: b"], 0);
    assert_eq!(steps, ["event message|a|3", "eof retry 3000 at 3000: the server ended the stream"]);

    let mut conn = connection();
    let head: &[u8] =
        b"HTTP/1.1 401 \r\ncontent-type: application/json\r\ncontent-length: 99\r\n\r\n";
    let step = conn.handle_head(head, 0);
    assert_eq!(describe(&step).0, "rejected 401 \"\" Status(401) Some(\"application/json\")");
    let steps = drive(&mut conn, &[b"{\"error\":", b"\"no\"}"], 0);
    assert_eq!(steps, ["body {\"error\":\"no\"}", "eof failed Status(401)"]);

    let mut conn = connection();
    let head: &[u8] = b"HTTP/1.1 302 Found\r\nlocation: /x\r\n\r\n";
    assert!(matches!(conn.handle_head(head, 0), Step::Rejected { status: 302, .. }));
}

/// Found in review: a flood of interim heads is bounded by the head limit
/// (it was unbounded: each was parsed and skipped on its own).
#[test]
fn interim_heads_count_against_the_head_limit() {
    let flood = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(1_000);
    let steps = drive(&mut connection(), &[&flood], 0);
    assert_eq!(steps, ["retry 3000 at 3000: bad response: HTTP head exceeds 16384 bytes"]);
}

/// Found in review: a new request from the origin (a retry, or one that
/// abandons the attempt) is the user's own again, not the GET a 303 made
/// of it, and the redirect count starts again.
#[test]
fn a_new_request_from_the_origin_forgets_the_redirect_chain() {
    let origin = Url::parse("http://a.test/events").unwrap();
    let request = Request { method: "POST", body: Some(b"{}"), ..Request::get(origin) };
    let mut conn = connection();
    let steps = drive(&mut conn, &[b"HTTP/1.1 303 See Other\r\nLocation: /next\r\n\r\n"], 0);
    assert_eq!(steps, ["redirect 303 /next"]);
    conn.start(0).unwrap();
    assert!(request_text(&conn, &request, "http://a.test/next").starts_with("GET /next"));
    // The user asks to reconnect now: the attempt at /next is abandoned.
    conn.start(10).unwrap();
    let again = request_text(&conn, &request, "http://a.test/events");
    assert!(again.starts_with("POST /events") && again.ends_with("{}"), "{again}");
}
