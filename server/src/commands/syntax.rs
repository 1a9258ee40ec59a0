//! A compact notation for a command's arguments, parsed into the argument tree that
//! COMMAND DOCS reports (and redis-cli turns back into its hints).
//!
//! Writing the tree by hand for every command would be hundreds of lines of nested
//! structs; the usage line that every Redis user already reads is shorter and harder to
//! get wrong. The notation:
//!
//! - `name` is a string argument; `name:type` gives its type (`integer`, `double`,
//!   `pattern`, `unix-time`, `key`). `name:key` refers to key spec 0; `name:key1`
//!   to key spec 1, and so on; `name:pattern1` is a pattern naming keys of key spec 1.
//!   A `:` not followed by a type is part of the name (`ip:port`).
//! - An all-caps word, or any word in double quotes (`"normal"`), is a token: alone it is
//!   a pure token (`NX`), followed by an argument it is that argument's token
//!   (`EX seconds:integer`), followed by a parenthesized group it is the group's token
//!   (`TYPE (NORMAL|MASTER)`).
//! - `[ ... ]` is optional, `( ... )` groups; inside either, `|` separates the choices of
//!   a one-of and several items in sequence form a block. A group may be named:
//!   `condition=[NX|XX]`.
//! - `...` after an item repeats it; `+...` repeats it together with its token
//!   (Redis's `multiple_token`).
//! - `@version` after an item is the version that added it (COMMAND DOCS `since`),
//!   `^version` the one that deprecated it (`deprecated_since`).
//! - `name=` before any item names it: `condition=[NX|XX]`, `sync=SYNC`,
//!   `username_password=AUTH (username password)`. A named group of one item is a
//!   block (`parameter=(parameter)...`); an unnamed one is just its item.
//!
//! The notation carries no semantics: handlers parse their arguments themselves.

/// An argument's type, as COMMAND DOCS names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// string
    String,
    /// integer
    Integer,
    /// double
    Double,
    /// key
    Key,
    /// pattern
    Pattern,
    /// unix-time
    UnixTime,
    /// pure-token
    PureToken,
    /// oneof
    OneOf,
    /// block
    Block,
}

impl ArgType {
    /// The name COMMAND DOCS prints.
    pub fn name(self) -> &'static str {
        match self {
            ArgType::String => "string",
            ArgType::Integer => "integer",
            ArgType::Double => "double",
            ArgType::Key => "key",
            ArgType::Pattern => "pattern",
            ArgType::UnixTime => "unix-time",
            ArgType::PureToken => "pure-token",
            ArgType::OneOf => "oneof",
            ArgType::Block => "block",
        }
    }
}

/// One node of the argument tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// Argument name.
    pub name: String,
    /// Its type.
    pub kind: ArgType,
    /// The key spec it refers to, for keys.
    pub key_spec: Option<u32>,
    /// The token that precedes it.
    pub token: Option<String>,
    /// `[...]`
    pub optional: bool,
    /// `...`
    pub multiple: bool,
    /// `+...`
    pub multiple_token: bool,
    /// `@version`: the Redis version that added the argument.
    pub since: Option<String>,
    /// `^version`: the Redis version that deprecated the argument.
    pub deprecated_since: Option<String>,
    /// Children of a one-of or a block.
    pub children: Vec<Arg>,
}

impl Arg {
    /// An argument with no token, flags or versions.
    fn new(name: String, kind: ArgType, key_spec: Option<u32>, children: Vec<Arg>) -> Arg {
        Arg {
            name,
            kind,
            key_spec,
            token: None,
            optional: false,
            multiple: false,
            multiple_token: false,
            since: None,
            deprecated_since: None,
            children,
        }
    }
}

/// Why a syntax string did not parse (a bug in a command table, caught by a unit test).
#[derive(Debug, PartialEq, Eq)]
pub struct SyntaxError(pub String);

