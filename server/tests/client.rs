//! CLIENT through the real dispatcher: identity (ID, SETNAME, GETNAME, INFO, LIST),
//! KILL and its filters, REPLY ON/OFF/SKIP, NO-EVICT, PAUSE/UNPAUSE, and the subcommands
//! from Redis 7.2 that clients send on connect (SETINFO, NO-TOUCH).
//!
//! Script rows hold Redis 7.0.15's replies to the same session; rows after a
//! `# scarlet:` comment are deliberate differences. Ids and addresses differ between
//! servers, so sessions that name other clients are built in code.

use scarlet_server::dispatch::Flow;
use scarlet_server::testkit::{TestServer, render};

#[test]
fn names_and_ids() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CLIENT GETNAME => nil
        CLIENT SETNAME myname => +OK
        CLIENT GETNAME => "myname"
        CLIENT SETNAME "a b" => -ERR Client names cannot contain spaces, newlines or special characters.
        CLIENT SETNAME "a\nb" => -ERR Client names cannot contain spaces, newlines or special characters.
        CLIENT SETNAME "a\x7fb" => -ERR Client names cannot contain spaces, newlines or special characters.
        CLIENT SETNAME "\xc3\xa9" => -ERR Client names cannot contain spaces, newlines or special characters.
        CLIENT GETNAME => "myname"
        CLIENT SETNAME "!~" => +OK
        CLIENT GETNAME => "!~"
        CLIENT SETNAME "" => +OK
        CLIENT GETNAME => nil
        CLIENT SETNAME a b => -ERR wrong number of arguments for 'client|setname' command
        CLIENT SETNAME => -ERR wrong number of arguments for 'client|setname' command
        CLIENT GETNAME x => -ERR wrong number of arguments for 'client|getname' command
        CLIENT ID x => -ERR wrong number of arguments for 'client|id' command
        CLIENT INFO x => -ERR wrong number of arguments for 'client|info' command
        client getname => nil
    "#,
    );
    assert_eq!(render(&c.line("CLIENT ID")), format!(":{}", c.id()));
}

#[test]
fn ids_increase_per_connection() {
    let server = TestServer::new();
    let mut a = server.client();
    let mut b = server.client();
    assert!(b.id() > a.id());
    assert_eq!(render(&a.line("CLIENT ID")), format!(":{}", a.id()));
    assert_eq!(render(&b.line("CLIENT ID")), format!(":{}", b.id()));
}

/// The field names of a CLIENT LIST / CLIENT INFO line, in order.
fn field_names(line: &str) -> Vec<&str> {
    line.split(' ')
        .filter_map(|field| field.split_once('=').map(|(name, _)| name))
        .collect()
}

