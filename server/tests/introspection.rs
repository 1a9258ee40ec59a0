//! COMMAND and its subcommands through the real dispatcher: INFO, DOCS, COUNT, LIST with
//! its filters, GETKEYS and GETKEYSANDFLAGS.
//!
//! COMMAND INFO is generated from the command tables, so every command Scarlet has is
//! checked here against Redis 7.0.15's entry for it, byte for byte. Redis lists a
//! container's subcommands in its dictionary's (random) order, so those are compared
//! sorted. COMMAND DOCS summaries, complexities and history notes are Scarlet's own words;
//! the rest of each entry is compared with those texts masked.

use scarlet_protocol::Frame;
use scarlet_server::testkit::{TestClient, TestServer, render};

#[test]
fn command_info_matches_redis_for_every_command() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        COMMAND INFO ping => [["ping", :-1, [+fast], :0, :0, :0, [+@fast, +@connection], ["request_policy:all_shards", "response_policy:all_succeeded"], [], []]]
        COMMAND INFO echo => [["echo", :2, [+loading, +stale, +fast], :0, :0, :0, [+@fast, +@connection], [], [], []]]
        COMMAND INFO quit => [["quit", :-1, [+noscript, +loading, +stale, +fast, +no_auth, +allow_busy], :0, :0, :0, [+@fast, +@connection], [], [], []]]
        COMMAND INFO reset => [["reset", :1, [+noscript, +loading, +stale, +fast, +no_auth, +allow_busy], :0, :0, :0, [+@fast, +@connection], [], [], []]]
        COMMAND INFO hello => [["hello", :-1, [+noscript, +loading, +stale, +fast, +no_auth, +allow_busy], :0, :0, :0, [+@fast, +@connection], [], [], []]]
        COMMAND INFO auth => [["auth", :-2, [+noscript, +loading, +stale, +fast, +no_auth, +allow_busy], :0, :0, :0, [+@fast, +@connection], [], [], []]]
        COMMAND INFO select => [["select", :2, [+loading, +stale, +fast], :0, :0, :0, [+@fast, +@connection], [], [], []]]
        COMMAND INFO client|getname => [["client|getname", :2, [+noscript, +loading, +stale], :0, :0, :0, [+@slow, +@connection], [], [], []]]
        COMMAND INFO client|help => [["client|help", :2, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], [], [], []]]
        COMMAND INFO client|id => [["client|id", :2, [+noscript, +loading, +stale], :0, :0, :0, [+@slow, +@connection], [], [], []]]
        COMMAND INFO client|info => [["client|info", :2, [+noscript, +loading, +stale], :0, :0, :0, [+@slow, +@connection], ["nondeterministic_output"], [], []]]
        COMMAND INFO client|kill => [["client|kill", :-3, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous, +@connection], [], [], []]]
        COMMAND INFO client|list => [["client|list", :-2, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous, +@connection], ["nondeterministic_output"], [], []]]
        COMMAND INFO client|no-evict => [["client|no-evict", :3, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous, +@connection], [], [], []]]
        COMMAND INFO client|pause => [["client|pause", :-3, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous, +@connection], [], [], []]]
        COMMAND INFO client|reply => [["client|reply", :3, [+noscript, +loading, +stale], :0, :0, :0, [+@slow, +@connection], [], [], []]]
        COMMAND INFO client|setname => [["client|setname", :3, [+noscript, +loading, +stale], :0, :0, :0, [+@slow, +@connection], [], [], []]]
        COMMAND INFO client|unpause => [["client|unpause", :2, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous, +@connection], [], [], []]]
        COMMAND INFO info => [["info", :-1, [+loading, +stale], :0, :0, :0, [+@slow, +@dangerous], ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], [], []]]
        COMMAND INFO config|get => [["config|get", :-3, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous], [], [], []]]
        COMMAND INFO config|help => [["config|help", :2, [+loading, +stale], :0, :0, :0, [+@slow], [], [], []]]
        COMMAND INFO config|resetstat => [["config|resetstat", :2, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous], [], [], []]]
        COMMAND INFO config|rewrite => [["config|rewrite", :2, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous], [], [], []]]
        COMMAND INFO config|set => [["config|set", :-4, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous], ["request_policy:all_nodes", "response_policy:all_succeeded"], [], []]]
        COMMAND INFO dbsize => [["dbsize", :1, [+readonly, +fast], :0, :0, :0, [+@keyspace, +@read, +@fast], ["request_policy:all_shards", "response_policy:agg_sum"], [], []]]
        COMMAND INFO flushdb => [["flushdb", :-1, [+write], :0, :0, :0, [+@keyspace, +@write, +@slow, +@dangerous], ["request_policy:all_shards", "response_policy:all_succeeded"], [], []]]
        COMMAND INFO flushall => [["flushall", :-1, [+write], :0, :0, :0, [+@keyspace, +@write, +@slow, +@dangerous], ["request_policy:all_shards", "response_policy:all_succeeded"], [], []]]
        COMMAND INFO swapdb => [["swapdb", :3, [+write, +fast], :0, :0, :0, [+@keyspace, +@write, +@fast, +@dangerous], [], [], []]]
        COMMAND INFO time => [["time", :1, [+loading, +stale, +fast], :0, :0, :0, [+@fast], ["nondeterministic_output"], [], []]]
        COMMAND INFO shutdown => [["shutdown", :-1, [+admin, +noscript, +loading, +stale, +no_multi, +allow_busy], :0, :0, :0, [+@admin, +@slow, +@dangerous], [], [], []]]
        COMMAND INFO command|count => [["command|count", :2, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], [], [], []]]
        COMMAND INFO command|docs => [["command|docs", :-2, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], ["nondeterministic_output_order"], [], []]]
        COMMAND INFO command|getkeys => [["command|getkeys", :-4, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], [], [], []]]
        COMMAND INFO command|getkeysandflags => [["command|getkeysandflags", :-4, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], [], [], []]]
        COMMAND INFO command|help => [["command|help", :2, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], [], [], []]]
        COMMAND INFO command|info => [["command|info", :-2, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], ["nondeterministic_output_order"], [], []]]
        COMMAND INFO command|list => [["command|list", :-2, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], ["nondeterministic_output_order"], [], []]]
        COMMAND INFO debug => [["debug", :-2, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous], [], [], []]]
        COMMAND INFO del => [["del", :-2, [+write], :1, :-1, :1, [+@keyspace, +@write, +@slow], ["request_policy:multi_shard", "response_policy:agg_sum"], [["flags", [+RM, +delete], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :-1, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO unlink => [["unlink", :-2, [+write, +fast], :1, :-1, :1, [+@keyspace, +@write, +@fast], ["request_policy:multi_shard", "response_policy:agg_sum"], [["flags", [+RM, +delete], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :-1, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO exists => [["exists", :-2, [+readonly, +fast], :1, :-1, :1, [+@keyspace, +@read, +@fast], ["request_policy:multi_shard", "response_policy:agg_sum"], [["flags", [+RO], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :-1, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO type => [["type", :2, [+readonly, +fast], :1, :1, :1, [+@keyspace, +@read, +@fast], [], [["flags", [+RO], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO keys => [["keys", :2, [+readonly], :0, :0, :0, [+@keyspace, +@read, +@slow, +@dangerous], ["request_policy:all_shards", "nondeterministic_output_order"], [], []]]
        COMMAND INFO scan => [["scan", :-2, [+readonly], :0, :0, :0, [+@keyspace, +@read, +@slow], ["nondeterministic_output", "request_policy:special"], [], []]]
        COMMAND INFO randomkey => [["randomkey", :1, [+readonly], :0, :0, :0, [+@keyspace, +@read, +@slow], ["request_policy:all_shards", "nondeterministic_output"], [], []]]
        COMMAND INFO rename => [["rename", :3, [+write], :1, :2, :1, [+@keyspace, +@write, +@slow], [], [["flags", [+RW, +access, +delete], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]], ["flags", [+OW, +update], "begin_search", ["type", "index", "spec", ["index", :2]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO renamenx => [["renamenx", :3, [+write, +fast], :1, :2, :1, [+@keyspace, +@write, +@fast], [], [["flags", [+RW, +access, +delete], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]], ["flags", [+OW, +insert], "begin_search", ["type", "index", "spec", ["index", :2]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO move => [["move", :3, [+write, +fast], :1, :1, :1, [+@keyspace, +@write, +@fast], [], [["flags", [+RW, +access, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO copy => [["copy", :-3, [+write, +denyoom], :1, :2, :1, [+@keyspace, +@write, +@slow], [], [["flags", [+RO, +access], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]], ["flags", [+OW, +update], "begin_search", ["type", "index", "spec", ["index", :2]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO touch => [["touch", :-2, [+readonly, +fast], :1, :-1, :1, [+@keyspace, +@read, +@fast], ["request_policy:multi_shard", "response_policy:agg_sum"], [["flags", [+RO], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :-1, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO object|encoding => [["object|encoding", :3, [+readonly], :2, :2, :1, [+@keyspace, +@read, +@slow], ["nondeterministic_output"], [["flags", [+RO], "begin_search", ["type", "index", "spec", ["index", :2]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO object|freq => [["object|freq", :3, [+readonly], :2, :2, :1, [+@keyspace, +@read, +@slow], ["nondeterministic_output"], [["flags", [+RO], "begin_search", ["type", "index", "spec", ["index", :2]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO object|help => [["object|help", :2, [+loading, +stale], :0, :0, :0, [+@keyspace, +@slow], [], [], []]]
        COMMAND INFO object|idletime => [["object|idletime", :3, [+readonly], :2, :2, :1, [+@keyspace, +@read, +@slow], ["nondeterministic_output"], [["flags", [+RO], "begin_search", ["type", "index", "spec", ["index", :2]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO object|refcount => [["object|refcount", :3, [+readonly], :2, :2, :1, [+@keyspace, +@read, +@slow], ["nondeterministic_output"], [["flags", [+RO], "begin_search", ["type", "index", "spec", ["index", :2]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO expire => [["expire", :-3, [+write, +fast], :1, :1, :1, [+@keyspace, +@write, +@fast], [], [["flags", [+RW, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO pexpire => [["pexpire", :-3, [+write, +fast], :1, :1, :1, [+@keyspace, +@write, +@fast], [], [["flags", [+RW, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO expireat => [["expireat", :-3, [+write, +fast], :1, :1, :1, [+@keyspace, +@write, +@fast], [], [["flags", [+RW, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO pexpireat => [["pexpireat", :-3, [+write, +fast], :1, :1, :1, [+@keyspace, +@write, +@fast], [], [["flags", [+RW, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO ttl => [["ttl", :2, [+readonly, +fast], :1, :1, :1, [+@keyspace, +@read, +@fast], ["nondeterministic_output"], [["flags", [+RO, +access], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO pttl => [["pttl", :2, [+readonly, +fast], :1, :1, :1, [+@keyspace, +@read, +@fast], ["nondeterministic_output"], [["flags", [+RO, +access], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO expiretime => [["expiretime", :2, [+readonly, +fast], :1, :1, :1, [+@keyspace, +@read, +@fast], [], [["flags", [+RO, +access], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO pexpiretime => [["pexpiretime", :2, [+readonly, +fast], :1, :1, :1, [+@keyspace, +@read, +@fast], [], [["flags", [+RO, +access], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO persist => [["persist", :2, [+write, +fast], :1, :1, :1, [+@keyspace, +@write, +@fast], [], [["flags", [+RW, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO set => [["set", :-3, [+write, +denyoom], :1, :1, :1, [+@write, +@string, +@slow], [], [["notes", "RW and ACCESS due to the optional `GET` argument", "flags", [+RW, +access, +update, +variable_flags], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO get => [["get", :2, [+readonly, +fast], :1, :1, :1, [+@read, +@string, +@fast], [], [["flags", [+RO, +access], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO getex => [["getex", :-2, [+write, +fast], :1, :1, :1, [+@write, +@string, +@fast], [], [["notes", "RW and UPDATE because it changes the TTL", "flags", [+RW, +access, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO getdel => [["getdel", :2, [+write, +fast], :1, :1, :1, [+@write, +@string, +@fast], [], [["flags", [+RW, +access, +delete], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO getset => [["getset", :3, [+write, +denyoom, +fast], :1, :1, :1, [+@write, +@string, +@fast], [], [["flags", [+RW, +access, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO mget => [["mget", :-2, [+readonly, +fast], :1, :-1, :1, [+@read, +@string, +@fast], ["request_policy:multi_shard"], [["flags", [+RO, +access], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :-1, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO mset => [["mset", :-3, [+write, +denyoom], :1, :-1, :2, [+@write, +@string, +@slow], ["request_policy:multi_shard", "response_policy:all_succeeded"], [["flags", [+OW, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :-1, "keystep", :2, "limit", :0]]]], []]]
        COMMAND INFO msetnx => [["msetnx", :-3, [+write, +denyoom], :1, :-1, :2, [+@write, +@string, +@slow], ["request_policy:multi_shard", "response_policy:agg_min"], [["flags", [+OW, +insert], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :-1, "keystep", :2, "limit", :0]]]], []]]
        COMMAND INFO setnx => [["setnx", :3, [+write, +denyoom, +fast], :1, :1, :1, [+@write, +@string, +@fast], [], [["flags", [+OW, +insert], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO setex => [["setex", :4, [+write, +denyoom], :1, :1, :1, [+@write, +@string, +@slow], [], [["flags", [+OW, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO psetex => [["psetex", :4, [+write, +denyoom], :1, :1, :1, [+@write, +@string, +@slow], [], [["flags", [+OW, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO append => [["append", :3, [+write, +denyoom, +fast], :1, :1, :1, [+@write, +@string, +@fast], [], [["flags", [+RW, +insert], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO strlen => [["strlen", :2, [+readonly, +fast], :1, :1, :1, [+@read, +@string, +@fast], [], [["flags", [+RO], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO incr => [["incr", :2, [+write, +denyoom, +fast], :1, :1, :1, [+@write, +@string, +@fast], [], [["flags", [+RW, +access, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO decr => [["decr", :2, [+write, +denyoom, +fast], :1, :1, :1, [+@write, +@string, +@fast], [], [["flags", [+RW, +access, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO incrby => [["incrby", :3, [+write, +denyoom, +fast], :1, :1, :1, [+@write, +@string, +@fast], [], [["flags", [+RW, +access, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO decrby => [["decrby", :3, [+write, +denyoom, +fast], :1, :1, :1, [+@write, +@string, +@fast], [], [["flags", [+RW, +access, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO incrbyfloat => [["incrbyfloat", :3, [+write, +denyoom, +fast], :1, :1, :1, [+@write, +@string, +@fast], [], [["flags", [+RW, +access, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO getrange => [["getrange", :4, [+readonly], :1, :1, :1, [+@read, +@string, +@slow], [], [["flags", [+RO, +access], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO substr => [["substr", :4, [+readonly], :1, :1, :1, [+@read, +@string, +@slow], [], [["flags", [+RO, +access], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO setrange => [["setrange", :4, [+write, +denyoom], :1, :1, :1, [+@write, +@string, +@slow], [], [["flags", [+RW, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]
        COMMAND INFO lcs => [["lcs", :-3, [+readonly], :1, :2, :1, [+@read, +@string, +@slow], [], [["flags", [+RO, +access], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :1, "keystep", :1, "limit", :0]]]], []]]
    "#,
    );
}

/// A COMMAND INFO reply with each container's subcommands sorted by name.
fn sorted_info(mut frame: Frame) -> String {
    if let Frame::Array(entries) = &mut frame {
        for entry in entries {
            if let Frame::Array(fields) = entry
                && let Some(Frame::Array(subs)) = fields.get_mut(9)
            {
                subs.sort_by_key(render);
            }
        }
    }
    render(&frame)
}

#[test]
fn command_info_of_containers() {
    let mut c = TestServer::new().client();
    assert_eq!(
        sorted_info(c.line("COMMAND INFO config")),
        r#"[["config", :-2, [], :0, :0, :0, [+@slow], [], [], [["config|get", :-3, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous], [], [], []], ["config|help", :2, [+loading, +stale], :0, :0, :0, [+@slow], [], [], []], ["config|resetstat", :2, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous], [], [], []], ["config|rewrite", :2, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous], [], [], []], ["config|set", :-4, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous], ["request_policy:all_nodes", "response_policy:all_succeeded"], [], []]]]]"#
    );
    assert_eq!(
        sorted_info(c.line("COMMAND INFO command")),
        r#"[["command", :-1, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], ["nondeterministic_output_order"], [], [["command|count", :2, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], [], [], []], ["command|docs", :-2, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], ["nondeterministic_output_order"], [], []], ["command|getkeys", :-4, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], [], [], []], ["command|getkeysandflags", :-4, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], [], [], []], ["command|help", :2, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], [], [], []], ["command|info", :-2, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], ["nondeterministic_output_order"], [], []], ["command|list", :-2, [+loading, +stale], :0, :0, :0, [+@slow, +@connection], ["nondeterministic_output_order"], [], []]]]]"#
    );
    assert_eq!(
        sorted_info(c.line("COMMAND INFO object")),
        r#"[["object", :-2, [], :0, :0, :0, [+@slow], [], [], [["object|encoding", :3, [+readonly], :2, :2, :1, [+@keyspace, +@read, +@slow], ["nondeterministic_output"], [["flags", [+RO], "begin_search", ["type", "index", "spec", ["index", :2]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []], ["object|freq", :3, [+readonly], :2, :2, :1, [+@keyspace, +@read, +@slow], ["nondeterministic_output"], [["flags", [+RO], "begin_search", ["type", "index", "spec", ["index", :2]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []], ["object|help", :2, [+loading, +stale], :0, :0, :0, [+@keyspace, +@slow], [], [], []], ["object|idletime", :3, [+readonly], :2, :2, :1, [+@keyspace, +@read, +@slow], ["nondeterministic_output"], [["flags", [+RO], "begin_search", ["type", "index", "spec", ["index", :2]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []], ["object|refcount", :3, [+readonly], :2, :2, :1, [+@keyspace, +@read, +@slow], ["nondeterministic_output"], [["flags", [+RO], "begin_search", ["type", "index", "spec", ["index", :2]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]]]"#
    );
    // CLIENT: the container's own fields; its subcommands are checked one by one above.
    let client = render(&c.line("COMMAND INFO client"));
    assert!(
        client.starts_with(r#"[["client", :-2, [], :0, :0, :0, [+@slow], [], [], [["client|"#),
        "{client}"
    );
}

#[test]
fn command_info_lookups() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        COMMAND INFO nosuch => [nil]
        COMMAND INFO get|foo => [nil]
        COMMAND INFO CONFIG|GET => [["config|get", :-3, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous], [], [], []]]
        COMMAND INFO config|get|x => [nil]
        COMMAND INFO get nosuch => [["get", :2, [+readonly, +fast], :1, :1, :1, [+@read, +@string, +@fast], [], [["flags", [+RO, +access], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []], nil]
        COMMAND INFO | => [nil]
        COMMAND INFO get| => [nil]
    "#,
    );
}

#[test]
fn command_info_in_resp3() {
    let mut c = TestServer::new().client();
    c.resp3();
    assert_eq!(
        render(&c.line("COMMAND INFO set")),
        r#"[["set", :-3, ~[+write, +denyoom], :1, :1, :1, ~[+@write, +@string, +@slow], ~[], ~[{"notes": "RW and ACCESS due to the optional `GET` argument", "flags": ~[+RW, +access, +update, +variable_flags], "begin_search": {"type": "index", "spec": {"index": :1}}, "find_keys": {"type": "range", "spec": {"lastkey": :0, "keystep": :1, "limit": :0}}}], ~[]]]"#
    );
    assert_eq!(
        render(&c.line("COMMAND GETKEYSANDFLAGS set k1 v1")),
        r#"[["k1", ~[+OW, +update]]]"#
    );
}

#[test]
fn command_without_arguments_and_count() {
    let mut c = TestServer::new().client();
    let Frame::Integer(count) = c.line("COMMAND COUNT") else {
        panic!("COMMAND COUNT did not reply with an integer");
    };
    let Frame::Array(all) = c.line("COMMAND") else {
        panic!("COMMAND did not reply with an array");
    };
    assert_eq!(all.len() as i64, count);
    let Frame::Array(info) = c.line("COMMAND INFO") else {
        panic!("COMMAND INFO did not reply with an array");
    };
    assert_eq!(info, all);
    // Every entry has COMMAND INFO's ten fields, and each top-level command is there.
    assert!(
        all.iter()
            .all(|e| matches!(e, Frame::Array(f) if f.len() == 10))
    );
    let Frame::Array(listed) = c.line("COMMAND LIST") else {
        panic!("COMMAND LIST did not reply with an array");
    };
    let top: Vec<&Frame> = listed
        .iter()
        .filter(|name| !name.as_bytes().unwrap_or_default().contains(&b'|'))
        .collect();
    assert_eq!(top.len() as i64, count);
    c.script(
        r#"
        COMMAND COUNT x => -ERR wrong number of arguments for 'command|count' command
        COMMAND FOO => -ERR unknown subcommand 'FOO'. Try COMMAND HELP.
        COMMAND HELP x => -ERR wrong number of arguments for 'command|help' command
    "#,
    );
    let help = render(&c.line("COMMAND HELP"));
    assert!(
        help.starts_with("[+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:, ")
            && help.ends_with(", +HELP, +    Prints this help.]"),
        "{help}"
    );
}

/// A COMMAND LIST reply as sorted names.
fn sorted_names(c: &mut TestClient, line: &str) -> Vec<String> {
    let Frame::Array(names) = c.line(line) else {
        return vec![format!("{line}: not an array")];
    };
    let mut names: Vec<String> = names.iter().map(render).collect();
    names.sort();
    names
}

#[test]
fn command_list_filters() {
    let mut c = TestServer::new().client();
    assert_eq!(
        sorted_names(&mut c, "COMMAND LIST FILTERBY PATTERN *expire*"),
        [
            r#""expire""#,
            r#""expireat""#,
            r#""expiretime""#,
            r#""pexpire""#,
            r#""pexpireat""#,
            r#""pexpiretime""#
        ]
    );
    assert_eq!(
        sorted_names(&mut c, "COMMAND LIST FILTERBY PATTERN object|*"),
        [
            r#""object|encoding""#,
            r#""object|freq""#,
            r#""object|help""#,
            r#""object|idletime""#,
            r#""object|refcount""#
        ]
    );
    // The string category: the same commands as Redis's.
    let strings = sorted_names(&mut c, "COMMAND LIST FILTERBY ACLCAT string");
    assert_eq!(strings.len(), 22, "{strings:?}");
    assert_eq!(
        sorted_names(&mut c, "COMMAND LIST FILTERBY ACLCAT STRING"),
        strings
    );
    let all = sorted_names(&mut c, "COMMAND LIST");
    assert!(all.contains(&r#""config|get""#.to_string()));
    c.script(
        r#"
        COMMAND LIST FILTERBY ACLCAT nosuchcat => []
        COMMAND LIST FILTERBY ACLCAT => -ERR syntax error
        COMMAND LIST FILTERBY => -ERR syntax error
        COMMAND LIST FILTERBY FOO bar => -ERR syntax error
        COMMAND LIST foo => -ERR syntax error
        COMMAND LIST FILTERBY MODULE x => []
        COMMAND LIST FILTERBY PATTERN get => ["get"]
        COMMAND LIST FILTERBY PATTERN GET => ["get"]
        COMMAND LIST FILTERBY ACLCAT String FILTERBY PATTERN x => -ERR syntax error
        COMMAND LIST FILTERBY PATTERN x y => -ERR syntax error
    "#,
    );
}

#[test]
fn command_getkeys_and_getkeysandflags() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        COMMAND GETKEYS => -ERR wrong number of arguments for 'command|getkeys' command
        COMMAND GETKEYS get => -ERR wrong number of arguments for 'command|getkeys' command
        COMMAND GETKEYS nosuch a => -ERR Invalid command specified
        COMMAND GETKEYS ping x => -ERR The command has no key arguments
        COMMAND GETKEYS get a b => -ERR Invalid number of arguments specified for command
        COMMAND GETKEYS set k => -ERR Invalid number of arguments specified for command
        COMMAND GETKEYS set k v => ["k"]
        COMMAND GETKEYS SET k v => ["k"]
        COMMAND GETKEYS object encoding k => ["k"]
        COMMAND GETKEYS object nosuch k => -ERR Invalid command specified
        COMMAND GETKEYS config get x => -ERR The command has no key arguments
        COMMAND GETKEYS del a b c => ["a", "b", "c"]
        COMMAND GETKEYS mset a 1 b 2 => ["a", "b"]
        COMMAND GETKEYS mset a 1 b => ["a", "b"]
        COMMAND GETKEYS copy a b db 1 => ["a", "b"]
        COMMAND GETKEYS rename a b => ["a", "b"]
        COMMAND GETKEYS lcs a b => ["a", "b"]
        COMMAND GETKEYS lcs a b IDX LEN => ["a", "b"]
        COMMAND GETKEYS expire k 10 => ["k"]
        COMMAND GETKEYS keys * => -ERR The command has no key arguments
        COMMAND GETKEYS scan 0 => -ERR The command has no key arguments
        COMMAND GETKEYS debug digest-value k => -ERR The command has no key arguments
        COMMAND GETKEYSANDFLAGS set k1 v1 => [["k1", [+OW, +update]]]
        COMMAND GETKEYSANDFLAGS set k1 v1 get => [["k1", [+RW, +access, +update]]]
        COMMAND GETKEYSANDFLAGS set k1 v1 GET => [["k1", [+RW, +access, +update]]]
        COMMAND GETKEYSANDFLAGS mset a 1 b 2 => [["a", [+OW, +update]], ["b", [+OW, +update]]]
        COMMAND GETKEYSANDFLAGS msetnx a 1 b 2 => [["a", [+OW, +insert]], ["b", [+OW, +insert]]]
        COMMAND GETKEYSANDFLAGS lcs k1 k2 => [["k1", [+RO, +access]], ["k2", [+RO, +access]]]
        COMMAND GETKEYSANDFLAGS rename a b => [["a", [+RW, +access, +delete]], ["b", [+OW, +update]]]
        COMMAND GETKEYSANDFLAGS renamenx a b => [["a", [+RW, +access, +delete]], ["b", [+OW, +insert]]]
        COMMAND GETKEYSANDFLAGS copy a b => [["a", [+RO, +access]], ["b", [+OW, +update]]]
        COMMAND GETKEYSANDFLAGS move a 1 => [["a", [+RW, +access, +update]]]
        COMMAND GETKEYSANDFLAGS del a b => [["a", [+RM, +delete]], ["b", [+RM, +delete]]]
        COMMAND GETKEYSANDFLAGS getdel a => [["a", [+RW, +access, +delete]]]
        COMMAND GETKEYSANDFLAGS getex a => [["a", [+RW, +access, +update]]]
        COMMAND GETKEYSANDFLAGS append a b => [["a", [+RW, +insert]]]
        COMMAND GETKEYSANDFLAGS object freq a => [["a", [+RO]]]
        COMMAND GETKEYSANDFLAGS ttl a => [["a", [+RO, +access]]]
        COMMAND GETKEYSANDFLAGS persist a => [["a", [+RW, +update]]]
        COMMAND GETKEYSANDFLAGS setrange a 0 b => [["a", [+RW, +update]]]
        COMMAND GETKEYSANDFLAGS ping => -ERR wrong number of arguments for 'command|getkeysandflags' command
        COMMAND GETKEYSANDFLAGS ping x => -ERR The command has no key arguments
    "#,
    );
}

/// Replaces the prose of a COMMAND DOCS reply (summaries, complexities, history notes,
/// replacements) with `+TEXT`: Scarlet words those itself.
fn mask_prose(frame: &mut Frame) {
    let text = || Frame::Simple(b"TEXT".to_vec());
    match frame {
        Frame::Array(items) | Frame::Set(items) => {
            let keys: Vec<Option<Vec<u8>>> = items
                .iter()
                .map(|f| f.as_bytes().map(<[u8]>::to_vec))
                .collect();
            for (key, item) in keys.iter().zip(items.iter_mut().skip(1)) {
                match key.as_deref() {
                    Some(b"summary" | b"complexity" | b"replaced_by") => *item = text(),
                    Some(b"history") => {
                        if let Frame::Array(entries) | Frame::Set(entries) = item {
                            for entry in entries {
                                if let Frame::Array(pair) = entry
                                    && let [_, note] = pair.as_mut_slice()
                                {
                                    *note = text();
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            items.iter_mut().for_each(mask_prose);
        }
        Frame::Map(pairs) => {
            for (key, value) in pairs.iter_mut() {
                match key.as_bytes() {
                    Some(b"summary" | b"complexity" | b"replaced_by") => *value = text(),
                    _ => mask_prose(value),
                }
            }
        }
        _ => {}
    }
}

/// Commands whose COMMAND DOCS entry, prose masked, is Redis 7.0.15's.
const DOCS: &[(&str, &str)] = &[
    (
        "ping",
        r#"["ping", ["summary", +TEXT, "since", "1.0.0", "group", "connection", "complexity", +TEXT, "arguments", [["name", "message", "type", "string", "flags", [+optional]]]]]"#,
    ),
    (
        "echo",
        r#"["echo", ["summary", +TEXT, "since", "1.0.0", "group", "connection", "complexity", +TEXT, "arguments", [["name", "message", "type", "string"]]]]"#,
    ),
    (
        "quit",
        r#"["quit", ["summary", +TEXT, "since", "1.0.0", "group", "connection", "complexity", +TEXT]]"#,
    ),
    (
        "reset",
        r#"["reset", ["summary", +TEXT, "since", "6.2.0", "group", "connection", "complexity", +TEXT]]"#,
    ),
    (
        "select",
        r#"["select", ["summary", +TEXT, "since", "1.0.0", "group", "connection", "complexity", +TEXT, "arguments", [["name", "index", "type", "integer"]]]]"#,
    ),
    (
        "client|getname",
        r#"["client|getname", ["summary", +TEXT, "since", "2.6.9", "group", "connection", "complexity", +TEXT]]"#,
    ),
    (
        "client|help",
        r#"["client|help", ["summary", +TEXT, "since", "5.0.0", "group", "connection", "complexity", +TEXT]]"#,
    ),
    (
        "client|id",
        r#"["client|id", ["summary", +TEXT, "since", "5.0.0", "group", "connection", "complexity", +TEXT]]"#,
    ),
    (
        "client|info",
        r#"["client|info", ["summary", +TEXT, "since", "6.2.0", "group", "connection", "complexity", +TEXT]]"#,
    ),
    (
        "client|setname",
        r#"["client|setname", ["summary", +TEXT, "since", "2.6.9", "group", "connection", "complexity", +TEXT, "arguments", [["name", "connection-name", "type", "string"]]]]"#,
    ),
    (
        "client|unpause",
        r#"["client|unpause", ["summary", +TEXT, "since", "6.2.0", "group", "connection", "complexity", +TEXT]]"#,
    ),
    (
        "info",
        r#"["info", ["summary", +TEXT, "since", "1.0.0", "group", "server", "complexity", +TEXT, "history", [["7.0.0", +TEXT]], "arguments", [["name", "section", "type", "string", "flags", [+optional, +multiple]]]]]"#,
    ),
    (
        "config|help",
        r#"["config|help", ["summary", +TEXT, "since", "5.0.0", "group", "server", "complexity", +TEXT]]"#,
    ),
    (
        "config|resetstat",
        r#"["config|resetstat", ["summary", +TEXT, "since", "2.0.0", "group", "server", "complexity", +TEXT]]"#,
    ),
    (
        "config|rewrite",
        r#"["config|rewrite", ["summary", +TEXT, "since", "2.8.0", "group", "server", "complexity", +TEXT]]"#,
    ),
    (
        "dbsize",
        r#"["dbsize", ["summary", +TEXT, "since", "1.0.0", "group", "server", "complexity", +TEXT]]"#,
    ),
    (
        "swapdb",
        r#"["swapdb", ["summary", +TEXT, "since", "4.0.0", "group", "server", "complexity", +TEXT, "arguments", [["name", "index1", "type", "integer"], ["name", "index2", "type", "integer"]]]]"#,
    ),
    (
        "time",
        r#"["time", ["summary", +TEXT, "since", "2.6.0", "group", "server", "complexity", +TEXT]]"#,
    ),
    (
        "command|count",
        r#"["command|count", ["summary", +TEXT, "since", "2.8.13", "group", "server", "complexity", +TEXT]]"#,
    ),
    (
        "command|docs",
        r#"["command|docs", ["summary", +TEXT, "since", "7.0.0", "group", "server", "complexity", +TEXT, "arguments", [["name", "command-name", "type", "string", "flags", [+optional, +multiple]]]]]"#,
    ),
    (
        "command|help",
        r#"["command|help", ["summary", +TEXT, "since", "5.0.0", "group", "server", "complexity", +TEXT]]"#,
    ),
    (
        "command|info",
        r#"["command|info", ["summary", +TEXT, "since", "2.8.13", "group", "server", "complexity", +TEXT, "history", [["7.0.0", +TEXT]], "arguments", [["name", "command-name", "type", "string", "flags", [+optional, +multiple]]]]]"#,
    ),
    (
        "debug",
        r#"["debug", ["summary", +TEXT, "since", "1.0.0", "group", "server", "complexity", +TEXT, "doc_flags", [+syscmd]]]"#,
    ),
    (
        "del",
        r#"["del", ["summary", +TEXT, "since", "1.0.0", "group", "generic", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0, "flags", [+multiple]]]]]"#,
    ),
    (
        "unlink",
        r#"["unlink", ["summary", +TEXT, "since", "4.0.0", "group", "generic", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0, "flags", [+multiple]]]]]"#,
    ),
    (
        "exists",
        r#"["exists", ["summary", +TEXT, "since", "1.0.0", "group", "generic", "complexity", +TEXT, "history", [["3.0.3", +TEXT]], "arguments", [["name", "key", "type", "key", "key_spec_index", :0, "flags", [+multiple]]]]]"#,
    ),
    (
        "type",
        r#"["type", ["summary", +TEXT, "since", "1.0.0", "group", "generic", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "keys",
        r#"["keys", ["summary", +TEXT, "since", "1.0.0", "group", "generic", "complexity", +TEXT, "arguments", [["name", "pattern", "type", "pattern"]]]]"#,
    ),
    (
        "randomkey",
        r#"["randomkey", ["summary", +TEXT, "since", "1.0.0", "group", "generic", "complexity", +TEXT]]"#,
    ),
    (
        "rename",
        r#"["rename", ["summary", +TEXT, "since", "1.0.0", "group", "generic", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "newkey", "type", "key", "key_spec_index", :1]]]]"#,
    ),
    (
        "renamenx",
        r#"["renamenx", ["summary", +TEXT, "since", "1.0.0", "group", "generic", "complexity", +TEXT, "history", [["3.2.0", +TEXT]], "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "newkey", "type", "key", "key_spec_index", :1]]]]"#,
    ),
    (
        "move",
        r#"["move", ["summary", +TEXT, "since", "1.0.0", "group", "generic", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "db", "type", "integer"]]]]"#,
    ),
    (
        "copy",
        r#"["copy", ["summary", +TEXT, "since", "6.2.0", "group", "generic", "complexity", +TEXT, "arguments", [["name", "source", "type", "key", "key_spec_index", :0], ["name", "destination", "type", "key", "key_spec_index", :1], ["name", "destination-db", "type", "integer", "token", "DB", "flags", [+optional]], ["name", "replace", "type", "pure-token", "token", "REPLACE", "flags", [+optional]]]]]"#,
    ),
    (
        "touch",
        r#"["touch", ["summary", +TEXT, "since", "3.2.1", "group", "generic", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0, "flags", [+multiple]]]]]"#,
    ),
    (
        "object|encoding",
        r#"["object|encoding", ["summary", +TEXT, "since", "2.2.3", "group", "generic", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "object|freq",
        r#"["object|freq", ["summary", +TEXT, "since", "4.0.0", "group", "generic", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "object|help",
        r#"["object|help", ["summary", +TEXT, "since", "6.2.0", "group", "generic", "complexity", +TEXT]]"#,
    ),
    (
        "object|idletime",
        r#"["object|idletime", ["summary", +TEXT, "since", "2.2.3", "group", "generic", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "object|refcount",
        r#"["object|refcount", ["summary", +TEXT, "since", "2.2.3", "group", "generic", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "ttl",
        r#"["ttl", ["summary", +TEXT, "since", "1.0.0", "group", "generic", "complexity", +TEXT, "history", [["2.8.0", +TEXT]], "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "pttl",
        r#"["pttl", ["summary", +TEXT, "since", "2.6.0", "group", "generic", "complexity", +TEXT, "history", [["2.8.0", +TEXT]], "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "expiretime",
        r#"["expiretime", ["summary", +TEXT, "since", "7.0.0", "group", "generic", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "pexpiretime",
        r#"["pexpiretime", ["summary", +TEXT, "since", "7.0.0", "group", "generic", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "persist",
        r#"["persist", ["summary", +TEXT, "since", "2.2.0", "group", "generic", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "get",
        r#"["get", ["summary", +TEXT, "since", "1.0.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "getex",
        r#"["getex", ["summary", +TEXT, "since", "6.2.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "expiration", "type", "oneof", "flags", [+optional], "arguments", [["name", "seconds", "type", "integer", "token", "EX"], ["name", "milliseconds", "type", "integer", "token", "PX"], ["name", "unix-time-seconds", "type", "unix-time", "token", "EXAT"], ["name", "unix-time-milliseconds", "type", "unix-time", "token", "PXAT"], ["name", "persist", "type", "pure-token", "token", "PERSIST"]]]]]]"#,
    ),
    (
        "getdel",
        r#"["getdel", ["summary", +TEXT, "since", "6.2.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "getset",
        r#"["getset", ["summary", +TEXT, "since", "1.0.0", "group", "string", "complexity", +TEXT, "doc_flags", [+deprecated], "deprecated_since", "6.2.0", "replaced_by", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "value", "type", "string"]]]]"#,
    ),
    (
        "mget",
        r#"["mget", ["summary", +TEXT, "since", "1.0.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0, "flags", [+multiple]]]]]"#,
    ),
    (
        "setnx",
        r#"["setnx", ["summary", +TEXT, "since", "1.0.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "value", "type", "string"]]]]"#,
    ),
    (
        "setex",
        r#"["setex", ["summary", +TEXT, "since", "2.0.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "seconds", "type", "integer"], ["name", "value", "type", "string"]]]]"#,
    ),
    (
        "psetex",
        r#"["psetex", ["summary", +TEXT, "since", "2.6.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "milliseconds", "type", "integer"], ["name", "value", "type", "string"]]]]"#,
    ),
    (
        "append",
        r#"["append", ["summary", +TEXT, "since", "2.0.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "value", "type", "string"]]]]"#,
    ),
    (
        "strlen",
        r#"["strlen", ["summary", +TEXT, "since", "2.2.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "incr",
        r#"["incr", ["summary", +TEXT, "since", "1.0.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "decr",
        r#"["decr", ["summary", +TEXT, "since", "1.0.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]"#,
    ),
    (
        "incrby",
        r#"["incrby", ["summary", +TEXT, "since", "1.0.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "increment", "type", "integer"]]]]"#,
    ),
    (
        "decrby",
        r#"["decrby", ["summary", +TEXT, "since", "1.0.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "decrement", "type", "integer"]]]]"#,
    ),
    (
        "incrbyfloat",
        r#"["incrbyfloat", ["summary", +TEXT, "since", "2.6.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "increment", "type", "double"]]]]"#,
    ),
    (
        "getrange",
        r#"["getrange", ["summary", +TEXT, "since", "2.4.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "start", "type", "integer"], ["name", "end", "type", "integer"]]]]"#,
    ),
    (
        "substr",
        r#"["substr", ["summary", +TEXT, "since", "1.0.0", "group", "string", "complexity", +TEXT, "doc_flags", [+deprecated], "deprecated_since", "2.0.0", "replaced_by", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "start", "type", "integer"], ["name", "end", "type", "integer"]]]]"#,
    ),
    (
        "setrange",
        r#"["setrange", ["summary", +TEXT, "since", "2.2.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "offset", "type", "integer"], ["name", "value", "type", "string"]]]]"#,
    ),
];

#[test]
fn command_docs_match_redis_but_for_the_prose() {
    let mut c = TestServer::new().client();
    let mut report = String::new();
    for (name, expected) in DOCS {
        let mut reply = c.cmd(&["COMMAND", "DOCS", name]);
        mask_prose(&mut reply);
        let actual = render(&reply);
        if actual != *expected {
            report.push_str(&format!(
                "{name}\n  expected: {expected}\n    actual: {actual}\n"
            ));
        }
    }
    assert!(report.is_empty(), "{report}");
}

#[test]
fn command_docs_lookups_and_resp3() {
    let mut c = TestServer::new().client();
    let docs = |c: &mut TestClient, line: &str| {
        let mut reply = c.line(line);
        mask_prose(&mut reply);
        render(&reply)
    };
    assert_eq!(docs(&mut c, "COMMAND DOCS nosuch"), "[]");
    assert_eq!(docs(&mut c, "COMMAND DOCS get|foo"), "[]");
    let get = r#""get", ["summary", +TEXT, "since", "1.0.0", "group", "string", "complexity", +TEXT, "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]"#;
    assert_eq!(docs(&mut c, "COMMAND DOCS GET"), format!("[{get}]"));
    assert_eq!(
        docs(&mut c, "COMMAND DOCS get nosuch get"),
        format!("[{get}, {get}]")
    );
    c.resp3();
    assert_eq!(
        docs(&mut c, "COMMAND DOCS getset"),
        r#"{"getset": {"summary": +TEXT, "since": "1.0.0", "group": "string", "complexity": +TEXT, "doc_flags": ~[+deprecated], "deprecated_since": "6.2.0", "replaced_by": +TEXT, "arguments": [{"name": "key", "type": "key", "key_spec_index": :0}, {"name": "value", "type": "string"}]}}"#
    );
    let Frame::Map(all) = c.line("COMMAND DOCS") else {
        panic!("COMMAND DOCS did not reply with a map in RESP3");
    };
    let Frame::Integer(count) = c.line("COMMAND COUNT") else {
        panic!("COMMAND COUNT did not reply with an integer");
    };
    assert_eq!(all.len() as i64, count);
}
