//! Typed events: the seed service's two event shapes pinned to exact bytes,
//! round trips through the parser, and every error path.

use serde::{Deserialize, Serialize};
use sse_core::{Frame, FromSseEvent, Parser, SseEvent, TypedError};

/// The seed's event with every field mapped.
#[derive(SseEvent, FromSseEvent, Debug, PartialEq)]
struct Event {
    #[sse(data)]
    message: String,
    #[sse(event)]
    r#type: String,
    #[sse(id)]
    id: String,
    #[sse(retry)]
    retry: Option<u64>,
}

/// The seed's whole-struct case: no data field, so the value is the JSON.
#[derive(SseEvent, FromSseEvent, Serialize, Deserialize, Debug, PartialEq)]
struct Tick {
    message: String,
    timestamp: u64,
}

/// Borrowing fields, a fixed type, JSON data in an Option, a skipped field.
#[derive(SseEvent, FromSseEvent, Debug, PartialEq)]
#[sse(event = "update")]
struct Update<'a> {
    #[sse(id)]
    id: Option<&'a str>,
    #[sse(data)]
    payload: Option<Payload<'a>>,
    #[sse(retry)]
    retry: Option<u32>,
    #[sse(skip)]
    local_only: u8,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Payload<'a> {
    name: &'a str,
    values: [i32; 3],
}

fn parse_one(bytes: &[u8]) -> (String, String, String, Option<u64>) {
    let mut parser = Parser::new([0u8; 1024]);
    let mut rest = bytes;
    let e = parser.next(&mut rest).expect("one event").expect("within limits");
    (e.event_type.to_owned(), e.data.to_owned(), e.id.to_owned(), e.retry)
}

#[test]
fn seed_event_golden_bytes_and_round_trip() {
    let sent = Event {
        message: "Hello\nworld".into(),
        r#type: "greeting".into(),
        id: "42".into(),
        retry: Some(5000),
    };
    let (mut scratch, mut out) = ([0u8; 64], [0u8; 128]);
    let n = sent.encode(&mut scratch, &mut out).unwrap();
    assert_eq!(&out[..n], b"event: greeting\nid: 42\nretry: 5000\ndata: Hello\ndata: world\n\n");

    let mut parser = Parser::new([0u8; 1024]);
    let mut rest = &out[..n];
    let event = parser.next(&mut rest).unwrap().unwrap();
    assert_eq!(Event::from_event(&event), Ok(sent));

    // Without retry the field is not written at all.
    let quiet = Event { retry: None, ..Event::from_event(&event).unwrap() };
    let n = quiet.encode(&mut scratch, &mut out).unwrap();
    assert_eq!(&out[..n], b"event: greeting\nid: 42\ndata: Hello\ndata: world\n\n");
}

#[test]
fn seed_whole_struct_is_json_data() {
    let tick = Tick { message: "tick".into(), timestamp: 1_700_000_000_000 };
    let (mut scratch, mut out) = ([0u8; 64], [0u8; 128]);
    let n = tick.encode(&mut scratch, &mut out).unwrap();
    assert_eq!(&out[..n], b"data: {\"message\":\"tick\",\"timestamp\":1700000000000}\n\n");

    let mut parser = Parser::new([0u8; 1024]);
    let mut rest = &out[..n];
    let event = parser.next(&mut rest).unwrap().unwrap();
    assert_eq!(event.decode::<Tick>(), Ok(tick));
    assert_eq!(event.json::<Tick>().unwrap().timestamp, 1_700_000_000_000);
}

#[test]
fn borrowed_fields_fixed_type_and_optional_json() {
    let sent = Update {
        id: Some("u-1"),
        payload: Some(Payload { name: "cpu", values: [1, -2, 3] }),
        retry: None,
        local_only: 9,
    };
    let (mut scratch, mut out) = ([0u8; 64], [0u8; 128]);
    let n = sent.encode(&mut scratch, &mut out).unwrap();
    assert_eq!(
        &out[..n],
        br#"event: update
id: u-1
data: {"name":"cpu","values":[1,-2,3]}

"#
    );
    let mut parser = Parser::new([0u8; 1024]);
    let mut rest = &out[..n];
    let event = parser.next(&mut rest).unwrap().unwrap();
    let got = Update::from_event(&event).unwrap();
    // The skipped field is not sent, so it comes back as its default.
    assert_eq!(got, Update { local_only: 0, ..sent });

    // No payload, no id: a frame with no data (nothing to dispatch).
    let empty = Update { id: None, payload: None, retry: Some(10), local_only: 0 };
    let n = empty.encode(&mut scratch, &mut out).unwrap();
    assert_eq!(&out[..n], b"event: update\nretry: 10\n\n");
}