/// The value of one field of a CLIENT LIST / CLIENT INFO line.
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.split(' ')
        .filter_map(|f| f.split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

#[test]
fn info_and_list_lines_have_redis_fields() {
    let server = TestServer::new();
    let mut c = server.client();
    c.line("CLIENT SETNAME me");
    c.line("SELECT 2");
    let Some(text) = c
        .line("CLIENT INFO")
        .as_bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
    else {
        panic!("CLIENT INFO did not reply with a string");
    };
    // The fields of Redis 7.0.15's CLIENT INFO, in its order.
    assert_eq!(
        field_names(&text),
        [
            "id",
            "addr",
            "laddr",
            "fd",
            "name",
            "age",
            "idle",
            "flags",
            "db",
            "sub",
            "psub",
            "ssub",
            "multi",
            "qbuf",
            "qbuf-free",
            "argv-mem",
            "multi-mem",
            "rbs",
            "rbp",
            "obl",
            "oll",
            "omem",
            "tot-mem",
            "events",
            "cmd",
            "user",
            "redir",
            "resp"
        ]
    );
    assert!(
        text.ends_with('\n') && text.matches('\n').count() == 1,
        "{text:?}"
    );
    let line = text.trim_end();
    assert_eq!(field(line, "id"), Some(c.id().to_string().as_str()));
    assert_eq!(field(line, "addr"), Some(c.addr().as_str()));
    assert_eq!(field(line, "laddr"), Some("127.0.0.1:6379"));
    assert_eq!(field(line, "name"), Some("me"));
    assert_eq!(field(line, "db"), Some("2"));
    assert_eq!(field(line, "flags"), Some("N"));
    assert_eq!(field(line, "multi"), Some("-1"));
    assert_eq!(field(line, "cmd"), Some("client|info"));
    assert_eq!(field(line, "user"), Some("default"));
    assert_eq!(field(line, "redir"), Some("-1"));
    assert_eq!(field(line, "resp"), Some("2"));
    assert_eq!(field(line, "events"), Some("r"));
    // RESP3 sends the same text as a verbatim string.
    c.resp3();
    let reply = render(&c.line("CLIENT INFO"));
    assert!(reply.starts_with("=txt:\"id="), "{reply}");
    assert!(reply.ends_with("resp=3\\n\""), "{reply}");
    let list = render(&c.line("CLIENT LIST"));
    assert!(
        list.starts_with("=txt:\"id=") && list.contains("cmd=client|list"),
        "{list}"
    );
}

#[test]
fn list_shows_every_client_in_id_order_and_filters() {
    let server = TestServer::new();
    let mut a = server.client();
    let mut b = server.client();
    let mut c = server.client();
    b.line("CLIENT SETNAME bee");
    let lines = |c: &mut scarlet_server::testkit::TestClient, line: &str| -> Vec<String> {
        let reply = c.line(line);
        let text = String::from_utf8_lossy(reply.as_bytes().unwrap_or_default()).into_owned();
        text.lines()
            .map(|l| field(l, "id").unwrap_or("?").to_string())
            .collect()
    };
    let ids = [a.id(), b.id(), c.id()].map(|id| id.to_string());
    assert_eq!(lines(&mut b, "CLIENT LIST"), ids);
    assert_eq!(lines(&mut a, "CLIENT LIST TYPE normal"), ids);
    assert_eq!(lines(&mut a, "CLIENT LIST TYPE NORMAL"), ids);
    assert!(lines(&mut a, "CLIENT LIST TYPE pubsub").is_empty());
    // ID lists in the order asked, skipping unknown ids.
    let wanted = format!("CLIENT LIST ID {} 999 {}", c.id(), a.id());
    assert_eq!(lines(&mut b, &wanted), [ids[2].clone(), ids[0].clone()]);
    let named = render(&a.line(&format!("CLIENT LIST ID {}", b.id())));
    assert!(named.contains(" name=bee "), "{named}");
    // A client's own line shows the command running; the others' their last command.
    let mut d = server.client();
    d.line("CLIENT SETNAME dee");
    let both = render(&c.line(&format!("CLIENT LIST ID {} {}", c.id(), d.id())));
    assert!(
        both.contains("cmd=client|list") && both.contains("cmd=client|setname"),
        "{both}"
    );
}

#[test]
fn list_errors() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CLIENT LIST TYPE master => ""
        CLIENT LIST TYPE replica => ""
        CLIENT LIST TYPE slave => ""
        CLIENT LIST TYPE pubsub => ""
        CLIENT LIST TYPE foo => -ERR Unknown client type 'foo'
        CLIENT LIST TYPE "no\x00x" => -ERR Unknown client type 'no'
        CLIENT LIST TYPE => -ERR syntax error
        CLIENT LIST ID => -ERR syntax error
        CLIENT LIST ID abc => -ERR Invalid client ID
        CLIENT LIST ID 1 abc => -ERR Invalid client ID
        CLIENT LIST ID 99 => ""
        CLIENT LIST ID -1 => ""
        CLIENT LIST ID 0 => ""
        CLIENT LIST foo => -ERR syntax error
        CLIENT LIST foo bar => -ERR syntax error
        CLIENT LIST TYPE normal ID 3 => -ERR syntax error
        CLIENT LIST ID 3 TYPE normal => -ERR Invalid client ID
    "#,
    );
}

