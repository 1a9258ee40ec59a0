//! The cases: for each family, write commands with the exact keyspace events Redis
//! 7.0.15 sends for them (checked against redis-server), and the WATCH cases.

/// One case: `flags` for `notify-keyspace-events`, setup commands (run with
/// notifications off), then the commands whose events are checked. Commands are written
/// as text split on spaces. Events read `E<db> <event> <key>` for `__keyevent@<db>__`
/// messages and `K<db> <key> <event>` for `__keyspace@<db>__` ones.
pub struct Case {
    pub flags: &'static str,
    pub setup: &'static [&'static str],
    pub run: &'static [&'static str],
    pub events: &'static [&'static str],
}

const fn case(
    flags: &'static str,
    setup: &'static [&'static str],
    run: &'static [&'static str],
    events: &'static [&'static str],
) -> Case {
    Case {
        flags,
        setup,
        run,
        events,
    }
}

pub const GENERIC: &[Case] = &[
    case(
        "EA",
        &["SET a 1", "SET b 2"],
        &["DEL a nokey b"],
        &["E0 del a", "E0 del b"],
    ),
    case("EA", &["SET a 1"], &["UNLINK a", "DEL a"], &["E0 del a"]),
    case(
        "EA",
        &["SET a 1", "SET b 2"],
        &["RENAME a b"],
        &["E0 rename_from a", "E0 rename_to b"],
    ),
    case(
        "EAn",
        &["SET a 1"],
        &["RENAME a b"],
        &["E0 new b", "E0 rename_from a", "E0 rename_to b"],
    ),
    case(
        "EA",
        &["SET a 1", "SET b 2"],
        &["RENAMENX a b", "RENAME a a", "RENAME x y"],
        &[],
    ),
    case(
        "EA",
        &["SET a 1"],
        &["RENAMENX a c"],
        &["E0 rename_from a", "E0 rename_to c"],
    ),
    case(
        "EAn",
        &["SET a 1"],
        &["MOVE a 1"],
        &["E1 new a", "E0 move_from a", "E1 move_to a"],
    ),
    case(
        "EA",
        &["SET a 1", "SELECT 1", "SET a 2", "SELECT 0"],
        &["MOVE a 1", "MOVE x 1"],
        &[],
    ),
    case(
        "EAn",
        &["SET a 1"],
        &["COPY a c", "COPY a c", "COPY x d"],
        &["E0 new c", "E0 copy_to c"],
    ),
    case(
        "EA",
        &["SET a 1", "SET c 2"],
        &["COPY a c REPLACE", "COPY a c DB 1"],
        &["E0 copy_to c", "E1 copy_to c"],
    ),
    case(
        "EA",
        &["SET a 1"],
        &[
            "EXPIRE a 100",
            "PEXPIRE a 100000",
            "EXPIREAT a 99999999999",
            "PEXPIREAT a 99999999999999",
        ],
        &["E0 expire a", "E0 expire a", "E0 expire a", "E0 expire a"],
    ),
    case(
        "EA",
        &["SET a 1 EX 100"],
        &[
            "EXPIRE a 200 NX",
            "EXPIRE a 10 GT",
            "EXPIRE x 100",
            "PERSIST x",
        ],
        &[],
    ),
    case(
        "EA",
        &["SET a 1", "SET b 1"],
        &["EXPIRE a -1", "PEXPIREAT b 1"],
        &["E0 del a", "E0 del b"],
    ),
    case(
        "EA",
        &["SET a 1 EX 100", "SET b 1"],
        &["PERSIST a", "PERSIST a", "PERSIST b"],
        &["E0 persist a"],
    ),
    case("KEA", &["SET a 1"], &["DEL a"], &["K0 a del", "E0 del a"]),
    case(
        "Kg",
        &["SET a 1"],
        &["EXPIRE a 100", "SET a 2", "DEL a"],
        &["K0 a expire", "K0 a del"],
    ),
];

