//! Corpora and parser adapters for comparing Server-Sent Events parsers.
//!
//! Every parser is driven through the same [`Adapter`] signature: it gets the
//! corpus already cut into chunks and must feed them one at a time through the
//! crate's normal incremental (or stream) API, never the concatenated input.
//! It returns a [`Summary`] of what it dispatched, which the `agree` test
//! compares against [`reference`].
//!
//! # Parsers
//!
//! | adapter | crate | API driven |
//! | --- | --- | --- |
//! | [`ours`] | workspace `sse-core` | `Parser::next(&mut &[u8])` per chunk |
//! | [`ours_parts`] | workspace `sse-core` | `Parser::feed_parts` per chunk: data that spans chunks handed out as it arrives |
//! | [`sse_core_cratesio`] | crates.io `sse-core` 0.2 | `SseDecoder::next(&mut &[u8])` per chunk |
//! | [`eventsource_stream`] | `eventsource-stream` 0.2 | `EventStream::new(stream of &[u8])` |
//! | [`sse_codec`] | `sse-codec` 0.3 | `decode_stream(AsyncRead)` |
//! | [`async_sse`] | `async-sse` 5.1 | `decode(AsyncBufRead)` |
//! | [`sseer`] | `sseer` 0.3 | `EventStream::new(stream of Bytes)` |
//! | [`sse_parse`] | `sse-parse` 0.1 | `SseParser::feed` + `next_event` |
//! | [`sse_stream`] | `sse-stream` 0.3 | `SseByteStream::new(stream of &[u8])` |
//!
//! No requested crate had to be dropped. Notes on fairness and behaviour:
//!
//! * Stream-based crates are polled with `futures::executor::block_on` over
//!   `futures::stream::iter`; the stream machinery is part of their normal
//!   API, so its cost is counted.
//! * `sseer` only accepts items that are `Into<Bytes>`, and a borrowed
//!   `&[u8]` is not, so its adapter copies each chunk into a fresh `Bytes`
//!   (as a network client would receive it). The copy is a `memcpy` of the
//!   input, small next to parsing.
//! * `sse-codec` and `async-sse` read from an `AsyncRead`/`AsyncBufRead`, built
//!   with `TryStreamExt::into_async_read`; `sse-codec`'s `FramedRead` copies the
//!   bytes into its own buffer, as it would with a socket.
//! * `sse-stream` yields every block, including blocks without `data`; only
//!   blocks with `data` count as dispatched events (none of the corpora has
//!   data-less blocks, so this does not change the counts).
//! * Spec deviation, invisible in a [`Summary`]: `async-sse` ends a line at a
//!   CR that is the last byte of a read, so when a CRLF pair is split across
//!   two chunks the LF is taken as an extra blank line. Splitting
//!   `event: tick\r` | `\n` therefore ends the block after the `event` line,
//!   and the following `data: 1` is dispatched with type `message` instead of
//!   `tick`; splitting `data: 1\r` | `\n\r\n` dispatches one line early.
//!   Event and byte counts are unaffected, so the CRLF corpus is not excluded
//!   for it (every other parser, ours included, keeps `tick`).

use std::convert::Infallible;
use std::io::{self, Write as _};

use futures::executor::block_on;
use futures::stream::{self, StreamExt as _, TryStreamExt as _};

/// What a parser dispatched: the number of events and the total length in
/// bytes of their `data` strings (after joining `data` lines with `\n`).
#[derive(Debug, PartialEq, Eq, Clone, Copy, Default)]
pub struct Summary {
    /// Number of dispatched events.
    pub events: usize,
    /// Sum of the byte lengths of the events' data.
    pub data_bytes: usize,
}

impl Summary {
    fn add(&mut self, data_len: usize) {
        self.events += 1;
        self.data_bytes += data_len;
    }
}

/// The shared signature of all parser adapters.
pub type Adapter = fn(&[&[u8]]) -> Summary;

/// Every parser under test, ours first, as `(name, adapter)`. The names are
/// the criterion function ids and the report's column headers.
pub const PARSERS: &[(&str, Adapter)] = &[
    ("sse-core", ours),
    ("sse-core-parts", ours_parts),
    ("sse-core-owned", ours_owned),
    ("sse-core-0.2", sse_core_cratesio),
    ("eventsource-stream", eventsource_stream),
    ("sse-codec", sse_codec),
    ("async-sse", async_sse),
    ("sseer", sseer),
    ("sse-parse", sse_parse),
    ("sse-stream", sse_stream),
];