#[test]
fn kill_errors_and_misses() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CLIENT KILL 1.2.3.4:5 => -ERR No such client
        CLIENT KILL ID 99 => :0
        CLIENT KILL ID abc => -ERR client-id should be greater than 0
        CLIENT KILL ID 0 => -ERR client-id should be greater than 0
        CLIENT KILL ID -5 => -ERR client-id should be greater than 0
        CLIENT KILL ID => -ERR No such client
        CLIENT KILL TYPE foo => -ERR Unknown client type 'foo'
        CLIENT KILL TYPE "no\x00rmal" => -ERR Unknown client type 'no'
        CLIENT KILL USER "us\x00er" => -ERR No such user 'us'
        CLIENT KILL TYPE normal SKIPME maybe => -ERR syntax error
        CLIENT KILL USER nouser => -ERR No such user 'nouser'
        CLIENT KILL USER default ID 99 => :0
        CLIENT KILL ADDR 1.2.3.4:5 => :0
        CLIENT KILL LADDR 1.2.3.4:5 => :0
        CLIENT KILL FOO bar => -ERR syntax error
        CLIENT KILL ID 99 TYPE => -ERR syntax error
        CLIENT KILL MAXAGE 100 => -ERR syntax error
        CLIENT KILL TYPE pubsub => :0
        CLIENT KILL TYPE master => :0
        CLIENT KILL TYPE replica => :0
        CLIENT KILL TYPE slave => :0
        CLIENT KILL SKIPME yes => :0
        CLIENT KILL SKIPME no ID 99 => :0
        CLIENT KILL => -ERR wrong number of arguments for 'client|kill' command
        PING => +PONG
    "#,
    );
}

#[test]
fn kill_by_id_addr_laddr_type_and_user() {
    let server = TestServer::new();
    let mut me = server.client();
    let mut victim = server.client();
    me.check(&[(format!("CLIENT KILL ID {}", victim.id()), ":1")]);
    assert!(victim.send(&["PING"]).is_empty());
    assert!(victim.is_closed());

    let mut victim = server.client();
    me.check(&[(format!("CLIENT KILL ADDR {}", victim.addr()), ":1")]);
    assert!(victim.send(&["PING"]).is_empty());

    // The old form names an address and replies +OK.
    let mut victim = server.client();
    me.check(&[(format!("CLIENT KILL {}", victim.addr()), "+OK")]);
    assert!(victim.send(&["PING"]).is_empty());

    let mut v1 = server.client();
    let mut v2 = server.client();
    me.check(&[("CLIENT KILL TYPE normal", ":2")]);
    assert!(v1.send(&["PING"]).is_empty() && v2.send(&["PING"]).is_empty());

    let mut v1 = server.client();
    let mut v2 = server.client();
    me.check(&[("CLIENT KILL LADDR 127.0.0.1:6379", ":2")]);
    assert!(v1.send(&["PING"]).is_empty() && v2.send(&["PING"]).is_empty());

    let mut v1 = server.client();
    me.check(&[("CLIENT KILL USER default", ":1")]);
    assert!(v1.send(&["PING"]).is_empty());

    // Filters combine: every one must match.
    let mut v1 = server.client();
    let mut v2 = server.client();
    me.check(&[(format!("CLIENT KILL TYPE normal ID {}", v2.id()), ":1")]);
    assert_eq!(v1.send(&["PING"]), b"+PONG\r\n");
    assert!(v2.send(&["PING"]).is_empty());
    assert!(!me.is_closed());
}

#[test]
fn kill_of_self_replies_then_closes() {
    let server = TestServer::new();
    let mut me = server.client();
    // SKIPME defaults to yes in the new form.
    me.check(&[(format!("CLIENT KILL ID {}", me.id()), ":0")]);
    me.check(&[(
        format!("CLIENT KILL ID {} SKIPME no", me.id()),
        ":1\n(closed)",
    )]);
    let mut me = server.client();
    let mut other = server.client();
    me.check(&[("CLIENT KILL TYPE normal SKIPME no", ":2\n(closed)")]);
    assert!(other.send(&["PING"]).is_empty());
    // The old form does not skip the caller.
    let mut me = server.client();
    me.check(&[(format!("CLIENT KILL {}", me.addr()), "+OK\n(closed)")]);
}

