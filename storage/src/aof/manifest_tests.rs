use super::*;

/// Blank-separated words, enough for names without quotes.
fn split(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    if line.contains(&b'"') {
        return None;
    }
    Some(
        line.split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
            .map(<[u8]>::to_vec)
            .collect(),
    )
}

fn repr(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

fn parse(text: &str) -> Result<Manifest, ManifestError> {
    Manifest::parse(text.as_bytes(), split)
}

fn info(name: &str, seq: i64, kind: AofFileType) -> AofInfo {
    AofInfo {
        name: name.as_bytes().to_vec(),
        seq,
        kind,
    }
}

#[test]
fn parses_and_writes_redis_layout() {
    let text = "file appendonly.aof.2.base.rdb seq 2 type b\n\
                file appendonly.aof.1.incr.aof seq 1 type h\n\
                file appendonly.aof.4.incr.aof seq 4 type i\n\
                file appendonly.aof.5.incr.aof seq 5 type i\n";
    let manifest = parse(text).unwrap();
    assert_eq!(manifest.base_seq, 2);
    assert_eq!(manifest.incr_seq, 5);
    assert_eq!(manifest.history.len(), 1);
    assert_eq!(manifest.to_bytes(repr), text.as_bytes());
}

#[test]
fn keys_in_any_order_any_case_extra_pairs_and_comments() {
    let text = "# comment\n  TYPE i Seq 3 FILE a.aof future x\t\r\n";
    let manifest = parse(text).unwrap();
    assert_eq!(manifest.incrs, vec![info("a.aof", 3, AofFileType::Incr)]);
    assert_eq!(manifest.to_bytes(repr), b"file a.aof seq 3 type i\n");
}

#[test]
fn redis_error_texts() {
    let cases: &[(&str, &str, Option<usize>)] = &[
        ("", "Found an empty AOF manifest", None),
        (
            "file a seq 1 type b",
            "The AOF manifest file contains too long line",
            None,
        ),
        ("\n", "Invalid AOF manifest file format", Some(1)),
        (
            "file a seq 1 type\n",
            "Invalid AOF manifest file format",
            Some(1),
        ),
        (
            "file a seq 1 type b x\n",
            "Invalid AOF manifest file format",
            Some(1),
        ),
        (
            "file a seq 0 type b\n",
            "Invalid AOF manifest file format",
            Some(1),
        ),
        (
            "name a seq 1 type b\n",
            "Invalid AOF manifest file format",
            Some(1),
        ),
        (
            "file \"a seq 1 type b\n",
            "Invalid AOF manifest file format",
            Some(1),
        ),
        (
            "file d/a seq 1 type b\n",
            "File can't be a path, just a filename",
            Some(1),
        ),
        ("file a seq 1 type x\n", "Unknown AOF file type", Some(1)),
        (
            "file a seq 1 type b\nfile b seq 2 type b\n",
            "Found duplicate base file information",
            Some(2),
        ),
        (
            "#c\nfile a seq 2 type i\nfile b seq 2 type i\n",
            "Found a non-monotonic sequence number",
            Some(3),
        ),
        (
            "file a seq -1 type i\n",
            "Found a non-monotonic sequence number",
            Some(1),
        ),
    ];
    for (text, message, line) in cases {
        let err = parse(text).unwrap_err();
        assert_eq!(err.message, *message, "{text:?}");
        assert_eq!(err.line.as_ref().map(|l| l.0), *line, "{text:?}");
    }
    let long = format!("file {} seq 1 type b\n", "a".repeat(1100));
    assert_eq!(
        parse(&long).unwrap_err().message,
        "The AOF manifest file contains too long line"
    );
    let err = parse("file a seq 1 type b\n  file b seq 2 type b \r\n").unwrap_err();
    assert_eq!(
        err.log_messages(),
        vec![
            "\n*** FATAL AOF MANIFEST FILE ERROR ***\n",
            "Reading the manifest file, at line 2\n",
            ">>> 'file b seq 2 type b'\n",
            "Found duplicate base file information\n",
        ]
    );
}

#[test]
fn only_comments_is_an_empty_manifest_not_an_error() {
    assert_eq!(parse("# nothing\n").unwrap(), Manifest::default());
}

#[test]
fn names_are_redis_names() {
    assert_eq!(names::manifest(b"ao"), b"ao.manifest");
    assert_eq!(names::temp_manifest(b"ao"), b"temp-ao.manifest");
    assert_eq!(names::base(b"ao", 3, true), b"ao.3.base.rdb");
    assert_eq!(names::base(b"ao", 3, false), b"ao.3.base.aof");
    assert_eq!(names::incr(b"ao", 7), b"ao.7.incr.aof");
    assert_eq!(names::temp_incr(b"ao"), b"temp-ao.incr");
    assert_eq!(names::temp_rewrite(12), "temp-rewriteaof-12.aof");
    assert_eq!(names::temp_rewrite_done(12), "temp-rewriteaof-bg-12.aof");
}

#[test]
fn names_needing_quotes_are_quoted() {
    assert!(!needs_repr(b"appendonly.aof.1.incr.aof"));
    for odd in [&b"a b"[..], b"a\"b", b"a\\b", b"a\nb", b"\xff", b"a\x7f"] {
        assert!(needs_repr(odd), "{odd:?}");
    }
    let mut manifest = Manifest::default();
    manifest.adopt_old_aof(b"my file");
    assert_eq!(manifest.to_bytes(repr), b"file \"my file\" seq 1 type b\n");
}

#[test]
fn server_start_on_an_empty_manifest_creates_base_and_incr() {
    let mut manifest = Manifest::default();
    let plan = manifest.on_server_start(b"ao", true);
    assert_eq!(plan.new_base.as_deref(), Some(&b"ao.1.base.rdb"[..]));
    assert_eq!(plan.incr, b"ao.1.incr.aof");
    assert!(!plan.incr_listed);
    assert_eq!(
        manifest.to_bytes(repr),
        b"file ao.1.base.rdb seq 1 type b\nfile ao.1.incr.aof seq 1 type i\n"
    );
    // Started again, it appends to the same file.
    let plan = manifest.on_server_start(b"ao", true);
    assert_eq!((plan.new_base, plan.incr_listed), (None, true));
    assert_eq!(plan.incr, b"ao.1.incr.aof");
}

#[test]
fn a_rewrite_cycle_as_redis_runs_it() {
    let mut manifest = Manifest::default();
    manifest.on_server_start(b"ao", true);
    let (started, incr) = manifest.on_rewrite_start(b"ao");
    assert_eq!(incr, b"ao.2.incr.aof");
    // The rewrite fails: the next one adds a third incr file.
    let (started, _) = started.on_rewrite_start(b"ao");
    let (done, names) = started.on_rewrite_done(b"ao", true, AofState::On);
    assert_eq!(names.base, b"ao.2.base.rdb");
    assert_eq!(names.incr, None);
    assert_eq!(
        String::from_utf8(done.to_bytes(repr)).unwrap(),
        "file ao.2.base.rdb seq 2 type b\n\
         file ao.1.incr.aof seq 1 type h\n\
         file ao.2.incr.aof seq 2 type h\n\
         file ao.1.base.rdb seq 1 type h\n\
         file ao.3.incr.aof seq 3 type i\n"
    );
    let mut cleaned = done.clone();
    let deleted: Vec<_> = cleaned.take_history().into_iter().map(|i| i.name).collect();
    assert_eq!(
        deleted,
        vec![
            b"ao.1.incr.aof".to_vec(),
            b"ao.2.incr.aof".to_vec(),
            b"ao.1.base.rdb".to_vec()
        ]
    );
    // Reloaded from what was written, the counters carry on.
    let reloaded = Manifest::parse(&cleaned.to_bytes(repr)[..], split).unwrap();
    assert_eq!(reloaded, cleaned);
    let (_, incr) = reloaded.on_rewrite_start(b"ao");
    assert_eq!(incr, b"ao.4.incr.aof");
}

#[test]
fn rewrite_done_while_turning_aof_on_or_with_aof_off() {
    let mut manifest = Manifest::default();
    manifest.on_server_start(b"ao", false);
    let (done, names) = manifest.on_rewrite_done(b"ao", false, AofState::WaitRewrite);
    assert_eq!(names.base, b"ao.2.base.aof");
    assert_eq!(names.incr.as_deref(), Some(&b"ao.2.incr.aof"[..]));
    assert_eq!(
        done.incrs,
        vec![info("ao.2.incr.aof", 2, AofFileType::Incr)]
    );
    let (off, _) = done.on_rewrite_done(b"ao", false, AofState::Off);
    assert!(off.incrs.is_empty());
    assert_eq!(off.incr_seq, 2);
    assert_eq!(off.history.len(), 4);
}
