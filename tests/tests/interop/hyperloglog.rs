//! HyperLogLog values cross between redis-server 7.0.15 and scarlet-server unchanged: a
//! value one server built (GET) and the other stores (SET) counts the same on both, sparse
//! and dense, and the same inputs give byte-identical values and the same PFCOUNT.

use scarlet_tests::{REDIS_SERVER, ServerBuilder, TestServer};

fn both() -> (TestServer, TestServer) {
    let redis = ServerBuilder::binary(REDIS_SERVER.as_ref()).start();
    let scarlet = ServerBuilder::scarlet().start();
    (redis, scarlet)
}

/// A small deterministic generator, so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 17
    }
}

fn elements(rng: &mut Lcg, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|_| {
            let len = (rng.next() % 24) as usize;
            (0..len).map(|_| rng.next() as u8).collect()
        })
        .collect()
}

fn pfadd(con: &mut redis::Connection, key: &str, items: &[Vec<u8>]) {
    for chunk in items.chunks(500) {
        let _: i64 = redis::cmd("PFADD")
            .arg(key)
            .arg(chunk)
            .query(con)
            .expect("PFADD");
    }
}

fn get(con: &mut redis::Connection, key: &str) -> Vec<u8> {
    redis::cmd("GET").arg(key).query(con).expect("GET")
}

fn pfcount(con: &mut redis::Connection, keys: &[&str]) -> i64 {
    redis::cmd("PFCOUNT").arg(keys).query(con).expect("PFCOUNT")
}

fn encoding(con: &mut redis::Connection, key: &str) -> String {
    redis::cmd("PFDEBUG")
        .arg("ENCODING")
        .arg(key)
        .query(con)
        .expect("PFDEBUG ENCODING")
}

#[test]
fn values_cross_between_servers_sparse_and_dense() {
    let (redis, scarlet) = both();
    let (mut r, mut s) = (redis.redis(), scarlet.redis());
    let mut rng = Lcg(7);
    for (i, n) in [1usize, 3, 40, 300, 2000, 30_000].into_iter().enumerate() {
        let items = elements(&mut rng, n);
        let key = format!("h{i}");
        pfadd(&mut r, &key, &items);
        pfadd(&mut s, &key, &items);
        let from_redis = get(&mut r, &key);
        let from_scarlet = get(&mut s, &key);
        assert_eq!(
            from_redis, from_scarlet,
            "{n} elements: stored bytes differ"
        );
        let enc = encoding(&mut r, &key);
        assert_eq!(enc, encoding(&mut s, &key), "{n} elements");
        // Each server reads the other's value.
        let copy = format!("copy{i}");
        let _: () = redis::cmd("SET")
            .arg(&copy)
            .arg(&from_redis)
            .query(&mut s)
            .expect("SET");
        let _: () = redis::cmd("SET")
            .arg(&copy)
            .arg(&from_scarlet)
            .query(&mut r)
            .expect("SET");
        let want = pfcount(&mut r, &[&copy]);
        assert_eq!(pfcount(&mut s, &[&copy]), want, "{n} elements ({enc})");
        // After PFCOUNT both cached the estimate the same way.
        assert_eq!(
            get(&mut r, &copy),
            get(&mut s, &copy),
            "{n} elements: cache"
        );
        // Adding more to the other server's value keeps them equal.
        let more = elements(&mut rng, 50);
        pfadd(&mut r, &copy, &more);
        pfadd(&mut s, &copy, &more);
        assert_eq!(
            get(&mut r, &copy),
            get(&mut s, &copy),
            "{n} elements: after PFADD"
        );
    }
}

#[test]
fn counts_unions_and_merges_match_on_random_inputs() {
    let (redis, scarlet) = both();
    let (mut r, mut s) = (redis.redis(), scarlet.redis());
    let mut rng = Lcg(2024);
    for round in 0..12 {
        let keys = [
            format!("a{round}"),
            format!("b{round}"),
            format!("c{round}"),
        ];
        for key in &keys {
            let n = (rng.next() % 6000) as usize;
            let items = elements(&mut rng, n);
            pfadd(&mut r, key, &items);
            pfadd(&mut s, key, &items);
            assert_eq!(pfcount(&mut r, &[key]), pfcount(&mut s, &[key]), "{key}");
        }
        let names: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(
            pfcount(&mut r, &names),
            pfcount(&mut s, &names),
            "round {round}"
        );
        let dest = format!("m{round}");
        for con in [&mut r, &mut s] {
            let _: () = redis::cmd("PFMERGE")
                .arg(&dest)
                .arg(&names)
                .query(con)
                .expect("PFMERGE");
        }
        assert_eq!(
            get(&mut r, &dest),
            get(&mut s, &dest),
            "round {round}: merged bytes"
        );
        assert_eq!(pfcount(&mut r, &[&dest]), pfcount(&mut s, &[&dest]));
    }
}

#[test]
fn promotion_follows_hll_sparse_max_bytes() {
    let (redis, scarlet) = both();
    let (mut r, mut s) = (redis.redis(), scarlet.redis());
    let mut rng = Lcg(99);
    for limit in ["0", "100", "1000", "20000"] {
        for con in [&mut r, &mut s] {
            let _: () = redis::cmd("CONFIG")
                .arg(&["SET", "hll-sparse-max-bytes", limit])
                .query(con)
                .expect("CONFIG SET");
        }
        let key = format!("p{limit}");
        for _ in 0..20 {
            let items = elements(&mut rng, 60);
            pfadd(&mut r, &key, &items);
            pfadd(&mut s, &key, &items);
            assert_eq!(get(&mut r, &key), get(&mut s, &key), "limit {limit}");
        }
    }
}
