//! Functions: FCALL, FCALL_RO and FUNCTION LOAD / DELETE / FLUSH / LIST / DUMP /
//! RESTORE / STATS / KILL / HELP.
//!
//! Libraries and loading are in `scripting/functions.rs`, payloads in
//! `scripting/payload.rs`; here are argument checks and replies. FUNCTION KILL and
//! FUNCTION STATS during a busy script are answered by the connection task without the
//! lock (see `connection.rs`).

use scarlet_protocol::Args;
use scarlet_storage::glob::glob_match;

use super::scripting::{
    RO_NOTES, RUN_FLAGS, RUN_RO_FLAGS, RW_NOTES, kill_reply, numkeys, script_keys,
};
use super::spec::{CommandSpec, Group, acl, flag, key};
use super::{Ctx, args, reply_help, subcommand_syntax_error};
use crate::error::{CmdError, CmdResult};
use crate::scripting::engine::EngineKind;
use crate::scripting::functions::Library;
use crate::scripting::payload::{self, PayloadError};
use crate::scripting::run::ScriptRun;
use crate::scripting::shebang;

/// The functions family.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "fcall",
        arity: -3,
        flags: RUN_FLAGS,
        acl: acl::SCRIPTING,
        keys: &[script_keys(
            key::RW | key::ACCESS | key::UPDATE,
            Some(RW_NOTES),
        )],
        handler: Some(fcall),
        summary: "Invokes a function",
        since: "7.0.0",
        complexity: "Depends on the function that is executed.",
        group: Group::Scripting,
        syntax: "function numkeys:integer [key:key...] [arg...]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "fcall_ro",
        arity: -3,
        flags: RUN_RO_FLAGS,
        acl: acl::SCRIPTING,
        keys: &[script_keys(key::RO | key::ACCESS, Some(RO_NOTES))],
        handler: Some(fcall_ro),
        summary: "Invokes a read-only function",
        since: "7.0.0",
        complexity: "Depends on the function that is executed.",
        group: Group::Scripting,
        syntax: "function numkeys:integer [key:key...] [arg...]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "function",
        arity: -2,
        summary: "A container for function commands",
        since: "7.0.0",
        complexity: "Depends on subcommand.",
        group: Group::Scripting,
        subcommands: FUNCTION_SUBCOMMANDS,
        ..CommandSpec::DEFAULT
    },
];

static FUNCTION_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "delete",
        arity: 3,
        flags: flag::NOSCRIPT | flag::WRITE,
        acl: acl::SCRIPTING,
        handler: Some(function_delete),
        summary: "Deletes a library and its functions",
        since: "7.0.0",
        group: Group::Scripting,
        syntax: "library-name",
        tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "dump",
        arity: 2,
        flags: flag::NOSCRIPT,
        acl: acl::SCRIPTING,
        handler: Some(function_dump),
        summary: "Dumps all libraries into a serialized binary payload",
        since: "7.0.0",
        complexity: "O(N) where N is the number of functions",
        group: Group::Scripting,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "flush",
        arity: -2,
        flags: flag::NOSCRIPT | flag::WRITE,
        acl: acl::SCRIPTING,
        handler: Some(function_flush),
        summary: "Deletes all libraries and functions",
        since: "7.0.0",
        complexity: "O(N) where N is the number of functions deleted",
        group: Group::Scripting,
        syntax: "async=[ASYNC|SYNC]",
        tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "help",
        arity: 2,
        flags: flag::LOADING | flag::STALE,
        acl: acl::SCRIPTING,
        handler: Some(function_help),
        summary: "Returns helpful text about the different subcommands",
        since: "7.0.0",
        group: Group::Scripting,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "kill",
        arity: 2,
        flags: flag::NOSCRIPT | flag::ALLOW_BUSY,
        acl: acl::SCRIPTING,
        handler: Some(function_kill),
        summary: "Terminates a function during execution",
        since: "7.0.0",
        group: Group::Scripting,
        tips: &["request_policy:all_shards", "response_policy:one_succeeded"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "list",
        arity: -2,
        flags: flag::NOSCRIPT,
        acl: acl::SCRIPTING,
        handler: Some(function_list),
        summary: "Returns information about all libraries",
        since: "7.0.0",
        complexity: "O(N) where N is the number of functions",
        group: Group::Scripting,
        syntax: "[LIBRARYNAME library-name-pattern] [WITHCODE]",
        tips: &["nondeterministic_output_order"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "load",
        arity: -3,
        flags: flag::NOSCRIPT | flag::WRITE | flag::DENYOOM,
        acl: acl::SCRIPTING,
        handler: Some(function_load),
        summary: "Creates a library",
        since: "7.0.0",
        complexity: "O(1) (considering compilation time is redundant)",
        group: Group::Scripting,
        syntax: "[REPLACE] function-code",
        tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "restore",
        arity: -3,
        flags: flag::NOSCRIPT | flag::WRITE | flag::DENYOOM,
        acl: acl::SCRIPTING,
        handler: Some(function_restore),
        summary: "Restores all libraries from a payload",
        since: "7.0.0",
        complexity: "O(N) where N is the number of functions on the payload",
        group: Group::Scripting,
        syntax: "serialized-value policy=[FLUSH|APPEND|REPLACE]",
        tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "stats",
        arity: 2,
        flags: flag::NOSCRIPT | flag::ALLOW_BUSY,
        acl: acl::SCRIPTING,
        handler: Some(function_stats),
        summary: "Returns information about a function during execution",
        since: "7.0.0",
        group: Group::Scripting,
        tips: &[
            "nondeterministic_output",
            "request_policy:all_shards",
            "response_policy:special",
        ],
        ..CommandSpec::DEFAULT
    },
];

