//! Loading the configuration at start-up exactly as Redis 7.0.15 does: the config
//! file (glob patterns allowed), standard input (`-`), then the command-line
//! `--directive value` options turned into config lines, all parsed as one text with
//! `include`, `rename-command`, `user`, `loadmodule`, module options and `sentinel`.
//!
//! Side effects are Redis's own: files are read, and the log file is opened for
//! appending to check it (creating it). Nothing is printed, no directory is changed,
//! no command is renamed and no user or module is created: the results are returned
//! in [`Loaded`] for the server to apply.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use scarlet_protocol::{repr, split_args};

use super::Config;
use super::directive::{Flags, Subsystem, directives, find};
use super::error::ConfigError;
use super::parse::{ParseState, parse, strerror};

/// How deep `include`s may nest (Redis has no limit and overflows its stack).
pub const MAX_INCLUDE_DEPTH: usize = 32;

/// Where the configuration text comes from when not given as the first argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A config file path (made absolute like Redis does; CONFIG REWRITE writes it).
    File(PathBuf),
    /// Configuration text held in memory; `path`, if any, is the file CONFIG REWRITE
    /// will write.
    Text {
        /// The text, as if read from a file.
        text: Vec<u8>,
        /// The file it stands for.
        path: Option<PathBuf>,
    },
}

/// Everything [`Config::load_with`] can be told.
#[derive(Default)]
pub struct LoadOptions<'a> {
    /// The config file; `None` means "as the first argument says", like Redis.
    pub file: Option<ConfigSource>,
    /// The process arguments after the program name. With `file` unset, a first
    /// argument not starting with `-` is the config file; `-` first or last means
    /// "also read standard input"; `--name value...` become config lines.
    /// The server handles `-v`, `--version`, `-h`, `--help`, `--test-memory` and
    /// `--check-system` itself before loading.
    pub args: &'a [String],
    /// Where `-` reads from (default: the process's standard input).
    pub stdin: Option<&'a mut dyn Read>,
    /// Whether a command exists in the original command table (any case), to check
    /// `rename-command` like Redis. Without it renames are not checked.
    pub command_exists: Option<&'a CommandExists>,
    /// Checks a `user` line (all its arguments, `user` first). On error returns the
    /// index of the offending argument and the ACL error text. Without it `user`
    /// lines are not checked.
    pub check_user: Option<&'a CheckUser>,
}

/// See [`LoadOptions::command_exists`].
pub type CommandExists = dyn Fn(&[u8]) -> bool;

/// See [`LoadOptions::check_user`].
pub type CheckUser = dyn Fn(&[Vec<u8>]) -> Result<(), (usize, String)>;

/// A `loadmodule` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleLoad {
    /// The module's path.
    pub path: Vec<u8>,
    /// Its arguments.
    pub args: Vec<Vec<u8>>,
}

/// A loaded configuration and what the server must still apply at start-up.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The directive values.
    pub config: Config,
    /// `rename-command old new` pairs in order (`new` empty: remove the command).
    pub renamed_commands: Vec<(Vec<u8>, Vec<u8>)>,
    /// `user` lines: the arguments after `user`, in order.
    pub users: Vec<Vec<Vec<u8>>>,
    /// `loadmodule` lines in order.
    pub modules: Vec<ModuleLoad>,
    /// Module options (`name.option value...`): name (lower case) and the value
    /// (arguments joined by spaces); a later line replaces an earlier one.
    pub module_configs: Vec<(String, Vec<u8>)>,
    /// Whether standard input was read (Redis logs "Reading config from stdin").
    pub read_stdin: bool,
    explicit: Vec<bool>,
}

impl Loaded {
    fn new(config: Config) -> Loaded {
        Loaded {
            config,
            renamed_commands: Vec::new(),
            users: Vec::new(),
            modules: Vec::new(),
            module_configs: Vec::new(),
            read_stdin: false,
            explicit: vec![false; directives().len()],
        }
    }

