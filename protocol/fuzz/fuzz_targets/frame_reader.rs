//! Fuzzes the client-side reply parser: no panic on any input, the incremental reader agrees
//! with one-shot parsing, and a parsed frame re-encoded as RESP3 parses back the same (except
//! NaN doubles, which are not equal to themselves, and line feeds inside simple strings and
//! errors, which the encoder turns into spaces to keep the reply on one line).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scarlet_protocol::{Frame, FrameLimits, FrameReader, ReplyBuf, Resp};

fn has_nan(frame: &Frame) -> bool {
    match frame {
        Frame::Double(value) => value.is_nan(),
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => items.iter().any(has_nan),
        Frame::Map(pairs) | Frame::Attribute(pairs) => pairs
            .iter()
            .any(|(key, value)| has_nan(key) || has_nan(value)),
        _ => false,
    }
}

fn encodes_losslessly(frame: &Frame) -> bool {
    match frame {
        Frame::Double(value) => !value.is_nan(),
        // RESP3 has no null array: it becomes the plain null.
        Frame::NullArray => false,
        Frame::Simple(text) | Frame::Error(text) => {
            !text.contains(&b'\n') && !text.contains(&b'\r')
        }
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            items.iter().all(encodes_losslessly)
        }
        Frame::Map(pairs) | Frame::Attribute(pairs) => pairs
            .iter()
            .all(|(key, value)| encodes_losslessly(key) && encodes_losslessly(value)),
        _ => true,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&settings, input)) = data.split_first() else {
        return;
    };
    let limits = FrameLimits {
        max_depth: 16,
        max_bulk_len: 4096,
        max_elements: 4096,
    };
    let piece = usize::from(settings) + 1;

    let mut whole = Vec::new();
    let mut rest = input;
    let whole_error = loop {
        match Frame::parse(rest, &limits) {
            Ok(Some((frame, used))) => {
                whole.push(frame);
                rest = rest.get(used..).unwrap_or(&[]);
            }
            Ok(None) => break None,
            Err(error) => break Some(error),
        }
    };

    let mut reader = FrameReader::new(limits);
    let mut pieces = Vec::new();
    let mut pieces_error = None;
    'outer: for chunk in input.chunks(piece) {
        reader.feed(chunk);
        loop {
            match reader.next_frame() {
                Ok(Some(frame)) => pieces.push(frame),
                Ok(None) => break,
                Err(error) => {
                    pieces_error = Some(error);
                    break 'outer;
                }
            }
        }
    }
    if !whole.iter().any(has_nan) {
        assert_eq!(whole, pieces);
        // A too-long line is reported with the length seen so far, which depends on the pieces.
        assert_eq!(
            whole_error.map(|e| std::mem::discriminant(&e)),
            pieces_error.map(|e| std::mem::discriminant(&e))
        );
    }

    for frame in whole.iter().filter(|frame| encodes_losslessly(frame)) {
        let mut out = ReplyBuf::new(Resp::Resp3);
        frame.encode(&mut out);
        let reparsed = Frame::parse(out.as_bytes(), &limits);
        assert_eq!(reparsed, Ok(Some((frame.clone(), out.len()))));
    }
});
