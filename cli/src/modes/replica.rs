//! The replication-protocol modes: --replica (print the commands a master streams, after
//! skipping its RDB payload) and --rdb / --functions-rdb (save that payload to a file).
//! Both send SYNC and read the payload header and body as raw bytes, either a `$<length>`
//! payload or one delimited by a 40-byte EOF marker (diskless masters).

use std::io::Write;

use crate::conn::ConnError;
use crate::options::Output;
use crate::session::Session;

/// Length of the EOF marker of diskless transfers.
const EOF_MARK_LEN: usize = 40;

/// `REPLCONF a b`, reported on stderr; false when the server refused.
fn replconf(session: &mut Session, a: &str, b: &str) -> bool {
    eprintln!("sending REPLCONF {a} {b}");
    match session
        .conn
        .as_mut()
        .map(|conn| conn.command(&["REPLCONF", a, b]))
    {
        Some(Ok(scarlet_protocol::Frame::Error(text))) => {
            eprintln!("REPLCONF {a} error: {}", String::from_utf8_lossy(&text));
            false
        }
        Some(Ok(_)) => true,
        _ => {
            eprintln!("\nI/O error");
            std::process::exit(1);
        }
    }
}

/// How the payload ends.
enum Payload {
    Length(u64),
    Marker([u8; EOF_MARK_LEN]),
}

