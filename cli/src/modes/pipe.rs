//! `--pipe`: mass insertion. Standard input (RESP or inline commands, sent as they are) is
//! streamed to the server by a writer thread while this thread counts replies and errors.
//! After the input ends, an ECHO of 20 random bytes is sent; its reply proves every earlier
//! reply arrived. The summary lines and exit status are redis-cli's.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scarlet_protocol::Frame;

use crate::conn::ConnError;
use crate::session::{Session, emit};

/// Bytes read from stdin per write.
const CHUNK: usize = 64 * 1024;

/// 20 unpredictable bytes for the final ECHO.
fn magic() -> [u8; 20] {
    let mut bytes = [0u8; 20];
    for chunk in bytes.chunks_mut(8) {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(Instant::now().elapsed().as_nanos());
        let word = hasher.finish().to_le_bytes();
        for (slot, byte) in chunk.iter_mut().zip(word) {
            *slot = byte;
        }
    }
    bytes
}

/// State shared with the writer thread: the marker once the input has ended.
#[derive(Default)]
struct Shared {
    marker: Option<[u8; 20]>,
    eof_at: Option<Instant>,
}

/// Runs the mode and exits.
pub fn pipe(session: &mut Session) -> ! {
    let Some(conn) = session.conn.as_mut() else {
        std::process::exit(1);
    };
    let mut writer = match conn.stream().try_clone() {
        Ok(stream) => stream,
        Err(error) => {
            eprintln!("Can't clone the connection: {error}");
            std::process::exit(1);
        }
    };
    let shared = Arc::new(Mutex::new(Shared::default()));
    let writer_shared = Arc::clone(&shared);
    let spawned = std::thread::Builder::new()
        .name("pipe-writer".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = vec![0u8; CHUNK];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if let Err(error) = writer.write_all(buf.get(..n).unwrap_or_default()) {
                            eprintln!(
                                "Error writing to the server: {}",
                                crate::conn::io_text(&error)
                            );
                            std::process::exit(1);
                        }
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(error) => {
                        eprintln!("Error reading from stdin: {}", crate::conn::io_text(&error));
                        std::process::exit(1);
                    }
                }
            }
            let marker = magic();
            // The leading CRLF keeps the ECHO parseable after a truncated last command.
            let mut echo = b"\r\n*2\r\n$4\r\nECHO\r\n$20\r\n".to_vec();
            echo.extend_from_slice(&marker);
            echo.extend_from_slice(b"\r\n");
            if let Ok(mut state) = writer_shared.lock() {
                state.marker = Some(marker);
                state.eof_at = Some(Instant::now());
            }
            // Announced before the ECHO goes out, so it always precedes "Last reply".
            emit(b"All data transferred. Waiting for the last reply...\n");
            if let Err(error) = writer.write_all(&echo) {
                eprintln!(
                    "Error writing to the server: {}",
                    crate::conn::io_text(&error)
                );
                std::process::exit(1);
            }
        });
    if spawned.is_err() {
        eprintln!("Can't start the writer thread");
        std::process::exit(1);
    }
    let _ = conn.stream().set_read_timeout(Some(Duration::from_secs(1)));
    let timeout = session.config.pipe_timeout;
    let (mut errors, mut replies) = (0u64, 0u64);
    let mut last_read = Instant::now();
    'outer: loop {
        loop {
            match conn.buffered_frame() {
                Ok(Some(frame)) => {
                    last_read = Instant::now();
                    replies += 1;
                    match frame {
                        Frame::Error(text) => {
                            eprintln!("{}", String::from_utf8_lossy(&text));
                            errors += 1;
                        }
                        Frame::Bulk(bytes) if bytes.len() == 20 => {
                            let marker = shared.lock().ok().and_then(|s| s.marker);
                            if marker.is_some_and(|m| m.as_slice() == bytes.as_slice()) {
                                emit(b"Last reply received from server.\n");
                                replies -= 1;
                                break 'outer;
                            }
                        }
                        _ => {}
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    eprintln!("Error reading replies from server");
                    std::process::exit(1);
                }
            }
        }
        match conn.fill() {
            Ok(_) => {}
            Err(ConnError::Io(error))
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => {
                // Replies already buffered were counted; the server is gone.
                eprintln!("Error reading replies from server");
                std::process::exit(1);
            }
        }
        let eof_at = shared.lock().ok().and_then(|s| s.eof_at);
        if let Some(eof_at) = eof_at
            && timeout > 0
            && last_read.max(eof_at).elapsed().as_secs() > timeout
        {
            eprintln!("No replies for {timeout} seconds: exiting.");
            errors += 1;
            break;
        }
    }
    emit(format!("errors: {errors}, replies: {replies}\n").as_bytes());
    std::process::exit(if errors > 0 { 1 } else { 0 });
}
