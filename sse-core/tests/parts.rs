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
