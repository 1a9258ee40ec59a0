//! Geo searches: GEOSEARCH and GEOSEARCHSTORE, and the older GEORADIUS,
//! GEORADIUSBYMEMBER and their read-only `_RO` forms, all one procedure as in Redis
//! (`georadiusGeneric`).
//!
//! A search parses its arguments in Redis's order (the source key's type first, then the
//! centre and size of the older forms, then the options left to right, each failing with
//! Redis's text as soon as it is read), scans the cells storage's geohash picks as score
//! ranges of the sorted set, keeps the points inside the shape, sorts them by distance
//! with Redis's own sorts (`geo_sort.rs`, for the order of ties), then replies or stores.
//! COUNT never preallocates: it only bounds what is returned.

use scarlet_protocol::Args;
use scarlet_storage::geohash::{self, Shape, ShapeKind};
use scarlet_storage::zset::ScoreRange;
use scarlet_storage::{Value, ZsetValue};

use super::Ctx;
use super::args;
use super::geo::{coordinates, position, reply_coordinate, reply_distance, size, unit};
use super::geo_sort::{compare_ascending, merge_sort, partial_quicksort};
use super::spec::{BeginSearch, CommandSpec, FindKeys, Group, KeySpec, acl, doc, flag, key};
use super::zset::limits;
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;

/// The unit choice, as COMMAND DOCS describes it.
macro_rules! units {
    () => {
        "unit=(M|KM|FT|MI)"
    };
}

/// GEORADIUS's arguments after the radius; `$any` is how COMMAND DOCS shows ANY (Redis
/// gives GEORADIUS's a version and GEORADIUSBYMEMBER's none).
macro_rules! radius_options {
    ($any:literal) => {
        concat!(
            units!(),
            " [WITHCOORD] [WITHDIST] [WITHHASH] [count=(COUNT count:integer ",
            $any,
            ")] order=[ASC|DESC]"
        )
    };
}

/// GEOSEARCH's centre and shape.
macro_rules! search_shape {
    () => {
        concat!(
            "from=(FROMMEMBER member|longitude_latitude=FROMLONLAT (longitude:double latitude:double)) ",
            "by=(circle=(BYRADIUS radius:double ",
            units!(),
            ")|box=(BYBOX width:double height:double ",
            units!(),
            ")) order=[ASC|DESC] [count=(COUNT count:integer [ANY])]"
        )
    };
}

/// The STORE or STOREDIST key of GEORADIUS and GEORADIUSBYMEMBER, searched from `from`.
const fn store_key(keyword: &'static str, from: i32) -> KeySpec {
    KeySpec {
        flags: key::OW | key::UPDATE,
        begin: BeginSearch::Keyword {
            keyword,
            startfrom: from,
        },
        find: FindKeys::Range {
            lastkey: 0,
            step: 1,
            limit: 0,
        },
        notes: None,
    }
}

const RADIUS_COMPLEXITY: &str = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.";
const SEARCH_COMPLEXITY: &str = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape";

