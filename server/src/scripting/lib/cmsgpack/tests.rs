//! cmsgpack against redis-server 7.0.15: every expected value below was read from it
//! with the same expression in EVAL.

use super::super::test_support::{error_of, eval, hex_of, lua};

#[test]
fn pack_matches_redis() {
    let lua = lua();
    let cases: &[(&str, &str)] = &[
        ("cmsgpack.pack(0.1)", "cb3fb999999999999a"),
        ("cmsgpack.pack(-1099511627776)", "d3ffffff0000000000"),
        ("cmsgpack.pack(1.5)", "ca3fc00000"),
        ("cmsgpack.pack(1/0)", "ca7f800000"),
        ("cmsgpack.pack(-1/0)", "caff800000"),
        ("cmsgpack.pack(0/0)", "cbfff8000000000000"),
        ("cmsgpack.pack(2^63)", "ca5f000000"),
        ("cmsgpack.pack(-2^63)", "d38000000000000000"),
        ("cmsgpack.pack(2^53+1)", "cf0020000000000000"),
        ("cmsgpack.pack(-0.0)", "00"),
        (
            "cmsgpack.pack(127, 128, 255, 256, 65535, 65536, 2^32-1, 2^32)",
            "7fcc80ccffcd0100cdffffce00010000ceffffffffcf0000000100000000",
        ),
        (
            "cmsgpack.pack(-32, -33, -128, -129, -32768, -32769, -2^31, -2^31-1)",
            "e0d0dfd080d1ff7fd18000d2ffff7fffd280000000d3ffffffff7fffffff",
        ),
        (
            "cmsgpack.pack(string.rep('x', 31))",
            &format!("bf{}", "78".repeat(31)),
        ),
        (
            "string.sub(cmsgpack.pack(string.rep('x', 32)), 1, 3)",
            "d92078",
        ),
        (
            "string.sub(cmsgpack.pack(string.rep('x', 256)), 1, 4)",
            "da010078",
        ),
        (
            "string.sub(cmsgpack.pack(string.rep('x', 65536)), 1, 6)",
            "db0001000078",
        ),
        ("cmsgpack.pack({})", "90"),
        ("cmsgpack.pack({1,2,3})", "93010203"),
        ("cmsgpack.pack({a=1})", "81a16101"),
        ("cmsgpack.pack({[1]=1,[3]=3})", "8201010303"),
        ("cmsgpack.pack({[2]=2})", "810202"),
        ("cmsgpack.pack({[1.5]=1})", "81ca3fc0000001"),
        ("cmsgpack.pack({[-1]=1})", "81ff01"),
        ("cmsgpack.pack({[2^31]=1})", "81ce8000000001"),
        (
            "cmsgpack.pack(true, false, nil, function() end)",
            "c3c2c0c0",
        ),
        (
            "cmsgpack.pack({{{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}}})",
            "91919191919191919191919191919191c0",
        ),
        (
            "cmsgpack.pack({{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}})",
            "9191919191919191919191919191919101",
        ),
        ("cmsgpack.pack({[{}]={}})", "819090"),
        ("cmsgpack.pack({cjson.null})", "91c0"),
        (
            "cmsgpack.pack(3.0e38, 3.5e38, 1e-45, 0.3)",
            "cb47ec363cbf21f28acb47f074f8c4d3cd7bcb3696d601ad376ab9cb3fd3333333333333",
        ),
    ];
    for (expr, expected) in cases {
        assert_eq!(hex_of(&lua, &format!("return {expr}")), *expected, "{expr}");
    }
}

#[test]
fn redis_suite_circular_reference() {
    let lua = lua();
    let hex = hex_of(
        &lua,
        "local a = {x=nil,y=5} local b = {x=a} a['x'] = b return cmsgpack.pack(a)",
    );
    // The suite's expectation: the cycle is cut at depth 16.
    let suite = "82a17905a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a178c0";
    assert_eq!(hex, suite);
    let _: () = eval(
        &lua,
        "local a = {x=nil,y=5} local b = {x=a} a['x'] = b \
         local re = cmsgpack.unpack(cmsgpack.pack(a)) \
         assert(re.x.x.x.x.x.x.x.x.x.x.x.x.x.x.y == re.y) \
         assert(re.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x) \
         assert(re.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x == nil)",
    );
}