/// Sends SYNC and reads the payload header line byte by byte (keepalive newlines skipped).
fn sync(session: &mut Session) -> Payload {
    let Some(conn) = session.conn.as_mut() else {
        std::process::exit(1);
    };
    if conn.send_raw(b"SYNC\r\n").is_err() {
        eprintln!("Error writing to master");
        std::process::exit(1);
    }
    let mut line = Vec::new();
    loop {
        let mut byte = [0u8; 1];
        match conn.read_raw(&mut byte) {
            Ok(1) => {}
            _ => {
                eprintln!("Error reading bulk length while SYNCing");
                std::process::exit(1);
            }
        }
        match byte {
            [b'\n'] if line.is_empty() => {}
            [b'\n'] => break,
            [other] => line.push(other),
        }
        if line.len() > 1024 {
            eprintln!("Error reading bulk length while SYNCing");
            std::process::exit(1);
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    if line.first() == Some(&b'-') {
        eprintln!(
            "SYNC with master failed: {}",
            String::from_utf8_lossy(&line)
        );
        std::process::exit(1);
    }
    if let Some(mark) = line.get(1..).and_then(|rest| rest.strip_prefix(b"EOF:"))
        && let Some(mark) = mark.get(..EOF_MARK_LEN)
        && let Ok(mark) = <[u8; EOF_MARK_LEN]>::try_from(mark)
    {
        return Payload::Marker(mark);
    }
    let length = crate::options::c_atoi(line.get(1..).unwrap_or_default());
    Payload::Length(u64::try_from(length).unwrap_or(0))
}

/// Streams the payload to `sink`; returns the bytes written and any bytes read past a
/// marker (the start of the command stream).
fn transfer(
    session: &mut Session,
    payload: &Payload,
    sink: &mut dyn FnMut(&[u8]),
) -> (u64, Vec<u8>) {
    let Some(conn) = session.conn.as_mut() else {
        std::process::exit(1);
    };
    let mut buf = vec![0u8; 16 * 1024];
    let mut written = 0u64;
    // The last EOF_MARK_LEN bytes received, to spot the marker across reads.
    let mut tail: Vec<u8> = Vec::with_capacity(EOF_MARK_LEN * 2);
    loop {
        let want = match payload {
            Payload::Length(length) => {
                let left = length.saturating_sub(written);
                if left == 0 {
                    return (written, Vec::new());
                }
                usize::try_from(left).unwrap_or(usize::MAX).min(buf.len())
            }
            Payload::Marker(_) => buf.len(),
        };
        let n = match conn.read_raw(buf.get_mut(..want).unwrap_or_default()) {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("I/O Error reading RDB payload from socket");
                std::process::exit(1);
            }
        };
        let chunk = buf.get(..n).unwrap_or_default();
        let Payload::Marker(mark) = payload else {
            sink(chunk);
            written += n as u64;
            continue;
        };
        // Find the marker in what we hold back plus this chunk.
        let mut window = std::mem::take(&mut tail);
        window.extend_from_slice(chunk);
        if let Some(at) = window
            .windows(EOF_MARK_LEN)
            .position(|w| w == mark.as_slice())
        {
            let body = window.get(..at).unwrap_or_default();
            sink(body);
            written += body.len() as u64;
            let rest = window.get(at + EOF_MARK_LEN..).unwrap_or_default().to_vec();
            return (written, rest);
        }
        let keep_from = window.len().saturating_sub(EOF_MARK_LEN - 1);
        let body = window.get(..keep_from).unwrap_or_default();
        sink(body);
        written += body.len() as u64;
        tail = window.get(keep_from..).unwrap_or_default().to_vec();
    }
}

/// `--replica`.
pub fn replica(session: &mut Session) -> ! {
    replconf(session, "capa", "eof");
    replconf(session, "rdb-filter-only", "");
    follow(session);
    std::process::exit(1);
}

/// SYNC, skip the payload, then print what the master sends as CSV until it disconnects.
pub fn follow(session: &mut Session) {
    let payload = sync(session);
    match &payload {
        Payload::Marker(_) => {
            eprintln!("SYNC with master, discarding bytes of bulk transfer until EOF marker...")
        }
        Payload::Length(n) => {
            eprintln!("SYNC with master, discarding {n} bytes of bulk transfer...")
        }
    }
    let (written, rest) = transfer(session, &payload, &mut |_| {});
    if let Payload::Marker(_) = payload {
        eprintln!(
            "SYNC done after {} bytes. Logging commands from master.",
            written + EOF_MARK_LEN as u64
        );
        std::thread::sleep(std::time::Duration::from_secs(1));
        if let Some(conn) = session.conn.as_mut() {
            let _ = conn.send(&["REPLCONF", "ACK", "0"]);
        }
    } else {
        eprintln!("SYNC done. Logging commands from master.");
    }
    let Some(conn) = session.conn.as_mut() else {
        return;
    };
    conn.feed(&rest);
    loop {
        let frame = match conn.read_frame() {
            Ok(frame) => frame,
            Err(error @ (ConnError::Eof | ConnError::Io(_) | ConnError::Protocol(_))) => {
                eprintln!("Error: {error}");
                std::process::exit(1);
            }
        };
        let mut out = Vec::new();
        if let Err(kind) =
            crate::format::format_reply(&frame, Output::Csv, false, b"\n", b"\n", &mut out)
        {
            crate::session::unprintable(kind);
        }
        crate::session::emit(&out);
    }
}

/// `--rdb file` / `--functions-rdb file`.
pub fn rdb(session: &mut Session, file: &str, functions_only: bool) -> ! {
    replconf(session, "capa", "eof");
    replconf(session, "rdb-only", "1");
    if functions_only && !replconf(session, "rdb-filter-only", "functions") {
        eprintln!("Failed requesting functions only RDB from server, aborting");
        std::process::exit(1);
    }
    let payload = sync(session);
    match &payload {
        Payload::Marker(_) => eprintln!(
            "SYNC sent to master, writing bytes of bulk transfer until EOF marker to '{file}'"
        ),
        Payload::Length(n) => eprintln!("SYNC sent to master, writing {n} bytes to '{file}'"),
    }
    let to_stdout = file == "-";
    let mut target: Box<dyn Write> = if to_stdout {
        Box::new(std::io::stdout().lock())
    } else {
        match std::fs::File::create(file) {
            Ok(f) => Box::new(f),
            Err(error) => {
                eprintln!("Error opening '{file}': {}", crate::conn::io_text(&error));
                std::process::exit(1);
            }
        }
    };
    let (written, _) = transfer(session, &payload, &mut |bytes| {
        if let Err(error) = target.write_all(bytes) {
            eprintln!(
                "Error writing data to file: {}",
                crate::conn::io_text(&error)
            );
            std::process::exit(1);
        }
    });
    if let Err(error) = target.flush() {
        eprintln!(
            "Error writing data to file: {}",
            crate::conn::io_text(&error)
        );
        std::process::exit(1);
    }
    drop(target);
    match payload {
        Payload::Marker(_) => eprintln!("Transfer finished with success after {written} bytes"),
        Payload::Length(_) => eprintln!("Transfer finished with success."),
    }
    session.conn = None;
    if !to_stdout
        && let Ok(f) = std::fs::File::open(file)
        && let Err(error) = f.sync_all()
    {
        eprintln!("Fail to fsync '{file}': {}", crate::conn::io_text(&error));
        std::process::exit(1);
    }
    std::process::exit(0);
}
