//! Command-line options and environment variables, parsed the way redis-cli 7.0 parses them.
//!
//! redis-cli reads options left to right until the first argument that does not start with
//! `-`; that argument and everything after it is the command. Options that take a value are
//! only recognized when a value follows (`-h` as the last argument prints the help instead).
//! Numbers are read like C's `atoi`/`atof`/`strtoll`: leading digits count, junk is zero.
//! This module owns that grammar, the help text and the URI form; it does not connect or run
//! anything.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use crate::tls::TlsOptions;

/// How replies are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Human formatting: `(integer) 1`, numbered arrays, quoted strings (stdout is a terminal).
    Standard,
    /// Bare values, one per line (stdout is not a terminal, or `--raw`).
    Raw,
    /// Comma-separated values (`--csv`).
    Csv,
    /// JSON with raw bytes in strings (`--json`).
    Json,
    /// JSON with strings quoted as ASCII escapes (`--quoted-json`).
    QuotedJson,
}

/// Which protocol to ask for after connecting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resp3 {
    /// Stay on RESP2.
    No,
    /// `-3`: HELLO 3 must succeed.
    Required,
    /// `--json`: HELLO 3 if the server has it, RESP2 otherwise.
    Preferred,
}

/// Everything the options and environment set.
#[derive(Clone, Debug)]
pub struct Config {
    /// Server host (`-h`, URI).
    pub host: String,
    /// Server port (`-p`, URI).
    pub port: u16,
    /// Unix socket path (`-s`), used instead of host and port.
    pub socket: Option<String>,
    /// Password (`-a`, `--pass`, URI, REDISCLI_AUTH, `--askpass`).
    pub auth: Option<Vec<u8>>,
    /// ACL user (`--user`, URI).
    pub user: Option<Vec<u8>>,
    /// `--askpass`: read the password from the terminal.
    pub askpass: bool,
    /// Database to select after connecting (`-n`, URI path).
    pub dbnum: i64,
    /// `-2`.
    pub resp2: bool,
    /// `-3`, `--json`.
    pub resp3: Resp3,
    /// `-r`: times to run the command; negative means forever.
    pub repeat: i64,
    /// `-i`: pause between repetitions, in microseconds.
    pub interval_us: u64,
    /// `-x`: the last argument comes from stdin.
    pub stdin_lastarg: bool,
    /// `-X tag`: the argument equal to `tag` is replaced by stdin.
    pub stdin_tag: Option<Vec<u8>>,
    /// Reply formatting.
    pub output: Output,
    /// `--quoted-input`: arguments are unquoted like a typed line.
    pub quoted_input: bool,
    /// `-d`: between the elements of an aggregate in raw mode.
    pub mb_delim: Vec<u8>,
    /// `-D`: after each reply in raw mode.
    pub cmd_delim: Vec<u8>,
    /// `-c`: follow MOVED and ASK.
    pub cluster: bool,
    /// `-e`: exit with 1 on an error reply.
    pub set_errcode: bool,
    /// `--verbose`.
    pub verbose: bool,
    /// `--no-auth-warning`.
    pub no_auth_warning: bool,
    /// Whether RESP3 push messages are printed (on by default on a terminal).
    pub push_output: bool,
    /// The special mode, if any.
    pub mode: Mode,
    /// `--pattern` / `--quoted-pattern` for --scan, --bigkeys, --memkeys, --hotkeys.
    pub pattern: Option<Vec<u8>>,
    /// `--count` for --scan (SCAN's COUNT hint).
    pub count: Option<u64>,
    /// `--pipe-timeout` in seconds (0: wait forever).
    pub pipe_timeout: u64,
    /// `--memkeys-samples`.
    pub memkeys_samples: u64,
    /// `--eval` file.
    pub eval: Option<String>,
    /// `--latency-history`.
    pub latency_history: bool,
    /// `--ldb` / `--ldb-sync-mode`: run the --eval script in the Lua debugger.
    pub ldb: bool,
    /// `--ldb-sync-mode`: the synchronous debugger (changes are kept).
    pub ldb_sync: bool,
    /// `--tls` or a `rediss://` URI.
    pub tls: bool,
    /// The other TLS options (used only with `tls`).
    pub tls_options: TlsOptions,
}