#[test]
fn decoding_errors() {
    let mut parser = Parser::new([0u8; 1024]);
    let mut rest: &[u8] = b"event: other\ndata: {}\n\ndata: not json\n\nevent: update\nretry: 99999999999\ndata: {\"name\":\"x\",\"values\":[1,2,3]}\n\n";
    let event = parser.next(&mut rest).unwrap().unwrap();
    assert_eq!(Update::from_event(&event), Err(TypedError::WrongEventType));
    let event = parser.next(&mut rest).unwrap().unwrap();
    assert_eq!(event.decode::<Tick>(), Err(TypedError::JsonDecode));
    let event = parser.next(&mut rest).unwrap().unwrap();
    assert_eq!(Update::from_event(&event), Err(TypedError::RetryOutOfRange));

    #[derive(FromSseEvent, Debug)]
    struct NeedsRetry {
        #[sse(data)]
        data: String,
        #[sse(retry)]
        retry: u64,
    }
    let mut rest: &[u8] = b"data: x\n\n";
    let event = parser.next(&mut rest).unwrap().unwrap();
    assert_eq!(
        NeedsRetry::from_event(&event).map(|n| (n.data, n.retry)),
        Err(TypedError::MissingRetry)
    );
}

#[test]
fn encoding_errors() {
    let tick = Tick { message: "a long message that will not fit".into(), timestamp: 1 };
    let mut out = [0u8; 256];
    assert_eq!(tick.encode(&mut [0u8; 8], &mut out), Err(TypedError::ScratchTooSmall));
    assert_eq!(
        tick.encode(&mut [0u8; 128], &mut [0u8; 8]),
        Err(TypedError::BufferTooSmall {
            required: tick.to_frame(&mut [0u8; 128]).unwrap().encoded_len().unwrap()
        })
    );
    let forged = Event {
        message: "m".into(),
        r#type: "t".into(),
        id: "1\ndata: forged".into(),
        retry: None,
    };
    assert_eq!(
        forged.encode(&mut [0u8; 64], &mut out),
        Err(TypedError::Frame(sse_core::FrameError::IdHasLineBreak))
    );
    // `to_frame` gives a plain Frame, usable with any sink; text data needs
    // no scratch space at all.
    let event = Event { message: "m".into(), r#type: "t".into(), id: "1".into(), retry: None };
    let mut no_scratch = [0u8; 0];
    let frame = event.to_frame(&mut no_scratch).unwrap();
    assert_eq!(frame, Frame::new().event("t").id("1").data("m"));
}

/// Generic parameters with defaults, const generics and a boxed-str data
/// field (sent as text, not JSON).
#[derive(SseEvent, FromSseEvent, Debug, PartialEq)]
struct Generic<T: Default = u32, const N: usize = 2> {
    #[sse(data)]
    text: Box<str>,
    #[sse(id)]
    id: Option<String>,
    #[sse(skip)]
    extra: T,
    #[sse(skip)]
    arr: core::marker::PhantomData<[u8; N]>,
}

#[test]
fn generics_with_defaults_and_boxed_text() {
    let sent: Generic = Generic {
        text: "say \"hi\"\\".into(),
        id: Some("g".into()),
        extra: 5,
        arr: core::marker::PhantomData,
    };
    let (mut scratch, mut out) = ([0u8; 8], [0u8; 64]);
    let n = sent.encode(&mut scratch, &mut out).unwrap();
    assert_eq!(&out[..n], b"id: g\ndata: say \"hi\"\\\n\n");
    let mut parser = Parser::new([0u8; 256]);
    let mut rest = &out[..n];
    let event = parser.next(&mut rest).unwrap().unwrap();
    let got: Generic = Generic::from_event(&event).unwrap();
    assert_eq!(got, Generic { extra: 0, ..sent });
}

#[test]
fn parse_helpers_agree() {
    let (t, d, i, r) = parse_one(b"event: x\nid: 1\nretry: 5\ndata: y\n\n");
    assert_eq!((t.as_str(), d.as_str(), i.as_str(), r), ("x", "y", "1", Some(5)));
}

#[test]
fn misuse_is_a_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}