/// Parses a syntax string into the top-level argument list.
pub fn parse(syntax: &str) -> Result<Vec<Arg>, SyntaxError> {
    let tokens = lex(syntax)?;
    let mut parser = Parser { tokens, pos: 0 };
    let args = parser.sequence()?;
    match parser.peek() {
        None => Ok(args),
        Some(t) => Err(SyntaxError(format!("unexpected {t:?} in {syntax:?}"))),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Lexeme {
    Word(String),
    Token(String),
    Open(char),
    Close(char),
    Bar,
    Repeat { with_token: bool },
    Since(String),
    Deprecated(String),
}

fn lex(syntax: &str) -> Result<Vec<Lexeme>, SyntaxError> {
    let mut out = Vec::new();
    let mut chars = syntax.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' => {
                chars.next();
            }
            '[' | '(' => {
                out.push(Lexeme::Open(c));
                chars.next();
            }
            ']' | ')' => {
                out.push(Lexeme::Close(c));
                chars.next();
            }
            '|' => {
                out.push(Lexeme::Bar);
                chars.next();
            }
            '"' => {
                chars.next();
                let mut token = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some(d) => token.push(d),
                        None => return Err(SyntaxError(format!("unclosed quote in {syntax:?}"))),
                    }
                }
                out.push(Lexeme::Token(token));
            }
            '@' | '^' => {
                chars.next();
                let mut version = String::new();
                while let Some(&d) = chars.peek() {
                    if matches!(d, ' ' | '[' | ']' | '(' | ')' | '|' | '@' | '^') {
                        break;
                    }
                    version.push(d);
                    chars.next();
                }
                out.push(if c == '@' {
                    Lexeme::Since(version)
                } else {
                    Lexeme::Deprecated(version)
                });
            }
            '.' | '+' => {
                let mut dots = String::new();
                while let Some(&d) = chars.peek() {
                    if d == '.' || d == '+' {
                        dots.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                match dots.as_str() {
                    "..." => out.push(Lexeme::Repeat { with_token: false }),
                    "+..." => out.push(Lexeme::Repeat { with_token: true }),
                    _ => return Err(SyntaxError(format!("bad repeat {dots:?} in {syntax:?}"))),
                }
            }
            _ => {
                let mut word = String::new();
                while let Some(&d) = chars.peek() {
                    if matches!(d, ' ' | '[' | ']' | '(' | ')' | '|' | '@' | '^' | '"')
                        || (d == '.' && !word.is_empty())
                    {
                        break;
                    }
                    if d == '+' && chars.clone().nth(1) == Some('.') {
                        break;
                    }
                    word.push(d);
                    chars.next();
                    // "name=" ends a word, so that what it names may follow directly.
                    if d == '=' {
                        break;
                    }
                }
                out.push(Lexeme::Word(word));
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Lexeme>,
    pos: usize,
}

fn is_token(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl Parser {
    fn peek(&self) -> Option<&Lexeme> {
        self.tokens.get(self.pos)
    }

    fn bump(&mut self) -> Option<Lexeme> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    /// Items up to a `|`, a closing bracket or the end.
    fn sequence(&mut self) -> Result<Vec<Arg>, SyntaxError> {
        let mut items = Vec::new();
        while let Some(t) = self.peek() {
            match t {
                Lexeme::Bar | Lexeme::Close(_) => break,
                _ => items.push(self.item()?),
            }
        }
        Ok(items)
    }

    fn item(&mut self) -> Result<Arg, SyntaxError> {
        let mut arg = match self.bump() {
            Some(Lexeme::Open(open)) => self.group(None, open)?,
            Some(Lexeme::Token(token)) => self.token(token)?,
            Some(Lexeme::Word(word)) => {
                if let Some((name, rest)) = word.split_once('=') {
                    if !rest.is_empty() {
                        return Err(SyntaxError(format!("text after '=' in {word:?}")));
                    }
                    let mut named = match self.bump() {
                        Some(Lexeme::Open(open)) => self.group(Some(name.to_string()), open)?,
                        Some(Lexeme::Token(token)) => self.token(token)?,
                        Some(Lexeme::Word(next)) if is_token(&next) => self.token(next)?,
                        other => {
                            return Err(SyntaxError(format!(
                                "a group or a token must follow {word:?}, not {other:?}"
                            )));
                        }
                    };
                    named.name = name.to_string();
                    named
                } else if is_token(&word) {
                    self.token(word)?
                } else {
                    value(&word)?
                }
            }
            other => return Err(SyntaxError(format!("unexpected {other:?}"))),
        };
        if let Some(Lexeme::Repeat { with_token }) = self.peek() {
            arg.multiple = true;
            arg.multiple_token = *with_token;
            self.pos += 1;
        }
        loop {
            match self.peek() {
                Some(Lexeme::Since(version)) => arg.since = Some(version.clone()),
                Some(Lexeme::Deprecated(version)) => arg.deprecated_since = Some(version.clone()),
                _ => break,
            }
            self.pos += 1;
        }
        Ok(arg)
    }

    /// A token, alone or in front of the value or group it introduces.
    fn token(&mut self, token: String) -> Result<Arg, SyntaxError> {
        if let Some(Lexeme::Open('(')) = self.peek() {
            self.pos += 1;
            // A token's group stays a group even with one item: Redis's `ID (client-id...)`
            // is a block holding a repeated argument.
            let mut group = self.group_of(None, '(', false)?;
            group.name = token.to_ascii_lowercase();
            group.token = Some(token);
            return Ok(group);
        }
        if let Some(Lexeme::Word(next)) = self.peek()
            && !is_token(next)
            && !next.contains('=')
        {
            let next = next.clone();
            self.pos += 1;
            let mut arg = value(&next)?;
            arg.token = Some(token);
            return Ok(arg);
        }
        let mut arg = Arg::new(
            token.to_ascii_lowercase(),
            ArgType::PureToken,
            None,
            Vec::new(),
        );
        arg.token = Some(token);
        Ok(arg)
    }

    fn group(&mut self, name: Option<String>, open: char) -> Result<Arg, SyntaxError> {
        self.group_of(name, open, true)
    }

    /// A bracketed group; `collapse` turns a group of one item into that item.
    fn group_of(
        &mut self,
        name: Option<String>,
        open: char,
        collapse: bool,
    ) -> Result<Arg, SyntaxError> {
        let mut choices = vec![self.sequence()?];
        loop {
            match self.bump() {
                Some(Lexeme::Bar) => choices.push(self.sequence()?),
                Some(Lexeme::Close(close))
                    if (open, close) == ('[', ']') || (open, close) == ('(', ')') =>
                {
                    break;
                }
                other => return Err(SyntaxError(format!("unclosed {open:?} at {other:?}"))),
            }
        }
        let optional = open == '[';
        let mut arg = if choices.len() == 1 {
            let mut items = choices.pop().unwrap_or_default();
            // An unnamed group of one item is that item (brackets only make it optional);
            // a named one is a block, as Redis's `parameter=(parameter)...`.
            if items.len() == 1 && collapse && name.is_none() {
                let mut only = items
                    .pop()
                    .ok_or_else(|| SyntaxError("empty group".into()))?;
                only.optional |= optional;
                return Ok(only);
            }
            if items.is_empty() {
                return Err(SyntaxError("empty group".into()));
            }
            block(items)
        } else {
            let children = choices
                .into_iter()
                .map(|mut items| {
                    if items.len() == 1 {
                        items
                            .pop()
                            .ok_or_else(|| SyntaxError("empty choice".into()))
                    } else if items.is_empty() {
                        Err(SyntaxError("empty choice".into()))
                    } else {
                        Ok(block(items))
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            Arg::new(derived_name(&children), ArgType::OneOf, None, children)
        };
        if let Some(name) = name {
            arg.name = name;
        }
        arg.optional |= optional;
        Ok(arg)
    }
}

fn block(children: Vec<Arg>) -> Arg {
    Arg::new(derived_name(&children), ArgType::Block, None, children)
}

/// A name for an unnamed group, from its children (Redis's JSON always names them; ours
/// only need to be stable and readable).
fn derived_name(children: &[Arg]) -> String {
    children.first().map(|c| c.name.clone()).unwrap_or_default()
}

fn value(word: &str) -> Result<Arg, SyntaxError> {
    let typed = word.rsplit_once(':').and_then(|(name, ty)| {
        let kind = match ty {
            "integer" => (ArgType::Integer, None),
            "double" => (ArgType::Double, None),
            "pattern" => (ArgType::Pattern, None),
            "unix-time" => (ArgType::UnixTime, None),
            "string" => (ArgType::String, None),
            "key" => (ArgType::Key, Some(0)),
            // A pattern that names keys (SORT's BY and GET) refers to a key spec too.
            _ => match ty.strip_prefix("pattern") {
                Some(index) => (ArgType::Pattern, Some(index.parse::<u32>().ok()?)),
                None => (
                    ArgType::Key,
                    Some(ty.strip_prefix("key")?.parse::<u32>().ok()?),
                ),
            },
        };
        Some((name, kind.0, kind.1))
    });
    let (name, kind, key_spec) = typed.unwrap_or((word, ArgType::String, None));
    if name.is_empty() {
        return Err(SyntaxError(format!("empty name in {word:?}")));
    }
    Ok(Arg::new(name.to_string(), kind, key_spec, Vec::new()))
}

/// Renders the tree back as redis-cli renders its hints, for tests and HELP text.
pub fn render(args: &[Arg]) -> String {
    args.iter().map(render_one).collect::<Vec<_>>().join(" ")
}

fn render_one(arg: &Arg) -> String {
    let token = arg.token.clone().unwrap_or_default();
    let repeat = match arg.kind {
        ArgType::PureToken => String::new(),
        ArgType::OneOf => arg
            .children
            .iter()
            .map(render_one)
            .collect::<Vec<_>>()
            .join("|"),
        ArgType::Block => render(&arg.children),
        _ => arg.name.clone(),
    };
    let mut head = token.clone();
    if !token.is_empty() && arg.kind != ArgType::PureToken {
        head.push(' ');
    }
    let mut out = String::new();
    if arg.optional {
        out.push('[');
    }
    out.push_str(&head);
    out.push_str(&repeat);
    if arg.multiple {
        out.push_str(" [");
        if arg.multiple_token {
            out.push_str(&head);
        }
        out.push_str(&repeat);
        out.push_str(" ...]");
    }
    if arg.optional {
        out.push(']');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_renders_like_redis_cli() {
        let args = parse(
            "key:key value condition=[NX|XX] [GET] expiration=[EX seconds:integer|PX milliseconds:integer|EXAT unix-time-seconds:unix-time|PXAT unix-time-milliseconds:unix-time|KEEPTTL]",
        )
        .unwrap();
        assert_eq!(
            render(&args),
            "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"
        );
        assert_eq!(args[0].kind, ArgType::Key);
        assert_eq!(args[0].key_spec, Some(0));
        assert_eq!(args[2].name, "condition");
        assert_eq!(args[2].kind, ArgType::OneOf);
        assert!(args[2].optional);
        assert_eq!(args[3].kind, ArgType::PureToken);
        assert_eq!(args[3].token.as_deref(), Some("GET"));
        assert!(args[3].optional);
        assert_eq!(args[4].children[0].token.as_deref(), Some("EX"));
        assert_eq!(args[4].children[0].kind, ArgType::Integer);
    }

    #[test]
    fn blocks_and_repeats() {
        let args = parse("data=(key:key value)...").unwrap();
        assert_eq!(args.len(), 1);
        assert_eq!(args[0].kind, ArgType::Block);
        assert!(args[0].multiple);
        assert_eq!(render(&args), "key value [key value ...]");

        let args = parse("[GET pattern+...] key:key...").unwrap();
        assert!(args[0].multiple_token);
        assert_eq!(
            render(&args),
            "[GET pattern [GET pattern ...]] key [key ...]"
        );

        let args = parse("[TYPE (NORMAL|MASTER)] [SKIPME (YES|NO)]").unwrap();
        assert_eq!(args[0].token.as_deref(), Some("TYPE"));
        assert_eq!(args[0].kind, ArgType::OneOf);
        assert_eq!(render(&args), "[TYPE NORMAL|MASTER] [SKIPME YES|NO]");

        let args =
            parse("source:key destination:key1 [DB destination-db:integer] [REPLACE]").unwrap();
        assert_eq!(args[1].key_spec, Some(1));
        assert_eq!(
            render(&args),
            "source destination [DB destination-db] [REPLACE]"
        );
    }

    #[test]
    fn errors_are_reported() {
        assert!(parse("[NX|XX").is_err());
        assert!(parse("a ]").is_err());
        assert!(parse("x=").is_err());
        assert!(parse("\"open").is_err());
    }

    #[test]
    fn redis_7_0_shapes() {
        // CLIENT KILL's old form, a name with a colon, lowercase tokens, a named token group.
        let args = parse(
            "filter=(ip:port|new-format=([ID client-id:integer]@2.8.12|normal_master_slave_pubsub=TYPE (\"normal\"|\"master\"@3.2.0)@2.8.12|[SKIPME yes/no])...)",
        )
        .unwrap();
        let filter = &args[0];
        assert_eq!(filter.children[0].name, "ip:port");
        assert_eq!(filter.children[0].kind, ArgType::String);
        let new_format = &filter.children[1];
        assert!(new_format.multiple);
        assert_eq!(new_format.children[0].since.as_deref(), Some("2.8.12"));
        let kind = &new_format.children[1];
        assert_eq!(kind.name, "normal_master_slave_pubsub");
        assert_eq!(kind.token.as_deref(), Some("TYPE"));
        assert_eq!(kind.children[0].token.as_deref(), Some("normal"));
        assert_eq!(kind.children[1].since.as_deref(), Some("3.2.0"));
        assert_eq!(new_format.children[2].children.len(), 0);

        let args = parse("arguments=[protover:integer [username_password=AUTH (username password)] [SETNAME clientname]]").unwrap();
        let auth = &args[0].children[1];
        assert_eq!(
            (auth.name.as_str(), auth.kind),
            ("username_password", ArgType::Block)
        );
        assert_eq!(auth.token.as_deref(), Some("AUTH"));
        assert!(auth.optional);

        let args = parse("async=[ASYNC@4.0.0|SYNC@6.2.0]").unwrap();
        assert_eq!(args[0].name, "async");
        assert_eq!(args[0].children[1].since.as_deref(), Some("6.2.0"));

        let args = parse("parameter=(parameter)... [GET] nx=NX").unwrap();
        assert_eq!((args[0].kind, args[0].children.len()), (ArgType::Block, 1));
        assert!(args[0].multiple);
        assert_eq!((args[1].kind, args[1].optional), (ArgType::PureToken, true));
        assert_eq!(args[2].name, "nx");
    }
}