pub const STRINGS: &[Case] = &[
    case("EA", &[], &["SET k v"], &["E0 set k"]),
    case(
        "KEA",
        &[],
        &["SET k v EX 100"],
        &["K0 k set", "E0 set k", "K0 k expire", "E0 expire k"],
    ),
    case(
        "EA",
        &["SET k v"],
        &["SET k w NX", "SET x w XX", "SET k w KEEPTTL GET"],
        &["E0 set k"],
    ),
    case(
        "EA",
        &[],
        &[
            "SETNX k v",
            "SETNX k w",
            "SETEX k 100 v",
            "PSETEX k 100000 v",
        ],
        &[
            "E0 set k",
            "E0 set k",
            "E0 expire k",
            "E0 set k",
            "E0 expire k",
        ],
    ),
    case(
        "EA",
        &["SET k v"],
        &["GETSET k w", "GETSET n w"],
        &["E0 set k", "E0 set n"],
    ),
    case("EA", &["SET k v"], &["GETDEL k", "GETDEL k"], &["E0 del k"]),
    case(
        "EA",
        &["SET k v"],
        &[
            "GETEX k EX 100",
            "GETEX k PERSIST",
            "GETEX k PERSIST",
            "GETEX k",
            "GETEX x EX 100",
        ],
        &["E0 expire k", "E0 persist k"],
    ),
    case("EA", &["SET k v"], &["GETEX k EXAT 1"], &["E0 del k"]),
    case(
        "EA",
        &[],
        &[
            "INCR n",
            "DECR n",
            "INCRBY n 5",
            "DECRBY n 2",
            "INCRBYFLOAT n 1.5",
        ],
        &[
            "E0 incrby n",
            "E0 incrby n",
            "E0 incrby n",
            "E0 incrby n",
            "E0 incrbyfloat n",
        ],
    ),
    case("EA", &["SET s abc"], &["INCR s", "INCRBYFLOAT s x"], &[]),
    case(
        "EA",
        &[],
        &["APPEND k ab", "APPEND k cd"],
        &["E0 append k", "E0 append k"],
    ),
    case(
        "EA",
        &["SET k abc"],
        &[
            "SETRANGE k 1 x",
            "SETRANGE k 1 ",
            "SETRANGE m 0 ",
            "SETRANGE m 2 y",
        ],
        &["E0 setrange k", "E0 setrange m"],
    ),
    case(
        "EA",
        &["SET b 0"],
        &["MSET a 1 b 2", "MSETNX b 1 c 1", "MSETNX c 1 d 1"],
        &["E0 set a", "E0 set b", "E0 set c", "E0 set d"],
    ),
    case(
        "En",
        &["SET a 0"],
        &[
            "SET a 1",
            "SET b 1",
            "APPEND c x",
            "INCR d",
            "SETRANGE e 0 x",
            "MSET a 2 f 2",
        ],
        &["E0 new b", "E0 new c", "E0 new d", "E0 new e", "E0 new f"],
    ),
    case(
        "EA",
        &["SET k v"],
        &["GET k", "STRLEN k", "GETRANGE k 0 1", "MGET k x", "LCS k x"],
        &[],
    ),
];

pub const HASHES: &[Case] = &[
    case(
        "EAn",
        &[],
        &["HSET h f v", "HSET h f v", "HMSET h g w"],
        &["E0 new h", "E0 hset h", "E0 hset h", "E0 hset h"],
    ),
    case(
        "EA",
        &["HSET h f v"],
        &["HSETNX h f w", "HSETNX h g w"],
        &["E0 hset h"],
    ),
    case(
        "EA",
        &[],
        &["HINCRBY h n 2", "HINCRBYFLOAT h x 1.5", "HINCRBY h x 1"],
        &["E0 hincrby h", "E0 hincrbyfloat h"],
    ),
    case(
        "EA",
        &["HSET h f v g w"],
        &["HDEL h x", "HDEL h f x", "HDEL h g f", "HDEL h g"],
        &["E0 hdel h", "E0 hdel h", "E0 del h"],
    ),
    case(
        "EA",
        &["HSET h f v"],
        &["HGET h f", "HGETALL h", "HRANDFIELD h"],
        &[],
    ),
];

