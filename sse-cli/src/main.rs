//! `sse`: tail, parse and serve Server-Sent Event streams. Built only on
//! sse-core and sse-tokio.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod output;
mod parse;
mod serve;
mod tail;
mod tls;

/// Exit statuses, for scripts.
pub(crate) mod exit {
    /// An I/O error (reading input, writing output).
    pub const IO: u8 = 1;
    /// A usage error: bad flags, a bad URL or header.
    pub const USAGE: u8 = 2;
    /// The server could not be reached.
    pub const CONNECT: u8 = 3;
    /// The server answered, but not with an event stream (its status,
    /// content type and message are printed).
    pub const NOT_A_STREAM: u8 = 4;
    /// An event exceeded a limit.
    pub const LIMIT: u8 = 5;
    /// `--timeout` elapsed.
    pub const TIMEOUT: u8 = 6;
}

const AFTER_HELP: &str = "\
Exit status: 0 done, 1 I/O error, 2 usage error, 3 cannot connect,
4 not an event stream (wrong status, content type or encoding; the
server's message is printed), 5 an event over a limit, 6 timed out.";

/// Tail, parse and serve Server-Sent Event streams (`text/event-stream`).
#[derive(Parser, Debug)]
#[command(name = "sse", version, about, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Tail(tail::Args),
    Parse(parse::Args),
    Serve(serve::Args),
    Demo(serve::DemoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let status = match cli.command {
        Command::Parse(args) => parse::run(&args),
        command => {
            let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
                Ok(runtime) => runtime,
                Err(e) => {
                    eprintln!("sse: cannot start the runtime: {e}");
                    return ExitCode::from(exit::IO);
                }
            };
            runtime.block_on(async {
                match command {
                    Command::Tail(args) => tail::run(args).await,
                    Command::Serve(args) => serve::run(args).await,
                    Command::Demo(args) => serve::demo(args).await,
                    Command::Parse(_) => unreachable!("handled above"),
                }
            })
        }
    };
    ExitCode::from(status)
}