    /// Whether a directive (by name or alias) was set by the configuration.
    pub fn was_set(&self, name: &str) -> bool {
        find(name.as_bytes()).is_some_and(|f| self.explicit.get(f.index).copied().unwrap_or(false))
    }

    /// The directives the configuration set, in table order.
    pub fn explicitly_set(&self) -> Vec<&'static str> {
        directives()
            .iter()
            .zip(&self.explicit)
            .filter(|(_, set)| **set)
            .map(|(d, _)| d.name)
            .collect()
    }

    /// Directives set to a non-default value whose subsystem is not built yet (plus
    /// `user` and `loadmodule` lines, and module options), for one start-up warning
    /// each.
    pub fn unbuilt_in_use(&self) -> Vec<(&'static str, Subsystem)> {
        let mut out: Vec<(&'static str, Subsystem)> = directives()
            .iter()
            .zip(&self.explicit)
            .filter(|(d, set)| {
                **set
                    && !d.subsystem.is_built()
                    && (d.access.get)(&self.config) != (d.access.default)()
            })
            .map(|(d, _)| (d.name, d.subsystem))
            .collect();
        let extra = [
            ("user", Subsystem::Acl, !self.users.is_empty()),
            ("loadmodule", Subsystem::Modules, !self.modules.is_empty()),
            (
                "module options",
                Subsystem::Modules,
                !self.module_configs.is_empty(),
            ),
        ];
        out.extend(
            extra
                .into_iter()
                .filter(|(_, s, used)| *used && !s.is_built())
                .map(|(n, s, _)| (n, s)),
        );
        out
    }
}

impl Config {
    /// Loads the configuration like Redis's `main()`: `args` are the process
    /// arguments after the program name (see [`LoadOptions::args`]); `file` gives the
    /// config file instead of the first argument. With neither, Redis's defaults.
    pub fn load(file: Option<ConfigSource>, args: &[String]) -> Result<Loaded, ConfigError> {
        Config::load_with(LoadOptions {
            file,
            args,
            ..LoadOptions::default()
        })
    }

    /// [`Config::load`] with every option.
    pub fn load_with(opts: LoadOptions<'_>) -> Result<Loaded, ConfigError> {
        let LoadOptions {
            file,
            args,
            stdin,
            command_exists,
            check_user,
        } = opts;
        let mut loader = Loader {
            loaded: Loaded::new(Config::default()),
            state: ParseState::default(),
            depth: 0,
            removed: HashSet::new(),
            added: HashSet::new(),
            command_exists,
            check_user,
        };
        // Redis's main() loads nothing at all without arguments.
        if file.is_none() && args.is_empty() {
            return Ok(loader.loaded);
        }
        let cl = command_line(args, file.is_none());
        let cwd = loader.loaded.config.dir.clone();
        let source = file.or(cl
            .file
            .map(|f| ConfigSource::File(PathBuf::from(OsStr::from_bytes(&f)))));
        let mut text = Vec::new();
        match source {
            Some(ConfigSource::File(path)) => {
                let abs = absolute_path(path.as_os_str().as_bytes(), &cwd);
                loader.loaded.config.config_file = Some(PathBuf::from(OsStr::from_bytes(&abs)));
                text = read_config(&abs, &cwd)?;
            }
            Some(ConfigSource::Text { text: t, path }) => {
                loader.loaded.config.config_file = path.map(|p| {
                    PathBuf::from(OsStr::from_bytes(&absolute_path(
                        p.as_os_str().as_bytes(),
                        &cwd,
                    )))
                });
                text = t;
            }
            None => {}
        }
        if cl.stdin {
            loader.loaded.read_stdin = true;
            // A read error leaves what was read, as fgets() does.
            let _ = match stdin {
                Some(r) => r.read_to_end(&mut text),
                None => std::io::stdin().lock().read_to_end(&mut text),
            };
        }
        text.push(b'\n');
        text.extend_from_slice(&cl.options);
        loader.load_text(&text)?;
        Ok(loader.loaded)
    }
}

