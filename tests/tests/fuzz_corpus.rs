//! Replays the committed fuzz corpus (`fuzz/seeds/<target>`) and every
//! regression input the fuzzer found (`fuzz/regressions/<target>`) through
//! each target's code, on stable, as part of `cargo test --workspace`. The
//! code is the fuzz targets' own (`fuzz/src/lib.rs`), included here.

use std::path::Path;

#[allow(dead_code)]
#[path = "../../fuzz/src/lib.rs"]
mod targets;

fn replay(target: &str, run: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut count = 0;
    for dir in [root.join("seeds").join(target), root.join("regressions").join(target)] {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.expect("readable directory").path();
            let data = std::fs::read(&path).expect("readable input");
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{target} fails on {}", path.display());
            count += 1;
        }
    }
    assert!(count > 0, "no corpus for {target}");
}

#[test]
fn parser() {
    replay("parser", targets::parser);
}

#[test]
fn encoder() {
    replay("encoder", targets::encoder);
}

#[test]
fn http() {
    replay("http", targets::http);
}

#[test]
fn typed() {
    replay("typed", targets::typed);
}

#[test]
fn replay_ring() {
    replay("replay", targets::replay);
}
