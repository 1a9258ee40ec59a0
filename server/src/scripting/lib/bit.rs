//! `bit`: LuaBitOp 1.0.2 as Redis bundles it. Operands are Lua numbers (doubles)
//! reduced to 32 bits the way LuaBitOp does it (adding 2^52+2^51 and keeping the low
//! word, so fractions round to nearest-even and values wrap modulo 2^32); results are
//! signed 32-bit numbers.
//!
//! Not here: the 64-bit or Lua 5.3 operator variants, which Redis does not ship.

use mlua::{Lua, MultiValue, Table, Value};

use super::lua_api::{Installer, LibResult, arg, to_number, type_error};

/// The `bit` table.
pub(super) fn module(lua: &Lua, installer: &Installer) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    installer.install(lua, &table, "tobit", |lua, args| unary(lua, args, |b| b))?;
    installer.install(lua, &table, "bnot", |lua, args| unary(lua, args, |b| !b))?;
    installer.install(lua, &table, "band", |lua, args| {
        fold(lua, args, |a, b| a & b)
    })?;
    installer.install(lua, &table, "bor", |lua, args| {
        fold(lua, args, |a, b| a | b)
    })?;
    installer.install(lua, &table, "bxor", |lua, args| {
        fold(lua, args, |a, b| a ^ b)
    })?;
    installer.install(lua, &table, "lshift", |lua, args| {
        shift(lua, args, |b, n| b << n)
    })?;
    installer.install(lua, &table, "rshift", |lua, args| {
        shift(lua, args, |b, n| b >> n)
    })?;
    installer.install(lua, &table, "arshift", |lua, args| {
        shift(lua, args, |b, n| ((b as i32) >> n) as u32)
    })?;
    installer.install(lua, &table, "rol", |lua, args| {
        shift(lua, args, u32::rotate_left)
    })?;
    installer.install(lua, &table, "ror", |lua, args| {
        shift(lua, args, u32::rotate_right)
    })?;
    installer.install(lua, &table, "bswap", |lua, args| {
        unary(lua, args, u32::swap_bytes)
    })?;
    installer.install(lua, &table, "tohex", tohex)?;
    Ok(table)
}

/// The 32 bits of argument `narg`. Like LuaBitOp on Lua 5.1, a non-number argument
/// is only an error when its bits come out as zero.
fn bits(lua: &Lua, args: &[Value], narg: usize) -> LibResult<u32> {
    let value = arg(args, narg);
    let number = to_number(lua, value)?;
    // 2^52 + 2^51: the sum's low mantissa word holds the rounded integer modulo 2^32.
    let shifted = number.unwrap_or(0.0) + 6_755_399_441_055_744.0;
    let low_word = shifted.to_bits() as u32;
    if low_word == 0 && number.is_none() {
        return type_error(lua, args, narg, "number");
    }
    Ok(low_word)
}

fn ret(bits: u32) -> LibResult<MultiValue> {
    Ok(MultiValue::from_iter([Value::Number(f64::from(
        bits as i32,
    ))]))
}

fn unary(lua: &Lua, args: MultiValue, op: impl Fn(u32) -> u32) -> LibResult<MultiValue> {
    let args: Vec<Value> = args.into_iter().collect();
    ret(op(bits(lua, &args, 1)?))
}

/// band/bor/bxor: the first argument, then the others from the last one down.
fn fold(lua: &Lua, args: MultiValue, op: impl Fn(u32, u32) -> u32) -> LibResult<MultiValue> {
    let args: Vec<Value> = args.into_iter().collect();
    let mut acc = bits(lua, &args, 1)?;
    for narg in (2..=args.len()).rev() {
        acc = op(acc, bits(lua, &args, narg)?);
    }
    ret(acc)
}

/// Shifts and rotations take the count modulo 32.
fn shift(lua: &Lua, args: MultiValue, op: impl Fn(u32, u32) -> u32) -> LibResult<MultiValue> {
    let args: Vec<Value> = args.into_iter().collect();
    let value = bits(lua, &args, 1)?;
    let count = bits(lua, &args, 2)? & 31;
    ret(op(value, count))
}

