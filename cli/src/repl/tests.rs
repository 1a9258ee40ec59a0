//! Unit tests for typed-line handling.

use super::*;

fn words(line: &str) -> Vec<Vec<u8>> {
    scarlet_protocol::split_args(line.as_bytes()).unwrap()
}

#[test]
fn repeat_prefix() {
    let mut seen = Vec::new();
    let action = parse_line(b"3 incr x", false, &mut |w| seen.push(w.to_vec())).unwrap();
    assert!(matches!(action, LineAction::Run(3, ref w) if *w == words("incr x")));
    assert_eq!(seen, vec![words("incr x")]);
    assert!(parse_line(b"0 incr x", false, &mut |_| {}).is_err());
    assert!(parse_line(b"-2 incr x", false, &mut |_| {}).is_err());
    // A lone number is a command name, not a repeat count.
    assert!(matches!(
        parse_line(b"5", false, &mut |_| {}),
        Ok(LineAction::Run(1, _))
    ));
    assert!(matches!(
        parse_line(b"QUIT", false, &mut |_| {}),
        Ok(LineAction::Quit)
    ));
    assert_eq!(
        parse_line(b"get \"\"key", false, &mut |_| {})
            .err()
            .as_deref(),
        Some("Invalid argument(s)\n")
    );
}

#[test]
fn sensitive_lines_stay_out_of_history() {
    assert!(is_sensitive(&words("AUTH pw")));
    assert!(is_sensitive(&words("acl setuser u on")));
    assert!(is_sensitive(&words("config set requirepass x")));
    assert!(is_sensitive(&words("hello 3 AUTH u p")));
    assert!(is_sensitive(&words("hello 3 SETNAME n AUTH u p")));
    assert!(!is_sensitive(&words("hello 3 SETNAME n")));
    assert!(is_sensitive(&words("migrate h 1 k 0 10 AUTH pw")));
    assert!(!is_sensitive(&words("get auth")));
}

#[test]
fn debugger_eval_keeps_the_code_whole() {
    let action = parse_line(b"eval redis.call('ping') -- \"x", true, &mut |_| {}).unwrap();
    assert!(
        matches!(action, LineAction::Run(1, ref w) if *w == vec![b"eval".to_vec(), b"redis.call('ping') -- \"x".to_vec()])
    );
    let action = parse_line(b"e 1+1", true, &mut |_| {}).unwrap();
    assert!(matches!(action, LineAction::Run(1, ref w) if w.len() == 2));
    assert!(parse_line(b"e 1+1", false, &mut |_| {}).is_ok());
}