#[test]
fn kill_in_a_pipeline_stops_the_rest() {
    let server = TestServer::new();
    let mut me = server.client();
    let out =
        me.raw(format!("PING\r\nCLIENT KILL ID {} SKIPME no\r\nPING\r\n", me.id()).as_bytes());
    assert_eq!(out, b"+PONG\r\n:1\r\n");
    assert!(me.is_closed());
}

#[test]
fn reply_on_off_skip() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CLIENT REPLY SKIP =>
        PING =>
        PING => +PONG
        CLIENT REPLY OFF =>
        PING =>
        CLIENT REPLY SKIP =>
        PING =>
        CLIENT REPLY ON => +OK
        PING => +PONG
        CLIENT REPLY SKIP =>
        CLIENT REPLY ON => +OK
        CLIENT REPLY SKIP =>
        CLIENT REPLY SKIP =>
        PING =>
        PING => +PONG
        CLIENT REPLY SKIP =>
        CLIENT REPLY OFF =>
        PING =>
        CLIENT REPLY ON => +OK
        CLIENT REPLY foo => -ERR syntax error
        CLIENT REPLY => -ERR wrong number of arguments for 'client|reply' command
        client reply on => +OK
    "#,
    );
    // The same in one pipeline.
    assert_eq!(
        c.raw(b"CLIENT REPLY SKIP\r\nPING\r\nECHO a\r\nCLIENT REPLY OFF\r\nECHO b\r\nCLIENT REPLY ON\r\nECHO c\r\n"),
        b"$1\r\na\r\n+OK\r\n$1\r\nc\r\n"
    );
}

#[test]
fn reply_modes_apply_to_rejected_commands() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CLIENT REPLY OFF =>
        FOOBAR =>
        GET =>
        CLIENT REPLY ON => +OK
        CLIENT REPLY SKIP =>
        FOOBAR =>
        PING => +PONG
        CLIENT REPLY SKIP =>
        GET =>
        PING => +PONG
    "#,
    );
}

#[test]
fn reply_off_silences_protocol_errors_too() {
    let server = TestServer::new();
    let mut c = server.client();
    assert!(c.raw(b"CLIENT REPLY OFF\r\n").is_empty());
    assert!(c.raw(b"*1\r\n$x\r\n").is_empty());
    assert!(c.is_closed());
    let mut c = server.client();
    assert!(c.raw(b"CLIENT REPLY SKIP\r\n").is_empty());
    assert!(c.raw(b"*1\r\n$x\r\n").is_empty());
    assert!(c.is_closed());
    let mut c = server.client();
    assert_eq!(
        c.raw(b"CLIENT REPLY SKIP\r\nPING\r\n*1\r\n$x\r\n"),
        b"-ERR Protocol error: invalid bulk length\r\n"
    );
    assert!(c.is_closed());
}

#[test]
fn no_evict_and_no_touch() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CLIENT NO-EVICT on => +OK
        CLIENT NO-EVICT OFF => +OK
        CLIENT NO-EVICT foo => -ERR syntax error
        CLIENT NO-EVICT => -ERR wrong number of arguments for 'client|no-evict' command
        CLIENT NO-EVICT on off => -ERR wrong number of arguments for 'client|no-evict' command
    "#,
    );
    c.line("CLIENT NO-EVICT on");
    let info = render(&c.line("CLIENT INFO"));
    assert!(info.contains(" flags=e "), "{info}");
    c.line("CLIENT NO-EVICT off");
    let info = render(&c.line("CLIENT INFO"));
    assert!(info.contains(" flags=N "), "{info}");
    c.script(
        r#"
        # scarlet: CLIENT NO-TOUCH is Redis 7.2's; Scarlet accepts it (DESIGN.md).
        CLIENT NO-TOUCH on => +OK
        # scarlet: as above.
        CLIENT NO-TOUCH OFF => +OK
        # scarlet: as above.
        CLIENT NO-TOUCH foo => -ERR syntax error
    "#,
    );
}

