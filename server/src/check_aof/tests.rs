use super::*;

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "scarlet-check-aof-{tag}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn check(args: &[&str], answer: &str) -> (i32, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let mut out = Vec::new();
    let code = run(
        "redis-check-aof",
        &args,
        0,
        &mut out,
        &mut answer.as_bytes(),
    );
    (code, String::from_utf8_lossy(&out).into_owned())
}

const SET: &[u8] = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";

#[test]
fn a_valid_old_style_file() {
    let dir = Scratch::new("valid");
    let file = dir.write("a.aof", &[SET, b"#TS:5\r\n", SET].concat());
    let (code, text) = check(&[&file], "");
    assert_eq!(code, 0);
    assert_eq!(
        text,
        format!(
            "Start checking Old-Style AOF\nAOF analyzed: filename={file}, size=61, ok_up_to=61, \
             ok_up_to_line=15, diff=0\nAOF {file} is valid\n"
        )
    );
}

#[test]
fn usage_and_bad_timestamps() {
    let (code, text) = check(&[], "");
    assert_eq!(code, 1);
    assert_eq!(
        text,
        "Usage: redis-check-aof [--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>\n"
    );
    assert_eq!(check(&["--fox", "x"], "").0, 1);
    let (code, text) = check(&["--truncate-to-timestamp", "12x", "f"], "");
    assert_eq!(
        (code, text.as_str()),
        (1, "Invalid timestamp, aborting...\n")
    );
    assert_eq!(parse_timestamp(""), Some(0));
    assert_eq!(parse_timestamp(" 7"), Some(7));
    assert_eq!(parse_timestamp(" "), None);
    assert_eq!(parse_timestamp("99999999999999999999"), None);
}

#[test]
fn truncated_tail_is_reported_and_fixed_after_a_yes() {
    let dir = Scratch::new("fix");
    let file = dir.write("a.aof", &[SET, &SET[..20]].concat());
    let (code, text) = check(&[&file], "");
    assert_eq!(code, 1);
    assert_eq!(
        text,
        format!(
            "Start checking Old-Style AOF\n\
             AOF analyzed: filename={file}, size=47, ok_up_to=27, ok_up_to_line=13, diff=20\n\
             AOF {file} is not valid. Use the --fix option to try fixing it.\n"
        )
    );
    let (code, text) = check(&["--fix", &file], "n\n");
    assert_eq!(code, 1);
    assert!(text.ends_with("Continue? [y/N]: Aborting...\n"), "{text}");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 47);
    let (code, text) = check(&["--fix", &file], "Y\n");
    assert_eq!(code, 0, "{text}");
    assert!(text.ends_with(&format!(
        "This will shrink the AOF {file} from 47 bytes, with 20 bytes, to 27 bytes\n\
         Continue? [y/N]: Successfully truncated AOF {file}\n"
    )));
    assert_eq!(std::fs::read(&file).unwrap(), SET);
}

#[test]
fn multi_without_exec_goes_back_to_before_multi() {
    let dir = Scratch::new("multi");
    let body = [SET, b"*1\r\n$5\r\nMULTI\r\n", SET].concat();
    let file = dir.write("a.aof", &body);
    let (code, text) = check(&[&file], "");
    assert_eq!(code, 1);
    assert!(text.contains("0x              42: Reached EOF before reading EXEC for MULTI\n"));
    assert!(
        text.contains("ok_up_to=27, ok_up_to_line=18, diff=42"),
        "{text}"
    );
}

#[test]
fn signed_char_hex_and_c_helpers() {
    assert_eq!(c_char_hex(0x0d), "0d");
    assert_eq!(c_char_hex(0x80), "ffffff80");
    assert_eq!(c_strtol(b" \r\n"), (0, 0, false));
    assert_eq!(c_strtol(b" -12x"), (-12, 4, false));
    assert_eq!(c_strtol(b"9223372036854775808"), (i64::MAX, 19, true));
    assert_eq!(c_dirname("a.manifest"), ".");
    assert_eq!(c_dirname("/a"), "/");
    assert_eq!(c_dirname("d/e//a"), "d/e");
    assert_eq!(c_dirname("d/"), ".");
}

#[test]
fn a_manifest_checks_its_files_and_only_the_last_may_be_cut() {
    let dir = Scratch::new("manifest");
    let mut manifest = Manifest::default();
    let plan = manifest.on_server_start(b"ao", false);
    dir.write(
        std::str::from_utf8(plan.new_base.as_deref().unwrap()).unwrap(),
        SET,
    );
    dir.write("ao.1.incr.aof", &[SET, &SET[..5]].concat());
    let path = dir.write("ao.manifest", &manifest.to_bytes(scarlet_protocol::repr));
    let (code, text) = check(&["--fix", &path], "y");
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        text,
        "Start checking Multi Part AOF\n\
         Start to check BASE AOF (RESP format).\n\
         AOF analyzed: filename=ao.1.base.aof, size=27, ok_up_to=27, ok_up_to_line=8, diff=0\n\
         BASE AOF ao.1.base.aof is valid\n\
         Start to check INCR files.\n\
         0x              1f: Expected \\r\\n, got: 0000\n\
         AOF analyzed: filename=ao.1.incr.aof, size=32, ok_up_to=27, ok_up_to_line=16, diff=5\n\
         This will shrink the AOF ao.1.incr.aof from 32 bytes, with 5 bytes, to 27 bytes\n\
         Continue? [y/N]: Successfully truncated AOF ao.1.incr.aof\n\
         All AOF files and manifest are valid\n"
    );
    // A damaged base is not the last file: it cannot be fixed.
    dir.write("ao.1.base.aof", &SET[..5]);
    let (code, text) = check(&["--fix", &path], "y");
    assert_eq!(code, 1);
    assert!(
        text.ends_with("Failed to truncate AOF ao.1.base.aof because it is not the last file\n")
    );
}

#[test]
fn truncate_to_timestamp_cuts_at_the_first_later_annotation() {
    let dir = Scratch::new("ts");
    let body = [b"#TS:10\r\n", SET, b"#TS:20\r\n", SET].concat();
    let file = dir.write("a.aof", &body);
    let (code, text) = check(&["--truncate-to-timestamp", "15", &file], "");
    assert_eq!(code, 0);
    assert!(text.ends_with(&format!(
        "Successfully truncated AOF {file} to timestamp 15\n"
    )));
    assert_eq!(std::fs::read(&file).unwrap(), [b"#TS:10\r\n", SET].concat());
    let (code, text) = check(&["--truncate-to-timestamp", "5", &file], "");
    assert_eq!(code, 1);
    assert!(text.ends_with(&format!(
        "AOF {file} has nothing before timestamp 5, aborting...\n"
    )));
}
