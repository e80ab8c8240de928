//! Proves that parsing and encoding allocate nothing: a counting global
//! allocator wraps the system one, and the count must not move while a
//! whole stream is parsed (in several chunkings, with invalid UTF-8, limit
//! errors and resumption) and frames are encoded.
//!
//! This test runs without libtest's harness (`harness = false`), so no
//! other thread allocates while the counter runs.

use std::alloc::System;

use serde::{Deserialize, Serialize};
use sse_core::http::{
    parse_request, parse_response, write_request, ChunkedDecoder, ClientRequest, EMPTY_HEADER,
};
use sse_core::{
    Frame, FromSseEvent, Limits, Parser, Reconnect, ReconnectConfig, ReplayRing, Sink, SseEvent,
    Status,
};
use sse_no_std_typed::{round_trip, Sample as NodeSample, Telemetry};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

// `stats_alloc` wraps the system allocator and counts, without `unsafe` here.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// A sink that only counts, standing in for a socket.
struct CountingSink(usize);
impl Sink for CountingSink {
    type Error = core::convert::Infallible;
    fn write(&mut self, bytes: &[u8]) -> Result<(), Self::Error> {
        self.0 += bytes.len();
        Ok(())
    }
}

#[derive(SseEvent, FromSseEvent, Debug, PartialEq)]
#[sse(event = "reading")]
struct Reading<'a> {
    #[sse(id)]
    id: &'a str,
    #[sse(data)]
    value: Sample<'a>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Sample<'a> {
    sensor: &'a str,
    celsius: i32,
}

/// The rest of the core, exercised with no allocator use: typed events (a
/// struct and an enum), the replay ring, the reconnect policy, the HTTP
/// heads and chunked bodies.
fn everything_else() -> usize {
    let mut work = 0;
    let (mut scratch, mut out) = ([0u8; 128], [0u8; 256]);
    let mut ring: ReplayRing<[u8; 512], 8> = ReplayRing::new([0; 512]);
    let mut parser = Parser::new([0u8; 512]);
    for i in 0..100 {
        let id = if i % 2 == 0 { "even" } else { "odd" };
        let reading = Reading { id, value: Sample { sensor: "t1", celsius: i } };
        let n = reading.encode(&mut scratch, &mut out).unwrap();
        ring.push(id, &out[..n]).unwrap();
        let mut rest = &out[..n];
        let event = parser.next(&mut rest).unwrap().unwrap();
        assert_eq!(Reading::from_event(&event).unwrap(), reading);
        work += ring.since("even").map_or(0, |frames| frames.count());
    }
    // The no_std crate's enum (borrowed fields, every variant shape).
    let mut buffer = [0u8; 1024];
    for i in 0..100 {
        let value = match i % 5 {
            0 => Telemetry::Reading(NodeSample { sensor: "t1", centi_celsius: i }),
            1 => Telemetry::Status { id: "s", text: "all good" },
            2 => Telemetry::Alarm { id: "a", sensor: "t2", level: 3 },
            3 => Telemetry::Heartbeat,
            _ => Telemetry::Other { kind: "firmware", data: "1.2.3" },
        };
        work += round_trip(&value, &mut scratch, &mut out, &mut buffer).unwrap();
    }
    let mut source = Reconnect::new(ReconnectConfig::DEFAULT);
    let mut rng = || 7u64;
    source.on_response(200, Some("text/event-stream"), 0, &mut rng);
    source.set_retry(100);
    source.on_disconnect(10, &mut rng);

    let mut sink = CountingSink(0);
    write_request(
        &mut sink,
        &ClientRequest { last_event_id: "9", ..ClientRequest::get("h", "/e") },
    )
    .unwrap();
    let mut headers = [EMPTY_HEADER; 8];
    let head = parse_request(b"GET /e HTTP/1.1\r\nLast-Event-ID: 9\r\n\r\n", &mut headers, 1024)
        .unwrap()
        .unwrap();
    work += head.last_event_id().map_or(0, str::len);
    let mut headers = [EMPTY_HEADER; 8];
    let response =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    work += usize::from(
        parse_response(response, &mut headers, 1024).unwrap().unwrap().is_event_stream(),
    );
    let mut chunked = ChunkedDecoder::new();
    work += chunked.decode(b"3\r\nabc\r\n0\r\n\r\n").unwrap().data.len();
    work + sink.0
}

