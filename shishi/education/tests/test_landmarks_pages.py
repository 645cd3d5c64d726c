"""The office's landmark pages: who may use them, the landmark form (datum conversion,
ranges, the stale edit), order and opening, photos, routes, the word list, the QR poster and
the counts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from shishi.conftest import World, client_for
from shishi.core import geo
from shishi.core.audit import AuditEvent
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.education import checkins, landmark_selectors, landmark_services
from shishi.education.landmark_services import LandmarkInput, RouteInput
from shishi.education.models import CheckIn, Landmark, LandmarkPhoto, Route, SensitiveWord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _landmark(world: World, name: str = "东北抗联博物馆", **fields: Any) -> Landmark:
    values: dict[str, Any] = {
        "address": "南岗区一曼街241号",
        "lat": Decimal("45.757400"),
        "lon": Decimal("126.641200"),
        **fields,
    }
    return Landmark.objects.create(jurisdiction=world.nangang, name=name, **values)


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (180, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("旧址.png", buffer.getvalue(), content_type="image/png")


def _form(**fields: Any) -> dict[str, Any]:
    return {
        "jurisdiction": "230103",
        "name": "哈尔滨烈士陵园",
        "address": "南岗区（示例）",
        "datum": "wgs84",
        "lat": "45.7300",
        "lon": "126.6800",
        "opening_hours": "",
        "description": "",
        "order": "",
        **fields,
    }


# --- permissions --------------------------------------------------------------------------


def _page_urls(lm: Landmark, route: Route) -> list[str]:
    return [
        reverse("education:landmarks"),
        reverse("education:landmark_new"),
        reverse("education:landmark_edit", args=[lm.pk]),
        reverse("education:landmark_poster", args=[lm.pk]),
        reverse("education:landmark_posters"),
        reverse("education:landmark_import"),
        reverse("education:landmark_template"),
        reverse("education:landmark_export"),
        reverse("education:routes"),
        reverse("education:route_new"),
        reverse("education:route_edit", args=[route.pk]),
        reverse("education:sensitive_words"),
        reverse("education:landmark_counts"),
        reverse("education:landmark_counts_csv"),
    ]


def test_the_office_opens_every_page(world: World) -> None:
    lm = _landmark(world)
    route = landmark_services.save_route(
        world.nangang, RouteInput("红色之旅", landmark_ids=[lm.pk]), actor=world.office
    )
    client = client_for(world.office)
    for url in _page_urls(lm, route):
        assert client.get(url).status_code == 200, url
    city = client_for(world.city_office)  # the city office over the district too
    assert city.get(reverse("education:landmark_edit", args=[lm.pk])).status_code == 200


def test_unit_editor_and_other_districts_office_are_refused(world: World) -> None:
    lm = _landmark(world)
    route = landmark_services.save_route(
        world.nangang, RouteInput("红色之旅", landmark_ids=[lm.pk]), actor=world.office
    )
    editor = client_for(world.editor_a)
    for url in _page_urls(lm, route):
        assert editor.get(url).status_code in (403, 404), url
    # Hulan's office keeps Hulan, not this landmark: it is not even told it exists.
    outsider = client_for(world.outsider)
    assert outsider.get(reverse("education:landmark_edit", args=[lm.pk])).status_code == 404
    assert outsider.get(reverse("education:route_edit", args=[route.pk])).status_code == 404
    response = outsider.post(
        reverse("education:landmark_open", args=[lm.pk]), {"open": "0", "version": lm.version}
    )
    assert response.status_code == 404
    lm.refresh_from_db()
    assert lm.is_active


def test_anonymous_is_sent_to_log_in(world: World) -> None:
    lm = _landmark(world)
    for url in (
        reverse("education:landmarks"),
        reverse("education:landmark_poster", args=[lm.pk]),
        reverse("education:landmark_counts_csv"),
    ):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = Client().post(reverse("education:landmark_new"), _form())
    assert response.status_code == 302 and Landmark.objects.count() == 1


def test_services_refuse_a_unit_editor(world: World) -> None:
    lm = _landmark(world)
    with pytest.raises(PermissionDenied):
        landmark_services.create_landmark(
            world.nangang, LandmarkInput("某地", "某处"), actor=world.editor_a
        )
    with pytest.raises(PermissionDenied):
        landmark_services.update_landmark(
            lm, LandmarkInput("某地", "某处"), version=lm.version, actor=world.outsider
        )
    with pytest.raises(PermissionDenied):
        landmark_services.add_sensitive_words(world.nangang, "坏词", actor=world.editor_a)


# --- the landmark form ----------------------------------------------------------------------


def test_new_landmark_in_wgs84_is_saved_and_audited(world: World) -> None:
    client = client_for(world.office)
    response = client.post(reverse("education:landmark_new"), _form())
    assert response.status_code == 302
    lm = Landmark.objects.get()
    assert (lm.lat, lm.lon) == (Decimal("45.730000"), Decimal("126.680000"))
    assert lm.order == 1 and lm.is_active
    event = AuditEvent.objects.get(action="education.landmark_create")
    assert event.changes["name"] == [None, "哈尔滨烈士陵园"]


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_coordinates_in_another_datum_are_stored_in_wgs84(world: World, datum: str) -> None:
    wgs = (45.7574, 126.6412)
    shifted = geo.wgs84_to(datum, *wgs)
    client = client_for(world.office)
    response = client.post(
        reverse("education:landmark_new"),
        _form(datum=datum, lat=f"{shifted[0]:.8f}", lon=f"{shifted[1]:.8f}"),
    )
    assert response.status_code == 302
    lm = Landmark.objects.get()
    assert lm.lat is not None and lm.lon is not None
    # BD-09's published inverse is good to about 20 cm (2e-6°); GCJ-02's to a millimetre.
    assert float(lm.lat) == pytest.approx(wgs[0], abs=3e-6)
    assert float(lm.lon) == pytest.approx(wgs[1], abs=3e-6)
    assert abs(float(lm.lat) - shifted[0]) + abs(float(lm.lon) - shifted[1]) > 0.001


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"lat": "91", "lon": "126.6"}, "lat", "纬度应在-90到90之间"),
        ({"lat": "45.7", "lon": "-181"}, "lon", "经度应在-180到180之间"),
        ({"lat": "45.7", "lon": ""}, "lon", "请同时填写纬度和经度"),
        ({"lat": "51.5", "lon": "-0.12"}, "lat", "坐标不在中国境内"),
        ({"lat": "abc", "lon": "126.6"}, "lat", ""),
        ({"name": ""}, "name", ""),
        ({"address": "  "}, "address", ""),
        ({"datum": "mars"}, "datum", ""),
        ({"order": "-1"}, "order", ""),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    world: World, fields: dict[str, str], field: str, words: str
) -> None:
    response = client_for(world.office).post(reverse("education:landmark_new"), _form(**fields))
    assert response.status_code == 422
    form = response.context["form"]
    assert field in form.errors
    if words:
        assert words in " ".join(form.errors[field])
    assert not Landmark.objects.exists()


def test_a_name_is_unique_in_the_district(world: World) -> None:
    _landmark(world, "哈尔滨烈士陵园")
    response = client_for(world.office).post(reverse("education:landmark_new"), _form())
    assert response.status_code == 422
    assert "本区已有" in " ".join(response.context["form"].errors["name"])


def test_a_stale_edit_is_refused_with_409_and_nothing_overwritten(world: World) -> None:
    lm = _landmark(world)
    client = client_for(world.office)
    url = reverse("education:landmark_edit", args=[lm.pk])
    first = client.post(url, _form(name="东北抗联博物馆", address="新地址一", version=lm.version))
    assert first.status_code == 302
    stale = client.post(url, _form(name="东北抗联博物馆", address="新地址二", version=lm.version))
    assert stale.status_code == 409
    assert "已被他人修改" in stale.content.decode()
    lm.refresh_from_db()
    assert lm.address == "新地址一" and lm.version == 2
    # The form comes back with the current version: sending it again saves.
    assert stale.context["form"]["version"].value() == "2"
    again = client.post(url, _form(name="东北抗联博物馆", address="新地址二", version=2))
    assert again.status_code == 302
    lm.refresh_from_db()
    assert lm.address == "新地址二" and lm.version == 3


def test_an_edit_without_changes_keeps_the_version(world: World) -> None:
    lm = _landmark(world)
    same = LandmarkInput(name=lm.name, address=lm.address, lat=lm.lat, lon=lm.lon, order=lm.order)
    saved = landmark_services.update_landmark(lm, same, version=1, actor=world.office)
    assert saved.version == 1
    assert not AuditEvent.objects.filter(action="education.landmark_update").exists()
    with pytest.raises(StaleEdit):
        landmark_services.update_landmark(lm, same, version=None, actor=world.office)


def test_close_and_reopen_check_ins(world: World) -> None:
    lm = _landmark(world)
    client = client_for(world.office)
    url = reverse("education:landmark_open", args=[lm.pk])
    assert client.post(url, {"open": "0", "version": 1}).status_code == 302
    lm.refresh_from_db()
    assert not lm.is_active and lm.version == 2
    assert Client().get(f"/public/230103/landmarks/{lm.pk}/").status_code == 404
    client.post(url, {"open": "1", "version": 1})  # stale: refused
    lm.refresh_from_db()
    assert not lm.is_active
    client.post(url, {"open": "1", "version": 2})
    lm.refresh_from_db()
    assert lm.is_active
    assert AuditEvent.objects.filter(action="education.landmark_close").count() == 1


def test_order_the_landmarks(world: World) -> None:
    a = _landmark(world, "甲", order=1)
    b = _landmark(world, "乙", order=2)
    client = client_for(world.office)
    response = client.post(
        reverse("education:landmark_order"),
        {"jurisdiction": "230103", f"order-{a.pk}": "5", f"order-{b.pk}": "1"},
    )
    assert response.status_code == 302
    assert [lm.name for lm in landmark_selectors.landmarks(world.nangang)] == ["乙", "甲"]
    hulan = Landmark.objects.create(jurisdiction=world.hulan, name="呼兰", address="呼兰")
    client.post(
        reverse("education:landmark_order"),
        {"jurisdiction": "230103", f"order-{hulan.pk}": "0", f"order-{a.pk}": "0"},
    )
    a.refresh_from_db()
    assert a.order == 5  # refused whole: another district's landmark among them
    client.post(reverse("education:landmark_order"), {"jurisdiction": "230103", "order-1": "x"})


def test_the_list_shows_the_flags(world: World) -> None:
    _landmark(world, "<script>甲</script>", is_sample=True, lat=None, lon=None)
    body = client_for(world.office).get(reverse("education:landmarks")).content.decode()
    assert "&lt;script&gt;甲&lt;/script&gt;" in body and "<script>甲" not in body
    assert "示例" in body and "未设置" in body


# --- photos ---------------------------------------------------------------------------------


def test_photos_are_checked_kept_captioned_and_deleted(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    lm = _landmark(world)
    client = client_for(world.office)
    add = reverse("education:landmark_photo_add", args=[lm.pk])
    fake = SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")
    response = client.post(add, {"image": fake, "caption": "正门"})
    assert response.status_code == 422
    assert "照片无法识别" in " ".join(response.context["photo_form"].errors["image"])
    assert client.post(add, {"image": _png(), "caption": "正门"}).status_code == 302
    photo = LandmarkPhoto.objects.get()
    assert photo.caption == "正门" and photo.image.name.endswith(".png")
    shown = client.get(reverse("education:landmark_photo", args=[photo.pk]))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert (
        client_for(world.outsider)
        .get(reverse("education:landmark_photo", args=[photo.pk]))
        .status_code
        == 404
    )
    client.post(reverse("education:landmark_photo_caption", args=[photo.pk]), {"caption": "侧门"})
    photo.refresh_from_db()
    assert photo.caption == "侧门"
    path = Path(photo.image.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("education:landmark_photo_delete", args=[photo.pk]))
    assert not LandmarkPhoto.objects.exists() and not path.exists()
    assert AuditEvent.objects.filter(action="education.landmark_photo_delete").exists()


# --- routes ---------------------------------------------------------------------------------


def test_a_route_keeps_its_stops_in_order(world: World) -> None:
    a, b, c = (_landmark(world, n) for n in ("甲", "乙", "丙"))
    client = client_for(world.office)
    response = client.post(
        reverse("education:route_new"),
        {
            "jurisdiction": "230103",
            "name": "抗联足迹",
            "description": "半日",
            "stop-0": str(c.pk),
            "stop-1": "",
            "stop-2": str(a.pk),
            "stop-3": str(b.pk),
        },
    )
    assert response.status_code == 302
    route = Route.objects.get()
    assert landmark_selectors.route_stop_ids(route) == [c.pk, a.pk, b.pk]
    edit = reverse("education:route_edit", args=[route.pk])
    assert 'name="version" value="1"' in client.get(edit).content.decode()
    changed = {"name": "抗联足迹", "description": "", "stop-0": str(a.pk), "stop-1": str(c.pk)}
    assert client.post(edit, {**changed, "version": "1"}).status_code == 302
    assert landmark_selectors.route_stop_ids(route) == [a.pk, c.pk]
    # A second edit from a form showing version 1 is stale: refused, nothing overwritten, and
    # the form comes back with what was typed and the current version.
    stale = client.post(edit, {**changed, "name": "改名", "stop-0": str(b.pk), "version": "1"})
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "这条线路已被他人修改" in text and 'value="改名"' in text
    assert 'name="version" value="2"' in text
    route.refresh_from_db()
    assert route.name == "抗联足迹" and route.version == 2
    assert landmark_selectors.route_stop_ids(route) == [a.pk, c.pk]
    client.post(reverse("education:route_active", args=[route.pk]), {"active": "0"})
    route.refresh_from_db()
    assert not route.is_active


def test_a_route_refuses_a_landmark_twice_or_of_another_district(world: World) -> None:
    a = _landmark(world, "甲")
    hulan = Landmark.objects.create(jurisdiction=world.hulan, name="呼兰", address="呼兰")
    client = client_for(world.office)
    url = reverse("education:route_new")
    twice = client.post(url, {"name": "线", "stop-0": str(a.pk), "stop-1": str(a.pk)})
    assert twice.status_code == 422
    assert "只能出现一次" in twice.content.decode()
    other = client.post(url, {"name": "线", "stop-0": str(hulan.pk)})
    assert other.status_code == 422 and "请从本区的地标中选择" in other.content.decode()
    forged = client.post(url, {"name": "线", "stop-0": "abc"})
    assert forged.status_code == 422
    empty = client.post(url, {"name": "线"})
    assert empty.status_code == 422 and "请至少选择一个站点" in empty.content.decode()
    assert not Route.objects.exists()


# --- sensitive words ------------------------------------------------------------------------


def test_words_are_added_folded_and_removed(world: World) -> None:
    client = client_for(world.office)
    url = reverse("education:sensitive_words")
    response = client.post(url, {"jurisdiction": "230103", "words": "坏词\nＢａｄ\n\n坏 词\nbad"})
    assert response.status_code == 302
    assert set(SensitiveWord.objects.values_list("word", flat=True)) == {"Ｂａｄ", "坏词"}
    event = AuditEvent.objects.get(action="education.sensitive_words_add")
    assert event.changes["words"] == [None, ["坏词", "Ｂａｄ"]]
    # The check-in refuses a nickname with a listed word, compared as it compares.
    with pytest.raises(ValidationFailed):
        checkins._screen(world.nangang.pk, "BAD先生", "")
    too_long = client.post(url, {"jurisdiction": "230103", "words": "长" * 51})
    assert too_long.status_code == 422 and "最多50个字" in too_long.content.decode()
    ids = list(SensitiveWord.objects.values_list("pk", flat=True))
    client.post(
        reverse("education:sensitive_words_remove"), {"jurisdiction": "230103", "word": ids}
    )
    assert not SensitiveWord.objects.exists()
    assert AuditEvent.objects.filter(action="education.sensitive_words_remove").exists()


# --- the QR poster --------------------------------------------------------------------------


def test_the_poster_carries_the_public_address_and_its_qr_code(world: World, settings: Any) -> None:
    settings.SHISHI_SITE_URL = "https://shishi.example.cn/"
    lm = _landmark(world)
    body = (
        client_for(world.office)
        .get(reverse("education:landmark_poster", args=[lm.pk]))
        .content.decode()
    )
    url = f"https://shishi.example.cn/public/230103/landmarks/{lm.pk}/"
    assert landmark_selectors.public_url(lm) == url
    assert f'href="{url}"' in body
    assert '<svg class="lm-qr"' in body and '<path d="M' in body
    assert "东北抗联博物馆" in body and "一曼街241号" in body and "打卡" in body
    # The QR code says the same address.
    from shishi.appointments.certificate_qr import qr_path

    assert qr_path(url).path in body


def test_all_posters_have_every_open_landmark(world: World) -> None:
    a = _landmark(world, "甲")
    b = _landmark(world, "乙")
    closed = _landmark(world, "丙", is_active=False)
    body = client_for(world.office).get(reverse("education:landmark_posters")).content.decode()
    assert f'id="poster-{a.pk}"' in body and f'id="poster-{b.pk}"' in body
    assert f'id="poster-{closed.pk}"' not in body


def test_the_stylesheet_prints_posters_on_a4() -> None:
    css = (Path(__file__).resolve().parents[2] / "static/css/app.css").read_text()
    assert "@page lm-poster { size: A4;" in css and "page: lm-poster" in css


# --- counts ---------------------------------------------------------------------------------


def _check_ins(world: World) -> tuple[Landmark, Landmark]:
    a = _landmark(world, "甲")
    b = _landmark(world, "乙")
    now = timezone.now()
    for n, (lm, days_ago, group) in enumerate(
        [
            (a, 0, "第一党支部"),
            (a, 0, "第一党支部"),
            (a, 1, ""),
            (b, 3, "第二党支部"),
            (b, 40, "第一党支部"),
        ],
        start=1,
    ):
        checkins.check_in(
            "230103",
            lm.pk,
            checkins.CheckInInput(nickname=f"人{n}", group=group),
            client=f"10.0.0.{n}",
            now=now - dt.timedelta(days=days_ago),
        )
    return a, b


def test_counts_equal_the_records(world: World) -> None:
    from django.core.cache import caches

    caches["ratelimit"].clear()
    _a, b = _check_ins(world)
    today = timezone.localdate()
    c = landmark_selectors.counts(world.nangang, today - dt.timedelta(days=29), today)
    assert c.total == 4 and c.all_time == 5
    assert (
        c.all_time
        == c.stored
        == sum(
            Landmark.objects.filter(jurisdiction=world.nangang).values_list("check_ins", flat=True)
        )
    )
    assert c.all_time == CheckIn.objects.count()
    per = {r["name"]: (r["in_range"], r["all_time"]) for r in c.landmarks}
    assert per == {"甲": (3, 3), "乙": (1, 2)}
    days = dict(c.days)
    assert len(c.days) == 30 and days[today] == 2 and days[today - dt.timedelta(days=1)] == 1
    assert c.groups[0] == ("第一党支部", 2)
    assert sum(n for _g, n in c.groups) == c.total
    page = client_for(world.office).get(reverse("education:landmark_counts"))
    assert page.status_code == 200 and "期间打卡 4 次" in page.content.decode()
    wide = client_for(world.office).get(
        reverse("education:landmark_counts"),
        {"since": (today - dt.timedelta(days=60)).isoformat(), "until": today.isoformat()},
    )
    assert wide.context["c"].total == 5
    one = landmark_selectors.counts(
        world.nangang, today - dt.timedelta(days=29), today, landmark_id=b.pk
    )
    assert one.total == 1 and [r["name"] for r in one.landmarks] == ["乙"]


def test_counts_csv_has_a_row_per_landmark_and_day(world: World) -> None:
    from django.core.cache import caches

    caches["ratelimit"].clear()
    _a, b = _check_ins(world)
    response = client_for(world.office).get(reverse("education:landmark_counts_csv"))
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0] == "地标,日期,打卡次数"
    assert sum(int(line.rsplit(",", 1)[1]) for line in lines[1:]) == 4
    assert f"甲,{timezone.localdate().isoformat()},2" in lines
    one = client_for(world.office).get(reverse("education:landmark_counts_csv"), {"landmark": b.pk})
    assert one.content.decode("utf-8-sig").strip().splitlines()[1:] == [
        f"乙,{(timezone.localdate() - dt.timedelta(days=3)).isoformat()},1"
    ]
    page = client_for(world.office).get(reverse("education:landmark_counts"), {"landmark": b.pk})
    assert page.context["c"].total == 1 and 'id="all-landmarks"' in page.content.decode()


def test_a_bad_range_falls_back_to_the_last_30_days(world: World) -> None:
    response = client_for(world.office).get(
        reverse("education:landmark_counts"), {"since": "2026-13-01", "until": "x"}
    )
    assert response.status_code == 200
    c = response.context["c"]
    assert (c.until - c.since).days == 29
    backwards = client_for(world.office).get(
        reverse("education:landmark_counts"), {"since": "2026-05-02", "until": "2026-05-01"}
    )
    assert backwards.status_code == 200 and "结束日期不能早于开始日期" in backwards.content.decode()


def test_hostile_names_are_escaped_on_the_poster_and_the_form(world: World) -> None:
    lm = _landmark(world, '<img src=x onerror="alert(1)">')
    client = client_for(world.office)
    for url in (
        reverse("education:landmark_poster", args=[lm.pk]),
        reverse("education:landmark_edit", args=[lm.pk]),
        reverse("education:landmark_counts"),
    ):
        body = client.get(url).content.decode()
        assert "<img src=x" not in body and "&lt;img src=x" in body, url
