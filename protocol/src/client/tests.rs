//! Tests of the async client against a tiny in-test server built from this crate's own
//! request parser and reply encoder (the real server lives in another crate).

use super::*;
use crate::reply::{ReplyBuf, Resp};
use crate::request::{Limits, RequestReader};
use tokio::net::{TcpListener, UnixListener};

/// Serves one connection with this crate's own parser and encoder: PING, ECHO, HELLO, BIG n
/// (a bulk of n bytes written in small pieces), ATTR (an attribute then a reply), QUIT.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) {
    let mut reader = RequestReader::new();
    let mut reply = ReplyBuf::new(Resp::Resp2);
    let limits = Limits::default();
    loop {
        let n = stream.read(reader.spare()).await.unwrap();
        if n == 0 {
            return;
        }
        reader.advance(n);
        let mut quit = false;
        loop {
            let args = match reader.next_command(&limits) {
                Ok(Some(args)) => args,
                Ok(None) => break,
                Err(error) => {
                    reply.error(format!("ERR {}", error.message()).as_bytes());
                    quit = true;
                    break;
                }
            };
            match args.at(0).to_ascii_uppercase().as_slice() {
                b"PING" => reply.simple(b"PONG"),
                b"ECHO" => reply.bulk(args.at(1)),
                b"HELLO" => reply.set_resp(if args.at(1) == b"3" {
                    Resp::Resp3
                } else {
                    Resp::Resp2
                }),
                b"BIG" => {
                    let len: usize = std::str::from_utf8(args.at(1)).unwrap().parse().unwrap();
                    reply.bulk(&vec![b'x'; len]);
                }
                b"ATTR" => {
                    reply.attribute(1);
                    if reply.resp() == Resp::Resp3 {
                        reply.bulk(b"key");
                        reply.int(1);
                    }
                    reply.ok();
                }
                b"QUIT" => {
                    reply.ok();
                    quit = true;
                    break;
                }
                _ => reply.error(b"ERR unknown command"),
            }
        }
        // Written in small pieces so the client sees replies split across reads.
        for piece in reply.as_bytes().chunks(1000) {
            stream.write_all(piece).await.unwrap();
        }
        reply.clear();
        if quit {
            return;
        }
    }
}

async fn tcp_pair() -> Client {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        serve(stream).await;
    });
    Client::connect(addr).await.unwrap()
}

#[tokio::test]
async fn command_round_trips() {
    let mut client = tcp_pair().await;
    assert_eq!(
        client.command(&["PING"]).await.unwrap(),
        Frame::Simple(b"PONG".to_vec())
    );
    assert_eq!(
        client.command(&[&b"ECHO"[..], b"a\r\nb"]).await.unwrap(),
        Frame::Bulk(b"a\r\nb".to_vec())
    );
    assert_eq!(
        client.command(&["NOPE"]).await.unwrap(),
        Frame::Error(b"ERR unknown command".to_vec())
    );
    assert_eq!(client.buffered(), 0);
}

#[tokio::test]
async fn pipelining_and_raw_inline() {
    let mut client = tcp_pair().await;
    for i in 0..50 {
        client.send(&["ECHO", &i.to_string()]).await.unwrap();
    }
    client.send_raw(b"PING\r\nECHO \"x y\"\r\n").await.unwrap();
    for i in 0..50 {
        assert_eq!(
            client.read_frame().await.unwrap(),
            Frame::Bulk(i.to_string().into_bytes())
        );
    }
    assert_eq!(
        client.read_frame().await.unwrap(),
        Frame::Simple(b"PONG".to_vec())
    );
    assert_eq!(
        client.read_frame().await.unwrap(),
        Frame::Bulk(b"x y".to_vec())
    );
}

#[tokio::test]
async fn big_reply_in_many_reads() {
    let mut client = tcp_pair().await;
    let frame = client.command(&["BIG", "3000000"]).await.unwrap();
    assert_eq!(frame, Frame::Bulk(vec![b'x'; 3_000_000]));
}

#[tokio::test]
async fn attributes_are_skipped_by_command_but_not_read_frame() {
    let mut client = tcp_pair().await;
    assert_eq!(
        client.command(&["ATTR"]).await.unwrap(),
        Frame::Simple(b"OK".to_vec())
    );
    client.send(&["HELLO", "3"]).await.unwrap();
    assert_eq!(
        client.command(&["ATTR"]).await.unwrap(),
        Frame::Simple(b"OK".to_vec())
    );
    client.send(&["ATTR"]).await.unwrap();
    assert_eq!(
        client.read_frame().await.unwrap(),
        Frame::Attribute(vec![(Frame::Bulk(b"key".to_vec()), Frame::Integer(1))])
    );
    assert_eq!(
        client.read_frame().await.unwrap(),
        Frame::Simple(b"OK".to_vec())
    );
}

#[tokio::test]
async fn closed_connection() {
    let mut client = tcp_pair().await;
    assert_eq!(
        client.command(&["QUIT"]).await.unwrap(),
        Frame::Simple(b"OK".to_vec())
    );
    assert!(matches!(
        client.read_frame().await,
        Err(ClientError::Closed)
    ));
}

#[tokio::test]
async fn protocol_error_reply_then_close() {
    let mut client = tcp_pair().await;
    client.send_raw(b"PING\r\n*x\r\n").await.unwrap();
    assert_eq!(
        client.read_frame().await.unwrap(),
        Frame::Simple(b"PONG".to_vec())
    );
    assert_eq!(
        client.read_frame().await.unwrap(),
        Frame::Error(b"ERR Protocol error: invalid multibulk length".to_vec())
    );
    assert!(matches!(
        client.read_frame().await,
        Err(ClientError::Closed)
    ));
}

#[tokio::test]
async fn malformed_reply_is_a_frame_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        stream.write_all(b"?what\r\n").await.unwrap();
        let mut sink = [0u8; 64];
        let _ = stream.read(&mut sink).await;
    });
    let mut client = Client::connect(addr).await.unwrap();
    let error = client.read_frame().await.unwrap_err();
    assert!(
        matches!(error, ClientError::Frame(FrameError::UnknownType(b'?'))),
        "{error}"
    );
    assert!(std::error::Error::source(&error).is_some());
    assert!(error.to_string().starts_with("protocol error:"));
}

#[tokio::test]
async fn unix_socket() {
    let path = std::env::temp_dir().join(format!(
        "scarlet-protocol-client-{}.sock",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        serve(stream).await;
    });
    let mut client = Client::connect_unix(&path).await.unwrap();
    assert_eq!(
        client.command(&["PING"]).await.unwrap(),
        Frame::Simple(b"PONG".to_vec())
    );
    let _stream: UnixStream = client.into_inner();
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn io_errors_convert() {
    let error: ClientError = io::Error::other("boom").into();
    assert!(error.to_string().contains("boom"));
    assert_eq!(
        ClientError::Closed.to_string(),
        "connection closed by server"
    );
}
