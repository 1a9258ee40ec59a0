//! RDB type and opcode bytes, shared by the writer and the reader.
//!
//! Object types introduce a key's value; opcodes (250 and up) introduce everything
//! else in the stream. Only the numbers live here; what follows each is the writer's
//! and reader's concern.

/// The version this codec writes (Redis 7.0's).
pub const WRITE_VERSION: u32 = 10;
/// The newest version it reads (Redis 7.2 writes 11, 7.4 writes 12).
pub const MAX_READ_VERSION: u32 = 12;

/// Object type STRING.
pub const TYPE_STRING: u8 = 0;
/// Object type LIST.
pub const TYPE_LIST: u8 = 1;
/// Object type SET.
pub const TYPE_SET: u8 = 2;
/// Object type ZSET.
pub const TYPE_ZSET: u8 = 3;
/// Object type HASH.
pub const TYPE_HASH: u8 = 4;
/// Object type ZSET_2.
pub const TYPE_ZSET_2: u8 = 5;
/// Object type MODULE.
pub const TYPE_MODULE: u8 = 6;
/// Object type MODULE_2.
pub const TYPE_MODULE_2: u8 = 7;
/// Object type HASH_ZIPMAP.
pub const TYPE_HASH_ZIPMAP: u8 = 9;
/// Object type LIST_ZIPLIST.
pub const TYPE_LIST_ZIPLIST: u8 = 10;
/// Object type SET_INTSET.
pub const TYPE_SET_INTSET: u8 = 11;
/// Object type ZSET_ZIPLIST.
pub const TYPE_ZSET_ZIPLIST: u8 = 12;
/// Object type HASH_ZIPLIST.
pub const TYPE_HASH_ZIPLIST: u8 = 13;
/// Object type LIST_QUICKLIST.
pub const TYPE_LIST_QUICKLIST: u8 = 14;
/// Object type STREAM_LISTPACKS.
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
/// Object type HASH_LISTPACK.
pub const TYPE_HASH_LISTPACK: u8 = 16;
/// Object type ZSET_LISTPACK.
pub const TYPE_ZSET_LISTPACK: u8 = 17;
/// Object type LIST_QUICKLIST_2.
pub const TYPE_LIST_QUICKLIST_2: u8 = 18;
/// Object type STREAM_LISTPACKS_2.
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;
/// Object type SET_LISTPACK.
pub const TYPE_SET_LISTPACK: u8 = 20;
/// Object type STREAM_LISTPACKS_3.
pub const TYPE_STREAM_LISTPACKS_3: u8 = 21;

/// Opcode SLOT_INFO (Redis 7.4, version 12, cluster mode): three lengths, a hint.
pub const OPCODE_SLOT_INFO: u8 = 244;
/// Opcode FUNCTION2.
pub const OPCODE_FUNCTION2: u8 = 245;
/// Opcode FUNCTION.
pub const OPCODE_FUNCTION: u8 = 246;
/// Opcode MODULE_AUX.
pub const OPCODE_MODULE_AUX: u8 = 247;
/// Opcode IDLE.
pub const OPCODE_IDLE: u8 = 248;
/// Opcode FREQ.
pub const OPCODE_FREQ: u8 = 249;
/// Opcode AUX.
pub const OPCODE_AUX: u8 = 250;
/// Opcode RESIZEDB.
pub const OPCODE_RESIZEDB: u8 = 251;
/// Opcode EXPIRETIME_MS.
pub const OPCODE_EXPIRETIME_MS: u8 = 252;
/// Opcode EXPIRETIME.
pub const OPCODE_EXPIRETIME: u8 = 253;
/// Opcode SELECTDB.
pub const OPCODE_SELECTDB: u8 = 254;
/// Opcode EOF.
pub const OPCODE_EOF: u8 = 255;

/// Quicklist 2 node containers.
pub const CONTAINER_PLAIN: u64 = 1;
/// Quicklist 2 node container PACKED.
pub const CONTAINER_PACKED: u64 = 2;
