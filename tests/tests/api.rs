//! The parser's API around the stream: construction and limits, seeding the
//! last event ID, end of stream, reset, and the raw `feed` status values.

use sse_core::{CapacityError, Limits, ParseError, Parser, Status};

#[test]
fn with_limits_checks_the_buffer() {
    let limits = Limits::DEFAULT.with_max_id_len(10).with_max_event_type_len(6);
    assert_eq!(limits.reserved_bytes(), 36);
    assert_eq!(
        Parser::with_limits([0u8; 36], limits).err(),
        Some(CapacityError { required: 37, available: 36 })
    );
    let parser = Parser::with_limits([0u8; 37], limits).unwrap();
    assert_eq!(parser.max_data_len(), 1);
    assert_eq!(parser.limits(), limits);
}

#[test]
fn new_scales_limits_for_small_buffers() {
    let small = Parser::new([0u8; 256]);
    assert_eq!(small.limits(), Limits::DEFAULT.with_max_id_len(16).with_max_event_type_len(8));
    assert_eq!(small.max_data_len(), 256 - 3 * 16 - 8);
    let large: Parser<[u8; 8192]> = Parser::default();
    assert_eq!(large.limits(), Limits::DEFAULT);
    let empty = Parser::new([0u8; 0]);
    assert_eq!(empty.max_data_len(), 0);
}

#[test]
fn zero_capacity_parser_rejects_data_but_keeps_going() {
    let mut parser = Parser::new([0u8; 0]);
    let mut rest: &[u8] = b"data: x\n\nretry: 9\n\ndata\n\n";
    assert_eq!(parser.next(&mut rest), Some(Err(ParseError::DataTooLarge { limit: 0 })));
    // An empty data line fits in zero bytes.
    let event = parser.next(&mut rest).unwrap().unwrap();
    assert_eq!(event.data, "");
    assert_eq!(parser.next(&mut rest), None);
    assert_eq!(parser.retry(), Some(9));
}

#[test]
fn seeding_the_last_event_id() {
    let mut parser = Parser::new([0u8; 512]);
    parser.set_last_event_id("abc-17").unwrap();
    assert_eq!(parser.last_event_id(), "abc-17");
    let mut rest: &[u8] = b"data: x\n\n";
    assert_eq!(parser.next(&mut rest).unwrap().unwrap().id, "abc-17");
    assert_eq!(parser.set_last_event_id("a\nb"), Err(ParseError::InvalidId));
    assert_eq!(parser.set_last_event_id("a\0"), Err(ParseError::InvalidId));
    let long = "x".repeat(parser.limits().max_id_len + 1);
    assert_eq!(
        parser.set_last_event_id(&long),
        Err(ParseError::IdTooLong { limit: parser.limits().max_id_len })
    );
    assert_eq!(parser.last_event_id(), "abc-17", "failed seeding leaves the id alone");
}

#[test]
fn finish_reports_and_drops_partial_events_then_accepts_a_new_stream() {
    let mut parser = Parser::new([0u8; 512]);
    let mut rest: &[u8] = b"id: 1\ndata: a\n\nid: 2\ndata: partial";
    assert_eq!(parser.next(&mut rest).unwrap().unwrap().data, "a");
    assert_eq!(parser.next(&mut rest), None);
    assert!(parser.finish(), "a partial event was dropped");
    assert_eq!(parser.last_event_id(), "1");
    assert!(!parser.finish(), "nothing left to drop");

    // A new stream (a reconnect) may start with its own BOM.
    let mut rest: &[u8] = b"\xEF\xBB\xBFdata: b\n\n";
    let event = parser.next(&mut rest).unwrap().unwrap();
    assert_eq!((event.data, event.id), ("b", "1"));

    parser.reset();
    assert_eq!(parser.last_event_id(), "");
    assert_eq!(parser.retry(), None);
}

