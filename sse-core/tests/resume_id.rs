//! The resume id: `Last-Event-ID`, else the `lastEventId` query parameter.

use sse_core::http::{parse_request, ResumeId, EMPTY_HEADER};
use sse_core::server::{Decision, Handshake, Request, Resource};

fn decide(raw: &str) -> Result<Option<String>, u16> {
    let mut headers = [EMPTY_HEADER; 8];
    let route = |p: &str| (p == "/events").then_some(Resource::Stream);
    match Handshake::new().read(raw.as_bytes(), &mut headers, route) {
        Decision::Stream(head) => Ok(Request::from_head(&head).last_event_id),
        Decision::Refuse(status) => Err(status),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_header_wins_and_the_query_is_the_fallback() {
    let both = "GET /events?lastEventId=9 HTTP/1.1\r\nLast-Event-ID: 41\r\n\r\n";
    assert_eq!(decide(both), Ok(Some("41".into())));
    let query = "GET /events?x=1&lastEventId=9&lastEventId=10 HTTP/1.1\r\n\r\n";
    assert_eq!(decide(query), Ok(Some("9".into())));
    let empty_header = "GET /events?lastEventId=9 HTTP/1.1\r\nLast-Event-ID: \r\n\r\n";
    assert_eq!(decide(empty_header), Ok(Some("9".into())));
    assert_eq!(decide("GET /events?lastEventId= HTTP/1.1\r\n\r\n"), Ok(None));
    assert_eq!(decide("GET /events?lastEventIdx=3 HTTP/1.1\r\n\r\n"), Ok(None));
    assert_eq!(decide("GET /events HTTP/1.1\r\n\r\n"), Ok(None));
}

#[test]
fn the_query_value_is_percent_decoded() {
    let raw = "GET /events?lastEventId=a%20b+c%2Fd%C3%A9 HTTP/1.1\r\n\r\n";
    assert_eq!(decide(raw), Ok(Some("a b c/dé".into())));
    let redis_shaped = "GET /events?lastEventId=1733150000000-7 HTTP/1.1\r\n\r\n";
    assert_eq!(decide(redis_shaped), Ok(Some("1733150000000-7".into())));
}

#[test]
fn an_id_that_does_not_decode_is_refused() {
    for bad in ["%", "%4", "%zz", "%FF", "%C3", "a%E2%82", "%ED%A0%80"] {
        let raw = format!("GET /events?lastEventId={bad} HTTP/1.1\r\n\r\n");
        assert_eq!(decide(&raw), Err(400), "{bad}");
    }
    // A bad query id does not matter when the header is there.
    let raw = "GET /events?lastEventId=%FF HTTP/1.1\r\nLast-Event-ID: 3\r\n\r\n";
    assert_eq!(decide(raw), Ok(Some("3".into())));
}

#[test]
fn decode_into_a_caller_buffer() {
    let raw = b"GET /e?lastEventId=%41%42%43 HTTP/1.1\r\n\r\n";
    let mut headers = [EMPTY_HEADER; 2];
    let head = parse_request(raw, &mut headers, 1024).unwrap().unwrap();
    let id = head.resume_id().unwrap();
    assert_eq!(id, ResumeId::Query("%41%42%43"));
    assert_eq!(id.decode(&mut [0u8; 3]), Some("ABC"));
    assert_eq!(id.decode(&mut [0u8; 2]), None, "too small a buffer");
    let header = ResumeId::Header(b"12");
    assert_eq!(header.decode(&mut [0u8; 8]), Some("12"));
    assert_eq!(header.decode(&mut [0u8; 1]), None);
}