/// The command line as Redis's `main()` splits it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct CommandLine {
    /// The first argument, when it is the config file.
    pub(crate) file: Option<Vec<u8>>,
    /// Whether `-` asked to read standard input.
    pub(crate) stdin: bool,
    /// The options as config lines.
    pub(crate) options: Vec<u8>,
}

/// Turns arguments into config text exactly as Redis's `main()` does: `--name`
/// starts a line, other arguments are appended quoted (`sdscatrepr`), `--save` with
/// no value means `save ""`.
pub(crate) fn command_line(args: &[String], file_from_args: bool) -> CommandLine {
    let mut cl = CommandLine::default();
    let mut j = 0;
    if file_from_args && let Some(first) = args.first().filter(|a| !a.starts_with('-')) {
        cl.file = Some(first.as_bytes().to_vec());
        j = 1;
    }
    let n = args.len();
    let mut handled_last = true;
    while let Some(arg) = args.get(j) {
        let next_is_option = args.get(j + 1).is_some_and(|a| a.starts_with("--"));
        let last = j + 1 == n;
        if arg == "-" && (j == 0 || last) {
            cl.stdin = true;
        } else if handled_last && arg.starts_with("--") {
            if !cl.options.is_empty() {
                cl.options.push(b'\n');
            }
            cl.options
                .extend_from_slice(arg.as_bytes().get(2..).unwrap_or_default());
            cl.options.push(b' ');
            let words = split_args(arg.as_bytes()).map_or(0, |v| v.len());
            if words == 1 {
                // Only a name: its value(s) follow as separate arguments.
                handled_last = false;
                let save = arg.eq_ignore_ascii_case("--save");
                let sentinel = arg.eq_ignore_ascii_case("--sentinel");
                if save && !last && next_is_option {
                    cl.options.extend_from_slice(b"\"\"");
                    handled_last = true;
                } else if save && last {
                    cl.options.extend_from_slice(b"\"\"");
                } else if sentinel && !last && next_is_option {
                    handled_last = true;
                }
            } else {
                handled_last = true;
            }
        } else {
            cl.options
                .extend_from_slice(repr(arg.as_bytes()).as_bytes());
            cl.options.push(b' ');
            handled_last = true;
        }
        j += 1;
    }
    cl
}

/// Redis's `getAbsolutePath`: trims blanks, joins a relative path to `cwd` and
/// folds leading `../` (nothing else is normalised).
pub(crate) fn absolute_path(name: &[u8], cwd: &Path) -> Vec<u8> {
    let mut rel = trim(name, b" \r\n\t");
    if rel.first() == Some(&b'/') {
        return rel.to_vec();
    }
    let mut abs = cwd.as_os_str().as_bytes().to_vec();
    if !abs.is_empty() && abs.last() != Some(&b'/') {
        abs.push(b'/');
    }
    while let Some(rest) = rel.strip_prefix(b"../") {
        rel = rest;
        if abs.len() > 1 {
            // Drop the last component, keeping its leading '/'.
            let upto = abs.len().saturating_sub(1);
            let cut = abs
                .get(..upto)
                .and_then(|a| a.iter().rposition(|&b| b == b'/'));
            abs.truncate(cut.map_or(1, |c| c + 1));
        }
    }
    abs.extend_from_slice(rel);
    abs
}

/// Redis's `sdstrim`: drops bytes of `set` at both ends.
pub(crate) fn trim<'a>(s: &'a [u8], set: &[u8]) -> &'a [u8] {
    let start = s.iter().position(|b| !set.contains(b)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !set.contains(b))
        .map_or(start, |e| e + 1);
    s.get(start..end).unwrap_or_default()
}

