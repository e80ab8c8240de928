//! The fuzz targets' bodies, kept in a library so that a stable test can
//! replay the committed corpus through exactly the code the fuzzer runs.
//! Each function panics when an invariant breaks; that is the finding.

use sse_core::client::{Connection, ConnectionConfig, Step, Target};
use sse_core::http::{
    parse_request, parse_response, BodyDecoder, BodyFraming, ChunkedDecoder, Url, EMPTY_HEADER,
};
use sse_core::server::{Decision, Handshake, Request, Resource};
use sse_core::{Frame, FrameError, Limits, NotRetained, Parser, ReplayError, ReplayRing, Status};

#[allow(dead_code, missing_docs)]
#[path = "../../tests/src/model.rs"]
mod model;

use model::{parse_chunks, parse_in_parts, parse_with_core, reference, OwnedEvent};

/// Chunk lengths from a seed: a tiny xorshift, lengths 1 to 16.
fn chunk(input: &[u8], seed: u8) -> Vec<&[u8]> {
    let mut state = u32::from(seed).wrapping_mul(2_654_435_761) | 1;
    let mut chunks = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state % 16) as usize + 1;
        let (head, tail) = rest.split_at(n.min(rest.len()));
        chunks.push(head);
        rest = tail;
    }
    chunks
}

/// The parser: any chunking gives what the whole input gives, which is
/// what the reference parser gives; with tight limits, chunking still
/// changes nothing.
pub fn parser(data: &[u8]) {
    let Some((&seed, input)) = data.split_first() else { return };
    let whole = parse_with_core(&[input]);
    assert_eq!(parse_with_core(&chunk(input, seed)), whole, "chunking changed the result");
    assert_eq!(reference::parse(input), whole, "differs from the reference parser");
    let bytewise: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(parse_with_core(&bytewise), whole, "byte-by-byte feeding changed the result");
    // Data handed out in parts as it arrives: the same events, and a byte
    // at a time in a 4-byte data region.
    assert_eq!(parse_in_parts(&chunk(input, seed), 1 << 16), whole, "in parts");
    assert_eq!(parse_in_parts(&bytewise, 4), whole, "in parts, byte by byte");

    let limits = Limits::DEFAULT.with_max_id_len(8).with_max_event_type_len(8);
    let tight = |chunks: &[&[u8]]| {
        let mut parser = Parser::with_limits([0u8; 48], limits).expect("fits");
        parse_chunks(&mut parser, chunks)
    };
    assert_eq!(tight(&chunk(input, seed.wrapping_add(1))), tight(&[input]), "tight limits");

    // Comments reported: the same items however the input is split, and
    // the same events as without them.
    let with_comments = comment_items(&[input]);
    assert_eq!(comment_items(&chunk(input, seed)), with_comments, "comments depend on splits");
    let events: Vec<&String> = with_comments.iter().filter(|i| !i.starts_with("comment")).collect();
    let plain = comment_items_off(input);
    assert_eq!(events, plain.iter().collect::<Vec<_>>(), "comments changed the events");
}

/// Events and comments, as text, from a parser that reports comments (its
/// buffer is large enough that a comment spanning inputs is kept whole).
fn comment_items(chunks: &[&[u8]]) -> Vec<String> {
    let size: usize = chunks.iter().map(|c| c.len()).sum::<usize>() * 2 + 1024;
    items(chunks, Parser::new(vec![0u8; size]), true)
}

fn comment_items_off(input: &[u8]) -> Vec<String> {
    items(&[input], Parser::new(vec![0u8; input.len() * 2 + 1024]), false)
}

