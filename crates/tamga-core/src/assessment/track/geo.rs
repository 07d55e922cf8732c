//! Distances on the map, in metres, for the road's rules.
//!
//! Distances of the scale the rules need (a corridor's half-width, a stop's radius, a post's
//! grounds: metres to kilometres) are taken on a local equirectangular projection around the
//! point judged, on a sphere of the Earth's mean radius: within 0.5% of the geodesic distance
//! for lines up to a few hundred kilometres away from the point, which only ever makes a
//! corridor a little wider or narrower than set, never changes which side of it a road lies.
//!
//! Every node must come to the same verdict on the same acts, so the arithmetic is only what
//! IEEE 754 makes exact on every platform: `+`, `-`, `*`, `/`, `sqrt` (no library `cos`, whose
//! last bit varies between C libraries): the cosine is a fixed Taylor polynomial, evaluated in
//! a fixed order.

use crate::act::Coordinates;
use rust_decimal::prelude::ToPrimitive;

/// The Earth's mean radius (IUGG), in metres.
const EARTH_RADIUS_METRES: f64 = 6_371_008.8;
/// Metres per degree of latitude on that sphere.
const METRES_PER_DEGREE: f64 = EARTH_RADIUS_METRES * std::f64::consts::PI / 180.0;

/// A point in degrees, as the rules compute with it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Degrees north.
    pub lat: f64,
    /// Degrees east.
    pub lon: f64,
}

impl Point {
    /// The point of exact coordinates (which the content rules keep on the globe).
    pub fn of(c: &Coordinates) -> Point {
        Point {
            lat: c.latitude.to_f64().unwrap_or(0.0),
            lon: c.longitude.to_f64().unwrap_or(0.0),
        }
    }
}

/// The cosine of `degrees` in `[-90, 90]`, by its Taylor series to the 22nd power (error below
/// 1e-15 there): the same bits on every platform.
fn cos_degrees(degrees: f64) -> f64 {
    let x = degrees.clamp(-90.0, 90.0) * (std::f64::consts::PI / 180.0);
    let x2 = x * x;
    // Horner's scheme of 1 - x²/2! + x⁴/4! - ... + x²²/22!, innermost term first.
    let mut sum = 1.0;
    let mut n = 22.0;
    while n > 0.0 {
        sum = 1.0 - x2 / (n * (n - 1.0)) * sum;
        n -= 2.0;
    }
    sum
}

/// Longitude difference `b - a` in degrees, taken the short way round.
fn lon_delta(a: f64, b: f64) -> f64 {
    let d = b - a;
    if d > 180.0 {
        d - 360.0
    } else if d < -180.0 {
        d + 360.0
    } else {
        d
    }
}

/// `p`'s offset from `origin` in metres (east, north) on the projection around `origin`,
/// whose east-west scale is `cos_origin`.
fn offset(origin: Point, cos_origin: f64, p: Point) -> (f64, f64) {
    (
        lon_delta(origin.lon, p.lon) * cos_origin * METRES_PER_DEGREE,
        (p.lat - origin.lat) * METRES_PER_DEGREE,
    )
}

/// The distance from `a` to `b`, in metres.
pub fn distance_metres(a: Point, b: Point) -> f64 {
    let (x, y) = offset(a, cos_degrees(a.lat), b);
    (x * x + y * y).sqrt()
}

/// A polyline ready for distance queries: each segment's bounds kept, so a point far from most
/// of a long line is measured against the few segments near it.
#[derive(Clone, Debug)]
pub struct Line {
    points: Vec<Point>,
    /// Per segment: (min lat, max lat) in degrees.
    lat_bounds: Vec<(f64, f64)>,
}

impl Line {
    /// The line through `points` in order.
    pub fn new(points: Vec<Point>) -> Line {
        let lat_bounds = points
            .windows(2)
            .map(|w| (w[0].lat.min(w[1].lat), w[0].lat.max(w[1].lat)))
            .collect();
        Line { points, lat_bounds }
    }

    /// The distance from `p` to the nearest point of the line, in metres (to the point itself
    /// for a line of one point).
    pub fn distance_metres(&self, p: Point) -> f64 {
        if self.points.len() == 1 {
            return distance_metres(p, self.points[0]);
        }
        let cos_p = cos_degrees(p.lat);
        let mut best = f64::INFINITY;
        for (i, w) in self.points.windows(2).enumerate() {
            // A segment whose latitudes lie further from p than the best so far cannot be
            // nearer: a degree of latitude is the same length everywhere.
            let (lo, hi) = self.lat_bounds[i];
            let lat_gap = if p.lat < lo {
                lo - p.lat
            } else if p.lat > hi {
                p.lat - hi
            } else {
                0.0
            };
            if lat_gap * METRES_PER_DEGREE >= best {
                continue;
            }
            let d = segment_distance(offset(p, cos_p, w[0]), offset(p, cos_p, w[1]));
            if d < best {
                best = d;
            }
        }
        best
    }
}

/// The distance from the origin to the segment from `a` to `b` (plane metres).
fn segment_distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (-(a.0 * dx + a.1 * dy) / len2).clamp(0.0, 1.0)
    };
    let (x, y) = (a.0 + t * dx, a.1 + t * dy);
    (x * x + y * y).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(lat: f64, lon: f64) -> Point {
        Point { lat, lon }
    }

    #[test]
    fn the_cosine_is_the_cosine() {
        for d in [-90.0, -60.0, -45.0, 0.0, 30.0, 42.87, 89.9, 90.0] {
            let want = (d * std::f64::consts::PI / 180.0_f64).cos();
            assert!((cos_degrees(d) - want).abs() < 1e-14, "{d}");
        }
    }

    #[test]
    fn distances_match_the_geodesic_at_road_scale() {
        // Manas airport to the Department in Bishkek: about 23.2 km.
        let d = distance_metres(pt(43.0613, 74.4776), pt(42.8746, 74.6030));
        assert!((d - 23_180.0).abs() < 300.0, "{d}");
        // One degree of latitude.
        let d = distance_metres(pt(42.0, 74.0), pt(43.0, 74.0));
        assert!((d - 111_195.0).abs() < 1.0, "{d}");
        // Across the antimeridian.
        let d = distance_metres(pt(0.0, 179.99), pt(0.0, -179.99));
        assert!((d - 2_224.0).abs() < 1.0, "{d}");
    }

    #[test]
    fn a_point_is_measured_to_the_nearest_segment() {
        let line = Line::new(vec![pt(42.0, 74.0), pt(42.0, 75.0), pt(43.0, 75.0)]);
        // On the first segment.
        assert!(line.distance_metres(pt(42.0, 74.5)) < 0.01);
        // 0.01° north of the first segment: about 1,112 m.
        let d = line.distance_metres(pt(42.01, 74.5));
        assert!((d - 1_112.0).abs() < 1.0, "{d}");
        // Beyond the first point: to the point itself.
        let d = line.distance_metres(pt(42.0, 73.99));
        assert!((d - 826.0).abs() < 2.0, "{d}");
        // Near the corner, nearer the second segment.
        let d = line.distance_metres(pt(42.5, 75.001));
        assert!((d - 82.0).abs() < 1.0, "{d}");
    }
}
