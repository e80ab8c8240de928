//! Prints a markdown table of the `parsers` benchmark results.
//!
//! Reads criterion's `<criterion dir>/<group>/<function>/new/estimates.json`
//! (median time per iteration) and the `benchmark.json` beside it (group,
//! function and input size), and prints one row per corpus with the
//! throughput of each parser in MB/s (10^6 bytes per second), then
//! `sse-core / best other` and `sse-core` as a percentage of the `memchr`
//! newline-count floor.
//!
//! Usage: `cargo run -p sse-bench --bin report [CRITERION_DIR]`. Without an
//! argument the directory is `$CRITERION_HOME`, `$CARGO_TARGET_DIR/criterion`,
//! the first `target/criterion` found from the current directory upwards, or
//! the workspace's `target/criterion`, in that order.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;
use sse_bench::{MEMCHR_FLOOR, OURS, OWN, PARSERS, WORKLOADS};

/// One measured benchmark.
struct Measurement {
    /// Input bytes per iteration, if criterion recorded a byte throughput.
    bytes: Option<u64>,
    /// Median nanoseconds per iteration.
    nanos: f64,
}

fn criterion_dir() -> PathBuf {
    if let Some(arg) = env::args_os().nth(1) {
        return arg.into();
    }
    if let Some(home) = env::var_os("CRITERION_HOME") {
        return home.into();
    }
    if let Some(target) = env::var_os("CARGO_TARGET_DIR") {
        return Path::new(&target).join("criterion");
    }
    if let Ok(cwd) = env::current_dir() {
        for dir in cwd.ancestors() {
            let candidate = dir.join("target").join("criterion");
            if candidate.is_dir() {
                return candidate;
            }
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target").join("criterion")
}

fn read_json(path: &Path) -> Option<Value> {
    let text = fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Reads `<dir>/new/{benchmark,estimates}.json` into `(group, function, m)`.
fn read_measurement(dir: &Path) -> Option<(String, String, Measurement)> {
    let new = dir.join("new");
    let benchmark = read_json(&new.join("benchmark.json"))?;
    let estimates = read_json(&new.join("estimates.json"))?;
    let group = benchmark.get("group_id")?.as_str()?.to_owned();
    let function = benchmark.get("function_id")?.as_str()?.to_owned();
    let bytes = benchmark
        .get("throughput")
        .and_then(|t| t.get("Bytes").or_else(|| t.get("BytesDecimal")))
        .and_then(Value::as_u64);
    let nanos = ["median", "mean"]
        .iter()
        .find_map(|stat| estimates.get(stat)?.get("point_estimate")?.as_f64())?;
    Some((group, function, Measurement { bytes, nanos }))
}

/// All measurements under `root`, keyed by group then function.
fn collect(root: &Path) -> BTreeMap<String, BTreeMap<String, Measurement>> {
    let mut results: BTreeMap<String, BTreeMap<String, Measurement>> = BTreeMap::new();
    let Ok(groups) = fs::read_dir(root) else {
        return results;
    };
    for group in groups.flatten() {
        let Ok(functions) = fs::read_dir(group.path()) else {
            continue;
        };
        for function in functions.flatten() {
            if let Some((group, function, m)) = read_measurement(&function.path()) {
                results.entry(group).or_default().insert(function, m);
            }
        }
    }
    results
}

fn format_rate(mb_per_s: f64) -> String {
    if mb_per_s >= 100.0 {
        format!("{mb_per_s:.0}")
    } else {
        format!("{mb_per_s:.1}")
    }
}

fn main() -> ExitCode {
    let root = criterion_dir();
    let results = collect(&root);
    if results.is_empty() {
        eprintln!(
            "no criterion results under {}; run `cargo bench -p sse-bench --bench parsers` first",
            root.display()
        );
        return ExitCode::FAILURE;
    }

    let columns: Vec<&str> = PARSERS.iter().map(|&(name, _)| name).chain([MEMCHR_FLOOR]).collect();
    // Known groups in their usual order, then anything else that was found.
    let mut rows: Vec<&str> =
        WORKLOADS.iter().map(|w| w.name).filter(|name| results.contains_key(*name)).collect();
    rows.extend(
        results
            .keys()
            .map(String::as_str)
            .filter(|name| !WORKLOADS.iter().any(|w| w.name == *name)),
    );

    println!("Throughput in MB/s (10^6 bytes/s, median time per iteration).\n");
    print!("| corpus | size |");
    for column in &columns {
        print!(" {column} |");
    }
    println!(" {OURS} / best other | {OURS} % of memchr floor |");
    print!("|---|---:|");
    for _ in &columns {
        print!("---:|");
    }
    println!("---:|---:|");

    for row in rows {
        let measured = &results[row];
        // Prefer the recorded throughput; recompute the corpus otherwise.
        let bytes = measured.values().find_map(|m| m.bytes).or_else(|| {
            let workload = WORKLOADS.iter().find(|w| w.name == row)?;
            Some((workload.corpus)().len() as u64)
        });
        let Some(bytes) = bytes else {
            continue;
        };
        // bytes per nanosecond is GB/s; times 1000 is MB/s.
        let rate = |name: &str| {
            measured.get(name).map(|m| m.bytes.unwrap_or(bytes) as f64 / m.nanos * 1000.0)
        };

        print!("| {row} | {:.1} MB |", bytes as f64 / 1e6);
        for column in &columns {
            match rate(column) {
                Some(r) => print!(" {} |", format_rate(r)),
                None => print!(" – |"),
            }
        }
        let ours = rate(OURS);
        let best_other = PARSERS[OWN..]
            .iter()
            .map(|&(name, _)| name)
            .filter_map(|name| Some((name, rate(name)?)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match (ours, best_other) {
            (Some(ours), Some((name, best))) => print!(" {:.2}× ({name}) |", ours / best),
            _ => print!(" – |"),
        }
        match (ours, rate(MEMCHR_FLOOR)) {
            (Some(ours), Some(floor)) => println!(" {:.1}% |", ours / floor * 100.0),
            _ => println!(" – |"),
        }
    }
    ExitCode::SUCCESS
}
