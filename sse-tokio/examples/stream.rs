//! The seed service: a ticker that streams a typed event every second (see
//! `sse_tokio::demo`).
//!
//! ```text
//! cargo run -p sse-tokio --example stream [-- --addr 127.0.0.1:8080]
//! ```

use std::time::Duration;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut addr = "127.0.0.1:8080".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().expect("--addr needs a value, e.g. 127.0.0.1:8080"),
            "-h" | "--help" => {
                println!("usage: stream [--addr HOST:PORT]   (default 127.0.0.1:8080)");
                return Ok(());
            }
            other => {
                eprintln!("unknown argument {other:?}; try --help");
                std::process::exit(2);
            }
        }
    }
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("open http://{}/ (events at /events/stream); Ctrl-C stops", listener.local_addr()?);
    sse_tokio::demo::serve(listener, Duration::from_secs(1), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
