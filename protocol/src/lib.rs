//! The Redis serialization protocol (RESP2 and RESP3) as Scarlet speaks it.
//!
//! This crate knows bytes on the wire and nothing else: not keys' values, not commands. It owns
//! the server's request parser ([`RequestReader`]) and reply encoder ([`ReplyBuf`]), the
//! client-side reply parser ([`Frame`], [`FrameReader`]) with a small async [`Client`], Redis's
//! argument splitting and quoting ([`split_args`], [`repr`]), `%.17g` double formatting
//! ([`format_double`]) and cluster key slots ([`key_hash_slot`]).

mod number;

pub mod client;
pub mod double;
pub mod frame;
pub mod reply;
pub mod request;
pub mod slot;
pub mod splitargs;

pub use client::{Client, ClientError};
pub use double::format_double;
pub use frame::{Frame, FrameError, FrameLimits, FrameReader, encode_command};
pub use reply::{Aggregate, Deferred, ReplyBuf, Resp};
pub use request::{Args, Limits, OwnedArgs, ProtocolError, ProtocolErrorKind, RequestReader};
pub use slot::key_hash_slot;
pub use splitargs::{repr, split_args};
