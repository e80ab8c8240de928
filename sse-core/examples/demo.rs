//! Parses an event stream and prints each event.
//!
//! ```text
//! cargo run -p sse-core --example demo             # a built-in stream, fed in 7-byte chunks
//! curl -sN URL | cargo run -p sse-core --example demo -- --stdin
//! ```
//!
//! The built-in stream is encoded with `Frame` first, so the demo shows both
//! halves of the crate: the encoder's bytes, then the parser's events.

use std::io::Read;

use sse_core::{Frame, Parser, Status, KEEP_ALIVE};

fn print_events<B: AsRef<[u8]> + AsMut<[u8]>>(parser: &mut Parser<B>, chunk: &[u8]) {
    let mut rest = chunk;
    loop {
        let feed = parser.feed(rest);
        rest = &rest[feed.consumed..];
        match feed.status {
            Status::Event(e) => {
                println!("event={:?} id={:?} data={:?}", e.event_type, e.id, e.data);
            }
            Status::Error(e) => eprintln!("skipped an event: {e}"),
            Status::Comment(text) => println!("comment: {text:?}"),
            _ => break, // more input needed
        }
    }
}

fn built_in_stream() -> Vec<u8> {
    let mut stream = Vec::new();
    let tokens = ["Server", "-Sent", " Events", " are", " just", " text", "."];
    for (i, token) in tokens.iter().enumerate() {
        let json = format!(r#"{{"index":{i},"delta":"{token}"}}"#);
        let id = i.to_string();
        Frame::new().event("token").id(&id).data(&json).write_to(&mut stream).expect("valid frame");
    }
    stream.extend_from_slice(KEEP_ALIVE);
    Frame::new()
        .retry(2000)
        .data("multi-line\r\ndata\nis joined with LF")
        .write_to(&mut stream)
        .expect("valid frame");
    // An id with a line break would inject fields: the encoder refuses it.
    let refused = Frame::new().id("7\ndata: forged").data("x").write_to(&mut stream);
    println!("encoder refused an injected id: {:?}", refused.err());
    stream
}

fn main() -> std::io::Result<()> {
    let mut parser = Parser::new([0u8; 16 * 1024]);
    if std::env::args().any(|a| a == "--stdin") {
        let mut stdin = std::io::stdin().lock();
        let mut buf = [0u8; 8 * 1024];
        loop {
            let n = stdin.read(&mut buf)?;
            if n == 0 {
                break;
            }
            print_events(&mut parser, &buf[..n]);
        }
    } else {
        let stream = built_in_stream();
        println!(
            "--- {} bytes on the wire ---\n{}",
            stream.len(),
            String::from_utf8_lossy(&stream)
        );
        println!("--- parsed, fed 7 bytes at a time ---");
        for chunk in stream.chunks(7) {
            print_events(&mut parser, chunk);
        }
    }
    if parser.finish() {
        eprintln!("stream ended inside an event; it was discarded");
    }
    println!("last event id: {:?}, retry: {:?}", parser.last_event_id(), parser.retry());
    Ok(())
}