#[test]
fn unpack_matches_redis() {
    let lua = lua();
    let cases: &[(&str, &str)] = &[
        ("cmsgpack.unpack('\\147\\1\\2\\3')[3]", "3"),
        (
            "cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255')",
            "-1",
        ),
        ("select('#', cmsgpack.unpack(''))", "0"),
        ("cmsgpack.unpack_one('\\1\\2')", "1 1"),
        ("cmsgpack.unpack_one('\\1\\2', 1)", "-1 2"),
        ("cmsgpack.unpack_limit('\\1\\2\\3', 2)", "2 1 2"),
        ("cmsgpack.unpack_limit('\\1\\2\\3', 0, 1)", "1"),
        ("cmsgpack.unpack_limit('\\1\\2\\3', 5, 1)", "-1 2 3"),
        (
            "cmsgpack.unpack(string.rep('\\145', 3999) .. '\\1') ~= nil",
            "true",
        ),
        (
            "select('#', cmsgpack.unpack(string.rep('\\1', 7999)))",
            "7999",
        ),
        (
            "select('#', cmsgpack.unpack(string.rep('\\161x', 7999)))",
            "7999",
        ),
        (
            "select('#', cmsgpack.unpack_limit(string.rep('\\161x', 9000), 7998))",
            "7999",
        ),
        (
            "cmsgpack.unpack(string.rep('\\129\\1', 3999) .. '\\1') ~= nil",
            "true",
        ),
        ("cmsgpack.unpack('\\202\\63\\192\\0\\0')", "1.5"),
        ("cmsgpack.unpack(5)", "53"),
        ("select('#', cmsgpack.unpack('\\1', 'x'))", "1"),
        ("cmsgpack.unpack('\\208\\128')", "-128"),
        ("cmsgpack.unpack('\\209\\128\\1')", "-32767"),
        ("cmsgpack.unpack('\\210\\128\\0\\0\\1')", "-2147483647"),
        (
            "cmsgpack.unpack('\\211\\128\\0\\0\\0\\0\\0\\0\\1')",
            "-9.2233720368548e+18",
        ),
        ("cmsgpack.unpack('\\206\\255\\255\\255\\255')", "4294967295"),
        ("cmsgpack.unpack('\\240')", "-16"),
        (
            "cmsgpack.unpack('\\130\\161a\\1\\161b\\146\\1\\192').b[1]",
            "1",
        ),
        ("#cmsgpack.unpack('\\147\\1\\192\\3')", "1"),
    ];
    for (expr, expected) in cases {
        let got: String = eval(
            &lua,
            &format!(
                "local t = {{{expr}}} for i = 1, #t do t[i] = tostring(t[i]) end \
                 return table.concat(t, ' ')"
            ),
        );
        assert_eq!(&got, expected, "{expr}");
    }
}

