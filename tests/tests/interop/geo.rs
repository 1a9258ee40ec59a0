//! Geo sessions generated over a few hundred pseudo-random points, compared byte for byte
//! with redis-server in RESP2 and RESP3 through the corpus runner.
//!
//! The points mix the whole map, a dense cluster (so that searches find many points and
//! COUNT cuts through them), the edges of the valid range (longitude ±180, latitude
//! ±85.05112878) and repeated places (ties in distance, whose order depends on Redis's
//! sorts). One set stays a listpack, the other grows into a skiplist. Each search is
//! drawn with random options: FROMMEMBER or FROMLONLAT, BYRADIUS or BYBOX, every unit,
//! ASC/DESC, COUNT with and without ANY, WITHCOORD/WITHDIST/WITHHASH, and the same search
//! again as GEOSEARCHSTORE (with or without STOREDIST), GEORADIUS or GEORADIUSBYMEMBER.
//! The generator is seeded, so a failure names lines that replay the same way.

use crate::corpus::{Line, assert_same_replies};

/// A small deterministic generator (SplitMix64): the same lines on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A float in `0..1`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + self.unit() * (high - low)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const LAT_LIMIT: f64 = 85.05112878;

/// Places on or next to the edges of what can be indexed.
const EDGES: [(f64, f64); 12] = [
    (180.0, LAT_LIMIT),
    (-180.0, -LAT_LIMIT),
    (180.0, -LAT_LIMIT),
    (-180.0, LAT_LIMIT),
    (0.0, 0.0),
    (179.9999999, 0.0),
    (-179.9999999, 0.0),
    (0.0, 85.05),
    (0.0, -85.05),
    (90.0, 0.0),
    (-90.0, 0.0),
    (0.000001, 0.000001),
];

fn random_points(rng: &mut Rng, n: usize) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(n);
    for _ in 0..n {
        let roll = rng.unit();
        let point = if roll < 0.1 {
            *rng.pick(&EDGES)
        } else if roll < 0.2 && !points.is_empty() {
            *rng.pick(&points)
        } else if roll < 0.5 {
            (rng.between(13.0, 17.0), rng.between(36.0, 40.0))
        } else {
            (
                rng.between(-180.0, 180.0),
                rng.between(-LAT_LIMIT, LAT_LIMIT),
            )
        };
        points.push(point);
    }
    points
}

/// One search's options, drawn at random; `stored` leaves out what STORE refuses.
fn options(rng: &mut Rng, stored: bool) -> Vec<String> {
    let mut options = Vec::new();
    if rng.chance(0.5) {
        options.push(rng.pick(&["ASC", "DESC", "asc"]).to_string());
    }
    if rng.chance(0.5) {
        options.push(format!("COUNT {}", rng.pick(&[1, 2, 3, 5, 10, 50, 1000])));
        if rng.chance(0.3) {
            options.push("ANY".into());
        }
    }
    if !stored {
        for with in ["WITHDIST", "WITHCOORD", "WITHHASH"] {
            if rng.chance(0.4) {
                options.push(with.into());
            }
        }
    }
    // Options may come in any order.
    for i in (1..options.len()).rev() {
        let j = rng.below(i + 1);
        options.swap(i, j);
    }
    options
}

fn session(rng: &mut Rng, key: &str, n: usize, lines: &mut Vec<String>) {
    let points = random_points(rng, n);
    for (chunk_at, chunk) in points.chunks(50).enumerate() {
        let triples: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, (lon, lat))| format!("{lon} {lat} p{}", chunk_at * 50 + i))
            .collect();
        lines.push(format!("GEOADD {key} {}", triples.join(" ")));
    }
    lines.push(format!("OBJECT ENCODING {key}"));
    for _ in 0..120 {
        let (unit, per_km) = *rng.pick(&[
            ("m", 1000.0),
            ("km", 1.0),
            ("ft", 3280.84),
            ("mi", 0.621371),
            ("KM", 1.0),
        ]);
        let size = rng.pick(&[1.0, 10.0, 50.0, 100.0, 300.0, 1000.0, 5000.0, 20000.0])
            * rng.unit()
            * per_km;
        let member = format!("p{}", rng.below(n));
        let centre = if rng.chance(0.2) {
            *rng.pick(&EDGES)
        } else {
            (
                rng.between(-180.0, 180.0),
                rng.between(-LAT_LIMIT, LAT_LIMIT),
            )
        };
        let from = if rng.chance(0.5) {
            format!("FROMMEMBER {member}")
        } else {
            format!("FROMLONLAT {} {}", centre.0, centre.1)
        };
        let by_radius = rng.chance(0.5);
        let by = if by_radius {
            format!("BYRADIUS {size} {unit}")
        } else {
            format!("BYBOX {size} {} {unit}", size * rng.between(0.2, 3.0))
        };
        let search_options = options(rng, false);
        lines.push(format!(
            "GEOSEARCH {key} {from} {by} {}",
            search_options.join(" ")
        ));
        let stored = options(rng, true);
        let storedist = if rng.chance(0.5) { "STOREDIST" } else { "" };
        lines.push(format!(
            "GEOSEARCHSTORE geo:dst {key} {from} {by} {} {storedist}",
            stored.join(" ")
        ));
        lines.push("ZRANGE geo:dst 0 -1 WITHSCORES".into());
        if by_radius {
            let (command, around) = if from.starts_with("FROMMEMBER") {
                ("GEORADIUSBYMEMBER", member.clone())
            } else {
                ("GEORADIUS", format!("{} {}", centre.0, centre.1))
            };
            let read_only = if rng.chance(0.3) { "_RO" } else { "" };
            lines.push(format!(
                "{command}{read_only} {key} {around} {size} {unit} {}",
                search_options.join(" ")
            ));
            let store = if rng.chance(0.5) {
                "STORE"
            } else {
                "STOREDIST"
            };
            lines.push(format!(
                "{command} {key} {around} {size} {unit} {} {store} geo:dst",
                stored.join(" ")
            ));
            lines.push("ZRANGE geo:dst 0 -1 WITHSCORES".into());
        }
    }
    let members: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
    lines.push(format!("GEOPOS {key} {} missing", members.join(" ")));
    lines.push(format!("GEOHASH {key} {} missing", members.join(" ")));
    for _ in 0..20 {
        let unit = rng.pick(&["", "m", "km", "ft", "mi"]);
        lines.push(format!(
            "GEODIST {key} p{} p{} {unit}",
            rng.below(n),
            rng.below(n)
        ));
    }
}

#[test]
fn geo_replies_match_redis_over_random_points() {
    let mut rng = Rng(0x0005_ca1e_76e0);
    let mut text = vec!["FLUSHALL".to_string()];
    session(&mut rng, "geo:small", 100, &mut text);
    session(&mut rng, "geo:big", 300, &mut text);
    text.push("FLUSHALL".into());
    let lines: Vec<Line> = text
        .into_iter()
        .enumerate()
        .map(|(i, line)| Line::command(i + 1, line))
        .collect();
    assert_same_replies(&lines);
}
