//! The geo family through the real dispatcher: GEOADD, GEODIST, GEOHASH, GEOPOS and the
//! searches (GEORADIUS, GEORADIUSBYMEMBER, their `_RO` forms, GEOSEARCH, GEOSEARCHSTORE),
//! every option and error path, each session run once per sorted set encoding.
//!
//! Each expected reply is what Redis 7.0.15 answered to the same session (listpack
//! limits 128 / 64 and 0 / 0 answer alike, except OBJECT ENCODING: `{enc}` in the
//! scripts). See `scarlet_server::testkit` for the notation.

use scarlet_server::testkit::TestServer;

/// The two encodings: their names and the limits that force them.
const ENCODINGS: [(&str, u64, u64); 2] = [("listpack", 128, 64), ("skiplist", 0, 0)];

/// Runs `script` on a fresh server per encoding; `resp3` switches the client first.
fn both_encodings(script: &str, resp3: bool) {
    for (encoding, entries, value) in ENCODINGS {
        let server = TestServer::with_config(|config| {
            config.zset_max_listpack_entries = entries;
            config.zset_max_listpack_value = value;
        });
        let mut client = server.client();
        if resp3 {
            client.resp3();
        }
        client.script(&script.replace("{enc}", encoding));
    }
}

#[test]
fn add_position_hash_distance() {
    both_encodings(ADD, false);
}

#[test]
fn errors() {
    both_encodings(ERRORS, false);
}

#[test]
fn searches() {
    both_encodings(SEARCH, false);
}

#[test]
fn stores() {
    both_encodings(STORE, false);
}

#[test]
fn resp3_coordinates_are_doubles() {
    both_encodings(RESP3, true);
}

/// GEOADD's options, and reading points back.
const ADD: &str = r#"
        GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania => :2
        GEOADD Sicily 13.361389 38.115556 Palermo => :0
        GEOADD Sicily CH 13.36139 38.115556 Palermo => :0
        GEOADD Sicily NX 1 1 Palermo => :0
        GEOADD Sicily NX CH 1 1 Palermo 2 2 new => :1
        GEOADD Sicily XX CH 13.361389 38.115556 Palermo 3 3 missing => :0
        GEOADD Sicily xx ch 13.361389 38.115556 Palermo => :0
        ZSCORE Sicily missing => nil
        GEOADD Sicily 180 85.05112878 corner -180 -85.05112878 other 0 0 origin => :3
        ZRANGE Sicily 0 -1 WITHSCORES => ["other", "0", "origin", "3377699720527872", "new", "3378191666521995", "Palermo", "3479099956230698", "Catania", "3479447370796909", "corner", "13510798882111488"]
        GEOPOS Sicily Palermo missing corner other origin => [["13.36138933897018433", "38.11555639549629859"], *-1, ["180", "85.0511287799999991"], ["-179.99999731779098511", "-85.05112751263942528"], ["0.00000268220901489", "0.00000126736058093"]]
        GEOPOS Sicily => []
        GEOPOS nokey a => [*-1]
        GEOHASH Sicily Palermo missing corner other origin => ["sqc8b49rny0", nil, "bp05b5048p0", "00bh0hbj200", "s0000000000"]
        GEOHASH Sicily => []
        GEOHASH nokey a b => [nil, nil]
        GEODIST Sicily Palermo Catania => "166274.1516"
        GEODIST Sicily Palermo Catania km => "166.2742"
        GEODIST Sicily Palermo Catania MI => "103.3182"
        GEODIST Sicily Palermo Catania ft => "545518.8700"
        GEODIST Sicily Palermo Catania M => "166274.1516"
        GEODIST Sicily Palermo Palermo => "0.0000"
        GEODIST Sicily corner other km => "18919.8446"
        GEODIST Sicily Palermo missing => nil
        GEODIST nokey a b => nil
        GEODIST nokey a b yd => -ERR unsupported unit provided. please use M, KM, FT, MI
        # Scores no GEOADD wrote decode too.
        ZADD Sicily -1 negative inf infinite => :2
        GEOPOS Sicily negative infinite => [["180", "85.0511287799999991"], ["-179.99999731779098511", "-85.05112751263942528"]]
        GEOHASH Sicily negative infinite => ["bp05b5048p0", "00bh0hbj200"]
        GEODIST Sicily negative infinite => "18919844.5891"
