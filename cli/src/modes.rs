//! The special modes that replace running one command: --eval here, the others in their
//! own files (--pipe, --scan/--bigkeys/--memkeys/--hotkeys, --stat, the latency modes,
//! --lru-test, --replica/--rdb). Each mode takes a connected [`Session`] and usually exits itself.

pub mod keys;
pub mod latency;
pub mod lru;
pub mod pipe;
pub mod replica;
pub mod stat;

use crate::session::Session;

/// `--eval file key1 key2 , arg1 arg2`: EVAL with the script from the file; the exit status.
pub fn eval(session: &mut Session, file: &str, args: &[Vec<u8>]) -> i32 {
    let script = match std::fs::read(file) {
        Ok(script) => script,
        Err(error) => {
            eprintln!("Can't open file '{file}': {}", crate::conn::io_text(&error));
            std::process::exit(1);
        }
    };
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
    if session.issue(&command) { 0 } else { 1 }
}
