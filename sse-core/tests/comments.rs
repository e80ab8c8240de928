//! Comment lines reported when asked for: whole inputs, every split, one
//! byte at a time, all give the same items.

use sse_core::{Parser, Status};

/// Everything the parser reports for `chunks`, as text.
fn items(chunks: &[&[u8]], comments: bool) -> Vec<String> {
    let mut parser = Parser::new(vec![0u8; 1024]);
    parser.report_comments(comments);
    let mut out = Vec::new();
    for chunk in chunks {
        let mut rest: &[u8] = chunk;
        loop {
            let feed = parser.feed(rest);
            rest = &rest[feed.consumed..];
            match feed.status {
                Status::Event(e) => out.push(format!("event {}|{}|{}", e.event_type, e.data, e.id)),
                Status::Comment(text) => out.push(format!("comment {text:?}")),
                Status::Error(e) => out.push(format!("error {e}")),
                _ => break,
            }
        }
    }
    out
}

fn same_at_every_split(input: &[u8], comments: bool) -> Vec<String> {
    let whole = items(&[input], comments);
    for cut in 0..=input.len() {
        assert_eq!(items(&[&input[..cut], &input[cut..]], comments), whole, "cut at {cut}");
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(items(&bytes, comments), whole, "one byte at a time");
    whole
}

const STREAM: &[u8] = b"\xEF\xBB\xBF: first\n\
data: a\n\
:ping\r\n\
data: b\n\
: \n\
event: tick\n\
id: 7\n\
:  two spaces\r\
\n\
\n\
:\xE2\x82\xAC and \xFF after\n\
data: c\n\n";

#[test]
fn comments_are_reported_at_every_split() {
    let got = same_at_every_split(STREAM, true);
    assert_eq!(
        got,
        [
            "comment \"first\"",
            "comment \"ping\"",
            "comment \"\"",
            "comment \" two spaces\"",
            "event tick|a\nb|7",
            "comment \"€ and \"",
            "event message|c|7",
        ]
    );
}

#[test]
fn comments_are_passed_over_unless_asked_for() {
    let got = same_at_every_split(STREAM, false);
    assert_eq!(got, ["event tick|a\nb|7", "event message|c|7"]);
    // `next` yields events only, comments reported or not.
    let mut parser = Parser::new([0u8; 256]);
    parser.report_comments(true);
    let mut rest: &[u8] = b": hi\ndata: x\n\n";
    assert_eq!(parser.next(&mut rest).unwrap().unwrap().data, "x");
}

#[test]
fn a_long_split_comment_is_kept_as_far_as_the_buffer_allows() {
    let mut parser = Parser::new([0u8; 64]);
    parser.report_comments(true);
    let long = [b':'; 1].iter().chain(&[b'x'; 200]).copied().collect::<Vec<u8>>();
    assert!(matches!(parser.feed(&long).status, Status::NeedMore));
    let feed = parser.feed(b"\ndata: after\n\n");
    match feed.status {
        Status::Comment(text) => {
            assert!(!text.is_empty() && text.len() < 64 && text.bytes().all(|b| b == b'x'))
        }
        other => panic!("{other:?}"),
    }
    let mut rest: &[u8] = b"data: after\n\n";
    assert_eq!(parser.next(&mut rest).unwrap().unwrap().data, "after", "the stream goes on");
}
