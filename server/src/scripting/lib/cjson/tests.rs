//! cjson against redis-server 7.0.15. The case tables were produced by running each
//! expression through real Redis (`EVAL`, with cjson's settings reset first) and
//! recording `tostring` of the result or "ERR:" and the error message.

use super::super::test_support::{eval, lua};

/// Runs each expression in a fresh state (settings are per state) and compares.
fn check(cases: &[(&str, &str)]) {
    for (expr, expected) in cases {
        let lua = lua();
        let got: String = eval(
            &lua,
            &format!(
                "local ok, r = pcall(function() return {expr} end) \
                 if ok then return tostring(r) else return 'ERR:' .. tostring(r) end"
            ),
        );
        assert_eq!(&got, expected, "{expr}");
    }
}

#[test]
fn encode_and_settings_match_redis() {
    check(&[
        ("cjson.encode(0.1)", "0.1"),
        ("cjson.encode(1e20)", "1e+20"),
        ("cjson.encode(-0.0)", "-0"),
        ("cjson.encode(1/3)", "0.33333333333333"),
        ("cjson.encode(123456789012345)", "1.2345678901234e+14"),
        ("cjson.encode(2^53)", "9.007199254741e+15"),
        ("cjson.encode(-1.5e-7)", "-1.5e-07"),
        (
            "cjson.encode('a\"b\\\\c/d\\n\\t\\r\\8\\12\\1\\31\\127 ~')",
            "\"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f ~\"",
        ),
        ("cjson.encode('\\128\\255') == '\"\\128\\255\"'", "true"),
        ("cjson.encode({1,2,3})", "[1,2,3]"),
        ("cjson.encode({})", "{}"),
        ("cjson.encode({[1]=1,[2]=nil,[3]=3})", "[1,null,3]"),
        ("cjson.encode({[1]=1,[5]=5})", "[1,null,null,null,5]"),
        (
            "cjson.encode({[1]=1,[11]=11})",
            "ERR:user_script:1: Cannot serialise table: excessively sparse array",
        ),
        (
            "cjson.encode({[1]=1,[20]=20,[3]=3})",
            "ERR:user_script:1: Cannot serialise table: excessively sparse array",
        ),
        (
            "cjson.encode({[1]=1,[10]=10})",
            "[1,null,null,null,null,null,null,null,null,10]",
        ),
        ("cjson.encode({a=1})", "{\"a\":1}"),
        ("cjson.encode({[1.5]=1})", "{\"1.5\":1}"),
        ("cjson.encode({[0]=1})", "{\"0\":1}"),
        ("cjson.encode({[-1]=1})", "{\"-1\":1}"),
        ("cjson.encode({1,2,a=3})", "{\"1\":1,\"2\":2,\"a\":3}"),
        (
            "cjson.encode({true, false, cjson.null})",
            "[true,false,null]",
        ),
        ("cjson.encode({{{}}})", "[[{}]]"),
        ("cjson.encode({[2^31]=1})", "{\"2147483648\":1}"),
        ("cjson.encode({[1e10]=1})", "{\"10000000000\":1}"),
        (
            "cjson.encode({[1/0]=1})",
            "ERR:user_script:1: Cannot serialise number: must not be NaN or Inf",
        ),
        ("cjson.encode(nil)", "null"),
        (
            "cjson.encode()",
            "ERR:user_script:1: bad argument #1 to 'encode' (expected 1 argument)",
        ),
        (
            "cjson.encode(1, 2)",
            "ERR:user_script:1: bad argument #1 to 'encode' (expected 1 argument)",
        ),
        (
            "cjson.encode(function() end)",
            "ERR:user_script:1: Cannot serialise function: type not supported",
        ),
        (
            "cjson.encode({[true]=1})",
            "ERR:user_script:1: Cannot serialise boolean: table key must be a number or string",
        ),
        (
            "cjson.encode(0/0)",
            "ERR:user_script:1: Cannot serialise number: must not be NaN or Inf",
        ),
        (
            "cjson.encode(1/0)",
            "ERR:user_script:1: Cannot serialise number: must not be NaN or Inf",
        ),
        ("cjson.encode({a={b={c={}}}})", "{\"a\":{\"b\":{\"c\":{}}}}"),
        (
            "cjson.encode(coroutine.create(function() end))",
            "ERR:user_script:1: Cannot serialise thread: type not supported",
        ),
        (
            "cjson.encode({[1]=1,[100]=1})",
            "ERR:user_script:1: Cannot serialise table: excessively sparse array",
        ),
        (
            "cjson.encode({['a b']={1,{x='y'}}, n=-7})",
            "{\"a b\":[1,{\"x\":\"y\"}],\"n\":-7}",
        ),
        ("cjson.encode('')", "\"\""),
        ("cjson.encode(true)", "true"),
        ("cjson.encode(12345678901234)", "12345678901234"),
        ("cjson.encode(0.000012345)", "1.2345e-05"),
        ("cjson.encode(1e-300)", "1e-300"),
        ("cjson.encode(-2^63)", "-9.2233720368548e+18"),
        ("cjson.encode({[2^31]=1,[1]=2})", "[2]"),
        (
            "cjson.encode({[1]=2,[2^31]=1})",
            "{\"1\":2,\"2147483648\":1}",
        ),
        (
            "(function() cjson.encode_sparse_array(true) return cjson.encode({[1]=1,[20]=2}) end)()",
            "{\"1\":1,\"20\":2}",
        ),
        (
            "(function() cjson.encode_sparse_array(false, 0) return #cjson.encode({[1]=1,[20]=2}) end)()",
            "95",
        ),
        (
            "(function() cjson.encode_sparse_array(false, 1) return cjson.encode({[1]=1,[20]=2}) end)()",
            "ERR:user_script:1: Cannot serialise table: excessively sparse array",
        ),
        (
            "(function() cjson.encode_sparse_array(false, 2, 30) return #cjson.encode({[1]=1,[20]=2}) end)()",
            "95",
        ),
        (
            "(function() cjson.encode_number_precision(3) return cjson.encode(3.14159) end)()",
            "3.14",
        ),
        (
            "(function() cjson.encode_number_precision(1) return cjson.encode({1234, [1.5]=2}) end)()",
            "{\"1\":1e+03,\"2\":2}",
        ),
        (
            "(function() cjson.encode_invalid_numbers(true) return cjson.encode({1/0, -1/0, 0/0}) end)()",
            "[inf,-inf,nan]",
        ),
        (
            "(function() cjson.encode_invalid_numbers('null') return cjson.encode({1/0, -1/0, 0/0}) end)()",
            "[null,null,null]",
        ),
        (
            "(function() cjson.encode_invalid_numbers(true) return cjson.encode({[1/0]=1}) end)()",
            "{\"inf\":1}",
        ),
        (
            "(function() cjson.encode_max_depth(2) return cjson.encode({{{1}}}) end)()",
            "ERR:user_script:1: Cannot serialise, excessive nesting (3)",
        ),
        (
            "(function() cjson.encode_max_depth(2) return cjson.encode({{1}}) end)()",
            "[[1]]",
        ),
        (
            "(function() cjson.encode_max_depth(1) return cjson.encode({a={}}) end)()",
            "ERR:user_script:1: Cannot serialise, excessive nesting (2)",
        ),
        (
            "(function() cjson.encode_max_depth(1) return cjson.encode({}) end)()",
            "{}",
        ),
        (
            "(function() local t = {} t[1] = t return cjson.encode(t) end)()",
            "ERR:user_script:1: Cannot serialise, excessive nesting (1001)",
        ),
        (
            "(function() local t = {} t.a = t return cjson.encode(t) end)()",
            "ERR:user_script:1: Cannot serialise, excessive nesting (1001)",
        ),
        (
            "(function() cjson.encode_max_depth(100000) local t = {} t[1] = t return cjson.encode(t) end)()",
            "ERR:user_script:1: Cannot serialise, excessive nesting (7998)",
        ),
        (
            "(function() cjson.encode_max_depth(100000) local t = {} t.a = t return cjson.encode(t) end)()",
            "ERR:user_script:1: Cannot serialise, excessive nesting (4000)",
        ),
        (
            "(function() cjson.decode_max_depth(2) return cjson.decode('[[[1]]]') end)()",
            "ERR:user_script:1: Found too many nested data structures (3) at character 3",
        ),
        (
            "(function() cjson.decode_max_depth(2) return cjson.decode('{\"a\":{\"b\":{}}}') end)()",
            "ERR:user_script:1: Found too many nested data structures (3) at character 11",
        ),
        (
            "(function() cjson.decode_max_depth(2) return cjson.decode('[[1],[2]]')[2][1] end)()",
            "2",
        ),
        (
            "(function() cjson.decode_invalid_numbers(false) return cjson.decode('0x10') end)()",
            "ERR:user_script:1: Expected value but found invalid number at character 1",
        ),
        (
            "(function() cjson.decode_invalid_numbers(false) return cjson.decode('nan') end)()",
            "ERR:user_script:1: Expected value but found invalid token at character 1",
        ),
        (
            "(function() cjson.decode_invalid_numbers(false) return cjson.decode('+1') end)()",
            "ERR:user_script:1: Expected value but found invalid token at character 1",
        ),
        (
            "(function() cjson.decode_invalid_numbers(false) return cjson.decode('01') end)()",
            "ERR:user_script:1: Expected value but found invalid number at character 1",
        ),
        (
            "(function() cjson.decode_invalid_numbers(false) return cjson.decode('-0') end)()",
            "-0",
        ),
        (
            "(function() cjson.decode_invalid_numbers(false) return cjson.decode('-Inf') end)()",
            "ERR:user_script:1: Expected value but found invalid number at character 1",
        ),
        (
            "(function() cjson.decode_invalid_numbers(false) return cjson.decode('0.5') end)()",
            "0.5",
        ),
        (
            "(function() cjson.decode_max_depth(100000) return cjson.decode(string.rep('[', 10000)) end)()",
            "ERR:user_script:1: Found too many nested data structures (7999) at character 7999",
        ),
        (
            "(function() cjson.decode_max_depth(100000) return cjson.decode(string.rep('{\"a\":', 10000)) end)()",
            "ERR:user_script:1: Found too many nested data structures (4000) at character 19996",
        ),
        (
            "(function() cjson.decode_max_depth(100000) return type(cjson.decode(string.rep('[', 7998) .. string.rep(']', 7998))) end)()",
            "table",
        ),
        (
            "(function() cjson.decode_max_depth(100000) return cjson.decode(string.rep('[', 7999) .. string.rep(']', 7999)) end)()",
            "ERR:user_script:1: Found too many nested data structures (7999) at character 7999",
        ),
        (
            "(function() cjson.decode_max_depth(100000) return type(cjson.decode(string.rep('{\"a\":', 3999) .. '1' .. string.rep('}', 3999))) end)()",
            "table",
        ),
        (
            "(function() cjson.decode_max_depth(100000) return cjson.decode(string.rep('{\"a\":', 4000) .. '1' .. string.rep('}', 4000)) end)()",
            "ERR:user_script:1: Found too many nested data structures (4000) at character 19996",
        ),
        (
            "(function() return cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000))[1] ~= nil end)()",
            "true",
        ),
        (
            "(function() return cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001)) end)()",
            "ERR:user_script:1: Found too many nested data structures (1001) at character 1001",
        ),
        (
            "(function() local t = {} for i = 1, 1000 do t = {t} end return cjson.encode(t) end)()",
            "ERR:user_script:1: Cannot serialise, excessive nesting (1001)",
        ),
        (
            "(function() local t = {} for i = 1, 999 do t = {t} end return #cjson.encode(t) end)()",
            "2000",
        ),
        (
            "(function() local c = cjson.new() c.encode_max_depth(1) return cjson.encode_max_depth() .. ' ' .. c.encode_max_depth() .. ' ' .. c._NAME .. ' ' .. tostring(c.null == cjson.null) end)()",
            "1000 1 cjson true",
        ),
        (
            "(function() local r = {cjson.encode_sparse_array()} for i = 1, #r do r[i] = tostring(r[i]) end return table.concat(r, ' ') end)()",
            "false 2 10",
        ),
        (
            "(function() local r = {cjson.encode_sparse_array(true, 3, 5)} for i = 1, #r do r[i] = tostring(r[i]) end return table.concat(r, ' ') end)()",
            "true 3 5",
        ),
        (
            "(function() local r = {cjson.encode_sparse_array('on')} for i = 1, #r do r[i] = tostring(r[i]) end return table.concat(r, ' ') end)()",
            "true 2 10",
        ),
        (
            "cjson.encode_sparse_array(nil, -1)",
            "ERR:user_script:1: bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647)",
        ),
        (
            "cjson.encode_sparse_array(nil, nil, 'x')",
            "ERR:user_script:1: bad argument #3 to 'encode_sparse_array' (number expected, got string)",
        ),
        (
            "cjson.encode_sparse_array(1,2,3,4)",
            "ERR:user_script:1: bad argument #4 to 'encode_sparse_array' (found too many arguments)",
        ),
        (
            "cjson.encode_sparse_array('maybe')",
            "ERR:user_script:1: bad argument #1 to 'encode_sparse_array' (invalid option 'maybe')",
        ),
        (
            "cjson.encode_sparse_array({})",
            "ERR:user_script:1: bad argument #1 to 'encode_sparse_array' (string expected, got table)",
        ),
        ("cjson.encode_sparse_array(nil, 1.9)", "false"),
        ("cjson.encode_max_depth()", "1000"),
        (
            "cjson.encode_max_depth(0)",
            "ERR:user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)",
        ),
        ("cjson.encode_max_depth(2^32+5)", "5"),
        ("cjson.encode_max_depth(-2^32+5)", "5"),
        ("cjson.encode_max_depth(1.5)", "1"),
        ("cjson.encode_max_depth('12')", "12"),
        (
            "cjson.encode_max_depth('x')",
            "ERR:user_script:1: bad argument #1 to 'encode_max_depth' (number expected, got string)",
        ),
        (
            "cjson.encode_max_depth(1, 2)",
            "ERR:user_script:1: bad argument #2 to 'encode_max_depth' (found too many arguments)",
        ),
        ("cjson.decode_max_depth(7)", "7"),
        (
            "cjson.decode_max_depth(0)",
            "ERR:user_script:1: bad argument #1 to 'decode_max_depth' (expected integer between 1 and 2147483647)",
        ),
        (
            "cjson.encode_number_precision(15)",
            "ERR:user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)",
        ),
        (
            "cjson.encode_number_precision(0)",
            "ERR:user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)",
        ),
        ("cjson.encode_number_precision(3)", "3"),
        ("cjson.encode_number_precision()", "14"),
        ("cjson.encode_keep_buffer('on')", "true"),
        ("cjson.encode_keep_buffer(false)", "false"),
        ("cjson.encode_keep_buffer()", "true"),
        (
            "cjson.encode_keep_buffer('null')",
            "ERR:user_script:1: bad argument #1 to 'encode_keep_buffer' (invalid option 'null')",
        ),
        ("cjson.encode_invalid_numbers('null')", "null"),
        ("cjson.encode_invalid_numbers(true)", "true"),
        ("cjson.encode_invalid_numbers('off')", "false"),
        (
            "cjson.encode_invalid_numbers(1)",
            "ERR:user_script:1: bad argument #1 to 'encode_invalid_numbers' (invalid option '1')",
        ),
        ("cjson.encode_invalid_numbers()", "false"),
        ("cjson.decode_invalid_numbers()", "true"),
        ("cjson.decode_invalid_numbers('off')", "false"),
        (
            "cjson.decode_invalid_numbers(false, 1)",
            "ERR:user_script:1: bad argument #2 to 'decode_invalid_numbers' (found too many arguments)",
        ),
        ("cjson._NAME .. ' ' .. cjson._VERSION", "cjson 2.1.0"),
        ("cjson.null", "userdata: (nil)"),
        ("type(cjson.new)", "function"),
    ]);
}

