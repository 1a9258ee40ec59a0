//! EVAL scripts through the real dispatcher: the cache, the `redis` API, reply
//! conversions both ways, the sandbox and its exact error texts.
//!
//! Each expected reply is what Redis 7.0.15 answered to the same session (see
//! `scarlet_server::testkit` for the notation).

use scarlet_server::testkit::TestServer;

#[test]
fn eval_and_the_script_cache() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        EVAL "return 1" 0 => :1
        SCRIPT LOAD "return 'hello'" => "1b936e3fe509bcbc9cd0664897bbe8fd0cac101b"
        EVALSHA 1b936e3fe509bcbc9cd0664897bbe8fd0cac101b 0 => "hello"
        EVALSHA 1B936E3FE509BCBC9CD0664897BBE8FD0CAC101B 0 => "hello"
        SCRIPT EXISTS 1b936e3fe509bcbc9cd0664897bbe8fd0cac101b ffffffffffffffffffffffffffffffffffffffff => [:1, :0]
        EVALSHA ffffffffffffffffffffffffffffffffffffffff 0 => -NOSCRIPT No matching script. Please use EVAL.
        EVALSHA short 0 => -NOSCRIPT No matching script. Please use EVAL.
        SCRIPT FLUSH => +OK
        SCRIPT EXISTS 1b936e3fe509bcbc9cd0664897bbe8fd0cac101b => [:0]
        SCRIPT FLUSH ASYNC => +OK
        SCRIPT FLUSH bad => -ERR SCRIPT FLUSH only support SYNC|ASYNC option
        EVAL "return 1" x => -ERR value is not an integer or out of range
        EVAL "return 1" 2 a => -ERR Number of keys can't be greater than number of args
        EVAL "return 1" -1 => -ERR Number of keys can't be negative
        SCRIPT KILL => -NOTBUSY No scripts in execution right now.
        EVAL "return {KEYS[1], KEYS[2], ARGV[1]}" 2 a b c => ["a", "b", "c"]
        EVAL "return {KEYS[1], ARGV[1], ARGV[2], #KEYS, #ARGV}" 1 "k\xff\x00" "\xc3\xa9\x80" "\xc3\xa9" => ["k\xff\x00", "\xc3\xa9\x80", "\xc3\xa9", :1, :2]
        EVAL "return {#KEYS, #ARGV}" 0 => [:0, :0]
        EVAL "syntax error here" 0 => -ERR Error compiling script (new function): user_script:1: '=' expected near 'error'
    "#,
    );
}

#[test]
fn redis_call_and_pcall() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        EVAL "return redis.call('set', KEYS[1], ARGV[1])" 1 k v => +OK
        EVAL "return redis.call('get', KEYS[1])" 1 k => "v"
        EVAL "return redis.call('get', 'nokey')" 0 => nil
        EVAL "return redis.call('incr', KEYS[1])" 1 k => -ERR value is not an integer or out of range script: 2bab3b661081db58bd2341920e0ba7cf5dc77b25, on @user_script:1.
    "#,
    );
}