"#;

/// Every error, in the order Redis checks arguments.
const ERRORS: &str = r#"
        GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania => :2
        GEOADD Sicily XX NX 1 1 a => -ERR syntax error
        GEOADD Sicily ch xx foo 1 1 a => -ERR syntax error
        GEOADD Sicily ch ch ch => -ERR syntax error
        GEOADD Sicily 1 1 a 2 => -ERR syntax error
        GEOADD Sicily 180.5 1 a => -ERR invalid longitude,latitude pair 180.500000,1.000000
        GEOADD Sicily 1 85.06 a => -ERR invalid longitude,latitude pair 1.000000,85.060000
        GEOADD Sicily 1 -85.06 a => -ERR invalid longitude,latitude pair 1.000000,-85.060000
        GEOADD Sicily -inf 1 a => -ERR invalid longitude,latitude pair -inf,1.000000
        GEOADD Sicily 1 1 a foo 1 b => -ERR value is not a valid float
        GEOADD Sicily 1 1 a 1 bar b => -ERR value is not a valid float
        GEOADD Sicily 1 1 a 200 100 b => -ERR invalid longitude,latitude pair 200.000000,100.000000
        ZCARD Sicily => :2
        GEODIST Sicily Palermo Catania yd => -ERR unsupported unit provided. please use M, KM, FT, MI
        GEODIST Sicily Palermo Catania km extra => -ERR syntax error
        GEORADIUS Sicily 15 37 200 km count 0 => -ERR COUNT must be > 0
        GEORADIUS Sicily 15 37 200 km count -1 => -ERR COUNT must be > 0
        GEORADIUS Sicily 15 37 200 km count x => -ERR value is not an integer or out of range
        GEORADIUS Sicily 15 37 200 km count => -ERR syntax error
        GEORADIUS Sicily 15 37 200 km any => -ERR the ANY argument requires COUNT argument
        GEORADIUS Sicily 15 37 200 km any asc => -ERR the ANY argument requires COUNT argument
        GEORADIUS Sicily 15 37 200 km store => -ERR syntax error
        GEORADIUS Sicily 15 37 200 km store dst withdist => -ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options
        GEORADIUS Sicily 15 37 200 km storedist dst withhash => -ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options
        GEORADIUS Sicily 15 37 200 km withcoord store dst => -ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options
        GEORADIUS Sicily 15 37 -1 km => -ERR radius cannot be negative
        GEORADIUS Sicily 15 37 x km => -ERR need numeric radius
        GEORADIUS Sicily 15 37 1 yd => -ERR unsupported unit provided. please use M, KM, FT, MI
        GEORADIUS Sicily 200 37 1 km => -ERR invalid longitude,latitude pair 200.000000,37.000000
        GEORADIUS Sicily x 37 1 km => -ERR value is not a valid float
        GEORADIUS Sicily 15 37 200 km frommember Palermo => -ERR syntax error
        GEORADIUS Sicily 15 37 200 km foo => -ERR syntax error
        GEORADIUS_RO Sicily 15 37 200 km store dst => -ERR syntax error
        GEORADIUS_RO Sicily 15 37 200 km storedist dst => -ERR syntax error
        GEORADIUSBYMEMBER Sicily nosuch 200 km => -ERR could not decode requested zset member
        GEORADIUSBYMEMBER Sicily Palermo x km => -ERR need numeric radius
        GEORADIUSBYMEMBER Sicily Palermo 200 yd => -ERR unsupported unit provided. please use M, KM, FT, MI
        GEORADIUSBYMEMBER_RO Sicily Palermo 200 km store dst => -ERR syntax error
        GEOSEARCH Sicily fromlonlat 15 37 bybox 400 400 km storedist => -ERR syntax error
        GEOSEARCH Sicily fromlonlat 15 37 bybox 400 400 km store dst => -ERR syntax error
        GEOSEARCH Sicily fromlonlat 15 37 byradius 400 km bybox 400 400 km => -ERR syntax error
        GEOSEARCH Sicily fromlonlat 15 37 frommember Palermo bybox 400 400 km => -ERR syntax error
        GEOSEARCH Sicily frommember Palermo fromlonlat 15 37 bybox 400 400 km => -ERR syntax error
        GEOSEARCH Sicily bybox 400 400 km asc desc withhash withdist withcoord => -ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH
        GEOSEARCH Sicily fromlonlat 15 37 asc desc withhash withdist withcoord => -ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH
        geosearch Sicily fromlonlat 15 37 withdist withhash => -ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch
        GeoSearch Sicily bybox 1 1 km asc => -ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GeoSearch
        GEOSEARCH Sicily frommember nosuch bybox 1 1 km => -ERR could not decode requested zset member
        GEOSEARCH Sicily frommember Palermo bybox -1 1 km => -ERR height or width cannot be negative
        GEOSEARCH Sicily frommember Palermo bybox 1 -1 km => -ERR height or width cannot be negative
        GEOSEARCH Sicily frommember Palermo bybox 1 x km => -ERR need numeric height
        GEOSEARCH Sicily frommember Palermo bybox x 1 km => -ERR need numeric width
        GEOSEARCH Sicily frommember Palermo bybox 1 1 yd => -ERR unsupported unit provided. please use M, KM, FT, MI
        GEOSEARCH Sicily frommember Palermo byradius -1 km => -ERR radius cannot be negative
        GEOSEARCH Sicily frommember Palermo byradius 1 yd => -ERR unsupported unit provided. please use M, KM, FT, MI
        GEOSEARCH Sicily frommember Palermo bybox 1 1 => -ERR syntax error
        GEOSEARCH Sicily fromlonlat 15 bybox 1 1 km => -ERR value is not a valid float
        GEOSEARCH Sicily fromlonlat 15 95 bybox 1 1 km => -ERR invalid longitude,latitude pair 15.000000,95.000000
        GEOSEARCH Sicily fromlonlat 15 37 byradius 1 km count 1 any any => []
        GEOSEARCH Sicily fromlonlat 15 37 byradius 1 km any => -ERR the ANY argument requires COUNT argument
        GEOSEARCHSTORE dst Sicily fromlonlat 15 37 bybox 400 400 km withdist => -ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options
        GEOSEARCHSTORE dst Sicily fromlonlat 15 37 bybox 400 400 km store other => -ERR syntax error
        GEOSEARCHSTORE dst Sicily bybox 400 400 km asc => -ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCHSTORE
        # A missing source is not an error, whatever comes after the member.
        GEORADIUSBYMEMBER nokey nosuch x km => []
        GEORADIUSBYMEMBER nokey nosuch x km foo => -ERR syntax error
        GEOSEARCH nokey frommember nosuch bybox 1 1 km => []
        GEOSEARCH nokey frommember nosuch bybox 1 1 km any => -ERR the ANY argument requires COUNT argument
        SET str v => +OK
        GEORADIUS str 200 37 1 km => -WRONGTYPE Operation against a key holding the wrong kind of value
        GEOSEARCH str foo bar baz qux quux => -WRONGTYPE Operation against a key holding the wrong kind of value
        GEOSEARCHSTORE dst str foo bar baz qux quux => -WRONGTYPE Operation against a key holding the wrong kind of value
        GEOSEARCHSTORE str nokey fromlonlat 1 1 byradius 1 km => :0
        EXISTS str => :0