pub const SETS: &[Case] = &[
    case(
        "EAn",
        &[],
        &["SADD s a b", "SADD s a"],
        &["E0 new s", "E0 sadd s"],
    ),
    case(
        "EA",
        &["SADD s a b"],
        &["SREM s x", "SREM x a", "SREM s a x", "SREM s b"],
        &["E0 srem s", "E0 srem s", "E0 del s"],
    ),
    case(
        "EA",
        &["SADD s a b"],
        &["SPOP s", "SPOP s", "SPOP s", "SPOP x"],
        &["E0 spop s", "E0 spop s", "E0 del s"],
    ),
    case(
        "EA",
        &["SADD s a b c"],
        &["SPOP s 0", "SPOP s 1", "SPOP s 5"],
        &["E0 spop s", "E0 spop s", "E0 del s"],
    ),
    case(
        "EAn",
        &["SADD s a b", "SADD d b"],
        &["SMOVE s d a", "SMOVE s d b", "SMOVE s d x"],
        &["E0 srem s", "E0 sadd d", "E0 srem s", "E0 del s"],
    ),
    case(
        "EAn",
        &["SADD s a"],
        &["SMOVE s d a"],
        &["E0 srem s", "E0 del s", "E0 new d", "E0 sadd d"],
    ),
    case(
        "EAn",
        &["SADD s a b", "SADD t b c"],
        &["SINTERSTORE d s t", "SUNIONSTORE d s t", "SDIFFSTORE d s t"],
        &[
            "E0 new d",
            "E0 sinterstore d",
            "E0 sunionstore d",
            "E0 sdiffstore d",
        ],
    ),
    case(
        "EA",
        &["SADD s a", "SADD d x"],
        &[
            "SINTERSTORE d s x",
            "SINTERSTORE d s x",
            "SDIFFSTORE d s s",
            "SUNIONSTORE d x",
        ],
        &["E0 del d"],
    ),
    case(
        "EA",
        &["SADD s a"],
        &[
            "SMEMBERS s",
            "SISMEMBER s a",
            "SINTER s x",
            "SINTERCARD 1 s",
            "SRANDMEMBER s",
        ],
        &[],
    ),
];

pub const LISTS: &[Case] = &[
    case(
        "EAn",
        &[],
        &["LPUSH l a b", "RPUSH l c", "LPUSHX x a", "RPUSHX l d"],
        &["E0 new l", "E0 lpush l", "E0 rpush l", "E0 rpush l"],
    ),
    case(
        "EA",
        &["RPUSH l a b c d"],
        &["LPOP l", "RPOP l 2", "LPOP l 0", "LPOP x", "RPOP l"],
        &["E0 lpop l", "E0 rpop l", "E0 rpop l", "E0 del l"],
    ),
    case(
        "EA",
        &["RPUSH l a b"],
        &[
            "LINSERT l BEFORE a x",
            "LINSERT l AFTER zz y",
            "LINSERT x AFTER a y",
        ],
        &["E0 linsert l"],
    ),
    case(
        "EA",
        &["RPUSH l a b"],
        &["LSET l 0 y", "LSET l 5 y"],
        &["E0 lset l"],
    ),
    case(
        "EA",
        &["RPUSH l a b a"],
        &["LREM l 0 zz", "LREM l 1 a", "LREM l 0 a", "LREM l 0 b"],
        &["E0 lrem l", "E0 lrem l", "E0 lrem l", "E0 del l"],
    ),
    case(
        "EA",
        &["RPUSH l a b c"],
        &["LTRIM l 0 -1", "LTRIM l 0 0", "LTRIM x 0 0", "LTRIM l 1 0"],
        &["E0 ltrim l", "E0 ltrim l", "E0 ltrim l", "E0 del l"],
    ),
    case(
        "EAn",
        &["RPUSH s a b"],
        &[
            "LMOVE s d LEFT RIGHT",
            "RPOPLPUSH s d",
            "LMOVE x d LEFT LEFT",
        ],
        &[
            "E0 new d",
            "E0 rpush d",
            "E0 lpop s",
            "E0 lpush d",
            "E0 rpop s",
            "E0 del s",
        ],
    ),
    case(
        "EA",
        &["RPUSH s a b"],
        &["LMOVE s s LEFT RIGHT"],
        &["E0 rpush s", "E0 lpop s"],
    ),
    case(
        "EA",
        &["RPUSH a x", "RPUSH b y z"],
        &[
            "LMPOP 2 a b LEFT",
            "LMPOP 2 a b RIGHT COUNT 5",
            "LMPOP 1 a LEFT",
        ],
        &["E0 lpop a", "E0 del a", "E0 rpop b", "E0 del b"],
    ),
    case(
        "EA",
        &["RPUSH a x y z"],
        &["BLPOP a 0", "BRPOP a 0", "BLMPOP 0 1 a LEFT"],
        &["E0 lpop a", "E0 rpop a", "E0 lpop a", "E0 del a"],
    ),
    case(
        "EA",
        &["RPUSH s a"],
        &["BLMOVE s d RIGHT LEFT 0"],
        &["E0 lpush d", "E0 rpop s", "E0 del s"],
    ),
    case(
        "EA",
        &["RPUSH l a"],
        &["LRANGE l 0 -1", "LINDEX l 0", "LLEN l", "LPOS l a"],
        &[],
    ),
];

