//! `mailflow`: one binary to run a relay node and to look at it.

use clap::Parser;
use mailflow::cli::{Cli, Command};
use mailflow::config::Config;
use mailflow::{
    alerts, check_config, demo, fix, insights, logging, nodes, orgs, queue, serve, settings, token,
    trace, user,
};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::CheckConfig { file } => check(&file),
        Command::Serve { config } => {
            logging::init(cli.log_format);
            let config = match config {
                Some(path) => match Config::load(&path) {
                    Ok(config) => config,
                    Err(error) => return fail(&error),
                },
                None => Config::embedded_defaults(),
            };
            let result = runtime().block_on(serve::run(config));
            result.map_or_else(|error| fail(&error), |()| ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            logging::init(cli.log_format);
            let result = runtime().block_on(demo::run(args));
            result.map_or_else(|error| fail(&error), |()| ExitCode::SUCCESS)
        }
        Command::Queue(args) => match runtime().block_on(queue::run(&args.api, args.command)) {
            Ok(output) => {
                println!("{output}");
                ExitCode::SUCCESS
            }
            Err(error) => fail(&error),
        },
        Command::Fix(args) => {
            print_or_fail(runtime().block_on(fix::run_fix(&args.api, args.command, args.json)))
        }
        Command::Connector(args) => {
            match runtime().block_on(fix::run_connector(&args.api, args.command, args.json)) {
                Ok(printed) => {
                    println!("{}", printed.text);
                    if printed.success {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    }
                }
                Err(error) => fail(&error),
            }
        }
        Command::Domain(args) => print_or_fail(runtime().block_on(settings::domain::run(&args))),
        Command::Directory(args) => {
            print_or_fail(runtime().block_on(settings::directory::run(&args)))
        }
        Command::Apply(args) => print_or_fail(runtime().block_on(settings::apply::run(&args))),
        Command::Export(args) => print_or_fail(runtime().block_on(settings::export::run(&args))),
        Command::Alerts(args) => print_or_fail(runtime().block_on(alerts::run(&args))),
        Command::Insights(args) => print_or_fail(runtime().block_on(insights::run(&args))),
        Command::Trace(args) => print_or_fail(runtime().block_on(trace::run(&args))),
        Command::Node(args) => print_or_fail(runtime().block_on(nodes::run(&args))),
        Command::Org(args) => print_or_fail(runtime().block_on(orgs::run(&args))),
        Command::User(args) => {
            let stdin = std::io::stdin().lock();
            match runtime().block_on(user::run(args, stdin)) {
                Ok(output) => {
                    println!("{output}");
                    ExitCode::SUCCESS
                }
                Err(error) => fail(&error),
            }
        }
        Command::Token(args) => match runtime().block_on(token::run(args, std::io::stdin().lock()))
        {
            Ok(output) => {
                println!("{output}");
                ExitCode::SUCCESS
            }
            Err(error) => fail(&error),
        },
    }
}

fn print_or_fail<E: std::fmt::Display>(result: Result<String, E>) -> ExitCode {
    match result {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error),
    }
}

fn check(file: &std::path::Path) -> ExitCode {
    match Config::load(file) {
        Ok(config) => {
            for warning in &config.warnings {
                eprintln!("warning: {warning}");
            }
            println!("{}", check_config::summary(&config));
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error),
    }
}

fn fail(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::FAILURE
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts")
}