"#;

/// Searches by radius and by box, with every option; ties in Redis's order.
const SEARCH: &str = r#"
        GEOADD nyc -73.9454966 40.747533 "lic market" -73.9733487 40.7648057 "central park n/q/r" -73.9903085 40.7362513 "union square" -74.0131604 40.7126674 "wtc one" -73.7858139 40.6428986 "jfk" -73.9375699 40.7498929 "q4" -73.9564142 40.7480973 4545 => :7
        GEORADIUS nyc -73.9798091 40.7598464 3 km => ["central park n/q/r", "4545", "union square"]
        GEORADIUS nyc -73.9798091 40.7598464 3 km asc => ["central park n/q/r", "4545", "union square"]
        GEORADIUS nyc -73.9798091 40.7598464 3 km withdist asc => [["central park n/q/r", "0.7750"], ["4545", "2.3651"], ["union square", "2.7697"]]
        GEORADIUS nyc -73.9798091 40.7598464 3000 m withdist desc => [["union square", "2769.6656"], ["4545", "2365.1171"], ["central park n/q/r", "775.0164"]]
        GEORADIUS nyc -73.9798091 40.7598464 2 mi withdist withhash withcoord asc => [["central park n/q/r", "0.4816", :1791875761332224, ["-73.97334784269332886", "40.76480639569881959"]], ["4545", "1.4696", :1791875796750882, ["-73.95641237497329712", "40.74809751381645384"]], ["union square", "1.7210", :1791875485187452, ["-73.99031013250350952", "40.73625022711770782"]], ["lic market", "1.9879", :1791875804419201, ["-73.94549578428268433", "40.74753227099792952"]]]
        GEORADIUS nyc -73.9798091 40.7598464 10000 ft WITHDIST ASC => [["central park n/q/r", "2542.7046"], ["4545", "7759.5705"], ["union square", "9086.8293"]]
        GEORADIUS nyc -73.9798091 40.7598464 10 km COUNT 3 => ["central park n/q/r", "4545", "union square"]
        GEORADIUS nyc -73.9798091 40.7598464 10 km COUNT 3 ANY => ["wtc one", "union square", "central park n/q/r"]
        GEORADIUS nyc -73.9798091 40.7598464 10 km COUNT 3 ANY ASC => ["central park n/q/r", "union square", "wtc one"]
        GEORADIUS nyc -73.9798091 40.7598464 10 km COUNT 2 DESC => ["wtc one", "q4"]
        GEORADIUS nyc -73.9798091 40.7598464 10 km COUNT 100 withdist => [["central park n/q/r", "0.7750"], ["4545", "2.3651"], ["union square", "2.7697"], ["lic market", "3.1991"], ["q4", "3.7269"], ["wtc one", "5.9530"]]
        GEORADIUS nyc -73.9798091 40.7598464 10 km count 1 count 2 => ["central park n/q/r", "4545"]
        GEORADIUS nyc -73.9798091 40.7598464 10 km asc desc => ["wtc one", "q4", "lic market", "union square", "4545", "central park n/q/r"]
        GEORADIUS_RO nyc -73.9798091 40.7598464 10 km withcoord count 2 => [["central park n/q/r", ["-73.97334784269332886", "40.76480639569881959"]], ["4545", ["-73.95641237497329712", "40.74809751381645384"]]]
        GEORADIUSBYMEMBER nyc "wtc one" 7 km => ["wtc one", "union square", "central park n/q/r", "4545", "lic market"]
        GEORADIUSBYMEMBER nyc "wtc one" 7 km withdist => [["wtc one", "0.0000"], ["union square", "3.2544"], ["central park n/q/r", "6.7000"], ["4545", "6.1975"], ["lic market", "6.8969"]]
        GEORADIUSBYMEMBER_RO nyc "wtc one" 7 km withdist asc count 2 => [["wtc one", "0.0000"], ["union square", "3.2544"]]
        GEORADIUSBYMEMBER nyc 4545 0 km withdist withhash => [["4545", "0.0000", :1791875796750882]]
        GEOSEARCH nyc fromlonlat -73.9798091 40.7598464 bybox 6 6 km asc => ["central park n/q/r", "4545", "union square", "lic market"]
        GEOSEARCH nyc fromlonlat -73.9798091 40.7598464 bybox 6 6 km withdist asc => [["central park n/q/r", "0.7750"], ["4545", "2.3651"], ["union square", "2.7697"], ["lic market", "3.1991"]]
        GEOSEARCH nyc fromlonlat -73.9798091 40.7598464 byradius 3 km withcoord desc => [["union square", ["-73.99031013250350952", "40.73625022711770782"]], ["4545", ["-73.95641237497329712", "40.74809751381645384"]], ["central park n/q/r", ["-73.97334784269332886", "40.76480639569881959"]]]
        GEOSEARCH nyc frommember "wtc one" bybox 14 14 km => ["wtc one", "union square", "central park n/q/r", "4545", "lic market", "q4"]
        GEOSEARCH nyc frommember "wtc one" bybox 14 2 km withdist => [["wtc one", "0.0000"]]
        GEOSEARCH nyc frommember "wtc one" byradius 10 km count 2 any withhash => [["wtc one", :1791873972053020], ["union square", :1791875485187452]]
        GEOSEARCH nyc frommember "wtc one" frommember jfk byradius 1 km byradius 5 km => ["jfk"]
        GEOSEARCH nyc fromlonlat -73.9798091 40.7598464 bybox 0 0 km => []
        GEOSEARCH nyc fromlonlat 0 0 byradius 1 km => []
        GEOSEARCH nyc fromlonlat 0 0 byradius 50000 km count 2 withdist => [["jfk", "8649.8228"], ["q4", "8664.6050"]]
        GEORADIUS nyc 0 0 inf km count 2 desc withdist => [["wtc one", "8670.1044"], ["union square", "8668.6932"]]
        # Across the antimeridian and near the poles.
        GEOADD edge 179.5 36 point1 -179.5 36 point2 -0.15307903289794921875 85 n1 0.3515625 85.00019260486917005437 n2 => :4
        GEOSEARCH edge fromlonlat 179 37 bybox 400 400 km asc withdist => [["point1", "119.8737"], ["point2", "174.2313"]]
        GEOSEARCH edge fromlonlat -179 37 bybox 400 400 km asc withdist => [["point2", "119.8737"], ["point1", "174.2313"]]
        GEORADIUSBYMEMBER edge n1 4891.94 m => ["n1", "n2"]
        GEOSEARCH edge fromlonlat 0 85.05112878 byradius 100 km withdist => [["n2", "6.6026"], ["n1", "5.8754"]]
        # Points at the same place: the order of ties is Redis's.
        GEOADD same 10 10 a 10 10 b 10 10 c 10 10 d 10 10 e 10 10 f 10 10 g 10 10 h 10.001 10 i 9.999 10 j => :10
        GEOSEARCH same fromlonlat 10 10 byradius 1 km asc => ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
        GEOSEARCH same fromlonlat 10 10 byradius 1 km desc count 3 => ["j", "i", "a"]
        GEOSEARCH same fromlonlat 10 10 byradius 1 km asc count 9 => ["g", "a", "b", "c", "d", "e", "f", "h", "i"]
        GEOSEARCH same fromlonlat 10 10 byradius 1 km count 4 any desc => ["j", "a", "b", "c"]
        GEORADIUS same 10 10 1 km count 1 => ["g"]