/// The search part of the geo family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "georadius",
        arity: -6,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::GEO,
        keys: &[
            KeySpec::single(1, key::RO | key::ACCESS),
            store_key("STORE", 6),
            store_key("STOREDIST", 6),
        ],
        handler: Some(georadius),
        summary: "Finds the points of a geospatial index within a radius of a point, optionally storing them",
        since: "3.2.0",
        complexity: RADIUS_COMPLEXITY,
        group: Group::Geo,
        syntax: concat!(
            "key:key longitude:double latitude:double radius:double ",
            radius_options!("[ANY]@6.2.0"),
            " [STORE key:key1] [STOREDIST key:key2]"
        ),
        history: &[
            ("6.2.0", "Added the `ANY` option for `COUNT`."),
            ("7.0.0", "Added support for uppercase unit names."),
        ],
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "georadius_ro",
        arity: -6,
        flags: flag::READONLY,
        acl: acl::GEO,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(georadius_ro),
        summary: "Finds the points of a geospatial index within a radius of a point",
        since: "3.2.10",
        complexity: RADIUS_COMPLEXITY,
        group: Group::Geo,
        syntax: concat!(
            "key:key longitude:double latitude:double radius:double ",
            radius_options!("[ANY]@6.2.0")
        ),
        history: &[("6.2.0", "Added the `ANY` option for `COUNT`.")],
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`GEOSEARCH` with the `BYRADIUS` argument"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "georadiusbymember",
        arity: -5,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::GEO,
        keys: &[
            KeySpec::single(1, key::RO | key::ACCESS),
            store_key("STORE", 5),
            store_key("STOREDIST", 5),
        ],
        handler: Some(georadiusbymember),
        summary: "Finds the points of a geospatial index within a radius of one of its members, optionally storing them",
        since: "3.2.0",
        complexity: RADIUS_COMPLEXITY,
        group: Group::Geo,
        syntax: concat!(
            "key:key member radius:double ",
            radius_options!("[ANY]"),
            " [STORE key:key1] [STOREDIST key:key2]"
        ),
        history: &[("7.0.0", "Added support for uppercase unit names.")],
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("6.2.0"),
        replaced_by: Some(
            "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments",
        ),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "georadiusbymember_ro",
        arity: -5,
        flags: flag::READONLY,
        acl: acl::GEO,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(georadiusbymember_ro),
        summary: "Finds the points of a geospatial index within a radius of one of its members",
        since: "3.2.10",
        complexity: RADIUS_COMPLEXITY,
        group: Group::Geo,
        syntax: concat!("key:key member radius:double ", radius_options!("[ANY]")),
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "geosearch",
        arity: -7,
        flags: flag::READONLY,
        acl: acl::GEO,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(geosearch),
        summary: "Finds the points of a geospatial index within a circle or a box",
        since: "6.2.0",
        complexity: SEARCH_COMPLEXITY,
        group: Group::Geo,
        syntax: concat!(
            "key:key ",
            search_shape!(),
            " [WITHCOORD] [WITHDIST] [WITHHASH]"
        ),
        history: &[("7.0.0", "Added support for uppercase unit names.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "geosearchstore",
        arity: -8,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::GEO,
        keys: &[
            KeySpec::single(1, key::OW | key::UPDATE),
            KeySpec::single(2, key::RO | key::ACCESS),
        ],
        handler: Some(geosearchstore),
        summary: "Stores the points of a geospatial index within a circle or a box in another key",
        since: "6.2.0",
        complexity: SEARCH_COMPLEXITY,
        group: Group::Geo,
        syntax: concat!(
            "destination:key source:key1 ",
            search_shape!(),
            " [STOREDIST]"
        ),
        history: &[("7.0.0", "Added support for uppercase unit names.")],
        ..CommandSpec::DEFAULT
    },
];

/// Which command is searching (Redis's `RADIUS_*` and `GEOSEARCH*` flags).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// GEORADIUS: centre and radius after the key; STORE allowed unless `_RO`.
    Radius { read_only: bool },
    /// GEORADIUSBYMEMBER: a member and a radius after the key.
    ByMember { read_only: bool },
    /// GEOSEARCH.
    Search,
    /// GEOSEARCHSTORE: the destination before the source.
    SearchStore,
}

impl Form {
    fn is_search(self) -> bool {
        matches!(self, Form::Search | Form::SearchStore)
    }

    fn takes_store_key(self) -> bool {
        matches!(
            self,
            Form::Radius { read_only: false } | Form::ByMember { read_only: false }
        )
    }
}

/// In which order results come.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    /// As found (cell by cell, by score within a cell).
    Unsorted,
    /// Nearest first.
    Ascending,
    /// Farthest first.
    Descending,
}

/// A search's request, once parsed.
struct Request<'a> {
    centre: Option<(f64, f64)>,
    kind: Option<ShapeKind>,
    to_meters: f64,
    with_dist: bool,
    with_hash: bool,
    with_coord: bool,
    order: Order,
    /// At most this many results; 0 for all.
    count: u64,
    /// Stop searching once `count` points are found.
    any: bool,
    /// The key to store results in, and whether distances become the scores.
    store: Option<(&'a [u8], bool)>,
}

/// A point found.
struct Found {
    member: Vec<u8>,
    score: f64,
    lon: f64,
    lat: f64,
    /// In meters while searching, in the request's unit once sorted.
    distance: f64,
}