#[test]
fn no_touch_leaves_access_counters_alone_except_for_touch() {
    // Under LFU with lfu-log-factor 0 every access bumps the counter, so the effect of
    // NO-TOUCH shows without waiting for the clock (Redis 7.2's semantics).
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CONFIG SET maxmemory-policy allkeys-lfu lfu-log-factor 0 => +OK
        SET k v => +OK
        OBJECT FREQ k => :5
        GET k => "v"
        OBJECT FREQ k => :6
        CLIENT NO-TOUCH on => +OK
        GET k => "v"
        EXISTS k => :1
        OBJECT FREQ k => :6
        TOUCH k => :1
        OBJECT FREQ k => :7
        CLIENT NO-TOUCH off => +OK
        GET k => "v"
        OBJECT FREQ k => :8
    "#,
    );
}

#[test]
fn setinfo_from_redis_7_2() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        # scarlet: CLIENT SETINFO is Redis 7.2's, which clients send on connect; Scarlet
        # scarlet: accepts it with 7.2's replies (DESIGN.md).
        CLIENT SETINFO lib-name redis-py => +OK
        # scarlet: as above.
        CLIENT SETINFO LIB-VER 5.0.1 => +OK
        # scarlet: as above.
        CLIENT SETINFO lib-name "a b" => -ERR lib-name cannot contain spaces, newlines or special characters.
        # scarlet: as above.
        CLIENT SETINFO lib-ver "a\nb" => -ERR lib-ver cannot contain spaces, newlines or special characters.
        # scarlet: as above.
        CLIENT SETINFO lib-name "" => +OK
        # scarlet: as above.
        CLIENT SETINFO foo bar => -ERR Unrecognized option 'foo'
        # scarlet: as above.
        CLIENT SETINFO lib-name => -ERR wrong number of arguments for 'client|setinfo' command
    "#,
    );
}

#[test]
fn pause_arguments() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CLIENT PAUSE abc => -ERR timeout is not an integer or out of range
        CLIENT PAUSE -1 => -ERR timeout is negative
        CLIENT PAUSE 100 foo => -ERR CLIENT PAUSE mode must be WRITE or ALL
        client pause 100 write x => -ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.
        CLIENT PAUSE 100 ALL x y => -ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.
        CLIENT PAUSE 1.5 => -ERR timeout is not an integer or out of range
        CLIENT PAUSE "" => -ERR timeout is not an integer or out of range
        CLIENT PAUSE => -ERR wrong number of arguments for 'client|pause' command
        CLIENT UNPAUSE x => -ERR wrong number of arguments for 'client|unpause' command
        CLIENT PAUSE 0 => +OK
        PING => +PONG
        CLIENT PAUSE 0 WRITE => +OK
        CLIENT PAUSE 0 all => +OK
        SET k v => +OK
        CLIENT UNPAUSE => +OK
        CLIENT UNPAUSE => +OK
        # 7.0.15 adds the timeout to the clock without an overflow check: the end wraps
        # into the past, so the pause is over at once.
        CLIENT PAUSE 9223372036854775807 => +OK
        PING => +PONG
        SET k v => +OK
    "#,
    );
}

#[test]
fn pause_write_holds_writes_until_unpause() {
    let server = TestServer::new();
    let mut admin = server.client();
    let mut writer = server.client();
    admin.check(&[("CLIENT PAUSE 100000 WRITE", "+OK")]);
    // Reads run; a write waits, and so does everything the client sent after it.
    writer.check(&[("GET k", "nil")]);
    assert!(writer.raw(b"SET k v\r\nGET k\r\n").is_empty());
    assert!(matches!(writer.flow(), Flow::Paused(_)));
    assert!(writer.resume().is_empty(), "still paused");
    // The pausing client is held too, but UNPAUSE is not a write.
    admin.check(&[("GET k", "nil"), ("CLIENT UNPAUSE", "+OK")]);
    assert_eq!(writer.resume(), b"+OK\r\n$1\r\nv\r\n");
    assert_eq!(writer.flow(), Flow::Continue);
}

