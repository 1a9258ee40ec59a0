//! The modes that walk the keyspace with SCAN: --scan (list keys), --bigkeys and --memkeys
//! (largest key per type, by element count or by MEMORY USAGE) and --hotkeys (highest LFU
//! counters). Their progress and summary lines are redis-cli's; Ctrl-C ends the walk early
//! and still prints the summary.

use std::sync::atomic::Ordering;
use std::time::Duration;

use scarlet_protocol::{Frame, repr};

use crate::options::Output;
use crate::session::{Session, emit};
use crate::signals::{self, CANCEL};

/// One SCAN call: the next cursor and the keys.
fn scan_once(session: &mut Session, cursor: u64) -> (u64, Vec<Vec<u8>>) {
    let cursor_text = cursor.to_string();
    let mut args: Vec<Vec<u8>> = vec![b"SCAN".to_vec(), cursor_text.into_bytes()];
    if let Some(pattern) = &session.config.pattern {
        args.push(b"MATCH".to_vec());
        args.push(pattern.clone());
    }
    if session.config.mode == crate::options::Mode::Scan
        && let Some(count) = session.config.count
    {
        args.push(b"COUNT".to_vec());
        args.push(count.to_string().into_bytes());
    }
    let reply = match session.conn.as_mut() {
        Some(conn) => conn.command(&args),
        None => Err(crate::conn::ConnError::Eof),
    };
    match reply {
        Err(_) => {
            eprintln!("\nI/O error");
            std::process::exit(1);
        }
        Ok(Frame::Error(text)) => {
            eprintln!("SCAN error: {}", String::from_utf8_lossy(&text));
            std::process::exit(1);
        }
        Ok(Frame::Array(items)) => match <[Frame; 2]>::try_from(items) {
            Ok([next, Frame::Array(keys)]) => {
                let next = crate::options::c_atoi(next.as_bytes().unwrap_or_default());
                let keys = keys
                    .into_iter()
                    .map(|k| k.as_bytes().unwrap_or_default().to_vec())
                    .collect();
                (u64::try_from(next).unwrap_or(0), keys)
            }
            _ => {
                eprintln!("Invalid element count from SCAN!");
                std::process::exit(1);
            }
        },
        Ok(_) => {
            eprintln!("Non ARRAY response from SCAN!");
            std::process::exit(1);
        }
    }
}

/// `--scan`: prints every key (quoted on a terminal).
pub fn scan(session: &mut Session) -> ! {
    signals::install(signals::OnInterrupt::StopLoop);
    let mut cursor = 0;
    loop {
        let (next, keys) = scan_once(session, cursor);
        let mut out = Vec::new();
        for key in keys {
            if session.config.output == Output::Standard {
                out.extend_from_slice(repr(&key).as_bytes());
            } else {
                // printf("%s") stops at a NUL byte.
                let end = key.iter().position(|&b| b == 0).unwrap_or(key.len());
                out.extend_from_slice(key.get(..end).unwrap_or_default());
            }
            out.push(b'\n');
        }
        emit(&out);
        if session.config.interval_us > 0 {
            std::thread::sleep(Duration::from_micros(session.config.interval_us));
        }
        cursor = next;
        if cursor == 0 || CANCEL.load(Ordering::SeqCst) {
            std::process::exit(0);
        }
    }
}

fn dbsize(session: &mut Session) -> u64 {
    match session.conn.as_mut().map(|conn| conn.command(&["DBSIZE"])) {
        Some(Ok(Frame::Integer(n))) => u64::try_from(n).unwrap_or(0),
        Some(Ok(Frame::Error(text))) => {
            eprintln!(
                "Couldn't determine DBSIZE: {}",
                String::from_utf8_lossy(&text)
            );
            std::process::exit(1);
        }
        Some(Ok(_)) => {
            eprintln!("Non INTEGER response from DBSIZE!");
            std::process::exit(1);
        }
        _ => {
            eprintln!("\nI/O error");
            std::process::exit(1);
        }
    }
}

