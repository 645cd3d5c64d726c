"""Parsing of the portal's query strings and publication forms: bad input is ignored or
refused with a clear message, never a 500."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import QueryDict

from shishi.core.errors import ValidationFailed
from shishi.portal.selectors import SEARCH_MAX_LENGTH

PUBLIC_PER_PAGE = 30
MANAGE_PER_PAGE = 100
MANAGE_STATES = ("public", "private")


def _int(value: str | None, *, minimum: int = 1, maximum: int = 2**62) -> int | None:
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if minimum <= number <= maximum else None


def parse_id(value: str | None) -> int | None:
    """A positive id from a query parameter, else None."""
    return _int(value)


def _ids(data: QueryDict, key: str, invalid: str) -> list[int]:
    """Every value of ``key`` as an id; one that is not refuses the request (``invalid``)."""
    out = []
    for raw in data.getlist(key):
        number = _int(raw)
        if number is None:
            raise ValidationFailed(invalid)
        out.append(number)
    return out


def _text(value: str | None) -> str:
    return " ".join((value or "").split())[:SEARCH_MAX_LENGTH]


@dataclass
class PublicQuery:
    q: str = ""
    category: int | None = None
    page: int = 1

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.category)


def parse_public_query(data: QueryDict) -> PublicQuery:
    return PublicQuery(
        q=_text(data.get("q")),
        category=_int(data.get("category")),
        page=_int(data.get("page"), maximum=100_000) or 1,
    )


@dataclass
class ManageQuery:
    q: str = ""
    category: int | None = None
    state: str = ""  # "", "public", "private"
    page: int = 1

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.category or self.state)

    def querystring(self) -> str:
        """The filters as a query string, to come back to the same list after a change."""
        pairs = [
            (key, value)
            for key, value in (
                ("q", self.q),
                ("category", self.category or ""),
                ("state", self.state),
                ("page", self.page if self.page > 1 else ""),
            )
            if value
        ]
        return urlencode(pairs)


def parse_manage_query(data: QueryDict) -> ManageQuery:
    state = (data.get("state") or "").strip()
    return ManageQuery(
        q=_text(data.get("q")),
        category=_int(data.get("category")),
        state=state if state in MANAGE_STATES else "",
        page=_int(data.get("page"), maximum=100_000) or 1,
    )


def parse_public_flag(data: QueryDict) -> bool:
    """The wanted state of a publication toggle: ``public=1`` or ``public=0``."""
    value = (data.get("public") or "").strip()
    if value not in ("0", "1"):
        raise ValidationFailed("请求无效：缺少公开状态，请刷新页面后重试")
    return value == "1"


def parse_versions(data: QueryDict, ids: list[int] | None = None) -> dict[int, int]:
    """The item versions the page was rendered with (hidden fields ``v<id>``)."""
    out: dict[int, int] = {}
    for key in data:
        if not key.startswith("v"):
            continue
        item_id, version = _int(key[1:]), _int(data.get(key))
        if item_id is not None and version is not None and (ids is None or item_id in ids):
            out[item_id] = version
    return out


@dataclass
class BulkRequest:
    item_ids: list[int]
    public: bool
    versions: dict[int, int]


def parse_bulk(data: QueryDict) -> BulkRequest:
    """The bulk form: ticked ``items``, the ``action`` (publish/unpublish), the versions."""
    action = data.get("action")
    if action not in ("publish", "unpublish"):
        raise ValidationFailed("请求无效：请选择“公开”或“取消公开”")
    ids = _ids(data, "items", "请求无效：所选事项有误，请刷新页面后重试")
    if not ids:
        raise ValidationFailed("请先勾选事项")
    return BulkRequest(item_ids=ids, public=action == "publish", versions=parse_versions(data, ids))


def parse_attachment_ids(data: QueryDict) -> list[int]:
    """Photos ticked to be published with an update (``photos``)."""
    return _ids(data, "photos", "请求无效：所选照片有误，请刷新页面后重试")
