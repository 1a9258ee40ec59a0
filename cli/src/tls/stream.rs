//! A TLS session over a blocking socket that, like a plain socket, can be cloned: `--pipe`
//! writes from one thread while another reads, and the Ctrl-C thread shuts it down.
//!
//! Every handle owns a clone of the socket and shares the rustls session behind a mutex.
//! The mutex is never held across a blocking socket call: a read takes raw bytes from the
//! socket unlocked, then decrypts them under the lock; a write encrypts under the lock and
//! sends unlocked. A second lock keeps encrypted records going out in the order they were
//! made (it is taken before the session lock is released). This module does not choose
//! the configuration (see `tls`).

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rustls::ClientConnection;

use super::TlsClient;
use crate::conn::Socket;

/// Bytes read from the socket at once.
const RAW_CHUNK: usize = 16 * 1024;

#[derive(Debug)]
struct Shared {
    session: Mutex<ClientConnection>,
    /// Held while encrypted bytes are written to the socket.
    sending: Mutex<()>,
}

/// One handle to a TLS session.
#[derive(Debug)]
pub struct TlsStream {
    shared: Arc<Shared>,
    socket: Socket,
    /// Raw bytes read from the socket; `pos..len` not yet handed to the session.
    raw: Vec<u8>,
    pos: usize,
    len: usize,
}

/// A fatal alert from the server, seen again by a later call: the server has closed the
/// session, which callers see as the end of the stream.
fn closed_by_alert(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::UnexpectedEof
        || error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .is_some_and(|tls| matches!(tls, rustls::Error::AlertReceived(_)))
}

fn poisoned() -> io::Error {
    io::Error::other("TLS session lock poisoned")
}

fn lock<T>(mutex: &Mutex<T>) -> io::Result<MutexGuard<'_, T>> {
    mutex.lock().map_err(|_| poisoned())
}

/// Everything the session has to send, encrypted.
fn drain(session: &mut ClientConnection) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    while session.wants_write() {
        session.write_tls(&mut out)?;
    }
    Ok(out)
}

/// After a failed handshake write: the alert the server sent before closing, if it is
/// there to read. (A server refusing us may close while our flight is still going out;
/// OpenSSL then reports the alert, not the broken pipe.)
fn alert_behind(session: &mut ClientConnection, socket: &mut Socket) -> Option<io::Error> {
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .ok()?;
    let mut raw = vec![0u8; RAW_CHUNK];
    let mut found = None;
    while let Ok(len) = socket.read(&mut raw)
        && len > 0
    {
        let mut bytes = raw.get(..len).unwrap_or_default();
        while !bytes.is_empty() && session.read_tls(&mut bytes).is_ok_and(|n| n > 0) {
            if let Err(error) = session.process_new_packets() {
                found = Some(io::Error::new(io::ErrorKind::InvalidData, error));
                break;
            }
        }
        if found.is_some() {
            break;
        }
    }
    let _ = socket.set_read_timeout(None);
    found
}

impl TlsStream {
    /// Runs the handshake over `socket`; the error is for [`super::handshake_error_text`].
    pub fn connect(client: &TlsClient, mut socket: Socket) -> io::Result<TlsStream> {
        if let Some(reason) = client.doomed {
            return Err(io::Error::other(reason));
        }
        let mut session =
            ClientConnection::new(Arc::clone(&client.config), client.server_name.clone())
                .map_err(io::Error::other)?;
        while session.is_handshaking() {
            match session.complete_io(&mut socket) {
                Ok(_) => {}
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                    ) =>
                {
                    return Err(alert_behind(&mut session, &mut socket).unwrap_or(error));
                }
                Err(error) => return Err(error),
            }
        }
        let pending = drain(&mut session)?;
        socket.write_all(&pending)?;
        Ok(TlsStream {
            shared: Arc::new(Shared {
                session: Mutex::new(session),
                sending: Mutex::new(()),
            }),
            socket,
            raw: vec![0; RAW_CHUNK],
            pos: 0,
            len: 0,
        })
    }

    /// Another handle to the same session.
    pub fn try_clone(&self) -> io::Result<TlsStream> {
        Ok(TlsStream {
            shared: Arc::clone(&self.shared),
            socket: self.socket.try_clone()?,
            raw: vec![0; RAW_CHUNK],
            pos: 0,
            len: 0,
        })
    }

    /// Shuts the socket in both directions.
    pub fn shutdown(&self) {
        self.socket.shutdown();
    }

    /// Sets the socket's read timeout (shared by all handles).
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.socket.set_read_timeout(timeout)
    }

    /// Hands the session one `read_tls` worth of the raw bytes not yet given to it (none:
    /// the peer closed) and decrypts them. Called only when no plaintext is buffered, so
    /// rustls' plaintext buffer cannot overflow.
    fn absorb(&mut self, session: &mut ClientConnection) -> io::Result<()> {
        let mut raw = self.raw.get(self.pos..self.len).unwrap_or_default();
        let at_eof = raw.is_empty();
        let taken = session.read_tls(&mut raw)?;
        if taken == 0 && !at_eof {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "TLS record refused",
            ));
        }
        self.pos += taken;
        match session.process_new_packets() {
            Ok(_) => Ok(()),
            // The server gave up on us (say, a client certificate it refused after a
            // TLS 1.3 handshake): for the user, the server closed the connection.
            Err(rustls::Error::AlertReceived(_)) => Err(io::ErrorKind::UnexpectedEof.into()),
            Err(error) => Err(io::Error::new(io::ErrorKind::InvalidData, error)),
        }
    }

    /// Sends what the session owes the server after reading (alerts, key updates) unless a
    /// writer is busy, in which case its next write carries it.
    fn answer(&mut self, mut session: MutexGuard<'_, ClientConnection>) -> io::Result<()> {
        if session.wants_write()
            && let Ok(_sending) = self.shared.sending.try_lock()
        {
            let out = drain(&mut session)?;
            drop(session);
            self.socket.write_all(&out)?;
        }
        Ok(())
    }
}

impl Read for TlsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let shared = Arc::clone(&self.shared);
        loop {
            let mut session = lock(&shared.session)?;
            match session.reader().read(buf) {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                // A close without close_notify is still the end of the stream.
                Err(error) if closed_by_alert(&error) => return Ok(0),
                other => return other,
            }
            if self.pos < self.len {
                match self.absorb(&mut session) {
                    Err(error) if closed_by_alert(&error) => return Ok(0),
                    other => other?,
                }
                self.answer(session)?;
                continue;
            }
            drop(session);
            self.pos = 0;
            self.len = self.socket.read(&mut self.raw)?;
            if self.len == 0 {
                let mut session = lock(&shared.session)?;
                if let Err(error) = self.absorb(&mut session)
                    && !closed_by_alert(&error)
                {
                    return Err(error);
                }
                if matches!(session.reader().read(buf), Err(_) | Ok(0)) {
                    return Ok(0);
                }
            }
        }
    }
}

impl Write for TlsStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut session = lock(&self.shared.session)?;
        let written = match session.writer().write(buf) {
            // The server ended the session: as with OpenSSL, the write goes nowhere and the
            // next read reports the end of the stream.
            Err(error) if closed_by_alert(&error) => return Ok(buf.len()),
            other => other?,
        };
        let out = drain(&mut session)?;
        let sending = lock(&self.shared.sending)?;
        drop(session);
        self.socket.write_all(&out)?;
        drop(sending);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
