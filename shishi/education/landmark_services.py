"""Every write of the office's landmark pages (docs/education.md, "Landmarks (office)"):
landmarks (new, edit, order, open or closed to check-ins), their photos, themed routes, the
sensitive-word list. The Excel import (``landmark_sheet``) writes its rows through the same
functions as the forms.

Each checks that the actor keeps the district (its programme office, or the city office over
it), validates (naming the field), refuses a stale version where the record has one, runs in
one transaction and writes an audit event with the old and new values.

Coordinates are stored in WGS-84. A form or a sheet may give them in GCJ-02 (AMap, Tencent)
or BD-09 (Baidu) with the datum named: they are converted on save (``core.geo``) and kept to
six decimals (about 10 cm).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NoReturn

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from shishi.core import audit, geo, uploads
from shishi.core.errors import NotFound, StaleEdit, ValidationFailed
from shishi.core.inputs import has_control
from shishi.education import permissions
from shishi.education.checkins import folded
from shishi.education.models import (
    Landmark,
    LandmarkPhoto,
    Route,
    RouteStop,
    SensitiveWord,
)
from shishi.orgs.models import Jurisdiction

OFFICE_ONLY = "只有专班可以维护红色地标"
STALE = "这个地标已被他人修改，请刷新后再改"
ROUTE_STALE = "这条线路已被他人修改，请核对后再保存"
NAME_MAX, ADDRESS_MAX, HOURS_MAX, DESCRIPTION_MAX = 200, 300, 200, 5000
ROUTE_STOPS_MAX = 50
WORD_MAX = 50
WORDS_AT_ONCE = 500
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
PHOTOS_MAX = 20
PHOTO_TYPES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
ORDER_MAX = 100_000

# datum → its name in forms and sheets
DATUMS: dict[str, str] = {"wgs84": "WGS-84", "gcj02": "GCJ-02", "bd09": "BD-09"}
_MICRO = Decimal("0.000001")
TRACKED = (
    "name",
    "address",
    "lat",
    "lon",
    "description",
    "opening_hours",
    "order",
    "is_sample",
    "is_active",
)


def refuse(field: str, message: str) -> NoReturn:
    raise ValidationFailed(message, {field: message})


# --- landmarks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LandmarkInput:
    """A landmark as a form or a sheet row gives it. ``lat``/``lon`` in ``datum``; both
    ``None`` when the place has no coordinates yet. ``order`` None: keep it (a new one goes
    last)."""

    name: str
    address: str
    lat: Decimal | None = None
    lon: Decimal | None = None
    datum: str = "wgs84"
    opening_hours: str = ""
    description: str = ""
    order: int | None = None
    is_sample: bool = False


def _line(text: str | None) -> str:
    return " ".join((text or "").split())


def wgs84_of(
    datum: str, lat: Decimal | None, lon: Decimal | None
) -> tuple[Decimal | None, Decimal | None, dict[str, str]]:
    """The point in WGS-84 (six decimals), or the errors naming ``lat``/``lon``/``datum``:
    latitude -90..90, longitude -180..180, both or neither, and in China (a district's
    landmark; the datums' shift applies only there)."""
    errors: dict[str, str] = {}
    if datum not in DATUMS:
        errors["datum"] = "坐标系应为WGS-84、GCJ-02或BD-09"
    if lat is None and lon is None:
        return None, None, errors
    if lat is None:
        errors["lat"] = "请同时填写纬度和经度（或都不填）"
    elif not lat.is_finite() or not -90 <= lat <= 90:
        errors["lat"] = "纬度应在-90到90之间"
    if lon is None:
        errors["lon"] = "请同时填写纬度和经度（或都不填）"
    elif not lon.is_finite() or not -180 <= lon <= 180:
        errors["lon"] = "经度应在-180到180之间"
    if errors:
        return None, None, errors
    assert lat is not None and lon is not None
    if not geo.in_china(float(lat), float(lon)):
        message = "坐标不在中国境内：请核对纬度、经度是否填反或填错"
        return None, None, {"lat": message, "lon": message}
    w_lat, w_lon = geo.to_wgs84(datum, float(lat), float(lon))
    return (
        Decimal(repr(w_lat)).quantize(_MICRO, rounding=ROUND_HALF_UP),
        Decimal(repr(w_lon)).quantize(_MICRO, rounding=ROUND_HALF_UP),
        {},
    )


def clean_landmark(data: LandmarkInput) -> tuple[dict[str, Any], dict[str, str]]:
    """The fields as stored (coordinates in WGS-84), and the errors by field."""
    errors: dict[str, str] = {}
    name = _line(data.name)
    if not name:
        errors["name"] = "请填写地标名称"
    elif len(name) > NAME_MAX or has_control(name):
        errors["name"] = f"地标名称最多{NAME_MAX}个字"
    address = _line(data.address)
    if not address:
        errors["address"] = "请填写地址"
    elif len(address) > ADDRESS_MAX or has_control(address):
        errors["address"] = f"地址最多{ADDRESS_MAX}个字"
    hours = _line(data.opening_hours)
    if len(hours) > HOURS_MAX or has_control(hours):
        errors["opening_hours"] = f"开放时间最多{HOURS_MAX}个字"
    description = (data.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"简介最多{DESCRIPTION_MAX}个字"
    if data.order is not None and not 0 <= data.order <= ORDER_MAX:
        errors["order"] = f"排序应为0到{ORDER_MAX}之间的整数"
    lat, lon, geo_errors = wgs84_of(data.datum, data.lat, data.lon)
    errors.update(geo_errors)
    values: dict[str, Any] = {
        "name": name,
        "address": address,
        "lat": lat,
        "lon": lon,
        "opening_hours": hours,
        "description": description,
        "is_sample": bool(data.is_sample),
    }
    if data.order is not None:
        values["order"] = data.order
    return values, errors


def _snapshot(landmark: Landmark) -> dict[str, Any]:
    return {f: getattr(landmark, f) for f in TRACKED}


def _name_taken(jurisdiction_id: int, name: str, exclude: int | None) -> bool:
    found = Landmark.objects.filter(jurisdiction_id=jurisdiction_id, name=name)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found.exists()


def create_landmark(jurisdiction: Jurisdiction, data: LandmarkInput, *, actor: Any) -> Landmark:
    """A new landmark of ``jurisdiction`` (office only): validated, coordinates converted to
    WGS-84, the name unique in the district, placed last unless an order is given; audited."""
    permissions.check_office(actor, jurisdiction.pk, OFFICE_ONLY)
    values, errors = clean_landmark(data)
    if errors:
        raise ValidationFailed("；".join(dict.fromkeys(errors.values())), errors)
    with transaction.atomic():
        if _name_taken(jurisdiction.pk, values["name"], None):
            refuse("name", f"本区已有名为“{values['name']}”的地标")
        if "order" not in values:
            top = Landmark.objects.filter(jurisdiction=jurisdiction).aggregate(m=Max("order"))
            values["order"] = (top["m"] or 0) + 1
        try:
            with transaction.atomic():  # two saves of one name at once: the second is told
                landmark = Landmark.objects.create(jurisdiction=jurisdiction, **values)
        except IntegrityError:
            refuse("name", f"本区已有名为“{values['name']}”的地标")
        audit.record(
            actor=actor,
            action="education.landmark_create",
            target=landmark,
            changes=audit.diff({}, _snapshot(landmark)),
            jurisdiction_id=jurisdiction.pk,
        )
    return landmark


def update_landmark(
    landmark: Landmark, data: LandmarkInput, *, version: int | None, actor: Any
) -> Landmark:
    """Edit a landmark (office only). A version other than the stored one is refused
    (``StaleEdit``), never overwritten; nothing changed writes nothing (the version stays)."""
    permissions.check_office(actor, landmark.jurisdiction_id, OFFICE_ONLY)
    values, errors = clean_landmark(data)
    if errors:
        raise ValidationFailed("；".join(dict.fromkeys(errors.values())), errors)
    with transaction.atomic():
        row = Landmark.objects.select_for_update().filter(pk=landmark.pk).first()
        if row is None:
            raise NotFound("没有这个红色地标")
        if version is None or row.version != version:
            raise StaleEdit(STALE)
        if _name_taken(row.jurisdiction_id, values["name"], row.pk):
            refuse("name", f"本区已有名为“{values['name']}”的地标")
        old = _snapshot(row)
        for key, value in values.items():
            setattr(row, key, value)
        changes = audit.diff(old, _snapshot(row))
        if changes:
            row.version += 1
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                refuse("name", f"本区已有名为“{values['name']}”的地标")
            audit.record(
                actor=actor,
                action="education.landmark_update",
                target=row,
                changes=changes,
                jurisdiction_id=row.jurisdiction_id,
            )
    return row


def set_landmark_open(
    landmark: Landmark, is_open: bool, *, version: int | None, actor: Any
) -> Landmark:
    """Open or close a landmark to check-ins (a closed one leaves the public map and its QR
    code answers 404); version-checked like an edit."""
    permissions.check_office(actor, landmark.jurisdiction_id, OFFICE_ONLY)
    with transaction.atomic():
        row = Landmark.objects.select_for_update().filter(pk=landmark.pk).first()
        if row is None:
            raise NotFound("没有这个红色地标")
        if version is None or row.version != version:
            raise StaleEdit(STALE)
        if row.is_active != is_open:
            old = row.is_active
            row.is_active = is_open
            row.version += 1
            row.save(update_fields=["is_active", "version", "updated_at"])
            audit.record(
                actor=actor,
                action="education.landmark_open" if is_open else "education.landmark_close",
                target=row,
                changes={"is_active": [old, is_open]},
                jurisdiction_id=row.jurisdiction_id,
            )
    return row


def reorder_landmarks(jurisdiction: Jurisdiction, orders: dict[int, int], *, actor: Any) -> int:
    """Set the order of the district's landmarks (``pk → order``); how many moved. A
    landmark of another district, or an order out of range, is refused (nothing written)."""
    permissions.check_office(actor, jurisdiction.pk, OFFICE_ONLY)
    bad = [pk for pk, order in orders.items() if not 0 <= order <= ORDER_MAX]
    if bad:
        refuse(f"order-{bad[0]}", f"排序应为0到{ORDER_MAX}之间的整数")
    with transaction.atomic():
        rows = {
            row.pk: row
            for row in Landmark.objects.select_for_update().filter(
                jurisdiction=jurisdiction, pk__in=list(orders)
            )
        }
        if len(rows) != len(orders):
            refuse("order", "请只排列本区的地标")
        moved = {}
        for pk, order in orders.items():
            row = rows[pk]
            if row.order != order:
                moved[str(pk)] = [row.order, order]
                Landmark.objects.filter(pk=pk).update(
                    order=order, version=row.version + 1, updated_at=timezone.now()
                )
        if moved:
            audit.record(
                actor=actor,
                action="education.landmark_order",
                target=jurisdiction,
                changes={"order": moved},
                jurisdiction_id=jurisdiction.pk,
            )
    return len(moved)


# --- photos --------------------------------------------------------------------------------


def check_photo(upload: UploadedFile | None) -> str:
    """The photo's extension by its content (.jpg, .png, .webp), or ``ValidationFailed``."""
    if upload is None:
        refuse("image", "请选择照片")
    if (upload.size or 0) > PHOTO_MAX_BYTES:
        refuse("image", f"照片不能超过{PHOTO_MAX_BYTES // (1024 * 1024)}MB")
    found, too_large = uploads.inspect_photo(upload, max_pixels=PHOTO_MAX_PIXELS)
    if found not in PHOTO_TYPES:
        refuse("image", "照片无法识别：请上传JPG、PNG或WebP图片")
    if too_large:
        refuse("image", "照片像素过大，请压缩后再上传")
    return PHOTO_TYPES[found]


def _caption(text: str | None) -> str:
    caption = _line(text)
    if len(caption) > 200 or has_control(caption):
        refuse("caption", "说明最多200个字")
    return caption


def add_photo(
    landmark: Landmark, upload: UploadedFile | None, *, caption: str = "", actor: Any
) -> LandmarkPhoto:
    """Add a photo (JPEG, PNG or WebP, decoded whole to be sure) to a landmark; audited."""
    permissions.check_office(actor, landmark.jurisdiction_id, OFFICE_ONLY)
    text = _caption(caption)
    extension = check_photo(upload)
    assert upload is not None
    if LandmarkPhoto.objects.filter(landmark=landmark).count() >= PHOTOS_MAX:
        refuse("image", f"每个地标最多{PHOTOS_MAX}张照片")
    with uploads.atomic_with_files():
        top = LandmarkPhoto.objects.filter(landmark=landmark).aggregate(m=Max("order"))["m"]
        photo = LandmarkPhoto(landmark=landmark, caption=text, order=(top or 0) + 1)
        field = LandmarkPhoto._meta.get_field("image")
        upload.seek(0)
        photo.image.name = uploads.store(
            field.generate_filename(photo, f"{secrets.token_hex(8)}{extension}"),
            upload,
            max_length=field.max_length or 300,
        )
        photo.save()
        audit.record(
            actor=actor,
            action="education.landmark_photo_add",
            target=landmark,
            changes={"photo_id": [None, photo.pk], "caption": [None, text]},
            jurisdiction_id=landmark.jurisdiction_id,
        )
    return photo


def set_photo_caption(photo: LandmarkPhoto, caption: str, *, actor: Any) -> LandmarkPhoto:
    landmark = photo.landmark
    permissions.check_office(actor, landmark.jurisdiction_id, OFFICE_ONLY)
    text = _caption(caption)
    if text != photo.caption:
        with transaction.atomic():
            old = photo.caption
            photo.caption = text
            photo.save(update_fields=["caption", "updated_at"])
            audit.record(
                actor=actor,
                action="education.landmark_photo_caption",
                target=landmark,
                changes={"photo_id": photo.pk, "caption": [old, text]},
                jurisdiction_id=landmark.jurisdiction_id,
            )
    return photo


def delete_photo(photo: LandmarkPhoto, *, actor: Any) -> None:
    """Remove a photo and its file (the file once the removal has committed)."""
    landmark = photo.landmark
    permissions.check_office(actor, landmark.jurisdiction_id, OFFICE_ONLY)
    storage, name = photo.image.storage, photo.image.name
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="education.landmark_photo_delete",
            target=landmark,
            changes={"photo_id": [photo.pk, None], "caption": [photo.caption, None]},
            jurisdiction_id=landmark.jurisdiction_id,
        )
        photo.delete()
        transaction.on_commit(lambda: storage.delete(name) if name else None)


# --- themed routes -------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteInput:
    name: str
    description: str = ""
    landmark_ids: Sequence[int] = ()  # the stops, in order


def _clean_route(
    jurisdiction_id: int, data: RouteInput, exclude: int | None
) -> tuple[dict[str, Any], list[int]]:
    errors: dict[str, str] = {}
    name = _line(data.name)
    if not name:
        errors["name"] = "请填写线路名称"
    elif len(name) > NAME_MAX or has_control(name):
        errors["name"] = f"线路名称最多{NAME_MAX}个字"
    elif (
        Route.objects.filter(jurisdiction_id=jurisdiction_id, name=name)
        .exclude(pk=exclude or 0)
        .exists()
    ):
        errors["name"] = f"本区已有名为“{name}”的线路"
    description = (data.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"线路介绍最多{DESCRIPTION_MAX}个字"
    stops = list(data.landmark_ids)
    mine = set(
        Landmark.objects.filter(jurisdiction_id=jurisdiction_id, pk__in=stops).values_list(
            "pk", flat=True
        )
    )
    for n, pk in enumerate(stops):
        if pk not in mine:
            errors[f"stops-{n}"] = "请从本区的地标中选择"
        elif pk in stops[:n]:
            errors[f"stops-{n}"] = "同一地标在一条线路中只能出现一次"
    if not stops:
        errors["stops"] = "请至少选择一个站点"
    elif len(stops) > ROUTE_STOPS_MAX:
        errors["stops"] = f"一条线路最多{ROUTE_STOPS_MAX}个站点"
    if errors:
        raise ValidationFailed("；".join(dict.fromkeys(errors.values())), errors)
    return {"name": name, "description": description}, stops


def _stops_of(route: Route) -> list[int]:
    return list(route.stops.order_by("order", "id").values_list("landmark_id", flat=True))


def save_route(
    jurisdiction: Jurisdiction,
    data: RouteInput,
    *,
    actor: Any,
    route: Route | None = None,
    version: int | None = None,
) -> Route:
    """Create (``route`` None) or edit a themed route: its name unique in the district, its
    stops the district's landmarks in order, each at most once; audited. An edit carries the
    ``version`` its form showed: another is refused (``StaleEdit``), never overwritten."""
    permissions.check_office(actor, jurisdiction.pk, OFFICE_ONLY)
    if route is not None and route.jurisdiction_id != jurisdiction.pk:
        raise NotFound("没有这条线路")
    values, stops = _clean_route(jurisdiction.pk, data, route.pk if route else None)
    with transaction.atomic():
        if route is None:
            try:
                with transaction.atomic():
                    row = Route.objects.create(jurisdiction=jurisdiction, **values)
            except IntegrityError:
                refuse("name", f"本区已有名为“{values['name']}”的线路")
            old: dict[str, Any] = {}
            before: list[int] = []
            action = "education.route_create"
        else:
            row = Route.objects.select_for_update().get(pk=route.pk)
            if version is None or row.version != version:
                raise StaleEdit(ROUTE_STALE)
            old = {"name": row.name, "description": row.description}
            before = _stops_of(row)
            for key, value in values.items():
                setattr(row, key, value)
            if audit.diff(old, values) or before != stops:
                row.version += 1
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                refuse("name", f"本区已有名为“{values['name']}”的线路")
            action = "education.route_update"
        if before != stops:
            RouteStop.objects.filter(route=row).delete()
            RouteStop.objects.bulk_create(
                [RouteStop(route=row, landmark_id=pk, order=n) for n, pk in enumerate(stops, 1)]
            )
        changes = audit.diff(old, values)
        if before != stops:
            changes["stops"] = [before, stops]
        if changes:
            audit.record(
                actor=actor,
                action=action,
                target=row,
                changes=changes,
                jurisdiction_id=jurisdiction.pk,
            )
    return row


def set_route_active(route: Route, active: bool, *, actor: Any) -> Route:
    permissions.check_office(actor, route.jurisdiction_id, OFFICE_ONLY)
    if route.is_active != active:
        with transaction.atomic():
            route.is_active = active
            route.save(update_fields=["is_active", "updated_at"])
            audit.record(
                actor=actor,
                action="education.route_activate" if active else "education.route_deactivate",
                target=route,
                changes={"is_active": [not active, active]},
                jurisdiction_id=route.jurisdiction_id,
            )
    return route


# --- the sensitive-word list ---------------------------------------------------------------


def add_sensitive_words(jurisdiction: Jurisdiction, text: str, *, actor: Any) -> list[str]:
    """Add the words of ``text`` (one a line) to the district's list; the words added. A
    word already on the list — compared as check-ins compare (no spaces, case or
    full/half-width differences) — is skipped."""
    permissions.check_office(actor, jurisdiction.pk, OFFICE_ONLY)
    words = [w.strip() for w in (text or "").splitlines() if w.strip()]
    if not words:
        refuse("words", "请填写敏感词，每行一个")
    if len(words) > WORDS_AT_ONCE:
        refuse("words", f"一次最多添加{WORDS_AT_ONCE}个词")
    for n, word in enumerate(words, 1):
        if len(word) > WORD_MAX or has_control(word):
            refuse("words", f"第{n}行：每个词最多{WORD_MAX}个字")
        if not folded(word):
            refuse("words", f"第{n}行：词语不能只有空格")
    with transaction.atomic():
        have = {
            folded(w)
            for w in SensitiveWord.objects.filter(jurisdiction=jurisdiction).values_list(
                "word", flat=True
            )
        }
        added: list[str] = []
        for word in words:
            key = folded(word)
            if key in have:
                continue
            have.add(key)
            added.append(word)
        SensitiveWord.objects.bulk_create(
            [SensitiveWord(jurisdiction=jurisdiction, word=w) for w in added],
            ignore_conflicts=True,  # the same word added at the same moment elsewhere
        )
        if added:
            audit.record(
                actor=actor,
                action="education.sensitive_words_add",
                target=jurisdiction,
                changes={"words": [None, added]},
                jurisdiction_id=jurisdiction.pk,
            )
    return added


def remove_sensitive_words(
    jurisdiction: Jurisdiction, ids: Iterable[int], *, actor: Any
) -> list[str]:
    """Remove words of the district's list by id; the words removed."""
    permissions.check_office(actor, jurisdiction.pk, OFFICE_ONLY)
    with transaction.atomic():
        found = SensitiveWord.objects.filter(jurisdiction=jurisdiction, pk__in=list(ids))
        removed = list(found.order_by("word").values_list("word", flat=True))
        if removed:
            found.delete()
            audit.record(
                actor=actor,
                action="education.sensitive_words_remove",
                target=jurisdiction,
                changes={"words": [removed, None]},
                jurisdiction_id=jurisdiction.pk,
            )
    return removed