pub const ZSETS: &[Case] = &[
    case(
        "EAn",
        &[],
        &[
            "ZADD z 1 a 2 b",
            "ZADD z 1 a",
            "ZADD z XX 5 c",
            "ZADD z NX 5 a",
            "ZADD z CH 3 a",
        ],
        &["E0 new z", "E0 zadd z", "E0 zadd z"],
    ),
    case(
        "EA",
        &["ZADD z 1 a"],
        &[
            "ZADD z INCR 1 a",
            "ZINCRBY z 1 a",
            "ZINCRBY z 1 b",
            "ZADD z XX INCR 1 c",
        ],
        &["E0 zincr z", "E0 zincr z", "E0 zincr z"],
    ),
    case(
        "EA",
        &["ZADD z 1 a 2 b"],
        &["ZREM z x", "ZREM z a", "ZREM z b x"],
        &["E0 zrem z", "E0 zrem z", "E0 del z"],
    ),
    case(
        "EA",
        &["ZADD z 1 a 2 b 3 c 4 d"],
        &[
            "ZREMRANGEBYSCORE z 1 1",
            "ZREMRANGEBYSCORE z 9 10",
            "ZREMRANGEBYRANK z 0 0",
            "ZREMRANGEBYLEX z [a [z",
        ],
        &[
            "E0 zremrangebyscore z",
            "E0 zremrangebyrank z",
            "E0 zremrangebylex z",
            "E0 del z",
        ],
    ),
    case(
        "EA",
        &["ZADD z 1 a 2 b 3 c"],
        &["ZPOPMIN z", "ZPOPMAX z 0", "ZPOPMAX z 5", "ZPOPMIN z"],
        &["E0 zpopmin z", "E0 zpopmax z", "E0 del z"],
    ),
    case(
        "EA",
        &["ZADD z 1 a 2 b 3 c"],
        &["ZMPOP 1 z MAX", "BZPOPMIN z 0", "BZMPOP 0 1 z MIN"],
        &["E0 zpopmax z", "E0 zpopmin z", "E0 zpopmin z", "E0 del z"],
    ),
    case(
        "EAn",
        &["ZADD x 1 a 2 b", "ZADD y 1 b"],
        &[
            "ZUNIONSTORE d 2 x y",
            "ZINTERSTORE d 2 x y",
            "ZDIFFSTORE d 2 x y",
            "ZRANGESTORE d x 0 0",
        ],
        &[
            "E0 new d",
            "E0 zunionstore d",
            "E0 zinterstore d",
            "E0 zdiffstore d",
            "E0 zrangestore d",
        ],
    ),
    case(
        "EA",
        &["ZADD x 1 a", "ZADD d 1 a"],
        &[
            "ZINTERSTORE d 2 x nokey",
            "ZINTERSTORE d 2 x nokey",
            "ZRANGESTORE d x 5 6",
        ],
        &["E0 del d"],
    ),
    case(
        "EA",
        &["ZADD z 1 a"],
        &[
            "ZRANGE z 0 -1",
            "ZSCORE z a",
            "ZCARD z",
            "ZUNION 1 z",
            "ZRANDMEMBER z",
        ],
        &[],
    ),
];

pub const GEO: &[Case] = &[
    case(
        "EAn",
        &[],
        &[
            "GEOADD g 13.36 38.11 a 15.08 37.50 b",
            "GEOADD g NX 13.36 38.11 a",
            "GEOADD g CH 13.37 38.11 a",
        ],
        &["E0 new g", "E0 zadd g", "E0 zadd g"],
    ),
    case(
        "EAn",
        &["GEOADD g 13.36 38.11 a 15.08 37.50 b"],
        &[
            "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km",
            "GEORADIUS g 15 37 200 km STORE d",
            "GEORADIUS g 15 37 200 km STOREDIST d",
            "GEOSEARCHSTORE d g FROMLONLAT 0 0 BYRADIUS 1 km",
            "GEOSEARCHSTORE d nokey FROMLONLAT 0 0 BYRADIUS 1 km",
            "GEORADIUS nokey 0 0 1 km STORE g",
        ],
        &[
            "E0 new d",
            "E0 geosearchstore d",
            "E0 georadiusstore d",
            "E0 georadiusstore d",
            "E0 del d",
            "E0 del g",
        ],
    ),
];