/// Sends one command per key in a pipeline and returns the replies in order.
fn pipelined(session: &mut Session, commands: &[Vec<Vec<u8>>]) -> Vec<Frame> {
    let Some(conn) = session.conn.as_mut() else {
        std::process::exit(1);
    };
    let mut bytes = Vec::new();
    for command in commands {
        scarlet_protocol::encode_command(&mut bytes, command);
    }
    if conn.send_raw(&bytes).is_err() {
        eprintln!("\nI/O error");
        std::process::exit(1);
    }
    let mut replies = Vec::with_capacity(commands.len());
    for _ in commands {
        match conn.read_frame() {
            Ok(frame) => replies.push(frame),
            Err(error) => {
                eprintln!("Error reading replies: {error}");
                std::process::exit(1);
            }
        }
    }
    replies
}

/// Per-type statistics.
struct TypeStats {
    name: String,
    size_command: Option<&'static str>,
    unit: &'static str,
    biggest: u64,
    biggest_key: Option<String>,
    count: u64,
    total: u64,
}

fn percent(sampled: u64, total: u64) -> f64 {
    100.0 * sampled as f64 / total as f64
}

/// `%05.2f`: at least five characters, zero-padded.
fn pct_text(pct: f64) -> String {
    format!("{pct:05.2}")
}

