//! Debian's redis-benchmark 7.0.15 against scarlet-server: it must run to the end with no
//! error from the server. Throughput is not judged here (that is `bench/`'s job).

use std::time::Duration;

use scarlet_tests::{REDIS_BENCHMARK, TestServer, run_to_exit};

/// 20,000 requests take about a second against a debug build; this bounds a hang.
const BENCHMARK_DEADLINE: Duration = Duration::from_secs(60);

/// Runs redis-benchmark against `server`; fails on a non-zero exit or a server error.
fn benchmark(server: &TestServer, args: &[&str]) -> String {
    let port = server.port.to_string();
    let mut all = vec!["-p", port.as_str()];
    all.extend_from_slice(args);
    let run = run_to_exit(
        REDIS_BENCHMARK.as_ref(),
        &all,
        server.dir.path(),
        BENCHMARK_DEADLINE,
    );
    assert_eq!(run.code, Some(0), "redis-benchmark {args:?}: {run:?}");
    // redis-benchmark reports an error reply as "Error from server: ..." on stderr.
    assert!(
        !run.stderr.contains("Error"),
        "redis-benchmark {args:?}: {}",
        run.stderr
    );
    run.stdout
}

#[test]
fn set_and_get_complete_without_errors() {
    let server = TestServer::start(&[]);
    let out = benchmark(&server, &["-t", "set,get", "-n", "20000", "-q"]);
    // Progress lines end in \r; the final one of each test names its throughput.
    let finals: Vec<&str> = out
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|part| part.contains(" requests per second"))
        .collect();
    assert_eq!(finals.len(), 2, "{out:?}");
    assert!(finals[0].starts_with("SET: "), "{out:?}");
    assert!(finals[1].starts_with("GET: "), "{out:?}");
    // Every SET wrote the benchmark's one key, with its default 3-byte value.
    let mut con = server.redis();
    let value: Vec<u8> = redis::cmd("GET")
        .arg("key:__rand_int__")
        .query(&mut con)
        .expect("GET");
    assert_eq!(value.len(), 3);
}

#[test]
fn pipelined_clients_over_a_random_keyspace() {
    let server = TestServer::start(&[]);
    let out = benchmark(
        &server,
        &[
            "-t",
            "ping,set,get,incr,mset",
            "-n",
            "10000",
            "-c",
            "20",
            "-P",
            "16",
            "-r",
            "1000",
            "--csv",
        ],
    );
    let tests: Vec<&str> = out
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .map(|name| name.trim_matches('"'))
        .collect();
    assert_eq!(
        tests,
        [
            "PING_INLINE",
            "PING_MBULK",
            "SET",
            "GET",
            "INCR",
            "MSET (10 keys)"
        ],
        "{out}"
    );
    let mut con = server.redis();
    let keys: u64 = redis::cmd("DBSIZE").query(&mut con).expect("DBSIZE");
    // SET, INCR and MSET over up to 1000 random numbers in three key name patterns.
    assert!((1..=3000).contains(&keys), "{keys}");
}
