//! A compact notation for a command's arguments, parsed into the argument tree that
//! COMMAND DOCS reports (and redis-cli turns back into its hints).
//!
//! Writing the tree by hand for every command would be hundreds of lines of nested
//! structs; the usage line that every Redis user already reads is shorter and harder to
//! get wrong. The notation:
//!
//! - `name` is a string argument; `name:type` gives its type (`integer`, `double`,
//!   `pattern`, `unix-time`, `key`). `name:key` refers to key spec 0; `name:key1`
//!   to key spec 1, and so on.
//! - An all-caps word is a token: alone it is a pure token (`NX`), followed by an
//!   argument it is that argument's token (`EX seconds:integer`), followed by a
//!   parenthesized group it is the group's token (`TYPE (NORMAL|MASTER)`).
//! - `[ ... ]` is optional, `( ... )` groups; inside either, `|` separates the choices of
//!   a one-of and several items in sequence form a block. A group may be named:
//!   `condition=[NX|XX]`.
//! - `...` after an item repeats it; `+...` repeats it together with its token
//!   (Redis's `multiple_token`).
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
    /// Children of a one-of or a block.
    pub children: Vec<Arg>,
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
    Open(char),
    Close(char),
    Bar,
    Repeat { with_token: bool },
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
                    if matches!(d, ' ' | '[' | ']' | '(' | ')' | '|')
                        || (d == '.' && !word.is_empty())
                    {
                        break;
                    }
                    if d == '+' && chars.clone().nth(1) == Some('.') {
                        break;
                    }
                    word.push(d);
                    chars.next();
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
            Some(Lexeme::Word(word)) => {
                if let Some((name, rest)) = word.split_once('=') {
                    if !rest.is_empty() {
                        return Err(SyntaxError(format!("text after '=' in {word:?}")));
                    }
                    match self.bump() {
                        Some(Lexeme::Open(open)) => self.group(Some(name.to_string()), open)?,
                        other => {
                            return Err(SyntaxError(format!(
                                "a group must follow {word:?}, not {other:?}"
                            )));
                        }
                    }
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
        Ok(arg)
    }

    /// A token, alone or in front of the value or group it introduces.
    fn token(&mut self, token: String) -> Result<Arg, SyntaxError> {
        if let Some(Lexeme::Open('(')) = self.peek() {
            self.pos += 1;
            let mut group = self.group(None, '(')?;
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
        Ok(Arg {
            name: token.to_ascii_lowercase(),
            kind: ArgType::PureToken,
            key_spec: None,
            token: Some(token),
            optional: false,
            multiple: false,
            multiple_token: false,
            children: Vec::new(),
        })
    }

    fn group(&mut self, name: Option<String>, open: char) -> Result<Arg, SyntaxError> {
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
            if items.len() == 1 && name.is_none() {
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
            Arg {
                name: derived_name(&children),
                kind: ArgType::OneOf,
                key_spec: None,
                token: None,
                optional: false,
                multiple: false,
                multiple_token: false,
                children,
            }
        };
        if let Some(name) = name {
            arg.name = name;
        }
        arg.optional |= optional;
        Ok(arg)
    }
}

fn block(children: Vec<Arg>) -> Arg {
    Arg {
        name: derived_name(&children),
        kind: ArgType::Block,
        key_spec: None,
        token: None,
        optional: false,
        multiple: false,
        multiple_token: false,
        children,
    }
}

/// A name for an unnamed group, from its children (Redis's JSON always names them; ours
/// only need to be stable and readable).
fn derived_name(children: &[Arg]) -> String {
    children.first().map(|c| c.name.clone()).unwrap_or_default()
}

fn value(word: &str) -> Result<Arg, SyntaxError> {
    let (name, kind, key_spec) = match word.split_once(':') {
        None => (word, ArgType::String, None),
        Some((name, ty)) => match ty {
            "integer" => (name, ArgType::Integer, None),
            "double" => (name, ArgType::Double, None),
            "pattern" => (name, ArgType::Pattern, None),
            "unix-time" => (name, ArgType::UnixTime, None),
            "string" => (name, ArgType::String, None),
            _ => match ty.strip_prefix("key") {
                Some("") => (name, ArgType::Key, Some(0)),
                Some(n) => match n.parse::<u32>() {
                    Ok(n) => (name, ArgType::Key, Some(n)),
                    Err(_) => return Err(SyntaxError(format!("bad key spec index in {word:?}"))),
                },
                None => return Err(SyntaxError(format!("unknown type in {word:?}"))),
            },
        },
    };
    if name.is_empty() {
        return Err(SyntaxError(format!("empty name in {word:?}")));
    }
    Ok(Arg {
        name: name.to_string(),
        kind,
        key_spec,
        token: None,
        optional: false,
        multiple: false,
        multiple_token: false,
        children: Vec::new(),
    })
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
        assert!(parse("a:nosuchtype").is_err());
        assert!(parse("a ]").is_err());
    }
}
