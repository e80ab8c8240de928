//! `Parser::feed_parts`: data that goes on past its input is handed out as
//! it arrives, so events larger than the buffer pass, and large ones are
//! not copied.

use sse_core::{Limits, ParseError, Parser, Status};

/// What a stream gave, read with `feed_parts`: events as (type, data, id)
/// with their data joined from parts, errors, comments, and every part.
#[derive(Debug, Default, PartialEq)]
struct Read {
    items: Vec<String>,
    parts: Vec<String>,
    pending: String,
}

fn read_in_parts<B: AsRef<[u8]> + AsMut<[u8]>>(
    parser: &mut Parser<B>,
    chunks: &[&[u8]],
    mut on_part: impl FnMut(&str, &[u8]),
) -> Read {
    let mut read = Read::default();
    for chunk in chunks {
        let mut rest = *chunk;
        loop {
            let feed = parser.feed_parts(rest);
            rest = &rest[feed.consumed..];
            match feed.status {
                Status::DataPart(text) => {
                    on_part(text, chunk);
                    read.pending.push_str(text);
                    read.parts.push(text.to_owned());
                }
                Status::Event(e) => {
                    let data = std::mem::take(&mut read.pending) + e.data;
                    read.items.push(format!("{}|{data}|{}", e.event_type, e.id));
                }
                Status::Error(e) => {
                    read.pending.clear();
                    read.items.push(format!("error {e}"));
                }
                Status::Comment(text) => read.items.push(format!("comment {text}")),
                Status::NeedMore => break,
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    read
}

/// Whether `text` lies inside `chunk`'s bytes (borrowed, not copied).
fn borrowed_from(text: &str, chunk: &[u8]) -> bool {
    let range = chunk.as_ptr_range();
    let (start, end) = (text.as_ptr(), text.as_ptr().wrapping_add(text.len()));
    range.start <= start && end <= range.end
}

#[test]
fn an_event_far_larger_than_the_buffer_passes_uncopied() {
    let data: String = (0..65_536).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
    let stream = format!("id: 7\ndata: {data}\n\ndata: small\n\n");
    let chunks: Vec<&[u8]> = stream.as_bytes().chunks(1000).collect();
    let mut parser = Parser::new([0u8; 256]);
    assert!(parser.max_data_len() < 256);
    let mut copied = 0;
    let read = read_in_parts(&mut parser, &chunks, |part, chunk| {
        if !borrowed_from(part, chunk) {
            copied += part.len();
        }
    });
    assert_eq!(read.items, [format!("message|{data}|7"), "message|small|7".to_owned()]);
    assert!(read.parts.len() >= 65, "{} parts", read.parts.len());
    // The id line and the first data line share the first read, so the
    // line machine keeps that part; everything after it is borrowed.
    assert!(copied < 1000, "{copied} bytes of parts were copied");

    // Read whole, the same stream overflows this buffer.
    let mut parser = Parser::new([0u8; 256]);
    let mut errors = 0;
    for chunk in &chunks {
        let mut rest = *chunk;
        while let Some(item) = parser.next(&mut rest) {
            errors += usize::from(matches!(item, Err(ParseError::DataTooLarge { .. })));
        }
    }
    assert_eq!(errors, 1);
}

#[test]
fn the_data_limit_bounds_what_parts_add_up_to() {
    let data = "d".repeat(10_000);
    let stream =
        format!("id: 1\ndata: {data}\n\nid: 2\ndata: {data}\ndata: x\nretry: 5\n\ndata: ok\n\n");
    let chunks: Vec<&[u8]> = stream.as_bytes().chunks(700).collect();
    let limited = |limit: usize| {
        let limits = Limits::DEFAULT.with_max_data_len(limit);
        Parser::with_limits(vec![0u8; 1024], limits).unwrap()
    };
    // Exactly at the limit: the first event passes, the second (two more
    // bytes) is rejected, its id and retry do not apply, and the stream
    // goes on.
    let mut parser = limited(10_000);
    let read = read_in_parts(&mut parser, &chunks, |_, _| {});
    let error = format!("error {}", ParseError::DataTooLarge { limit: 10_000 });
    assert_eq!(read.items, [format!("message|{data}|1"), error, "message|ok|1".to_owned()]);
    assert_eq!((parser.last_event_id(), parser.retry()), ("1", None));
    // What the caller joined never passed the limit.
    assert!(read.parts.iter().map(String::len).sum::<usize>() <= 2 * 10_000);

    // One byte less: both rejected, at the end of the first value (no
    // later byte is looked at), so no part adds up past the limit.
    let mut parser = limited(9_999);
    let mut consumed = 0;
    let mut handed = 0;
    let mut rest = stream.as_bytes();
    let error = loop {
        let feed = parser.feed_parts(rest);
        consumed += feed.consumed;
        rest = &rest[feed.consumed..];
        match feed.status {
            Status::DataPart(text) => handed += text.len(),
            Status::Error(e) => break e,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(error, ParseError::DataTooLarge { limit: 9_999 });
    assert!(handed <= 9_999, "{handed} bytes handed out");
    assert!(consumed <= "id: 1\ndata: ".len() + 10_000, "rejected at {consumed}");

    // Read whole, the limit is the same.
    let mut parser =
        Parser::with_limits(vec![0u8; 1 << 16], Limits::DEFAULT.with_max_data_len(10_000)).unwrap();
    assert_eq!(parser.max_data_len(), 10_000);
    let mut rest = stream.as_bytes();
    let mut items = Vec::new();
    while let Some(item) = parser.next(&mut rest) {
        items.push(item.map(|e| e.id.to_owned()));
    }
    assert_eq!(
        items,
        [Ok("1".to_owned()), Err(ParseError::DataTooLarge { limit: 10_000 }), Ok("1".to_owned())]
    );
}

#[test]
fn a_lone_data_line_across_reads_is_borrowed_whole() {
    let data = "x".repeat(5000);
    let stream = format!("data: {data}\n\n");
    let chunks: Vec<&[u8]> = stream.as_bytes().chunks(1024).collect();
    let mut parser = Parser::new([0u8; 64]);
    let mut copied = 0;
    let read = read_in_parts(&mut parser, &chunks, |part, chunk| {
        if !borrowed_from(part, chunk) {
            copied += part.len();
        }
    });
    assert_eq!(read.items, [format!("message|{data}|")]);
    assert_eq!(copied, 0);
}

/// Text with characters of every width, an invalid byte, a truncated
/// sequence and a surrogate, cut at every position: the same events as
/// read whole, every part whole characters.
#[test]
fn characters_cut_at_every_byte_come_out_whole() {
    let stream: &[u8] = b"event: t\ndata: a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80z\n\
        data: \xFF\xE2\x82 \xED\xA0\x80\xF0\x9F\x98\n\n\
        data: \xE4\xB8\xAD\xE4\xB8\n\ndata: \xF0\x9F\x98\x80\n\n";
    let mut whole = Vec::new();
    let mut parser = Parser::new(vec![0u8; 1024]);
    let mut rest = stream;
    while let Some(item) = parser.next(&mut rest) {
        let e = item.unwrap();
        whole.push(format!("{}|{}|{}", e.event_type, e.data, e.id));
    }
    assert_eq!(whole.len(), 3);
    assert!(whole[0].contains('\u{FFFD}'));
    for cut in 0..=stream.len() {
        for data_room in [4, 1024] {
            let limits = Limits::DEFAULT;
            let buffer = vec![0u8; limits.reserved_bytes() + data_room];
            let mut parser = Parser::with_limits(buffer, limits).unwrap();
            let (a, b) = stream.split_at(cut);
            let read = read_in_parts(&mut parser, &[a, b], |_, _| {});
            assert_eq!(read.items, whole, "cut at {cut}, {data_room} bytes of data room");
        }
    }
    // A byte at a time, in four bytes of data room.
    let mut parser =
        Parser::with_limits(vec![0u8; Limits::DEFAULT.reserved_bytes() + 4], Limits::DEFAULT)
            .unwrap();
    let bytes: Vec<&[u8]> = stream.chunks(1).collect();
    let read = read_in_parts(&mut parser, &bytes, |_, _| {});
    assert_eq!(read.items, whole, "byte by byte");
    // U+FFFD comes as a part of its own, never glued to a cut character.
    assert!(read.parts.iter().any(|p| p == "\u{FFFD}"));
}

#[test]
fn next_after_feed_parts_gets_the_cut_character() {
    let mut parser = Parser::new([0u8; 256]);
    let mut first = b"data: ".to_vec();
    first.extend_from_slice(&[b'a'; 600]);
    first.extend_from_slice(b"\xE4\xB8");
    let feed = parser.feed_parts(&first);
    assert!(
        matches!(feed.status, Status::DataPart(p) if p == "a".repeat(600)),
        "{:?}",
        feed.status
    );
    assert_eq!(feed.consumed, first.len());
    let mut rest: &[u8] = b"\xAD!\n\n";
    let event = parser.next(&mut rest).unwrap().unwrap();
    // What was not handed out yet comes in the event.
    assert_eq!(event.data, "\u{4E2D}!");
}

#[test]
fn short_data_across_reads_is_kept_as_feed_keeps_it() {
    // LLM-sized events cut anywhere: no parts, the same events.
    let stream = b"data: {\"token\":\"hello\"}\n\ndata: {\"token\":\"\xE4\xB8\xAD\"}\n\n";
    for cut in 0..=stream.len() {
        let mut parser = Parser::new([0u8; 1024]);
        let (a, b) = stream.split_at(cut);
        let read = read_in_parts(&mut parser, &[a, b], |_, _| {});
        assert!(read.parts.is_empty(), "cut at {cut}: {:?}", read.parts);
        assert_eq!(
            read.items,
            ["message|{\"token\":\"hello\"}|", "message|{\"token\":\"\u{4E2D}\"}|"]
        );
    }
}

#[test]
fn parts_of_a_rejected_or_unfinished_event_are_dropped() {
    let limits = Limits::DEFAULT.with_max_event_type_len(4);
    let mut parser = Parser::with_limits([0u8; 512], limits).unwrap();
    let (zeros, ns) = ("0".repeat(600), "n".repeat(600));
    let first = format!("data: {zeros}");
    let second = format!("abcdef\nevent: too-long\n\ndata: {ns}");
    let read =
        read_in_parts(&mut parser, &[first.as_bytes(), second.as_bytes(), b"\n\n"], |_, _| {});
    // The rest of the rejected event's data was in the read that rejected
    // it: never handed out.
    assert_eq!(read.parts, [zeros, ns.clone()]);
    assert_eq!(
        read.items,
        [format!("error {}", ParseError::EventTypeTooLong { limit: 4 }), format!("message|{ns}|")]
    );

    // The stream ends inside an event: `finish` says its parts are void.
    let first = format!("data: {ns}");
    let read = read_in_parts(&mut parser, &[first.as_bytes(), b"more"], |_, _| {});
    assert_eq!(read.pending, ns);
    assert!(parser.finish());
    // A fresh event after that is whole again.
    let read = read_in_parts(&mut parser, &[b"data: new\n\n"], |_, _| {});
    assert_eq!(read.items, ["message|new|"]);
}

#[test]
fn a_comment_across_reads_keeps_the_data_around_it() {
    let mut parser = Parser::new([0u8; 512]);
    parser.report_comments(true);
    let read = read_in_parts(
        &mut parser,
        &[b"data: a\ndata: b\n: com", b"ment\ndata: c", b"d\n\n"],
        |_, _| {},
    );
    assert_eq!(read.items, ["comment comment", "message|a\nb\ncd|"]);
}

#[test]
fn invalid_text_is_never_too_large_in_parts() {
    // Twelve bytes of data room: read whole, the repair of the four
    // invalid bytes (twelve bytes of U+FFFD) does not fit behind "a\n".
    let limits = Limits::DEFAULT.with_max_id_len(0).with_max_event_type_len(0);
    let stream: [&[u8]; 2] = [b"event: \ndata: a\ndata: \xFF\xFF\xFF\xFF", b"\n\n"];
    let mut parser = Parser::with_limits([0u8; 12], limits).unwrap();
    let mut rejected = 0;
    for chunk in stream {
        let mut rest = chunk;
        while let Some(item) = parser.next(&mut rest) {
            assert_eq!(item.unwrap_err(), ParseError::DataTooLarge { limit: 12 });
            rejected += 1;
        }
    }
    assert_eq!(rejected, 1);
    // Handed out, kept data stays within a third of the room, so its
    // repair always fits.
    let mut parser = Parser::with_limits([0u8; 12], limits).unwrap();
    let read = read_in_parts(&mut parser, &stream, |_, _| {});
    assert_eq!(read.items, ["message|a\n\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}|"]);
}

/// Feeds `chunks` to `feed` with a large buffer: the events as `Read`
/// lists them.
fn read_whole(chunks: &[&[u8]]) -> Vec<String> {
    read_with_next(&mut Parser::new(vec![0u8; 1 << 20]), chunks)
}

/// The events `next` reads from `chunks`, as `Read` lists them.
fn read_with_next<B: AsRef<[u8]> + AsMut<[u8]>>(
    parser: &mut Parser<B>,
    chunks: &[&[u8]],
) -> Vec<String> {
    let mut items = Vec::new();
    for chunk in chunks {
        let mut rest = *chunk;
        while let Some(item) = parser.next(&mut rest) {
            items.push(match item {
                Ok(e) => format!("{}|{}|{}", e.event_type, e.data, e.id),
                Err(e) => format!("error {e}"),
            });
        }
    }
    items
}

#[test]
fn tricky_streams_agree_with_feed_at_every_split_and_room() {
    let streams: [&[u8]; 6] = [
        // The LF joining data lines has no room after what is kept.
        b"data:\xA0\x80\xE0\x80\x80\ndata\n\n",
        b"data: abcdefgh\ndata: ijklmnop\ndata\ndata:\n\n",
        b"data:\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\n\xE4\xB8\xAD\n\n",
        b"data: \xFF\xFEab\xC3\n:c\ndata: \xED\xA0\x80x\r\n\r\n",
        b"event: e\ndata\ndata: x\rid: 1\rdata: yz\r\rdata: \xE2\x82\xAC\n\n",
        b"data: 0123456789012345678901234567890123456789\nretry: 5\n\n",
    ];
    for stream in streams {
        let expected = read_whole(&[stream]);
        for room in 4..=40 {
            for cut in 0..=stream.len() {
                let limits = Limits::DEFAULT;
                let buffer = vec![0u8; limits.reserved_bytes() + room];
                let mut parser = Parser::with_limits(buffer, limits).unwrap();
                let (a, b) = stream.split_at(cut);
                let read = read_in_parts(&mut parser, &[a, b], |_, _| {});
                assert_eq!(
                    read.items,
                    expected,
                    "{:?}, {room} bytes of data room, cut at {cut}",
                    String::from_utf8_lossy(stream)
                );
            }
        }
    }
}

#[test]
fn a_data_region_too_small_for_a_character_reads_as_feed() {
    let limits = Limits::DEFAULT.with_max_id_len(0).with_max_event_type_len(0);
    let chunks: [&[u8]; 2] = [b"data: \xC3", b"\xA9\n\n"];
    for room in 1..4 {
        let mut parser = Parser::with_limits(vec![0u8; room], limits).unwrap();
        let read = read_in_parts(&mut parser, &chunks, |_, _| {});
        assert!(read.parts.is_empty());
        let mut parser = Parser::with_limits(vec![0u8; room], limits).unwrap();
        let whole = read_with_next(&mut parser, &chunks);
        assert_eq!(read.items, whole, "{room} bytes");
        let expected = if room < 2 { "error" } else { "message|\u{E9}|" };
        assert!(read.items[0].starts_with(expected), "{room} bytes: {:?}", read.items);
    }
}

#[test]
fn invalid_bytes_go_out_in_parts_of_a_third_of_the_room() {
    // Each part carries up to a third of the data room, however the
    // invalid bytes lie, so the calls grow with the length over that.
    let limits = Limits::DEFAULT;
    for body in [vec![0xFF; 60_000], b"a\xFF".repeat(30_000), b"\xE2\x82".repeat(30_000)] {
        let mut stream = b"data: ".to_vec();
        stream.extend_from_slice(&body);
        stream.extend_from_slice(b"\n\n");
        let expected = read_whole(&[&stream]);
        let mut parser =
            Parser::with_limits(vec![0u8; limits.reserved_bytes() + 3000], limits).unwrap();
        let read = read_in_parts(&mut parser, &[&stream], |_, _| {});
        assert_eq!(read.items, expected);
        assert!(read.parts.len() <= body.len() / 1000 + 2, "{} parts", read.parts.len());
    }
}

#[test]
fn a_connection_reports_parts_and_drops_them_with_the_attempt() {
    use sse_core::client::{Connection, ConnectionConfig, Request, Step};
    use sse_core::http::Url;

    let url = Url::parse("http://example.test/events").unwrap();
    // A 512-byte buffer, events of up to 20,000 bytes.
    let limits = Limits::scaled_for(512).with_max_data_len(20_000);
    let parser = Parser::with_limits([0u8; 512], limits).unwrap();
    let mut conn = Connection::new(parser, ConnectionConfig::DEFAULT, 7);
    conn.report_data_parts(true);
    let big = "é".repeat(10_000);
    let stream = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n\
         id: 1\ndata: {big}\n\nid: 2\ndata: {big}x\n\nid: 3\ndata: small\n\nid: 4\ndata: {big}"
    )
    .into_bytes();
    let mut steps = Vec::new();
    let mut parts = String::new();
    let begin = |conn: &mut Connection<[u8; 512]>, now: u64| {
        conn.start(now).unwrap();
        conn.write_request(&Request::get(url), &url, &mut Vec::new()).unwrap();
    };
    begin(&mut conn, 0);
    // Reads of an odd size cut characters.
    for read in stream.chunks(999) {
        let mut input = read;
        loop {
            match conn.handle_input(&mut input, 1) {
                Step::NeedMore => break,
                Step::DataPart(text) => parts.push_str(text),
                Step::Event(e) => {
                    let data = std::mem::take(&mut parts) + e.data;
                    steps.push(format!("{}:{}", e.id, data.len()));
                }
                Step::Limit(e) => {
                    parts.clear();
                    steps.push(format!("limit {e}"));
                }
                Step::Open { .. } => steps.push("open".to_owned()),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    let error = ParseError::DataTooLarge { limit: 20_000 };
    assert_eq!(
        steps,
        ["open".to_owned(), "1:20000".to_owned(), format!("limit {error}"), "3:5".to_owned()]
    );
    // The server goes away before event 4's blank line: all its data
    // went out, and the event never comes.
    assert_eq!(parts.len(), 20_000);
    let Step::Retry { at_ms: later, .. } = conn.handle_eof(2) else { panic!("no retry") };
    assert_eq!(conn.last_event_id(), "3");
    // A caller drops its parts with the attempt: the next one starts clean.
    parts.clear();
    begin(&mut conn, later);
    let mut input: &[u8] =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 5\ndata: again\n\n";
    assert!(matches!(conn.handle_input(&mut input, later), Step::Open { .. }));
    match conn.handle_input(&mut input, later) {
        Step::Event(e) => assert_eq!((e.id, e.data), ("5", "again")),
        other => panic!("unexpected {other:?}"),
    }
}

/// Found in review: data handed out up to the limit, then another data
/// line: its joining LF alone passes the limit, and the event is rejected
/// there, as `feed` rejects it, however the input is cut.
#[test]
fn a_joining_lf_past_the_limit_rejects_the_event_at_every_split() {
    let limits = Limits::scaled_for(1024).with_max_data_len(4);
    for stream in [&b"data:abcd\ndata:"[..], b"data:abcd\ndata: ", b"data:abcd\ndata:\nid: 9\n\n"] {
        let whole = {
            let mut parser = Parser::with_limits([0u8; 1024], limits).unwrap();
            let mut rest = stream;
            let mut items = Vec::new();
            while let Some(item) = parser.next(&mut rest) {
                items.push(item.map(|e| e.data.to_owned()));
            }
            items
        };
        assert_eq!(whole, [Err(ParseError::DataTooLarge { limit: 4 })], "{stream:?}");
        for cut in 0..=stream.len() {
            let mut parser = Parser::with_limits([0u8; 1024], limits).unwrap();
            let read = read_in_parts(&mut parser, &[&stream[..cut], &stream[cut..]], |_, _| {});
            let error = format!("error {}", ParseError::DataTooLarge { limit: 4 });
            assert_eq!(read.items, [error], "{stream:?} cut at {cut}");
            assert_eq!(parser.last_event_id(), "", "the rejected block's id never applies");
        }
    }
}