fn fcall(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    fcall_generic(ctx, args, false)
}

fn fcall_ro(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    fcall_generic(ctx, args, true)
}

fn fcall_generic(ctx: &mut Ctx<'_>, args: Args<'_>, ro: bool) -> CmdResult {
    ctx.server
        .feed_monitors_always(ctx.client, ctx.command, args);
    let name = String::from_utf8_lossy(args.at(1));
    let Some(info) = ctx.server.scripting.libraries.function(&name) else {
        return Err(CmdError::err("Function not found"));
    };
    let function = info.function.clone();
    let flags = info.flags;
    let registered_name = info.name.clone();
    let numkeys = numkeys(args, CmdError::err("Bad number of keys provided"))?;
    let run = ScriptRun {
        kind: EngineKind::Functions,
        function,
        name: &registered_name,
        flags,
        read_only_command: ro,
        debug: false,
    };
    ctx.server
        .run_script(ctx.client, run, args, numkeys, ctx.now)
}

fn function_delete(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let name = String::from_utf8_lossy(args.at(2));
    if !ctx.server.scripting.libraries.delete(&name) {
        return Err(CmdError::err("Library not found"));
    }
    ctx.server.function_counts_changed();
    ctx.server.dirty += 1;
    ctx.client.reply.ok();
    Ok(())
}

fn function_dump(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let payload = payload::dump(
        ctx.server
            .scripting
            .libraries
            .libraries
            .values()
            .map(|l| l.code.as_slice()),
    );
    ctx.client.reply.bulk(&payload);
    Ok(())
}

fn function_flush(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    match args.len() {
        2 => {}
        3 if args::is(args.at(2), "sync") || args::is(args.at(2), "async") => {}
        3 => {
            return Err(CmdError::err(
                "FUNCTION FLUSH only supports SYNC|ASYNC option",
            ));
        }
        _ => return Err(subcommand_syntax_error(args)),
    }
    ctx.server.scripting.libraries.flush();
    ctx.server.function_counts_changed();
    ctx.server.dirty += 1;
    ctx.client.reply.ok();
    Ok(())
}

fn function_help(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    reply_help(
        &mut ctx.client.reply,
        "FUNCTION",
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    );
    Ok(())
}

fn function_kill(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let outcome = ctx.server.scripting.watch.kill(false);
    kill_reply(outcome, false).map_err(CmdError::coded)?;
    ctx.client.reply.ok();
    Ok(())
}

fn function_list(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let mut with_code = false;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 2;
    while let Some(arg) = args.get(i) {
        if !with_code && args::is(arg, "withcode") {
            with_code = true;
        } else if pattern.is_none() && args::is(arg, "libraryname") {
            let Some(p) = args.get(i + 1) else {
                return Err(CmdError::err("library name argument was not given"));
            };
            pattern = Some(p);
            i += 1;
        } else {
            return Err(CmdError::err(format!(
                "Unknown argument {}",
                String::from_utf8_lossy(arg)
            )));
        }
        i += 1;
    }
    let libraries: Vec<&Library> = ctx
        .server
        .scripting
        .libraries
        .libraries
        .values()
        .filter(|l| pattern.is_none_or(|p| glob_match(p, l.name.as_bytes(), false)))
        .collect();
    let reply = &mut ctx.client.reply;
    reply.array(libraries.len());
    for library in libraries {
        reply.map(if with_code { 4 } else { 3 });
        reply.bulk(b"library_name");
        reply.bulk(library.name.as_bytes());
        reply.bulk(b"engine");
        reply.bulk(b"LUA");
        reply.bulk(b"functions");
        reply.array(library.functions.len());
        for f in &library.functions {
            reply.map(3);
            reply.bulk(b"name");
            reply.bulk(f.name.as_bytes());
            reply.bulk(b"description");
            match &f.description {
                Some(d) => reply.bulk(d),
                None => reply.null(),
            }
            reply.bulk(b"flags");
            let names: Vec<&str> = shebang::NAMES
                .iter()
                .filter(|(bit, _)| f.flags & bit != 0)
                .map(|(_, n)| *n)
                .collect();
            reply.set(names.len());
            for n in names {
                reply.simple(n.as_bytes());
            }
        }
        if with_code {
            reply.bulk(b"library_code");
            reply.bulk(&library.code);
        }
    }
    Ok(())
}

