//! Typed multi-event streams: enums whose variants are event types, pinned
//! to exact bytes, decoded from real-shaped streams, and round-tripped for
//! every variant shape under proptest.

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use sse_core::typed::{with_frame, EventTypeName};
use sse_core::{FromSseEvent, Parser, SseEvent, TypedError};

/// The guide's two kinds of events on one endpoint.
#[derive(SseEvent, FromSseEvent, Debug, PartialEq, Clone)]
#[sse(rename_all = "lowercase")]
enum Feed {
    Notification {
        #[sse(id)]
        id: String,
        #[sse(data)]
        text: String,
    },
    Alert {
        #[sse(id)]
        id: String,
        level: u8,
        message: String,
    },
}

/// Every variant shape, named every way.
#[derive(SseEvent, FromSseEvent, Debug, PartialEq, Clone)]
#[sse(rename_all = "kebab-case")]
enum Shapes {
    /// Unit: empty data, the type alone.
    Heartbeat,
    /// Text newtype.
    TextLine(String),
    /// JSON newtype.
    Point(Point),
    /// Optional JSON newtype: `None` is empty data.
    #[sse(event = "maybe")]
    MaybePoint(Option<Point>),
    /// Struct variant with a data field and every mapping.
    Mapped {
        #[sse(data)]
        body: String,
        #[sse(id)]
        id: Option<String>,
        #[sse(retry)]
        retry: Option<u32>,
        #[sse(skip)]
        local: u8,
    },
    /// Struct variant whose unmapped fields are the JSON data.
    Reading {
        #[sse(id)]
        id: String,
        sensor: String,
        value: i64,
        tags: Vec<String>,
    },
    /// Events with no `event:` field.
    #[sse(event = "message")]
    Plain(String),
    /// Anything else, kept as it came.
    #[sse(other)]
    Unknown {
        #[sse(event)]
        event_type: String,
        #[sse(data)]
        data: String,
        #[sse(id)]
        id: String,
    },
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Point {
    x: i32,
    y: i32,
}

fn encode<T: SseEvent>(value: &T) -> Vec<u8> {
    let mut scratch = Vec::new();
    let mut out = Vec::new();
    with_frame(value, &mut scratch, |frame| frame.write_to(&mut out))
        .expect("encodes")
        .expect("valid frame");
    out
}

/// Every event of `stream`, decoded.
fn decode_all<T: for<'a> FromSseEvent<'a>>(stream: &[u8]) -> Vec<Result<T, TypedError>> {
    let mut parser = Parser::new(vec![0u8; 1 << 16]);
    let mut rest = stream;
    let mut out = Vec::new();
    while let Some(event) = parser.next(&mut rest) {
        out.push(event.expect("within limits").decode::<T>());
    }
    out
}

#[test]
fn the_guides_notification_and_alert_on_one_stream() {
    let sent = [
        Feed::Notification { id: "1".into(), text: "build finished".into() },
        Feed::Alert { id: "2".into(), level: 3, message: "disk 91% full".into() },
    ];
    let bytes: Vec<u8> = sent.iter().flat_map(encode).collect();
    assert_eq!(
        String::from_utf8(bytes.clone()).unwrap(),
        "event: notification\nid: 1\ndata: build finished\n\n\
         event: alert\nid: 2\ndata: {\"level\":3,\"message\":\"disk 91% full\"}\n\n"
    );
    let got: Vec<Feed> = decode_all(&bytes).into_iter().map(Result::unwrap).collect();
    assert_eq!(got, sent);
}

#[test]
fn every_shape_golden_bytes() {
    let cases: [(Shapes, &str); 10] = [
        (Shapes::Heartbeat, "event: heartbeat\ndata:\n\n"),
        (Shapes::TextLine("a\nb".into()), "event: text-line\ndata: a\ndata: b\n\n"),
        (Shapes::Point(Point { x: 1, y: -2 }), "event: point\ndata: {\"x\":1,\"y\":-2}\n\n"),
        (
            Shapes::MaybePoint(Some(Point { x: 0, y: 0 })),
            "event: maybe\ndata: {\"x\":0,\"y\":0}\n\n",
        ),
        // No data would not be delivered at all: it is an empty `data:` line.
        (Shapes::MaybePoint(None), "event: maybe\ndata:\n\n"),
        (
            Shapes::Mapped { body: "hi".into(), id: Some("7".into()), retry: Some(500), local: 9 },
            "event: mapped\nid: 7\nretry: 500\ndata: hi\n\n",
        ),
        (
            Shapes::Mapped { body: "hi".into(), id: None, retry: None, local: 0 },
            "event: mapped\ndata: hi\n\n",
        ),
        (
            Shapes::Reading {
                id: "9".into(),
                sensor: "t1".into(),
                value: -40,
                tags: vec!["a".into()],
            },
            "event: reading\nid: 9\ndata: {\"sensor\":\"t1\",\"value\":-40,\"tags\":[\"a\"]}\n\n",
        ),
        (Shapes::Plain("p".into()), "event: message\ndata: p\n\n"),
        (
            Shapes::Unknown { event_type: "x".into(), data: "d".into(), id: "3".into() },
            "event: x\nid: 3\ndata: d\n\n",
        ),
    ];
    for (value, bytes) in cases {
        assert_eq!(String::from_utf8(encode(&value)).unwrap(), bytes, "{value:?}");
    }
}

#[test]
fn decoding_picks_the_variant_by_type() {
    let stream = b"data: no type is message\n\n\
        event: heartbeat\ndata: ignored\n\n\
        event: heartbeat\n\n\
        event: maybe\ndata:\n\n\
        id: 5\nevent: mapped\nretry: 10\ndata: body\n\n\
        event: something-new\ndata: {\"v\":1}\n\n";
    let got: Vec<Result<Shapes, _>> = decode_all(stream);
    // An event with no data is not dispatched (the third block).
    assert_eq!(
        got,
        vec![
            Ok(Shapes::Plain("no type is message".into())),
            Ok(Shapes::Heartbeat),
            Ok(Shapes::MaybePoint(None)),
            Ok(Shapes::Mapped {
                body: "body".into(),
                id: Some("5".into()),
                retry: Some(10),
                local: 0
            }),
            Ok(Shapes::Unknown {
                event_type: "something-new".into(),
                data: "{\"v\":1}".into(),
                id: "5".into(),
            }),
        ]
    );
}

#[test]
fn an_unknown_type_without_other_is_an_error_naming_it() {
    let got: Vec<Result<Feed, _>> = decode_all(b"event: notice\ndata: x\n\ndata: y\n\n");
    let Err(TypedError::UnknownEventType(name)) = got[0] else { panic!("{:?}", got[0]) };
    assert_eq!(name.as_str(), "notice");
    assert_eq!(got[0].as_ref().unwrap_err().to_string(), "no variant for event type \"notice\"");
    // No `event:` field is `message`, which `Feed` does not have either.
    assert_eq!(got[1], Err(TypedError::UnknownEventType(EventTypeName::new("message"))));

    // A long or hostile type is cut and escaped in the message.
    let long = format!("é{}\u{1b}", "x".repeat(40));
    let name = EventTypeName::new(&long);
    assert!(name.is_truncated());
    assert_eq!(name.as_str(), format!("é{}", "x".repeat(30)));
    let shown = TypedError::UnknownEventType(EventTypeName::new("a\u{1b}[2J")).to_string();
    assert_eq!(shown, "no variant for event type \"a\\u{1b}[2J\"");
}

#[test]
fn the_other_unit_variant_receives_unknown_types_and_cannot_be_sent() {
    #[derive(SseEvent, FromSseEvent, Debug, PartialEq)]
    enum Small {
        #[sse(event = "tick")]
        Tick(u64),
        #[sse(other)]
        Other,
    }
    let got: Vec<Result<Small, _>> =
        decode_all(b"event: tick\ndata: 4\n\nevent: tock\ndata: 4\n\n");
    assert_eq!(got, vec![Ok(Small::Tick(4)), Ok(Small::Other)]);
    let mut scratch = [0u8; 16];
    assert_eq!(Small::Other.to_frame(&mut scratch).err(), Some(TypedError::NoEventType));
    // Through the hub too.
    let hub = sse_tokio::Hub::new(sse_tokio::HubConfig::default());
    let published = futures_lite::future::block_on(hub.publish_event(&Small::Other));
    assert!(matches!(published, Err(sse_tokio::PublishError::Typed(TypedError::NoEventType))));
    // The wrong data for a known type is a data error, not "unknown".
    let got: Vec<Result<Small, _>> = decode_all(b"event: tick\ndata: four\n\n");
    assert_eq!(got, vec![Err(TypedError::JsonDecode)]);
}

/// The message stream of Anthropic's API, every event type of it.
#[test]
fn an_anthropic_style_stream_decodes_into_one_enum() {
    #[derive(FromSseEvent, SseEvent, Debug, PartialEq)]
    #[sse(rename_all = "snake_case")]
    enum Claude {
        MessageStart { message: Message },
        ContentBlockStart { index: u32, content_block: Block },
        ContentBlockDelta { index: u32, delta: Block },
        ContentBlockStop { index: u32 },
        MessageDelta { delta: StopInfo, usage: Usage },
        MessageStop,
        Ping,
        Error { error: ApiError },
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Message {
        id: String,
        model: String,
        usage: Usage,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Block {
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        text: Option<String>,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct StopInfo {
        stop_reason: Option<String>,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Usage {
        #[serde(default)]
        input_tokens: u32,
        output_tokens: u32,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct ApiError {
        #[serde(rename = "type")]
        kind: String,
        message: String,
    }

    let stream = concat!(
        "event: message_start\n",
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-x\",\"stop_reason\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: ping\n",
        "data: {\"type\": \"ping\"}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" world\"}}\n\n",
        "event: content_block_stop\n",
        "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: message_delta\n",
        "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n",
        "event: message_stop\n",
        "data: {\"type\":\"message_stop\"}\n\n",
        "event: error\n",
        "data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
    );
    let events: Vec<Claude> =
        decode_all(stream.as_bytes()).into_iter().map(|e| e.expect("decodes")).collect();
    let text = |t: &str| Block { kind: "text_delta".into(), text: Some(t.into()) };
    assert_eq!(
        events,
        vec![
            Claude::MessageStart {
                message: Message {
                    id: "msg_1".into(),
                    model: "claude-x".into(),
                    usage: Usage { input_tokens: 25, output_tokens: 1 },
                },
            },
            Claude::ContentBlockStart {
                index: 0,
                content_block: Block { kind: "text".into(), text: Some(String::new()) },
            },
            Claude::Ping,
            Claude::ContentBlockDelta { index: 0, delta: text("Hello") },
            Claude::ContentBlockDelta { index: 0, delta: text(" world") },
            Claude::ContentBlockStop { index: 0 },
            Claude::MessageDelta {
                delta: StopInfo { stop_reason: Some("end_turn".into()) },
                usage: Usage { input_tokens: 0, output_tokens: 15 },
            },
            Claude::MessageStop,
            Claude::Error {
                error: ApiError { kind: "overloaded_error".into(), message: "Overloaded".into() },
            },
        ]
    );
    // And they encode back to the same types.
    let again: Vec<u8> = events.iter().flat_map(encode).collect();
    let mut types = Vec::new();
    let mut parser = Parser::new(vec![0u8; 4096]);
    let mut rest = &again[..];
    while let Some(event) = parser.next(&mut rest) {
        types.push(event.unwrap().event_type.to_owned());
    }
    let expected =
        "message_start content_block_start ping content_block_delta content_block_delta \
                    content_block_stop message_delta message_stop error";
    assert_eq!(types.join(" "), expected);
}

#[test]
fn borrowed_fields_and_generics() {
    #[derive(SseEvent, FromSseEvent, Debug, PartialEq)]
    enum Borrowed<'a, T> {
        #[sse(event = "name")]
        Name(&'a str),
        #[sse(event = "pair")]
        Pair {
            #[sse(id)]
            id: &'a str,
            left: &'a str,
            right: T,
        },
    }
    let sent: [Borrowed<'_, u16>; 2] =
        [Borrowed::Name("ada"), Borrowed::Pair { id: "4", left: "l", right: 7 }];
    let bytes: Vec<u8> = sent.iter().flat_map(encode).collect();
    let mut parser = Parser::new(vec![0u8; 1024]);
    let mut rest = &bytes[..];
    let first = parser.next(&mut rest).unwrap().unwrap();
    assert_eq!(first.decode::<Borrowed<'_, u16>>(), Ok(Borrowed::Name("ada")));
    let second = parser.next(&mut rest).unwrap().unwrap();
    assert_eq!(
        second.decode::<Borrowed<'_, u16>>(),
        Ok(Borrowed::Pair { id: "4", left: "l", right: 7 })
    );
}

#[test]
fn the_other_variant_cannot_send_a_type_that_would_read_back_as_another() {
    let mut scratch = [0u8; 64];
    for kind in ["heartbeat", "point", "message", ""] {
        let value = Shapes::Unknown { event_type: kind.into(), data: "d".into(), id: "1".into() };
        assert_eq!(
            value.to_frame(&mut scratch).err(),
            Some(TypedError::AmbiguousEventType),
            "{kind}"
        );
    }
    #[derive(SseEvent, FromSseEvent, Debug, PartialEq)]
    enum OnlyOther<'a> {
        #[sse(other)]
        Any {
            #[sse(event)]
            kind: Option<&'a str>,
            #[sse(data)]
            data: &'a str,
        },
    }
    let none = OnlyOther::Any { kind: None, data: "x" };
    assert_eq!(none.to_frame(&mut scratch).err(), Some(TypedError::AmbiguousEventType));
    // With no variant of its own, `message` is just another type.
    let bytes = encode(&OnlyOther::Any { kind: Some("message"), data: "x" });
    assert_eq!(bytes, b"event: message\ndata: x\n\n");
    let mut parser = Parser::new(vec![0u8; 1024]);
    let mut rest = &b"data: y\n\nevent: z\ndata:\n\n"[..];
    let first = parser.next(&mut rest).unwrap().unwrap();
    assert_eq!(first.decode(), Ok(OnlyOther::Any { kind: Some("message"), data: "y" }));
    let second = parser.next(&mut rest).unwrap().unwrap();
    assert_eq!(second.decode(), Ok(OnlyOther::Any { kind: Some("z"), data: "" }));

    #[derive(SseEvent, FromSseEvent, Debug, PartialEq)]
    enum OnlyUnitOther {
        #[sse(other)]
        Anything,
    }
    let got: Vec<Result<OnlyUnitOther, _>> = decode_all(b"event: q\ndata: 1\n\ndata: 2\n\n");
    assert_eq!(got, vec![Ok(OnlyUnitOther::Anything), Ok(OnlyUnitOther::Anything)]);
}

/// Text one-field variants of every string type, `Option`s of them, an
/// empty struct variant, a skipped field, a `where` clause, a type
/// parameter used only as data, and a type called `String` that is not
/// `std`'s (JSON, as heapless's would be).
#[test]
fn more_variant_shapes_round_trip() {
    use std::borrow::Cow;
    mod other {
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq, Clone)]
        pub struct String<T>(pub T);
    }
    #[derive(SseEvent, FromSseEvent, Debug, PartialEq, Clone)]
    #[sse(rename_all = "snake_case")]
    enum More<'a, T>
    where
        T: Clone,
    {
        Borrowed(&'a str),
        MaybeBorrowed(Option<&'a str>),
        Cowed(Cow<'a, str>),
        Boxed(Box<str>),
        Generic(T),
        Empty {},
        Skipping {
            #[sse(id)]
            id: String,
            #[sse(skip)]
            local: u32,
            value: u8,
        },
        NotStd(other::String<u8>),
    }
    type M<'a> = More<'a, Vec<u16>>;
    let sent: Vec<M<'_>> = vec![
        More::Borrowed("b"),
        More::MaybeBorrowed(Some("m")),
        More::MaybeBorrowed(None),
        More::Cowed(Cow::Borrowed("c")),
        More::Boxed("x".into()),
        More::Generic(vec![1, 2]),
        More::Empty {},
        More::Skipping { id: "4".into(), local: 9, value: 3 },
        More::NotStd(other::String(5)),
    ];
    let bytes: Vec<u8> = sent.iter().flat_map(encode).collect();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains("event: maybe_borrowed\ndata:\n\n"), "{text}");
    assert!(text.contains("event: generic\ndata: [1,2]\n\n"), "{text}");
    assert!(text.contains("event: empty\ndata:\n\n"), "{text}");
    assert!(text.contains("event: skipping\nid: 4\ndata: {\"value\":3}\n\n"), "{text}");
    assert!(text.contains("event: not_std\ndata: 5\n\n"), "{text}");
    let mut expected = sent.clone();
    // Read back, the skipped field is its default.
    expected[7] = More::Skipping { id: "4".into(), local: 0, value: 3 };
    let mut parser = Parser::new(vec![0u8; 4096]);
    let mut rest = &bytes[..];
    let mut i = 0;
    while let Some(event) = parser.next(&mut rest) {
        assert_eq!(event.unwrap().decode::<M<'_>>().unwrap(), expected[i], "event {i}");
        i += 1;
    }
    assert_eq!(i, expected.len());
}

/// Fields named like the generated code's locals, and a raw identifier.
#[test]
fn fields_named_like_the_generated_code_s_locals() {
    #[derive(SseEvent, FromSseEvent, Debug, PartialEq)]
    enum Clash {
        #[sse(event = "a")]
        Json { frame: u8, scratch: String, event: String, value: i32, r#type: String },
        #[sse(event = "b")]
        Mapped {
            #[sse(data)]
            frame: String,
            #[sse(id)]
            event: String,
            #[sse(retry)]
            scratch: Option<u64>,
        },
    }
    let sent = [
        Clash::Json {
            frame: 1,
            scratch: "s".into(),
            event: "e".into(),
            value: -1,
            r#type: "t".into(),
        },
        Clash::Mapped { frame: "f".into(), event: "9".into(), scratch: Some(5) },
    ];
    let bytes: Vec<u8> = sent.iter().flat_map(encode).collect();
    assert_eq!(
        String::from_utf8(bytes.clone()).unwrap(),
        "event: a\ndata: {\"frame\":1,\"scratch\":\"s\",\"event\":\"e\",\"value\":-1,\"type\":\"t\"}\n\n\
         event: b\nid: 9\nretry: 5\ndata: f\n\n"
    );
    let got: Vec<Clash> = decode_all(&bytes).into_iter().map(Result::unwrap).collect();
    assert_eq!(got, sent);
}

fn text() -> impl Strategy<Value = String> {
    // Characters that break naive encoders, and plain ones.
    prop::collection::vec(
        prop_oneof![
            Just('\n'),
            Just('\r'),
            Just('"'),
            Just('\\'),
            Just(' '),
            Just(':'),
            Just('é'),
            Just('\u{0}'),
            any::<char>(),
            prop::char::range('a', 'z')
        ],
        0..12,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// An id or event type: no CR, LF or NUL (an id with NUL is ignored by the
/// parser, as the spec says, and these never carry one on the wire).
fn field_text() -> impl Strategy<Value = String> {
    text().prop_map(|s| s.replace(['\r', '\n', '\0'], ""))
}

fn shapes() -> impl Strategy<Value = Shapes> {
    let point = (any::<i32>(), any::<i32>()).prop_map(|(x, y)| Point { x, y });
    prop_oneof![
        Just(Shapes::Heartbeat),
        // Text data normalizes CR and CRLF to LF on the way through.
        text().prop_map(|t| Shapes::TextLine(t.replace("\r\n", "\n").replace('\r', "\n"))),
        point.clone().prop_map(Shapes::Point),
        prop::option::of(point).prop_map(Shapes::MaybePoint),
        (text(), prop::option::of(field_text()), prop::option::of(any::<u32>())).prop_map(
            |(body, id, retry)| Shapes::Mapped {
                body: body.replace("\r\n", "\n").replace('\r', "\n"),
                id,
                retry,
                local: 0,
            }
        ),
        (field_text(), text(), any::<i64>(), prop::collection::vec(text(), 0..3))
            .prop_map(|(id, sensor, value, tags)| Shapes::Reading { id, sensor, value, tags }),
        text().prop_map(|t| Shapes::Plain(t.replace("\r\n", "\n").replace('\r', "\n"))),
        (field_text(), text(), field_text()).prop_map(|(event_type, data, id)| Shapes::Unknown {
            event_type,
            data: data.replace("\r\n", "\n").replace('\r', "\n"),
            id,
        }),
    ]
}

/// What decoding `value` after it is sent gives back: the same, except
/// where the wire cannot tell (an id the stream already had, an unknown
/// type that names a known variant or is empty).
fn as_received(value: Shapes, last_id: &str) -> Option<Shapes> {
    Some(match value {
        Shapes::Mapped { body, id, retry, local } => {
            let id = match id {
                // The stream's last event id carries over to an event without one.
                None => (!last_id.is_empty()).then(|| last_id.to_owned()),
                // `id:` empty resets it: read back as no id.
                Some(id) if id.is_empty() => None,
                Some(id) => Some(id),
            };
            Shapes::Mapped { body, id, retry, local }
        }
        Shapes::Unknown { ref event_type, .. } if is_known(event_type) || event_type.is_empty() => {
            return None
        }
        other => other,
    })
}

/// The stream's last event id after `value` is sent.
fn last_id_after(value: &Shapes, before: &str) -> String {
    match value {
        Shapes::Mapped { id: Some(id), .. }
        | Shapes::Reading { id, .. }
        | Shapes::Unknown { id, .. } => id.clone(),
        _ => before.to_owned(),
    }
}

fn is_known(event_type: &str) -> bool {
    ["heartbeat", "text-line", "point", "maybe", "mapped", "reading", "message"]
        .contains(&event_type)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Any sequence of any variants, sent as one stream and read at any
    /// split, decodes to what was sent.
    #[test]
    fn enum_round_trip(values in prop::collection::vec(shapes(), 1..8), cut in any::<prop::sample::Index>()) {
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        let mut last_id = String::new();
        for value in values {
            let Some(received) = as_received(value.clone(), &last_id) else { continue };
            stream.extend(encode(&value));
            last_id = last_id_after(&value, &last_id);
            expected.push(received);
        }
        let at = cut.index(stream.len() + 1);
        let mut parser = Parser::new(vec![0u8; 1 << 16]);
        let mut got = Vec::new();
        for mut piece in [&stream[..at], &stream[at..]] {
            while let Some(event) = parser.next(&mut piece) {
                got.push(event.expect("within limits").decode::<Shapes>().expect("decodes"));
            }
        }
        prop_assert_eq!(got, expected);
    }
}