/// The special modes that replace running one command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Run the command from argv, or the interactive prompt when there is none.
    Command,
    /// `--latency` / `--latency-history`.
    Latency,
    /// `--latency-dist`.
    LatencyDist,
    /// `--stat`.
    Stat,
    /// `--scan`.
    Scan,
    /// `--intrinsic-latency <seconds>`.
    IntrinsicLatency(i64),
    /// `--lru-test <keys>`.
    LruTest(u64),
    /// `--rdb <file>` (`functions_only` for `--functions-rdb`).
    Rdb {
        /// Where to write, `-` for stdout.
        file: String,
        /// Only the functions.
        functions_only: bool,
    },
    /// `--replica`.
    Replica,
    /// `--pipe`.
    Pipe,
    /// `--bigkeys`.
    BigKeys,
    /// `--memkeys` / `--memkeys-samples`.
    MemKeys,
    /// `--hotkeys`.
    HotKeys,
}

/// What parsing decided.
pub enum Parsed {
    /// Run with this configuration and these command words.
    Run(Box<Config>, Vec<Vec<u8>>),
    /// Print this to stdout and exit 0 (`--help`, `--version`).
    Print(String),
    /// Print this to stderr and exit 1.
    Fail(String),
}

/// The version line's number.
pub const VERSION: &str = "7.0.15";

impl Config {
    fn new(stdout_tty: bool) -> Config {
        Config {
            host: "127.0.0.1".into(),
            port: 6379,
            socket: None,
            auth: None,
            user: None,
            askpass: false,
            dbnum: 0,
            resp2: false,
            resp3: Resp3::No,
            repeat: 1,
            interval_us: 0,
            stdin_lastarg: false,
            stdin_tag: None,
            output: if stdout_tty {
                Output::Standard
            } else {
                Output::Raw
            },
            quoted_input: false,
            mb_delim: b"\n".to_vec(),
            cmd_delim: b"\n".to_vec(),
            cluster: false,
            set_errcode: false,
            verbose: false,
            no_auth_warning: false,
            push_output: stdout_tty,
            mode: Mode::Command,
            pattern: None,
            count: None,
            pipe_timeout: 30,
            memkeys_samples: 0,
            eval: None,
            latency_history: false,
            ldb: false,
            ldb_sync: false,
            tls: false,
            tls_options: TlsOptions::default(),
        }
    }

    /// Whether RESP3 is requested (and not overridden by `-2`).
    pub fn wants_resp3(&self) -> bool {
        self.resp3 != Resp3::No && !self.resp2
    }
}

/// C's `atoi`/`strtoll`: optional blanks and sign, then leading digits; anything else is 0.
pub fn c_atoi(text: &[u8]) -> i64 {
    let mut rest = text;
    while let Some((first, tail)) = rest.split_first() {
        if first.is_ascii_whitespace() {
            rest = tail;
        } else {
            break;
        }
    }
    let mut negative = false;
    if let Some((&sign, tail)) = rest.split_first()
        && (sign == b'-' || sign == b'+')
    {
        negative = sign == b'-';
        rest = tail;
    }
    let mut value: i64 = 0;
    for &byte in rest.iter().take_while(|b| b.is_ascii_digit()) {
        value = value
            .saturating_mul(10)
            .saturating_add(i64::from(byte - b'0'));
    }
    if negative { -value } else { value }
}

/// C's `atof`: the longest prefix that is a number, 0 otherwise.
pub fn c_atof(text: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(text);
    let trimmed = text.trim_start();
    let mut best = 0.0;
    for end in (1..=trimmed.len()).rev() {
        if let Some(prefix) = trimmed.get(..end)
            && let Ok(value) = prefix.parse::<f64>()
        {
            best = value;
            break;
        }
    }
    best
}

fn port_from(text: &[u8]) -> u16 {
    // atoi then a C int truncated to the 16-bit port hiredis uses.
    (c_atoi(text) & 0xffff) as u16
}

