"""Coordinates: stored as WGS-84 (GPS, Open311, the browser's location), converted for the
map a page links to or shows.

China's public maps use shifted datums: GCJ-02 (国测局, AMap and Tencent) and BD-09 (Baidu,
GCJ-02 shifted again); 天地图 and OpenStreetMap use WGS-84 (CGCS2000 differs by centimetres).
The GCJ-02 shift is the published approximation everyone implements (a Krasovsky ellipsoid
and two trigonometric series; outside China nothing is shifted), written here from its
formulas; BD-09 rotates and offsets GCJ-02. The inverse, GCJ-02 → WGS-84, is iterated to a
millimetre. Where a demand's place is shown on a map: ``map_link`` (``SHISHI_MAP_LINK``).
"""

from __future__ import annotations

import math
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings

_A = 6378245.0  # Krasovsky 1940, the GCJ-02 shift's ellipsoid
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


def in_china(lat: float, lon: float) -> bool:
    """The rough box the shift applies in (as the maps themselves apply it)."""
    return 73.66 < lon < 135.05 and 3.86 < lat < 53.55


def _shift_lat(x: float, y: float) -> float:
    out = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    out += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    out += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    out += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    return out


def _shift_lon(x: float, y: float) -> float:
    out = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    out += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    out += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    out += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return out


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    if not in_china(lat, lon):
        return lat, lon
    d_lat = _shift_lat(lon - 105.0, lat - 35.0)
    d_lon = _shift_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    root = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * root) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / root * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """The inverse, by iteration (the shift varies slowly: a few rounds reach 1e-9°)."""
    w_lat, w_lon = lat, lon
    for _round in range(10):
        g_lat, g_lon = wgs84_to_gcj02(w_lat, w_lon)
        e_lat, e_lon = g_lat - lat, g_lon - lon
        if abs(e_lat) < 1e-10 and abs(e_lon) < 1e-10:
            break
        w_lat, w_lon = w_lat - e_lat, w_lon - e_lon
    return w_lat, w_lon


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """The published inverse of ``gcj02_to_bd09`` (undoes the offset, then the rotation;
    within a few centimetres of the exact inverse)."""
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def bd09_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """A Baidu (BD-09) point in WGS-84: to GCJ-02, then the iterated inverse shift."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


def to_wgs84(datum: str, lat: float, lon: float) -> tuple[float, float]:
    """A point given in ``datum`` ("wgs84", "gcj02" or "bd09") in WGS-84."""
    if datum == "gcj02":
        return gcj02_to_wgs84(lat, lon)
    if datum == "bd09":
        return bd09_to_wgs84(lat, lon)
    if datum == "wgs84":
        return lat, lon
    raise ValueError(f"unknown datum {datum!r}")


def wgs84_to(datum: str, lat: float, lon: float) -> tuple[float, float]:
    """A WGS-84 point in ``datum`` ("wgs84", "gcj02" or "bd09")."""
    if datum == "gcj02":
        return wgs84_to_gcj02(lat, lon)
    if datum == "bd09":
        return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))
    if datum == "wgs84":
        return lat, lon
    raise ValueError(f"unknown datum {datum!r}")


# The maps a page may link a place to, and the datum each takes.
MAPS = {
    "amap": "gcj02",
    "baidu": "bd09",
    "osm": "wgs84",
}


def map_link(lat: float | Decimal | None, lon: float | Decimal | None, label: str = "") -> str:
    """A link that opens the WGS-84 point on ``SHISHI_MAP_LINK``'s map ("" when there is no
    point or no map is configured, as on an intranet)."""
    which = getattr(settings, "SHISHI_MAP_LINK", "")
    if lat is None or lon is None or which not in MAPS:
        return ""
    y, x = wgs84_to(MAPS[which], float(lat), float(lon))
    if which == "amap":
        query = {"position": f"{x:.6f},{y:.6f}", "name": label, "coordinate": "gaode"}
        return "https://uri.amap.com/marker?" + urlencode(query)
    if which == "baidu":
        query = {
            "location": f"{y:.6f},{x:.6f}",
            "title": label,
            "content": label,
            "coord_type": "bd09ll",
            "output": "html",
            "src": "shishi",
        }
        return "https://api.map.baidu.com/marker?" + urlencode(query)
    return f"https://www.openstreetmap.org/?mlat={y:.6f}&mlon={x:.6f}#map=17/{y:.6f}/{x:.6f}"
