//! Interleaved throughput comparison: the numbers behind BENCHMARKS.md.
//!
//! Criterion measures one parser at a time for seconds each, so on a shared
//! or frequency-scaling machine a slow spell can land on one parser and not
//! another. This runner instead times one pass of every parser in turn,
//! round after round (rotating the order), and reports each parser's median
//! pass. The ratio to the best other parser is taken round by round (both
//! passes ran within the same fraction of a second), and reported as the
//! median of those ratios with their lowest and highest.
//!
//! Each round parses its own copy of the corpus, placed at a different
//! offset within a memory page (the offsets spread over the page across the
//! rounds). On some CPUs a large copy runs several times slower when its
//! destination sits just past its source modulo 4 KiB, so with one fixed
//! placement a 64 KiB-event result measured where the allocator happened to
//! put the corpus relative to each parser's buffers, not the parser.
//!
//! `cargo run --release -p sse-bench --bin compare [ROUNDS] [CORPUS...]`
//! (default 15 rounds, every corpus).

use std::hint::black_box;
use std::time::Instant;

use sse_bench::{memchr_floor, Summary, MEMCHR_FLOOR, OWN, PARSERS, WORKLOADS};

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// A copy of `corpus` starting `offset` bytes (mod 4096) into a page.
fn placed(corpus: &[u8], offset: usize) -> (Vec<u8>, usize) {
    let mut backing = vec![0u8; corpus.len() + 4096];
    let start = (offset + 4096 - backing.as_ptr() as usize % 4096) % 4096;
    backing[start..start + corpus.len()].copy_from_slice(corpus);
    (backing, start)
}

fn floor(chunks: &[&[u8]]) -> Summary {
    Summary { events: memchr_floor(chunks), data_bytes: 0 }
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let rounds: usize = match args.peek().and_then(|r| r.parse().ok()) {
        Some(rounds) => {
            args.next();
            rounds
        }
        None => 15,
    };
    // At least one round: a median of none is undefined.
    let rounds = rounds.max(1);
    let only: Vec<String> = args.collect();
    let mut runners: Vec<(&str, sse_bench::Adapter)> = PARSERS.to_vec();
    runners.push((MEMCHR_FLOOR, floor));

    println!(
        "Throughput in MB/s (10^6 bytes/s): median of {rounds} interleaved passes. \
         Ratio: sse-core (and sse-core-parts, the same parser handing out data that spans \
         reads as it arrives; sse-core-owned, the std layers' decoder, making owned events \
         as the other crates do) against the best other parser, pass by pass in the same \
         round: median (lowest-highest).\n"
    );
    let mut header = String::from("| corpus | size |");
    for (name, _) in &runners {
        header.push_str(&format!(" {name} |"));
    }
    header.push_str(" sse-core / best other | per round |");
    for (name, _) in &PARSERS[1..OWN] {
        header.push_str(&format!(" {name} per round |"));
    }
    header.push_str(" sse-core % of memchr floor |");
    println!("{header}");
    println!(
        "|---|---:|{}---:|---:|{}---:|",
        "---:|".repeat(runners.len()),
        "---:|".repeat(OWN - 1)
    );

    for workload in WORKLOADS {
        if !only.is_empty() && !only.iter().any(|name| name == workload.name) {
            continue;
        }
        let corpus = (workload.corpus)();
        let bytes = workload.bytes(&corpus) as f64;
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); runners.len()];
        for round in 0..rounds {
            // Spread over the page, and not only at multiples of 8.
            let (backing, start) = placed(&corpus, round * 4096 / rounds + round % 8);
            let reads = workload.reads(&backing[start..start + corpus.len()]);
            for k in 0..runners.len() {
                let i = (k + round) % runners.len();
                let start = Instant::now();
                black_box((runners[i].1)(black_box(&reads)));
                times[i].push(start.elapsed().as_secs_f64());
            }
        }
        let mbps: Vec<f64> = times.iter().map(|t| bytes / median(t.clone()) / 1e6).collect();
        let ours = mbps[0];
        let (best, best_name, best_mbps) = (OWN..PARSERS.len())
            .map(|i| (i, runners[i].0, mbps[i]))
            .fold((0, "", 0.0), |acc, x| if x.2 > acc.2 { x } else { acc });
        // Same round, same corpus: their time over ours, as median
        // (lowest-highest).
        let per_round = |ours: usize| {
            let ratios: Vec<f64> =
                times[best].iter().zip(&times[ours]).map(|(b, o)| b / o).collect();
            let (low, high) = ratios
                .iter()
                .fold((f64::INFINITY, 0.0f64), |(low, high), &r| (low.min(r), high.max(r)));
            format!("{:.2}× ({low:.2}–{high:.2})", median(ratios))
        };
        let floor = mbps[mbps.len() - 1];
        let size = corpus.len() as f64 / 1e6;
        let size = match workload.repeat {
            1 => format!("{size:.1} MB"),
            n => format!("{size:.2} MB ×{n}"),
        };
        let mut row = format!("| {} | {size} |", workload.name);
        for v in &mbps {
            row.push_str(&if *v >= 100.0 { format!(" {v:.0} |") } else { format!(" {v:.1} |") });
        }
        row.push_str(&format!(" {:.2}× ({best_name}) |", ours / best_mbps));
        for own in 0..OWN {
            row.push_str(&format!(" {} |", per_round(own)));
        }
        row.push_str(&format!(" {:.1}% |", 100.0 * ours / floor));
        println!("{row}");
    }
}