"#;

/// STORE, STOREDIST and GEOSEARCHSTORE.
const STORE: &str = r#"
        GEOADD points 13.361389 38.115556 Palermo 15.087269 37.502669 Catania => :2
        GEORADIUS points 13.361389 38.115556 500 km STORE dst => :2
        ZRANGE dst 0 -1 WITHSCORES => ["Palermo", "3479099956230698", "Catania", "3479447370796909"]
        OBJECT ENCODING dst => "{enc}"
        GEORADIUS points 13.361389 38.115556 500 km STOREDIST dst => :2
        ZRANGE dst 0 -1 WITHSCORES => ["Palermo", "5.3056374386009927e-05", "Catania", "166.27416107465282"]
        GEORADIUS points 13.361389 38.115556 500 km storedist dst asc count 1 => :1
        ZRANGE dst 0 -1 WITHSCORES => ["Palermo", "5.3056374386009927e-05"]
        GEORADIUS points 13.361389 38.115556 500 km storedist dst desc count 1 => :1
        ZRANGE dst 0 -1 WITHSCORES => ["Catania", "166.27416107465282"]
        GEORADIUS points 13.361389 38.115556 500 km store a storedist b => :2
        EXISTS a b => :1
        ZRANGE b 0 -1 WITHSCORES => ["Palermo", "5.3056374386009927e-05", "Catania", "166.27416107465282"]
        GEORADIUSBYMEMBER points Catania 500 mi storedist dst => :2
        ZRANGE dst 0 -1 WITHSCORES => ["Catania", "0", "Palermo", "103.31822459492733"]
        GEOSEARCHSTORE dst points fromlonlat 13.361389 38.115556 byradius 500 km => :2
        ZRANGE dst 0 -1 WITHSCORES => ["Palermo", "3479099956230698", "Catania", "3479447370796909"]
        GEOSEARCHSTORE dst points fromlonlat 13.361389 38.115556 byradius 500 km storedist => :2
        ZRANGE dst 0 -1 WITHSCORES => ["Palermo", "5.3056374386009927e-05", "Catania", "166.27416107465282"]
        GEOSEARCHSTORE dst points frommember Palermo bybox 10 10 km storedist => :1
        ZRANGE dst 0 -1 WITHSCORES => ["Palermo", "0"]
        # Nothing found deletes the destination, whatever its type.
        SET dst string => +OK
        GEOSEARCHSTORE dst points fromlonlat 0 0 byradius 1 km => :0
        EXISTS dst => :0
        SET dst string => +OK
        GEORADIUS points 0 0 1 km store dst => :0
        EXISTS dst => :0
        SET dst string => +OK
        GEOSEARCHSTORE dst nokey fromlonlat 0 0 byradius 1 km => :0
        EXISTS dst => :0
        SET dst string => +OK
        GEORADIUSBYMEMBER nokey nosuch 1 km store dst => :0
        EXISTS dst => :0
        # A found result overwrites a value of another type, and its TTL.
        SET dst string EX 100 => +OK
        GEOSEARCHSTORE dst points fromlonlat 13.361389 38.115556 byradius 500 km => :2
        TYPE dst => +zset
        TTL dst => :-1
        GEOSEARCHSTORE points points frommember Palermo byradius 1 km storedist => :1
        ZRANGE points 0 -1 WITHSCORES => ["Palermo", "0"]
