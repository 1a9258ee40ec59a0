//! Redis's geohash: the 52-bit scores under which the geo commands keep points in a sorted
//! set, the search areas that cover a radius or a box, and the distances on the sphere.
//!
//! Every number here must come out bit for bit as Redis 7.0 computes it, because scores
//! are visible (ZSCORE, WITHHASH), coordinates and distances are printed, and a point on
//! the edge of a search is in or out depending on the last bit of a distance. So the
//! arithmetic follows Redis's own order of operations, its constants (the latitude range
//! of EPSG:3857, the earth radius 6372797.560856 m) and its C conversions (a double
//! truncated to an integer the way x86-64 does it), and uses the C library's `sin`,
//! `cos` and `asin` through `f64`. How the geo commands parse arguments, search a sorted
//! set or format replies is the server's business, not this module's.
//!
//! A point's score interleaves its latitude and longitude offsets, 26 bits each (step 26),
//! latitude in the even bits. A search estimates a step at which one cell is about the
//! size of the search, then scans the cell of the centre and its eight neighbours (Redis's
//! `geohashCalculateAreasByShapeWGS84`), each a contiguous range of scores.

use std::f64::consts::PI;

/// The finest step: 26 bits of longitude and 26 of latitude, a 52-bit score.
pub const STEP_MAX: u8 = 26;
/// The smallest longitude accepted.
pub const LON_MIN: f64 = -180.0;
/// The largest longitude accepted.
pub const LON_MAX: f64 = 180.0;
/// The smallest latitude accepted (the limit of the Web Mercator projection).
pub const LAT_MIN: f64 = -85.05112878;
/// The largest latitude accepted.
pub const LAT_MAX: f64 = 85.05112878;
/// The earth radius Redis's distances use, in meters.
pub const EARTH_RADIUS_M: f64 = 6372797.560856;

/// Half the circumference along the equator in Web Mercator meters: the size of the
/// whole map at step 1, from which the step of a search is estimated.
const MERCATOR_MAX: f64 = 20037726.37;
/// Degrees to radians, computed as Redis's `M_PI / 180.0`.
const DEGREE: f64 = PI / 180.0;

fn deg_rad(degrees: f64) -> f64 {
    degrees * DEGREE
}

fn rad_deg(radians: f64) -> f64 {
    radians / DEGREE
}

/// A cell of the grid: `step` bits per axis, interleaved into `bits`. The all-zero value
/// (step 0) stands for "no cell", as Redis zeroes the neighbours a search can skip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The interleaved offsets, latitude in the even bits.
    pub bits: u64,
    /// Bits per axis.
    pub step: u8,
}

impl Cell {
    /// No cell.
    pub const NONE: Cell = Cell { bits: 0, step: 0 };

    /// Whether this is [`Cell::NONE`].
    pub fn is_none(self) -> bool {
        self.bits == 0 && self.step == 0
    }

    /// The cell's bits shifted to the 52-bit score scale (Redis's `geohashAlign52Bits`).
    fn align52(self) -> u64 {
        let shift = 52u32.saturating_sub(u32::from(self.step) * 2);
        self.bits.checked_shl(shift).unwrap_or(0)
    }

    /// The scores of the points inside the cell: from the first (included) to the last
    /// (excluded), as doubles the way a sorted set compares them.
    pub fn score_range(self) -> (f64, f64) {
        let next = Cell {
            bits: self.bits.wrapping_add(1),
            step: self.step,
        };
        (self.align52() as f64, next.align52() as f64)
    }
}

/// An interval of one coordinate.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Span {
    min: f64,
    max: f64,
}

/// Redis's coordinate ranges for scores.
const LON_SPAN: Span = Span {
    min: LON_MIN,
    max: LON_MAX,
};
const LAT_SPAN: Span = Span {
    min: LAT_MIN,
    max: LAT_MAX,
};
/// The latitude range of standard geohash strings (GEOHASH's output).
const STANDARD_LAT_SPAN: Span = Span {
    min: -90.0,
    max: 90.0,
};

/// The rectangle a cell covers.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Area {
    lon: Span,
    lat: Span,
}

/// Whether a longitude, latitude pair can be indexed (the check behind "invalid
/// longitude,latitude pair").
pub fn is_valid(lon: f64, lat: f64) -> bool {
    (LON_MIN..=LON_MAX).contains(&lon) && (LAT_MIN..=LAT_MAX).contains(&lat)
}

/// Spreads the low 32 bits of `x` to the even bits and those of `y` to the odd bits.
fn interleave(x: u32, y: u32) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut v = u64::from(v);
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        (v | (v << 1)) & 0x5555_5555_5555_5555
    }
    spread(x) | (spread(y) << 1)
}