fn items(chunks: &[&[u8]], mut parser: Parser<Vec<u8>>, comments: bool) -> Vec<String> {
    parser.report_comments(comments);
    let mut out = Vec::new();
    for chunk in chunks {
        let mut rest: &[u8] = chunk;
        loop {
            let feed = parser.feed(rest);
            rest = &rest[feed.consumed..];
            match feed.status {
                Status::Event(e) => {
                    // With the block's retry: it must not depend on splits
                    // either.
                    let (ty, data, id, retry) = (e.event_type, e.data, e.id, e.retry);
                    out.push(format!("event {ty:?} {data:?} {id:?} {retry:?}"));
                }
                Status::Comment(text) => out.push(format!("comment {text:?}")),
                Status::Error(e) => out.push(format!("error {e}")),
                _ => break,
            }
        }
    }
    out
}

/// Splits on 0xFF into text fields (lossy UTF-8).
fn fields(data: &[u8]) -> Vec<String> {
    data.split(|&b| b == 0xFF).map(|f| String::from_utf8_lossy(f).into_owned()).collect()
}

/// CRLF and CR become LF, as a parser rebuilds data lines.
fn normalize_newlines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// The encoder: frames built from the input either are refused for the
/// right reason or parse back to themselves, under any chunking.
pub fn encoder(data: &[u8]) {
    let Some((&seed, rest)) = data.split_first() else { return };
    let fields = fields(rest);
    let mut stream = Vec::new();
    let mut expected = Vec::new();
    let mut last_id = String::new();
    let mut retry = None;
    for (i, group) in fields.chunks(5).enumerate() {
        // Which fields are present: bits of the seed, rotated per frame.
        let mask = seed.rotate_left(i as u32);
        let get = |n: usize| group.get(n).filter(|_| mask & (1 << n) != 0).map(String::as_str);
        let retry_value =
            get(3).map(|r| r.bytes().fold(0u64, |a, b| a.wrapping_mul(31) ^ u64::from(b)));
        let frame =
            Frame { comment: get(0), event: get(1), id: get(2), retry: retry_value, data: get(4) };
        // Lossy decoding can triple invalid bytes: keep each frame within
        // the limits `parse_with_core` sets (4 KiB types and ids; data is
        // far below its 64 KiB), which the `parser` target covers.
        if frame.event.map_or(0, str::len) > 4096 || frame.id.map_or(0, str::len) > 4096 {
            continue;
        }
        let verdict = frame.validate();
        if frame.event.is_some_and(|e| e.contains(['\r', '\n'])) {
            assert_eq!(verdict, Err(FrameError::EventTypeHasLineBreak));
            continue;
        }
        if frame.id.is_some_and(|e| e.contains(['\r', '\n'])) {
            assert_eq!(verdict, Err(FrameError::IdHasLineBreak));
            continue;
        }
        if frame.id.is_some_and(|e| e.contains('\0')) {
            assert_eq!(verdict, Err(FrameError::IdHasNul));
            continue;
        }
        assert_eq!(verdict, Ok(()));
        let before = stream.len();
        frame.write_to(&mut stream).expect("validated above");
        let mut out = vec![0u8; stream.len() - before];
        assert_eq!(frame.encode(&mut out), Ok(out.len()));
        assert_eq!(&out[..], &stream[before..], "slice and sink encoders differ");
        if let Some(id) = frame.id {
            last_id = id.to_owned();
        }
        retry = frame.retry.or(retry);
        if let Some(data) = frame.data {
            let event_type = match frame.event {
                None | Some("") => "message".to_owned(),
                Some(t) => t.to_owned(),
            };
            expected.push(Ok(OwnedEvent {
                event_type,
                data: normalize_newlines(data),
                id: last_id.clone(),
            }));
        }
    }
    let got = parse_with_core(&chunk(&stream, seed));
    assert_eq!(got.items, expected, "frames did not parse back to themselves");
    assert_eq!(got.last_event_id, last_id);
    assert_eq!(got.retry, retry);
}