/// Redis's `sdssplitlen(text, "\n")`: empty text has no lines; a final newline
/// leaves an empty last line.
pub(crate) fn split_lines(text: &[u8]) -> Vec<&[u8]> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split(|&b| b == b'\n').collect()
    }
}

/// Reads a config file, or every file matching a glob pattern (no match is fine).
fn read_config(name: &[u8], cwd: &Path) -> Result<Vec<u8>, ConfigError> {
    let paths = if name.iter().any(|b| matches!(b, b'*' | b'?' | b'[')) {
        super::glob::glob(name, cwd)
    } else {
        vec![name.to_vec()]
    };
    let mut text = Vec::new();
    for p in paths {
        let full = cwd.join(OsStr::from_bytes(&p));
        let mut file = std::fs::File::open(&full).map_err(|e| ConfigError::CantOpen {
            path: String::from_utf8_lossy(&p).into_owned(),
            reason: strerror(&e),
        })?;
        // A read error (a directory, say) leaves what was read, as fgets() does.
        let _ = file.read_to_end(&mut text);
    }
    Ok(text)
}

struct Loader<'o> {
    loaded: Loaded,
    state: ParseState,
    depth: usize,
    /// Commands renamed away / renamed into existence so far (lower case).
    removed: HashSet<Vec<u8>>,
    added: HashSet<Vec<u8>>,
    command_exists: Option<&'o CommandExists>,
    check_user: Option<&'o CheckUser>,
}

/// Config file directives Redis no longer uses but still accepts (with one value).
const DEPRECATED: [&str; 3] = [
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
];