fn function_load(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let mut replace = false;
    let mut pos = 2;
    while pos + 1 < args.len() {
        let arg = args.at(pos);
        pos += 1;
        if args::is(arg, "replace") {
            replace = true;
            continue;
        }
        return Err(CmdError::err(format!(
            "Unknown option given: {}",
            String::from_utf8_lossy(arg)
        )));
    }
    let Some(code) = args.get(pos) else {
        return Err(CmdError::err("Function code is missing"));
    };
    let watch = std::sync::Arc::clone(&ctx.server.scripting.watch);
    let name = ctx
        .server
        .scripting
        .libraries
        .load(code, replace, &watch)
        .map_err(CmdError::err)?;
    ctx.server.function_counts_changed();
    ctx.server.dirty += 1;
    ctx.client.reply.bulk(name.as_bytes());
    Ok(())
}

fn function_restore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if args.len() > 4 {
        return Err(subcommand_syntax_error(args));
    }
    #[derive(PartialEq)]
    enum Policy {
        Append,
        Replace,
        Flush,
    }
    let policy = match args.get(3) {
        None => Policy::Append,
        Some(p) if args::is(p, "append") => Policy::Append,
        Some(p) if args::is(p, "replace") => Policy::Replace,
        Some(p) if args::is(p, "flush") => Policy::Flush,
        Some(_) => {
            return Err(CmdError::err(
                "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            ));
        }
    };
    let codes = payload::restore(args.at(2)).map_err(|e| {
        CmdError::err(match e {
            PayloadError::Trailer => "DUMP payload version or checksum are wrong",
            PayloadError::NotFunction => "given type is not a function",
            PayloadError::Unreadable => "can not read data type",
        })
    })?;
    let watch = std::sync::Arc::clone(&ctx.server.scripting.watch);
    let mut incoming: Vec<Library> = Vec::new();
    for code in &codes {
        let library = ctx
            .server
            .scripting
            .libraries
            .compile(code, &watch)
            .map_err(CmdError::err)?;
        let key = library.name.to_ascii_lowercase();
        if incoming.iter().any(|l| l.name.to_ascii_lowercase() == key) {
            return Err(CmdError::err(format!(
                "Library '{}' already exists",
                library.name
            )));
        }
        for f in &library.functions {
            if incoming.iter().any(|l| {
                l.functions
                    .iter()
                    .any(|g| g.name.eq_ignore_ascii_case(&f.name))
            }) {
                return Err(CmdError::err(format!("Function {} already exists", f.name)));
            }
        }
        incoming.push(library);
    }
    let libraries = &mut ctx.server.scripting.libraries;
    if policy == Policy::Flush {
        libraries.clear_keeping_engine();
        libraries.join(incoming, false).map_err(CmdError::err)?;
    } else {
        libraries
            .join(incoming, policy == Policy::Replace)
            .map_err(CmdError::err)?;
    }
    ctx.server.function_counts_changed();
    ctx.server.dirty += 1;
    ctx.client.reply.ok();
    Ok(())
}

fn function_stats(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    // Under the lock no script runs (a busy one is answered in `connection.rs`).
    let libraries = ctx.server.scripting.libraries.libraries.len();
    let functions = ctx.server.scripting.libraries.function_count();
    write_function_stats(&mut ctx.client.reply, None, libraries, functions);
    Ok(())
}

/// FUNCTION STATS' reply; `running` is (name, command, duration ms) of a running function.
pub fn write_function_stats(
    reply: &mut scarlet_protocol::ReplyBuf,
    running: Option<(&str, scarlet_protocol::Args<'_>, i64)>,
    libraries: usize,
    functions: usize,
) {
    reply.map(2);
    reply.bulk(b"running_script");
    match running {
        None => reply.null(),
        Some((name, command, duration)) => {
            reply.map(3);
            reply.bulk(b"name");
            reply.bulk(name.as_bytes());
            reply.bulk(b"command");
            reply.array(command.len());
            for arg in command.iter() {
                reply.bulk(arg);
            }
            reply.bulk(b"duration_ms");
            reply.int(duration);
        }
    }
    reply.bulk(b"engines");
    reply.map(1);
    reply.bulk(b"LUA");
    reply.map(2);
    reply.bulk(b"libraries_count");
    reply.count(libraries);
    reply.bulk(b"functions_count");
    reply.count(functions);
}
