//! FAILOVER across implementations: a scarlet-server master hands its role to a Debian
//! redis-server 7.0.15 replica, and a redis-server master hands it to a scarlet-server
//! replica. Each time the old master ends up a replica of the new one, continued
//! partially (`sync_partial_ok`, no full sync), with equal datasets.

use std::time::Duration;

use scarlet_tests::{REDIS_SERVER, ServerBuilder, TestServer, wait_for};

const DEADLINE: Duration = Duration::from_secs(30);

fn start(redis: bool, args: &[&str]) -> TestServer {
    let builder = if redis {
        ServerBuilder::binary(REDIS_SERVER.as_ref())
    } else {
        ServerBuilder::scarlet()
    };
    builder
        .args(&["--enable-debug-command", "yes"])
        .args(args)
        .start()
}

fn hand_over(master_is_redis: bool) {
    let master = start(master_is_redis, &[]);
    master.query(&["DEBUG", "POPULATE", "2000", "key", "10"]);
    let replica = start(
        !master_is_redis,
        &["--replicaof", "127.0.0.1", &master.port.to_string()],
    );
    assert!(wait_for(DEADLINE, || replica
        .info_field("master_link_status")
        .as_deref()
        == Some("up")));
    for i in 0..100 {
        master.query(&["SET", &format!("w{i}"), "v"]);
    }
    let port = replica.port.to_string();
    master.query(&["FAILOVER", "TO", "127.0.0.1", &port]);
    assert!(
        wait_for(DEADLINE, || master
            .info_field("master_failover_state")
            .as_deref()
            == Some("no-failover")),
        "failover did not finish"
    );
    assert_eq!(replica.info_field("role").as_deref(), Some("master"));
    assert_eq!(master.info_field("role").as_deref(), Some("slave"));
    assert!(wait_for(DEADLINE, || replica
        .info_field("sync_partial_ok")
        .as_deref()
        == Some("1")));
    assert_eq!(replica.info_field("sync_full").as_deref(), Some("0"));
    replica.query(&["SET", "after", "1"]);
    assert!(wait_for(DEADLINE, || master.digest() == replica.digest()));
}

#[test]
fn a_scarlet_master_fails_over_to_a_redis_replica() {
    hand_over(false);
}

#[test]
fn a_redis_master_fails_over_to_a_scarlet_replica() {
    hand_over(true);
}