impl Loader<'_> {
    /// Redis's `loadServerConfigFromString`, including its checks at the end.
    fn load_text(&mut self, text: &[u8]) -> Result<(), ConfigError> {
        self.state.reading_file = true;
        for (i, raw) in split_lines(text).into_iter().enumerate() {
            let linenum = i + 1;
            let line = trim(raw, b" \t\r\n");
            if line.is_empty() || line.first() == Some(&b'#') {
                continue;
            }
            let Some(mut argv) = split_args(line) else {
                return Err(ConfigError::at_line(
                    linenum,
                    line,
                    "Unbalanced quotes in configuration line",
                ));
            };
            if let Some(name) = argv.first_mut() {
                name.make_ascii_lowercase();
            } else {
                continue;
            }
            self.directive(&argv).map_err(|reason| match reason {
                LineError::Reason(r) => ConfigError::at_line(linenum, line, r),
                LineError::Config(e) => e,
            })?;
        }
        let cfg = &mut self.loaded.config;
        if !cfg.logfile.is_empty() {
            // Redis checks now that the log file can be opened: it cannot stop later.
            let path = cfg.dir.join(&cfg.logfile);
            if let Err(e) = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
            {
                return Err(ConfigError::global(format!(
                    "Can't open the log file: {}",
                    strerror(&e)
                )));
            }
        }
        if cfg.cluster_enabled && cfg.replicaof.is_some() {
            return Err(ConfigError::global(
                "replicaof directive not allowed in cluster mode",
            ));
        }
        cfg.clamp_hz();
        self.state.reading_file = false;
        Ok(())
    }

    /// One line's arguments (name already lower case).
    fn directive(&mut self, argv: &[Vec<u8>]) -> Result<(), LineError> {
        let (name, rest) = argv
            .split_first()
            .ok_or(LineError::Reason("empty".into()))?;
        let argc = argv.len();
        if let Some(found) = find(name) {
            let d = found.directive;
            let multi = d.flags.contains(Flags::MULTI_ARG);
            if !multi && argc != 2 {
                return Err(LineError::Reason("wrong number of arguments".into()));
            }
            let args = match rest {
                // `--save "900 1 300 10"` arrives as one argument.
                [one] if multi && !one.is_empty() => split_args(one).unwrap_or_default(),
                _ => rest.to_vec(),
            };
            let (value, _) = parse(d, &args, &self.loaded.config, &mut self.state)
                .map_err(|r| LineError::Reason(r.into_owned()))?;
            if !(d.access.put)(&mut self.loaded.config, value) {
                return Err(LineError::Reason(format!(
                    "internal error storing {}",
                    d.name
                )));
            }
            if let Some(e) = self.loaded.explicit.get_mut(found.index) {
                *e = true;
            }
            return Ok(());
        }
        if argc == 2 && DEPRECATED.iter().any(|d| d.as_bytes() == name.as_slice()) {
            return Ok(());
        }
        match (name.as_slice(), rest) {
            (b"include", [path]) => self.include(path),
            (b"rename-command", [from, to]) => self.rename(from, to),
            (b"user", [_, ..]) => {
                if let Some(check) = self.check_user
                    && let Err((idx, msg)) = check(argv)
                {
                    let bad = argv
                        .get(idx)
                        .map(|a| String::from_utf8_lossy(a).into_owned());
                    return Err(LineError::Reason(format!(
                        "Error in user declaration '{}': {msg}",
                        bad.unwrap_or_default()
                    )));
                }
                self.loaded.users.push(rest.to_vec());
                Ok(())
            }
            (b"loadmodule", [path, args @ ..]) => {
                self.loaded.modules.push(super::ModuleLoad {
                    path: path.clone(),
                    args: args.to_vec(),
                });
                Ok(())
            }
            (n, _) if n.contains(&b'.') => {
                let Some((first, more)) = rest.split_first() else {
                    return Err(LineError::Reason(
                        "Module config specified without value".into(),
                    ));
                };
                let mut value = first.clone();
                for m in more {
                    value.push(b' ');
                    value.extend_from_slice(m);
                }
                let key = String::from_utf8_lossy(n).into_owned();
                let queue = &mut self.loaded.module_configs;
                match queue.iter_mut().find(|(k, _)| *k == key) {
                    Some(entry) => entry.1 = value,
                    None => queue.push((key, value)),
                }
                Ok(())
            }
            (b"sentinel", []) => Ok(()),
            (b"sentinel", _) => Err(LineError::Reason(
                "sentinel directive while not in sentinel mode".into(),
            )),
            _ => Err(LineError::Reason(
                "Bad directive or wrong number of arguments".into(),
            )),
        }
    }

    fn include(&mut self, path: &[u8]) -> Result<(), LineError> {
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(LineError::Reason(format!(
                "Too many nested includes (at most {MAX_INCLUDE_DEPTH})"
            )));
        }
        let text = read_config(path, &self.loaded.config.dir).map_err(LineError::Config)?;
        self.depth += 1;
        let result = self.load_text(&text);
        self.depth = self.depth.saturating_sub(1);
        result.map_err(LineError::Config)
    }

    /// Whether a command exists now, given the renames so far.
    fn command_exists(&self, exists: &CommandExists, name: &[u8]) -> bool {
        let lower = name.to_ascii_lowercase();
        self.added.contains(&lower) || (!self.removed.contains(&lower) && exists(name))
    }

    fn rename(&mut self, from: &[u8], to: &[u8]) -> Result<(), LineError> {
        if let Some(exists) = self.command_exists {
            if !self.command_exists(exists, from) {
                return Err(LineError::Reason(
                    "No such command in rename-command".into(),
                ));
            }
            let lower = from.to_ascii_lowercase();
            self.added.remove(&lower);
            self.removed.insert(lower);
            if !to.is_empty() {
                if self.command_exists(exists, to) {
                    return Err(LineError::Reason(
                        "Target command name already exists".into(),
                    ));
                }
                self.added.insert(to.to_ascii_lowercase());
            }
        }
        self.loaded
            .renamed_commands
            .push((from.to_vec(), to.to_vec()));
        Ok(())
    }
}

/// A line's failure: a reason to show with the line, or an error of its own (from
/// an included file).
enum LineError {
    Reason(String),
    Config(ConfigError),
}
