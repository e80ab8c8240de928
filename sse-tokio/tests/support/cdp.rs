//! A small Chrome DevTools Protocol client for browser tests: starts
//! headless Chromium with a debugging port, attaches to its page over a
//! WebSocket, and evaluates JavaScript there (clicks, reloads, reads of
//! the DOM), as a user would act on the page.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

/// A headless Chromium showing one page, driven over the DevTools
/// protocol. Killed (and its profile removed) on drop.
pub struct Page {
    child: Child,
    profile: PathBuf,
    socket: TcpStream,
    next_id: u64,
}

impl Drop for Page {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Page {
    /// Opens `url` in a new headless Chromium (`extra` flags added).
    pub async fn open(chromium: &str, url: &str, extra: &[&str]) -> Page {
        let profile = std::env::temp_dir().join(format!(
            "sse-cdp-{}-{}",
            std::process::id(),
            url.len() ^ extra.len()
        ));
        let _ = std::fs::remove_dir_all(&profile);
        let child = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--remote-debugging-port=0",
            ])
            .args(extra)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        // Chromium writes the port it chose into the profile.
        let port_file = profile.join("DevToolsActivePort");
        let mut port = None;
        for _ in 0..200 {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                port = text.lines().next().and_then(|l| l.parse::<u16>().ok());
                if port.is_some() {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let port = port.expect("chromium's DevTools port");
        // The page target's WebSocket path, from /json/list.
        let mut path = None;
        for _ in 0..100 {
            let list = http_get(port, "/json/list").await;
            path = list
                .split("\"webSocketDebuggerUrl\"")
                .skip(1)
                .find(|entry| entry.contains("/devtools/page/"))
                .and_then(|entry| {
                    let start = entry.find("/devtools/page/")?;
                    let end = entry[start..].find('"')? + start;
                    Some(entry[start..end].to_owned())
                });
            if path.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let path = path.expect("a page target");
        let mut socket = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let handshake = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        );
        socket.write_all(handshake.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            socket.read_exact(&mut byte).await.unwrap();
            head.push(byte[0]);
        }
        assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
        Page { child, profile, socket, next_id: 0 }
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns
    /// its value.
    pub async fn eval(&mut self, expression: &str) -> serde_json::Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = serde_json::json!({
            "id": id,
            "method": "Runtime.evaluate",
            "params": { "expression": expression, "returnByValue": true, "awaitPromise": true },
        });
        self.send(message.to_string().as_bytes()).await;
        loop {
            let reply: serde_json::Value = serde_json::from_str(&self.receive().await).unwrap();
            if reply["id"] == id {
                return reply["result"]["result"]["value"].clone();
            }
        }
    }

    /// Evaluates `expression` every 50 ms until it is `true` (15 s at most).
    pub async fn wait_for(&mut self, what: &str, expression: &str) {
        for _ in 0..300 {
            if self.eval(expression).await == serde_json::Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the page never showed {what} ({expression})");
    }

    async fn send(&mut self, payload: &[u8]) {
        // A masked text frame (clients must mask); an all-zero mask leaves
        // the payload as it is.
        let mut frame = vec![0x81u8];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&[0, 0, 0, 0]);
        frame.extend_from_slice(payload);
        self.socket.write_all(&frame).await.unwrap();
    }

    /// The next text message (events and replies alike).
    async fn receive(&mut self) -> String {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            tokio::time::timeout(Duration::from_secs(20), self.socket.read_exact(&mut head))
                .await
                .expect("a DevTools message")
                .unwrap();
            let len = match head[1] & 0x7f {
                126 => {
                    let mut n = [0u8; 2];
                    self.socket.read_exact(&mut n).await.unwrap();
                    u16::from_be_bytes(n) as usize
                }
                127 => {
                    let mut n = [0u8; 8];
                    self.socket.read_exact(&mut n).await.unwrap();
                    u64::from_be_bytes(n) as usize
                }
                n => n as usize,
            };
            let mut payload = vec![0u8; len];
            self.socket.read_exact(&mut payload).await.unwrap();
            message.extend_from_slice(&payload);
            if head[0] & 0x80 != 0 {
                return String::from_utf8_lossy(&message).into_owned();
            }
        }
    }
}

async fn http_get(port: u16, path: &str) -> String {
    let Ok(mut socket) = TcpStream::connect(("127.0.0.1", port)).await else {
        return String::new();
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if socket.write_all(request.as_bytes()).await.is_err() {
        return String::new();
    }
    // Read until the JSON list is whole (the server may keep the
    // connection open), a second at most per read.
    let mut body = Vec::new();
    loop {
        let mut buf = [0u8; 4096];
        match tokio::time::timeout(Duration::from_secs(1), socket.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => body.extend_from_slice(&buf[..n]),
            _ => break,
        }
        if String::from_utf8_lossy(&body).trim_end().ends_with(']') {
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}