/// The inverse of [`interleave`]: the even bits in the low half, the odd in the high.
fn deinterleave(bits: u64) -> u64 {
    fn gather(v: u64) -> u64 {
        let mut v = v & 0x5555_5555_5555_5555;
        v = (v | (v >> 1)) & 0x3333_3333_3333_3333;
        v = (v | (v >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v >> 4)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v >> 8)) & 0x0000_FFFF_0000_FFFF;
        (v | (v >> 16)) & 0x0000_0000_FFFF_FFFF
    }
    gather(bits) | (gather(bits >> 1) << 32)
}

/// C's conversion of a double to `uint64_t` as x86-64 code performs it: values that do
/// not fit (negative ones, infinities) give what the truncating instruction gives rather
/// than saturating as Rust's `as` does.
fn c_double_to_u64(x: f64) -> u64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if x < TWO_63 {
        c_double_to_i64(x).cast_unsigned()
    } else {
        c_double_to_i64(x - TWO_63).cast_unsigned() ^ (1 << 63)
    }
}

/// C's truncating conversion of a double to `long long` on x86-64: out of range and NaN
/// (not in any range) give `i64::MIN`.
pub fn c_double_to_i64(x: f64) -> i64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if !(-TWO_63..TWO_63).contains(&x) {
        i64::MIN
    } else {
        x as i64
    }
}

/// C's `llrint` on x86-64: rounds half to even; out of range and NaN give `i64::MIN`.
pub fn c_llrint(x: f64) -> i64 {
    c_double_to_i64(x.round_ties_even())
}

/// The cell of `step` bits per axis that holds the point, within the given ranges.
fn encode_in(lon_span: Span, lat_span: Span, lon: f64, lat: f64, step: u8) -> Option<Cell> {
    if step == 0 || step > 32 || !is_valid(lon, lat) {
        return None;
    }
    if lat < lat_span.min || lat > lat_span.max || lon < lon_span.min || lon > lon_span.max {
        return None;
    }
    let scale = (1u64 << step) as f64;
    let lat_offset = (lat - lat_span.min) / (lat_span.max - lat_span.min) * scale;
    let lon_offset = (lon - lon_span.min) / (lon_span.max - lon_span.min) * scale;
    // Both offsets are within 0..=2^step here, so the truncation is exact C behaviour.
    Some(Cell {
        bits: interleave(lat_offset as u32, lon_offset as u32),
        step,
    })
}

/// The cell of `step` bits per axis that holds the point; `None` when the point is out of
/// range.
pub fn encode(lon: f64, lat: f64, step: u8) -> Option<Cell> {
    encode_in(LON_SPAN, LAT_SPAN, lon, lat, step)
}

/// The sorted set score GEOADD stores for a point; `None` when the point is out of range.
pub fn score_of(lon: f64, lat: f64) -> Option<u64> {
    encode(lon, lat, STEP_MAX).map(Cell::align52)
}

/// The rectangle a cell covers.
fn area_of(cell: Cell) -> Option<Area> {
    if cell.is_none() {
        return None;
    }
    let separated = deinterleave(cell.bits);
    let lat_index = separated as u32;
    let lon_index = (separated >> 32) as u32;
    let cells = (1u64.checked_shl(u32::from(cell.step)).unwrap_or(0)) as f64;
    let lat_scale = LAT_SPAN.max - LAT_SPAN.min;
    let lon_scale = LON_SPAN.max - LON_SPAN.min;
    let edge = |index: u32, span: Span, scale: f64| span.min + (f64::from(index) / cells) * scale;
    Some(Area {
        lat: Span {
            min: edge(lat_index, LAT_SPAN, lat_scale),
            max: edge(lat_index.wrapping_add(1), LAT_SPAN, lat_scale),
        },
        lon: Span {
            min: edge(lon_index, LON_SPAN, lon_scale),
            max: edge(lon_index.wrapping_add(1), LON_SPAN, lon_scale),
        },
    })
}

/// The point a score stands for: the centre of its step-26 cell, clamped to the valid
/// ranges (Redis's `decodeGeohash`). Any score decodes, as in Redis, even one that no
/// GEOADD wrote.
pub fn decode_score(score: f64) -> (f64, f64) {
    let cell = Cell {
        bits: c_double_to_u64(score),
        step: STEP_MAX,
    };
    match area_of(cell) {
        Some(area) => (
            ((area.lon.min + area.lon.max) / 2.0).clamp(LON_MIN, LON_MAX),
            ((area.lat.min + area.lat.max) / 2.0).clamp(LAT_MIN, LAT_MAX),
        ),
        None => (0.0, 0.0),
    }
}

