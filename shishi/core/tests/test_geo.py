"""WGS-84 → GCJ-02 → BD-09, the inverse, and the map links."""

from __future__ import annotations

import pytest
from django.test import override_settings

from shishi.core import geo

# Reference values: the test of wandergis/coordtransform (MIT), the conversions most Chinese
# map code follows, for Tiananmen (116.404, 39.915).
BEIJING = (39.915, 116.404)


def test_wgs84_to_gcj02_matches_the_reference() -> None:
    lat, lon = geo.wgs84_to_gcj02(*BEIJING)
    assert lat == pytest.approx(39.91640428150164, abs=1e-9)
    assert lon == pytest.approx(116.41024449916938, abs=1e-9)


def test_gcj02_to_bd09_matches_the_reference() -> None:
    lat, lon = geo.gcj02_to_bd09(*BEIJING)
    assert lat == pytest.approx(39.92133699351021, abs=1e-9)
    assert lon == pytest.approx(116.41036949371029, abs=1e-9)


@pytest.mark.parametrize("point", [(45.7567, 126.6424), (22.54, 114.06), (29.65, 91.13)])
def test_the_inverse_returns_the_point(point: tuple[float, float]) -> None:
    shifted = geo.wgs84_to_gcj02(*point)
    assert 0.0005 < abs(shifted[0] - point[0]) + abs(shifted[1] - point[1]) < 0.02
    back = geo.gcj02_to_wgs84(*shifted)
    assert back == pytest.approx(point, abs=1e-8)


def test_outside_china_nothing_moves() -> None:
    assert geo.wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)
    assert geo.wgs84_to("wgs84", 45.75, 126.64) == (45.75, 126.64)
    with pytest.raises(ValueError):
        geo.wgs84_to("mars", 45.75, 126.64)


def test_map_links() -> None:
    with override_settings(SHISHI_MAP_LINK="amap"):
        link = geo.map_link(39.915, 116.404, "Q1")
        assert link.startswith("https://uri.amap.com/marker?position=116.410244%2C39.916404")
    with override_settings(SHISHI_MAP_LINK="baidu"):
        lat, lon = geo.gcj02_to_bd09(*geo.wgs84_to_gcj02(39.915, 116.404))
        link = geo.map_link(39.915, 116.404)
        assert f"location={lat:.6f}%2C{lon:.6f}" in link and "coord_type=bd09ll" in link
    with override_settings(SHISHI_MAP_LINK="osm"):
        assert "mlat=39.915000&mlon=116.404000" in geo.map_link(39.915, 116.404)
    with override_settings(SHISHI_MAP_LINK=""):
        assert geo.map_link(39.915, 116.404) == ""
    assert geo.map_link(None, None) == ""


# <landmarks> BD-09 → GCJ-02 → WGS-84 (issue 19: coordinates typed from Baidu's map)


def test_bd09_to_gcj02_matches_the_reference() -> None:
    # coordtransform's bd09togcj02(116.404, 39.915) → [116.39762729119315, 39.90865673957631]
    lat, lon = geo.bd09_to_gcj02(*BEIJING)
    assert lat == pytest.approx(39.90865673957631, abs=1e-9)
    assert lon == pytest.approx(116.39762729119315, abs=1e-9)


@pytest.mark.parametrize("point", [(45.7567, 126.6424), (39.915, 116.404), (22.54, 114.06)])
def test_bd09_round_trips_to_within_a_metre(point: tuple[float, float]) -> None:
    # The published inverse is not exact: it returns the point within about 20 cm (2e-6°).
    assert geo.bd09_to_gcj02(*geo.gcj02_to_bd09(*point)) == pytest.approx(point, abs=1e-5)
    bd = geo.wgs84_to("bd09", *point)
    assert geo.bd09_to_wgs84(*bd) == pytest.approx(point, abs=1e-5)
    assert geo.to_wgs84("bd09", *bd) == geo.bd09_to_wgs84(*bd)


def test_to_wgs84_takes_each_datum() -> None:
    gcj = geo.wgs84_to_gcj02(45.7567, 126.6424)
    assert geo.to_wgs84("gcj02", *gcj) == pytest.approx((45.7567, 126.6424), abs=1e-8)
    assert geo.to_wgs84("wgs84", 45.7567, 126.6424) == (45.7567, 126.6424)
    with pytest.raises(ValueError):
        geo.to_wgs84("mars", 45.75, 126.64)