#[test]
fn pause_all_holds_every_command() {
    let server = TestServer::new();
    let mut admin = server.client();
    let mut other = server.client();
    admin.check(&[("CLIENT PAUSE 100000", "+OK")]);
    assert!(other.raw(b"PING\r\n").is_empty());
    assert!(
        admin.raw(b"CLIENT UNPAUSE\r\n").is_empty(),
        "UNPAUSE waits too"
    );
    // The timeout passes.
    if let Some(pause) = server.state().pause.as_mut() {
        pause.until = 0;
    }
    assert_eq!(other.resume(), b"+PONG\r\n");
    assert_eq!(admin.resume(), b"+OK\r\n");
}

#[test]
fn pauses_combine_longest_and_strictest() {
    let server = TestServer::new();
    let mut c = server.client();
    c.check(&[("CLIENT PAUSE 100000 WRITE", "+OK")]);
    let until = server.state().pause.map(|p| p.until);
    c.check(&[("CLIENT PAUSE 10 WRITE", "+OK")]);
    assert_eq!(
        server.state().pause.map(|p| p.until),
        until,
        "the later end wins"
    );
    c.check(&[("CLIENT PAUSE 10 ALL", "+OK")]);
    assert_eq!(server.state().pause.map(|p| p.writes_only), Some(false));
}

#[test]
fn help_and_unknown_subcommands() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CLIENT FOO => -ERR unknown subcommand 'FOO'. Try CLIENT HELP.
        CLIENT => -ERR wrong number of arguments for 'client' command
        client foo bar => -ERR unknown subcommand 'foo'. Try CLIENT HELP.
        CLIENT "\x00x" => -ERR unknown subcommand ''. Try CLIENT HELP.
        CLIENT HELP x => -ERR wrong number of arguments for 'client|help' command
    "#,
    );
    let help = render(&c.line("CLIENT HELP"));
    assert!(
        help.starts_with("[+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:, ")
            && help.ends_with(", +HELP, +    Prints this help.]"),
        "{help}"
    );
}

#[test]
fn expired_keys_stay_while_clients_are_paused() {
    let server = TestServer::new();
    let mut c = server.client();
    c.script(
        r#"
        SET e v PXAT 1 => +OK
        SET f v PXAT 1 => +OK
        CLIENT PAUSE 100000 WRITE => +OK
        GET e => nil
        DBSIZE => :2
        EXISTS f => :0
        DBSIZE => :2
        SCAN 0 => ["0", []]
        KEYS * => []
    "#,
    );
    let keyspace = render(&c.line("INFO keyspace"));
    assert!(keyspace.contains("db0:keys=2,expires=2,"), "{keyspace}");
    let stats = render(&c.line("INFO stats"));
    assert!(stats.contains("\\r\\nexpired_keys:0\\r\\n"), "{stats}");
    // Redis 7.0.15 spins forever on RANDOMKEY here (every key expired, none deletable);
    // Scarlet gives up after some tries and names an expired key, as Redis 7.2 does.
    let random = render(&c.line("RANDOMKEY"));
    assert!(random == r#""e""# || random == r#""f""#, "{random}");
    // Nothing expires in the background either.
    let mut cycle = scarlet_server::expire::ExpireCycle::new(1, 10, 16);
    let more = server.state().active_expire_slice(
        &mut cycle,
        std::time::Instant::now() + std::time::Duration::from_secs(1),
    );
    assert!(!more);
    assert_eq!(render(&c.line("DBSIZE")), ":2");
    c.script(
        r#"
        CLIENT UNPAUSE => +OK
        GET e => nil
        DBSIZE => :1
    "#,
    );
}
