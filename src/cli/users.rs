//! `laborstat users`: the accounts of `laborstat serve` — one per township (by its roster
//! code) and the district's. The password is read from the terminal's standard input, one
//! line, never from the command line (where other users of the machine could see it).

use std::io::BufRead;

use clap::{Args, Subcommand};

use super::{load_plan, ExitStatus, PipelineArgs};
use crate::serve::accounts::{Accounts, Role};

#[derive(Debug, Args)]
pub struct UsersArgs {
    #[command(subcommand)]
    pub action: UsersAction,
}

#[derive(Debug, Subcommand)]
pub enum UsersAction {
    /// 发放（或重设）一个账户；密码在终端中输入两次（不显示），或从标准输入读一行
    Add {
        #[command(flatten)]
        pipeline: PipelineArgs,
        /// 账户名称
        #[arg(long)]
        account: String,
        /// 街道乡镇账户：它在名单中的代码
        #[arg(
            long,
            conflicts_with = "district",
            required_unless_present = "district"
        )]
        township: Option<String>,
        /// 区县账户
        #[arg(long)]
        district: bool,
    },
    /// 列出账户
    List {
        #[command(flatten)]
        pipeline: PipelineArgs,
    },
    /// 删除一个账户
    Remove {
        #[command(flatten)]
        pipeline: PipelineArgs,
        #[arg(long)]
        account: String,
    },
}

pub fn users(args: UsersArgs) -> anyhow::Result<ExitStatus> {
    match args.action {
        UsersAction::Add {
            pipeline,
            account,
            township,
            district,
        } => {
            let Some(plan) = load_plan(&pipeline, None, None)? else {
                return Ok(ExitStatus::Error);
            };
            let role = match (township, district) {
                (Some(code), _) => {
                    let roster = ingest::roster::Roster::load(&plan.roster, &plan.period)
                        .map_err(anyhow::Error::msg)?;
                    if roster.get(&code).is_none() {
                        eprintln!("错误：名单中没有代码为 {code} 的单位");
                        return Ok(ExitStatus::Error);
                    }
                    Role::Township { code }
                }
                (None, _) => Role::District,
            };
            let password = read_password()?;
            let password = password.as_str();
            if password.chars().count() < 8 {
                eprintln!("错误：密码至少 8 个字符（从标准输入读一行）");
                return Ok(ExitStatus::Error);
            }
            let dir = crate::serve::serve_dir(&plan);
            let mut accounts = Accounts::load(&dir)?;
            accounts.set(&account, role, password)?;
            accounts.save(&dir)?;
            println!(
                "laborstat users：账户 {account} 已保存（{}）",
                Accounts::path(&dir).display()
            );
            Ok(ExitStatus::Success)
        }
        UsersAction::List { pipeline } => {
            let Some(plan) = load_plan(&pipeline, None, None)? else {
                return Ok(ExitStatus::Error);
            };
            let accounts = Accounts::load(&crate::serve::serve_dir(&plan))?;
            for account in accounts.list() {
                match &account.role {
                    Role::District => println!("{}  区县", account.name),
                    Role::Township { code } => println!("{}  街道乡镇 {code}", account.name),
                }
            }
            Ok(ExitStatus::Success)
        }
        UsersAction::Remove { pipeline, account } => {
            let Some(plan) = load_plan(&pipeline, None, None)? else {
                return Ok(ExitStatus::Error);
            };
            let dir = crate::serve::serve_dir(&plan);
            let mut accounts = Accounts::load(&dir)?;
            if !accounts.remove(&account) {
                eprintln!("错误：没有账户 {account}");
                return Ok(ExitStatus::Error);
            }
            accounts.save(&dir)?;
            println!("laborstat users：账户 {account} 已删除");
            Ok(ExitStatus::Success)
        }
    }
}

/// The password: one line from standard input. At a terminal it is asked for without being
/// shown, twice, and the two must agree; piped in (a script issuing many accounts) it is
/// read as it comes.
fn read_password() -> anyhow::Result<String> {
    let line = |prompt: &str| -> std::io::Result<String> {
        let mut text = String::new();
        let at_terminal = hidden_input(true);
        if at_terminal {
            eprint!("{prompt}");
        }
        let read = std::io::stdin().lock().read_line(&mut text);
        if at_terminal {
            hidden_input(false);
            eprintln!();
        }
        read?;
        Ok(text.trim_end_matches(['\r', '\n']).to_string())
    };
    let password = line("密码（输入时不显示）：")?;
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        let again = line("再输入一次：")?;
        if again != password {
            anyhow::bail!("两次输入的密码不一致，账户未保存");
        }
    }
    Ok(password)
}

/// Turns the terminal's echo off (`hide`) or back on; whether standard input is a terminal.
#[cfg(unix)]
fn hidden_input(hide: bool) -> bool {
    use std::os::fd::AsRawFd;
    let fd = std::io::stdin().as_raw_fd();
    // SAFETY: tcgetattr/tcsetattr on standard input with a zeroed termios they fill in.
    unsafe {
        let mut mode: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut mode) != 0 {
            return false;
        }
        if hide {
            mode.c_lflag &= !libc::ECHO;
        } else {
            mode.c_lflag |= libc::ECHO;
        }
        libc::tcsetattr(fd, libc::TCSANOW, &mode) == 0
    }
}

#[cfg(not(unix))]
fn hidden_input(_hide: bool) -> bool {
    false
}