#[test]
fn feed_reports_consumed_bytes() {
    let mut parser = Parser::new([0u8; 512]);
    let input = b"data: one\n\ndata: two\n\ndata: thr";
    let feed = parser.feed(input);
    assert_eq!(feed.consumed, 11);
    assert!(matches!(feed.status, Status::Event(e) if e.data == "one"));
    let feed = parser.feed(&input[11..]);
    assert_eq!(feed.consumed, 11);
    assert!(matches!(feed.status, Status::Event(e) if e.data == "two"));
    let feed = parser.feed(&input[22..]);
    assert_eq!(feed.consumed, input.len() - 22);
    assert!(matches!(feed.status, Status::NeedMore));
    let feed = parser.feed(b"ee\r");
    assert_eq!(feed.consumed, 3);
    assert!(matches!(feed.status, Status::NeedMore));
    // The LF after a chunk-ending CR belongs to the same line end, so this
    // LF is swallowed and the next CR is the blank line.
    let feed = parser.feed(b"\n\r");
    assert_eq!(feed.consumed, 2);
    assert!(matches!(feed.status, Status::Event(e) if e.data == "three"));
    assert!(matches!(parser.feed(b"").status, Status::NeedMore));
}

#[test]
fn errors_name_their_limit_and_skip_only_that_event() {
    let limits = Limits::DEFAULT.with_max_id_len(4).with_max_event_type_len(4);
    let mut parser = Parser::with_limits([0u8; 64], limits).unwrap();
    let mut rest: &[u8] =
        b"id: 12345\ndata: a\n\nevent: toolong\ndata: b\n\nid: ok\nevent: ok\ndata: c\nretry: 5\n\n";
    assert_eq!(parser.next(&mut rest), Some(Err(ParseError::IdTooLong { limit: 4 })));
    assert_eq!(parser.next(&mut rest), Some(Err(ParseError::EventTypeTooLong { limit: 4 })));
    let event = parser.next(&mut rest).unwrap().unwrap();
    assert_eq!((event.event_type, event.data, event.id, event.retry), ("ok", "c", "ok", Some(5)));
    assert_eq!(
        ParseError::IdTooLong { limit: 4 }.to_string(),
        "event id exceeds the 4-byte limit; event skipped"
    );
}

#[test]
fn nul_in_an_overlong_id_means_ignored_not_error() {
    // Whether the id is too long is only decided at the end of its line, so
    // chunking cannot change the outcome.
    let limits = Limits::DEFAULT.with_max_id_len(4);
    for split in 0..30 {
        let input = b"id: 123456\0\ndata: a\n\n";
        let mut parser = Parser::with_limits([0u8; 512], limits).unwrap();
        let mut got = Vec::new();
        for chunk in [&input[..split.min(input.len())], &input[split.min(input.len())..]] {
            let mut rest = chunk;
            while let Some(item) = parser.next(&mut rest) {
                got.push(item.map(|e| (e.data.to_owned(), e.id.to_owned())));
            }
        }
        assert_eq!(got, vec![Ok(("a".to_owned(), String::new()))], "split {split}");
    }
}

#[test]
fn seeding_while_an_id_line_is_arriving() {
    // The seed must not share a slot with the id value still arriving.
    let feed = |parser: &mut Parser<Vec<u8>>, input: &[u8]| -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut rest = input;
        while let Some(item) = parser.next(&mut rest) {
            let event = item.unwrap();
            out.push((event.data.to_owned(), event.id.to_owned()));
        }
        out
    };
    let mut parser = Parser::new(vec![0u8; 1024]);
    feed(&mut parser, b"id: xyz");
    parser.set_last_event_id("abc").unwrap();
    assert_eq!(parser.last_event_id(), "abc");
    assert_eq!(feed(&mut parser, b"Q\ndata: d\n\n"), [("d".to_owned(), "xyzQ".to_owned())]);

    let mut parser = Parser::new(vec![0u8; 1024]);
    feed(&mut parser, b"id: xyz");
    parser.set_last_event_id("abcdef").unwrap();
    feed(&mut parser, b"Q");
    assert!(parser.finish());
    assert_eq!(parser.last_event_id(), "abcdef", "the dropped partial id must not touch the seed");

    // A complete id line of the current block still applies at dispatch.
    let mut parser = Parser::new(vec![0u8; 1024]);
    feed(&mut parser, b"id: 5\n");
    parser.set_last_event_id("seed").unwrap();
    assert_eq!(feed(&mut parser, b"data: d\n\n"), [("d".to_owned(), "5".to_owned())]);
}