fn georadius(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    search(ctx, args, 1, Form::Radius { read_only: false })
}

fn georadius_ro(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    search(ctx, args, 1, Form::Radius { read_only: true })
}

fn georadiusbymember(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    search(ctx, args, 1, Form::ByMember { read_only: false })
}

fn georadiusbymember_ro(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    search(ctx, args, 1, Form::ByMember { read_only: true })
}

fn geosearch(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    search(ctx, args, 1, Form::Search)
}

fn geosearchstore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    search(ctx, args, 2, Form::SearchStore)
}

/// A radius and its unit.
fn radius(args: Args<'_>, at: usize) -> Result<(f64, f64), CmdError> {
    let radius = size(args.at(at), "need numeric radius")?;
    if radius < 0.0 {
        return Err(CmdError::err("radius cannot be negative"));
    }
    Ok((radius, unit(args.at(at + 1))?))
}

/// A box's width, height and unit.
fn box_size(args: Args<'_>, at: usize) -> Result<(f64, f64, f64), CmdError> {
    let width = size(args.at(at), "need numeric width")?;
    let height = size(args.at(at + 1), "need numeric height")?;
    if height < 0.0 || width < 0.0 {
        return Err(CmdError::err("height or width cannot be negative"));
    }
    Ok((width, height, unit(args.at(at + 2))?))
}

/// The centre of a search around a member.
fn member_centre(zset: &ZsetValue, member: &[u8]) -> Result<(f64, f64), CmdError> {
    position(zset, member).ok_or(CmdError::err("could not decode requested zset member"))
}

