//! Lua scripting: the engine lives beside the libraries it loads into every Lua state.
pub mod lib;
