//! The `sse` binary run as a user runs it: every conformance vector
//! through `sse parse --json`, `sse serve` fed from a pipe and read by
//! `sse tail --json` across a server restart, the demo, and the errors a
//! person will meet (bad URL, refused connection, not an event stream, a
//! limit, a timeout), each with its message and exit status.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

const SSE: &str = env!("CARGO_BIN_EXE_sse");

/// A child process killed when dropped, so a failing test leaves none.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sse(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(SSE)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sse runs");
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&bytes));
    let output = child.wait_with_output().unwrap();
    let _ = writer.join();
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[derive(Deserialize, Debug, PartialEq)]
struct JsonEvent {
    #[serde(rename = "type")]
    event_type: String,
    data: String,
    id: String,
}

fn json_lines(stdout: &[u8]) -> Vec<JsonEvent> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn parse_json_gives_every_vectors_events() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let vectors = sse_tests::load_vectors(&dir).unwrap();
    assert!(vectors.len() >= 70);
    for (name, vector) in vectors {
        let output = sse(&["parse", "--json"], &vector.bytes().unwrap());
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        let want: Vec<JsonEvent> = vector
            .events
            .iter()
            .map(|e| JsonEvent {
                event_type: e.event_type.clone(),
                data: e.data.clone(),
                id: e.id.clone(),
            })
            .collect();
        assert_eq!(json_lines(&output.stdout), want, "{name}");
    }
}

#[test]
fn parse_reads_files_and_stops_at_a_limit_with_status_5() {
    let path = std::env::temp_dir().join(format!("sse-cli-parse-{}.txt", std::process::id()));
    std::fs::write(&path, "data: short\n\ndata: this one is far too long\n\ndata: never\n\n")
        .unwrap();
    let output = sse(&["parse", "--max-event-bytes", "8", path.to_str().unwrap()], b"");
    let _ = std::fs::remove_file(&path);
    assert_eq!(output.status.code(), Some(5));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "message: short\n");
    assert!(stderr(&output).contains("event 2 is over a limit"), "{}", stderr(&output));
}

/// Starts `sse serve` on `port` with its stdin piped.
fn serve(port: u16) -> Running {
    serve_with(port, &[])
}