/// Name of our own parser in [`PARSERS`].
pub const OURS: &str = "sse-core";

/// How many of [`PARSERS`], from the first, are ours (three ways of
/// driving one parser); ratios compare each with the best of the others.
pub const OWN: usize = 3;

/// Criterion function id of [`memchr_floor`].
pub const MEMCHR_FLOOR: &str = "memchr-floor";

// ---------------------------------------------------------------------------
// Corpora
// ---------------------------------------------------------------------------

/// Chunk size of the main runs.
pub const CHUNK: usize = 16 * 1024;

/// Number of events in [`llm_tokens`].
pub const LLM_TOKEN_EVENTS: usize = 200_000;
/// Number of events in [`notifications`].
pub const NOTIFICATION_EVENTS: usize = 100_000;
/// Number of events in [`large_payloads`].
pub const LARGE_PAYLOAD_EVENTS: usize = 256;
/// Data length of each event in [`large_payloads`].
pub const LARGE_PAYLOAD_LEN: usize = 64 * 1024;
/// Number of events in [`crlf_small`].
pub const CRLF_EVENTS: usize = 300_000;
/// Number of leading [`llm_tokens`] events fed one byte at a time by the
/// `llm_tokens_1byte` group (the whole corpus would take minutes for the
/// slower parsers at one byte per chunk).
pub const ONE_BYTE_EVENTS: usize = 2_000;

/// Events in each cache-hot corpus's LLM stream: about 0.9 MB.
pub const HOT_LLM_EVENTS: usize = 5_000;
/// Times a cache-hot corpus is fed per pass.
pub const HOT_REPEAT: usize = 10;

/// How a corpus is cut into the reads a parser is fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feeding {
    /// Consecutive chunks of this many bytes.
    Fixed(usize),
    /// What a client of an LLM API reads off its socket ([`network_reads`]):
    /// one to three events per read, uneven, a third of the reads ending
    /// inside an event.
    Network,
}

/// A benchmark group: a corpus, how it is cut into reads, and how many
/// times the reads are fed per pass.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Criterion group name.
    pub name: &'static str,
    /// Generates the corpus.
    pub corpus: fn() -> Vec<u8>,
    /// How the corpus is cut into reads.
    pub feeding: Feeding,
    /// Times the same reads are fed in one pass, one parser throughout. A
    /// corpus under 1 MB fed again and again stays in cache, as what a
    /// client parses is what `recv` just wrote; 1 feeds a large corpus once
    /// (mostly from memory).
    pub repeat: usize,
}

impl Workload {
    /// The reads of one pass over `corpus`.
    pub fn reads<'c>(&self, corpus: &'c [u8]) -> Vec<&'c [u8]> {
        let once = match self.feeding {
            Feeding::Fixed(size) => split(corpus, size),
            Feeding::Network => network_reads(corpus),
        };
        let mut reads = Vec::with_capacity(once.len() * self.repeat);
        for _ in 0..self.repeat {
            reads.extend_from_slice(&once);
        }
        reads
    }

    /// Bytes parsed in one pass over `corpus`.
    pub fn bytes(&self, corpus: &[u8]) -> usize {
        corpus.len() * self.repeat
    }
}

const fn fixed(name: &'static str, corpus: fn() -> Vec<u8>, size: usize) -> Workload {
    Workload { name, corpus, feeding: Feeding::Fixed(size), repeat: 1 }
}

const fn hot(name: &'static str, corpus: fn() -> Vec<u8>, feeding: Feeding) -> Workload {
    Workload { name, corpus, feeding, repeat: HOT_REPEAT }
}