/// GEOHASH's 11-character string for a score: the decoded point encoded again over the
/// standard latitude range -90..90, in the geohash base32 alphabet, the eleventh
/// character always `0` (there are only 52 bits).
pub fn geohash_string(score: f64) -> [u8; 11] {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let (lon, lat) = decode_score(score);
    let bits = encode_in(LON_SPAN, STANDARD_LAT_SPAN, lon, lat, STEP_MAX).map_or(0, |c| c.bits);
    let mut out = [b'0'; 11];
    for (i, byte) in out.iter_mut().take(10).enumerate() {
        let shift = 52 - (i as u32 + 1) * 5;
        let index = ((bits >> shift) & 0x1f) as usize;
        *byte = ALPHABET.get(index).copied().unwrap_or(b'0');
    }
    out
}

/// The bits of the longitude offsets in a cell (the odd ones).
const LON_BITS: u64 = 0xaaaa_aaaa_aaaa_aaaa;
/// The bits of the latitude offsets in a cell (the even ones).
const LAT_BITS: u64 = 0x5555_5555_5555_5555;

/// `pattern` cut to the `2 * step` low bits a cell of `step` uses.
fn low_bits(pattern: u64, step: u8) -> u64 {
    pattern
        .checked_shr(64u32.saturating_sub(u32::from(step) * 2))
        .unwrap_or(0)
}

/// Moves a cell one column east (`east`) or west, wrapping around the map.
fn move_lon(cell: Cell, east: bool) -> Cell {
    let lon_bits = cell.bits & LON_BITS;
    let lat_bits = cell.bits & LAT_BITS;
    let lat_mask = low_bits(LAT_BITS, cell.step);
    let moved = if east {
        lon_bits.wrapping_add(lat_mask.wrapping_add(1))
    } else {
        (lon_bits | lat_mask).wrapping_sub(lat_mask.wrapping_add(1))
    };
    Cell {
        bits: (moved & low_bits(LON_BITS, cell.step)) | lat_bits,
        step: cell.step,
    }
}

/// Moves a cell one row north (`north`) or south, wrapping around the map.
fn move_lat(cell: Cell, north: bool) -> Cell {
    let lon_bits = cell.bits & LON_BITS;
    let lat_bits = cell.bits & LAT_BITS;
    let lon_mask = low_bits(LON_BITS, cell.step);
    let moved = if north {
        lat_bits.wrapping_add(lon_mask.wrapping_add(1))
    } else {
        (lat_bits | lon_mask).wrapping_sub(lon_mask.wrapping_add(1))
    };
    Cell {
        bits: lon_bits | (moved & low_bits(LAT_BITS, cell.step)),
        step: cell.step,
    }
}

/// The cell and its neighbours in the order a search visits them: the centre, north,
/// south, east, west, north-east, north-west, south-east, south-west.
fn with_neighbours(cell: Cell) -> [Cell; 9] {
    let (n, s) = (move_lat(cell, true), move_lat(cell, false));
    [
        cell,
        n,
        s,
        move_lon(cell, true),
        move_lon(cell, false),
        move_lon(n, true),
        move_lon(n, false),
        move_lon(s, true),
        move_lon(s, false),
    ]
}

/// The step at which a cell is about as wide as a search of `meters` around latitude
/// `lat` (Redis's `geohashEstimateStepsByRadius`).
fn estimate_step(meters: f64, lat: f64) -> u8 {
    if meters == 0.0 {
        return STEP_MAX;
    }
    let mut range = meters;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, i32::from(STEP_MAX)) as u8
}

/// What a search covers: a circle or a box around a centre. Sizes are in the caller's
/// unit; `to_meters` converts them, and is kept apart because Redis multiplies at
/// different points of the computation and the last bits depend on it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shape {
    /// The centre's longitude.
    pub lon: f64,
    /// The centre's latitude.
    pub lat: f64,
    /// Meters per unit of the sizes.
    pub to_meters: f64,
    /// The circle or the box.
    pub kind: ShapeKind,
    /// The cosine of the centre's latitude, which every distance from it needs: computed
    /// once, the same value Redis computes again for each point.
    centre_cos: f64,
}

/// The two shapes of a search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ShapeKind {
    /// A circle of this radius.
    Radius(f64),
    /// A box of this width (east-west) and height (north-south).
    Box {
        /// East-west size.
        width: f64,
        /// North-south size.
        height: f64,
    },
}

impl Shape {
    /// A search around (`lon`, `lat`).
    pub fn new(lon: f64, lat: f64, to_meters: f64, kind: ShapeKind) -> Shape {
        Shape {
            lon,
            lat,
            to_meters,
            kind,
            centre_cos: deg_rad(lat).cos(),
        }
    }

