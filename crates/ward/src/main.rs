//! The `ward` binary: parses the command line, sets up logging, runs one command and maps its
//! outcome to an exit code (0 ok, 1 runtime failure, 2 usage or config error).

use clap::Parser;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use ward::{cli, commands, config};

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return report(&anyhow::Error::new(error).context("cannot start the runtime"));
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => report(&error),
    }
}

/// Prints the error chain on one line and picks the exit code.
fn report(error: &anyhow::Error) -> ExitCode {
    let code = if error.chain().any(|cause| cause.is::<config::ConfigError>()) {
        2
    } else {
        1
    };
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "ward: {error:#}");
    ExitCode::from(code)
}

/// Logs go to stderr: warnings by default, more with -v, `RUST_LOG` wins when set.
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
