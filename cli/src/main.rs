//! scarlet-cli: the command-line client, a drop-in for redis-cli 7.0.
//!
//! This file only dispatches: parse the options, pick the mode (a special mode, the
//! interactive prompt when no command is given, or one command from argv), and exit with
//! redis-cli's status codes. Connection handling is in `session`, printing in `format`,
//! the prompt in `repl`, the special modes in `modes`.

mod conn;
mod format;
mod help;
mod help_table;
mod ldb;
mod modes;
mod options;
mod repl;
mod session;
mod signals;
mod tls;

use std::io::{IsTerminal, Read};

use options::{Mode, Parsed};
use session::Session;

fn main() {
    let stdout_tty = std::io::stdout().is_terminal();
    let fake_tty = std::env::var_os("FAKETTY").is_some();
    let (mut config, command) =
        match options::parse(std::env::args_os().skip(1).collect(), stdout_tty, fake_tty) {
            Parsed::Run(config, command) => (*config, command),
            Parsed::Print(text) => {
                session::emit(text.as_bytes());
                std::process::exit(0);
            }
            Parsed::Fail(text) => {
                eprintln!("{text}");
                std::process::exit(1);
            }
        };
    if config.askpass {
        config.auth = repl::ask_password("Please input password: ");
    }
    let mode = config.mode.clone();
    let mut session = Session::new(config);
    let connect_or_exit = |session: &mut Session| {
        if !session.connect(false, false) {
            std::process::exit(1);
        }
    };
    match mode {
        Mode::Command => {}
        Mode::Latency => {
            connect_or_exit(&mut session);
            modes::latency::latency(&mut session);
        }
        Mode::LatencyDist => {
            connect_or_exit(&mut session);
            modes::latency::latency_dist(&mut session);
        }
        Mode::Replica => {
            connect_or_exit(&mut session);
            modes::replica::replica(&mut session);
        }
        Mode::Rdb {
            file,
            functions_only,
        } => {
            connect_or_exit(&mut session);
            modes::replica::rdb(&mut session, &file, functions_only);
        }
        Mode::Pipe => {
            connect_or_exit(&mut session);
            modes::pipe::pipe(&mut session);
        }
        Mode::BigKeys => {
            connect_or_exit(&mut session);
            modes::keys::big_keys(&mut session, false);
        }
        Mode::MemKeys => {
            connect_or_exit(&mut session);
            modes::keys::big_keys(&mut session, true);
        }
        Mode::HotKeys => {
            connect_or_exit(&mut session);
            modes::keys::hot_keys(&mut session);
        }
        Mode::Stat => {
            connect_or_exit(&mut session);
            modes::stat::stat(&mut session);
        }
        Mode::Scan => {
            connect_or_exit(&mut session);
            modes::keys::scan(&mut session);
        }
        Mode::LruTest(keys) => {
            connect_or_exit(&mut session);
            modes::lru::lru_test(&mut session, keys);
        }
        Mode::IntrinsicLatency(seconds) => modes::latency::intrinsic(seconds),
    }

    if command.is_empty() && session.config.eval.is_none() {
        signals::install(signals::OnInterrupt::Interactive);
        session.connect(false, false);
        repl::run(&mut session);
        std::process::exit(0);
    }
    if let Some(file) = session.config.eval.clone() {
        if !session.connect(false, false) {
            std::process::exit(1);
        }
        std::process::exit(modes::eval(&mut session, &file, &command));
    }
    session.connect(false, true);
    std::process::exit(noninteractive(&mut session, command));
}

/// Everything standard input holds, as one argument (`-x`, `-X`).
fn read_stdin_arg() -> Vec<u8> {
    let mut arg = Vec::new();
    if let Err(error) = std::io::stdin().lock().read_to_end(&mut arg) {
        eprintln!("Reading from standard input: {error}");
        std::process::exit(1);
    }
    arg
}

/// Runs the command given on the command line; the exit status.
fn noninteractive(session: &mut Session, command: Vec<Vec<u8>>) -> i32 {
    let mut args = if session.config.quoted_input {
        let unquoted: Option<Vec<Vec<u8>>> =
            command.iter().map(|arg| options::unquote(arg)).collect();
        match unquoted {
            Some(args) => args,
            None => {
                session::emit(b"Invalid quoted string\n");
                return 1;
            }
        }
    } else {
        command
    };
    if session.config.stdin_lastarg {
        args.push(read_stdin_arg());
    } else if let Some(tag) = session.config.stdin_tag.clone() {
        match args.iter_mut().find(|arg| **arg == tag) {
            Some(arg) => *arg = read_stdin_arg(),
            None => {
                eprintln!("Using -X option but stdin tag not match.");
                return 1;
            }
        }
    }
    if session.issue(&args) { 0 } else { 1 }
}
