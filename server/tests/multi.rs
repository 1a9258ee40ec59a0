//! MULTI, EXEC, DISCARD, WATCH and UNWATCH through the real dispatcher, with several
//! clients: queueing, EXECABORT after a queue-time error, runtime errors that do not roll
//! back, WATCH spoiled by another client, by the watcher itself, by expiry and by flushes,
//! blocking commands inside EXEC, and what may not run in a transaction. Each expected
//! reply is what Redis 7.0.15 answered to the same session.

use scarlet_server::testkit::TestServer;

#[test]
fn queue_and_exec() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        MULTI => +OK
        SET a 1 => +QUEUED
        INCR a => +QUEUED
        LPUSH a x => +QUEUED
        GET a => +QUEUED
        EXEC => [+OK, :2, -WRONGTYPE Operation against a key holding the wrong kind of value, "2"]
        MULTI => +OK
        EXEC => []
        EXEC => -ERR EXEC without MULTI
        DISCARD => -ERR DISCARD without MULTI
        MULTI => +OK
        MULTI => -ERR MULTI calls can not be nested
        WATCH a => -ERR WATCH inside MULTI is not allowed
        SET b 1 => +QUEUED
        DISCARD => +OK
        EXISTS b => :0
    "#,
    );
}

#[test]
fn queue_time_errors_abort_exec() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        MULTI => +OK
        SET a 1 => +QUEUED
        NOSUCH x => -ERR unknown command 'NOSUCH', with args beginning with: 'x' 
        GET => -ERR wrong number of arguments for 'get' command
        SET b 2 => +QUEUED
        EXEC => -EXECABORT Transaction discarded because of previous errors.
        EXISTS a b => :0
        MULTI => +OK
        SHUTDOWN => -ERR Command not allowed inside a transaction
        EXEC => -EXECABORT Transaction discarded because of previous errors.
        MULTI => +OK
        CLIENT INFO => +QUEUED
        DISCARD => +OK
    "#,
    );
}

#[test]
fn watch_is_spoiled_by_other_clients_and_by_the_watcher() {
    let server = TestServer::new();
    let mut a = server.client();
    let mut b = server.client();
    a.script("SET k 1 => +OK\nWATCH k => +OK\nMULTI => +OK\nINCR k => +QUEUED");
    b.script("SET k 5 => +OK");
    a.script("EXEC => *-1\nGET k => \"5\"");
    // Untouched: EXEC runs.
    a.script("WATCH k => +OK\nMULTI => +OK\nINCR k => +QUEUED\nEXEC => [:6]");
    // The watcher's own change before MULTI spoils it too.
    a.script("WATCH k => +OK\nSET k 0 => +OK\nMULTI => +OK\nPING => +QUEUED\nEXEC => *-1");
    // UNWATCH clears the watch.
    a.script("WATCH k => +OK\nUNWATCH => +OK");
    b.script("DEL k => :1");
    a.script("MULTI => +OK\nPING => +QUEUED\nEXEC => [+PONG]");
    // A watch on a missing key: creating it spoils the transaction.
    a.script("WATCH nokey => +OK");
    b.script("SET nokey 1 => +OK");
    a.script("MULTI => +OK\nPING => +QUEUED\nEXEC => *-1");
}

#[test]
fn flushes_and_swapdb_spoil_watches_on_existing_keys() {
    let server = TestServer::new();
    let mut a = server.client();
    let mut b = server.client();
    a.script("SET k 1 => +OK\nWATCH k => +OK");
    b.script("FLUSHALL => +OK");
    a.script("MULTI => +OK\nPING => +QUEUED\nEXEC => *-1");
    // A watched key that does not exist in either database is not touched by a flush.
    a.script("WATCH missing => +OK");
    b.script("FLUSHDB => +OK");
    a.script("MULTI => +OK\nPING => +QUEUED\nEXEC => [+PONG]");
    b.script("SELECT 1 => +OK\nSET k 1 => +OK");
    a.script("WATCH k => +OK");
    b.script("SWAPDB 0 1 => +OK");
    a.script("MULTI => +OK\nPING => +QUEUED\nEXEC => *-1");
}

#[test]
fn blocking_commands_inside_exec_do_not_block() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        MULTI => +OK
        BLPOP empty 0 => +QUEUED
        BRPOPLPUSH empty other 0 => +QUEUED
        BZPOPMIN emptyz 0 => +QUEUED
        BLMPOP 0 1 empty LEFT => +QUEUED
        EXEC => [*-1, nil, *-1, *-1]
    "#,
    );
}

#[test]
fn a_push_inside_exec_wakes_waiters_after_it() {
    let server = TestServer::new();
    let mut waiter = server.client();
    let mut writer = server.client();
    assert!(waiter.send(&["BLPOP", "q", "0"]).is_empty());
    writer.script(
        r#"
        MULTI => +OK
        RPUSH q a => +QUEUED
        LLEN q => +QUEUED
        RPUSH q b => +QUEUED
        EXEC => [:1, :1, :2]
        LRANGE q 0 -1 => ["b"]
    "#,
    );
    assert_eq!(
        scarlet_server::testkit::render_bytes(&waiter.resume()),
        r#"["q", "a"]"#
    );
}

#[test]
fn client_list_shows_the_transaction() {
    let server = TestServer::new();
    let mut c = server.client();
    c.send(&["MULTI"]);
    c.send(&["SET", "a", "1"]);
    let me = server
        .state()
        .clients
        .get(c.id())
        .map(|cl| cl.info_line(0, "default"))
        .unwrap_or_default();
    assert!(me.contains(" flags=x "), "{me}");
    assert!(me.contains(" multi=1 "), "{me}");
    c.send(&["EXEC"]);
    let line = scarlet_server::testkit::render_bytes(&c.send(&["CLIENT", "INFO"]));
    assert!(line.contains(" multi=-1 "), "{line}");
}

#[test]
fn an_error_inside_exec_is_the_failed_call_of_its_command() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        MULTI => +OK
        SET a b => +QUEUED
        AUTH a => +QUEUED
        EXEC => [+OK, -ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?]
        EXEC => -ERR EXEC without MULTI
    "#,
    );
    let stats = scarlet_server::testkit::render_bytes(&c.send(&["INFO", "commandstats"]));
    let field = |cmd: &str| {
        stats
            .split("\\r\\n")
            .find(|l| l.starts_with(&format!("cmdstat_{cmd}:")))
            .map(|l| l.rsplit_once("failed_calls=").map(|(_, n)| n.to_string()))
            .unwrap_or_default()
            .unwrap_or_default()
    };
    assert_eq!(field("set"), "0", "{stats}");
    assert_eq!(field("auth"), "1", "{stats}");
    assert_eq!(field("exec"), "1", "{stats}");
}