pub const BITS_AND_HLL: &[Case] = &[
    case(
        "EAn",
        &[],
        &[
            "SETBIT b 7 1",
            "SETBIT b 7 1",
            "GETBIT b 7",
            "BITCOUNT b",
            "BITPOS b 1",
        ],
        &["E0 new b", "E0 setbit b"],
    ),
    case(
        "EAn",
        &[],
        &[
            "BITFIELD f SET u8 0 255",
            "BITFIELD f GET u8 0",
            "BITFIELD_RO f GET u8 0",
            "BITFIELD f INCRBY u8 0 1",
        ],
        &["E0 new f", "E0 setbit f", "E0 setbit f"],
    ),
    case(
        "EAn",
        &["SET a x", "SET b y", "SET d z"],
        &[
            "BITOP AND c a b",
            "BITOP OR c a b",
            "BITOP NOT d nokey",
            "BITOP NOT d nokey",
        ],
        &["E0 new c", "E0 set c", "E0 set c", "E0 del d"],
    ),
    case(
        "EAn",
        &["PFADD src x y"],
        &[
            "PFADD h a b",
            "PFADD h a",
            "PFADD e",
            "PFCOUNT h",
            "PFMERGE m h src",
            "PFMERGE h",
        ],
        &[
            "E0 new h",
            "E0 pfadd h",
            "E0 new e",
            "E0 pfadd e",
            "E0 new m",
            "E0 pfadd m",
            "E0 pfadd h",
        ],
    ),
];

pub const SORT: &[Case] = &[
    case(
        "EAn",
        &["RPUSH l 3 1 2"],
        &["SORT l STORE d", "SORT l"],
        &["E0 new d", "E0 sortstore d"],
    ),
    case(
        "EA",
        &["SET d x"],
        &["SORT nokey STORE d", "SORT nokey STORE d"],
        &["E0 del d"],
    ),
];

pub const MISSES_AND_EXPIRY: &[Case] = &[
    case(
        "Em",
        &["SET k v"],
        &[
            "GET k",
            "GET x",
            "SRANDMEMBER y",
            "EXISTS z",
            "TTL w",
            "OBJECT ENCODING v",
            "SET q 1",
        ],
        &[
            "E0 keymiss x",
            "E0 keymiss y",
            "E0 keymiss z",
            "E0 keymiss w",
        ],
    ),
    case(
        "Em",
        &[],
        &[
            "MGET a b",
            "HGET h f",
            "ZSCORE z m",
            "LRANGE l 0 -1",
            "SMEMBERS s",
        ],
        &[
            "E0 keymiss a",
            "E0 keymiss b",
            "E0 keymiss h",
            "E0 keymiss z",
            "E0 keymiss l",
            "E0 keymiss s",
        ],
    ),
    case(
        "EA",
        &[
            "DEBUG SET-ACTIVE-EXPIRE 0",
            "SET k v PX 1",
            "SET j v PX 1",
            "SET i v PX 1",
            "DEBUG SLEEP 0.02",
        ],
        &["GET k", "SET j w", "MSET i w", "DEBUG SET-ACTIVE-EXPIRE 1"],
        &[
            "E0 expired k",
            "E0 expired j",
            "E0 set j",
            "E0 expired i",
            "E0 set i",
        ],
    ),
    case(
        "EAm",
        &[
            "DEBUG SET-ACTIVE-EXPIRE 0",
            "SET k v PX 1",
            "DEBUG SLEEP 0.02",
        ],
        &["GET k", "DEBUG SET-ACTIVE-EXPIRE 1"],
        &["E0 expired k", "E0 keymiss k"],
    ),
];

/// One WATCH case: after `setup`, a client watches `key`, another runs `write`, and the
/// first one's EXEC must fail (`aborts`) or run.
pub struct WatchCase {
    pub setup: &'static [&'static str],
    pub key: &'static str,
    pub write: &'static str,
    pub aborts: bool,
}

const fn watch(
    setup: &'static [&'static str],
    key: &'static str,
    write: &'static str,
    aborts: bool,
) -> WatchCase {
    WatchCase {
        setup,
        key,
        write,
        aborts,
    }
}

