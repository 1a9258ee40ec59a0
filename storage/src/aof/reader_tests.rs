use super::*;
use crate::aof::append_command;

fn read_all(bytes: &[u8]) -> (Vec<(AofItem, u64)>, Option<AofReadError>) {
    let mut reader = AofReader::new(bytes, 0);
    let mut items = Vec::new();
    loop {
        match reader.next_item() {
            Ok(Some(item)) => items.push((item, reader.offset())),
            Ok(None) => return (items, None),
            Err(e) => return (items, Some(e)),
        }
    }
}

fn command(args: &[&str]) -> AofItem {
    AofItem::Command(args.iter().map(|a| a.as_bytes().to_vec()).collect())
}

fn sample() -> Vec<u8> {
    let mut file = Vec::new();
    append_command(&mut file, &[b"SELECT", b"0"]);
    file.extend_from_slice(&crate::aof::timestamp_annotation(1_700_000_000));
    append_command(&mut file, &[b"SET", b"k", b"a\r\nb"]);
    append_command(&mut file, &[b"DEL", b""]);
    file
}

#[test]
fn commands_annotations_and_offsets() {
    let file = sample();
    let (items, err) = read_all(&file);
    assert!(err.is_none());
    assert_eq!(
        items,
        vec![
            (command(&["SELECT", "0"]), 23),
            (AofItem::Annotation(b"#TS:1700000000\r\n".to_vec()), 39),
            (command(&["SET", "k", "a\r\nb"]), 69),
            (command(&["DEL", ""]), file.len() as u64),
        ]
    );
    assert_eq!(items[1].0.timestamp(), Some(1_700_000_000));
    assert_eq!(items[0].0.timestamp(), None);
}

#[test]
fn every_truncation_point_is_an_unexpected_eof_with_the_last_complete_command() {
    let file = sample();
    let (items, _) = read_all(&file);
    let command_ends: Vec<u64> = items
        .iter()
        .filter(|(item, _)| matches!(item, AofItem::Command(_)))
        .map(|(_, end)| *end)
        .collect();
    let item_ends: Vec<u64> = items.iter().map(|(_, end)| *end).collect();
    for cut in 0..file.len() {
        let (read, err) = read_all(&file[..cut]);
        let at_boundary = cut == 0 || item_ends.contains(&(cut as u64));
        if at_boundary {
            assert!(err.is_none(), "cut {cut}: {err:?}");
            continue;
        }
        let expected = command_ends
            .iter()
            .copied()
            .filter(|&end| end <= cut as u64)
            .max()
            .unwrap_or(0);
        match err {
            Some(AofReadError::UnexpectedEof { valid_up_to }) => {
                assert_eq!(valid_up_to, expected, "cut {cut}")
            }
            // A cut inside the annotation leaves a shorter annotation, not an error.
            None => assert!(
                read.last()
                    .is_some_and(|(i, _)| matches!(i, AofItem::Annotation(_))),
                "cut {cut}"
            ),
            other => panic!("cut {cut}: {other:?}"),
        }
    }
}

#[test]
fn bad_formats() {
    for bad in [
        &b"SET k v\r\n"[..],
        b"*0\r\n",
        b"*-1\r\n",
        b"*\r\n",
        b"*x\r\n",
        b"*1\r\nSET\r\n",
        b"*1\r\n$-1\r\n",
        b"*\0\r\n",
    ] {
        let (_, err) = read_all(bad);
        assert!(
            matches!(err, Some(AofReadError::BadFormat)),
            "{bad:?}: {err:?}"
        );
    }
    // Redis's `atoi` wraps counts past 2^31: 2^32 + 1 is read as one argument.
    let (items, err) = read_all(b"*4294967297\r\n$4\r\nPING\r\n");
    assert!(err.is_none());
    assert_eq!(items[0].0, command(&["PING"]));
}

#[test]
fn lax_where_redis_is_lax() {
    // The loader skips the two bytes after an argument without checking them, and reads
    // a count's digits up to the first non-digit.
    let (items, err) = read_all(b"*2 junk\r\n$3\r\nGETxx$1 \r\nkXY");
    assert!(err.is_none(), "{err:?}");
    assert_eq!(items[0].0, command(&["GET", "k"]));
}

#[test]
fn a_huge_length_does_not_allocate_it() {
    let (_, err) = read_all(b"*1\r\n$9223372036854775807\r\nabc");
    assert!(matches!(
        err,
        Some(AofReadError::UnexpectedEof { valid_up_to: 0 })
    ));
    let mut reader = AofReader::new(&b"*2147483647\r\n$1\r\na\r\n"[..], 0);
    assert!(matches!(
        reader.next_item(),
        Err(AofReadError::UnexpectedEof { .. })
    ));
}

#[test]
fn a_long_argument_spans_many_chunks() {
    let big = vec![b'x'; 200_000];
    let mut file = Vec::new();
    append_command(&mut file, &[b"SET", b"k", &big]);
    let reader = std::io::BufReader::with_capacity(100, &file[..]);
    let items: Vec<_> = AofReader::new(reader, 0).collect::<Result<_, _>>().unwrap();
    assert_eq!(items.len(), 1);
    assert!(matches!(&items[0], AofItem::Command(argv) if argv[2] == big));
}

#[test]
fn long_lines_are_read_in_redis_sized_pieces() {
    // An annotation longer than Redis's buffer continues as a line that is not a command.
    let mut file = b"#".to_vec();
    file.extend_from_slice(&[b'x'; 1500]);
    file.extend_from_slice(b"\r\n");
    let (items, err) = read_all(&file);
    assert_eq!(items.len(), 1);
    assert!(matches!(err, Some(AofReadError::BadFormat)));
}

#[test]
fn starts_after_a_preamble() {
    let mut file = b"REDIS0010xxxx".to_vec();
    assert!(is_rdb_preamble(&file));
    assert!(!is_rdb_preamble(b"REDI"));
    let start = file.len() as u64;
    append_command(&mut file, &[b"PING"]);
    let mut reader = AofReader::new(&file[start as usize..], start);
    assert_eq!(reader.next_item().unwrap(), Some(command(&["PING"])));
    assert_eq!(reader.offset(), file.len() as u64);
    assert_eq!(reader.valid_up_to(), file.len() as u64);
}

#[test]
fn error_messages_are_redis_log_lines() {
    let eof = AofReadError::UnexpectedEof { valid_up_to: 3 };
    assert_eq!(
        eof.log_message("ao.1.incr.aof"),
        "Unexpected end of file reading the append only file ao.1.incr.aof. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
    );
    assert_eq!(
        AofReadError::BadFormat.log_message("x"),
        "Bad file format reading the append only file x: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
    );
}
