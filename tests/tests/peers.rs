//! Interop with other implementations:
//! - the npm `eventsource` package (Node's WHATWG EventSource) reads our
//!   server, including a cut connection and its `Last-Event-ID` resume;
//! - our client reads every conformance vector served, in 7-byte writes, by
//!   a server written with Python's standard library, and resumes with the
//!   vector's expected last event ID.
//!
//! Needs `node` with `npm install` done in `tests/peers`, and `python3`
//! (`.ci/run` sets both up). Without them the tests fail under CI and are
//! skipped with a notice elsewhere.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sse_core::{FailReason, Frame, ReconnectConfig};
use sse_tests::load_vectors;
use sse_tokio::{ClientConfig, ClientError, EventSource, Server};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::Command;

fn peers_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers")
}

/// Whether a peer tool is there; under CI its absence is a failure.
fn available(what: &str, ok: bool) -> bool {
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "CI must provide {what}");
        eprintln!("NOTICE: {what} not available; peer test not run");
    }
    ok
}

fn has(program: &str) -> bool {
    std::process::Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_eventsource_reads_our_server_and_resumes() {
    let module = peers_dir().join("node_modules/eventsource");
    if !available("node and tests/peers/node_modules (npm install)", has("node") && module.is_dir())
    {
        return;
    }
    let resumes = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&resumes);
    let server = Server::new().stream("/events", move |request, mut writer| {
        let log = Arc::clone(&log);
        async move {
            let first = request.last_event_id.is_none();
            log.lock().unwrap().push(request.last_event_id.clone());
            let frames: Vec<Frame<'static>> = if first {
                vec![
                    Frame::new().retry(100),
                    Frame::new().id("1").data("plain"),
                    Frame::new().id("2").event("tick").data("two\nlines"),
                    Frame::new().id("3").data("unicode \u{e9}\u{1F600}"),
                ]
            } else {
                vec![Frame::new().id("4").data("after the cut"), Frame::new().id("5").data("")]
            };
            for frame in &frames {
                if writer.send(frame).await.is_err() {
                    return;
                }
            }
            if !first {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            // The first connection ends here: a cut from the client's view.
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(listener, async {
        let _ = stopped.await;
    }));

    let output = tokio::time::timeout(
        Duration::from_secs(30),
        Command::new("node")
            .arg(peers_dir().join("eventsource-client.mjs"))
            .arg(format!("http://{addr}/events"))
            .arg("5")
            .current_dir(peers_dir())
            .stderr(Stdio::piped())
            .output(),
    )
    .await
    .expect("node finishes")
    .expect("node runs");
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), serving).await;
    assert!(output.status.success(), "node failed: {}", String::from_utf8_lossy(&output.stderr));

    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(String, String, String)> = lines
        .iter()
        .map(|v| {
            (
                v["type"].as_str().unwrap().into(),
                v["data"].as_str().unwrap().into(),
                v["id"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = [
        ("message", "plain", "1"),
        ("tick", "two\nlines", "2"),
        ("message", "unicode \u{e9}\u{1F600}", "3"),
        ("message", "after the cut", "4"),
        ("message", "", "5"),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!((g.0.as_str(), g.1.as_str(), g.2.as_str()), w);
    }
    let resumes = resumes.lock().unwrap();
    assert_eq!(
        resumes.get(1),
        Some(&Some("3".to_owned())),
        "eventsource resumed from the last id: {resumes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_reads_every_vector_from_a_python_server() {
    if !available("python3", has("python3")) {
        return;
    }
    let vectors_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let mut python = Command::new("python3")
        .arg(peers_dir().join("vector_server.py"))
        .arg(&vectors_dir)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start python3");
    let mut lines = BufReader::new(python.stdout.take().unwrap()).lines();
    let port: u16 = lines.next_line().await.unwrap().unwrap().trim().parse().unwrap();

    let vectors = load_vectors(&vectors_dir).unwrap();
    let mut failures = Vec::new();
    for (path, vector) in &vectors {
        let name = Path::new(path).file_name().unwrap().to_string_lossy().into_owned();
        let config = ClientConfig {
            reconnect: ReconnectConfig::DEFAULT.with_reconnect_ms(1).with_jitter_permille(0),
            ..ClientConfig::default()
        };
        let mut source =
            EventSource::with_config(&format!("http://127.0.0.1:{port}/{name}"), config).unwrap();
        let mut got = Vec::new();
        let outcome = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                match source.next_event().await {
                    Some(Ok(e)) => got.push((e.event_type, e.data, e.id)),
                    Some(Err(ClientError::Failed(FailReason::NoContent))) | None => break Ok(()),
                    Some(Err(e)) => break Err(e.to_string()),
                }
            }
        })
        .await;
        let want: Vec<(String, String, String)> = vector
            .events
            .iter()
            .map(|e| (e.event_type.clone(), e.data.clone(), e.id.clone()))
            .collect();
        // The server reports the Last-Event-ID of the reconnect it refused.
        let reported = lines.next_line().await.unwrap().unwrap();
        let resumed_from =
            reported.split_once('\t').map(|(_, id)| id.to_owned()).unwrap_or_default();
        match outcome {
            Err(_) => failures.push(format!("{name}: timed out")),
            Ok(Err(e)) => failures.push(format!("{name}: {e}")),
            Ok(Ok(())) if got != want => {
                failures.push(format!("{name}: expected {want:?}, got {got:?}"))
            }
            Ok(Ok(())) if resumed_from != vector.last_event_id => failures.push(format!(
                "{name}: reconnected with Last-Event-ID {resumed_from:?}, expected {:?}",
                vector.last_event_id
            )),
            Ok(Ok(())) => {}
        }
    }
    let _ = python.kill().await;
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}