/// Parses argv (without the program name) and the environment.
pub fn parse(args: Vec<OsString>, stdout_tty: bool, fake_tty: bool) -> Parsed {
    let args: Vec<Vec<u8>> = args.into_iter().map(OsStringExt::into_vec).collect();
    let mut config = Config::new(stdout_tty || fake_tty);
    let mut i = 0;
    let mut auth_from_options = false;
    while let Some(arg) = args.get(i) {
        let next = args.get(i + 1);
        let has_value = next.is_some();
        let value = next.cloned().unwrap_or_default();
        let text = String::from_utf8_lossy(&value).into_owned();
        let mut take = || i += 1;
        match (arg.as_slice(), has_value) {
            (b"-h", true) => {
                config.host = text;
                take();
            }
            (b"-h", false) | (b"--help", _) => return Parsed::Print(usage()),
            (b"-x", _) => config.stdin_lastarg = true,
            (b"-X", true) => {
                config.stdin_tag = Some(value);
                take();
            }
            (b"-p", true) => {
                config.port = port_from(&value);
                take();
            }
            (b"-s", true) => {
                config.socket = Some(text);
                take();
            }
            (b"-r", true) => {
                config.repeat = c_atoi(&value);
                take();
            }
            (b"-i", true) => {
                let seconds = c_atof(&value);
                config.interval_us = if seconds.is_finite() && seconds > 0.0 {
                    (seconds * 1_000_000.0).min(u64::MAX as f64) as u64
                } else {
                    0
                };
                take();
            }
            (b"-n", true) => {
                config.dbnum = c_atoi(&value);
                take();
            }
            (b"--no-auth-warning", _) => config.no_auth_warning = true,
            (b"--askpass", _) => config.askpass = true,
            (b"-a" | b"--pass", true) => {
                config.auth = Some(value);
                auth_from_options = true;
                take();
            }
            (b"--user", true) => {
                config.user = Some(value);
                take();
            }
            (b"-u", true) => {
                if let Err(message) = parse_uri(&value, &mut config) {
                    return Parsed::Fail(message);
                }
                auth_from_options |= config.auth.is_some();
                take();
            }
            (b"--raw", _) => config.output = Output::Raw,
            (b"--no-raw", _) => config.output = Output::Standard,
            (b"--quoted-input", _) => config.quoted_input = true,
            (b"--csv", _) => config.output = Output::Csv,
            (b"--json" | b"--quoted-json", _) => {
                if config.resp3 == Resp3::No {
                    config.resp3 = Resp3::Preferred;
                }
                config.output = if arg == b"--json" {
                    Output::Json
                } else {
                    Output::QuotedJson
                };
            }
            (b"--latency", _) => config.mode = Mode::Latency,
            (b"--latency-history", _) => {
                config.mode = Mode::Latency;
                config.latency_history = true;
            }
            (b"--latency-dist", _) => config.mode = Mode::LatencyDist,
            (b"--mono", _) => {}
            (b"--slave" | b"--replica", _) => config.mode = Mode::Replica,
            (b"--stat", _) => config.mode = Mode::Stat,
            (b"--scan", _) => config.mode = Mode::Scan,
            (b"--pattern", true) => {
                config.pattern = Some(value);
                take();
            }
            (b"--quoted-pattern", true) => match unquote(&value) {
                Some(pattern) => {
                    config.pattern = Some(pattern);
                    take();
                }
                None => {
                    return Parsed::Fail(
                        "Invalid quoted string specified for --quoted-pattern.".into(),
                    );
                }
            },
            (b"--count", true) => {
                config.count = u64::try_from(c_atoi(&value)).ok().filter(|&n| n > 0);
                take();
            }
            (b"--lru-test", true) => {
                config.mode = Mode::LruTest(u64::try_from(c_atoi(&value)).unwrap_or(0));
                take();
            }
            (b"--intrinsic-latency", true) => {
                config.mode = Mode::IntrinsicLatency(c_atoi(&value));
                take();
            }
            (b"--rdb" | b"--functions-rdb", true) => {
                let functions_only = arg == b"--functions-rdb";
                if let Mode::Rdb {
                    functions_only: other,
                    ..
                } = config.mode
                    && other != functions_only
                {
                    return Parsed::Fail(
                        "Option --functions-rdb and --rdb are mutually exclusive.".into(),
                    );
                }
                config.mode = Mode::Rdb {
                    file: text,
                    functions_only,
                };
                take();
            }
            (b"--pipe", _) => config.mode = Mode::Pipe,
            (b"--pipe-timeout", true) => {
                config.pipe_timeout = u64::try_from(c_atoi(&value)).unwrap_or(0);
                take();
            }
            (b"--bigkeys", _) => config.mode = Mode::BigKeys,
            (b"--memkeys", _) => {
                config.mode = Mode::MemKeys;
                config.memkeys_samples = 0;
            }
            (b"--memkeys-samples", true) => {
                config.mode = Mode::MemKeys;
                config.memkeys_samples = u64::try_from(c_atoi(&value)).unwrap_or(0);
                take();
            }
            (b"--hotkeys", _) => config.mode = Mode::HotKeys,
            (b"--eval", true) => {
                config.eval = Some(text);
                take();
            }
            (b"--ldb", _) => {
                config.ldb = true;
                config.output = Output::Raw;
            }
            (b"--ldb-sync-mode", _) => {
                config.ldb = true;
                config.ldb_sync = true;
                config.output = Output::Raw;
            }
            (b"-c", _) => config.cluster = true,
            (b"-d", true) => {
                config.mb_delim = value;
                take();
            }
            (b"-D", true) => {
                config.cmd_delim = value;
                take();
            }
            (b"-e", _) => config.set_errcode = true,
            (b"--verbose", _) => config.verbose = true,
            (b"-v" | b"--version", _) => {
                return Parsed::Print(format!("redis-cli {VERSION} (scarlet-cli)\n"));
            }
            (b"-2", _) => config.resp2 = true,
            (b"-3", _) => config.resp3 = Resp3::Required,
            (b"--show-pushes", true) => {
                match value.first().map(u8::to_ascii_lowercase) {
                    Some(b'n') => config.push_output = false,
                    Some(b'y') => config.push_output = true,
                    _ => eprintln!("Unknown --show-pushes value '{text}' (valid: '[y]es', '[n]o')"),
                }
                take();
            }
            (b"--tls", _) => config.tls = true,
            (b"--insecure", _) => config.tls_options.insecure = true,
            (b"--sni", true) => {
                config.tls_options.sni = Some(text);
                take();
            }
            (b"--cacert", true) => {
                config.tls_options.cacert = Some(text);
                take();
            }
            (b"--cacertdir", true) => {
                config.tls_options.cacertdir = Some(text);
                take();
            }
            (b"--cert", true) => {
                config.tls_options.cert = Some(text);
                take();
            }
            (b"--key", true) => {
                config.tls_options.key = Some(text);
                take();
            }
            (b"--tls-ciphers", true) => {
                config.tls_options.ciphers = Some(text);
                take();
            }
            (b"--tls-ciphersuites", true) => {
                config.tls_options.ciphersuites = Some(text);
                take();
            }
            _ => {
                if arg.first() == Some(&b'-') {
                    return Parsed::Fail(format!(
                        "Unrecognized option or bad number of args for: '{}'",
                        String::from_utf8_lossy(arg)
                    ));
                }
                break;
            }
        }
        i += 1;
    }

    if config.socket.is_some() && config.cluster {
        return Parsed::Fail("Options -c and -s are mutually exclusive.".into());
    }
    if config.resp2 && config.resp3 == Resp3::Required {
        return Parsed::Fail("Options -2 and -3 are mutually exclusive.".into());
    }
    if config.ldb && config.eval.is_none() {
        let program = std::env::args()
            .next()
            .unwrap_or_else(|| "redis-cli".into());
        return Parsed::Fail(format!(
            "Options --ldb and --ldb-sync-mode require --eval.\nTry {program} --help for more information."
        ));
    }
    if !config.no_auth_warning && auth_from_options {
        eprintln!(
            "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe."
        );
    }
    if config.stdin_lastarg && config.stdin_tag.is_some() {
        return Parsed::Fail("Options -x and -X are mutually exclusive.".into());
    }
    if config.auth.is_none()
        && let Some(auth) = std::env::var_os("REDISCLI_AUTH")
    {
        config.auth = Some(auth.into_vec());
    }
    let command = args.get(i..).map(<[Vec<u8>]>::to_vec).unwrap_or_default();
    Parsed::Run(Box::new(config), command)
}

