//! Runs one parser over one corpus in a loop, for profilers and quick timing:
//! `cargo run --release -p sse-bench --example profile -- CORPUS [PARSER] [ROUNDS]`.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let corpus_name = args.first().map(String::as_str).unwrap_or("llm_tokens");
    let parser = args.get(1).map(String::as_str).unwrap_or("ours");
    let rounds: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5);
    let (corpus, chunk) = match corpus_name {
        "llm_tokens" => (sse_bench::llm_tokens(), 16 << 10),
        "notifications" => (sse_bench::notifications(), 16 << 10),
        "large_payloads" => (sse_bench::large_payloads(), 16 << 10),
        "crlf_small" => (sse_bench::crlf_small(), 16 << 10),
        "llm_tokens_1byte" => (sse_bench::llm_tokens_1byte(), 1),
        other => panic!("unknown corpus {other}"),
    };
    let chunks = sse_bench::split(&corpus, chunk);
    let run = match parser {
        "ours" => sse_bench::ours,
        "sse_stream" => sse_bench::sse_stream,
        "floor" => {
            |c: &[&[u8]]| sse_bench::Summary { events: sse_bench::memchr_floor(c), data_bytes: 0 }
        }
        other => panic!("unknown parser {other}"),
    };
    let start = Instant::now();
    let mut last = None;
    for _ in 0..rounds {
        last = Some(run(&chunks));
    }
    let secs = start.elapsed().as_secs_f64() / rounds as f64;
    println!(
        "{corpus_name} {parser}: {:.0} MB/s ({:?})",
        corpus.len() as f64 / secs / 1e6,
        last.unwrap()
    );
}
