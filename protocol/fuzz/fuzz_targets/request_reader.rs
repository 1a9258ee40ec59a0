//! Fuzzes the server's request parser: no panic on any input, and reading the input in pieces
//! gives the same commands and error as reading it whole (below the 64 KiB line limit, whose
//! check depends on how much has arrived, as in Redis).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scarlet_protocol::{Limits, RequestReader};

type Outcome = (Vec<Vec<Vec<u8>>>, Option<String>);

fn run(input: &[u8], piece: usize, limits: &Limits) -> Outcome {
    let mut reader = RequestReader::new();
    let mut commands = Vec::new();
    for chunk in input.chunks(piece.max(1)) {
        reader.feed(chunk);
        loop {
            match reader.next_command(limits) {
                Ok(Some(args)) => commands.push(args.iter().map(<[u8]>::to_vec).collect()),
                Ok(None) => break,
                Err(error) => return (commands, Some(error.message().to_string())),
            }
        }
        assert!(reader.buffered() <= input.len());
    }
    (commands, None)
}

fuzz_target!(|data: &[u8]| {
    let Some((&settings, input)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_bulk_len: if settings & 1 == 0 {
            512 * 1024 * 1024
        } else {
            64
        },
        unauthenticated: settings & 2 != 0,
        from_master: settings & 4 != 0,
    };
    let piece = usize::from(settings >> 3) + 1;
    let whole = run(input, input.len(), &limits);
    let pieces = run(input, piece, &limits);
    if input.len() <= 64 * 1024 {
        assert_eq!(whole, pieces);
    }
});
