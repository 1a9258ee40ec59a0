//! Client eviction (`maxmemory-clients`) through the real dispatcher: a client whose
//! memory passes the limit is disconnected before its command runs, without a reply;
//! CLIENT NO-EVICT protects a client; a percentage is of `maxmemory`.

use scarlet_server::testkit::{TestServer, render_bytes};

#[test]
fn a_client_over_the_limit_is_disconnected_without_a_reply() {
    let server = TestServer::new();
    let mut admin = server.client();
    admin.script("CONFIG SET maxmemory-clients 200000 => +OK\nCLIENT NO-EVICT on => +OK");
    let mut greedy = server.client();
    assert_eq!(render_bytes(&greedy.send(&["SET", "k", "v"])), "+OK");
    let big = "v".repeat(300_000);
    assert_eq!(render_bytes(&greedy.send(&["SET", "k", &big])), "");
    assert!(greedy.is_closed());
    admin.script("GET k => \"v\"");
    let info = render_bytes(&admin.send(&["INFO", "stats"]));
    assert!(info.contains("evicted_clients:1"), "{info}");
}

#[test]
fn no_evict_clients_stay() {
    let server = TestServer::new();
    let mut admin = server.client();
    admin.script("CONFIG SET maxmemory-clients 200000 => +OK\nCLIENT NO-EVICT on => +OK");
    let big = "v".repeat(300_000);
    assert_eq!(render_bytes(&admin.send(&["SET", "k", &big])), "+OK");
    assert!(!admin.is_closed());
}

#[test]
fn watched_keys_count_and_a_percentage_is_of_maxmemory() {
    let server = TestServer::new();
    let mut admin = server.client();
    admin.script(
        "CONFIG SET maxmemory 100000000 => +OK\n\
         CONFIG SET maxmemory-clients 1% => +OK\n\
         CLIENT NO-EVICT on => +OK",
    );
    let mut watcher = server.client();
    let mut closed_after = None;
    for i in 0..100_000 {
        let reply = watcher.send(&["WATCH", &format!("some-longish-key-name:{i}")]);
        if watcher.is_closed() {
            assert!(reply.is_empty());
            closed_after = Some(i);
            break;
        }
    }
    // 1% of 100 MB is 1 MB: about ten thousand watched keys of this size.
    let closed_after = closed_after.unwrap_or(usize::MAX);
    assert!((5_000..20_000).contains(&closed_after), "{closed_after}");
}