/// Found by the `typed` fuzz target: JSON escapes must be decoded into
/// owned strings (and a borrowed `&str` cannot hold decoded text, so it is
/// refused rather than handed over still escaped).
#[test]
fn json_escapes_are_decoded_into_owned_strings() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Owned {
        name: String,
    }
    #[derive(Deserialize, Debug, PartialEq)]
    struct Borrowed<'a> {
        name: &'a str,
    }
    let escaped = sse_core::Event {
        event_type: "message",
        data: r#"{"name":"a\"b\u00e9\n"}"#,
        id: "",
        retry: None,
    };
    assert_eq!(escaped.json::<Owned>(), Ok(Owned { name: "a\"bé\n".to_owned() }));
    assert_eq!(escaped.json::<Borrowed<'_>>(), Err(sse_core::TypedError::JsonDecode));
    let plain = sse_core::Event { data: r#"{"name":"plain"}"#, ..escaped };
    assert_eq!(plain.json::<Borrowed<'_>>(), Ok(Borrowed { name: "plain" }));
}

/// Found in review: serde-json-core cannot decode surrogate-pair escapes;
/// a value holding one still decodes (strings as written) instead of
/// failing, e.g. in a field the type ignores.
#[test]
fn surrogate_pair_escapes_do_not_fail_the_value() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct OnlyA {
        a: u32,
    }
    let event = sse_core::Event {
        event_type: "message",
        data: r#"{"a":1,"note":"\ud83d\ude00 and \u00e9"}"#,
        id: "",
        retry: None,
    };
    assert_eq!(event.json::<OnlyA>(), Ok(OnlyA { a: 1 }));
}

/// Streams shaped as LLM APIs send them, decoded with `std` (serde_json):
/// data objects tagged by `type` (internally tagged enums), escaped
/// non-ASCII text and surrogate pairs as Python's `json.dumps` writes
/// them, `serde_json::Value`, and an OpenAI-style stream that ends in
/// `[DONE]`.
#[test]
fn llm_streams_decode_with_every_serde_feature() {
    use sse_core::{EventDecoder, MessageEvent, ReaderConfig};

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Anthropic {
        MessageStart { message: serde_json::Value },
        ContentBlockStart { index: u32 },
        ContentBlockDelta { index: u32, delta: Delta },
        MessageDelta { delta: serde_json::Value },
        MessageStop,
        Ping,
        Error { error: ApiError },
    }
    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Delta {
        TextDelta { text: String },
    }
    #[derive(Deserialize, Debug, PartialEq)]
    struct ApiError {
        message: String,
    }

    fn events(stream: &str) -> Vec<MessageEvent> {
        let mut decoder = EventDecoder::new(&ReaderConfig::DEFAULT);
        let mut rest = stream.as_bytes();
        let mut out = Vec::new();
        loop {
            let (used, event) = decoder.feed(rest);
            rest = &rest[used..];
            match event {
                Some(event) => out.push(event.unwrap()),
                None if rest.is_empty() => return out,
                None => {}
            }
        }
    }

    let anthropic = concat!(
        "event: message_start\n",
        "data: {\"type\": \"message_start\", \"message\": {\"id\": \"msg_1\", \"role\": \"assistant\"}}\n\n",
        "event: content_block_start\n",
        "data: {\"type\": \"content_block_start\", \"index\": 0, \"content_block\": {\"type\": \"text\", \"text\": \"\"}}\n\n",
        "event: ping\ndata: {\"type\": \"ping\"}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"text_delta\", \"text\": \"h\\u00e9llo \\ud83d\\ude00 \\n\"}}\n\n",
        "event: message_delta\n",
        "data: {\"type\": \"message_delta\", \"delta\": {\"stop_reason\": \"end_turn\"}}\n\n",
        "event: message_stop\ndata: {\"type\": \"message_stop\"}\n\n",
        "event: error\n",
        "data: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n",
    );
    let decoded: Vec<Anthropic> =
        events(anthropic).iter().map(|e| e.json::<Anthropic>().unwrap()).collect();
    assert_eq!(decoded.len(), 7);
    assert!(matches!(&decoded[0], Anthropic::MessageStart { message } if message["id"] == "msg_1"));
    assert_eq!(decoded[1], Anthropic::ContentBlockStart { index: 0 });
    assert_eq!(decoded[2], Anthropic::Ping);
    assert_eq!(
        decoded[3],
        Anthropic::ContentBlockDelta {
            index: 0,
            delta: Delta::TextDelta { text: "héllo 😀 \n".to_owned() }
        }
    );
    assert!(
        matches!(&decoded[4], Anthropic::MessageDelta { delta } if delta["stop_reason"] == "end_turn")
    );
    assert_eq!(decoded[5], Anthropic::MessageStop);
    assert_eq!(decoded[6], Anthropic::Error { error: ApiError { message: "Overloaded".into() } });
    // The event type and the data's tag agree, as these APIs promise.
    for (event, value) in events(anthropic).iter().zip(&decoded) {
        let tagged = event.json::<serde_json::Value>().unwrap();
        assert_eq!(tagged["type"], event.event_type.as_str(), "{value:?}");
    }

    #[derive(Deserialize, Debug)]
    struct Chunk {
        choices: Vec<Choice>,
    }
    #[derive(Deserialize, Debug)]
    struct Choice {
        delta: ChoiceDelta,
        finish_reason: Option<String>,
    }
    #[derive(Deserialize, Debug)]
    struct ChoiceDelta {
        content: Option<String>,
    }
    let openai = concat!(
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Gr\\u00fc\\u00dfe \"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\ud83c\\udf0d\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        "data: [DONE]\n\n",
    );
    let mut text = String::new();
    let mut finish = None;
    for event in events(openai) {
        if event.data == "[DONE]" {
            break;
        }
        let chunk: Chunk = event.json().unwrap();
        text.extend(chunk.choices.iter().filter_map(|c| c.delta.content.clone()));
        finish = finish.or_else(|| chunk.choices[0].finish_reason.clone());
    }
    assert_eq!((text.as_str(), finish.as_deref()), ("Grüße 🌍", Some("stop")));
}
