//! Tests of `sdssplitargs`/`sdscatrepr` rules, including the quirks of C strings and `isspace`.

use super::*;
use proptest::prelude::*;

fn split(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    split_args(line)
}

fn args(list: &[&[u8]]) -> Option<Vec<Vec<u8>>> {
    Some(list.iter().map(|arg| arg.to_vec()).collect())
}

#[test]
fn blanks_separate_arguments() {
    assert_eq!(split(b"set foo bar"), args(&[b"set", b"foo", b"bar"]));
    assert_eq!(
        split(b"  set\t\tfoo \r\n bar  "),
        args(&[b"set", b"foo", b"bar"])
    );
    assert_eq!(split(b""), args(&[]));
    assert_eq!(split(b"   \t "), args(&[]));
}

#[test]
fn vertical_tab_and_form_feed_are_skipped_between_arguments_but_kept_inside() {
    assert_eq!(split(b"\x0b\x0cfoo"), args(&[b"foo"]));
    assert_eq!(split(b"a\x0bb c\x0cd"), args(&[b"a\x0bb", b"c\x0cd"]));
}

#[test]
fn double_quotes_unescape() {
    assert_eq!(split(b"\"hello world\""), args(&[b"hello world"]));
    assert_eq!(split(b"\"\\x41\\x6a\\x6A\""), args(&[b"Ajj"]));
    assert_eq!(split(b"\"\\n\\r\\t\\b\\a\""), args(&[b"\n\r\t\x08\x07"]));
    assert_eq!(split(b"\"\\\\ \\\" \\q\""), args(&[b"\\ \" q"]));
    assert_eq!(split(b"\"\""), args(&[b""]));
    assert_eq!(split(b"\"\" \"\""), args(&[b"", b""]));
}

#[test]
fn incomplete_hex_escapes_are_plain_escapes() {
    // "\x4" is not a hex escape: the backslash escapes the 'x', which stands for itself.
    assert_eq!(split(b"\"\\x4\""), args(&[b"x4"]));
    assert_eq!(split(b"\"\\xzz\""), args(&[b"xzz"]));
    assert_eq!(split(b"\"\\x\""), args(&[b"x"]));
}

#[test]
fn single_quotes_only_escape_single_quotes() {
    assert_eq!(split(b"'a b'"), args(&[b"a b"]));
    assert_eq!(split(b"'it\\'s'"), args(&[b"it's"]));
    assert_eq!(split(b"'\\n\\x41\"'"), args(&[b"\\n\\x41\""]));
    assert_eq!(split(b"''"), args(&[b""]));
}

#[test]
fn quotes_may_open_inside_an_argument() {
    assert_eq!(split(b"foo\"bar baz\""), args(&[b"foobar baz"]));
    assert_eq!(split(b"a'b c'"), args(&[b"ab c"]));
}

#[test]
fn closing_quote_must_be_followed_by_blank_or_end() {
    assert_eq!(split(b"\"foo\"bar"), None);
    assert_eq!(split(b"'foo'bar"), None);
    assert_eq!(split(b"\"foo\"\x0bbar"), args(&[b"foo", b"bar"]));
    assert_eq!(split(b"\"foo\"\tbar"), args(&[b"foo", b"bar"]));
}

#[test]
fn unbalanced_quotes_are_errors() {
    assert_eq!(split(b"\"foo"), None);
    assert_eq!(split(b"'foo"), None);
    assert_eq!(split(b"set \"foo bar"), None);
    // A backslash before the end escapes nothing, and the quote is still open.
    assert_eq!(split(b"\"foo\\"), None);
    assert_eq!(split(b"'foo\\'"), None);
}

#[test]
fn nul_ends_the_line_as_in_c() {
    assert_eq!(split(b"foo\0bar"), args(&[b"foo"]));
    assert_eq!(split(b"foo \0 bar"), args(&[b"foo"]));
    assert_eq!(split(b"\"foo\0bar\""), None);
    assert_eq!(split(b"\"foo\"\0bar"), args(&[b"foo"]));
    assert_eq!(split(b"\0"), args(&[]));
}

#[test]
fn high_bytes_are_plain_argument_bytes() {
    assert_eq!(split(b"\xff\x80 \xa0"), args(&[b"\xff\x80", b"\xa0"]));
}

#[test]
fn repr_quotes_like_sdscatrepr() {
    assert_eq!(repr(b"foo"), "\"foo\"");
    assert_eq!(repr(b""), "\"\"");
    assert_eq!(repr(b"a\"b\\c"), "\"a\\\"b\\\\c\"");
    assert_eq!(repr(b"\n\r\t\x07\x08"), "\"\\n\\r\\t\\a\\b\"");
    assert_eq!(
        repr(b"\x00\x1f\x7f\x80\xff"),
        "\"\\x00\\x1f\\x7f\\x80\\xff\""
    );
    assert_eq!(repr(b" ~'"), "\" ~'\"");
}

#[test]
fn in_place_spans_are_offset() {
    let mut line = b"  a \"b\\x41\" c".to_vec();
    let mut spans = Vec::new();
    assert!(split_in_place(&mut line, &mut spans, 100));
    let texts: Vec<&[u8]> = spans
        .iter()
        .map(|&(s, e)| &line[s - 100..e - 100])
        .collect();
    assert_eq!(texts, vec![&b"a"[..], b"bA", b"c"]);
}

proptest! {
    #[test]
    fn split_of_repr_gives_back_the_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let quoted = repr(&bytes);
        prop_assert_eq!(split_args(quoted.as_bytes()), Some(vec![bytes]));
    }

    #[test]
    fn split_of_repr_list_gives_back_the_list(
        list in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..16), 0..8)
    ) {
        let line: Vec<String> = list.iter().map(|arg| repr(arg)).collect();
        prop_assert_eq!(split_args(line.join(" ").as_bytes()), Some(list));
    }

    #[test]
    fn never_panics_and_args_never_grow(line in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Some(parsed) = split_args(&line) {
            let total: usize = parsed.iter().map(Vec::len).sum();
            prop_assert!(total <= line.len());
        }
    }
}
