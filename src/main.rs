//! The `laborstat` binary: parses the command line and hands over to `cli`, whose exit
//! status becomes the process exit code (0 ok, 1 findings, 2 error).

fn main() -> std::process::ExitCode {
    // Rust ignores SIGPIPE, so printing into a closed pipe (`laborstat query … | head`)
    // would panic; a command-line tool ends quietly instead, as `cat` does.
    #[cfg(unix)]
    // SAFETY: called first thing, before any other thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // A reader library that panics on a malformed file is caught in ingest and the file
    // reported as unreadable (the run goes on); the default hook would still print the
    // library's English text. Say it in Chinese, keeping the place for a maintainer.
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("程序内部出错（如发生在读取某个文件时，该文件已记为无法读取，其余照常处理；供维护者参考：{place} {payload}）");
    }));
    let args = laborstat::cli::words::parse();
    laborstat::cli::main(args).into()
}
