//! The sans-IO HTTP handshake: request and response heads, golden bytes,
//! injection refusal, limits with their status codes, and the chunked
//! decoder at every split.

use sse_core::http::{
    parse_request, parse_response, write_request, write_status_head, write_stream_head,
    BodyFraming, ChunkedDecoder, ChunkedError, ClientRequest, HeadError, HeadWriteError, Reject,
    StreamHead, EMPTY_HEADER, MAX_CHUNK_LINE, MAX_TRAILER_BYTES,
};

#[test]
fn request_heads_parse_incrementally_and_check() {
    let raw = b"GET /events?x=1 HTTP/1.1\r\nHost: h\r\naccept: text/event-stream\r\nLAST-EVENT-ID: 99\r\n\r\nbody";
    let mut headers = [EMPTY_HEADER; 8];
    for cut in 0..raw.len() - 4 {
        assert!(parse_request(&raw[..cut], &mut headers, 8192).unwrap().is_none(), "cut {cut}");
    }
    let head = parse_request(raw, &mut headers, 8192).unwrap().unwrap();
    assert_eq!((head.method, head.path, head.query), ("GET", "/events", Some("x=1")));
    assert_eq!(head.head_len, raw.len() - 4);
    assert_eq!(head.last_event_id(), Some("99"));
    assert!(head.accepts_event_stream());
    assert_eq!(head.header("host"), Some(&b"h"[..]));
    assert_eq!(head.check("/events"), Ok(()));
    assert_eq!(head.check("/other"), Err(Reject::NotFound));
    assert_eq!(Reject::NotFound.status(), 404);
}

#[test]
fn bad_requests_get_the_right_status() {
    let mut headers = [EMPTY_HEADER; 4];
    let post =
        parse_request(b"POST /events HTTP/1.1\r\n\r\n", &mut headers, 8192).unwrap().unwrap();
    assert_eq!(post.check("/events").map_err(|r| r.status()), Err(405));

    let mut headers = [EMPTY_HEADER; 4];
    let bad_id =
        parse_request(b"GET /e HTTP/1.1\r\nLast-Event-ID: \xff\r\n\r\n", &mut headers, 8192)
            .unwrap()
            .unwrap();
    assert_eq!(bad_id.check("/e"), Err(Reject::BadRequest));
    assert_eq!(bad_id.last_event_id(), None);

    let mut headers = [EMPTY_HEADER; 2];
    let many = b"GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n";
    let err = parse_request(many, &mut headers, 8192).unwrap_err();
    assert_eq!(err, HeadError::TooManyHeaders { limit: 2 });
    assert_eq!(err.status(), 431);

    let mut headers = [EMPTY_HEADER; 4];
    let big = [b"GET / HTTP/1.1\r\nx: ".as_slice(), &[b'a'; 100]].concat();
    assert_eq!(
        parse_request(&big, &mut headers, 64).unwrap_err(),
        HeadError::TooLarge { limit: 64 }
    );
    assert!(parse_request(&big, &mut headers, 8192).unwrap().is_none());

    let mut headers = [EMPTY_HEADER; 4];
    let err =
        parse_request(b"GET / HTTP/1.1\r\nbad header\r\n\r\n", &mut headers, 8192).unwrap_err();
    assert_eq!((err, err.status()), (HeadError::Malformed, 400));
}

#[test]
fn accept_header_variants() {
    for (accept, ok) in [
        ("text/event-stream", true),
        ("text/html, text/event-stream;q=0.9", true),
        ("*/*", true),
        ("text/*", true),
        ("application/json", false),
    ] {
        let raw = format!("GET / HTTP/1.1\r\nAccept: {accept}\r\n\r\n");
        let mut headers = [EMPTY_HEADER; 4];
        let head = parse_request(raw.as_bytes(), &mut headers, 8192).unwrap().unwrap();
        assert_eq!(head.accepts_event_stream(), ok, "{accept}");
    }
}

