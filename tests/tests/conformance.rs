//! Conformance vectors: every `tests/vectors/*.json` file (and every
//! `*.json` in `$SSE_VECTORS`, if set) fed whole, byte by byte and split at
//! every position, against both `sse-core` and the reference parser.

use std::path::{Path, PathBuf};

use sse_tests::{check_vector, load_vectors};

fn run_dir(dir: &Path) -> (usize, Vec<String>) {
    let vectors = load_vectors(dir).unwrap_or_else(|e| panic!("loading vectors: {e}"));
    let failures = vectors
        .iter()
        .filter_map(|(path, v)| {
            check_vector(v).err().map(|e| format!("{path} ({}):\n    {e}", v.name))
        })
        .collect();
    (vectors.len(), failures)
}

#[test]
fn bundled_vectors() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let (count, failures) = run_dir(&dir);
    assert!(count >= 40, "expected at least 40 vectors, found {count}");
    assert!(
        failures.is_empty(),
        "{} of {count} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn external_vectors_from_env() {
    let Some(dir) = std::env::var_os("SSE_VECTORS") else {
        return;
    };
    let (count, failures) = run_dir(Path::new(&dir));
    assert!(count > 0, "SSE_VECTORS={} holds no *.json vectors", dir.to_string_lossy());
    assert!(
        failures.is_empty(),
        "{} of {count} external vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The runner must catch a wrong expectation, or a green run means nothing.
#[test]
fn a_wrong_expectation_fails() {
    let dir = std::env::temp_dir().join(format!("sse-vectors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("right.json"),
        r#"{"name":"right","input":"data: a\n\n","events":[{"type":"message","data":"a","id":""}],"retry":null,"last_event_id":""}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("wrong.json"),
        r#"{"name":"wrong","input":"data: a\n\n","events":[{"type":"message","data":"b","id":""}],"retry":null,"last_event_id":""}"#,
    )
    .unwrap();
    let (count, failures) = run_dir(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(count, 2);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("wrong.json"));
}