/// Decodes a chunked body in the given pieces: the payload, whether it
/// ended, and whether it failed.
fn decode_chunked(pieces: &[&[u8]]) -> (Vec<u8>, bool, bool) {
    let mut decoder = ChunkedDecoder::with_limits(64, 256);
    let mut out = Vec::new();
    for piece in pieces {
        let mut input = *piece;
        while !input.is_empty() {
            match decoder.decode(input) {
                Ok(step) => {
                    assert!(step.consumed <= input.len());
                    out.extend_from_slice(step.data);
                    if step.done {
                        return (out, true, false);
                    }
                    if step.consumed == 0 {
                        break;
                    }
                    input = &input[step.consumed..];
                }
                Err(_) => return (out, false, true),
            }
        }
    }
    (out, decoder.is_done(), false)
}

/// The HTTP side: request and response heads, the chunked and body
/// decoders, URLs. Nothing panics, nothing reads past its input, and the
/// chunked decoder gives the same result however its input is split.
pub fn http(data: &[u8]) {
    let Some((&seed, input)) = data.split_first() else { return };
    let mut headers = [EMPTY_HEADER; 16];
    if let Ok(Some(head)) = parse_request(input, &mut headers, 1024) {
        assert!(head.head_len <= input.len());
        let _ = head.check("/events");
        let _ = head.last_event_id();
        let _ = Request::from_head(&head);
    }
    let mut headers = [EMPTY_HEADER; 16];
    if let Ok(Some(head)) = parse_response(input, &mut headers, 1024) {
        assert!(head.head_len <= input.len());
        let _ = (head.content_type(), head.location(), head.is_event_stream());
        if let Ok(framing) = head.framing() {
            let mut body = BodyDecoder::new(framing);
            let _ = body.decode(&input[head.head_len..]);
        }
    }
    let whole = decode_chunked(&[input]);
    assert_eq!(decode_chunked(&chunk(input, seed)), whole, "chunked decoding depends on splits");
    let whole = connection_steps(&[input]);
    assert_eq!(connection_steps(&chunk(input, seed)), whole, "the connection depends on splits");
    let whole = handshake_decision(&[input]);
    assert_eq!(handshake_decision(&chunk(input, seed)), whole, "the handshake depends on splits");
    for framing in [BodyFraming::UntilClose, BodyFraming::Length(u64::from(seed))] {
        let mut body = BodyDecoder::new(framing);
        let step = body.decode(input).expect("only chunked bodies can fail");
        assert!(step.consumed <= input.len() && step.data.len() <= step.consumed);
    }
    let text = String::from_utf8_lossy(input);
    let (url, location) = text.split_once(' ').unwrap_or((&text, "/"));
    if let Ok(parsed) = Url::parse(url) {
        assert!(parsed.path.starts_with('/'));
        let _ = parsed.resolve(location);
        let target = Target::from_url(&parsed);
        if let Some(next) = target.follow(location) {
            assert!(next.path.starts_with('/') || next.path.is_empty() || location.contains("://"));
        }
    }
}

/// The client connection fed `chunks` as a response, the way an adapter
/// feeds it (what it leaves unconsumed is offered again with the next
/// read); its steps as text, up to the one that ends the attempt.
fn connection_steps(chunks: &[&[u8]]) -> Vec<String> {
    let config = ConnectionConfig { max_head_bytes: 512, ..ConnectionConfig::DEFAULT };
    let mut conn = Connection::new(Parser::new(vec![0; 256]), config, 7);
    conn.start(0).expect("a new connection starts");
    let mut steps = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    for chunk in chunks {
        pending.extend_from_slice(chunk);
        let mut rest: &[u8] = &pending;
        loop {
            let before = rest.len();
            let step = conn.handle_input(&mut rest, 10);
            assert!(rest.len() <= before, "input grew");
            let (text, ends) = describe(&step);
            if ends {
                steps.push(text);
                return steps;
            }
            match step {
                Step::NeedMore => break,
                _ => steps.push(text),
            }
        }
        assert!(rest.len() <= 512 + 16, "unconsumed input beyond the head limit");
        pending = rest.to_vec();
    }
    steps.push(format!("eof {}", describe(&conn.handle_eof(10)).0));
    steps
}

