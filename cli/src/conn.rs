//! One blocking connection to the server, over TCP or a Unix socket, with or without TLS.
//!
//! The CLI does one thing at a time, so plain blocking sockets fit it better than an async
//! runtime. Replies are decoded with the protocol crate's [`FrameReader`] under
//! [`FrameLimits`] tighter than the defaults: the server is not trusted, and a reply that is
//! too long or too deep is an error, never a crash or a huge allocation. This module does
//! not print replies nor know which commands are special.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use scarlet_protocol::{Frame, FrameError, FrameLimits, FrameReader, encode_command};

use crate::tls::TlsClient;
use crate::tls::stream::TlsStream;

/// Limits on what the server may send us.
pub const REPLY_LIMITS: FrameLimits = FrameLimits {
    max_depth: 64,
    max_bulk_len: 512 * 1024 * 1024,
    max_elements: 1 << 28,
};

/// Why talking to the server failed, with hiredis's wording for the user.
#[derive(Debug)]
pub enum ConnError {
    /// The server closed the connection.
    Eof,
    /// A socket error.
    Io(io::Error),
    /// The server sent something that is not a reply.
    Protocol(String),
}

impl std::fmt::Display for ConnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnError::Eof => f.write_str("Server closed the connection"),
            ConnError::Io(error) => f.write_str(&io_text(error)),
            ConnError::Protocol(text) => f.write_str(text),
        }
    }
}

/// An I/O error as C's `strerror` words it (Rust appends " (os error N)").
pub fn io_text(error: &io::Error) -> String {
    let text = error.to_string();
    // Name resolution errors carry Rust's own preamble before getaddrinfo's text.
    let text = text
        .strip_prefix("failed to lookup address information: ")
        .map_or(text.clone(), str::to_string);
    match text.find(" (os error") {
        Some(cut) => text.get(..cut).unwrap_or(&text).to_string(),
        None => text,
    }
}

impl From<io::Error> for ConnError {
    fn from(error: io::Error) -> Self {
        ConnError::Io(error)
    }
}

impl From<FrameError> for ConnError {
    fn from(error: FrameError) -> Self {
        match error {
            FrameError::UnknownType(byte) => ConnError::Protocol(format!(
                "Protocol error, got {} as reply type byte",
                scarlet_protocol::repr(&[byte])
            )),
            other => ConnError::Protocol(format!("Protocol error: {other}")),
        }
    }
}

/// A plain socket.
#[derive(Debug)]
pub enum Socket {
    /// TCP.
    Tcp(TcpStream),
    /// Unix domain socket.
    Unix(UnixStream),
}

impl Socket {
    /// Another handle to the same socket.
    pub fn try_clone(&self) -> io::Result<Socket> {
        Ok(match self {
            Socket::Tcp(s) => Socket::Tcp(s.try_clone()?),
            Socket::Unix(s) => Socket::Unix(s.try_clone()?),
        })
    }

    /// Shuts both directions, waking up a blocked read.
    pub fn shutdown(&self) {
        let _ = match self {
            Socket::Tcp(s) => s.shutdown(Shutdown::Both),
            Socket::Unix(s) => s.shutdown(Shutdown::Both),
        };
    }

    /// Sets a read timeout (None: block).
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        match self {
            Socket::Tcp(s) => s.set_read_timeout(timeout),
            Socket::Unix(s) => s.set_read_timeout(timeout),
        }
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.read(buf),
            Socket::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.write(buf),
            Socket::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What a connection talks over: a socket, or a TLS session on one. Every mode works on
/// this, so all of them work over TLS.
#[derive(Debug)]
pub enum Stream {
    /// Plain TCP or Unix socket.
    Plain(Socket),
    /// TLS.
    Tls(TlsStream),
}

impl Stream {
    /// Another handle to the same connection (for a writer thread, or for shutting it down
    /// from a signal thread).
    pub fn try_clone(&self) -> io::Result<Stream> {
        Ok(match self {
            Stream::Plain(s) => Stream::Plain(s.try_clone()?),
            Stream::Tls(s) => Stream::Tls(s.try_clone()?),
        })
    }

