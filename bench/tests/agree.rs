//! Every adapter must report the same [`Summary`] as the reference reading of
//! the spec, on small versions of each corpus and under several chunkings
//! (including ones that split CRLF pairs and multi-byte characters).

use sse_bench::{
    crlf_small_with, large_payloads_with, llm_tokens_cjk_with, llm_tokens_with, memchr_floor,
    network_reads, notifications_with, reference, split, Summary, CHUNK, PARSERS, WORKLOADS,
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
fn llm_tokens_with_chinese_content_agree() {
    let corpus = llm_tokens_cjk_with(2_000);
    assert!(!corpus.is_ascii());
    // 7-byte chunks cut many three-byte characters.
    check("llm_tokens_cjk", &corpus, 2_000, &[CHUNK, 4093, 7]);
    let reads = network_reads(&corpus);
    let expected = reference(&corpus);
    for (parser, adapter) in PARSERS {
        assert_eq!(adapter(&reads), expected, "{parser} on network reads of Chinese content");
    }
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

#[test]
fn network_reads_hold_one_to_three_events_and_cut_a_third() {
    let corpus = llm_tokens_with(3_000);
    let reads = network_reads(&corpus);
    assert_eq!(reads.concat(), corpus, "the reads are the corpus, in order");
    // Where each event ends in the corpus.
    let ends: Vec<usize> =
        corpus.windows(2).enumerate().filter(|(_, w)| *w == b"\n\n").map(|(i, _)| i + 2).collect();
    let (mut start, mut cut) = (0, 0);
    for read in &reads {
        let end = start + read.len();
        // Events completed by this read (the first may have begun earlier).
        let completed = ends.iter().filter(|&&e| e > start && e <= end).count();
        assert!((1..=3).contains(&completed), "{completed} events end in a read");
        cut += usize::from(!ends.contains(&end));
        start = end;
    }
    assert!(ends.contains(&start), "the last read ends at an event's end");
    let share = cut as f64 / reads.len() as f64;
    assert!((0.25..0.42).contains(&share), "{share} of reads cut mid-event");
    // Every parser agrees with the reference on these reads too.
    let expected = reference(&corpus);
    for (parser, adapter) in PARSERS {
        assert_eq!(adapter(&reads), expected, "{parser} on network reads");
    }
}

#[test]
fn cache_hot_workloads_are_small_and_fed_repeatedly() {
    for workload in WORKLOADS.iter().filter(|w| w.repeat > 1) {
        let corpus = (workload.corpus)();
        assert!(corpus.len() < 1_000_000, "{} is {} bytes", workload.name, corpus.len());
        let reads = workload.reads(&corpus);
        assert_eq!(reads.iter().map(|r| r.len()).sum::<usize>(), workload.bytes(&corpus));
        let once = reference(&corpus);
        let got = sse_bench::ours(&reads);
        assert_eq!(got.events, once.events * workload.repeat, "{}", workload.name);
    }
}
