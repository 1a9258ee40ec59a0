//! The configuration of `scarlet-server`, compatible with Redis 7.0.15: every
//! directive Redis accepts, loaded from `redis.conf` syntax and the command line with
//! Redis's errors, and the CONFIG GET / SET / REWRITE semantics.
//!
//! Owns: the directive table ([`directives`], generating the typed [`Config`]),
//! loading ([`Config::load`]), introspection ([`Config::get`]), changes
//! ([`Config::set`] / [`Config::restore`]) and rewriting ([`Config::rewrite`]).
//!
//! Deliberately not here: anything that needs the running server. CONFIG SET only
//! names the reactions it needs ([`Apply`]); `rename-command`, `user` and
//! `loadmodule` lines are returned in [`Loaded`] for the server to apply; the
//! process's working directory is never changed (the server `chdir`s to
//! [`Config::dir`] after loading and on [`Apply::Dir`]); nothing is printed or
//! logged; statistics (CONFIG RESETSTAT) live elsewhere.
//!
//! Typical start-up:
//! ```no_run
//! # use scarlet_server::config::Config;
//! let args: Vec<String> = std::env::args().skip(1).collect();
//! let loaded = match Config::load(None, &args) {
//!     Ok(loaded) => loaded,
//!     Err(e) => {
//!         eprint!("{e}");
//!         std::process::exit(1);
//!     }
//! };
//! for (directive, subsystem) in loaded.unbuilt_in_use() {
//!     eprintln!("{directive} is set but {subsystem:?} is not implemented yet");
//! }
//! ```

mod checks;
mod cnum;
mod command;
mod directive;
mod error;
mod format;
mod glob;
mod load;
mod parse;
mod rewrite;
mod table;
mod value;

#[cfg(test)]
mod tests;

pub(crate) use cnum::memtoull;
pub use command::{SetContext, SetError, SetOutcome, Undo, apply_failed};
pub use directive::{
    Apply, CType, Check, Directive, Flags, Spec, Subsystem, Unit, directives, lookup,
};
pub use error::ConfigError;
pub use load::{
    CheckUser, CommandExists, ConfigSource, LoadOptions, Loaded, MAX_INCLUDE_DEPTH, ModuleLoad,
};
pub use rewrite::RewriteInputs;
pub use table::Config;
pub use value::{
    AclPubsubDefault, AppendFsync, ClientBufferLimit, ClientOutputBufferLimits,
    ClusterPreferredEndpointType, ConfigEnum, KeyspaceEvents, LogLevel, MaxmemoryClients,
    MaxmemoryPolicy, OomScoreAdj, OomScoreAdjValues, PropagationErrorBehavior, ProtectedAction,
    ReplDisklessLoad, ReplicaOf, SanitizeDumpPayload, SavePoint, ShutdownFlags, Supervised,
    SyslogFacility, TlsAuthClients, Value,
};

impl Config {
    /// The process title from `proc-title-template` with `{title}` replaced by
    /// `title` (Redis uses its executable name), or `None` if the template is invalid.
    pub fn proc_title(&self, title: &str) -> Option<String> {
        checks::expand_proc_title(self, self.proc_title_template.as_bytes(), title.as_bytes())
            .map(|t| String::from_utf8_lossy(&t).into_owned())
    }

    /// A directive's current value as CONFIG GET formats it, by name or alias.
    pub fn value_of(&self, name: &str) -> Option<Vec<u8>> {
        let d = lookup(name.as_bytes())?;
        Some(format::format_value(d, &(d.access.get)(self)))
    }
}