    /// Shuts both directions, waking up a blocked read.
    pub fn shutdown(&self) {
        match self {
            Stream::Plain(s) => s.shutdown(),
            Stream::Tls(s) => s.shutdown(),
        }
    }

    /// Sets a read timeout (None: block).
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.set_read_timeout(timeout),
            Stream::Tls(s) => s.set_read_timeout(timeout),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A connected client.
#[derive(Debug)]
pub struct Conn {
    stream: Stream,
    reader: FrameReader,
    out: Vec<u8>,
}

impl Conn {
    /// Connects over TCP (Nagle off, as hiredis does).
    pub fn tcp(host: &str, port: u16) -> io::Result<Conn> {
        let mut last = io::Error::new(io::ErrorKind::NotFound, "Name or service not known");
        for addr in (host, port).to_socket_addrs()? {
            match TcpStream::connect(addr) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    return Ok(Conn::new(Stream::Plain(Socket::Tcp(stream))));
                }
                Err(error) => last = error,
            }
        }
        Err(last)
    }

    /// Connects over a Unix socket.
    pub fn unix(path: &str) -> io::Result<Conn> {
        Ok(Conn::new(Stream::Plain(Socket::Unix(UnixStream::connect(
            path,
        )?))))
    }

    /// Runs a TLS handshake on a fresh connection; the error is for
    /// [`crate::tls::handshake_error_text`].
    pub fn secure(self, client: &TlsClient) -> io::Result<Conn> {
        match self.stream {
            Stream::Plain(socket) => {
                Ok(Conn::new(Stream::Tls(TlsStream::connect(client, socket)?)))
            }
            Stream::Tls(_) => Ok(self),
        }
    }

    fn new(stream: Stream) -> Conn {
        Conn {
            stream,
            reader: FrameReader::new(REPLY_LIMITS),
            out: Vec::new(),
        }
    }

    /// The socket.
    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    /// Queues and writes one command.
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<(), ConnError> {
        self.out.clear();
        encode_command(&mut self.out, args);
        self.stream.write_all(&self.out)?;
        Ok(())
    }

    /// Writes bytes as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), ConnError> {
        self.stream.write_all(bytes)?;
        Ok(())
    }

    /// Hands bytes already read from the socket to the reply parser.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.reader.feed(bytes);
    }

    /// A complete frame already buffered, if any (no reading).
    pub fn buffered_frame(&mut self) -> Result<Option<Frame>, ConnError> {
        Ok(self.reader.next_frame()?)
    }

    /// Reads until one whole frame (attributes included) has arrived.
    pub fn read_frame(&mut self) -> Result<Frame, ConnError> {
        loop {
            if let Some(frame) = self.reader.next_frame()? {
                return Ok(frame);
            }
            self.fill()?;
        }
    }

    /// One read from the socket into the parser's buffer; `Eof` when the server closed.
    pub fn fill(&mut self) -> Result<usize, ConnError> {
        let n = loop {
            match self.stream.read(self.reader.spare()) {
                Ok(n) => break n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error.into()),
            }
        };
        if n == 0 {
            return Err(ConnError::Eof);
        }
        self.reader.advance(n);
        Ok(n)
    }

    /// Sends a command and reads its reply, skipping push messages.
    pub fn command<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Frame, ConnError> {
        self.send(args)?;
        loop {
            match self.read_frame()? {
                Frame::Push(_) => {}
                frame => return Ok(frame),
            }
        }
    }

    /// Reads raw bytes, first from what the parser buffered (replication payloads).
    pub fn read_raw(&mut self, buf: &mut [u8]) -> Result<usize, ConnError> {
        if self.reader.buffered() > 0 {
            // Frames never straddle the payload in the modes that use this: they read the
            // payload right after a line read byte by byte.
            return Err(ConnError::Protocol("unexpected buffered data".into()));
        }
        loop {
            match self.stream.read(buf) {
                Ok(n) => return Ok(n),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error.into()),
            }
        }
    }
}
