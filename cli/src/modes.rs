//! The special modes that replace running one command: --eval here, the others in their
//! own files (--pipe, --scan/--bigkeys/--memkeys/--hotkeys, --stat, the latency modes,
//! --lru-test, --replica/--rdb). Each mode takes a connected [`Session`] and usually exits itself.

pub mod keys;
pub mod latency;
pub mod lru;
pub mod pipe;
pub mod replica;
pub mod stat;

use crate::session::{Session, emit};

/// `--eval file key1 key2 , arg1 arg2`: EVAL with the script from the file; the exit status.
/// With `--ldb` the script runs in the Lua debugger, at the `lua debugger>` prompt, and
/// RESTART runs it again from the file.
pub fn eval(session: &mut Session, file: &str, args: &[Vec<u8>]) -> i32 {
    loop {
        if session.ldb {
            emit(
                b"Lua debugging session started. At the prompt:\n\
                  quit    -- end the session.\n\
                  restart -- run the script again in the debugger.\n\
                  help    -- the debugger's commands.\n\n",
            );
        }
        let script = match std::fs::read(file) {
            Ok(script) => script,
            Err(error) => {
                eprintln!("Can't open file '{file}': {}", crate::conn::io_text(&error));
                std::process::exit(1);
            }
        };
        if session.ldb {
            let mode = if session.config.ldb_sync {
                "sync"
            } else {
                "yes"
            };
            if let Some(conn) = session.conn.as_mut() {
                let _ = conn.command(&["SCRIPT", "DEBUG", mode]);
            }
        }
        let comma = args.iter().position(|arg| arg.as_slice() == b",");
        let (keys, rest) = match comma {
            Some(at) => (
                args.get(..at).unwrap_or_default(),
                args.get(at + 1..).unwrap_or_default(),
            ),
            None => (args, &[][..]),
        };
        let mut command = vec![
            b"EVAL".to_vec(),
            script,
            keys.len().to_string().into_bytes(),
        ];
        command.extend(keys.iter().cloned());
        command.extend(rest.iter().cloned());
        let debugging = session.ldb;
        let ok = session.issue(&command);
        if !debugging {
            return if ok { 0 } else { 1 };
        }
        if !session.ldb {
            // The session ended at once: the script did not compile. EVAL's error follows.
            emit(b"Eval debugging session can't start:\n");
            let _ = session.read_reply(false);
            return if ok { 0 } else { 1 };
        }
        if !crate::repl::run(session) {
            std::process::exit(0);
        }
        session.connect(true, false);
        emit(b"\n");
    }
}
