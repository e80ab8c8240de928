//! Prints the events of a stream, reconnecting as a browser would.
//!
//! ```text
//! cargo run -p sse-tokio --example client -- http://127.0.0.1:8080/events/stream
//! ```

use sse_tokio::{ClientError, EventSource};

#[tokio::main]
async fn main() {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: client URL   (e.g. http://127.0.0.1:8080/events/stream)");
        std::process::exit(2);
    };
    let mut source = match EventSource::new(&url) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    while let Some(event) = source.next_event().await {
        match event {
            Ok(event) => println!("[{}] id={} {}", event.event_type, event.id, event.data),
            Err(ClientError::Failed(reason)) => {
                eprintln!("stopped: {reason}");
                std::process::exit(1);
            }
            Err(e) => eprintln!("skipped: {e}"),
        }
    }
}
