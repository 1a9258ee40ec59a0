//! Tests of the request parser: every error text and quirk checked against Redis 7.0.15,
//! split reads, pipelining, limits and buffer management. Not a benchmark.

use super::*;
use proptest::prelude::*;

type Command = Vec<Vec<u8>>;

/// Feeds `input` in one piece and collects commands until more bytes are needed or an error.
fn parse_all(input: &[u8], limits: &Limits) -> (Vec<Command>, Option<ProtocolError>) {
    let mut reader = RequestReader::new();
    reader.feed(input);
    drain(&mut reader, limits)
}

fn drain(reader: &mut RequestReader, limits: &Limits) -> (Vec<Command>, Option<ProtocolError>) {
    let mut commands = Vec::new();
    loop {
        match reader.next_command(limits) {
            Ok(Some(args)) => commands.push(args.iter().map(<[u8]>::to_vec).collect()),
            Ok(None) => return (commands, None),
            Err(error) => return (commands, Some(error)),
        }
    }
}

fn cmd(args: &[&str]) -> Command {
    args.iter().map(|arg| arg.as_bytes().to_vec()).collect()
}

fn error_of(input: &[u8], limits: &Limits) -> String {
    let (_, error) = parse_all(input, limits);
    error
        .expect("expected a protocol error")
        .message()
        .to_string()
}

fn default() -> Limits {
    Limits::default()
}

