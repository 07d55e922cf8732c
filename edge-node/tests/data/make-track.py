#!/usr/bin/env python3
"""Writes airport-to-department.nmea: the NMEA track edge-node/tests/gps.rs replays through
gpsfake and a real gpsd into a vehicle node.

The drive: from Manas International Airport (about 43.0613 N, 74.4776 E) south-east along the
airport road to Bishkek's north-western edge, then east across the city to the Precious Metals
Department (about 42.8746 N, 74.6030 E): about 25 km, some 70 km/h on the road and 40 km/h in
town. The road is drawn through the waypoints below; the fixes are interpolated along it.

Each cycle is an RMC and a GGA sentence with correct checksums, CRLF line ends. In order:

- a cold start at the airport: 60 cycles, one a second, without a fix (RMC status V, GGA quality
  0, no position, as a receiver writes them); gpsd also needs the first few seconds to recognise
  the receiver, so nothing of the track proper is lost then;
- the drive, a fix every 15 s, in which come:
  - "# mark: jump": one fix about 300 km away (Osh), between two fixes on the road;
  - garbage: free text and binary bytes (which gpsfake's own reader drops), a sentence cut short,
    and an RMC with a wrong checksum placing the vehicle on the road between two fixes (gpsd must
    drop it: if it did not, the test would see a position it does not expect);
  - "# mark: no fix": 6 cycles without a fix (the receiver under the city's overpass);
  - "# mark: future": one fix on the road dated 5 hours after its neighbours;
- the last fix at the Department.

The test shifts every time by the same amount so that the last fix falls just before the node's
clock (the future fix then stays hours ahead of it), and recomputes the checksums it should.
Comments (lines starting with #) are dropped by gpsfake; the test reads the marks.

Run it again after changing it: python3 edge-node/tests/data/make-track.py
"""

import datetime
import functools
import math
import operator
import os

# (latitude, longitude, km/h on the way to the next waypoint)
WAYPOINTS = [
    (43.06130, 74.47760, 40),  # Manas International Airport, the terminal
    (43.05300, 74.48500, 70),  # the airport road, south-east
    (43.03800, 74.50000, 70),
    (43.02000, 74.51500, 70),
    (43.00000, 74.53000, 70),
    (42.97500, 74.54200, 70),
    (42.95000, 74.54800, 60),
    (42.92000, 74.55500, 50),  # Bishkek's north-western edge
    (42.90000, 74.56500, 40),
    (42.88800, 74.58000, 40),  # east across the city
    (42.88000, 74.59000, 40),
    (42.87600, 74.59800, 30),
    (42.87460, 74.60300, 0),   # the Precious Metals Department
]
START = datetime.datetime(2026, 11, 23, 6, 40, 0)
COLD_START_CYCLES = 60
STEP_SECONDS = 15
OSH = (40.52860, 72.79850)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "airport-to-department.nmea")


def checksum(body):
    return "%02X" % functools.reduce(operator.xor, body.encode("ascii"), 0)


def sentence(body, wrong=False):
    cs = checksum(body)
    if wrong:
        cs = "%02X" % (int(cs, 16) ^ 0x5A)
    return "$%s*%s" % (body, cs)


