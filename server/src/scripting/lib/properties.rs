//! Property tests over all four libraries: every decoder fed arbitrary bytes returns
//! a value or raises a plain string error (never a panic or an mlua-internal error),
//! and encoding then decoding gives back what went in.

use mlua::{Function, Lua, MultiValue, Value};
use proptest::prelude::*;

use super::test_support::lua;

/// Calls `library.name(args...)`; a failure must be a Lua string error.
fn call(lua: &Lua, library: &str, name: &str, args: MultiValue) -> Option<MultiValue> {
    let table: mlua::Table = lua.globals().get(library).unwrap();
    let function: Function = table.get(name).unwrap();
    match function.call::<MultiValue>(args) {
        Ok(values) => Some(values),
        Err(mlua::Error::RuntimeError(_)) => None,
        Err(other) => panic!("{library}.{name} failed with a non-string error: {other:?}"),
    }
}

fn bytes(lua: &Lua, data: &[u8]) -> Value {
    Value::String(lua.create_string(data).unwrap())
}

/// JSON-looking noise reaches deeper into the parser than uniform bytes.
fn json_noise() -> impl Strategy<Value = Vec<u8>> {
    let alphabet: Vec<u8> =
        b"[]{}:,\"\\/ 0123456789.eE+-xXtruefalsnlIiNfyu\t\n\x00\xc3\xa9".to_vec();
    prop::collection::vec(prop::sample::select(alphabet), 0..64)
}

/// Deep structural equality, written in Lua (tables compared key by key).
const DEEP_EQUAL: &str = r#"
local function eq(a, b)
    if type(a) ~= type(b) then return false end
    if type(a) ~= "table" then return a == b end
    for k, v in pairs(a) do if not eq(v, b[k]) then return false end end
    for k in pairs(b) do if a[k] == nil then return false end end
    return true
end
return eq
"#;

/// A value both encoders can carry unchanged.
#[derive(Debug, Clone)]
enum Sample {
    Bool(bool),
    Int(i64),
    Float(f64),
    Bytes(Vec<u8>),
    List(Vec<Sample>),
    Map(Vec<(String, Sample)>),
}

fn sample(float: BoxedStrategy<f64>) -> impl Strategy<Value = Sample> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Sample::Bool),
        (-(1i64 << 40)..(1i64 << 40)).prop_map(Sample::Int),
        float.prop_map(Sample::Float),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Sample::Bytes),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Sample::List),
            prop::collection::vec(("[a-z]{1,6}", inner), 1..6).prop_map(Sample::Map),
        ]
    })
}

fn to_lua(lua: &Lua, sample: &Sample) -> Value {
    match sample {
        Sample::Bool(b) => Value::Boolean(*b),
        Sample::Int(i) => Value::Number(*i as f64),
        Sample::Float(f) => Value::Number(*f),
        Sample::Bytes(b) => bytes(lua, b),
        Sample::List(items) => {
            let table = lua.create_table().unwrap();
            for (i, item) in items.iter().enumerate() {
                table.raw_set(i + 1, to_lua(lua, item)).unwrap();
            }
            Value::Table(table)
        }
        Sample::Map(entries) => {
            let table = lua.create_table().unwrap();
            for (key, item) in entries {
                table.raw_set(key.as_str(), to_lua(lua, item)).unwrap();
            }
            Value::Table(table)
        }
    }
}