/// `--bigkeys` (`memkeys` false) and `--memkeys`.
pub fn big_keys(session: &mut Session, memkeys: bool) -> ! {
    signals::install(signals::OnInterrupt::StopLoop);
    let builtin = [
        ("string", "STRLEN", "bytes"),
        ("list", "LLEN", "items"),
        ("set", "SCARD", "members"),
        ("hash", "HLEN", "fields"),
        ("zset", "ZCARD", "members"),
        ("stream", "XLEN", "entries"),
    ];
    let mut types: Vec<TypeStats> = builtin
        .iter()
        .map(|&(name, command, unit)| TypeStats {
            name: name.into(),
            size_command: Some(command),
            unit,
            biggest: 0,
            biggest_key: None,
            count: 0,
            total: 0,
        })
        .collect();
    let total_keys = dbsize(session);
    emit(b"\n# Scanning the entire keyspace to find biggest keys as well as\n# average sizes per key type.  You can use -i 0.1 to sleep 0.1 sec\n# per 100 SCAN commands (not usually needed).\n\n");
    let samples = session.config.memkeys_samples;
    let (mut cursor, mut sampled, mut total_len, mut loops) = (0u64, 0u64, 0u64, 0u64);
    let mut pct;
    loop {
        pct = percent(sampled, total_keys);
        let (next, keys) = scan_once(session, cursor);
        loops += 1;
        let type_commands: Vec<Vec<Vec<u8>>> = keys
            .iter()
            .map(|k| vec![b"TYPE".to_vec(), k.clone()])
            .collect();
        let kinds = pipelined(session, &type_commands);
        let mut indexes = Vec::with_capacity(keys.len());
        for (key, kind) in keys.iter().zip(&kinds) {
            let Frame::Simple(kind) = kind else {
                match kind {
                    Frame::Error(text) => {
                        eprintln!("TYPE returned an error: {}", String::from_utf8_lossy(text))
                    }
                    _ => eprintln!(
                        "Invalid reply type for TYPE on key '{}'!",
                        String::from_utf8_lossy(key)
                    ),
                }
                std::process::exit(1);
            };
            let kind = String::from_utf8_lossy(kind).into_owned();
            let index = match types.iter().position(|t| t.name == kind) {
                Some(index) => Some(index),
                None if kind != "none" => {
                    types.push(TypeStats {
                        name: kind,
                        size_command: None,
                        unit: "?",
                        biggest: 0,
                        biggest_key: None,
                        count: 0,
                        total: 0,
                    });
                    Some(types.len() - 1)
                }
                None => None,
            };
            indexes.push(index);
        }
        let needs_size = |types: &[TypeStats], index: usize| {
            memkeys || types.get(index).is_some_and(|t| t.size_command.is_some())
        };
        let mut size_commands = Vec::new();
        for (key, index) in keys.iter().zip(&indexes) {
            let Some(index) = *index else {
                continue;
            };
            if !needs_size(&types, index) {
                continue;
            }
            let command = match types.get(index).and_then(|t| t.size_command) {
                Some(command) if !memkeys => vec![command.as_bytes().to_vec(), key.clone()],
                _ if samples == 0 => vec![b"MEMORY".to_vec(), b"USAGE".to_vec(), key.clone()],
                _ => vec![
                    b"MEMORY".to_vec(),
                    b"USAGE".to_vec(),
                    key.clone(),
                    b"SAMPLES".to_vec(),
                    samples.to_string().into_bytes(),
                ],
            };
            size_commands.push(command);
        }
        let mut sizes = pipelined(session, &size_commands).into_iter();
        for (key, index) in keys.iter().zip(&indexes) {
            let Some(index) = *index else {
                continue;
            };
            let size = if !needs_size(&types, index) {
                0
            } else {
                match sizes.next() {
                    Some(Frame::Integer(n)) => u64::try_from(n).unwrap_or(0),
                    _ => {
                        let command = if memkeys {
                            "MEMORY USAGE"
                        } else {
                            types.get(index).and_then(|t| t.size_command).unwrap_or("?")
                        };
                        eprintln!(
                            "Warning:  {command} on '{}' failed (may have changed type)",
                            String::from_utf8_lossy(key)
                        );
                        0
                    }
                }
            };
            let Some(stats) = types.get_mut(index) else {
                continue;
            };
            stats.total = stats.total.saturating_add(size);
            stats.count += 1;
            total_len += key.len() as u64;
            sampled += 1;
            if stats.biggest < size {
                let quoted = repr(key);
                emit(
                    format!(
                        "[{}%] Biggest {:<6} found so far '{quoted}' with {size} {}\n",
                        pct_text(pct),
                        stats.name,
                        if memkeys { "bytes" } else { stats.unit }
                    )
                    .as_bytes(),
                );
                stats.biggest_key = Some(quoted);
                stats.biggest = size;
            }
            if sampled.is_multiple_of(1_000_000) {
                emit(format!("[{}%] Sampled {sampled} keys so far\n", pct_text(pct)).as_bytes());
            }
        }
        if session.config.interval_us > 0 && loops.is_multiple_of(100) {
            std::thread::sleep(Duration::from_micros(session.config.interval_us));
        }
        cursor = next;
        if cursor == 0 || CANCEL.load(Ordering::SeqCst) {
            break;
        }
    }
    let mut out = String::from("\n-------- summary -------\n\n");
    if CANCEL.load(Ordering::SeqCst) {
        out.push_str(&format!("[{}%] ", pct_text(pct)));
    }
    out.push_str(&format!("Sampled {sampled} keys in the keyspace!\n"));
    let avg = if total_len > 0 {
        total_len as f64 / sampled as f64
    } else {
        0.0
    };
    out.push_str(&format!(
        "Total key length in bytes is {total_len} (avg len {avg:.2})\n\n"
    ));
    // redis-cli keeps the types in a hash table with a fixed seed; these are the positions
    // its six built-in types come out in. Other (module) types follow.
    const SUMMARY_ORDER: [&str; 6] = ["list", "hash", "string", "stream", "set", "zset"];
    let rank = |name: &str| {
        SUMMARY_ORDER
            .iter()
            .position(|&n| n == name)
            .unwrap_or(SUMMARY_ORDER.len())
    };
    types.sort_by_key(|stats| rank(&stats.name));
    for stats in &types {
        if let Some(key) = &stats.biggest_key {
            out.push_str(&format!(
                "Biggest {:>6} found '{key}' has {} {}\n",
                stats.name,
                stats.biggest,
                if memkeys { "bytes" } else { stats.unit }
            ));
        }
    }
    out.push('\n');
    for stats in &types {
        let share = if sampled > 0 {
            100.0 * stats.count as f64 / sampled as f64
        } else {
            0.0
        };
        let avg = if stats.count > 0 {
            stats.total as f64 / stats.count as f64
        } else {
            0.0
        };
        out.push_str(&format!(
            "{} {}s with {} {} ({}% of keys, avg size {avg:.2})\n",
            stats.count,
            stats.name,
            stats.total,
            if memkeys { "bytes" } else { stats.unit },
            pct_text(share)
        ));
    }
    emit(out.as_bytes());
    std::process::exit(0);
}

