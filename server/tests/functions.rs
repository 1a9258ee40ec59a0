//! Function libraries through the real dispatcher: FUNCTION LOAD / LIST / DELETE /
//! FLUSH / DUMP / RESTORE / STATS / KILL, FCALL and FCALL_RO, and their error texts.
//!
//! Each expected reply is what Redis 7.0.15 answered to the same session (see
//! `scarlet_server::testkit` for the notation).

use scarlet_server::testkit::TestServer;

#[test]
fn load_call_list_delete() {
    let mut c = TestServer::new().client();
    c.script(
        r##"
        FUNCTION LOAD "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)" => "mylib"
        FCALL myfunc 0 hello => "hello"
        FCALL myfunc 0 "\xff\x00" => "\xff\x00"
        FCALL MYFUNC 0 hi => "hi"
        FCALL nofunc 0 => -ERR Function not found
        FCALL myfunc x => -ERR Bad number of keys provided
        FCALL myfunc 2 a => -ERR Number of keys can't be greater than number of args
        FUNCTION LOAD "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)" => -ERR Library 'mylib' already exists
        FUNCTION LOAD "#!lua name=bad-name\nreturn 1" => -ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long
        FUNCTION LOAD "return 1" => -ERR Missing library metadata
        FUNCTION LOAD "#!lua\nreturn 1" => -ERR Library name was not given
        FUNCTION LOAD "#!js name=x\nreturn 1" => -ERR Engine 'js' not found
        FUNCTION LOAD "#!lua name=x\nreturn 1" => -ERR No functions registered
        FUNCTION LOAD "#!lua name=x\nredis.register_function('f', 'nope')" => -ERR Error registering functions: ERR second argument to redis.register_function must be a function
        FUNCTION LOAD "#!lua name=x\na = 1" => -ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table
        FUNCTION LOAD "#!lua name=x\nerror('x')" => -ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'error'
        FUNCTION DELETE nolib => -ERR Library not found
        FUNCTION LIST => [["library_name", "mylib", "engine", "LUA", "functions", [["name", "myfunc", "description", nil, "flags", []]]]]
        FUNCTION KILL => -NOTBUSY No scripts in execution right now.
        FUNCTION RESTORE bad => -ERR DUMP payload version or checksum are wrong
        FUNCTION FLUSH bad => -ERR FUNCTION FLUSH only supports SYNC|ASYNC option
        FUNCTION STATS => ["running_script", nil, "engines", ["LUA", ["libraries_count", :1, "functions_count", :1]]]
        FUNCTION DELETE mylib => +OK
        FUNCTION LIST => []
    "##,
    );
}

#[test]
fn flags_and_named_arguments() {
    let mut c = TestServer::new().client();
    c.script(
        r##"
        FUNCTION LOAD "#!lua name=lib2\nredis.register_function{function_name='f2', callback=function() return redis.call('set','x','1') end, flags={'no-writes'}, description='desc'}" => "lib2"
        FCALL f2 0 => -ERR Write commands are not allowed from read-only scripts. script: f2, on @user_function:2.
        FUNCTION LIST LIBRARYNAME lib* => [["library_name", "lib2", "engine", "LUA", "functions", [["name", "f2", "description", "desc", "flags", [+no-writes]]]]]
        FUNCTION LIST LIBRARYNAME nomatch => []
        FUNCTION LOAD "#!lua name=lib3\nredis.register_function('f3', function() return redis.call('set','x','1') end)" => "lib3"
        FCALL_RO f3 0 => -ERR Can not execute a script with write flag using *_ro command.
        FCALL f3 0 => +OK
    "##,
    );
}

#[test]
fn dump_and_restore() {
    let server = TestServer::new();
    let mut c = server.client();
    c.script(
        r##"
        FUNCTION LOAD "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 1 end)" => "mylib"
    "##,
    );
    let payload = match c.cmd(&["FUNCTION", "DUMP"]) {
        scarlet_protocol::Frame::Bulk(bytes) => bytes,
        other => panic!("FUNCTION DUMP gave {other:?}"),
    };
    let restore = |c: &mut scarlet_server::testkit::TestClient, policy: Option<&str>| {
        let mut args: Vec<&[u8]> = vec![b"FUNCTION", b"RESTORE", &payload];
        if let Some(p) = policy {
            args.push(p.as_bytes());
        }
        c.cmd(&args)
    };
    assert_eq!(
        restore(&mut c, None),
        scarlet_protocol::Frame::Error(b"ERR Library mylib already exists".to_vec())
    );
    assert_eq!(
        restore(&mut c, Some("REPLACE")),
        scarlet_protocol::Frame::Simple(b"OK".to_vec())
    );
    c.script("FUNCTION FLUSH => +OK\nFUNCTION LIST => []");
    assert_eq!(
        restore(&mut c, Some("FLUSH")),
        scarlet_protocol::Frame::Simple(b"OK".to_vec())
    );
    c.script("FCALL myfunc 0 => :1");
}
