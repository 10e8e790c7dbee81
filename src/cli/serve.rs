//! `laborstat serve PIPELINE [--listen 127.0.0.1:8080]`: the web application
//! ([`crate::serve`]), on loopback unless told otherwise.

use std::net::SocketAddr;

use clap::Args;

use super::{load_plan, ExitStatus, PipelineArgs};

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// 监听的地址和端口（默认只在本机：127.0.0.1:8080；端口 0 为任一空闲端口）
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitStatus> {
    let Some(plan) = load_plan(&args.pipeline, None, None)? else {
        return Ok(ExitStatus::Error);
    };
    // A server outlives its clients: a closed connection is not a reason to end.
    #[cfg(unix)]
    // SAFETY: before the runtime starts any thread; SIG_IGN is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let accounts = crate::serve::accounts::Accounts::load(&crate::serve::serve_dir(&plan))?;
    if accounts.list().is_empty() {
        eprintln!(
            "提示：还没有账户；先用 laborstat users add {} --account 名称 --district（或 --township 代码）发放账户",
            args.pipeline.pipeline.display()
        );
    }
    if !args.listen.ip().is_loopback() {
        eprintln!(
            "注意：监听 {}，本机以外的电脑也能访问；请确认这是你要的",
            args.listen
        );
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(crate::serve::serve(plan, args.listen, |address| {
        // The first line says where it listens (a test reads it to find a free port).
        println!("laborstat serve：http://{address}/ （按 Ctrl+C 停止）");
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }))?;
    Ok(ExitStatus::Success)
}