#[test]
fn errors_match_redis() {
    let lua = lua();
    let positioned: &[(&str, &str)] = &[
        ("cmsgpack.unpack('\\193')", "Bad data format in input."),
        ("cmsgpack.unpack('\\146\\1')", "Missing bytes in input."),
        ("cmsgpack.unpack('\\196\\1a')", "Bad data format in input."),
        (
            "cmsgpack.unpack('\\221\\255\\255\\255\\255\\1')",
            "Missing bytes in input.",
        ),
        (
            "cmsgpack.unpack_one('\\1', -1)",
            "Invalid request to unpack with offset of -1 and limit of 1.",
        ),
        (
            "cmsgpack.unpack_limit('\\1', -1)",
            "Invalid request to unpack with offset of 0 and limit of 1.",
        ),
        (
            "cmsgpack.unpack_one('\\1', 5)",
            "Start offset 5 greater than input length 1.",
        ),
        (
            "cmsgpack.unpack(string.rep('\\145', 4000) .. '\\1')",
            "stack overflow (in function mp_decode_to_lua_array)",
        ),
        (
            "cmsgpack.unpack_limit(string.rep('\\161x', 9000), 7999)",
            "stack overflow (in function mp_unpack_full)",
        ),
        (
            "cmsgpack.unpack(string.rep('\\1', 8000))",
            "stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)",
        ),
        (
            "cmsgpack.unpack(string.rep('\\129', 7998) .. '\\1\\1')",
            "stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)",
        ),
        (
            "cmsgpack.unpack(string.rep('\\129\\1', 4000) .. '\\1')",
            "stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)",
        ),
        (
            "cmsgpack.unpack()",
            "bad argument #1 to 'unpack' (string expected, got no value)",
        ),
        (
            "cmsgpack.pack()",
            "bad argument #0 to 'pack' (MessagePack pack needs input.)",
        ),
        (
            "cmsgpack.unpack_limit('a')",
            "bad argument #2 to 'unpack_limit' (number expected, got no value)",
        ),
    ];
    for (code, expected) in positioned {
        assert_eq!(
            error_of(&lua, code),
            format!("user_script:1: {expected}"),
            "{code}"
        );
    }
    // Lua's own errors raised inside the C function carry no position.
    assert_eq!(
        error_of(&lua, "cmsgpack.unpack('\\129\\192\\1')"),
        "table index is nil"
    );
    assert_eq!(
        error_of(
            &lua,
            "cmsgpack.unpack('\\129\\203\\255\\248\\0\\0\\0\\0\\0\\0\\1')"
        ),
        "table index is NaN"
    );
}

#[test]
fn redis_suite_smoke_round_trip() {
    let lua = lua();
    let _: () = eval(
        &lua,
        r#"
        local str_lt_32 = string.rep("x", 30)
        local str_lt_255 = string.rep("x", 250)
        local str_lt_65535 = string.rep("x", 65530)
        local str_long = string.rep("x", 100000)
        local array_big = {}
        for i=1, 100000 do array_big[i] = i end
        local map_big = {}
        for i=1, 100000 do map_big[tostring(i)] = i end
        local some_map = {
            s1=str_lt_32, s2=str_lt_255, s3=str_lt_65535, s4=str_long,
            d1=0.1, i1=1, i2=250, i3=65530, i4=100000, i5=2^40, i6=-1, i7=-120,
            i8=-32000, i9=-100000, i10=-3147483648,
            a1={1, 2, 3, 4, 5}, a2={1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18},
            a3=array_big, m1={a=1, b=2}, m2=map_big, b1=false, b2=true, n=nil
        }
        local encoded = cmsgpack.pack(some_map)
        local decoded = cmsgpack.unpack(encoded)
        assert(decoded.s4 == str_long and decoded.i10 == -3147483648 and decoded.d1 == 0.1)
        assert(#decoded.a3 == 100000 and decoded.m2["77"] == 77 and decoded.i5 == 2^40)
        local offset, decoded_one = cmsgpack.unpack_one(encoded, 0)
        assert(offset == -1 and decoded_one.s3 == str_lt_65535)
        local encoded_multiple = cmsgpack.pack(str_lt_32, str_lt_255, str_lt_65535, str_long)
        local offset, obj = cmsgpack.unpack_limit(encoded_multiple, 1, 0)
        assert(obj == str_lt_32)
        offset, obj = cmsgpack.unpack_limit(encoded_multiple, 1, offset)
        assert(obj == str_lt_255)
        offset, obj = cmsgpack.unpack_limit(encoded_multiple, 1, offset)
        assert(obj == str_lt_65535)
        offset, obj = cmsgpack.unpack_limit(encoded_multiple, 1, offset)
        assert(obj == str_long)
        assert(offset == -1)
        assert(cmsgpack._NAME == "cmsgpack" and cmsgpack._VERSION == "lua-cmsgpack 0.4.0")
        "#,
    );
}