/// A connection step as text, and whether it ends the attempt.
fn describe(step: &Step<'_>) -> (String, bool) {
    match step {
        Step::NeedMore => ("more".into(), false),
        Step::Open { status, headers } => {
            (format!("open {status} {:?}", headers.get("content-type")), false)
        }
        Step::Event(e) => (format!("event {}|{}|{}", e.event_type, e.data, e.id), false),
        Step::Limit(e) => (format!("limit {e}"), false),
        other => (format!("{other:?}"), true),
    }
}

/// The server handshake over growing prefixes, as a server reads: the
/// first decision that is not "need more", as text.
fn handshake_decision(chunks: &[&[u8]]) -> String {
    let handshake = Handshake::new().with_max_head_bytes(512);
    let route = |path: &str| match path {
        "/events" => Some(Resource::Stream),
        "/" => Some(Resource::Page),
        _ => None,
    };
    let mut buf = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        let mut headers = [EMPTY_HEADER; 16];
        let text = match handshake.read(&buf, &mut headers, route) {
            Decision::NeedMore => continue,
            Decision::Stream(head) => {
                assert!(head.head_len <= buf.len());
                format!("stream {} {:?} {}", head.path, head.last_event_id(), head.head_len)
            }
            Decision::Page(head) => format!("page {} {}", head.path, head.head_len),
            Decision::Refuse(status) => {
                assert!(matches!(status, 400..=499), "refused with {status}");
                format!("refuse {status}")
            }
            other => format!("{other:?}"),
        };
        return text;
    }
    "more".into()
}

/// JSON data of the typed events below.
#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
pub struct Payload {
    /// A string (escapes are decoded).
    pub name: String,
    /// A signed number.
    pub value: i64,
    /// An optional flag.
    pub flag: Option<bool>,
}

/// A typed event with every kind of field.
#[derive(sse_core::SseEvent, sse_core::FromSseEvent, Debug, PartialEq)]
pub struct Reading {
    /// The id.
    #[sse(id)]
    pub id: String,
    /// The event type.
    #[sse(event)]
    pub kind: String,
    /// The JSON data.
    #[sse(data)]
    pub payload: Payload,
    /// The retry, if the event set one.
    #[sse(retry)]
    pub retry: Option<u32>,
}

/// A typed stream of several kinds of events: every variant shape.
#[derive(sse_core::SseEvent, sse_core::FromSseEvent, Debug, PartialEq)]
#[sse(rename_all = "snake_case")]
pub enum Mixed {
    /// No data.
    Ping,
    /// Text data.
    Note(String),
    /// JSON data.
    Payload(Payload),
    /// Optional JSON data: empty data is `None`.
    Maybe(Option<Payload>),
    /// A data field with an id and a retry.
    Update {
        /// The text.
        #[sse(data)]
        text: String,
        /// The id, if the stream has one.
        #[sse(id)]
        id: Option<String>,
        /// The retry, if the event set one.
        #[sse(retry)]
        retry: Option<u32>,
    },
    /// Unmapped fields as the JSON data.
    Alert {
        /// The id.
        #[sse(id)]
        id: String,
        /// A string.
        name: String,
        /// A number.
        level: i64,
    },
    /// Any other type.
    #[sse(other)]
    Other {
        /// The type received.
        #[sse(event)]
        kind: String,
        /// Its data.
        #[sse(data)]
        data: String,
    },
}