/// Parses everything after the source key, in Redis's order; `zset` is the source, whose
/// members FROMMEMBER and GEORADIUSBYMEMBER name.
fn parse<'a>(
    args: Args<'a>,
    form: Form,
    zset: Option<&ZsetValue>,
) -> Result<Request<'a>, CmdError> {
    let mut request = Request {
        centre: None,
        kind: None,
        to_meters: 1.0,
        with_dist: false,
        with_hash: false,
        with_coord: false,
        order: Order::Unsorted,
        count: 0,
        any: false,
        store: None,
    };
    let first_option = match form {
        Form::Radius { .. } => {
            request.centre = Some(coordinates(args.at(2), args.at(3))?);
            let (r, to_meters) = radius(args, 4)?;
            request.kind = Some(ShapeKind::Radius(r));
            request.to_meters = to_meters;
            6
        }
        Form::ByMember { .. } => {
            // Without a source the reply is empty whatever the radius says.
            if let Some(zset) = zset {
                request.centre = Some(member_centre(zset, args.at(2))?);
                let (r, to_meters) = radius(args, 3)?;
                request.kind = Some(ShapeKind::Radius(r));
                request.to_meters = to_meters;
            }
            5
        }
        Form::Search => 2,
        Form::SearchStore => {
            request.store = Some((args.at(1), false));
            3
        }
    };
    let (mut from_member, mut from_lonlat, mut by_radius, mut by_box) =
        (false, false, false, false);
    let mut i = first_option;
    while i < args.len() {
        let arg = args.at(i);
        let has = |n: usize| i + n < args.len();
        if args::is(arg, "withdist") {
            request.with_dist = true;
        } else if args::is(arg, "withhash") {
            request.with_hash = true;
        } else if args::is(arg, "withcoord") {
            request.with_coord = true;
        } else if args::is(arg, "any") {
            request.any = true;
        } else if args::is(arg, "asc") {
            request.order = Order::Ascending;
        } else if args::is(arg, "desc") {
            request.order = Order::Descending;
        } else if args::is(arg, "count") && has(1) {
            let count = args::int(args.at(i + 1))?;
            if count <= 0 {
                return Err(CmdError::err("COUNT must be > 0"));
            }
            request.count = count.unsigned_abs();
            i += 1;
        } else if (args::is(arg, "store") || args::is(arg, "storedist"))
            && has(1)
            && form.takes_store_key()
        {
            request.store = Some((args.at(i + 1), args::is(arg, "storedist")));
            i += 1;
        } else if args::is(arg, "storedist") && form == Form::SearchStore {
            request.store = Some((args.at(1), true));
        } else if args::is(arg, "frommember") && has(1) && form.is_search() && !from_lonlat {
            if let Some(zset) = zset {
                request.centre = Some(member_centre(zset, args.at(i + 1))?);
            }
            from_member = true;
            i += 1;
        } else if args::is(arg, "fromlonlat") && has(2) && form.is_search() && !from_member {
            request.centre = Some(coordinates(args.at(i + 1), args.at(i + 2))?);
            from_lonlat = true;
            i += 2;
        } else if args::is(arg, "byradius") && has(2) && form.is_search() && !by_box {
            let (r, to_meters) = radius(args, i + 1)?;
            request.kind = Some(ShapeKind::Radius(r));
            request.to_meters = to_meters;
            by_radius = true;
            i += 2;
        } else if args::is(arg, "bybox") && has(3) && form.is_search() && !by_radius {
            let (width, height, to_meters) = box_size(args, i + 1)?;
            request.kind = Some(ShapeKind::Box { width, height });
            request.to_meters = to_meters;
            by_box = true;
            i += 3;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if request.store.is_some() && (request.with_dist || request.with_hash || request.with_coord) {
        return Err(CmdError::err(format!(
            "{} is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
            if form == Form::SearchStore {
                "GEOSEARCHSTORE"
            } else {
                "STORE option in GEORADIUS"
            }
        )));
    }
    let name = args::c_str(args.at(0));
    if form.is_search() && !(from_member || from_lonlat) {
        return Err(CmdError::err(format!(
            "exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}"
        )));
    }
    if form.is_search() && !(by_radius || by_box) {
        return Err(CmdError::err(format!(
            "exactly one of BYRADIUS and BYBOX can be specified for {name}"
        )));
    }
    if request.any && request.count == 0 {
        return Err(CmdError::err("the ANY argument requires COUNT argument"));
    }
    Ok(request)
}

/// Every point of `zset` inside `shape`, cell by cell in Redis's order, stopping at
/// `limit` points when it is not 0 (Redis's `membersOfAllNeighbors`).
fn find(zset: &ZsetValue, shape: &Shape, limit: u64) -> Vec<Found> {
    let mut found = Vec::new();
    let full = |found: &Vec<Found>| limit > 0 && found.len() as u64 >= limit;
    let cells = shape.search_cells();
    let mut last_scanned = 0;
    for (i, cell) in cells.iter().enumerate() {
        if cell.is_none() {
            continue;
        }
        // A huge radius can make neighbours coincide; Redis skips a cell equal to the
        // last one it scanned (the centre never counts as that).
        if last_scanned > 0 && cells.get(last_scanned) == Some(cell) {
            continue;
        }
        if full(&found) {
            break;
        }
        let (min, max) = cell.score_range();
        let range = ScoreRange {
            min,
            max,
            min_exclusive: false,
            max_exclusive: true,
        };
        for (member, score) in zset.range(zset.score_ranks(&range), false) {
            if let Some((lon, lat, distance)) = shape.locate(score) {
                found.push(Found {
                    member: member.to_vec(),
                    score,
                    lon,
                    lat,
                    distance,
                });
            }
            if full(&found) {
                break;
            }
        }
        last_scanned = i;
    }
    found
}

/// The positions of the first `returned` results in reply order.
fn result_order(found: &[Found], order: Order, returned: usize) -> Vec<usize> {
    let mut positions: Vec<usize> = (0..found.len()).collect();
    let distance = |i: usize| found.get(i).map_or(0.0, |f| f.distance);
    let compare = |a: usize, b: usize| {
        let ascending = compare_ascending(distance(a), distance(b));
        if order == Order::Descending {
            -ascending
        } else {
            ascending
        }
    };
    if order != Order::Unsorted {
        if returned == found.len() {
            merge_sort(&mut positions, &compare);
        } else if returned > 0 {
            partial_quicksort(&mut positions, &compare, 0, returned - 1);
        }
    }
    positions.truncate(returned);
    positions
}

/// The whole search (Redis's `georadiusGeneric`); `source_at` is the source key's index.
fn search(ctx: &mut Ctx<'_>, args: Args<'_>, source_at: usize, form: Form) -> CmdResult {
    let db = ctx.db();
    let zset = ctx
        .server
        .read_zset(db, args.at(source_at), ctx.now, ReadFlags::NORMAL)?;
    let zset = zset.map(|z| &*z);
    let mut request = parse(args, form, zset)?;
    let (Some(zset), Some((lon, lat)), Some(kind)) = (zset, request.centre, request.kind) else {
        // No source: an empty result (and an emptied destination).
        match request.store {
            Some((dst, _)) => {
                delete_destination(ctx, dst);
                ctx.client.reply.int(0);
            }
            None => ctx.client.reply.array(0),
        }
        return Ok(());
    };
    // COUNT means the nearest ones, unless ANY asked for any of them.
    if request.count > 0 && request.order == Order::Unsorted && !request.any {
        request.order = Order::Ascending;
    }
    let shape = Shape::new(lon, lat, request.to_meters, kind);
    let mut found = find(zset, &shape, if request.any { request.count } else { 0 });
    let returned = match usize::try_from(request.count) {
        Ok(count) if count > 0 => count.min(found.len()),
        _ => found.len(),
    };
    let positions = result_order(&found, request.order, returned);
    for point in &mut found {
        point.distance /= request.to_meters;
    }
    match request.store {
        Some((dst, store_distance)) => {
            let event = if form.is_search() {
                "geosearchstore"
            } else {
                "georadiusstore"
            };
            store(ctx, dst, &found, &positions, store_distance, event);
        }
        None => reply_found(ctx, &request, &found, &positions),
    }
    Ok(())
}

fn reply_found(ctx: &mut Ctx<'_>, request: &Request<'_>, found: &[Found], positions: &[usize]) {
    let reply = &mut ctx.client.reply;
    let extras = usize::from(request.with_dist)
        + usize::from(request.with_hash)
        + usize::from(request.with_coord);
    reply.array(positions.len());
    for point in positions.iter().filter_map(|&i| found.get(i)) {
        if extras > 0 {
            reply.array(extras + 1);
        }
        reply.bulk(&point.member);
        if request.with_dist {
            reply_distance(reply, point.distance);
        }
        if request.with_hash {
            reply.int(geohash::c_double_to_i64(point.score));
        }
        if request.with_coord {
            reply.array(2);
            reply_coordinate(reply, point.lon);
            reply_coordinate(reply, point.lat);
        }
    }
}

/// An empty result deletes the destination, with Redis's "del" event.
fn delete_destination(ctx: &mut Ctx<'_>, dst: &[u8]) {
    let db = ctx.db();
    if ctx.server.delete_key(db, dst) {
        ctx.server.signal_modified_key(db, dst);
        ctx.server.notify(class::GENERIC, "del", dst, db);
    }
}

/// GEORADIUS STORE and GEOSEARCHSTORE: the results as a sorted set under `dst`, scored
/// by geohash or by distance, announced as `event`; nothing found deletes `dst`.
fn store(
    ctx: &mut Ctx<'_>,
    dst: &[u8],
    found: &[Found],
    positions: &[usize],
    store_distance: bool,
    event: &str,
) {
    let db = ctx.db();
    let mut pairs: Vec<(Vec<u8>, f64)> = positions
        .iter()
        .filter_map(|&i| found.get(i))
        .map(|p| {
            let score = if store_distance { p.distance } else { p.score };
            (p.member.clone(), score)
        })
        .collect();
    if pairs.is_empty() {
        delete_destination(ctx, dst);
        ctx.client.reply.int(0);
        return;
    }
    pairs.sort_by(|(m1, s1), (m2, s2)| {
        s1.partial_cmp(s2)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| m1.cmp(m2))
    });
    let zset = ZsetValue::from_sorted(&pairs, &limits(ctx));
    let stored = pairs.len();
    ctx.server
        .set_key(db, dst, Value::Zset(Box::new(zset)), ctx.now, false);
    ctx.server.notify(class::ZSET, event, dst, db);
    // Redis counts one change per member stored; set_key counted one already.
    ctx.server.dirty += u64::try_from(stored - 1).unwrap_or(0);
    ctx.client.reply.count(stored);
}
