//! Geohash arithmetic checked against values redis-server 7.0.15 printed for the same
//! points (ZSCORE after GEOADD, GEOPOS, GEOHASH, GEODIST).

use super::*;

/// Redis's "human" long double text of a coordinate, enough to compare decoded points.
fn human(x: f64) -> String {
    let text = format!("{x:.17}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

#[test]
fn scores_match_geoadd() {
    let cases: [(f64, f64, u64); 7] = [
        (13.361389, 38.115556, 3479099956230698),
        (15.087269, 37.502669, 3479447370796909),
        (-73.9454966, 40.747533, 1791875804419201),
        (0.0, 0.0, 3377699720527872),
        (-180.0, -85.05112878, 0),
        (180.0, 85.05112878, 13510798882111488),
        (179.5, 36.0, 4217626865679811),
    ];
    for (lon, lat, score) in cases {
        assert_eq!(score_of(lon, lat), Some(score), "{lon},{lat}");
    }
    assert_eq!(score_of(180.1, 0.0), None);
    assert_eq!(score_of(0.0, 85.06), None);
    assert!(!is_valid(f64::INFINITY, 0.0));
}

#[test]
fn decoding_matches_geopos() {
    let (lon, lat) = decode_score(3479099956230698.0);
    assert_eq!(
        (human(lon), human(lat)),
        ("13.36138933897018433".into(), "38.11555639549629859".into())
    );
    let (lon, lat) = decode_score(13510798882111488.0);
    assert_eq!(
        (human(lon), human(lat)),
        ("180".into(), "85.0511287799999991".into())
    );
    let (lon, lat) = decode_score(0.0);
    assert_eq!(
        (human(lon), human(lat)),
        (
            "-179.99999731779098511".into(),
            "-85.05112751263942528".into()
        )
    );
    // Scores no GEOADD wrote decode too, through C's conversions.
    assert_eq!(decode_score(-1.0), decode_score(13510798882111488.0));
    assert_eq!(decode_score(f64::INFINITY), decode_score(0.0));
    assert_eq!(decode_score(1e300), decode_score(0.0));
    let (lon, lat) = decode_score(f64::NEG_INFINITY);
    assert_eq!((lon, human(lat)), (180.0, "-85.05112751263942528".into()));
}

#[test]
fn geohash_strings_match_redis() {
    assert_eq!(&geohash_string(3479099956230698.0), b"sqc8b49rny0");
    assert_eq!(&geohash_string(13510798882111488.0), b"bp05b5048p0");
    assert_eq!(&geohash_string(0.0), b"00bh0hbj200");
    assert_eq!(&geohash_string(3377699720527872.0), b"s0000000000");
    let wikipedia = score_of(-5.6, 42.6).map_or(0.0, |s| s as f64);
    assert_eq!(&geohash_string(wikipedia), b"ezs42e44yx0");
}

#[test]
fn distances_match_geodist() {
    let (lon1, lat1) = decode_score(3479099956230698.0);
    let (lon2, lat2) = decode_score(3479447370796909.0);
    let meters = distance(lon1, lat1, lon2, lat2);
    assert_eq!(format!("{meters:.4}"), "166274.1516");
    let (lon1, lat1) = decode_score(13510798882111488.0);
    let (lon2, lat2) = decode_score(0.0);
    assert_eq!(
        format!("{:.4}", distance(lon1, lat1, lon2, lat2) / 1000.0),
        "18919.8446"
    );
    // The same meridian takes the short path.
    assert_eq!(distance(10.0, 1.0, 10.0, 2.0), lat_distance(1.0, 2.0));
}

#[test]
fn interleaving_round_trips() {
    for (x, y) in [
        (0u32, 0u32),
        (1, 0),
        (0, 1),
        (0x3ff_ffff, 0x155_5555),
        (u32::MAX, 7),
    ] {
        let bits = interleave(x, y);
        assert_eq!(deinterleave(bits), u64::from(x) | (u64::from(y) << 32));
    }
}

#[test]
fn neighbours_wrap_around_the_map() {
    let cell = encode(0.0, 0.0, 2).unwrap_or(Cell::NONE);
    let cells = with_neighbours(cell);
    let [centre, north, south, east, west, ..] =
        cells.map(|c| area_of(c).map(|a| (a.lon.min, a.lat.min)));
    let (lon, lat) = centre.unwrap_or_default();
    assert_eq!(north.map(|n| n.0), Some(lon));
    assert!(north.is_some_and(|n| n.1 > lat));
    assert!(south.is_some_and(|s| s.1 < lat));
    assert!(east.is_some_and(|e| e.0 > lon));
    assert!(west.is_some_and(|w| w.0 < lon));
    // East of the last column is the first one.
    let edge = encode(179.0, 0.0, 3).unwrap_or(Cell::NONE);
    let wrapped = area_of(move_lon(edge, true)).map(|a| a.lon.min);
    assert_eq!(wrapped, Some(-180.0));
}

#[test]
fn step_estimates() {
    assert_eq!(estimate_step(0.0, 0.0), 26);
    assert_eq!(estimate_step(1000.0, 0.0), 14);
    assert_eq!(estimate_step(1000.0, 70.0), 13);
    assert_eq!(estimate_step(1000.0, -85.0), 12);
    assert_eq!(estimate_step(1e9, 0.0), 1);
    assert_eq!(estimate_step(f64::INFINITY, 0.0), 1);
    assert_eq!(estimate_step(1e-300, 0.0), 26);
}

#[test]
fn searches_find_points_within_the_shape() {
    let score = |lon: f64, lat: f64| score_of(lon, lat).map_or(0.0, |s| s as f64);
    let shape = Shape::new(
        179.0,
        37.0,
        1000.0,
        ShapeKind::Box {
            width: 400.0,
            height: 400.0,
        },
    );
    let (_, _, d) = shape.locate(score(179.5, 36.0)).unwrap_or_default();
    assert_eq!(format!("{:.4}", d / 1000.0), "119.8737");
    assert!(shape.locate(score(-179.5, 36.0)).is_some());
    assert!(shape.locate(score(170.0, 36.0)).is_none());
    // Every point found lies in a scanned cell.
    let cells = shape.search_cells();
    let inside = |s: f64| {
        cells
            .iter()
            .filter(|c| !c.is_none())
            .any(|c| c.score_range().0 <= s && s < c.score_range().1)
    };
    assert!(inside(score(179.5, 36.0)));
    assert!(inside(score(-179.5, 36.0)));
    let circle = Shape::new(179.0, 37.0, 1000.0, ShapeKind::Radius(0.0));
    assert_eq!(
        circle
            .search_cells()
            .iter()
            .filter(|c| !c.is_none())
            .count(),
        1
    );
}

#[test]
fn c_conversions() {
    assert_eq!(c_llrint(2.5), 2);
    assert_eq!(c_llrint(3.5), 4);
    assert_eq!(c_llrint(-0.4), 0);
    assert_eq!(c_llrint(f64::NAN), i64::MIN);
    assert_eq!(c_llrint(1e19), i64::MIN);
    assert_eq!(c_double_to_i64(-1.9), -1);
    assert_eq!(c_double_to_u64(-1.0), u64::MAX);
    assert_eq!(c_double_to_u64(1e19), 10_000_000_000_000_000_000);
}
