//! Runs one parser over one corpus in a loop, for profilers and quick timing:
//! `cargo run --release -p sse-bench --example profile -- CORPUS [PARSER] [ROUNDS]`,
//! with the corpus and parser names of `WORKLOADS` and `PARSERS` (or `floor`).

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let corpus_name = args.first().map(String::as_str).unwrap_or("llm_tokens");
    let parser = args.get(1).map(String::as_str).unwrap_or("sse-core");
    let rounds: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5);
    let workload = sse_bench::WORKLOADS
        .iter()
        .find(|w| w.name == corpus_name)
        .unwrap_or_else(|| panic!("unknown corpus {corpus_name}"));
    let corpus = (workload.corpus)();
    let chunks = workload.reads(&corpus);
    let floor =
        |c: &[&[u8]]| sse_bench::Summary { events: sse_bench::memchr_floor(c), data_bytes: 0 };
    let run: sse_bench::Adapter = match parser {
        "floor" => floor,
        name => sse_bench::PARSERS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, adapter)| *adapter)
            .unwrap_or_else(|| panic!("unknown parser {name}")),
    };
    let start = Instant::now();
    let mut last = None;
    for _ in 0..rounds {
        last = Some(run(&chunks));
    }
    let secs = start.elapsed().as_secs_f64() / rounds as f64;
    println!(
        "{corpus_name} {parser}: {:.0} MB/s ({:?})",
        workload.bytes(&corpus) as f64 / secs / 1e6,
        last.unwrap()
    );
}