fn main() {
    parsing_and_encoding_allocate_nothing();
    println!("test parsing_and_encoding_allocate_nothing ... ok");
    println!("1 passed, 0 failed");
}

fn parsing_and_encoding_allocate_nothing() {
    // Build the input before counting.
    let mut stream = Vec::new();
    stream.extend_from_slice(b"\xEF\xBB\xBFretry: 1500\n");
    for i in 0..500 {
        stream.extend_from_slice(
            format!("event: e{i}\nid: {i}\ndata: line {i}\ndata: second \u{e9}\n\n").as_bytes(),
        );
        stream.extend_from_slice(b": comment\r\ndata: bad \xff utf8\r\n\r\n");
        stream.extend_from_slice(b"data: ");
        stream.extend_from_slice(&[b'x'; 900]); // over the data limit below
        stream.extend_from_slice(b"\nid: skipped\n\n");
    }
    let long = "y".repeat(10_000);

    let region = Region::new(GLOBAL);
    let mut events = 0usize;
    let mut errors = 0usize;
    let mut data_bytes = 0usize;
    for chunk_size in [1, 7, 100, 4096, stream.len()] {
        let mut parser = Parser::new([0u8; 1024]);
        for chunk in stream.chunks(chunk_size) {
            let mut rest = chunk;
            while let Some(item) = parser.next(&mut rest) {
                match item {
                    Ok(event) => {
                        events += 1;
                        data_bytes += event.data.len() + event.id.len() + event.event_type.len();
                    }
                    Err(_) => errors += 1,
                }
            }
        }
        parser.finish();
        assert_eq!(parser.last_event_id(), "499");
        assert_eq!(parser.retry(), Some(1500));
    }
    // Data handed out in parts: the 900-byte data lines, over the data
    // limit above, pass in 7-byte reads through 32 bytes of data room.
    let mut parts = 0usize;
    let mut parted_events = 0usize;
    let limits = Limits::DEFAULT.with_max_id_len(8).with_max_event_type_len(8);
    let mut parser = Parser::with_limits([0u8; 64], limits).unwrap();
    for chunk in stream.chunks(7) {
        let mut rest = chunk;
        loop {
            let feed = parser.feed_parts(rest);
            rest = &rest[feed.consumed..];
            match feed.status {
                Status::DataPart(text) => parts += text.len(),
                Status::Event(_) => parted_events += 1,
                Status::NeedMore => break,
                _ => {}
            }
        }
    }
    parser.finish();
    let mut out = [0u8; 256];
    let mut sink = CountingSink(0);
    for i in 0..1000u64 {
        let n =
            Frame::new().event("tick").id("1").retry(i).data("a\nb\r\nc").encode(&mut out).unwrap();
        assert!(n > 0);
        Frame::new().comment("keep\nalive").data(&long).write_to(&mut sink).unwrap();
    }
    let other_work = everything_else();
    let change = region.change();

    assert_eq!(
        (change.allocations, change.reallocations, change.bytes_allocated),
        (0, 0, 0),
        "parsing/encoding allocated: {change:?}"
    );
    assert_eq!(parted_events, 3 * 500);
    assert!(parts >= 500 * 900, "{parts} bytes of parts");
    assert_eq!(events, 5 * 1000);
    assert_eq!(errors, 5 * 500);
    assert!(data_bytes > 0);
    assert!(sink.0 > 1000 * 10_000);
    assert!(other_work > 100);
}