/// Decodes `event` as `T`; if it decodes, encodes it and checks that it
/// decodes to the same value again.
fn typed_round_trip<T>(event: &sse_core::Event<'_>)
where
    T: for<'a> sse_core::FromSseEvent<'a> + sse_core::SseEvent + PartialEq + core::fmt::Debug,
{
    let Ok(value) = event.decode::<T>() else { return };
    // JSON escapes can grow a value several times: let the scratch grow
    // as writers do.
    let mut scratch = Vec::new();
    let mut out = Vec::new();
    sse_core::typed::with_frame(&value, &mut scratch, |frame| frame.write_to(&mut out))
        .expect("a decoded value encodes")
        .expect("and its frame is valid");
    // Limits as large as the first parser's, whatever the event's size.
    let limits = Limits::DEFAULT.with_max_id_len(4096).with_max_event_type_len(4096);
    let mut again =
        Parser::with_limits(vec![0u8; out.len() + limits.reserved_bytes()], limits).expect("fits");
    let mut bytes = &out[..];
    let event = again.next(&mut bytes).expect("one event").expect("within limits");
    assert_eq!(event.decode::<T>().expect("decodes again"), value, "round trip");
}

/// Typed decoding: arbitrary events never panic the JSON or field
/// decoding, and whatever decodes encodes back to an equal value.
pub fn typed(data: &[u8]) {
    let mut parser = Parser::new(vec![0u8; 4096]);
    let mut rest = data;
    while let Some(item) = parser.next(&mut rest) {
        let Ok(event) = item else { continue };
        let _ = event.json::<Payload>();
        typed_round_trip::<Reading>(&event);
        typed_round_trip::<Mixed>(&event);
    }
}

/// The replay ring under arbitrary pushes: it holds the newest run of
/// what was pushed within its bounds, and `since` answers from that run.
pub fn replay(data: &[u8]) {
    let Some((&capacity, mut ops)) = data.split_first() else { return };
    let mut ring: ReplayRing<Vec<u8>, 4> = ReplayRing::new(vec![0; usize::from(capacity)]);
    let mut pushed: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some((&op, rest)) = ops.split_first() {
        let id: String = ["", "a", "b", "ab", "c"][usize::from(op % 5)].to_owned();
        let len = usize::from(op >> 3).min(rest.len());
        let (frame, rest) = rest.split_at(len);
        ops = rest;
        let stores_nothing = id.is_empty() && frame.is_empty();
        match ring.push(&id, frame) {
            Ok(()) if stores_nothing => {}
            Ok(()) => pushed.push((id, frame.to_vec())),
            Err(ReplayError::TooLarge { required, capacity }) => {
                assert_eq!(required, id.len() + frame.len());
                assert!(required > capacity);
                assert!(ring.is_empty(), "a frame too large empties the ring");
                pushed.clear();
            }
            Err(e) => panic!("unexpected {e}"),
        }
        check_ring(&ring, &pushed);
    }
}

/// The ring holds the newest run of `pushed` within its bounds, and
/// `since` answers exactly from that run (shared with the proptest).
pub fn check_ring<const N: usize>(ring: &ReplayRing<Vec<u8>, N>, pushed: &[(String, Vec<u8>)]) {
    let held: Vec<&[u8]> = ring.iter().collect();
    assert!(held.len() == ring.len() && ring.len() <= N);
    let suffix = &pushed[pushed.len() - held.len()..];
    for (got, (_, want)) in held.iter().zip(suffix) {
        assert_eq!(*got, &want[..], "not the newest run of pushes");
    }
    let bytes: usize = suffix.iter().map(|(id, f)| id.len() + f.len()).sum();
    assert!(bytes <= ring.capacity_bytes());
    let retained_from = pushed.len() - held.len();
    for (i, (id, _)) in pushed.iter().enumerate() {
        let newest = pushed.iter().rposition(|(other, _)| other == id).expect("present");
        let result = ring.since(id).map(|frames| frames.collect::<Vec<_>>());
        if id.is_empty() || newest < retained_from {
            assert_eq!(result, Err(NotRetained));
        } else if i == newest {
            let want: Vec<&[u8]> = pushed[newest + 1..].iter().map(|(_, f)| &f[..]).collect();
            assert_eq!(result, Ok(want));
        }
    }
    assert_eq!(ring.since("never-pushed").err(), Some(NotRetained));
}