#[test]
fn an_error_inside_a_line_consumes_the_rest_of_that_line() {
    // The LF that joins a second data line overflows: the rest of the input
    // is that same line, so all of it is consumed (nothing is scanned twice).
    let limits = Limits::DEFAULT.with_max_id_len(0).with_max_event_type_len(0);
    let mut parser = Parser::with_limits([0u8; 51], limits).unwrap();
    let mut input = b"data: ".to_vec();
    input.extend_from_slice(&[b'a'; 51]);
    input.extend_from_slice(b"\ndata: abc");
    let feed = parser.feed(&input);
    assert!(matches!(feed.status, Status::Error(ParseError::DataTooLarge { limit: 51 })));
    assert_eq!(feed.consumed, input.len());
    let mut rest: &[u8] = b"def\n\ndata: ok\n\n";
    assert_eq!(parser.next(&mut rest).unwrap().unwrap().data, "ok");
}

#[test]
fn replacement_that_overflows_is_caught_at_dispatch() {
    let limits = Limits::DEFAULT.with_max_id_len(0).with_max_event_type_len(3);
    let mut parser = Parser::with_limits([0u8; 7], limits).unwrap();
    assert_eq!(parser.max_data_len(), 4);
    // Two raw bytes fit; their two U+FFFD (six bytes) do not.
    let mut rest: &[u8] = b"data: \xff\xff\n\ndata: \xff\n\n";
    assert_eq!(parser.next(&mut rest), Some(Err(ParseError::DataTooLarge { limit: 4 })));
    assert_eq!(parser.next(&mut rest).unwrap().unwrap().data, "\u{FFFD}");
}

/// What one `next` or `feed` run over `pieces` yields: each item with the
/// index of the piece it came out of.
type Yielded = Vec<(usize, Result<String, ParseError>)>;

fn by_next(pieces: &[&[u8]], limits: Limits) -> Yielded {
    let mut parser = Parser::with_limits([0u8; 32], limits).unwrap();
    let mut got = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let mut rest = *piece;
        while let Some(item) = parser.next(&mut rest) {
            got.push((i, item.map(|e| e.data.to_owned())));
        }
    }
    got
}

fn by_feed(pieces: &[&[u8]], limits: Limits) -> Yielded {
    let mut parser = Parser::with_limits([0u8; 32], limits).unwrap();
    let mut got = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let mut rest = *piece;
        loop {
            let feed = parser.feed(rest);
            let consumed = feed.consumed;
            match feed.status {
                Status::Event(e) => got.push((i, Ok(e.data.to_owned()))),
                Status::Error(e) => got.push((i, Err(e))),
                Status::NeedMore => {
                    assert_eq!(consumed, rest.len(), "NeedMore leaves no input");
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
            rest = &rest[consumed..];
        }
    }
    got
}

#[test]
fn data_that_overflows_while_trickling_in_is_one_error_as_soon_as_it_does() {
    // A data value arriving in pieces (the parser's hot path appends them)
    // passes its 32-byte limit in the piece holding its 33rd byte.
    let limits = Limits::DEFAULT.with_max_id_len(0).with_max_event_type_len(0);
    let mut input = b"data: ".to_vec();
    input.extend_from_slice(&[b'a'; 40]);
    input.extend_from_slice(b"\n\ndata: ok\n\n");
    let over = b"data: ".len() + 32; // offset of the byte that does not fit
    for size in 1..input.len() {
        let pieces: Vec<&[u8]> = input.chunks(size).collect();
        let ok = pieces.len() - 1;
        let expected = vec![
            (over / size, Err(ParseError::DataTooLarge { limit: 32 })),
            (ok, Ok("ok".to_owned())),
        ];
        assert_eq!(by_next(&pieces, limits), expected, "next, pieces of {size}");
        assert_eq!(by_feed(&pieces, limits), expected, "feed, pieces of {size}");
    }
}