    /// The longitude and latitude bounds of the search: west, south, east, north.
    fn bounds(&self) -> [f64; 4] {
        let (half_height, half_width) = match self.kind {
            ShapeKind::Radius(r) => (self.to_meters * r, self.to_meters * r),
            ShapeKind::Box { width, height } => (
                self.to_meters * (height / 2.0),
                self.to_meters * (width / 2.0),
            ),
        };
        let lat_delta = rad_deg(half_height / EARTH_RADIUS_M);
        let lon_delta_top =
            rad_deg(half_width / EARTH_RADIUS_M / deg_rad(self.lat + lat_delta).cos());
        let lon_delta_bottom =
            rad_deg(half_width / EARTH_RADIUS_M / deg_rad(self.lat - lat_delta).cos());
        // The widest edge is the one nearer the equator.
        let lon_delta = if self.lat < 0.0 {
            lon_delta_bottom
        } else {
            lon_delta_top
        };
        [
            self.lon - lon_delta,
            self.lat - lat_delta,
            self.lon + lon_delta,
            self.lat + lat_delta,
        ]
    }

    /// The cells to scan, in Redis's order (see [`with_neighbours`]); skipped ones are
    /// [`Cell::NONE`].
    pub fn search_cells(&self) -> [Cell; 9] {
        let [min_lon, min_lat, max_lon, max_lat] = self.bounds();
        let meters = match self.kind {
            ShapeKind::Radius(r) => r,
            ShapeKind::Box { width, height } => {
                ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
            }
        } * self.to_meters;
        let mut step = estimate_step(meters, self.lat);
        let Some(mut centre) = encode(self.lon, self.lat, step) else {
            return [Cell::NONE; 9];
        };
        let mut cells = with_neighbours(centre);
        // Near a cell's edge the estimate can be one step too fine: the neighbours must
        // reach past the bounds on every side.
        let [_, north, south, east, west, ..] = cells.map(area_of);
        let too_fine = north.is_some_and(|a| a.lat.max < max_lat)
            || south.is_some_and(|a| a.lat.min > min_lat)
            || east.is_some_and(|a| a.lon.max < max_lon)
            || west.is_some_and(|a| a.lon.min > min_lon);
        if step > 1 && too_fine {
            step -= 1;
            centre = encode(self.lon, self.lat, step).unwrap_or(centre);
            cells = with_neighbours(centre);
        }
        if step >= 2
            && let Some(area) = area_of(centre)
        {
            // Neighbours entirely outside the bounds need no scan.
            let mut skip = |indexes: [usize; 3]| {
                for i in indexes {
                    if let Some(cell) = cells.get_mut(i) {
                        *cell = Cell::NONE;
                    }
                }
            };
            if area.lat.min < min_lat {
                skip([2, 8, 7]);
            }
            if area.lat.max > max_lat {
                skip([1, 5, 6]);
            }
            if area.lon.min < min_lon {
                skip([4, 8, 6]);
            }
            if area.lon.max > max_lon {
                skip([3, 7, 5]);
            }
        }
        cells
    }

    /// Where the point of `score` is and its distance in meters from the centre, when it
    /// lies within the shape (Redis's `geoWithinShape`).
    pub fn locate(&self, score: f64) -> Option<(f64, f64, f64)> {
        let (lon, lat) = decode_score(score);
        let point_cos = deg_rad(lat).cos();
        let from_centre =
            || haversine((self.lon, self.lat, self.centre_cos), (lon, lat, point_cos));
        let distance = match self.kind {
            ShapeKind::Radius(r) => {
                let d = from_centre();
                if d > r * self.to_meters {
                    return None;
                }
                d
            }
            ShapeKind::Box { width, height } => {
                let (width_m, height_m) = (width * self.to_meters, height * self.to_meters);
                if lat_distance(lat, self.lat) > height_m / 2.0 {
                    return None;
                }
                // East-west: along the point's parallel, to the centre's meridian.
                if haversine((lon, lat, point_cos), (self.lon, lat, point_cos)) > width_m / 2.0 {
                    return None;
                }
                from_centre()
            }
        };
        Some((lon, lat, distance))
    }
}

/// The distance in meters between two points on the same meridian.
fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_M * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// The haversine distance in meters between two points (Redis's `geohashGetDistance`).
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    haversine(
        (lon1, lat1, deg_rad(lat1).cos()),
        (lon2, lat2, deg_rad(lat2).cos()),
    )
}

/// [`distance`] between points given as (longitude, latitude, cosine of the latitude in
/// radians), for callers that already know a cosine; the same operations in the same
/// order as Redis, so the same bits.
fn haversine(from: (f64, f64, f64), to: (f64, f64, f64)) -> f64 {
    let ((lon1, lat1, cos1), (lon2, lat2, cos2)) = (from, to);
    let v = ((deg_rad(lon2) - deg_rad(lon1)) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let u = ((deg_rad(lat2) - deg_rad(lat1)) / 2.0).sin();
    let a = u * u + cos1 * cos2 * v * v;
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

#[cfg(test)]
#[path = "geohash_tests.rs"]
mod tests;
