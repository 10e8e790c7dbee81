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
    /// 发放（或重设）一个账户；密码从标准输入读一行
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
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
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