/// The benchmark groups, in report order: the large corpora fed once, then
/// the cache-hot ones (each under 1 MB, fed [`HOT_REPEAT`] times a pass).
pub const WORKLOADS: &[Workload] = &[
    fixed("llm_tokens", llm_tokens, CHUNK),
    fixed("notifications", notifications, CHUNK),
    fixed("large_payloads", large_payloads, CHUNK),
    fixed("crlf_small", crlf_small, CHUNK),
    fixed("llm_tokens_1byte", llm_tokens_1byte, 1),
    hot("hot_llm_network", llm_tokens_hot, Feeding::Network),
    hot("hot_llm_cjk_network", llm_tokens_cjk_hot, Feeding::Network),
    hot("hot_llm_tokens", llm_tokens_hot, Feeding::Fixed(CHUNK)),
    hot("hot_notifications", notifications_hot, Feeding::Fixed(CHUNK)),
    hot("hot_large_payloads", large_payloads_hot, Feeding::Fixed(CHUNK)),
    hot("hot_crlf_small", crlf_small_hot, Feeding::Fixed(CHUNK)),
];

/// The first [`HOT_LLM_EVENTS`] events of [`llm_tokens`] (about 0.9 MB).
pub fn llm_tokens_hot() -> Vec<u8> {
    llm_tokens_with(HOT_LLM_EVENTS)
}

/// [`HOT_LLM_EVENTS`] LLM events like [`llm_tokens`], whose content is
/// Chinese text (raw UTF-8, three bytes a character) rather than English:
/// the UTF-8 checks meet non-ASCII bytes in every event.
pub fn llm_tokens_cjk_hot() -> Vec<u8> {
    llm_tokens_cjk_with(HOT_LLM_EVENTS)
}

/// `events` LLM events like [`llm_tokens_with`]'s, with Chinese content.
pub fn llm_tokens_cjk_with(events: usize) -> Vec<u8> {
    llm_tokens_from(events, CJK_TOKENS)
}

/// 4,000 [`notifications`] events (about 0.9 MB).
pub fn notifications_hot() -> Vec<u8> {
    notifications_with(4_000)
}

/// 12 [`large_payloads`] events (0.8 MB).
pub fn large_payloads_hot() -> Vec<u8> {
    large_payloads_with(12, LARGE_PAYLOAD_LEN)
}

/// 30,000 [`crlf_small`] events (about 0.8 MB).
pub fn crlf_small_hot() -> Vec<u8> {
    crlf_small_with(30_000)
}

/// Cuts `corpus` (events ending in a blank line, `\n\n`) as a socket
/// delivers a stream of small events: each read holds one to three events
/// (the first possibly the rest of one cut before), and one read in three
/// also holds the start of the next event, cut anywhere inside it.
/// Deterministic.
pub fn network_reads(corpus: &[u8]) -> Vec<&[u8]> {
    let ends: Vec<usize> = memchr::memmem::find_iter(corpus, b"\n\n").map(|i| i + 2).collect();
    let mut rng = Lcg::new(7);
    let mut reads = Vec::new();
    let mut start = 0;
    // The first event that ends after `start`.
    let mut next = 0;
    while next < ends.len() {
        let last = (next + rng.below(3)).min(ends.len() - 1);
        let mut end = ends[last];
        if rng.below(3) == 0 && last + 1 < ends.len() {
            // Into the next event, at least one byte and not all of it.
            let len = ends[last + 1] - end;
            end += 1 + rng.below(len - 1);
        }
        reads.push(&corpus[start..end]);
        start = end;
        while next < ends.len() && ends[next] <= start {
            next += 1;
        }
    }
    if start < corpus.len() {
        reads.push(&corpus[start..]);
    }
    reads
}

/// A tiny deterministic PCG-style generator (64-bit LCG, high bits out), so
/// the corpora are the same on every run without a randomness crate.
struct Lcg(u64);

