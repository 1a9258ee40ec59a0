//! A small async RESP client over any byte stream, for tests, Sentinel, the cluster tool and
//! the command-line client.
//!
//! It owns one connection: it encodes commands as multibulk requests, writes them, and reads
//! replies with a [`FrameReader`]. It does not reconnect, pool, follow cluster redirections or
//! interpret replies; callers do that with the [`Frame`]s they get.

use std::fmt;
use std::io;
use std::path::Path;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, ToSocketAddrs, UnixStream};

use crate::frame::{Frame, FrameError, FrameLimits, FrameReader, encode_command};

/// Why a client call failed.
#[derive(Debug)]
pub enum ClientError {
    /// Reading or writing the stream failed.
    Io(io::Error),
    /// The server sent bytes that are not a valid reply; the connection is unusable.
    Frame(FrameError),
    /// The server closed the connection before a whole reply arrived.
    Closed,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(error) => write!(f, "I/O error: {error}"),
            ClientError::Frame(error) => write!(f, "protocol error: {error}"),
            ClientError::Closed => f.write_str("connection closed by server"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Io(error) => Some(error),
            ClientError::Frame(error) => Some(error),
            ClientError::Closed => None,
        }
    }
}

impl From<io::Error> for ClientError {
    fn from(error: io::Error) -> Self {
        ClientError::Io(error)
    }
}

impl From<FrameError> for ClientError {
    fn from(error: FrameError) -> Self {
        ClientError::Frame(error)
    }
}

/// One client connection over a stream `S` (TCP by default).
#[derive(Debug)]
pub struct Client<S = TcpStream> {
    stream: S,
    reader: FrameReader,
    /// Reused for encoding each request.
    out: Vec<u8>,
}

impl Client<TcpStream> {
    /// Connects over TCP, with Nagle's algorithm off as Redis clients do.
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Client::new(stream))
    }
}

impl Client<UnixStream> {
    /// Connects over a Unix domain socket.
    pub async fn connect_unix(path: impl AsRef<Path>) -> io::Result<Self> {
        Ok(Client::new(UnixStream::connect(path).await?))
    }
}

impl<S> Client<S> {
    /// A client over an already connected stream, with default [`FrameLimits`].
    pub fn new(stream: S) -> Self {
        Client::with_limits(stream, FrameLimits::default())
    }

    /// A client over an already connected stream, enforcing `limits` on replies.
    pub fn with_limits(stream: S, limits: FrameLimits) -> Self {
        Client {
            stream,
            reader: FrameReader::new(limits),
            out: Vec::new(),
        }
    }

    /// The stream back (bytes already read but not returned as frames are dropped).
    pub fn into_inner(self) -> S {
        self.stream
    }

    /// The stream, e.g. to read its peer address.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.reader.buffered()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    /// Sends a command and reads its reply, skipping any RESP3 attribute sent before it.
    pub async fn command<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Frame, ClientError> {
        self.send(args).await?;
        self.read_reply().await
    }

    /// Sends a command without reading its reply (pipelining).
    pub async fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<(), ClientError> {
        self.out.clear();
        encode_command(&mut self.out, args);
        self.stream.write_all(&self.out).await?;
        self.stream.flush().await?;
        Ok(())
    }

    /// Sends bytes as they are (inline commands, malformed requests in tests).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await?;
        Ok(())
    }

    /// Reads the next frame, attributes included. End of stream is [`ClientError::Closed`].
    pub async fn read_frame(&mut self) -> Result<Frame, ClientError> {
        loop {
            if let Some(frame) = self.reader.next_frame()? {
                return Ok(frame);
            }
            let n = self.stream.read(self.reader.spare()).await?;
            if n == 0 {
                return Err(ClientError::Closed);
            }
            self.reader.advance(n);
        }
    }

    /// Reads the next reply, skipping attributes (as Redis's own test client does).
    pub async fn read_reply(&mut self) -> Result<Frame, ClientError> {
        loop {
            match self.read_frame().await? {
                Frame::Attribute(_) => {}
                frame => return Ok(frame),
            }
        }
    }
}

#[cfg(test)]
mod tests;