def nmea_angle(value, digits):
    """Degrees on a 1e-5 grid as NMEA's (d)ddmm.mmmm, exactly: 1e-5 degree is 6e-4 minute."""
    e5 = round(abs(value) * 100000)
    whole, rest = divmod(e5, 100000)
    minutes_e4 = rest * 6
    return "%0*d%02d.%04d" % (digits, whole, minutes_e4 // 10000, minutes_e4 % 10000)


def cycle(t, fix, knots=0.0, course=0.0, wrong_rmc=False):
    hms = t.strftime("%H%M%S") + ".00"
    dmy = t.strftime("%d%m%y")
    if fix is None:
        return [
            sentence("GPRMC,%s,V,,,,,,,%s,,,N" % (hms, dmy)),
            sentence("GPGGA,%s,,,,,0,00,99.99,,M,,M,," % hms),
        ]
    lat, lon = fix
    la = "%s,%s" % (nmea_angle(lat, 2), "N" if lat >= 0 else "S")
    lo = "%s,%s" % (nmea_angle(lon, 3), "E" if lon >= 0 else "W")
    rmc = sentence(
        "GPRMC,%s,A,%s,%s,%.1f,%.1f,%s,,,A" % (hms, la, lo, knots, course, dmy), wrong_rmc
    )
    if wrong_rmc:
        return [rmc]
    return [rmc, sentence("GPGGA,%s,%s,%s,1,09,0.9,760.0,M,-30.0,M,," % (hms, la, lo))]


def km(a, b):
    (la1, lo1), (la2, lo2) = a, b
    p1, p2 = math.radians(la1), math.radians(la2)
    dp, dl = p2 - p1, math.radians(lo2 - lo1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def bearing(a, b):
    (la1, lo1), (la2, lo2) = a, b
    p1, p2, dl = math.radians(la1), math.radians(la2), math.radians(lo2 - lo1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(y, x)) + 360) % 360


def drive():
    """(position on the 1e-5 grid, km/h, course) every STEP_SECONDS along the waypoints."""
    points = []
    segment, along = 0, 0.0
    while True:
        a, b = WAYPOINTS[segment], WAYPOINTS[segment + 1]
        length = km(a[:2], b[:2])
        f = along / length
        here = (round(a[0] + (b[0] - a[0]) * f, 5), round(a[1] + (b[1] - a[1]) * f, 5))
        points.append((here, a[2], bearing(a[:2], b[:2])))
        along += a[2] * STEP_SECONDS / 3600
        while along >= length:
            along -= length
            segment += 1
            if segment == len(WAYPOINTS) - 1:
                end = WAYPOINTS[-1][:2]
                points.append((end, 0.0, bearing(a[:2], end)))
                return points
            a, b = WAYPOINTS[segment], WAYPOINTS[segment + 1]
            length = km(a[:2], b[:2])


def main():
    lines = [
        "# Manas International Airport to the Precious Metals Department, Bishkek: a drive for",
        "# tamga-edge's GPS test (edge-node/tests/gps.rs), written by make-track.py beside it.",
        "# A cold start without a fix, then a fix every %d s; marks name what the test expects." % STEP_SECONDS,
    ]
    t = START
    for _ in range(COLD_START_CYCLES):
        lines += cycle(t, None)
        t += datetime.timedelta(seconds=1)
    points = drive()
    n = len(points)
    jump_at, garbage_at, no_fix_at, future_at = n // 4, n // 3, n // 2, (2 * n) // 3
    for i, (here, kmh, course) in enumerate(points):
        knots = kmh / 1.852
        if i == jump_at:
            lines.append("# mark: jump")
            lines += cycle(t, OSH, knots, course)
            t += datetime.timedelta(seconds=STEP_SECONDS)
        if i == garbage_at:
            lines.append("the receiver's cable was knocked: what follows is not NMEA")
            lines.append("\x01\x02\x7f\x03 \x04\x05")
            lines.append("$GPRMC,%s" % t.strftime("%H%M"))
            # On the road, between two fixes, but with a wrong checksum.
            wrong_at = t + datetime.timedelta(seconds=-5)
            lines += cycle(wrong_at, here, knots, course, wrong_rmc=True)
        if i == no_fix_at:
            lines.append("# mark: no fix")
            for _ in range(6):
                lines += cycle(t, None)
                t += datetime.timedelta(seconds=STEP_SECONDS)
        if i == future_at:
            lines.append("# mark: future")
            lines += cycle(t + datetime.timedelta(hours=5), here, knots, course)
            t += datetime.timedelta(seconds=STEP_SECONDS)
        lines += cycle(t, here, knots, course)
        t += datetime.timedelta(seconds=STEP_SECONDS)
    with open(OUT, "w", newline="") as out:
        out.write("\r\n".join(lines) + "\r\n")
    print("wrote %s: %d fixes on the road, the last at %s" % (OUT, n, t - datetime.timedelta(seconds=STEP_SECONDS)))


if __name__ == "__main__":
    main()