#[test]
fn errors_name_the_script_and_line() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        EVAL "return a" 0 => -ERR user_script:1: Script attempted to access nonexistent global variable 'a' script: bbfcd1ececc90deec823f7fb730e4bfb2a4ba625, on @user_script:1.
        EVAL "error('foo')" 0 => -ERR user_script:1: foo script: 3636b3c71d6a755d5b3f0a4d22850f935598f38d, on @user_script:1.
        EVAL "a=1" 0 => -ERR user_script:1: Attempt to modify a readonly table script: 86eda770a6060824b090dd4df091e3bd4121279c, on @user_script:1.
        EVAL "return redis.call('incr','x','y')" 0 => -ERR Wrong number of args calling Redis command from script script: c7d8ad623e739f5be7f1ea520c579a2cf1a1acc6, on @user_script:1.
        EVAL "return redis.call('nosuch')" 0 => -ERR Unknown Redis command called from script script: 206396248e12c6e742fd7296250433c8d7343b74, on @user_script:1.
        EVAL "error({err='MY err'})" 0 => -MY err script: 648c64a0f76d70364d8d680b48b1c2f282eb8600, on @user_script:1.
        EVAL "return redis.call('set','x',{})" 0 => -ERR Lua redis lib command arguments must be strings or integers script: 22b6401e490282a52b35fdeea55305fd5641816e, on @user_script:1.
        EVAL "return redis.call()" 0 => -ERR Please specify at least one argument for this redis lib call script: 0a907e1429221a4d85516cab7fd219a82a9439d8, on @user_script:1.
        EVAL "return redis.error_reply('My Error')" 0 => -My Error
        EVAL "return {err='My Error'}" 0 => -My Error
        EVAL "redis.setresp(4)" 0 => -ERR RESP version must be 2 or 3. script: 68e72e4d8a428b9f599dce492315f2455a425a82, on @user_script:1.
        EVAL "return redis.call('eval', 'return 1', 0)" 0 => -ERR This Redis command is not allowed from script script: 310efa61ec0f2edf6c2e5b4007966dd555e75546, on @user_script:1.
    "#,
    );
}

#[test]
fn conversions() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        EVAL "return {1,2,3,'ciao',{1,2}}" 0 => [:1, :2, :3, "ciao", [:1, :2]]
        EVAL "return {1,2,nil,4}" 0 => [:1, :2]
        EVAL "return 3.99" 0 => :3
        EVAL "return true" 0 => :1
        EVAL "return false" 0 => nil
        EVAL "return {ok='fine'}" 0 => +fine
        EVAL "return {double=3.5}" 0 => "3.5"
        EVAL "return redis.sha1hex('')" 0 => "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        EVAL "return redis.sha1hex('Pizza & Mandolino')" 0 => "74822d82031af7493c20eefa13bd07ec4fada82f"
        EVAL "return redis.acl_check_cmd('set', 'xx', 1)" 0 => :1
        EVAL "return redis.acl_check_cmd('config')" 0 => :1
        EVAL "return redis.acl_check_cmd('get', 1.5)" 0 => :1
        EVAL "return redis.acl_check_cmd('invalid-cmd', 'arg')" 0 => -ERR Invalid command passed to redis.acl_check_cmd() script: 7320a42aca4b0d04d58d833e36b23b990f9e8cb6, on @user_script:1.
        EVAL "return redis.acl_check_cmd('config', 'nosuch')" 0 => -ERR Invalid command passed to redis.acl_check_cmd() script: 59c2d7413e28c1da10f491d07245ad068842c81e, on @user_script:1.
        EVAL "return redis.acl_check_cmd()" 0 => -ERR Please specify at least one argument for this redis lib call script: 1124f33ad66e7866b4e0c1499a4c20fb5eb9c180, on @user_script:1.
        EVAL "return redis.acl_check_cmd({})" 0 => -ERR Lua redis lib command arguments must be strings or integers script: 8b3d233cc233d15538b743edd3bc4603509e4325, on @user_script:1.
        EVAL "return {pcall(function() error('x') end)}" 0 => [nil, "user_script:1: x"]
        EVAL "return {pcall(function() redis.call('nosuch') end)}" 0 => [nil, "ERR Unknown Redis command called from script"]
        EVAL "return redis.pcall('nosuch')" 0 => -ERR Unknown Redis command called from script
        HSET h a 1 => :1
        EVAL "redis.setresp(3); return redis.call('hgetall', 'h')" 0 => ["a", "1"]
    "#,
    );
}