"#;

/// In RESP3 coordinates are doubles; distances stay bulk strings.
const RESP3: &str = r#"
        GEOADD points 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 0 0 origin => :3
        GEOPOS points Palermo missing origin => [[,13.361389338970184, ,38.1155563954963], nil, [,0.00000268220901489, ,0.00000126736058093]]
        GEOPOS nokey a => [nil]
        GEODIST points Palermo Catania km => "166.2742"
        GEODIST points Palermo missing => nil
        GEOHASH points Palermo missing => ["sqc8b49rny0", nil]
        GEORADIUS points 15 37 200 km withdist withcoord withhash asc => [["Catania", "56.4413", :3479447370796909, [,15.087267458438873, ,37.50266842333162]], ["Palermo", "190.4424", :3479099956230698, [,13.361389338970184, ,38.1155563954963]]]
        GEOSEARCH points frommember Palermo byradius 200 km withcoord desc => [["Catania", [,15.087267458438873, ,37.50266842333162]], ["Palermo", [,13.361389338970184, ,38.1155563954963]]]
        GEOSEARCH points fromlonlat 0 0 byradius 1 km withcoord => [["origin", [,0.00000268220901489, ,0.00000126736058093]]]
        GEOSEARCH nokey fromlonlat 0 0 byradius 1 km withcoord => []
