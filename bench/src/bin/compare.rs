//! Interleaved throughput comparison: the numbers behind BENCHMARKS.md.
//!
//! Criterion measures one parser at a time for seconds each, so on a shared
//! or frequency-scaling machine a slow spell can land on one parser and not
//! another. This runner instead times one pass of every parser in turn,
//! round after round (rotating the order), and reports each parser's median
//! pass. Ratios between parsers measured this way hold up from run to run.
//!
//! `cargo run --release -p sse-bench --bin compare [ROUNDS]` (default 15).

use std::hint::black_box;
use std::time::Instant;

use sse_bench::{memchr_floor, split, Summary, MEMCHR_FLOOR, PARSERS, WORKLOADS};

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn floor(chunks: &[&[u8]]) -> Summary {
    Summary { events: memchr_floor(chunks), data_bytes: 0 }
}

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|r| r.parse().ok()).unwrap_or(15);
    let mut runners: Vec<(&str, sse_bench::Adapter)> = PARSERS.to_vec();
    runners.push((MEMCHR_FLOOR, floor));

    println!("Throughput in MB/s (10^6 bytes/s): median of {rounds} interleaved passes.\n");
    let mut header = String::from("| corpus | size |");
    for (name, _) in &runners {
        header.push_str(&format!(" {name} |"));
    }
    header.push_str(" sse-core / best other | sse-core % of memchr floor |");
    println!("{header}");
    println!("|---|---:|{}---:|---:|", "---:|".repeat(runners.len()));

    for workload in WORKLOADS {
        let corpus = (workload.corpus)();
        let chunks = split(&corpus, workload.chunk_size);
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); runners.len()];
        for round in 0..rounds {
            for k in 0..runners.len() {
                let i = (k + round) % runners.len();
                let start = Instant::now();
                black_box((runners[i].1)(black_box(&chunks)));
                times[i].push(start.elapsed().as_secs_f64());
            }
        }
        let mbps: Vec<f64> =
            times.into_iter().map(|t| corpus.len() as f64 / median(t) / 1e6).collect();
        let ours = mbps[0];
        let (best_name, best) = runners[1..PARSERS.len()]
            .iter()
            .zip(&mbps[1..PARSERS.len()])
            .map(|((name, _), &v)| (*name, v))
            .fold(("", 0.0), |acc, x| if x.1 > acc.1 { x } else { acc });
        let floor = mbps[mbps.len() - 1];
        let mut row = format!("| {} | {:.1} MB |", workload.name, corpus.len() as f64 / 1e6);
        for v in &mbps {
            row.push_str(&if *v >= 100.0 { format!(" {v:.0} |") } else { format!(" {v:.1} |") });
        }
        row.push_str(&format!(
            " {:.2}× ({best_name}) | {:.1}% |",
            ours / best,
            100.0 * ours / floor
        ));
        println!("{row}");
    }
}
