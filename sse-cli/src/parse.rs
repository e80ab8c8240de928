//! `sse parse`: events from stdin or a file, read incrementally.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;

use sse_core::{Limits, Parser};

use crate::exit;
use crate::output::Printer;

/// Parse an event stream from stdin or a file and print its events.
///
/// Reads in 64 KiB pieces with memory bounded by --max-event-bytes,
/// however large the input. An event over a limit stops it with status 5.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  curl -sN https://example.test/events | sse parse
  sse parse --json capture.txt | jq .data")]
pub(crate) struct Args {
    /// The stream to read (default: stdin).
    file: Option<PathBuf>,
    /// Print one JSON object per line: {\"type\", \"data\", \"id\"}.
    #[arg(long)]
    json: bool,
    /// Largest event data accepted, in bytes.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    max_event_bytes: usize,
}

pub(crate) fn run(args: &Args) -> u8 {
    let mut input: Box<dyn Read> = match &args.file {
        Some(path) => match File::open(path) {
            Ok(file) => Box::new(file),
            Err(e) => {
                eprintln!("sse: cannot open {}: {e}", path.display());
                return exit::IO;
            }
        },
        None => Box::new(io::stdin().lock()),
    };
    let limits = Limits::DEFAULT;
    let size = args.max_event_bytes.saturating_add(limits.reserved_bytes()).max(1);
    let Ok(mut parser) = Parser::with_limits(vec![0u8; size], limits) else {
        eprintln!("sse: --max-event-bytes is too small");
        return exit::USAGE;
    };
    let mut printer = Printer::new(args.json);
    let mut buf = vec![0u8; 64 * 1024];
    let mut events = 0u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("sse: reading the input failed: {e}");
                return exit::IO;
            }
        };
        let mut rest = &buf[..n];
        while let Some(item) = parser.next(&mut rest) {
            match item {
                Ok(event) => {
                    events += 1;
                    if let Err(e) = printer.event(event.event_type, event.data, event.id) {
                        return output_failed(&e);
                    }
                }
                Err(e) => {
                    eprintln!(
                        "sse: event {} is over a limit: {e} (see --max-event-bytes)",
                        events + 1
                    );
                    return exit::LIMIT;
                }
            }
        }
    }
    parser.finish();
    0
}

/// A closed pipe (`| head`) is a normal end; anything else is an error.
pub(crate) fn output_failed(e: &io::Error) -> u8 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        0
    } else {
        eprintln!("sse: writing the output failed: {e}");
        exit::IO
    }
}