"#;

/// The STORE forms announce what they did as Redis does: "geosearchstore" or
/// "georadiusstore" on the destination, "del" when an empty result deletes it (and
/// nothing when there was nothing to delete). GEOADD's "zadd" event is ZADD's own.
#[test]
fn store_forms_send_keyspace_events() {
    let server = TestServer::new();
    let mut sub = server.client();
    let mut c = server.client();
    c.script(
        r#"
        GEOADD pts 13.361389 38.115556 Palermo 15.087269 37.502669 Catania => :2
        CONFIG SET notify-keyspace-events KEA => +OK
    "#,
    );
    sub.script(r#"PSUBSCRIBE * => ["psubscribe", "*", :1]"#);
    c.script(
        r#"
        GEOSEARCHSTORE dst pts FROMLONLAT 15 37 BYRADIUS 200 km => :2
        GEORADIUS pts 15 37 200 km STOREDIST dst => :2
        GEORADIUS pts 0 0 1 km STORE dst => :0
        GEOSEARCHSTORE dst pts FROMLONLAT 0 0 BYRADIUS 1 km => :0
        GEORADIUSBYMEMBER pts Palermo 1 km STORE dst => :1
        GEORADIUSBYMEMBER nokey m 1 km STORE dst => :0
    "#,
    );
    let got = scarlet_server::testkit::render_bytes(&sub.resume());
    let expected: Vec<String> = [
        ("dst", "geosearchstore"),
        ("dst", "georadiusstore"),
        ("dst", "del"),
        ("dst", "georadiusstore"),
        ("dst", "del"),
    ]
    .iter()
    .flat_map(|(key, event)| {
        [
            format!(r#"["pmessage", "*", "__keyspace@0__:{key}", "{event}"]"#),
            format!(r#"["pmessage", "*", "__keyevent@0__:{event}", "{key}"]"#),
        ]
    })
    .collect();
    assert_eq!(got, expected.join("\n"));
}