fn encode(commands: &[Command]) -> Vec<u8> {
    let mut out = Vec::new();
    for command in commands {
        out.extend_from_slice(format!("*{}\r\n", command.len()).as_bytes());
        for arg in command {
            out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            out.extend_from_slice(arg);
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

#[test]
fn multibulk_command() {
    let (commands, error) = parse_all(b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", &default());
    assert_eq!(commands, vec![cmd(&["GET", "key"])]);
    assert!(error.is_none());
}

#[test]
fn binary_arguments_keep_every_byte() {
    let (commands, _) = parse_all(b"*2\r\n$4\r\nP\0NG\r\n$4\r\n\r\n\r\n\r\n", &default());
    assert_eq!(
        commands,
        vec![vec![b"P\0NG".to_vec(), b"\r\n\r\n".to_vec()]]
    );
}

#[test]
fn inline_commands() {
    let input = b"PING\r\nSET k \"a b\" 'c d'\nECHO \"\\x41\\n\"\r\n";
    let (commands, error) = parse_all(input, &default());
    assert_eq!(
        commands,
        vec![
            cmd(&["PING"]),
            cmd(&["SET", "k", "a b", "c d"]),
            cmd(&["ECHO", "A\n"])
        ]
    );
    assert!(error.is_none());
}

#[test]
fn inline_quirks() {
    let (commands, _) = parse_all(b"ECHO \x0bx\x0by\n", &default());
    assert_eq!(commands, vec![vec![b"ECHO".to_vec(), b"x\x0by".to_vec()]]);
    // A lone CR inside the line separates arguments; only a CR right before the LF is dropped.
    let (commands, _) = parse_all(b"ECHO a\rb\n", &default());
    assert_eq!(commands, vec![cmd(&["ECHO", "a", "b"])]);
    let (commands, _) = parse_all(b"PING\r\r\n", &default());
    assert_eq!(commands, vec![cmd(&["PING"])]);
}

#[test]
fn blank_lines_and_empty_multibulks_are_skipped() {
    let (commands, error) = parse_all(b"\r\n\n   \r\n*0\r\n*-1\r\n*-5\r\nPING\n", &default());
    assert_eq!(commands, vec![cmd(&["PING"])]);
    assert!(error.is_none());
}

#[test]
fn pipelined_mixed_batch() {
    let input = b"*1\r\n$4\r\nPING\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\nGET k\n";
    let (commands, error) = parse_all(input, &default());
    assert_eq!(
        commands,
        vec![
            cmd(&["PING"]),
            cmd(&["PING"]),
            cmd(&["SET", "k", ""]),
            cmd(&["GET", "k"])
        ]
    );
    assert!(error.is_none());
}

#[test]
fn bytes_after_a_bulk_are_skipped_unchecked() {
    let (commands, error) = parse_all(b"*1\r\n$4\r\nPINGXY*1\r\n$4\r\nPING\r\n", &default());
    assert_eq!(commands, vec![cmd(&["PING"]), cmd(&["PING"])]);
    assert!(error.is_none());
    // Likewise the byte after the CR of a count or length line.
    let (commands, _) = parse_all(b"*1\rX$4\rYPING\r\n", &default());
    assert_eq!(commands, vec![cmd(&["PING"])]);
}

#[test]
fn incomplete_input_waits() {
    for input in [
        &b"*1\r\n$4\r\nPING\r"[..],
        b"*1\r\n$4\r\nPING",
        b"*1\r",
        b"*1",
        b"*",
        b"PING",
        b"PING\r",
    ] {
        let (commands, error) = parse_all(input, &default());
        assert!(commands.is_empty() && error.is_none(), "{input:?}");
    }
}

#[test]
fn multibulk_count_errors() {
    let limits = default();
    for input in [
        &b"*x\r\n"[..],
        b"*+1\r\n",
        b"*01\r\n",
        b"*-0\r\n",
        b"*\r\n",
        b"*1 \r\n",
        b"*2147483648\r\n",
    ] {
        assert_eq!(
            error_of(input, &limits),
            "Protocol error: invalid multibulk length",
            "{input:?}"
        );
    }
    // INT_MAX itself is accepted; the arguments are then awaited.
    let (commands, error) = parse_all(b"*2147483647\r\n", &limits);
    assert!(commands.is_empty() && error.is_none());
}

#[test]
fn bulk_length_errors() {
    let limits = default();
    for input in [
        &b"*1\r\n$-1\r\n"[..],
        b"*1\r\n$04\r\nPING\r\n",
        b"*1\r\n$x\r\n",
        b"*1\r\n$\r\n",
    ] {
        assert_eq!(
            error_of(input, &limits),
            "Protocol error: invalid bulk length",
            "{input:?}"
        );
    }
    let small = Limits {
        max_bulk_len: 3,
        ..default()
    };
    assert_eq!(
        error_of(b"*1\r\n$4\r\nPING\r\n", &small),
        "Protocol error: invalid bulk length"
    );
    let (commands, _) = parse_all(b"*1\r\n$3\r\nGET\r\n", &small);
    assert_eq!(commands, vec![cmd(&["GET"])]);
    // A master's bulks are not capped by proto-max-bulk-len.
    let master = Limits {
        from_master: true,
        ..small
    };
    let (commands, error) = parse_all(b"*1\r\n$4\r\nPING\r\n", &master);
    assert_eq!(commands, vec![cmd(&["PING"])]);
    assert!(error.is_none());
}

#[test]
fn expected_dollar_shows_the_byte() {
    let limits = default();
    assert_eq!(
        error_of(b"*1\r\nx$4\r\nPING\r\n", &limits),
        "Protocol error: expected '$', got 'x'"
    );
    // CR and LF are shown as spaces, as Redis keeps error replies on one line.
    assert_eq!(
        error_of(b"*1\r\n\n$4\r\nPING\r\n", &limits),
        "Protocol error: expected '$', got ' '"
    );
    assert_eq!(
        error_of(b"*1\r\n\r$4\r\nPING\r\n", &limits),
        "Protocol error: expected '$', got ' '"
    );
    let (_, error) = parse_all(b"*1\r\n\xff$4\r\nPING\r\n", &limits);
    let error = error.unwrap();
    assert_eq!(
        error.message_bytes(),
        b"Protocol error: expected '$', got '\xff'"
    );
    assert_eq!(error.kind(), ProtocolErrorKind::ExpectedDollar(0xff));
    assert_eq!(error.log_reason(), "expected $ but got something else");
}

#[test]
fn unauthenticated_limits() {
    let limits = Limits {
        unauthenticated: true,
        ..default()
    };
    assert_eq!(
        error_of(b"*11\r\n", &limits),
        "Protocol error: unauthenticated multibulk length"
    );
    let (commands, error) = parse_all(b"*10\r\n", &limits);
    assert!(commands.is_empty() && error.is_none());
    assert_eq!(
        error_of(b"*1\r\n$16385\r\n", &limits),
        "Protocol error: unauthenticated bulk length"
    );
    let (_, error) = parse_all(b"*1\r\n$16384\r\n", &limits);
    assert!(error.is_none());
    // Negative counts are still skipped, and inline commands have no such limit.
    let (commands, _) = parse_all(b"*-20\r\nA B C D E F G H I J K L\n", &limits);
    assert_eq!(commands.len(), 1);
    assert_eq!(commands[0].len(), 12);
}

#[test]
fn limits_apply_per_call() {
    let mut reader = RequestReader::new();
    reader.feed(b"*1\r\n$4\r\nAUTH\r\n*11\r\n");
    let strict = Limits {
        unauthenticated: true,
        ..default()
    };
    assert!(reader.next_command(&strict).unwrap().is_some());
    // The client authenticated while running the first command.
    assert_eq!(reader.next_command(&default()), Ok(None));
}

#[test]
fn line_length_limits() {
    let limits = default();
    let mut long = vec![b'a'; 64 * 1024];
    let (_, error) = parse_all(&long, &limits);
    assert!(
        error.is_none(),
        "exactly 64 KiB without a line end still waits"
    );
    long.push(b'a');
    assert_eq!(
        error_of(&long, &limits),
        "Protocol error: too big inline request"
    );
    // A long line that arrives complete is accepted, as in Redis.
    let mut complete = b"ECHO ".to_vec();
    complete.extend_from_slice(&[b'x'; 100 * 1024]);
    complete.extend_from_slice(b"\r\n");
    let (commands, error) = parse_all(&complete, &limits);
    assert_eq!(commands.len(), 1);
    assert!(error.is_none());

    let mut count = b"*1".to_vec();
    count.extend_from_slice(&[b'1'; 64 * 1024]);
    assert_eq!(
        error_of(&count, &limits),
        "Protocol error: too big mbulk count string"
    );
    let mut bulk = b"*1\r\n$1".to_vec();
    bulk.extend_from_slice(&[b'1'; 64 * 1024]);
    assert_eq!(
        error_of(&bulk, &limits),
        "Protocol error: too big bulk count string"
    );
}

#[test]
fn nul_before_line_end_waits_like_strchr() {
    let limits = default();
    // Redis searches for the line end with strchr, which stops at the NUL.
    let (commands, error) = parse_all(b"PING\0\r\nPING\r\n", &limits);
    assert!(commands.is_empty() && error.is_none());
    let (commands, error) = parse_all(b"*1\0\r\n$4\r\nPING\r\n", &limits);
    assert!(commands.is_empty() && error.is_none());
    let (commands, error) = parse_all(b"*1\r\n$4\0\r\nPING\r\n", &limits);
    assert!(commands.is_empty() && error.is_none());
    // ... until 64 KiB are buffered.
    let mut input = b"PING\0".to_vec();
    input.resize(64 * 1024 + 1, b'\n');
    assert_eq!(
        error_of(&input, &limits),
        "Protocol error: too big inline request"
    );
    let mut input = b"*1\0".to_vec();
    input.resize(64 * 1024 + 1, b'\r');
    assert_eq!(
        error_of(&input, &limits),
        "Protocol error: too big mbulk count string"
    );
}

#[test]
fn unbalanced_quotes() {
    assert_eq!(
        error_of(b"ECHO \"a\r\n", &default()),
        "Protocol error: unbalanced quotes in request"
    );
    assert_eq!(
        error_of(b"ECHO \"a\"b\r\n", &default()),
        "Protocol error: unbalanced quotes in request"
    );
}

#[test]
fn master_inline() {
    let master = Limits {
        from_master: true,
        ..default()
    };
    let (commands, error) = parse_all(b"\n\r\n*1\r\n$4\r\nPING\r\nPING\r\n", &master);
    assert_eq!(commands, vec![cmd(&["PING"])]);
    let error = error.unwrap();
    assert_eq!(error.message(), "Master using the inline protocol. Desync?");
    assert!(!error.replies());
    // Even blanks count as a non-empty line.
    assert!(parse_all(b"  \r\n", &master).1.is_some());
}

#[test]
fn commands_before_an_error_come_first_and_the_error_sticks() {
    let mut reader = RequestReader::new();
    reader.feed(b"PING\r\n*x\r\nPING\r\n");
    let limits = default();
    assert_eq!(
        reader.next_command(&limits).unwrap().unwrap().at(0),
        b"PING"
    );
    let error = reader.next_command(&limits).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Protocol error: invalid multibulk length"
    );
    assert!(error.replies());
    assert_eq!(reader.next_command(&limits).unwrap_err(), error);
    reader.feed(b"PING\r\n");
    assert_eq!(reader.next_command(&limits).unwrap_err(), error);
}

/// A batch covering every request form, for split-read tests.
fn mixed_batch() -> Vec<u8> {
    let mut input = encode(&[
        cmd(&["SET", "key", "value"]),
        vec![b"B\r\n".to_vec(), Vec::new()],
    ]);
    input.extend_from_slice(b"PING\r\n\n*0\r\nECHO \"a b\\x41\" 'c'\n*-1\r\n");
    input.extend_from_slice(&encode(&[cmd(&["GET", "key"])]));
    input
}

fn expected_mixed() -> Vec<Command> {
    vec![
        cmd(&["SET", "key", "value"]),
        vec![b"B\r\n".to_vec(), Vec::new()],
        cmd(&["PING"]),
        cmd(&["ECHO", "a bA", "c"]),
        cmd(&["GET", "key"]),
    ]
}

#[test]
fn split_at_every_byte_boundary() {
    let input = mixed_batch();
    for split in 0..=input.len() {
        let mut reader = RequestReader::new();
        reader.feed(&input[..split]);
        let (mut commands, error) = drain(&mut reader, &default());
        assert!(error.is_none());
        reader.feed(&input[split..]);
        let (rest, error) = drain(&mut reader, &default());
        assert!(error.is_none());
        commands.extend(rest);
        assert_eq!(commands, expected_mixed(), "split at {split}");
        assert_eq!(reader.buffered(), 0);
    }
}

#[test]
fn one_byte_at_a_time() {
    let input = mixed_batch();
    let mut reader = RequestReader::new();
    let mut commands = Vec::new();
    for &byte in &input {
        reader.spare()[0] = byte;
        reader.advance(1);
        let (more, error) = drain(&mut reader, &default());
        assert!(error.is_none());
        commands.extend(more);
    }
    assert_eq!(commands, expected_mixed());
}

#[test]
fn spare_is_initialized_and_large() {
    let mut reader = RequestReader::new();
    assert_eq!(reader.capacity(), 0);
    assert!(reader.spare().len() >= 16 * 1024);
    reader.advance(usize::MAX);
    assert_eq!(reader.buffered(), reader.capacity());
}

#[test]
fn big_argument_gets_room_to_arrive_in_one_read() {
    let mut reader = RequestReader::new();
    reader.feed(b"*2\r\n$3\r\nSET\r\n$100000\r\nabc");
    assert_eq!(reader.next_command(&default()), Ok(None));
    let spare = reader.spare().len();
    assert!(spare >= 100_002 - 3, "spare {spare}");
    // A huge declared length is trusted only step by step: no 512 MiB allocation up front.
    let mut reader = RequestReader::new();
    reader.feed(b"*1\r\n$536870912\r\n");
    assert_eq!(reader.next_command(&default()), Ok(None));
    assert!(reader.spare().len() <= 2 * 1024 * 1024);
}

#[test]
fn big_argument_arrives_in_many_reads() {
    let value = vec![b'v'; 300_000];
    let input = encode(&[vec![b"SET".to_vec(), b"k".to_vec(), value.clone()]]);
    let mut reader = RequestReader::new();
    let mut rest = &input[..];
    let mut commands = Vec::new();
    while !rest.is_empty() {
        let spare = reader.spare();
        let n = spare.len().min(rest.len()).min(7000);
        spare[..n].copy_from_slice(&rest[..n]);
        reader.advance(n);
        rest = &rest[n..];
        commands.extend(drain(&mut reader, &default()).0);
    }
    assert_eq!(commands, vec![vec![b"SET".to_vec(), b"k".to_vec(), value]]);
    assert!(reader.capacity() < 2 * input.len());
}

#[test]
fn a_pending_big_argument_gets_the_same_room_however_its_bytes_arrive() {
    // The client-eviction case: 1 MiB (just past the room trusted at once) still arriving.
    let len = 1024 * 1024;
    let mut input = format!("*2\r\n${len}\r\n").into_bytes();
    let header = input.len();
    input.extend(std::iter::repeat_n(b'v', len));
    let mut capacities = Vec::new();
    for chunk in [7, 1000, 16 * 1024, 100_000, len] {
        let mut reader = RequestReader::new();
        let mut rest = &input[..];
        while !rest.is_empty() {
            let spare = reader.spare();
            let n = spare.len().min(rest.len()).min(chunk);
            spare[..n].copy_from_slice(&rest[..n]);
            reader.advance(n);
            rest = &rest[n..];
            assert_eq!(reader.next_command(&default()), Ok(None));
        }
        capacities.push(reader.capacity());
    }
    // Room up to the argument's CRLF, for every split.
    assert_eq!(capacities, vec![header + len + 2; 5]);
}

#[test]
fn million_arguments_in_pieces_are_parsed_incrementally() {
    let count = 1_000_000;
    let mut input = format!("*{count}\r\n").into_bytes();
    for i in 0..count {
        let arg = (i % 10).to_string();
        input.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
    let mut reader = RequestReader::new();
    let mut offset = 0;
    let mut done = None;
    while offset < input.len() {
        let spare = reader.spare();
        let n = spare.len().min(input.len() - offset).min(16 * 1024);
        spare[..n].copy_from_slice(&input[offset..offset + n]);
        reader.advance(n);
        offset += n;
        match reader.next_command(&default()).unwrap() {
            Some(args) => {
                done = Some((args.len(), args.at(0).to_vec(), args.at(count - 1).to_vec()))
            }
            None => {
                // Parsing resumed where it stopped: every complete argument is already taken.
                assert!(
                    reader.filled - reader.pos < 8,
                    "{} unparsed",
                    reader.filled - reader.pos
                );
            }
        }
    }
    assert_eq!(done, Some((count, b"0".to_vec(), b"9".to_vec())));
}

#[test]
fn pipelined_batch_reuses_the_span_vec() {
    let commands: Vec<Command> = (0..16)
        .map(|i| cmd(&["SET", &format!("key:{i}"), "value"]))
        .collect();
    let batch = encode(&commands);
    let mut reader = RequestReader::new();
    let limits = default();
    let mut capacities = Vec::new();
    for round in 0..4 {
        reader.feed(&batch);
        let mut seen = 0;
        while let Some(args) = reader.next_command(&limits).unwrap() {
            assert_eq!(args.len(), 3);
            seen += 1;
        }
        assert_eq!(seen, 16, "round {round}");
        capacities.push((reader.spans.capacity(), reader.capacity()));
    }
    // After the first (warm-up) round neither the spans nor the buffer are reallocated.
    assert!(
        capacities.windows(2).all(|pair| pair[0] == pair[1]),
        "{capacities:?}"
    );
}

#[test]
fn buffered_counts_unreturned_bytes() {
    let mut reader = RequestReader::new();
    reader.feed(b"PING\r\nPI");
    assert_eq!(reader.buffered(), 8);
    assert!(reader.next_command(&default()).unwrap().is_some());
    assert_eq!(reader.buffered(), 2);
    assert_eq!(reader.next_command(&default()), Ok(None));
    assert_eq!(reader.buffered(), 2);
}

#[test]
fn shrink_if_idle_gives_memory_back() {
    let mut reader = RequestReader::new();
    let big = encode(&[vec![b"SET".to_vec(), vec![b'x'; 200_000]]]);
    reader.feed(&big);
    assert!(reader.next_command(&default()).unwrap().is_some());
    assert!(reader.capacity() >= 200_000);
    reader.shrink_if_idle();
    assert_eq!(reader.capacity(), 0);
    reader.feed(b"PI");
    reader.shrink_if_idle();
    assert_eq!(reader.capacity(), 2);
    reader.feed(b"NG\r\n");
    assert_eq!(
        reader.next_command(&default()).unwrap().unwrap().at(0),
        b"PING"
    );
}

proptest! {
    #[test]
    fn multibulk_round_trip_in_random_pieces(
        commands in proptest::collection::vec(
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..6),
            1..8,
        ),
        piece in 1usize..64,
    ) {
        let input = encode(&commands);
        let mut reader = RequestReader::new();
        let mut parsed = Vec::new();
        for chunk in input.chunks(piece) {
            reader.feed(chunk);
            let (more, error) = drain(&mut reader, &default());
            prop_assert!(error.is_none());
            parsed.extend(more);
        }
        prop_assert_eq!(parsed, commands);
    }

    #[test]
    fn inline_matches_split_args(line in proptest::collection::vec(any::<u8>(), 0..60)) {
        prop_assume!(!line.contains(&b'\n') && !line.contains(&0) && line.first() != Some(&b'*'));
        let mut input = line.clone();
        input.extend_from_slice(b"\r\n");
        let (commands, error) = parse_all(&input, &default());
        // Only the CR of the final CRLF is dropped; a CR ending the line itself stays.
        match crate::split_args(&line) {
            None => prop_assert!(error.is_some()),
            Some(args) if args.is_empty() => prop_assert!(commands.is_empty() && error.is_none()),
            Some(args) => prop_assert_eq!(commands, vec![args]),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        input in proptest::collection::vec(
            prop_oneof![Just(b'*'), Just(b'$'), Just(b'\r'), Just(b'\n'), Just(b'1'), Just(b'"'), any::<u8>()],
            0..200,
        ),
        piece in 1usize..32,
        unauthenticated: bool,
        from_master: bool,
    ) {
        let limits = Limits { max_bulk_len: 16, unauthenticated, from_master };
        let mut reader = RequestReader::new();
        for chunk in input.chunks(piece) {
            reader.feed(chunk);
            let _ = drain(&mut reader, &limits);
            prop_assert!(reader.buffered() <= input.len());
        }
    }
}

#[test]
fn declared_bulk_does_not_grow_the_buffer_without_data() {
    // A master's bulk length is not capped; asking for room again and again must not keep
    // growing the buffer while no bytes arrive.
    let master = Limits {
        from_master: true,
        ..default()
    };
    let mut reader = RequestReader::new();
    reader.feed(b"*1\r\n$444844484542\r\nabc");
    assert_eq!(reader.next_command(&master), Ok(None));
    let first = reader.spare().len();
    for _ in 0..50 {
        reader.feed(b"");
        assert_eq!(reader.spare().len(), first);
    }
    assert!(reader.capacity() <= 2 * 1024 * 1024);
}

#[test]
fn debug_shows_sizes_not_bytes() {
    let mut reader = RequestReader::new();
    reader.feed(b"SECRET");
    let text = format!("{reader:?}");
    assert!(
        text.contains("filled: 6") && !text.contains("SECRET"),
        "{text}"
    );
}

#[test]
fn a_pending_big_argument_alone_counts_as_buffered() {
    let mut reader = RequestReader::new();
    let mut bytes = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40000\r\n".to_vec();
    bytes.extend_from_slice(&[b'v'; 100]);
    reader.feed(&bytes);
    assert!(matches!(reader.next_command(&default()), Ok(None)));
    // As Redis's qbuf: the argument's bytes so far, not the lines before it.
    assert_eq!(reader.buffered(), 100);
    // A small pending argument counts the whole command so far.
    let mut small = RequestReader::new();
    small.feed(b"*2\r\n$3\r\nGET\r\n$10\r\nabc");
    assert!(matches!(small.next_command(&default()), Ok(None)));
    assert_eq!(small.buffered(), 21);
}