/// Slots kept by --hotkeys.
const HOT_SLOTS: usize = 16;

/// `--hotkeys`: the keys with the highest OBJECT FREQ.
pub fn hot_keys(session: &mut Session) -> ! {
    signals::install(signals::OnInterrupt::StopLoop);
    let total_keys = dbsize(session);
    emit(b"\n# Scanning the entire keyspace to find hot keys as well as\n# average sizes per key type.  You can use -i 0.1 to sleep 0.1 sec\n# per 100 SCAN commands (not usually needed).\n\n");
    // Ascending by counter; slot 0 is the first to be dropped.
    let mut slots: Vec<(u64, String)> = vec![(0, String::new()); HOT_SLOTS];
    let (mut cursor, mut sampled, mut loops) = (0u64, 0u64, 0u64);
    let mut pct;
    loop {
        pct = percent(sampled, total_keys);
        let (next, keys) = scan_once(session, cursor);
        loops += 1;
        let commands: Vec<Vec<Vec<u8>>> = keys
            .iter()
            .map(|k| vec![b"OBJECT".to_vec(), b"FREQ".to_vec(), k.clone()])
            .collect();
        let freqs = pipelined(session, &commands);
        for (key, freq) in keys.iter().zip(freqs) {
            let freq = match freq {
                Frame::Integer(n) => u64::try_from(n).unwrap_or(0),
                Frame::Error(text) => {
                    eprintln!("Error: {}", String::from_utf8_lossy(&text));
                    std::process::exit(1);
                }
                _ => {
                    eprintln!(
                        "Warning: OBJECT freq on '{}' failed (may have been deleted)",
                        repr(key)
                    );
                    0
                }
            };
            sampled += 1;
            if sampled.is_multiple_of(1_000_000) {
                emit(format!("[{}%] Sampled {sampled} keys so far\n", pct_text(pct)).as_bytes());
            }
            let mut k = slots.iter().take_while(|(c, _)| freq > *c).count();
            if k == 0 {
                continue;
            }
            k -= 1;
            let name = repr(key);
            let replace_in_place = k == 0 || slots.get(k).is_some_and(|(c, _)| *c == 0);
            if replace_in_place {
                if let Some(slot) = slots.get_mut(k) {
                    *slot = (freq, name.clone());
                }
            } else {
                // Drop the coldest, shift the colder ones down, put this one at k.
                slots.remove(0);
                slots.insert(k, (freq, name.clone()));
            }
            emit(
                format!(
                    "[{}%] Hot key '{name}' found so far with counter {freq}\n",
                    pct_text(pct)
                )
                .as_bytes(),
            );
        }
        if session.config.interval_us > 0 && loops.is_multiple_of(100) {
            std::thread::sleep(Duration::from_micros(session.config.interval_us));
        }
        cursor = next;
        if cursor == 0 || CANCEL.load(Ordering::SeqCst) {
            break;
        }
    }
    let mut out = String::from("\n-------- summary -------\n\n");
    if CANCEL.load(Ordering::SeqCst) {
        out.push_str(&format!("[{}%] ", pct_text(pct)));
    }
    out.push_str(&format!("Sampled {sampled} keys in the keyspace!\n"));
    for (counter, name) in slots.iter().rev() {
        if *counter > 0 {
            out.push_str(&format!(
                "hot key found with counter: {counter}\tkeyname: {name}\n"
            ));
        }
    }
    emit(out.as_bytes());
    std::process::exit(0);
}