/// Starts `sse serve ARGS` on `port` with its stdin piped.
fn serve_with(port: u16, args: &[&str]) -> Running {
    let addr = format!("127.0.0.1:{port}");
    Running(
        Command::new(SSE)
            .args(["serve", "--addr", &addr])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

fn feed(server: &mut Running, lines: std::ops::RangeInclusive<u32>) {
    let stdin = server.0.stdin.as_mut().unwrap();
    for n in lines {
        writeln!(stdin, "line {n}").unwrap();
    }
    stdin.flush().unwrap();
}

/// `sse tail ARGS`, once it says it is connected; its status lines.
fn tail_connected(args: &[&str]) -> (Running, BufReader<std::process::ChildStderr>) {
    let mut tail = Running(
        Command::new(SSE)
            .arg("tail")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut status = BufReader::new(tail.0.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("connected to") {
        line.clear();
        assert!(status.read_line(&mut line).unwrap() > 0, "tail exited before connecting");
    }
    (tail, status)
}

/// An id `sse serve` assigned as `<milliseconds>-<sequence>`, for ordering.
fn stream_id(id: &str) -> (u64, u64) {
    let (ms, seq) = id.split_once('-').unwrap_or_else(|| panic!("{id:?} is not <ms>-<seq>"));
    (ms.parse().unwrap(), seq.parse().unwrap())
}

/// A restarted `sse serve` starts a new log: a tail that resumes with an id
/// of the previous run is told so with `reset` (never served the new run as
/// if it were the rest of the old one), then gets the new run's lines, whose
/// ids are all greater than the old run's.
#[test]
fn serve_restarted_answers_an_id_of_the_previous_run_with_reset() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/events");
    let mut first = serve(port);
    let common = ["--json", "--wait", "--max-events", "51", "--reconnect-ms", "200"];
    let (mut tail, mut status) =
        tail_connected(&[&common[..], &["--timeout", "60", &url]].concat());
    // Publish once the tail is connected: a new subscriber gets live events.
    feed(&mut first, 1..=30);
    let mut events = BufReader::new(tail.0.stdout.take().unwrap());
    let mut next = || {
        let mut json = String::new();
        assert!(events.read_line(&mut json).unwrap() > 0, "tail ended early");
        serde_json::from_str::<JsonEvent>(&json).unwrap()
    };
    let got: Vec<JsonEvent> = (0..30).map(|_| next()).collect();
    let lines: Vec<&str> = got.iter().map(|e| e.data.as_str()).collect();
    assert_eq!(lines, (1..=30).map(|n| format!("line {n}")).collect::<Vec<_>>());
    let old_last = got[29].id.clone();
    assert!(got.windows(2).all(|w| stream_id(&w[0].id) < stream_id(&w[1].id)), "{got:?}");
    drop(first);
    let mut second = serve(port);
    let mut line = String::new();
    while !line.contains("reconnected") {
        line.clear();
        assert!(status.read_line(&mut line).unwrap() > 0, "tail exited before reconnecting");
    }
    assert!(line.contains(&format!("Last-Event-ID: \"{old_last}\"")), "{line}");
    let reset = next();
    assert_eq!((reset.event_type.as_str(), reset.data.as_str()), ("reset", old_last.as_str()));
    feed(&mut second, 31..=50);
    let rest: Vec<JsonEvent> = (31..=50).map(|_| next()).collect();
    let lines: Vec<&str> = rest.iter().map(|e| e.data.as_str()).collect();
    assert_eq!(lines, (31..=50).map(|n| format!("line {n}")).collect::<Vec<_>>());
    assert!(stream_id(&rest[0].id) > stream_id(&old_last), "{} after {old_last}", rest[0].id);
    assert!(rest.windows(2).all(|w| stream_id(&w[0].id) < stream_id(&w[1].id)), "{rest:?}");
    assert!(tail.0.wait().unwrap().success());
}

#[test]
fn the_demo_streams_ticks() {
    let port = free_port();
    let _demo = Running(
        Command::new(SSE)
            .args(["demo", "--addr", &format!("127.0.0.1:{port}")])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://127.0.0.1:{port}/events/stream");
    let output =
        sse(&["tail", "--json", "--wait", "--max-events", "2", "--timeout", "30", &url], b"");
    assert!(output.status.success(), "{}", stderr(&output));
    let ticks = json_lines(&output.stdout);
    assert_eq!(ticks.len(), 2);
    for tick in ticks {
        let data: serde_json::Value = serde_json::from_str(&tick.data).unwrap();
        assert!(data["message"].as_str().unwrap().starts_with("tick "), "{data}");
        assert!(data["timestamp"].as_u64().unwrap() > 0);
    }
}

/// Answers every connection with `response`.
fn answering(response: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(response.as_bytes());
            // Leave the connection open (for the timeout case) for a while.
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_secs(5));
                drop(stream);
            });
        }
    });
    url
}

#[test]
fn errors_have_a_message_and_a_status() {
    let cases: Vec<(Vec<String>, i32, &str)> = vec![
        (vec!["ftp://example.test/".into()], 2, "not an http:// or https:// URL"),
        (
            vec!["-H".into(), "no colon".into(), "http://127.0.0.1:1/".into()],
            2,
            "is not `Name: value`",
        ),
        (vec![format!("http://127.0.0.1:{}/", free_port())], 3, "cannot connect to"),
        (
            vec![answering(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
            )],
            4,
            "server answered 200 OK with content type text/plain, not text/event-stream: hi",
        ),
        (
            vec![answering(
                "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 25\r\n\r\n{\"error\":\"Incorrect key\"}",
            )],
            4,
            "sse: server answered 401 Unauthorized: {\"error\":\"Incorrect key\"}",
        ),
        (
            vec![
                "--timeout".into(),
                "0.5".into(),
                answering("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"),
            ],
            6,
            "timed out",
        ),
    ];
    for (args, code, message) in cases {
        let started = Instant::now();
        let mut argv = vec!["tail"];
        argv.extend(args.iter().map(String::as_str));
        let output = sse(&argv, b"");
        assert_eq!(output.status.code(), Some(code), "{argv:?}: {}", stderr(&output));
        assert!(stderr(&output).contains(message), "{argv:?}: {}", stderr(&output));
        assert!(started.elapsed() < Duration::from_secs(20));
    }
    // Found in review: a huge timeout and an injected CORS origin are usage
    // errors, not a panic or a server answering 500 to everyone.
    let output = sse(&["tail", "--timeout", "1e20", "http://127.0.0.1:1/"], b"");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let output = sse(&["serve", "--addr", "127.0.0.1:0", "--cors", "*\r\nX: 1"], b"");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--cors"));
    // A 204 is the server's way of saying "done": status 0, with a note.
    let output = sse(&["tail", &answering("HTTP/1.1 204 No Content\r\n\r\n")], b"");
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&output).contains("204"));
}

