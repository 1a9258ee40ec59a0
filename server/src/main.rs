//! The `scarlet-server` binary.
fn main() {}
