//! Printing for the Lua debugger (`--ldb`, or SCRIPT DEBUG then EVAL at the prompt): the
//! debugger answers with arrays of status lines, printed raw and coloured by what they
//! are (on an xterm), and ends the session with a line starting `<endsession>`.
//!
//! This module only formats; the session tracks whether debugging is on and the prompt.

use scarlet_protocol::Frame;

use crate::format::{self, Unprintable};

/// Whether the terminal takes colours (redis-cli: TERM mentions xterm).
fn colour_term() -> bool {
    std::env::var("TERM").is_ok_and(|term| term.contains("xterm"))
}

/// The colour of a debugger line, from its tag or its shape.
fn colour_of(line: &[u8]) -> &'static str {
    let has = |tag: &str| line.windows(tag.len()).any(|w| w == tag.as_bytes());
    let mut colour = "white";
    if has("<debug>") {
        colour = "bold";
    }
    if has("<redis>") {
        colour = "green";
    }
    if has("<reply>") {
        colour = "cyan";
    }
    if has("<error>") {
        colour = "red";
    }
    if has("<hint>") {
        colour = "bold";
    }
    if has("<value>") || has("<retval>") {
        colour = "magenta";
    }
    // Source listings: "-> 12  code" is the current line, "  #12 code" a breakpoint.
    if line.len() > 4 && line.get(3).is_some_and(u8::is_ascii_digit) {
        if line.get(1) == Some(&b'>') {
            colour = "yellow";
        } else if line.get(2) == Some(&b'#') {
            colour = "bold";
        }
    }
    colour
}

fn coloured(line: &[u8], out: &mut Vec<u8>) {
    if !colour_term() {
        out.extend_from_slice(line);
        return;
    }
    let colour = colour_of(line);
    let bold = u8::from(colour.contains("bold"));
    let code = match colour {
        "red" => 31,
        "green" => 32,
        "yellow" => 33,
        "blue" => 34,
        "magenta" => 35,
        "cyan" => 36,
        _ => 37,
    };
    out.extend_from_slice(format!("\x1b[{bold};{code};49m").as_bytes());
    out.extend_from_slice(line);
    out.extend_from_slice(b"\x1b[0m");
}

/// Formats a reply in debugging mode; `Ok(true)` when it ended the session.
pub fn format(frame: &Frame, mb_delim: &[u8], out: &mut Vec<u8>) -> Result<bool, Unprintable> {
    match frame {
        Frame::Simple(line) if line.starts_with(b"<endsession>") => Ok(true),
        Frame::Simple(line) => {
            coloured(line, out);
            Ok(false)
        }
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            let mut ended = false;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(mb_delim);
                }
                ended |= format(item, mb_delim, out)?;
            }
            Ok(ended)
        }
        other => {
            format::raw(other, mb_delim, out)?;
            Ok(false)
        }
    }
}
