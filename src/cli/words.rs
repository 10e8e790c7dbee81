//! The command line's own words in Chinese: clap writes its headings ("Usage:",
//! "Options:"), its `-h`/`-V` help lines, its `help` subcommand and its errors in English.
//! Here the command is rebuilt with Chinese headings and help flags, and a mistake on the
//! command line is told in Chinese with the usage and where to read more.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, CommandFactory, FromArgMatches};

use super::Cli;

const TEMPLATE: &str = "{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

/// Parses the process's arguments; prints help, the version or a mistake and exits as clap
/// would (0 for help and version, 2 for a mistake).
pub fn parse() -> Cli {
    let command = chinese(Cli::command(), true);
    let parsed = command
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    match parsed {
        Ok(cli) => cli,
        Err(error) => {
            match error.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let help = localise(&error.render().to_string());
                    if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        eprint!("{help}");
                    } else {
                        print!("{help}");
                    }
                    std::process::exit(
                        if error.kind() == ErrorKind::DisplayVersion
                            || error.kind() == ErrorKind::DisplayHelp
                        {
                            0
                        } else {
                            2
                        },
                    )
                }
                _ => {}
            }
            eprintln!("错误：{}", mistake(&error));
            // The usage of the (sub)command the mistake is in, as clap rendered it.
            if let Some(ContextValue::StyledStr(usage)) = error.get(ContextKind::Usage) {
                let usage = usage.to_string();
                eprintln!(
                    "\n用法：{}",
                    localise(usage.trim_start_matches("Usage: ").trim())
                );
            }
            eprintln!("详细说明：laborstat --help，或 laborstat <命令> --help");
            std::process::exit(2)
        }
    }
}

/// What clap writes itself inside a rendered text: the options placeholder in a usage line,
/// an option's default and possible values, the ASCII colon after a heading.
fn localise(text: &str) -> String {
    text.replace("[OPTIONS]", "[选项]")
        .replace("[default: ", "[默认：")
        .replace("[possible values: ", "[可选：")
        .replace("[aliases: ", "[别名：")
        .replace("命令:\n", "命令：\n")
        .replace("参数:\n", "参数：\n")
        .replace("选项:\n", "选项：\n")
}

/// The command and each subcommand with Chinese headings, help and version flags.
fn chinese(command: clap::Command, top: bool) -> clap::Command {
    let mut command = command
        .help_template(TEMPLATE)
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("显示本说明"),
        );
    if top {
        command = command.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本"),
        );
    }
    // Positional arguments and options under Chinese headings.
    let ids: Vec<(clap::Id, bool)> = command
        .get_arguments()
        .map(|a| (a.get_id().clone(), a.is_positional()))
        .collect();
    for (id, positional) in ids {
        command = command.mut_arg(id, |arg| {
            if arg.get_help_heading().is_some() {
                arg
            } else if positional {
                arg.help_heading("参数")
            } else {
                arg.help_heading("选项")
            }
        });
    }
    command.mut_subcommands(|sub| chinese(sub, false))
}

/// A command-line mistake in words.
fn mistake(error: &clap::Error) -> String {
    let text = |kind: ContextKind| match error.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(list)) => list.join("、"),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let suggestion = |kind: ContextKind| {
        let said = text(kind);
        if said.is_empty() {
            String::new()
        } else {
            format!("；是不是 {said}？")
        }
    };
    match error.kind() {
        ErrorKind::MissingRequiredArgument => {
            format!("缺少必须给出的参数：{}", text(ContextKind::InvalidArg))
        }
        ErrorKind::MissingSubcommand => "缺少命令（run、validate、check …）".to_string(),
        ErrorKind::InvalidSubcommand => format!(
            "没有“{}”这个命令{}",
            text(ContextKind::InvalidSubcommand),
            suggestion(ContextKind::SuggestedSubcommand)
        ),
        ErrorKind::UnknownArgument => format!(
            "不认识的选项“{}”{}",
            text(ContextKind::InvalidArg),
            suggestion(ContextKind::SuggestedArg)
        ),
        ErrorKind::InvalidValue => {
            let valid = text(ContextKind::ValidValue);
            format!(
                "{} 的值“{}”不可用{}",
                text(ContextKind::InvalidArg),
                text(ContextKind::InvalidValue),
                if valid.is_empty() {
                    String::new()
                } else {
                    format!("；可用：{valid}")
                }
            )
        }
        ErrorKind::ValueValidation => format!(
            "{} 的值“{}”不对",
            text(ContextKind::InvalidArg),
            text(ContextKind::InvalidValue)
        ),
        ErrorKind::ArgumentConflict => format!(
            "{} 不能与 {} 同时给出",
            text(ContextKind::InvalidArg),
            text(ContextKind::PriorArg)
        ),
        ErrorKind::TooManyValues => format!("{} 给了太多的值", text(ContextKind::InvalidArg)),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("{} 的值的个数不对", text(ContextKind::InvalidArg))
        }
        ErrorKind::NoEquals => format!("{} 的值要用等号连接", text(ContextKind::InvalidArg)),
        ErrorKind::InvalidUtf8 => "命令行中有不是 UTF-8 的文字".to_string(),
        _ => "命令行参数有误".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(args: &[&str]) -> String {
        let command = chinese(Cli::command(), true);
        let error = command.try_get_matches_from(args).unwrap_err();
        mistake(&error)
    }

    #[test]
    fn mistakes_are_told_in_chinese() {
        assert!(refused(&["laborstat", "run"]).contains("缺少必须给出的参数"));
        assert!(refused(&["laborstat", "frob"]).contains("没有“frob”这个命令"));
        assert!(
            refused(&["laborstat", "run", "--bogus", "a.toml"]).contains("不认识的选项“--bogus”")
        );
    }

    #[test]
    fn help_has_chinese_headings() {
        let mut command = chinese(Cli::command(), true);
        let help = command.render_help().to_string();
        assert!(help.contains("用法：") && help.contains("命令") && help.contains("显示本说明"));
        assert!(
            !help.contains("Usage") && !help.contains("Print help"),
            "{help}"
        );
        let run = command.find_subcommand_mut("run").unwrap();
        let help = run.render_help().to_string();
        assert!(help.contains("参数") && help.contains("选项"), "{help}");
        assert!(
            !help.contains("Options") && !help.contains("Arguments"),
            "{help}"
        );
        let query = command.find_subcommand_mut("query").unwrap();
        let help = localise(&query.render_help().to_string());
        assert!(
            help.contains("[默认：") && !help.contains("default"),
            "{help}"
        );
    }
}