#[test]
fn sandbox() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        EVAL "return loadstring(string.dump(function() return 1 end))()" 0 => -ERR user_script:1: attempt to call a nil value script: 5dcb142d767eb350dbcc8f0ae66433b0e227f5a2, on @user_script:1.
        EVAL "setmetatable(_G, {})" 0 => -ERR Attempt to modify a readonly table script: 0bf0a51fbb051c942113de0105d3f8e18cdcddb5, on @user_script:1.
        EVAL "local g = getmetatable(_G); g.__index = {}" 0 => -ERR user_script:1: Attempt to modify a readonly table script: d5bf2555a61874311845ed0da8f563e53d6e2a87, on @user_script:1.
        EVAL "redis.call = function() return 1 end" 0 => -ERR user_script:1: Attempt to modify a readonly table script: c43ce023c52dd77c04f1bc4f63c83d9433932121, on @user_script:1.
        EVAL "_G = {}" 0 => -ERR user_script:1: Attempt to modify a readonly table script: 89dde19b7531a8ce7251955df304bbd72a1c003e, on @user_script:1.
        EVAL "print('x')" 0 => -ERR user_script:1: Script attempted to access nonexistent global variable 'print' script: af544869f07ee0ff98e955508566826cfc6fcf49, on @user_script:1.
        EVAL "os.exit()" 0 => -ERR user_script:1: Script attempted to access nonexistent global variable 'os' script: cfee573beed45589563480460931ee2e6ab1a8ab, on @user_script:1.
        EVAL "return tostring(string.rep('x',3))" 0 => "xxx"
    "#,
    );
}

#[test]
fn shebang_flags() {
    let mut c = TestServer::new().client();
    c.script(
        r##"
        EVAL "#!lua flags=no-writes\nreturn redis.call('set','x','1')" 0 => -ERR Write commands are not allowed from read-only scripts. script: 6496c2741353a8e9e5fd8f1f4205c2149edef733, on @user_script:2.
        EVAL "#!lua\nreturn redis.call('set','x','1')" 0 => +OK
        EVAL_RO "#!lua\nreturn 1" 0 => -ERR Can not execute a script with write flag using *_ro command.
        EVAL_RO "return redis.call('set','x','1')" 0 => -ERR Write commands are not allowed from read-only scripts. script: 8b2ae6dd76cda7fc3e27f97431ae27d7b08a221d, on @user_script:1.
        EVAL "#!lua flags=bad\nreturn 1" 0 => -ERR Unexpected flag in script shebang: bad
        EVAL "#!python\nreturn 1" 0 => -ERR Unexpected engine in script shebang: #!python
    "##,
    );
}

#[test]
fn sort_by_nosort_sorts_a_set_inside_scripts() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SADD s c a b 10 2 => :5
        EVAL "return redis.call('sort', KEYS[1], 'by', 'nosort')" 1 s => ["10", "2", "a", "b", "c"]
        ZADD z 1 a 5 b 2 c => :3
        EVAL "return redis.call('sort', KEYS[1], 'by', 'nosort', 'desc')" 1 z => ["b", "c", "a"]
    "#,
    );
}

#[test]
fn script_debug_modes() {
    let server = TestServer::new();
    let mut c = server.client();
    c.script(
        r#"
        SCRIPT DEBUG MAYBE => -ERR Use SCRIPT DEBUG YES/SYNC/NO
        SCRIPT DEBUG => -ERR wrong number of arguments for 'script|debug' command
        SCRIPT DEBUG NO => +OK
        EVAL "return redis.breakpoint()" 0 => nil
        EVAL "redis.debug('x') return 1" 0 => :1
        SCRIPT DEBUG SYNC => +OK
        EVALSHA ffffffffffffffffffffffffffffffffffffffff 0 => -ERR Please use EVAL instead of EVALSHA for debugging
        "#,
    );
    // Without a socket to talk to (in-process), the session runs as if its client had
    // gone: the script runs to its end, and the connection closes after the reply.
    assert_eq!(
        c.run_line(r#"EVAL "return redis.breakpoint()" 0"#),
        ":1\n(closed)"
    );
    let mut other = server.client();
    other.script(
        r#"
        MULTI => +OK
        SCRIPT DEBUG YES => +QUEUED
        EXEC => [-ERR SCRIPT DEBUG must be called outside a pipeline]
        FCALL nosuch 0 => -ERR Function not found
        "#,
    );
}
