//! Every adapter must report the same [`Summary`] as the reference reading of
//! the spec, on small versions of each corpus and under several chunkings
//! (including ones that split CRLF pairs and multi-byte characters).

use sse_bench::{
    crlf_small_with, large_payloads_with, llm_tokens_with, memchr_floor, notifications_with,
    reference, split, Summary, CHUNK, PARSERS,
};

/// Runs every parser over `corpus` cut into each of `chunk_sizes` and checks
/// it against the reference. `expected_events` pins the reference itself.
fn check(name: &str, corpus: &[u8], expected_events: usize, chunk_sizes: &[usize]) {
    let expected = reference(corpus);
    assert_eq!(expected.events, expected_events, "{name}: reference count");
    for &size in chunk_sizes {
        let chunks = split(corpus, size);
        assert_eq!(
            memchr_floor(&chunks),
            corpus.iter().filter(|&&b| b == b'\n').count(),
            "{name}: memchr floor, chunks of {size}"
        );
        for (parser, adapter) in PARSERS {
            let got: Summary = adapter(&chunks);
            assert_eq!(got, expected, "{parser} on {name}, chunks of {size}");
        }
    }
}

#[test]
fn llm_tokens_agree() {
    let corpus = llm_tokens_with(3_000);
    check("llm_tokens", &corpus, 3_000, &[CHUNK, 4093, 7]);
}

#[test]
fn llm_tokens_one_byte_agree() {
    let corpus = llm_tokens_with(200);
    check("llm_tokens_1byte", &corpus, 200, &[1]);
}

#[test]
fn notifications_agree() {
    let corpus = notifications_with(2_000);
    check("notifications", &corpus, 2_000, &[CHUNK, 4093, 7]);
}

#[test]
fn large_payloads_agree() {
    // Full-size events under the main chunking, smaller ones under a fine
    // chunking (feeding 64 KiB lines in 7-byte chunks is quadratic for
    // `eventsource-stream` and too slow for a debug-build test).
    let corpus = large_payloads_with(6, 64 * 1024);
    check("large_payloads", &corpus, 6, &[CHUNK, 4093]);
    let corpus = large_payloads_with(6, 3000);
    check("large_payloads (3000 B)", &corpus, 6, &[7]);
}

#[test]
fn crlf_small_agree() {
    let corpus = crlf_small_with(5_000);
    // 7 and 4093 put chunk boundaries between CR and LF many times.
    check("crlf_small", &corpus, 5_000, &[CHUNK, 4093, 7, 1]);
}

#[test]
fn corpora_have_the_requested_shape() {
    let llm = llm_tokens_with(10_000);
    let average = llm.len() / 10_000;
    assert!((170..=190).contains(&average), "llm event size {average}");
    assert!(std::str::from_utf8(&llm).is_ok());
    assert!(llm.iter().any(|&b| b >= 0x80), "llm corpus has multi-byte UTF-8");
    // The 1-byte corpus is a prefix of the full one.
    assert!(llm.starts_with(&llm_tokens_with(2_000)));

    let payloads = large_payloads_with(2, 64 * 1024);
    assert_eq!(reference(&payloads).data_bytes, 2 * 64 * 1024);
    assert!(payloads.is_ascii());

    let crlf = crlf_small_with(3);
    assert!(crlf.starts_with(b"event: tick\r\ndata: "));
    assert!(!crlf.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));
}
