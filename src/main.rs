//! The `laborstat` binary: parses the command line and hands over to `cli`, whose exit
//! status becomes the process exit code (0 ok, 1 findings, 2 error).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = laborstat::cli::Cli::parse();
    laborstat::cli::main(args).into()
}