/// Unquotes one argument as a typed line would (`--quoted-input`, `--quoted-pattern`):
/// `None` unless the text is exactly one well-formed word.
pub fn unquote(text: &[u8]) -> Option<Vec<u8>> {
    let mut words = scarlet_protocol::split_args(text)?;
    if words.len() == 1 { words.pop() } else { None }
}

/// `%xx` decoding for URI parts.
fn percent_decode(part: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(part.len());
    let mut bytes = part.iter();
    while let Some(&byte) = bytes.next() {
        if byte != b'%' {
            out.push(byte);
            continue;
        }
        let (Some(high), Some(low)) = (bytes.next(), bytes.next()) else {
            return Err("Incomplete URI encoding".into());
        };
        let digit = |b: u8| (b as char).to_ascii_lowercase().to_digit(16);
        match (digit(*high), digit(*low)) {
            (Some(h), Some(l)) => out.push(((h << 4) | l) as u8),
            _ => return Err("Illegal character in URI encoding".into()),
        }
    }
    Ok(out)
}

/// `redis://[[user:]password@][host[:port]][/db]` (`rediss://`: the same over TLS).
fn parse_uri(uri: &[u8], config: &mut Config) -> Result<(), String> {
    const SCHEME: &[u8] = b"redis://";
    const TLS_SCHEME: &[u8] = b"rediss://";
    let starts = |prefix: &[u8]| {
        uri.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    let mut rest = if starts(TLS_SCHEME) {
        config.tls = true;
        uri.get(TLS_SCHEME.len()..).unwrap_or(&[])
    } else if starts(SCHEME) {
        uri.get(SCHEME.len()..).unwrap_or(&[])
    } else {
        return Err("Invalid URI scheme".into());
    };
    if let Some(at) = rest.iter().position(|&b| b == b'@') {
        let userinfo = rest.get(..at).unwrap_or(&[]);
        let password = match userinfo.iter().position(|&b| b == b':') {
            Some(colon) => {
                config.user = Some(percent_decode(userinfo.get(..colon).unwrap_or(&[]))?);
                userinfo.get(colon + 1..).unwrap_or(&[])
            }
            None => userinfo,
        };
        config.auth = Some(percent_decode(password)?);
        rest = rest.get(at + 1..).unwrap_or(&[]);
    }
    if rest.is_empty() {
        return Ok(());
    }
    let slash = rest.iter().position(|&b| b == b'/');
    if rest.first() != Some(&b'/') {
        let hostport = rest.get(..slash.unwrap_or(rest.len())).unwrap_or(&[]);
        let host = match hostport.iter().position(|&b| b == b':') {
            Some(colon) => {
                config.port = port_from(hostport.get(colon + 1..).unwrap_or(&[]));
                hostport.get(..colon).unwrap_or(&[])
            }
            None => hostport,
        };
        config.host = String::from_utf8_lossy(host).into_owned();
    }
    if let Some(slash) = slash {
        let db = rest.get(slash + 1..).unwrap_or(&[]);
        if !db.is_empty() {
            config.dbnum = c_atoi(db);
        }
    }
    Ok(())
}

/// The `--help` text (our own wording; the options are redis-cli's).
pub fn usage() -> String {
    format!(
        "redis-cli {VERSION} (scarlet-cli)

Usage: redis-cli [OPTIONS] [cmd [arg [arg ...]]]
  -h <hostname>      Host to connect to (default: 127.0.0.1).
  -p <port>          Port to connect to (default: 6379).
  -s <socket>        Unix socket to connect to (instead of host and port).
  -a <password>      Password to authenticate with. The REDISCLI_AUTH environment
                     variable is a safer way to give it (this option wins over it).
  --user <username>  ACL user name for 'AUTH username password'; needs -a.
  --pass <password>  Same as -a.
  --askpass          Read the password from the terminal, masked (ignores -a and
                     REDISCLI_AUTH).
  -u <uri>           redis://[[user:]password@][host[:port]][/db]
                     (rediss:// for TLS).
  -r <repeat>        Run the command this many times (negative: forever).
  -i <interval>      Seconds to wait between repetitions (fractions allowed); also
                     the pause per cycle of --scan and --stat, and per 100 SCAN
                     calls of --bigkeys, --memkeys and --hotkeys.
  -n <db>            Database number.
  -2                 Speak RESP2.
  -3                 Speak RESP3 (HELLO 3).
  -x                 Take the last argument from standard input.
  -X <tag>           Replace the argument equal to <tag> by standard input.
  -d <delimiter>     Between the elements of a reply in raw output (default: \\n).
  -D <delimiter>     After each reply in raw output (default: \\n).
  -c                 Cluster mode: follow -MOVED and -ASK redirections.
  -e                 Exit with status 1 when the command gets an error reply.
  --raw              Raw output (the default when standard output is not a terminal).
  --no-raw           Formatted output even when standard output is not a terminal.
  --quoted-input     Unquote arguments as the interactive prompt does.
  --csv              CSV output.
  --json             JSON output (asks for RESP3; add -2 to stay on RESP2).
  --quoted-json      JSON output with strings escaped to ASCII.
  --show-pushes <yn> Print RESP3 push messages (default: yes on a terminal).
  --tls              Connect over TLS.
  --sni <host>       Server name to send in the TLS handshake (SNI).
  --cacert <file>    Trust the CA certificates in this PEM file.
  --cacertdir <dir>  Trust the CA certificates in the PEM files of this directory.
                     Without --cacert or --cacertdir, the system's CAs are trusted.
  --insecure         Accept any server certificate (no verification).
  --cert <file>      Client certificate (PEM) to present to the server.
  --key <file>       Private key (PEM) of the client certificate.
  --tls-ciphers <list> Preferred TLS 1.2 ciphers, in OpenSSL's cipher-list syntax
                     (see ciphers(1ssl)).
  --tls-ciphersuites <list> Preferred TLS 1.3 cipher suites, OpenSSL names separated
                     by colons (see ciphers(1ssl)).
  --stat             Rolling server statistics: keys, memory, clients, requests...
  --latency          Sample PING latency continuously; when the output is not a
                     terminal (or --raw/--csv), sample for one second (-i sets
                     it), print one line and exit.
  --latency-history  Like --latency, one line per interval (default 15 s, -i).
  --latency-dist     Latency spectrum for 256-color terminals (interval 1 s, -i).
  --lru-test <keys>  Cache workload (80-20 key popularity over <keys> keys) for
                     eviction tuning: gets per second and hit rate, each second.
  --replica          Act as a replica and print the commands the master sends.
  --rdb <filename>   Fetch an RDB snapshot from the server into a file (- for stdout).
  --functions-rdb <filename> Like --rdb, functions only.
  --pipe             Send the commands on standard input (RESP or inline) in bulk.
  --pipe-timeout <n> With --pipe, give up when no reply came for <n> seconds after
                     the input ended (default: 30; 0 waits forever).
  --bigkeys          Sample keys and report the ones with most elements.
  --memkeys          Sample keys and report the ones using most memory.
  --memkeys-samples <n> Like --memkeys, with MEMORY USAGE's SAMPLES set to <n>.
  --hotkeys          Sample keys and report the most frequently used (LFU policies).
  --scan             List keys with SCAN.
  --pattern <pat>    MATCH pattern for --scan, --bigkeys, --memkeys, --hotkeys.
  --quoted-pattern <pat> Like --pattern, unquoted first (for binary patterns).
  --count <n>        COUNT hint for --scan.
  --intrinsic-latency <sec> Measure this machine's own scheduling latency.
  --eval <file>      EVAL the Lua script in <file>; keys and arguments follow,
                     separated by a lone comma.
  --ldb              With --eval: run the script in Redis's Lua debugger.
  --ldb-sync-mode    Like --ldb, with the synchronous debugger: the server blocks
                     meanwhile and the script's changes are kept.
  --verbose          More detail.
  --no-auth-warning  No warning about a password given on the command line.
  --help             This help.
  --version          The version.

Examples:
  cat /etc/passwd | redis-cli -x set mypasswd
  redis-cli -D \"\" --raw dump key > key.dump && redis-cli -X dump_tag restore key2 0 dump_tag replace < key.dump
  redis-cli -r 100 lpush mylist x
  redis-cli -r 100 -i 1 info | grep used_memory_human:
  redis-cli --quoted-input set '\"null-\\x00-separated\"' value
  redis-cli --eval myscript.lua key1 key2 , arg1 arg2 arg3
  redis-cli --scan --pattern '*:12345*'

With no command, redis-cli opens an interactive prompt; type \"help\" there.
"
    )
}

#[cfg(test)]
mod tests;
