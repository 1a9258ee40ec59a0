//! Fuzzes Redis's argument splitting: no panic, arguments never longer in total than the line,
//! and every argument survives quoting with `repr` and splitting again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scarlet_protocol::{repr, split_args};

fuzz_target!(|line: &[u8]| {
    let Some(args) = split_args(line) else {
        return;
    };
    assert!(args.iter().map(Vec::len).sum::<usize>() <= line.len());
    for arg in &args {
        assert_eq!(split_args(repr(arg).as_bytes()), Some(vec![arg.clone()]));
    }
});
