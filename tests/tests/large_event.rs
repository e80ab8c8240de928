//! A 5 MiB single-line event, fed in 1-byte, 7-byte and 64 KiB chunks:
//! accepted whole by a parser with room for it, rejected with a clean error
//! (and the next event still parsed) by a parser without.

use sse_core::{ParseError, Parser};

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
