//! The `laborstat` binary: parses the command line and hands over to `cli`, whose exit
//! status becomes the process exit code (0 ok, 1 findings, 2 error).

use clap::Parser;

fn main() -> std::process::ExitCode {
    // Rust ignores SIGPIPE, so printing into a closed pipe (`laborstat query … | head`)
    // would panic; a command-line tool ends quietly instead, as `cat` does.
    #[cfg(unix)]
    // SAFETY: called first thing, before any other thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args = laborstat::cli::Cli::parse();
    laborstat::cli::main(args).into()
}
