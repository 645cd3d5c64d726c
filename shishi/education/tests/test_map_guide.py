"""The public guide map (docs/education.md, "Guide map"): without tiles a list with
addresses, opening hours and counts and no map or script; with tiles the markers and routes
in the tiles' datum; and the landmark page's photos, routes, navigation link and the
check-in's result page for a browser without JavaScript."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from PIL import Image

from shishi.conftest import World
from shishi.core import geo
from shishi.education.models import CheckIn, Landmark, LandmarkPhoto, Route, RouteStop

pytestmark = pytest.mark.django_db

TILES = {
    "url": "https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}",
    "labels_url": "",
    "datum": "gcj02",
    "attribution": "© 高德地图",
    "subdomains": ["1", "2", "3", "4"],
    "max_zoom": 18,
}
NO_TILES = {**TILES, "url": ""}
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    caches["ratelimit"].clear()


def _place(world: World) -> dict[str, Any]:
    museum = Landmark.objects.create(
        jurisdiction=world.nangang,
        name="东北抗联博物馆",
        address="南岗区一曼街241号",
        lat=Decimal("45.755000"),
        lon=Decimal("126.640000"),
        opening_hours="周二至周日 9:00—16:00",
        check_ins=7,
        order=1,
    )
    sample = Landmark.objects.create(
        jurisdiction=world.nangang,
        name="示例红色旧址",
        address="南岗区红军街10号",
        lat=Decimal("45.760000"),
        lon=Decimal("126.630000"),
        is_sample=True,
        order=2,
    )
    nowhere = Landmark.objects.create(
        jurisdiction=world.nangang, name="示例无坐标地标", address="南岗区某街1号", order=3
    )
    closed = Landmark.objects.create(
        jurisdiction=world.nangang, name="已关闭的地标", address="某处", is_active=False
    )
    elsewhere = Landmark.objects.create(
        jurisdiction=world.hulan, name="呼兰的地标", address="呼兰区某街", lat=Decimal("45.9")
    )
    route = Route.objects.create(jurisdiction=world.nangang, name="抗联足迹线")
    RouteStop.objects.create(route=route, landmark=sample, order=1)
    RouteStop.objects.create(route=route, landmark=museum, order=2)
    RouteStop.objects.create(route=route, landmark=closed, order=3)
    idle = Route.objects.create(jurisdiction=world.nangang, name="停用的线路", is_active=False)
    RouteStop.objects.create(route=idle, landmark=museum, order=1)
    return {
        "museum": museum,
        "sample": sample,
        "nowhere": nowhere,
        "closed": closed,
        "elsewhere": elsewhere,
        "route": route,
    }


def _map_json(body: str) -> dict[str, Any]:
    found = re.search(r'<script id="guide-map-data" type="application/json">(.*?)</script>', body)
    assert found, "no map data on the page"
    return dict(json.loads(found.group(1)))


@override_settings(SHISHI_MAP_TILES=NO_TILES)
def test_without_tiles_the_page_lists_every_open_landmark_and_has_no_map(world: World) -> None:
    made = _place(world)
    response = Client().get("/public/230103/landmarks/")
    assert response.status_code == 200
    body = response.content.decode()
    listed = re.findall(r'<li id="landmark-(\d+)">', body)
    assert listed == [str(made[k].pk) for k in ("museum", "sample", "nowhere")]
    for name in ("东北抗联博物馆", "南岗区一曼街241号", "周二至周日 9:00—16:00", "示例红色旧址"):
        assert name in body
    assert f'href="/public/230103/landmarks/{made["museum"].pk}/"' in body
    assert '<dd class="guide-count">7</dd>' in body and 'id="check-in-total">7<' in body
    assert "已关闭的地标" not in body and "呼兰的地标" not in body
    # The sample is labelled; the route lists its open stops in order, the idle one not at all.
    sample_item = body[body.index(f'id="landmark-{made["sample"].pk}"') :]
    assert "示例</span>" in sample_item[: sample_item.index("</li>")]
    route = body[body.index(f'id="route-{made["route"].pk}"') :]
    route = route[: route.index("</ol>")]
    assert route.index("示例红色旧址") < route.index("东北抗联博物馆")
    assert "已关闭的地标" not in route and "停用的线路" not in body
    # No map, no script, no Leaflet: the list is the page.
    assert 'id="guide-map"' not in body and "guide-map-data" not in body
    assert "leaflet" not in body and "guide-map.js" not in body


@override_settings(SHISHI_MAP_TILES=TILES)
def test_with_gcj02_tiles_the_markers_and_routes_are_converted(world: World) -> None:
    made = _place(world)
    body = Client().get("/public/230103/landmarks/").content.decode()
    assert 'id="guide-map"' in body
    assert "vendor/leaflet/leaflet.js" in body and "education/guide-map.js" in body
    assert "<script>" not in body  # no inline script: the data is JSON, the code a file
    data = _map_json(body)
    assert data["datum"] == "gcj02"
    assert data["tiles"]["url"] == TILES["url"] and data["tiles"]["subdomains"] == [
        "1",
        "2",
        "3",
        "4",
    ]
    markers = {m["id"]: m for m in data["landmarks"]}
    assert set(markers) == {made["museum"].pk, made["sample"].pk}  # no point, no marker
    lat, lng = geo.wgs84_to_gcj02(45.755, 126.64)
    museum = markers[made["museum"].pk]
    assert museum["lat"] == pytest.approx(lat, abs=1e-6)
    assert museum["lng"] == pytest.approx(lng, abs=1e-6)
    # The shift is real here (hundreds of metres), so the test tells the datums apart.
    assert abs(museum["lng"] - 126.64) > 0.003
    assert museum["url"] == f"/public/230103/landmarks/{made['museum'].pk}/"
    assert museum["sample"] is False and markers[made["sample"].pk]["sample"] is True
    assert museum["check_ins"] == 7
    (route,) = data["routes"]
    assert route["name"] == "抗联足迹线"
    assert route["points"][0] == pytest.approx(list(geo.wgs84_to_gcj02(45.76, 126.63)), abs=1e-6)
    assert route["points"][1] == pytest.approx([lat, lng], abs=1e-6)
    assert len(route["points"]) == 2  # the closed stop is left out
    # The list is still there under the map.
    assert "南岗区一曼街241号" in body and 'id="landmark-list"' in body


@override_settings(SHISHI_MAP_TILES={**TILES, "datum": "wgs84"})
def test_with_wgs84_tiles_the_points_are_as_stored(world: World) -> None:
    made = _place(world)
    data = _map_json(Client().get("/public/230103/landmarks/").content.decode())
    museum = next(m for m in data["landmarks"] if m["id"] == made["museum"].pk)
    assert (museum["lat"], museum["lng"]) == (45.755, 126.64)


@override_settings(SHISHI_MAP_TILES={**TILES, "datum": "bd09"})
def test_with_bd09_tiles_the_points_are_baidus(world: World) -> None:
    made = _place(world)
    data = _map_json(Client().get("/public/230103/landmarks/").content.decode())
    museum = next(m for m in data["landmarks"] if m["id"] == made["museum"].pk)
    expected = geo.wgs84_to("bd09", 45.755, 126.64)
    assert (museum["lat"], museum["lng"]) == pytest.approx(expected, abs=1e-6)


@override_settings(SHISHI_MAP_TILES=TILES)
def test_tiles_but_no_coordinates_gives_the_list_alone(world: World) -> None:
    Landmark.objects.create(jurisdiction=world.nangang, name="无坐标", address="南岗区某街")
    body = Client().get("/public/230103/landmarks/").content.decode()
    assert "无坐标" in body and 'id="guide-map"' not in body


def test_unknown_district_is_a_404_page(world: World) -> None:
    for url in ("/public/999999/landmarks/", "/public/230100/landmarks/", "/public/abc/landmarks/"):
        response = Client().get(url)
        assert response.status_code == 404
        assert "没有这个区" in response.content.decode()


def test_a_district_without_landmarks_says_so(world: World) -> None:
    body = Client().get("/public/230111/landmarks/").content.decode()
    assert "还没有开放打卡的红色地标" in body


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


@override_settings(SHISHI_MAP_LINK="amap")
def test_the_landmark_page_has_photos_routes_and_navigation(
    world: World, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    made = _place(world)
    museum = made["museum"]
    photo = LandmarkPhoto(landmark=museum, caption="展厅")
    photo.image.save("hall.jpg", ContentFile(_jpeg()), save=True)
    broken = LandmarkPhoto(landmark=museum)
    broken.image.save("broken.jpg", ContentFile(b"<html>not a photo</html>"), save=True)
    body = Client().get(f"/public/230103/landmarks/{museum.pk}/").content.decode()
    assert "周二至周日 9:00—16:00" in body and 'id="landmark-count">7<' in body
    src = f"/public/230103/landmarks/{museum.pk}/photos/{photo.pk}"
    assert f'src="{src}"' in body and 'alt="展厅"' in body
    assert "抗联足迹线" in body and "停用的线路" not in body
    assert f'href="/public/230103/landmarks/#route-{made["route"].pk}"' in body
    assert 'id="navigate-link"' in body and "uri.amap.com" in body
    # The form comes from the house partial: labelled fields.
    assert 'class="field"' in body and 'for="id_nickname"' in body
    image = Client().get(src)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert image["Content-Security-Policy"].startswith("sandbox")
    assert image.content == _jpeg() or image.content[:2] == b"\xff\xd8"
    assert (
        Client().get(f"/public/230103/landmarks/{museum.pk}/photos/{broken.pk}").status_code == 404
    )
    other = made["sample"]
    assert Client().get(f"/public/230103/landmarks/{other.pk}/photos/{photo.pk}").status_code == 404
    assert Client().get(f"/public/230103/landmarks/{museum.pk}/photos/999999").status_code == 404


@override_settings(SHISHI_MAP_LINK="")
def test_no_navigation_link_without_a_map(world: World) -> None:
    museum = _place(world)["museum"]
    body = Client().get(f"/public/230103/landmarks/{museum.pk}/").content.decode()
    assert 'id="navigate-link"' not in body


def _token(client: Client, url: str) -> str:
    found = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content.decode()
    )
    assert found
    return found.group(1)


def test_without_javascript_the_form_gives_pages_not_json(world: World) -> None:
    museum = _place(world)["museum"]
    client = Client(enforce_csrf_checks=True)
    page = f"/public/230103/landmarks/{museum.pk}/"
    token = _token(client, page)
    post = f"{page}check-in"
    made = client.post(post, {"nickname": "小明", "csrfmiddlewaretoken": token}, headers=HTML)
    assert made.status_code == 201 and made["Content-Type"].startswith("text/html")
    body = made.content.decode()
    assert "打卡成功" in body and 'id="check-in-count">8<' in body
    assert f'href="{page}"' in body
    again = client.post(post, {"nickname": "小明", "csrfmiddlewaretoken": token}, headers=HTML)
    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    assert again["Content-Type"].startswith("text/html")
    assert (
        "未能打卡" in again.content.decode() and 'id="check-in-count">8<' in again.content.decode()
    )
    # Bad input: the page again, the field marked with the reason, what was typed kept.
    bad = client.post(
        post,
        {"nickname": "", "phone_tail": "12a4", "group": "第一党支部", "csrfmiddlewaretoken": token},
        headers=HTML,
    )
    assert bad.status_code == 422 and bad["Content-Type"].startswith("text/html")
    text = bad.content.decode()
    assert "手机号后四位应为4位数字" in text and "has-error" in text
    assert 'value="第一党支部"' in text and 'id="check-in-form"' in text
    empty = client.post(post, {"csrfmiddlewaretoken": token}, headers=HTML)
    assert empty.status_code == 422 and "请填写昵称或手机号后四位" in empty.content.decode()
    gone = client.post(
        "/public/230103/landmarks/999999/check-in",
        {"nickname": "小明", "csrfmiddlewaretoken": token},
        headers=HTML,
    )
    assert gone.status_code == 404 and gone["Content-Type"].startswith("text/html")
    assert CheckIn.objects.count() == 1
    # An API client still gets the documented JSON.
    api = client.post(post, {"phone_tail": "1234", "csrfmiddlewaretoken": token})
    assert api.status_code == 201 and api.json() == {"landmark_id": museum.pk, "check_ins": 9}


def test_htmx_answer_updates_the_count_on_the_page(world: World) -> None:
    museum = _place(world)["museum"]
    client = Client(enforce_csrf_checks=True)
    page = f"/public/230103/landmarks/{museum.pk}/"
    token = _token(client, page)
    shown = client.post(
        f"{page}check-in",
        {"nickname": "小华", "csrfmiddlewaretoken": token},
        headers={"HX-Request": "true", **HTML},
    )
    assert shown.status_code == 201
    body = shown.content.decode()
    assert 'id="check-in-count">8<' in body
    assert '<b id="landmark-count" hx-swap-oob="true">8</b>' in body


def test_tile_hosts_for_the_csp() -> None:
    from django.core.exceptions import ImproperlyConfigured

    from shishi import settings as site

    tianditu = "https://t{s}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=K"
    assert site._tile_origins(tianditu, ["0", "1"]) == [
        "https://t0.tianditu.gov.cn",
        "https://t1.tianditu.gov.cn",
    ]
    assert site._tile_origins("http://tiles.intranet:8080/{z}/{x}/{y}.png", ["a"]) == [
        "http://tiles.intranet:8080"
    ]
    for bad in ("javascript:alert(1)", "/tiles/{z}/{x}/{y}.png", "ftp://host/{z}"):
        with pytest.raises(ImproperlyConfigured):
            site._tile_origins(bad, [])


@override_settings(SHISHI_MAP_TILES=TILES)
def test_hostile_names_are_escaped_on_the_pages_and_in_the_map_data(world: World) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    landmark = Landmark.objects.create(
        jurisdiction=world.nangang,
        name=hostile,
        address=hostile,
        opening_hours=hostile,
        description=hostile,
        lat=Decimal("45.75"),
        lon=Decimal("126.63"),
    )
    route = Route.objects.create(jurisdiction=world.nangang, name=hostile)
    RouteStop.objects.create(route=route, landmark=landmark, order=1)
    for url in ("/public/230103/landmarks/", f"/public/230103/landmarks/{landmark.pk}/"):
        body = Client().get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;alert" in body
    data = _map_json(Client().get("/public/230103/landmarks/").content.decode())
    assert data["landmarks"][0]["name"] == hostile  # JSON in the page, text for the DOM