/// `bit.tohex(x [, n])`: the low |n| nibbles (at most 8), uppercase when n < 0.
fn tohex(lua: &Lua, args: MultiValue) -> LibResult<MultiValue> {
    let args: Vec<Value> = args.into_iter().collect();
    let mut value = bits(lua, &args, 1)?;
    let mut digits = if args.len() < 2 {
        8
    } else {
        bits(lua, &args, 2)? as i32
    };
    let alphabet: &[u8; 16] = if digits < 0 {
        digits = digits.wrapping_neg();
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    // i32::MIN stays negative after negation; LuaBitOp would then read past its
    // buffer, so it gets no digits here.
    let count = usize::try_from(digits.min(8)).unwrap_or(0);
    let mut text = vec![b'0'; count];
    for slot in text.iter_mut().rev() {
        *slot = alphabet.get((value & 15) as usize).copied().unwrap_or(b'0');
        value >>= 4;
    }
    Ok(MultiValue::from_iter([Value::String(
        lua.create_string(&text)?,
    )]))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error_of, eval, lua};

    #[test]
    fn redis_suite_minimal_bitop() {
        let lua = lua();
        let _: () = eval(
            &lua,
            "assert(bit.tobit(1) == 1); assert(bit.band(1) == 1); \
             assert(bit.bxor(1,2) == 3); assert(bit.bor(1,2,4,8,16,32,64,128) == 255)",
        );
    }

    #[test]
    fn results_match_redis() {
        let lua = lua();
        // Each expected value was read from redis-server 7.0.15 with the same
        // expression in EVAL (numbers returned through tostring).
        let cases: &[(&str, &str)] = &[
            ("bit.tobit(0xffffffff)", "-1"),
            ("bit.tobit(2^32 + 5)", "5"),
            ("bit.tobit(1.5)", "2"),
            ("bit.tobit(2.5)", "2"),
            ("bit.tobit(-1.5)", "-2"),
            ("bit.tobit('12')", "12"),
            ("bit.tobit(0/0)", "0"),
            ("bit.tobit(1/0)", "0"),
            ("bit.bnot(0)", "-1"),
            ("bit.band(0xff, 0x0f, 0x3)", "3"),
            ("bit.lshift(1, 31)", "-2147483648"),
            ("bit.lshift(1, 32)", "1"),
            ("bit.lshift(1, 33)", "2"),
            ("bit.rshift(-1, 28)", "15"),
            ("bit.arshift(-256, 4)", "-16"),
            ("bit.rol(0x12345678, 12)", "1164411171"),
            ("bit.ror(0x12345678, 12)", "1736516421"),
            ("bit.rol(5, 0)", "5"),
            ("bit.bswap(0x12345678)", "2018915346"),
            ("bit.tohex(255)", "000000ff"),
            ("bit.tohex(-1, -4)", "FFFF"),
            ("bit.tohex(0x1234, 2)", "34"),
            ("bit.tohex(1, 20)", "00000001"),
            ("bit.tohex(1, 0)", ""),
        ];
        for (expr, expected) in cases {
            let got: String = eval(&lua, &format!("return tostring({expr})"));
            assert_eq!(&got, expected, "{expr}");
        }
    }

    #[test]
    fn errors_match_redis() {
        let lua = lua();
        assert_eq!(
            error_of(&lua, "bit.tobit('x')"),
            "user_script:1: bad argument #1 to 'tobit' (number expected, got string)"
        );
        assert_eq!(
            error_of(&lua, "bit.band()"),
            "user_script:1: bad argument #1 to 'band' (number expected, got no value)"
        );
        assert_eq!(
            error_of(&lua, "bit.bor(1, 2, {})"),
            "user_script:1: bad argument #3 to 'bor' (number expected, got table)"
        );
        assert_eq!(
            error_of(&lua, "bit.tohex(1, nil)"),
            "user_script:1: bad argument #2 to 'tohex' (number expected, got nil)"
        );
        assert_eq!(
            error_of(&lua, "local f = bit.lshift; f(1)"),
            "user_script:1: bad argument #2 to 'f' (number expected, got no value)"
        );
    }
}