impl Lcg {
    fn new(seed: u64) -> Self {
        Lcg(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    fn next_u32(&mut self) -> u32 {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    /// Uniform-ish in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        self.next_u32() as usize % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WRITE: &str = "writing to a Vec cannot fail";

/// Content tokens of [`llm_tokens_cjk_hot`]: Chinese words and punctuation.
const CJK_TOKENS: &[&str] = &[
    "的", "是", "我们", "可以", "这个", "问题", "模型", "回答", "因为", "所以", "，", "。", "数据",
    "时间", "今天", "世界", "需要", "一个", "通过", "使用", "：", "“", "”", "方法",
];

/// LLM token texts, already JSON-escaped. Mostly ASCII word pieces, with a
/// few multi-byte UTF-8 ones (2, 3 and 4 bytes) and escapes.
const TOKENS: &[&str] = &[
    " the",
    " of",
    " and",
    " to",
    " a",
    " in",
    " is",
    " that",
    " for",
    " it",
    " with",
    " as",
    " was",
    " on",
    " be",
    " by",
    " this",
    " are",
    " or",
    " an",
    " model",
    " stream",
    " token",
    " parser",
    " event",
    " server",
    " client",
    " response",
    " request",
    " data",
    " function",
    " value",
    " return",
    " string",
    " buffer",
    "ing",
    "ed",
    "s",
    "ly",
    "tion",
    ".",
    ",",
    ":",
    ";",
    "!",
    "?",
    " (",
    ")",
    " 1",
    " 2",
    " 42",
    " 2024",
    "\\n",
    "\\n\\n",
    " \\\"",
    "\\\"",
    " `",
    "```",
    " Rust",
    " async",
    " await",
    " impl",
    " trait",
    " fn",
    " let",
    " mut",
    " Hello",
    " world",
    " I",
    " you",
    " we",
    " can",
    " will",
    " would",
    " should",
    " could",
    " not",
    " é",
    " café",
    " naïve",
    " résumé",
    "→",
    " →",
    " déjà",
    " vu",
    " über",
    " 東京",
    " λ",
    "—",
    " 🦀",
    " ✓",
];

/// Words for notification texts (a few multi-byte).
const WORDS: &[&str] = &[
    "deploy",
    "finished",
    "review",
    "requested",
    "build",
    "failed",
    "on",
    "main",
    "the",
    "new",
    "release",
    "is",
    "ready",
    "please",
    "check",
    "logs",
    "for",
    "details",
    "merged",
    "into",
    "branch",
    "comment",
    "added",
    "ticket",
    "closed",
    "meeting",
    "at",
    "noon",
    "café",
    "über",
    "naïve",
    "→",
    "✓",
];

const NOTIFICATION_TYPES: &[&str] = &[
    "message.created",
    "message.updated",
    "user.joined",
    "user.left",
    "presence.update",
    "typing.start",
    "reaction.added",
    "channel.updated",
];

/// Corpus (a): [`LLM_TOKEN_EVENTS`] OpenAI-style chat completion chunks, one
/// `data: {json}\n\n` line per event, about 180 bytes each.
pub fn llm_tokens() -> Vec<u8> {
    llm_tokens_with(LLM_TOKEN_EVENTS)
}

/// The first [`ONE_BYTE_EVENTS`] events of [`llm_tokens`].
pub fn llm_tokens_1byte() -> Vec<u8> {
    llm_tokens_with(ONE_BYTE_EVENTS)
}

/// The first `events` events of [`llm_tokens`] (the corpus is a prefix of any
/// longer one).
pub fn llm_tokens_with(events: usize) -> Vec<u8> {
    llm_tokens_from(events, TOKENS)
}

/// LLM token events with content tokens drawn from `tokens`.
fn llm_tokens_from(events: usize, tokens: &[&str]) -> Vec<u8> {
    // Completions of this many chunks each: a role chunk, content chunks and
    // a final `finish_reason: "stop"` chunk.
    const PER_COMPLETION: usize = 500;
    let mut rng = Lcg::new(1);
    let mut out = Vec::with_capacity(events * 185);
    let mut id = 0u64;
    for i in 0..events {
        let pos = i % PER_COMPLETION;
        if pos == 0 {
            id = u64::from(rng.next_u32()) << 8 | u64::from(rng.next_u32() & 0xff);
        }
        let created = 1_718_000_000 + i / 50;
        out.extend_from_slice(b"data: ");
        write!(
            out,
            "{{\"id\":\"chatcmpl-{id:010x}\",\"object\":\"chat.completion.chunk\",\
             \"created\":{created},\"model\":\"gpt-4o\",\"choices\":[{{\"index\":0,"
        )
        .expect(WRITE);
        if pos == 0 {
            out.extend_from_slice(
                b"\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null",
            );
        } else if pos == PER_COMPLETION - 1 {
            out.extend_from_slice(b"\"delta\":{},\"finish_reason\":\"stop\"");
        } else {
            out.extend_from_slice(b"\"delta\":{\"content\":\"");
            for _ in 0..1 + rng.below(2) {
                out.extend_from_slice(rng.pick(tokens).as_bytes());
            }
            out.extend_from_slice(b"\"},\"finish_reason\":null");
        }
        out.extend_from_slice(b"}]}\n\n");
    }
    out
}

/// Corpus (b): [`NOTIFICATION_EVENTS`] events, each with `event:`, `id:` and
/// two `data:` lines.
pub fn notifications() -> Vec<u8> {
    notifications_with(NOTIFICATION_EVENTS)
}

/// Corpus (b) with `events` events.
pub fn notifications_with(events: usize) -> Vec<u8> {
    let mut rng = Lcg::new(2);
    let mut out = Vec::with_capacity(events * 230);
    for n in 0..events {
        let kind = rng.pick(NOTIFICATION_TYPES);
        let channel = rng.below(10_000);
        let user = rng.below(100_000);
        let ts = 1_718_000_000_000u64 + n as u64 * 37;
        write!(
            out,
            "event: {kind}\nid: {}\n\
             data: {{\"type\":\"{kind}\",\"seq\":{n},\"channel\":\"C{channel:05}\",\
             \"user\":\"U{user:06}\",\"ts\":{ts}}}\n\
             data: {{\"text\":\"",
            100_000 + n
        )
        .expect(WRITE);
        for w in 0..3 + rng.below(8) {
            if w > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(rng.pick(WORDS).as_bytes());
        }
        write!(out, "\",\"mentions\":[\"U{:06}\"],\"thread\":null}}\n\n", rng.below(100_000))
            .expect(WRITE);
    }
    out
}

/// Corpus (c): [`LARGE_PAYLOAD_EVENTS`] events, each one `data:` line of
/// [`LARGE_PAYLOAD_LEN`] bytes of ASCII JSON-ish text.
pub fn large_payloads() -> Vec<u8> {
    large_payloads_with(LARGE_PAYLOAD_EVENTS, LARGE_PAYLOAD_LEN)
}

/// Corpus (c) with `events` events of `payload_len` data bytes each.
pub fn large_payloads_with(events: usize, payload_len: usize) -> Vec<u8> {
    const NAMES: &[&str] = &[
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
        "juliet", "kilo", "lima",
    ];
    let mut rng = Lcg::new(3);
    let mut out = Vec::with_capacity(events * (payload_len + 8));
    let mut payload = Vec::with_capacity(payload_len + 128);
    for _ in 0..events {
        payload.clear();
        payload.extend_from_slice(b"{\"rows\":[");
        let mut row = 0;
        while payload.len() < payload_len {
            write!(
                payload,
                "{{\"id\":{row},\"name\":\"{} {}\",\"score\":0.{:04},\"tags\":[\"{}\",\"{}\"]}},",
                rng.pick(NAMES),
                rng.pick(NAMES),
                rng.below(10_000),
                rng.pick(NAMES),
                rng.pick(NAMES),
            )
            .expect(WRITE);
            row += 1;
        }
        payload.truncate(payload_len);
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(&payload);
        out.extend_from_slice(b"\n\n");
    }
    out
}

/// Corpus (d): [`CRLF_EVENTS`] small events with CRLF line endings, like
/// `event: tick\r\ndata: 12345\r\n\r\n`.
pub fn crlf_small() -> Vec<u8> {
    crlf_small_with(CRLF_EVENTS)
}

/// Corpus (d) with `events` events.
pub fn crlf_small_with(events: usize) -> Vec<u8> {
    let mut rng = Lcg::new(4);
    let mut out = Vec::with_capacity(events * 28);
    for _ in 0..events {
        let digits = 1 + rng.below(5) as u32;
        let value = rng.below(10usize.pow(digits));
        write!(out, "event: tick\r\ndata: {value}\r\n\r\n").expect(WRITE);
    }
    out
}

/// Cuts `corpus` into consecutive chunks of `chunk_size` bytes (the last one
/// may be shorter).
pub fn split(corpus: &[u8], chunk_size: usize) -> Vec<&[u8]> {
    corpus.chunks(chunk_size).collect()
}

/// A plain, whole-input reading of the spec's parsing rules, as the expected
/// [`Summary`]: lines end at CRLF, CR or LF; a blank line dispatches if there
/// was a `data` field; a trailing unterminated block is dropped.
pub fn reference(corpus: &[u8]) -> Summary {
    let mut input = corpus.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(corpus);
    let mut summary = Summary::default();
    let (mut data_lines, mut data_len) = (0usize, 0usize);
    while let Some(end) = input.iter().position(|&b| b == b'\n' || b == b'\r') {
        let line = &input[..end];
        let mut next = end + 1;
        if input[end] == b'\r' && input.get(next) == Some(&b'\n') {
            next += 1;
        }
        input = &input[next..];
        if line.is_empty() {
            if data_lines > 0 {
                summary.add(data_len + data_lines - 1);
            }
            (data_lines, data_len) = (0, 0);
            continue;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &line[line.len()..]),
        };
        if name == b"data" {
            data_lines += 1;
            data_len += value.len();
        }
    }
    summary
}

// ---------------------------------------------------------------------------
// Adapters
// ---------------------------------------------------------------------------

/// The throughput floor: counts `\n` bytes with `memchr::memchr_iter` over
/// each chunk. Any parser has to look at every byte at least this fast.
pub fn memchr_floor(chunks: &[&[u8]]) -> usize {
    chunks.iter().map(|chunk| memchr::memchr_iter(b'\n', chunk).count()).sum()
}

/// Our parser (the workspace `sse-core`), with a 128 KiB buffer: enough for
/// the 64 KiB events of [`large_payloads`].
pub fn ours(chunks: &[&[u8]]) -> Summary {
    let mut parser = ::sse_core::Parser::new(vec![0u8; 1 << 17]);
    let mut summary = Summary::default();
    for chunk in chunks {
        let mut rest: &[u8] = chunk;
        while let Some(item) = parser.next(&mut rest) {
            match item {
                Ok(event) => summary.add(event.data.len()),
                Err(e) => panic!("sse-core: {e}"),
            }
        }
    }
    parser.finish();
    summary
}

/// Our parser driven through [`sse_core::Parser::feed_parts`], with the
/// same buffer as [`ours`]: data that goes on past a chunk is handed out in
/// parts (borrowed from the chunk) instead of kept until the blank line.
/// An event's data length is its parts' plus its own.
pub fn ours_parts(chunks: &[&[u8]]) -> Summary {
    use ::sse_core::Status;
    let mut parser = ::sse_core::Parser::new(vec![0u8; 1 << 17]);
    let mut summary = Summary::default();
    let mut parts = 0;
    for chunk in chunks {
        let mut rest: &[u8] = chunk;
        loop {
            let feed = parser.feed_parts(rest);
            rest = &rest[feed.consumed..];
            match feed.status {
                Status::DataPart(text) => parts += text.len(),
                Status::Event(event) => {
                    summary.add(parts + event.data.len());
                    parts = 0;
                }
                Status::NeedMore => break,
                other => panic!("sse-core (parts): {other:?}"),
            }
        }
    }
    parser.finish();
    summary
}

/// `sse-core`'s decoder for the std layers ([`::sse_core::EventDecoder`],
/// default configuration): owned events, as the other crates yield them,
/// large data joined from parts into the event's `String`.
pub fn ours_owned(chunks: &[&[u8]]) -> Summary {
    let mut decoder = ::sse_core::EventDecoder::new(&::sse_core::ReaderConfig::DEFAULT);
    let mut summary = Summary::default();
    for chunk in chunks {
        let mut rest: &[u8] = chunk;
        while !rest.is_empty() {
            let (used, item) = decoder.feed(rest);
            rest = &rest[used..];
            match item {
                Some(Ok(event)) => summary.add(event.data.len()),
                Some(Err(e)) => panic!("sse-core (owned): {e}"),
                // All of `rest` was used.
                None => break,
            }
        }
    }
    decoder.finish();
    summary
}

/// crates.io `sse-core` 0.2: its sans-IO `SseDecoder`, which reads each chunk
/// through `bytes::Buf` and keeps partial lines itself.
pub fn sse_core_cratesio(chunks: &[&[u8]]) -> Summary {
    use ::sse_core_cratesio::{SseDecoder, SseEvent};
    let mut decoder = SseDecoder::new();
    let mut summary = Summary::default();
    for chunk in chunks {
        let mut buf: &[u8] = chunk;
        while let Some(item) = decoder.next(&mut buf) {
            match item {
                Ok(SseEvent::Message(message)) => summary.add(message.data.len()),
                Ok(SseEvent::Retry(_)) => {}
                Err(e) => panic!("sse-core 0.2: {e}"),
            }
        }
    }
    summary
}

/// `eventsource-stream`: `EventStream` over a stream of borrowed chunks.
pub fn eventsource_stream(chunks: &[&[u8]]) -> Summary {
    let input = stream::iter(chunks.iter().copied().map(Ok::<_, Infallible>));
    let mut events = ::eventsource_stream::EventStream::new(input);
    block_on(async {
        let mut summary = Summary::default();
        while let Some(item) = events.next().await {
            match item {
                Ok(event) => summary.add(event.data.len()),
                Err(e) => panic!("eventsource-stream: {e}"),
            }
        }
        summary
    })
}

/// `sse-codec`: `decode_stream` (a `futures_codec::FramedRead`) over an
/// `AsyncRead` of the chunks.
pub fn sse_codec(chunks: &[&[u8]]) -> Summary {
    let reader = stream::iter(chunks.iter().copied().map(Ok::<_, io::Error>)).into_async_read();
    let mut events = ::sse_codec::decode_stream(reader);
    block_on(async {
        let mut summary = Summary::default();
        while let Some(item) = events.next().await {
            match item {
                Ok(::sse_codec::Event::Message { data, .. }) => summary.add(data.len()),
                Ok(::sse_codec::Event::Retry { .. }) => {}
                Err(e) => panic!("sse-codec: {e}"),
            }
        }
        summary
    })
}

/// `async-sse`: `decode` over an `AsyncBufRead` of the chunks.
pub fn async_sse(chunks: &[&[u8]]) -> Summary {
    let reader = stream::iter(chunks.iter().copied().map(Ok::<_, io::Error>)).into_async_read();
    let mut events = ::async_sse::decode(reader);
    block_on(async {
        let mut summary = Summary::default();
        while let Some(item) = events.next().await {
            match item {
                Ok(::async_sse::Event::Message(message)) => summary.add(message.data().len()),
                Ok(::async_sse::Event::Retry(_)) => {}
                Err(e) => panic!("async-sse: {e}"),
            }
        }
        summary
    })
}

/// `sseer`: `EventStream` over a stream of `Bytes`. Each chunk is copied into
/// its own `Bytes`, since `sseer` takes `Into<Bytes>` items and a borrowed
/// slice is not one.
pub fn sseer(chunks: &[&[u8]]) -> Summary {
    let input = stream::iter(
        chunks.iter().map(|chunk| Ok::<_, Infallible>(bytes::Bytes::copy_from_slice(chunk))),
    );
    let mut events = ::sseer::EventStream::new(input);
    block_on(async {
        let mut summary = Summary::default();
        while let Some(item) = events.next().await {
            match item {
                Ok(event) => summary.add(event.data.len()),
                Err(e) => panic!("sseer: {e}"),
            }
        }
        summary
    })
}

/// `sse-parse`: its sans-IO `SseParser` (`feed` each chunk, then drain
/// `next_event`).
pub fn sse_parse(chunks: &[&[u8]]) -> Summary {
    let mut parser = ::sse_parse::SseParser::new();
    let mut summary = Summary::default();
    for chunk in chunks {
        parser.feed(chunk);
        while let Some(event) = parser.next_event() {
            summary.add(event.data.len());
        }
    }
    parser.finish();
    while let Some(event) = parser.next_event() {
        summary.add(event.data.len());
    }
    summary
}

/// `sse-stream`: `SseByteStream` over a stream of borrowed chunks (`&[u8]` is
/// a `bytes::Buf`). Blocks without `data` are not dispatched events.
pub fn sse_stream(chunks: &[&[u8]]) -> Summary {
    let input = stream::iter(chunks.iter().copied().map(Ok::<_, Infallible>));
    let mut events = ::sse_stream::SseByteStream::new(input);
    block_on(async {
        let mut summary = Summary::default();
        while let Some(item) = events.next().await {
            match item {
                Ok(::sse_stream::Sse { data: Some(data), .. }) => summary.add(data.len()),
                Ok(_) => {}
                Err(e) => panic!("sse-stream: {e}"),
            }
        }
        summary
    })
}