#[test]
fn server_heads_golden_bytes() {
    let mut out = Vec::new();
    write_stream_head(&mut out, &StreamHead::default()).unwrap();
    assert_eq!(
        out,
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
          X-Accel-Buffering: no\r\nConnection: close\r\n\r\n"
    );
    let mut out = Vec::new();
    assert_eq!(
        write_stream_head(&mut out, &StreamHead { allow_origin: Some("x\r\nSet-Cookie: a") }),
        Err(HeadWriteError::Invalid)
    );
    assert!(out.is_empty());

    for (status, want) in [
        (204, &b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"[..]),
        (405, b"HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        (431, b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    ] {
        let mut out = Vec::new();
        write_status_head(&mut out, status).unwrap();
        assert_eq!(out, want, "{status}");
    }
}

#[test]
fn client_requests_golden_and_refuse_injection() {
    let mut out = Vec::new();
    let req = ClientRequest {
        method: "POST",
        headers: &[("Authorization", "Bearer t"), ("Content-Type", "application/json")],
        body: Some(b"{\"q\":1}"),
        ..ClientRequest::get("api.test:8080", "/v1/stream")
    };
    write_request(&mut out, &req).unwrap();
    assert_eq!(
        out,
        b"POST /v1/stream HTTP/1.1\r\nHost: api.test:8080\r\nAccept: text/event-stream\r\n\
          Cache-Control: no-cache\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\n\
          Content-Length: 7\r\n\r\n{\"q\":1}"
    );
    // The server side reads back what the client wrote.
    let mut headers = [EMPTY_HEADER; 8];
    let head = parse_request(&out, &mut headers, 8192).unwrap().unwrap();
    assert_eq!((head.method, head.path), ("POST", "/v1/stream"));
    assert_eq!(&out[head.head_len..], b"{\"q\":1}");

    let base = ClientRequest::get("h", "/e");
    for bad in [
        ClientRequest { last_event_id: "1\r\nX: y", ..base },
        ClientRequest { headers: &[("X", "a\nb")], ..base },
        ClientRequest { headers: &[("X Y", "a")], ..base },
        ClientRequest { path: "/a b", ..base },
        ClientRequest { host: "h\r\n", ..base },
        ClientRequest { method: "GE T", ..base },
    ] {
        let mut out = Vec::new();
        assert_eq!(write_request(&mut out, &bad), Err(HeadWriteError::Invalid), "{bad:?}");
        assert!(out.is_empty());
    }
}

#[test]
fn response_heads_and_framing() {
    // (raw head, status, is an event stream, framing)
    type Case = (&'static [u8], u16, bool, Result<BodyFraming, HeadError>);
    let cases: &[Case] = &[
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n\r\n", 200, true, Ok(BodyFraming::UntilClose)),
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream;\r\nTransfer-Encoding: chunked\r\n\r\n", 200, true, Ok(BodyFraming::Chunked)),
        (b"HTTP/1.1 200 OK\r\ncontent-type: TEXT/EVENT-STREAM\r\nContent-Length: 12\r\n\r\n", 200, true, Ok(BodyFraming::Length(12))),
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: x\r\n\r\n", 200, false, Err(HeadError::Malformed)),
        (b"HTTP/1.1 204 No Content\r\n\r\n", 204, false, Ok(BodyFraming::UntilClose)),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n", 200, false, Ok(BodyFraming::Chunked)),
    ];
    for (raw, status, sse, framing) in cases {
        let mut headers = [EMPTY_HEADER; 8];
        let head = parse_response(raw, &mut headers, 8192).unwrap().unwrap();
        assert_eq!(head.status, *status);
        assert_eq!(head.is_event_stream(), *sse, "{}", String::from_utf8_lossy(raw));
        assert_eq!(head.framing(), *framing);
        assert_eq!(head.head_len, raw.len());
    }
    let mut headers = [EMPTY_HEADER; 8];
    let redirect = b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /elsewhere\r\n\r\n";
    let head = parse_response(redirect, &mut headers, 8192).unwrap().unwrap();
    assert_eq!((head.status, head.location()), (307, Some("/elsewhere")));
    // Our own stream head parses as an event stream.
    let mut out = Vec::new();
    write_stream_head(&mut out, &StreamHead::default()).unwrap();
    let mut headers = [EMPTY_HEADER; 8];
    assert!(parse_response(&out, &mut headers, 8192).unwrap().unwrap().is_event_stream());
}

fn decode_all(chunks: &[&[u8]]) -> Result<(Vec<u8>, bool, usize), ChunkedError> {
    let mut decoder = ChunkedDecoder::new();
    let mut body = Vec::new();
    let mut leftover = 0;
    for chunk in chunks {
        let mut rest = *chunk;
        loop {
            let step = decoder.decode(rest)?;
            body.extend_from_slice(step.data);
            rest = &rest[step.consumed..];
            if step.done {
                leftover += rest.len();
                break;
            }
            if rest.is_empty() {
                break;
            }
        }
    }
    Ok((body, decoder.is_done(), leftover))
}

#[test]
fn chunked_bodies_decode_the_same_at_every_split() {
    let raw: &[u8] = b"6\r\ndata: \r\nB;name=value\r\nhello world\r\n2\r\n\n\n\r\n0\r\nX-Trailer: yes\r\n\r\nNEXT";
    let whole = decode_all(&[raw]).unwrap();
    assert_eq!(whole, (b"data: hello world\n\n".to_vec(), true, 4));
    let bytewise: Vec<&[u8]> = raw.chunks(1).collect();
    assert_eq!(decode_all(&bytewise).unwrap(), whole);
    for cut in 0..=raw.len() {
        assert_eq!(decode_all(&[&raw[..cut], &raw[cut..]]).unwrap(), whole, "cut {cut}");
    }
    // Incomplete body: not done.
    assert_eq!(decode_all(&[b"5\r\nab"]).unwrap(), (b"ab".to_vec(), false, 0));
}

#[test]
fn chunked_errors() {
    let cases: &[(&[u8], ChunkedError)] = &[
        (b"\r\n", ChunkedError::Malformed),
        (b"zz\r\n", ChunkedError::Malformed),
        (b"5\nabcde", ChunkedError::Malformed),
        (b"2\r\nabX", ChunkedError::Malformed),
        (b"11111111111111111\r\n", ChunkedError::SizeOverflow),
        (b"0\r\nbad\n", ChunkedError::Malformed),
    ];
    for (raw, err) in cases {
        assert_eq!(decode_all(&[raw]).unwrap_err(), *err, "{}", String::from_utf8_lossy(raw));
    }
    let long_ext = [b"1;".as_slice(), &vec![b'x'; MAX_CHUNK_LINE]].concat();
    assert_eq!(decode_all(&[&long_ext]).unwrap_err(), ChunkedError::LineTooLong);
    let zeros = vec![b'0'; MAX_CHUNK_LINE + 1];
    assert_eq!(decode_all(&[&zeros]).unwrap_err(), ChunkedError::LineTooLong);
    let long_trailer = [b"0\r\n".as_slice(), &vec![b't'; MAX_TRAILER_BYTES + 1]].concat();
    assert_eq!(decode_all(&[&long_trailer]).unwrap_err(), ChunkedError::TrailerTooLong);
    // Limits are configurable.
    let mut strict = ChunkedDecoder::with_limits(4, 8);
    assert_eq!(strict.decode(b"12345\r\n"), Err(ChunkedError::LineTooLong));
    let mut strict = ChunkedDecoder::with_limits(4, 8);
    assert_eq!(strict.decode(b"0\r\nX-Long: 1\r\n\r\n"), Err(ChunkedError::TrailerTooLong));
    let mut strict = ChunkedDecoder::with_limits(4, 8);
    assert!(strict.decode(b"0\r\nX: 1\r\n\r\n").unwrap().done);
}

#[test]
fn chunk_line_and_trailer_limits_are_exact() {
    // A limit of N accepts an N-byte size line (CRLF not counted)...
    let mut exact = ChunkedDecoder::with_limits(4, 64);
    assert_eq!(
        decode_with(&mut exact, b"0010\r\n0123456789abcdef\r\n0\r\n\r\n").unwrap().len(),
        16
    );
    let mut one = ChunkedDecoder::with_limits(1, 64);
    assert_eq!(decode_with(&mut one, b"5\r\nhello\r\n0\r\n\r\n").unwrap(), b"hello");
    // ...and refuses N + 1 bytes.
    let mut over = ChunkedDecoder::with_limits(4, 64);
    assert_eq!(decode_with(&mut over, b"00010\r\n"), Err(ChunkedError::LineTooLong));
    // A zero trailer limit still accepts the empty trailer, not a field.
    let mut no_trailer = ChunkedDecoder::with_limits(8, 0);
    assert!(decode_with(&mut no_trailer, b"0\r\n\r\n").is_ok());
    assert!(no_trailer.is_done());
    let mut no_trailer = ChunkedDecoder::with_limits(8, 0);
    assert_eq!(
        decode_with(&mut no_trailer, b"0\r\nX: 1\r\n\r\n"),
        Err(ChunkedError::TrailerTooLong)
    );
}

fn decode_with(decoder: &mut ChunkedDecoder, mut input: &[u8]) -> Result<Vec<u8>, ChunkedError> {
    let mut body = Vec::new();
    while !input.is_empty() {
        let step = decoder.decode(input)?;
        body.extend_from_slice(step.data);
        input = &input[step.consumed..];
        if step.done {
            break;
        }
    }
    Ok(body)
}

#[test]
fn malformed_size_lines_are_refused_and_extensions_accepted() {
    for bad in
        [&b"5 6\r\n"[..], b"5 garbage\r\n", b"5;\x00\r\n", b"5;a\x7f\r\n", b" 5\r\n", b";x\r\n"]
    {
        let mut decoder = ChunkedDecoder::new();
        assert_eq!(decode_with(&mut decoder, bad), Err(ChunkedError::Malformed), "{bad:?}");
    }
    for good in [
        &b"5 ;a=b\r\nhello\r\n0\r\n\r\n"[..],
        b"5\t\t;a=\"q s\"\r\nhello\r\n0\r\n\r\n",
        b"5 \r\nhello\r\n0\r\n\r\n",
    ] {
        let mut decoder = ChunkedDecoder::new();
        assert_eq!(decode_with(&mut decoder, good).unwrap(), b"hello", "{good:?}");
    }
}

#[test]
fn framing_follows_rfc_9112() {
    let cases: &[(&[u8], Result<BodyFraming, HeadError>)] = &[
        (b"Transfer-Encoding: gzip\r\nContent-Length: 10\r\n", Ok(BodyFraming::UntilClose)),
        (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", Ok(BodyFraming::UntilClose)),
        (b"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", Ok(BodyFraming::Chunked)),
        (b"Content-Length: +5\r\n", Err(HeadError::Malformed)),
        (b"Content-Length: 5\r\nContent-Length: 7\r\n", Err(HeadError::Malformed)),
        (b"Content-Length: 5, 5\r\nContent-Length: 5\r\n", Ok(BodyFraming::Length(5))),
        (b"Content-Length: 99999999999999999999999\r\n", Err(HeadError::Malformed)),
    ];
    for (fields, want) in cases {
        let raw = [b"HTTP/1.1 200 OK\r\n".as_slice(), fields, b"\r\n"].concat();
        let mut headers = [EMPTY_HEADER; 8];
        let head = parse_response(&raw, &mut headers, 8192).unwrap().unwrap();
        assert_eq!(head.framing(), *want, "{}", String::from_utf8_lossy(fields));
    }
}

#[test]
fn requests_refuse_headers_that_conflict_with_framing() {
    let base = ClientRequest { body: Some(b"x"), ..ClientRequest::get("h", "/e") };
    for name in ["Content-Length", "transfer-encoding", "HOST"] {
        let headers = [(name, "1")];
        let mut out = Vec::new();
        assert_eq!(
            write_request(&mut out, &ClientRequest { headers: &headers, ..base }),
            Err(HeadWriteError::Invalid),
            "{name}"
        );
    }
}

#[test]
fn urls_parse_into_host_port_authority_and_path() {
    use sse_core::http::Url;
    let url = Url::parse("http://example.test/events?x=1#frag").unwrap();
    assert_eq!(
        (url.https, url.host, url.port, url.authority, url.path),
        (false, "example.test", 80, "example.test", "/events?x=1")
    );
    let url = Url::parse("HTTPS://[::1]:8443").unwrap();
    assert_eq!(
        (url.https, url.host, url.port, url.authority, url.path),
        (true, "::1", 8443, "[::1]:8443", "/")
    );
    assert_eq!(Url::parse("http://h:81").unwrap().port, 81);
    for bad in [
        "ftp://h/",
        "http://",
        "http:///path",
        "http://h:port/",
        "http://h:99999/",
        "http://h:/",
        "http://u@h/",
        "http://[::1/",
        "http://[::1]x/",
        "http://h/a b",
        "http://h/\r\nX: 1",
        "http://h?q",
        "/relative",
    ] {
        assert!(Url::parse(bad).is_err(), "{bad:?} must be refused");
    }
}

#[test]
fn redirect_locations_resolve_against_the_answering_url() {
    use sse_core::http::{Redirect, Url};
    let here = Url::parse("https://a.test:8443/dir/sub/stream?x").unwrap();
    assert_eq!(here.directory(), "/dir/sub");
    assert_eq!(here.resolve("/other"), Ok(Redirect::Path("/other")));
    assert_eq!(here.resolve("next?y"), Ok(Redirect::Relative("next?y")));
    let Ok(Redirect::Url(url)) = here.resolve("http://b.test/x") else { panic!() };
    assert_eq!((url.https, url.host, url.port, url.path), (false, "b.test", 80, "/x"));
    // Scheme-relative keeps this URL's scheme.
    let Ok(Redirect::Url(url)) = here.resolve("//c.test/y") else { panic!() };
    assert_eq!((url.https, url.host, url.port, url.path), (true, "c.test", 443, "/y"));
    assert!(here.resolve("").is_err());
    assert!(here.resolve("/a\r\nSet-Cookie: x").is_err());
    assert!(here.resolve("//").is_err());
}

#[test]
fn body_decoder_deframes_every_framing_split_anywhere() {
    use sse_core::http::{BodyDecoder, BodyFraming};
    let payload = b"data: one\n\ndata: two\n\n";
    let chunked = b"5\r\ndata:\r\n11\r\n one\n\ndata: two\n\n\r\n0\r\n\r\nNEXT";
    let mut length = payload.to_vec();
    length.extend_from_slice(b"NEXT");
    let cases: [(BodyFraming, &[u8], bool); 3] = [
        (BodyFraming::Chunked, chunked, true),
        (BodyFraming::Length(payload.len() as u64), &length, true),
        (BodyFraming::UntilClose, payload, false),
    ];
    for (framing, wire, ends) in cases {
        for split in 0..=wire.len() {
            let mut decoder = BodyDecoder::new(framing);
            let mut out = Vec::new();
            let mut left = 0;
            for part in [&wire[..split], &wire[split..]] {
                let mut input = part;
                while !input.is_empty() && !decoder.is_done() {
                    let step = decoder.decode(input).unwrap();
                    out.extend_from_slice(step.data);
                    input = &input[step.consumed..];
                }
                left += input.len();
            }
            assert_eq!(out, payload, "{framing:?} split at {split}");
            assert_eq!(decoder.is_done(), ends, "{framing:?}");
            assert!(decoder.may_end());
            // Bytes after the body are left for the caller.
            assert_eq!(left, if ends { 4 } else { 0 }, "{framing:?} split at {split}");
        }
    }
    // Cut short: the close does not end a length or chunked body cleanly.
    let mut cut = BodyDecoder::new(BodyFraming::Length(10));
    let _ = cut.decode(b"data");
    assert!(!cut.may_end());
    assert!(BodyDecoder::new(BodyFraming::Chunked).decode(b"zz\r\n").is_err());
}

/// Found in review: a query holding `://` is not an absolute URL;
/// fragments never reach the server; a query-only or fragment-only
/// location keeps the path.
#[test]
fn redirects_with_queries_and_fragments() {
    use sse_core::client::Target;
    use sse_core::http::{Redirect, Url};
    let here = Url::parse("http://a.test/dir/stream?x=1").unwrap();
    assert_eq!(
        here.resolve("/login?next=http://a/b"),
        Ok(Redirect::Path("/login?next=http://a/b"))
    );
    assert_eq!(here.resolve("/next#top"), Ok(Redirect::Path("/next")));
    assert_eq!(here.resolve("?page=2"), Ok(Redirect::Query("?page=2")));
    assert_eq!(here.resolve("#top"), Ok(Redirect::Same));
    let Ok(Redirect::Url(url)) = here.resolve("//b.test#x") else { panic!() };
    assert_eq!((url.host, url.path), ("b.test", "/"));
    assert!(here.resolve("ftp://b.test/").is_err());
    let target = Target::parse("http://a.test/dir/stream?x=1").unwrap();
    assert_eq!(target.follow("?page=2").unwrap().path, "/dir/stream?page=2");
    assert_eq!(target.follow("#top").unwrap(), target);
    assert_eq!(target.follow("other#f").unwrap().path, "/dir/other");
}

/// Found in review: credentials never follow a redirect to another
/// origin, and a 303 turns the request into a GET without body. Found
/// later: an API key may be in any header, and a prompt in the body, so a
/// redirect to another origin gets neither, but for the headers the user
/// marked as safe to forward.
#[test]
fn requests_keep_headers_and_body_to_their_origin() {
    use sse_core::client::{ClientConfig, Connection, Step, Target};
    let config = ClientConfig {
        method: "POST".into(),
        headers: vec![
            ("Authorization".into(), "Bearer secret".into()),
            ("cookie".into(), "s=1".into()),
            ("X-Trace".into(), "7".into()),
            ("X-Api-Key".into(), "k-123".into()),
        ],
        forward_headers: vec!["x-trace".into()],
        body: Some(b"{\"prompt\":1}".to_vec()),
        last_event_id: "4".into(),
        ..ClientConfig::default()
    };
    let origin = Target::parse("http://api.test/v1/stream").unwrap();
    let headers = config.header_pairs();
    let forward = config.forward_names();
    let request = config.request(&origin, &headers, &forward);
    let mut conn = Connection::new(config.reader.parser(), config.connection(), 1);
    conn.set_last_event_id(&config.last_event_id).unwrap();
    let text = |conn: &Connection<Vec<u8>>, to: &Target| {
        let mut head = Vec::new();
        conn.write_request(&request, &to.as_url(), &mut head).unwrap();
        String::from_utf8(head).unwrap()
    };
    let same = text(&conn, &origin);
    assert!(same.starts_with("POST /v1/stream HTTP/1.1\r\n"), "{same}");
    assert!(same.contains("Authorization: Bearer secret\r\n") && same.contains("cookie: s=1\r\n"));
    assert!(same.contains("X-Api-Key: k-123\r\n"));
    assert!(same.contains("Last-Event-ID: 4\r\n") && same.ends_with("\r\n\r\n{\"prompt\":1}"));
    for elsewhere in ["http://evil.test/v1/stream", "http://api.test:8080/x", "https://api.test/x"]
    {
        let other = Target::parse(elsewhere).unwrap();
        let head = text(&conn, &other);
        assert!(!head.contains("secret") && !head.contains("s=1"), "{elsewhere}: {head}");
        assert!(!head.contains("k-123") && !head.contains("prompt"), "{elsewhere}: {head}");
        assert!(head.contains("X-Trace: 7\r\n"), "marked safe to forward");
        assert!(head.contains("Last-Event-ID: 4\r\n"), "the source's own header");
    }
    conn.start(0).unwrap();
    let mut answer: &[u8] = b"HTTP/1.1 303 See Other\r\nLocation: http://API.test/v2\r\n\r\n";
    let Step::Redirect { location, .. } = conn.handle_input(&mut answer, 0) else { panic!() };
    let moved = origin.follow(location).unwrap();
    conn.start(0).unwrap();
    let see_other = text(&conn, &moved);
    assert!(see_other.starts_with("GET /v2 HTTP/1.1\r\n"), "{see_other}");
    assert!(!see_other.contains("Content-Length") && see_other.ends_with("\r\n\r\n"));
    assert!(see_other.contains("Authorization"), "same host, other case: same origin");
}
