//! A 5 MiB single-line event, fed in 1-byte, 7-byte and 64 KiB chunks:
//! accepted whole by a parser with room for it, rejected with a clean error
//! (and the next event still parsed) by a parser without; and the same
//! through the std layers' decoder, at its limit and one byte over it.

use sse_core::{EventDecoder, ParseError, Parser, ReaderConfig};

const SIZE: usize = 5 << 20;

fn stream() -> Vec<u8> {
    let mut s = Vec::with_capacity(SIZE + 64);
    s.extend_from_slice(b"id: big\ndata: ");
    // Mostly ASCII with multi-byte characters that chunking will split.
    let unit = "abcdefghijklmnopqrstuvwxyz0123456789\u{e9}\u{20ac}\u{1F600}";
    while s.len() < SIZE {
        s.extend_from_slice(unit.as_bytes());
    }
    s.extend_from_slice(b"\n\nid: next\ndata: after\n\n");
    s
}

fn run<B: AsRef<[u8]> + AsMut<[u8]>>(
    parser: &mut Parser<B>,
    input: &[u8],
    chunk: usize,
) -> Vec<Result<(usize, String), ParseError>> {
    let mut out = Vec::new();
    for piece in input.chunks(chunk) {
        let mut rest = piece;
        while let Some(item) = parser.next(&mut rest) {
            out.push(
                item.map(|e| {
                    (e.data.len(), format!("{}:{}", e.id, &e.data[..e.data.len().min(5)]))
                }),
            );
        }
    }
    assert!(!parser.finish());
    out
}

#[test]
fn five_mib_line() {
    let input = stream();
    let big_len = input.len() - "id: big\ndata: ".len() - "\n\nid: next\ndata: after\n\n".len();
    for chunk in [1, 7, 64 << 10] {
        let mut roomy = Parser::new(vec![0u8; 6 << 20]);
        let got = run(&mut roomy, &input, chunk);
        assert_eq!(
            got,
            vec![Ok((big_len, "big:abcde".to_owned())), Ok((5, "next:after".to_owned()))],
            "chunk {chunk}"
        );

        let mut small = Parser::new(vec![0u8; 64 << 10]);
        let limit = small.max_data_len();
        let got = run(&mut small, &input, chunk);
        assert_eq!(
            got,
            vec![Err(ParseError::DataTooLarge { limit }), Ok((5, "next:after".to_owned()))],
            "chunk {chunk}"
        );
        // The rejected event's id never applied; the next one's did.
        assert_eq!(small.last_event_id(), "next");
    }
}

/// Everything `decoder` yields for `input` cut into `chunk`-byte reads.
fn decode(
    decoder: &mut EventDecoder,
    input: &[u8],
    chunk: usize,
) -> Vec<Result<(String, String), ParseError>> {
    let mut out = Vec::new();
    for piece in input.chunks(chunk) {
        let mut rest = piece;
        while !rest.is_empty() {
            let (used, item) = decoder.feed(rest);
            rest = &rest[used..];
            if let Some(item) = item {
                out.push(item.map(|e| (e.id, e.data)));
            } else {
                assert!(rest.is_empty(), "stopped with {} bytes left", rest.len());
            }
        }
    }
    decoder.finish();
    out
}

#[test]
fn five_mib_line_through_the_decoder() {
    let input = stream();
    let data = std::str::from_utf8(
        &input["id: big\ndata: ".len()..input.len() - "\n\nid: next\ndata: after\n\n".len()],
    )
    .unwrap()
    .to_owned();
    let after = Ok(("next".to_owned(), "after".to_owned()));
    for chunk in [7, 1000, 64 << 10] {
        let roomy = ReaderConfig::DEFAULT.with_max_event_bytes(data.len());
        let got = decode(&mut EventDecoder::new(&roomy), &input, chunk);
        assert!(got == [Ok(("big".to_owned(), data.clone())), after.clone()], "chunk {chunk}");

        // One byte short: rejected, and the rest of the stream is read.
        let tight = ReaderConfig::DEFAULT.with_max_event_bytes(data.len() - 1);
        let mut decoder = EventDecoder::new(&tight);
        let got = decode(&mut decoder, &input, chunk);
        let limit = data.len() - 1;
        assert_eq!(got, [Err(ParseError::DataTooLarge { limit }), after.clone()], "chunk {chunk}");
        assert_eq!(decoder.last_event_id(), "next");
    }
}