pub const WATCHES: &[WatchCase] = &[
    // Generic.
    watch(&["SET k 1"], "k", "DEL k", true),
    watch(&[], "k", "DEL k", false),
    watch(&["SET k 1"], "k", "RENAME k j", true),
    watch(&["SET k 1"], "j", "RENAME k j", true),
    watch(&["SET k 1"], "k", "MOVE k 1", true),
    watch(&["SET k 1"], "j", "COPY k j", true),
    watch(&["SET k 1"], "k", "EXPIRE k 100", true),
    watch(&[], "k", "EXPIRE k 100", false),
    watch(&["SET k 1 EX 100"], "k", "PERSIST k", true),
    watch(&["SET k 1"], "k", "PERSIST k", false),
    // Strings.
    watch(&[], "k", "SET k 1", true),
    watch(&["SET k 1"], "k", "SET k 2 NX", false),
    watch(&["SET k 1"], "k", "APPEND k x", true),
    watch(&["SET k 1"], "k", "INCR k", true),
    watch(&["SET k 1"], "k", "INCRBYFLOAT k 1", true),
    watch(&["SET k 1"], "k", "SETRANGE k 0 x", true),
    watch(&["SET k 1"], "k", "SETRANGE k 0 ", false),
    watch(&["SET k 1"], "k", "GETDEL k", true),
    watch(&["SET k 1"], "k", "GETEX k EX 100", true),
    watch(&["SET k 1"], "k", "GETEX k", false),
    watch(&[], "k", "MSET j 1 k 2", true),
    // Hashes.
    watch(&[], "k", "HSET k f v", true),
    watch(&["HSET k f v"], "k", "HSETNX k f w", false),
    watch(&["HSET k f v"], "k", "HINCRBY k n 1", true),
    watch(&["HSET k f v"], "k", "HDEL k f", true),
    watch(&["HSET k f v"], "k", "HDEL k x", false),
    // Sets.
    watch(&[], "k", "SADD k a", true),
    watch(&["SADD k a"], "k", "SADD k a", false),
    watch(&["SADD k a b"], "k", "SREM k a", true),
    watch(&["SADD k a b"], "k", "SREM k x", false),
    watch(&["SADD k a b"], "k", "SPOP k", true),
    watch(&["SADD j a"], "k", "SMOVE j k a", true),
    watch(&["SADD j a", "SADD k a"], "k", "SMOVE j k a", false),
    watch(&["SADD j a"], "k", "SUNIONSTORE k j", true),
    watch(&["SET k 1"], "k", "SINTERSTORE k nokey", true),
    // Lists.
    watch(&[], "k", "LPUSH k a", true),
    watch(&[], "k", "LPUSHX k a", false),
    watch(&["RPUSH k a b"], "k", "RPOP k", true),
    watch(&["RPUSH k a b"], "k", "LSET k 0 x", true),
    watch(&["RPUSH k a b"], "k", "LREM k 0 x", false),
    watch(&["RPUSH k a b"], "k", "LTRIM k 0 0", true),
    watch(&["RPUSH k a b"], "k", "LINSERT k BEFORE x y", false),
    watch(&["RPUSH j a"], "k", "LMOVE j k LEFT LEFT", true),
    watch(&["RPUSH k a"], "k", "LMOVE k j LEFT LEFT", true),
    // Sorted sets.
    watch(&[], "k", "ZADD k 1 a", true),
    watch(&["ZADD k 1 a"], "k", "ZADD k 1 a", false),
    watch(&["ZADD k 1 a"], "k", "ZINCRBY k 1 a", true),
    watch(&["ZADD k 1 a 2 b"], "k", "ZREM k a", true),
    watch(&["ZADD k 1 a"], "k", "ZREM k x", false),
    watch(&["ZADD k 1 a 2 b"], "k", "ZREMRANGEBYSCORE k 1 1", true),
    watch(&["ZADD k 1 a 2 b"], "k", "ZPOPMAX k", true),
    watch(&["ZADD j 1 a"], "k", "ZUNIONSTORE k 1 j", true),
    watch(&["ZADD j 1 a"], "k", "ZRANGESTORE k j 0 0", true),
    // Bitmaps and HyperLogLogs: PFCOUNT writes its cached estimate back.
    watch(&[], "k", "SETBIT k 1 1", true),
    watch(&["SETBIT k 1 1"], "k", "BITFIELD k GET u8 0", false),
    watch(&["SET j a"], "k", "BITOP NOT k j", true),
    watch(&["PFADD k a"], "k", "PFADD k a", false),
    watch(&["PFADD k a"], "k", "PFCOUNT k", true),
    watch(&["PFADD k a", "PFCOUNT k"], "k", "PFCOUNT k", false),
    watch(&["PFADD j a"], "k", "PFMERGE k j", true),
    // SORT.
    watch(&["RPUSH j 1"], "k", "SORT j STORE k", true),
    watch(&[], "k", "SORT j STORE k", false),
];
