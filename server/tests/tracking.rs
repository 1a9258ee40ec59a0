//! Client-side caching through the real dispatcher: invalidation pushes in RESP3, the
//! `__redis__:invalidate` channel for a RESP2 redirect target, BCAST prefixes, OPTIN and
//! OPTOUT with CLIENT CACHING, NOLOOP, flushes, and the option errors. Each expected reply
//! is what Redis 7.0.15 answered to the same session.

use scarlet_server::testkit::{TestServer, render_bytes};

#[test]
fn default_mode_invalidates_once_per_read() {
    let server = TestServer::new();
    let mut cache = server.client();
    let mut writer = server.client();
    cache.resp3();
    cache.script(
        r#"
        CLIENT TRACKING ON => +OK
        SET k 1 => +OK
        GET k => "1"
        CLIENT TRACKINGINFO => {"flags": ~["on"], "redirect": :0, "prefixes": []}
        CLIENT GETREDIR => :0
    "#,
    );
    writer.script("SET k 2 => +OK\nSET k 3 => +OK");
    // One invalidation: the key was forgotten after the first change.
    assert_eq!(render_bytes(&cache.resume()), r#">["invalidate", ["k"]]"#);
    // The client's own write invalidates too, after its reply.
    cache.script(
        r#"
        GET k => "3"
        SET k 4 => +OK
        => >["invalidate", ["k"]]
        FLUSHALL => +OK
        => >["invalidate", nil]
    "#,
    );
}

#[test]
fn redirect_to_a_resp2_subscriber() {
    let server = TestServer::new();
    let mut target = server.client();
    let mut cache = server.client();
    let mut writer = server.client();
    target
        .script("SUBSCRIBE __redis__:invalidate => [\"subscribe\", \"__redis__:invalidate\", :1]");
    let redirect = format!("CLIENT TRACKING ON REDIRECT {} => +OK", target.id());
    cache.script(&redirect);
    cache.script("GET a => nil\nMGET b c => [nil, nil]");
    writer.script("MSET a 1 c 2 => +OK");
    assert_eq!(
        render_bytes(&target.resume()),
        "[\"message\", \"__redis__:invalidate\", [\"a\"]]\n[\"message\", \"__redis__:invalidate\", [\"c\"]]"
    );
    let target_id = target.id();
    drop(target);
    writer.script("SET b 1 => +OK");
    cache.script(&format!(
        "CLIENT TRACKINGINFO => [\"flags\", [\"on\", \"broken_redirect\"], \"redirect\", :{target_id}, \"prefixes\", []]"
    ));
}

#[test]
fn bcast_prefixes_and_noloop() {
    let server = TestServer::new();
    let mut cache = server.client();
    let mut writer = server.client();
    cache.resp3();
    cache.script(
        r#"
        CLIENT TRACKING ON BCAST PREFIX user: PREFIX obj: NOLOOP => +OK
        CLIENT TRACKINGINFO => {"flags": ~["on", "bcast", "noloop"], "redirect": :0, "prefixes": ["obj:", "user:"]}
        SET user:me 1 => +OK
    "#,
    );
    // The batch of another client: changes under the prefixes, in one message.
    writer.raw(b"SET user:1 a\r\nSET other b\r\nSET obj:2 c\r\n");
    assert_eq!(
        render_bytes(&cache.resume()),
        ">[\"invalidate\", [\"obj:2\"]]\n>[\"invalidate\", [\"user:1\"]]"
    );
    cache.script(
        r#"
        CLIENT TRACKING ON BCAST PREFIX user:x => -ERR Prefix 'user:x' overlaps with an existing prefix 'user:'. Prefixes for a single client must not overlap.
        CLIENT TRACKING ON => -ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.
        CLIENT TRACKING OFF => +OK
        CLIENT TRACKING ON PREFIX a => -ERR PREFIX option requires BCAST mode to be enabled
        CLIENT TRACKING ON OPTIN OPTOUT => -ERR You can't specify both OPTIN mode and OPTOUT mode
        CLIENT TRACKING ON BCAST OPTIN => -ERR OPTIN and OPTOUT are not compatible with BCAST
        CLIENT TRACKING ON REDIRECT 9999 => -ERR The client ID you want redirect to does not exist
        CLIENT CACHING YES => -ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled
        CLIENT TRACKINGINFO => {"flags": ~["off"], "redirect": :-1, "prefixes": []}
        CLIENT GETREDIR => :-1
    "#,
    );
}

#[test]
fn optin_tracks_only_after_caching_yes() {
    let server = TestServer::new();
    let mut cache = server.client();
    let mut writer = server.client();
    cache.resp3();
    cache.script(
        r#"
        CLIENT TRACKING ON OPTIN => +OK
        GET untracked => nil
        CLIENT CACHING YES => +OK
        GET tracked => nil
        CLIENT CACHING NO => -ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.
    "#,
    );
    writer.script("SET untracked 1 => +OK\nSET tracked 1 => +OK");
    assert_eq!(
        render_bytes(&cache.resume()),
        r#">["invalidate", ["tracked"]]"#
    );
}