#[test]
fn every_subcommand_has_help_with_examples() {
    for command in ["tail", "parse", "serve", "demo"] {
        let output = sse(&[command, "--help"], b"");
        assert!(output.status.success());
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(help.contains("Example"), "{command} --help has no examples:\n{help}");
    }
}

/// Answers every connection with `response` and closes it; records each
/// request (head and body, as one read gets them).
fn recording(response: &'static str) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/chat", listener.local_addr().unwrap());
    let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&requests);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !whole_request(&request) {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            seen.lock().unwrap().push(String::from_utf8_lossy(&request).into_owned());
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (url, requests)
}

/// Whether `request` holds a whole head and its `Content-Length` body.
fn whole_request(request: &[u8]) -> bool {
    let text = String::from_utf8_lossy(request);
    let Some((head, body)) = text.split_once("\r\n\r\n") else { return false };
    let length = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(str::to_owned))
        .map_or(0, |v| v.trim().parse::<usize>().unwrap());
    body.len() >= length
}

const TWO_EVENTS: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 30\r\n\r\nid: 1\ndata: a\n\nid: 2\ndata: b\n\n";

#[test]
fn data_is_sent_once_unless_reconnect_is_asked_for() {
    let (url, requests) = recording(TWO_EVENTS);
    let output = sse(&["tail", "--json", "--data", r#"{"q":1}"#, &url], b"");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let ids: Vec<String> = json_lines(&output.stdout).into_iter().map(|e| e.id).collect();
    assert_eq!(ids, ["1", "2"]);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(requests.lock().unwrap().len(), 1, "the prompt went once");

    let (url, requests) = recording(TWO_EVENTS);
    let args = ["tail", "--json", "--data", r#"{"q":1}"#, "--reconnect", "always"];
    let mut argv = args.to_vec();
    argv.extend(["--reconnect-ms", "10", "--max-events", "3", &url]);
    let output = sse(&argv, b"");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let sent = requests.lock().unwrap().clone();
    assert!(sent.len() >= 2 && sent[1].contains("Last-Event-ID: 2\r\n"), "{sent:?}");
    assert!(sent[1].ends_with(r#"{"q":1}"#), "asked for: sent again");

    let (url, requests) = recording(TWO_EVENTS);
    let output = sse(&["tail", "--json", "--once", "--max-events", "5", &url], b"");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(json_lines(&output.stdout).len(), 2, "the stream ended after two events");
    assert_eq!(requests.lock().unwrap().len(), 1, "--once: one GET");
}

/// The LLM mock (`llm_mock.py`, Python's standard library) over TLS with a
/// certificate generated here; returns the process (stdin open: it serves
/// until the test drops it), its port and the CA file to trust.
fn llm_mock(dir: &Path) -> (Child, u16, std::path::PathBuf) {
    let generated =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, generated.cert.pem()).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/llm_mock.py");
    let mut child = Command::new("python3")
        .arg(script)
        .args(["--cert".as_ref(), cert.as_os_str(), "--key".as_ref(), key.as_os_str()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the LLM mock");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, line.trim().parse().expect("the mock prints its port"), cert)
}

/// The README's LLM example, against the mock over https:// with
/// `--cacert`: the prompt is posted once, every event arrives with its
/// escapes decoded by the consumer; a wrong key prints the API's message
/// and exits 4; without `--cacert` the certificate is refused (status 3).
#[test]
fn tail_posts_a_prompt_over_https_to_an_llm_api() {
    let dir = std::env::temp_dir().join(format!("sse-cli-llm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mut mock, port, ca) = llm_mock(&dir);
    let url = format!("https://127.0.0.1:{port}/v1/messages");
    let prompt = dir.join("prompt.json");
    std::fs::write(&prompt, r#"{"prompt":"hi"}"#).unwrap();
    let data = format!("@{}", prompt.display());
    let ca = ca.to_str().unwrap();
    let common = ["tail", "--json", "--cacert", ca, "-H", "Content-Type: application/json"];

    let mut argv = common.to_vec();
    argv.extend(["-H", "x-api-key: test-key", "--data", &data, "--timeout", "20", &url]);
    let output = sse(&argv, b"");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let events = json_lines(&output.stdout);
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "ping",
            "message_stop"
        ]
    );
    let text: String = events
        .iter()
        .filter(|e| e.event_type == "content_block_delta")
        .map(|e| {
            let data: serde_json::Value = serde_json::from_str(&e.data).unwrap();
            data["delta"]["text"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(text, "héllo 😀 hi", "escapes and surrogate pairs decode");

    let mut argv = common.to_vec();
    argv.extend(["-H", "x-api-key: wrong", "--data", &data, &url]);
    let output = sse(&argv, b"");
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("server answered 401 Unauthorized: {\"type\": \"error\"")
            && stderr(&output).contains("invalid x-api-key"),
        "{}",
        stderr(&output)
    );

    let output = sse(&["tail", "--data", &data, &url], b"");
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("certificate"), "{}", stderr(&output));

    drop(mock.stdin.take());
    let _ = mock.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--idle-timeout`: a stream that goes silent (the server holds the
/// connection and sends nothing) is left and resumed.
#[test]
fn tail_leaves_a_silent_stream_after_the_idle_timeout() {
    let url =
        answering("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 1\ndata: a\n\n");
    let args = ["tail", "--json", "--idle-timeout", "0.3", "--reconnect-ms", "10"];
    let mut argv = args.to_vec();
    argv.extend(["--max-events", "2", "--timeout", "20", &url]);
    let output = sse(&argv, b"");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(json_lines(&output.stdout).len(), 2);
    assert!(stderr(&output).contains("nothing received for 300 ms"), "{}", stderr(&output));
    assert!(stderr(&output).contains("reconnected (Last-Event-ID: \"1\")"), "{}", stderr(&output));
}

/// Two `sse serve --redis` instances share one Redis Stream: a tail on one
/// gets the lines fed to both, in order; a client resumes on the other
/// instance from an id the first served; an id the stream does not hold
/// gets `reset`.
#[test]
fn serve_instances_share_one_redis_stream() {
    let redis = sse_tests::redis_server::RedisServer::start(false);
    let url = redis.url();
    let shared = ["--redis", url.as_str(), "--stream", "cli-test"];
    let (port_a, port_b) = (free_port(), free_port());
    let mut a = serve_with(port_a, &shared);
    let mut b = serve_with(port_b, &shared);
    let on = |port: u16| format!("http://127.0.0.1:{port}/events");
    let (mut tail, _status) =
        tail_connected(&["--json", "--wait", "--max-events", "20", "--timeout", "30", &on(port_a)]);
    // B must be up before it is fed (a tail waits for it).
    drop(tail_connected(&["--wait", "--max-events", "1", "--timeout", "30", &on(port_b)]));
    let mut events = BufReader::new(tail.0.stdout.take().unwrap());
    let mut next = || {
        let mut json = String::new();
        assert!(events.read_line(&mut json).unwrap() > 0, "tail ended early");
        serde_json::from_str::<JsonEvent>(&json).unwrap()
    };
    feed(&mut b, 1..=10);
    let mut got: Vec<JsonEvent> = (1..=10).map(|_| next()).collect();
    feed(&mut a, 11..=20);
    got.extend((11..=20).map(|_| next()));
    let lines: Vec<&str> = got.iter().map(|e| e.data.as_str()).collect();
    assert_eq!(lines, (1..=20).map(|n| format!("line {n}")).collect::<Vec<_>>());
    assert!(got.windows(2).all(|w| stream_id(&w[0].id) < stream_id(&w[1].id)), "{got:?}");
    // Cut after line 5 on A; resume on B.
    let resumed = sse(
        &["tail", "--json", "--max-events", "15", "--timeout", "30"]
            .into_iter()
            .chain(["--last-event-id", got[4].id.as_str(), &on(port_b)])
            .collect::<Vec<_>>(),
        b"",
    );
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert_eq!(json_lines(&resumed.stdout), got[5..]);
    let unknown = sse(
        &["tail", "--json", "--max-events", "1", "--timeout", "30", "--last-event-id", "1-0"]
            .into_iter()
            .chain([on(port_a).as_str()])
            .collect::<Vec<_>>(),
        b"",
    );
    let reset = json_lines(&unknown.stdout);
    assert_eq!((reset[0].event_type.as_str(), reset[0].data.as_str()), ("reset", "1-0"));
}

/// `sse serve` keeps at most `--max-line` bytes of an input line: a longer
/// one is skipped with a message (it once took 619 MB for a 200 MiB line)
/// and the next line is served.
#[test]
fn serve_skips_an_over_long_input_line_and_goes_on() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = Running(
        Command::new(SSE)
            .args(["serve", "--max-line", "1000", "--addr", &addr])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut status = BufReader::new(server.0.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("serving") {
        line.clear();
        assert!(status.read_line(&mut line).unwrap() > 0, "serve exited");
    }
    let url = format!("http://{addr}/events");
    let mut tail = Running(
        Command::new(SSE)
            .args(["tail", "--json", "--max-events", "1", "--timeout", "20", &url])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut tail_status = BufReader::new(tail.0.stderr.take().unwrap());
    let mut connected = String::new();
    while !connected.contains("connected to") {
        connected.clear();
        assert!(tail_status.read_line(&mut connected).unwrap() > 0, "tail exited");
    }
    let stdin = server.0.stdin.as_mut().unwrap();
    stdin.write_all(&vec![b'x'; 5 << 20]).unwrap();
    stdin.write_all(b"\nfits\n").unwrap();
    stdin.flush().unwrap();
    // The tail stops after one event (or its timeout): read it first, so
    // that a regression fails here instead of waiting for a message.
    let mut out = String::new();
    tail.0.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let events = json_lines(out.as_bytes());
    assert_eq!(events[0].data, "fits");
    stream_id(&events[0].id);
    line.clear();
    status.read_line(&mut line).unwrap();
    assert!(line.contains("skipped a line of 5242880 bytes, over --max-line 1000"), "{line}");
}

/// `sse tail --comments` prints comment lines too.
#[test]
fn tail_prints_comments_when_asked() {
    let url = answering(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 23\r\n\r\n: ping\n\ndata: x\n\n: bye\n",
    );
    let output =
        sse(&["tail", "--json", "--comments", "--max-events", "1", "--timeout", "10", &url], b"");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(out.lines().next(), Some(r#"{"comment":"ping"}"#), "{out}");
    assert!(out.contains(r#""data":"x""#), "{out}");
    let output = sse(&["tail", "--comments", "--max-events", "1", "--timeout", "10", &url], b"");
    assert!(String::from_utf8_lossy(&output.stdout).starts_with(": ping\n"));
}

/// `--tls-self-signed`: the demo serves HTTPS with a certificate made
/// now, prints its fingerprint and writes it as PEM; `sse tail --cacert`
/// trusts that file and gets ticks. `serve` takes a certificate and key
/// from files.
#[test]
fn serve_and_demo_over_tls() {
    let port = free_port();
    let mut demo = Running(
        Command::new(SSE)
            .args(["demo", "--tls-self-signed", "--addr", &format!("127.0.0.1:{port}")])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut status = BufReader::new(demo.0.stderr.take().unwrap());
    let (mut pem_path, mut fingerprint) = (None, None);
    let mut line = String::new();
    while !line.contains("open https://") {
        line.clear();
        assert!(status.read_line(&mut line).unwrap() > 0, "the demo exited early");
        if let Some(path) = line.trim().strip_prefix("sse: self-signed certificate written to ") {
            pem_path = Some(path.to_owned());
        }
        if let Some(print) = line.trim().strip_prefix("sse: certificate SHA-256 fingerprint ") {
            fingerprint = Some(print.to_owned());
        }
    }
    assert!(line.contains(&format!("https://localhost:{port}/")), "{line}");
    let pem_path = pem_path.expect("the PEM path is printed");
    let pem = std::fs::read_to_string(&pem_path).unwrap();
    let der = sse_tokio::pem_certificates(pem.as_bytes()).unwrap().remove(0);
    let digest = ring::digest::digest(&ring::digest::SHA256, &der);
    let hex: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(fingerprint.as_deref(), Some(hex.join(":").as_str()));

    let url = format!("https://localhost:{port}/events/stream");
    let common = ["tail", "--json", "--wait", "--max-events", "2", "--timeout", "30"];
    let output = sse(&[&common[..], &["--cacert", &pem_path, &url]].concat(), b"");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(json_lines(&output.stdout).len(), 2);
    // Without trusting it, the certificate is refused.
    let refused = sse(&[&common[..], &[&url[..]]].concat(), b"");
    assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));
    drop(demo);

    // serve --tls-cert/--tls-key with files of the user's.
    let dir = std::env::temp_dir().join(format!("sse-cli-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, generated.cert.pem()).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    let port = free_port();
    let mut server = Running(
        Command::new(SSE)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .args(["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("https://localhost:{port}/events");
    let args = ["--json", "--wait", "--max-events", "1", "--timeout", "30", "--cacert"];
    let (mut tail, _status) =
        tail_connected(&[&args[..], &[cert.to_str().unwrap(), &url]].concat());
    feed(&mut server, 1..=1);
    let mut out = String::new();
    tail.0.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(out.contains("\"data\":\"line 1\""), "{out}");
    // A key that does not parse is a usage error with a message.
    std::fs::write(&key, "not a key").unwrap();
    let bad = sse(
        &["serve", "--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()],
        b"",
    );
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("key.pem"), "{}", stderr(&bad));
    let _ = std::fs::remove_dir_all(&dir);
}