#[test]
fn decode_matches_redis() {
    check(&[
        ("cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00x\"')", "é😀x"),
        (
            "cjson.decode('\"\\\\ud83d\"')",
            "ERR:user_script:1: Expected value but found invalid unicode escape code at character 2",
        ),
        (
            "cjson.decode('\"\\\\ude00\"')",
            "ERR:user_script:1: Expected value but found invalid unicode escape code at character 2",
        ),
        (
            "cjson.decode('\"\\\\ud83d\\\\u0041\"')",
            "ERR:user_script:1: Expected value but found invalid unicode escape code at character 2",
        ),
        (
            "cjson.decode('\"\\\\u12\"')",
            "ERR:user_script:1: Expected value but found invalid unicode escape code at character 2",
        ),
        (
            "cjson.decode('\"\\\\q\"')",
            "ERR:user_script:1: Expected value but found invalid escape code at character 2",
        ),
        (
            "cjson.decode('\"abc')",
            "ERR:user_script:1: Expected value but found unexpected end of string at character 5",
        ),
        (
            "cjson.decode('')",
            "ERR:user_script:1: Expected value but found T_END at character 1",
        ),
        (
            "cjson.decode('   ')",
            "ERR:user_script:1: Expected value but found T_END at character 4",
        ),
        (
            "cjson.decode('[1,]')",
            "ERR:user_script:1: Expected value but found T_ARR_END at character 4",
        ),
        (
            "cjson.decode('{\"a\" 1}')",
            "ERR:user_script:1: Expected colon but found T_NUMBER at character 6",
        ),
        (
            "cjson.decode('{1:2}')",
            "ERR:user_script:1: Expected object key string but found T_NUMBER at character 2",
        ),
        (
            "cjson.decode('{\"a\":1,}')",
            "ERR:user_script:1: Expected object key string but found T_OBJ_END at character 8",
        ),
        (
            "cjson.decode('[1 2]')",
            "ERR:user_script:1: Expected comma or array end but found T_NUMBER at character 4",
        ),
        (
            "cjson.decode('{\"a\":1 \"b\"}')",
            "ERR:user_script:1: Expected comma or object end but found T_STRING at character 8",
        ),
        (
            "cjson.decode('1 2')",
            "ERR:user_script:1: Expected the end but found T_NUMBER at character 3",
        ),
        (
            "cjson.decode('tru')",
            "ERR:user_script:1: Expected value but found invalid token at character 1",
        ),
        (
            "cjson.decode('nul')",
            "ERR:user_script:1: Expected value but found invalid token at character 1",
        ),
        ("cjson.decode('0x1F')", "31"),
        ("cjson.decode('-Infinity')", "-inf"),
        ("cjson.decode('nan')", "nan"),
        ("cjson.decode('+5')", "5"),
        (
            "cjson.decode('1e')",
            "ERR:user_script:1: Expected the end but found invalid token at character 2",
        ),
        (
            "cjson.decode('.5')",
            "ERR:user_script:1: Expected value but found invalid token at character 1",
        ),
        (
            "cjson.decode('-')",
            "ERR:user_script:1: Expected value but found invalid number at character 1",
        ),
        ("cjson.decode('[1]\\0xyz')[1]", "1"),
        (
            "cjson.decode('\\0[')",
            "ERR:user_script:1: JSON parser does not support UTF-16 or UTF-32",
        ),
        (
            "cjson.decode('a\\0')",
            "ERR:user_script:1: JSON parser does not support UTF-16 or UTF-32",
        ),
        ("cjson.decode(123)", "123"),
        (
            "cjson.decode()",
            "ERR:user_script:1: bad argument #1 to 'decode' (expected 1 argument)",
        ),
        (
            "cjson.decode({})",
            "ERR:user_script:1: bad argument #1 to 'decode' (string expected, got table)",
        ),
        (
            "cjson.decode('1', 2)",
            "ERR:user_script:1: bad argument #1 to 'decode' (expected 1 argument)",
        ),
        (
            "cjson.decode('\"a\\0b\"')",
            "ERR:user_script:1: Expected value but found unexpected end of string at character 3",
        ),
        (
            "cjson.decode('[\"\\\\/\\\\b\\\\f\\\\n\\\\r\\\\t\"]')[1] == '/\\8\\12\\n\\r\\t'",
            "true",
        ),
        ("cjson.decode('{\"a\":null}').a == cjson.null", "true"),
        ("#cjson.decode('[null,null]')", "2"),
        ("cjson.decode('-0')", "-0"),
        ("cjson.decode('1E2')", "100"),
        (
            "cjson.decode('[1,2')",
            "ERR:user_script:1: Expected comma or array end but found T_END at character 5",
        ),
        (
            "cjson.decode('{\"a\":')",
            "ERR:user_script:1: Expected value but found T_END at character 6",
        ),
        ("cjson.decode('infinity')", "inf"),
        ("cjson.decode('Inf')", "inf"),
        ("cjson.decode('-nan')", "-nan"),
        ("cjson.decode('NaN(abc)')", "nan"),
        (
            "cjson.decode('x')",
            "ERR:user_script:1: Expected value but found invalid token at character 1",
        ),
        (
            "cjson.decode('}')",
            "ERR:user_script:1: Expected value but found T_OBJ_END at character 1",
        ),
        ("cjson.decode('00.5')", "0.5"),
        (
            "cjson.decode('0x')",
            "ERR:user_script:1: Expected the end but found invalid token at character 2",
        ),
        ("cjson.decode('  [ 1 , 2 ] \\n')[2]", "2"),
        (
            "cjson.decode('{\"a\":{\"b\":[1,{\"c\":\"d\"}]}}').a.b[2].c",
            "d",
        ),
        ("cjson.decode('\"\\\\u0000\"') == '\\0'", "true"),
        (
            "cjson.decode('1.7976931348623157e308')",
            "1.7976931348623e+308",
        ),
        (
            "cjson.decode('123456789012345678901234567890')",
            "1.2345678901235e+29",
        ),
        (
            "table.concat(cjson.decode('[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]'), ' ')",
            "0 -5000 -1 0.0003 1023.2 0",
        ),
        ("cjson.decode('{\"a\":1,\"a\":2}').a", "2"),
        (
            "cjson.decode('\"\\\\uDBFF\\\\uDFFF\"') == '\\244\\143\\191\\191'",
            "true",
        ),
        ("cjson.decode('[true,false]')[2]", "false"),
        ("cjson.decode('{\"1\":2}')['1']", "2"),
        ("cjson.decode('\"a\\tb\"')", "a\tb"),
        ("cjson.decode('\\t\\r\\n 7')", "7"),
        (
            "cjson.decode('[-]')",
            "ERR:user_script:1: Expected value but found invalid number at character 2",
        ),
        (
            "cjson.decode('{\"a\":1}}')",
            "ERR:user_script:1: Expected the end but found T_OBJ_END at character 8",
        ),
        (
            "cjson.decode('nil')",
            "ERR:user_script:1: Expected value but found invalid token at character 1",
        ),
        (
            "cjson.decode('\"\\\\u')",
            "ERR:user_script:1: Expected value but found invalid unicode escape code at character 2",
        ),
        (
            "cjson.decode('\"\\\\')",
            "ERR:user_script:1: Expected value but found invalid escape code at character 2",
        ),
    ]);
}

