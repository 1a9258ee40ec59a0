//! Blocking commands through real sockets: a client parked on a key is served when another
//! connection pushes, in arrival order; its pipelined commands wait behind the block; a
//! timeout answers with a null; a client that disconnects while blocked leaves the queue
//! (the pushed element stays for others); CLIENT UNBLOCK ends a wait. INFO's
//! `blocked_clients` tells when a client is parked, so the tests poll it instead of
//! sleeping.

use std::time::{Duration, Instant};

use scarlet_tests::{TestServer, wait_for};

const WITHIN: Duration = Duration::from_secs(10);

fn blocked_clients(server: &TestServer) -> u64 {
    server
        .info_field("blocked_clients")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn wait_blocked(server: &TestServer, count: u64) {
    assert!(
        wait_for(WITHIN, || blocked_clients(server) == count),
        "expected {count} blocked clients, INFO says {}",
        blocked_clients(server)
    );
}

#[test]
fn a_push_serves_waiters_in_arrival_order() {
    let server = TestServer::start(&[]);
    let mut first = server.raw();
    let mut second = server.raw();
    first.command(&[b"BLPOP", b"queue", b"0"]);
    wait_blocked(&server, 1);
    // The second waiter pipelines a command behind its block: it must wait too.
    second.send(b"*3\r\n$5\r\nBRPOP\r\n$5\r\nqueue\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n");
    wait_blocked(&server, 2);
    let mut pusher = server.raw();
    pusher.roundtrip(
        b"*4\r\n$5\r\nRPUSH\r\n$5\r\nqueue\r\n$1\r\na\r\n$1\r\nb\r\n",
        b":2\r\n",
    );
    first.expect(b"*2\r\n$5\r\nqueue\r\n$1\r\na\r\n");
    second.expect(b"*2\r\n$5\r\nqueue\r\n$1\r\nb\r\n+PONG\r\n");
    pusher.roundtrip(b"*2\r\n$6\r\nEXISTS\r\n$5\r\nqueue\r\n", b":0\r\n");
    wait_blocked(&server, 0);
}

#[test]
fn a_timeout_answers_null_and_a_blocked_disconnect_leaves_the_queue() {
    let server = TestServer::start(&[]);
    let mut waiter = server.raw();
    let started = Instant::now();
    waiter.roundtrip(
        b"*3\r\n$5\r\nBLPOP\r\n$7\r\nnothing\r\n$3\r\n0.2\r\n",
        b"*-1\r\n",
    );
    assert!(started.elapsed() >= Duration::from_millis(190));
    waiter.command(&[b"BZPOPMIN", b"nothing", b"0.05"]);
    waiter.expect(b"*-1\r\n");

    let mut gone = server.raw();
    gone.command(&[b"BLPOP", b"kept", b"0"]);
    wait_blocked(&server, 1);
    drop(gone);
    wait_blocked(&server, 0);
    let mut pusher = server.raw();
    pusher.roundtrip(b"*3\r\n$5\r\nRPUSH\r\n$4\r\nkept\r\n$1\r\nx\r\n", b":1\r\n");
    pusher.roundtrip(b"*2\r\n$4\r\nLLEN\r\n$4\r\nkept\r\n", b":1\r\n");
}

#[test]
fn client_unblock_and_chained_moves() {
    let server = TestServer::start(&[]);
    let mut waiter = server.raw();
    waiter.command(&[b"CLIENT", b"ID"]);
    let id = waiter.read_line();
    let id = id.trim().trim_start_matches(':').as_bytes().to_vec();
    waiter.command(&[b"BLMOVE", b"src", b"mid", b"LEFT", b"RIGHT", b"0"]);
    wait_blocked(&server, 1);
    let mut other = server.raw();
    other.command(&[b"CLIENT", b"UNBLOCK", &id, b"ERROR"]);
    other.expect(b":1\r\n");
    waiter.expect(b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    other.command(&[b"CLIENT", b"UNBLOCK", &id]);
    other.expect(b":0\r\n");
    wait_blocked(&server, 0);

    // A BLMOVE parked on `src` feeds a BLPOP parked on `mid`: one push serves both.
    let mut mover = server.raw();
    let mut popper = server.raw();
    mover.command(&[b"BLMOVE", b"src", b"mid", b"LEFT", b"RIGHT", b"0"]);
    wait_blocked(&server, 1);
    popper.command(&[b"BLPOP", b"mid", b"0"]);
    wait_blocked(&server, 2);
    other.roundtrip(b"*3\r\n$5\r\nLPUSH\r\n$3\r\nsrc\r\n$1\r\nv\r\n", b":1\r\n");
    mover.expect(b"$1\r\nv\r\n");
    popper.expect(b"*2\r\n$3\r\nmid\r\n$1\r\nv\r\n");
    wait_blocked(&server, 0);
}
