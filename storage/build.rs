//! Builds the small C helper that gives the crate C's `long double` and `strtod`.
//!
//! It compiles `csrc/longdouble.c` and nothing else; the Rust side of the bridge
//! lives in `src/ffi.rs`.

fn main() {
    println!("cargo:rerun-if-changed=csrc/longdouble.c");
    cc::Build::new()
        .file("csrc/longdouble.c")
        .warnings(true)
        .extra_warnings(true)
        .compile("scarlet_longdouble");
}