#[test]
fn redis_suite_json_smoke_test() {
    let lua = lua();
    let _: () = eval(
        &lua,
        r#"
        local some_map = {s1="Some string", n1=100, a1={"Some","String","Array"},
                          nil1=nil, b1=true, b2=false}
        local encoded = cjson.encode(some_map)
        local decoded = cjson.decode(encoded)
        assert(table.concat(some_map) == table.concat(decoded))
        cjson.encode_keep_buffer(false)
        encoded = cjson.encode(some_map)
        decoded = cjson.decode(encoded)
        assert(table.concat(some_map) == table.concat(decoded))
        local table1 = {one="one", [1]="one"}
        encoded = cjson.encode(table1)
        decoded = cjson.decode(encoded)
        assert(decoded["one"] == table1["one"])
        assert(decoded["1"] == table1[1])
        local array1 = {[1]="one", [2]="two"}
        encoded = cjson.encode(array1)
        decoded = cjson.decode(encoded)
        assert(table.concat(array1) == table.concat(decoded))
        local invalid_map = {}
        invalid_map[false] = "false"
        local ok, encoded = pcall(cjson.encode, invalid_map)
        assert(ok == false)
        cjson.encode_max_depth(1)
        ok, encoded = pcall(cjson.encode, some_map)
        assert(ok == false)
        cjson.decode_max_depth(1)
        ok, decoded = pcall(cjson.decode, '{"obj": {"array": [1,2,3,4]}}')
        assert(ok == false)
        ok, encoded = pcall(cjson.encode, {num1=0/0})
        assert(ok == false)
        cjson.encode_invalid_numbers(true)
        ok, encoded = pcall(cjson.encode, {num1=0/0})
        assert(ok == true)
        cjson.decode_max_depth(1000)
        cjson.encode_max_depth(1000)
        cjson.encode_invalid_numbers(false)
        "#,
    );
}

#[test]
fn errors_are_positioned_like_luas() {
    let lua = lua();
    // Called by pcall (a C function) there is no script line to name.
    let message: String = eval(&lua, "local ok, e = pcall(cjson.decode, '[') return e");
    assert_eq!(message, "Expected value but found T_END at character 2");
}

#[test]
fn big_tables_round_trip() {
    let lua = lua();
    // Far more entries than mlua can hold references to at once.
    let _: () = eval(
        &lua,
        "local m, a = {}, {} for i = 1, 50000 do m['k' .. i] = {i} a[i] = tostring(i) end \
         local d = cjson.decode(cjson.encode({m = m, a = a})) \
         assert(d.m.k777[1] == 777 and #d.a == 50000 and d.a[50000] == '50000')",
    );
}
