//! Throughput of every SSE parser in [`sse_bench::PARSERS`] on the same
//! corpora, plus the `memchr` newline-count floor.
//!
//! Groups: `llm_tokens`, `notifications`, `large_payloads` and `crlf_small` are
//! fed in 16 KiB chunks; `llm_tokens_1byte` feeds only the first
//! [`sse_bench::ONE_BYTE_EVENTS`] (2,000) events of the LLM corpus, one byte
//! per chunk, so that the slow parsers finish in reasonable time. The
//! `hot_*` groups feed a corpus under 1 MB ten times per iteration (cache
//! hot); `hot_llm_network` cuts it as a socket delivers it (see
//! [`sse_bench::network_reads`]).
//!
//! Run with `cargo bench -p sse-bench --bench parsers`, then
//! `cargo run -p sse-bench --bin report` for a markdown table. Every
//! iteration takes tens to hundreds of milliseconds, so the groups use flat
//! sampling with 10 samples; the whole run takes about 4 minutes on 2 cores.
//! For a smoke run: `cargo bench -p sse-bench --bench parsers -- --quick`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use sse_bench::{memchr_floor, MEMCHR_FLOOR, PARSERS, WORKLOADS};

fn parsers(c: &mut Criterion) {
    for workload in WORKLOADS {
        let corpus = (workload.corpus)();
        let chunks = workload.reads(&corpus);
        let mut group = c.benchmark_group(workload.name);
        group.throughput(Throughput::Bytes(workload.bytes(&corpus) as u64));
        group.sampling_mode(SamplingMode::Flat);
        for &(name, adapter) in PARSERS {
            group.bench_function(name, |b| b.iter(|| adapter(black_box(&chunks))));
        }
        group.bench_function(MEMCHR_FLOOR, |b| b.iter(|| memchr_floor(black_box(&chunks))));
        group.finish();
    }
}

criterion_group! {
    name = benches;
    // Command-line flags (`--measurement-time`, `--warm-up-time`,
    // `--sample-size`, `--quick`) override these.
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = parsers
}
criterion_main!(benches);