fn first(values: MultiValue) -> Value {
    values.into_iter().next().unwrap_or(Value::Nil)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn cjson_decode_survives_any_input(data in prop::collection::vec(any::<u8>(), 0..64), noise in json_noise()) {
        let lua = lua();
        call(&lua, "cjson", "decode", MultiValue::from_iter([bytes(&lua, &data)]));
        call(&lua, "cjson", "decode", MultiValue::from_iter([bytes(&lua, &noise)]));
    }

    #[test]
    fn cmsgpack_unpack_survives_any_input(
        data in prop::collection::vec(any::<u8>(), 0..64),
        offset in -3i64..70,
        limit in -1i64..4,
    ) {
        let lua = lua();
        call(&lua, "cmsgpack", "unpack", MultiValue::from_iter([bytes(&lua, &data)]));
        call(&lua, "cmsgpack", "unpack_one",
             MultiValue::from_iter([bytes(&lua, &data), Value::Integer(offset)]));
        call(&lua, "cmsgpack", "unpack_limit",
             MultiValue::from_iter([bytes(&lua, &data), Value::Integer(limit), Value::Integer(offset)]));
    }

    #[test]
    fn struct_unpack_survives_any_input(
        format in "[<>!xbBhHlLTiIfdcs0-9 ]{0,12}",
        data in prop::collection::vec(any::<u8>(), 0..48),
        offset in -2i64..50,
    ) {
        let lua = lua();
        call(&lua, "struct", "unpack",
             MultiValue::from_iter([bytes(&lua, format.as_bytes()), bytes(&lua, &data), Value::Integer(offset)]));
        call(&lua, "struct", "size", MultiValue::from_iter([bytes(&lua, format.as_bytes())]));
    }

    #[test]
    fn cmsgpack_round_trips(value in sample(any::<f64>().prop_filter("not NaN", |f| !f.is_nan()).boxed())) {
        let lua = lua();
        let eq: Function = lua.load(DEEP_EQUAL).eval().unwrap();
        let original = to_lua(&lua, &value);
        let packed = first(call(&lua, "cmsgpack", "pack", MultiValue::from_iter([original.clone()])).unwrap());
        let decoded = first(call(&lua, "cmsgpack", "unpack", MultiValue::from_iter([packed])).unwrap());
        prop_assert!(eq.call::<bool>((original, decoded)).unwrap());
    }

    #[test]
    fn cjson_round_trips(value in sample((-4096i32..4096).prop_map(|n| f64::from(n) / 8.0).boxed())) {
        let lua = lua();
        let eq: Function = lua.load(DEEP_EQUAL).eval().unwrap();
        let original = to_lua(&lua, &value);
        let text = first(call(&lua, "cjson", "encode", MultiValue::from_iter([original.clone()])).unwrap());
        let decoded = first(call(&lua, "cjson", "decode", MultiValue::from_iter([text])).unwrap());
        prop_assert!(eq.call::<bool>((original, decoded)).unwrap());
    }

    #[test]
    fn struct_round_trips(
        items in prop::collection::vec(
            prop_oneof![
                any::<i8>().prop_map(|v| ("b".to_string(), f64::from(v))),
                any::<u16>().prop_map(|v| ("H".to_string(), f64::from(v))),
                any::<i32>().prop_map(|v| ("i".to_string(), f64::from(v))),
                any::<u32>().prop_map(|v| ("I4".to_string(), f64::from(v))),
                (-(1i64 << 52)..(1i64 << 52)).prop_map(|v| ("l".to_string(), v as f64)),
                any::<f32>().prop_filter("not NaN", |f| !f.is_nan()).prop_map(|v| ("f".to_string(), f64::from(v))),
                any::<f64>().prop_filter("not NaN", |f| !f.is_nan()).prop_map(|v| ("d".to_string(), v)),
            ],
            0..10,
        ),
        header in prop::sample::select(vec!["", "<", ">", "!", ">!4", "<!2"]),
    ) {
        let lua = lua();
        let format: String =
            std::iter::once(header.to_string()).chain(items.iter().map(|(f, _)| f.clone())).collect();
        let mut args = vec![bytes(&lua, format.as_bytes())];
        args.extend(items.iter().map(|(_, v)| Value::Number(*v)));
        let packed = first(call(&lua, "struct", "pack", MultiValue::from_iter(args)).unwrap());
        let unpacked: Vec<Value> = call(&lua, "struct", "unpack",
            MultiValue::from_iter([bytes(&lua, format.as_bytes()), packed])).unwrap().into_iter().collect();
        prop_assert_eq!(unpacked.len(), items.len() + 1);
        for ((_, expected), got) in items.iter().zip(&unpacked) {
            let got = match got { Value::Number(n) => *n, Value::Integer(i) => *i as f64, _ => f64::NAN };
            prop_assert_eq!(got, *expected);
        }
    }
}
