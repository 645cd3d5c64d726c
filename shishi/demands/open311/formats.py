"""Open311 records and their two formats.

Records follow the GeoReport v2 spec (http://wiki.open311.org/GeoReport_v2): field names as
the spec's, times ISO 8601 with their zone (Asia/Shanghai, ``+08:00``), ``lat``/``long``
WGS-84 as numbers, empty values null. A public request carries no name, phone or ID, and
the mobile and ID numbers typed into its text are masked (``core.pii_text``); so are
landlines in the resident's own text (description, address), not in the unit's reply,
where they are the office's public numbers.

JSON follows the spec's Spark convention (a list at the root where the XML root holds
repeated elements; a container of repeated elements is a list). XML is built with
ElementTree (escaped by it), UTF-8 with its declaration, no namespace.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from shishi.core import pii, pii_text
from shishi.demands.models import Category, Demand, Status
from shishi.demands.open311.selectors import CLOSED_STATUSES

SPEC = "http://wiki.open311.org/GeoReport_v2"
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# Root element → its repeated child, and container → child, for the XML of lists.
CHILD = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
OPEN_NOTES = {
    Status.RECEIVED: "已受理，等待派单",
    Status.DISPATCHED: "已派单，等待承办单位签收",
    Status.SENT_BACK: "正在重新派单",
    Status.ACCEPTED: "承办单位办理中",
}
# XML 1.0 cannot hold C0 controls but tab, LF and CR (nor U+FFFE/U+FFFF): the input rule keeps
# them out of what people type; this keeps any that came another way from breaking a document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LANDLINE = re.compile(r"(?<![0-9A-Za-z])(0\d{2,3})[-\s]?([2-9]\d{6,7})(?![0-9A-Za-z])")


def w3_datetime(value: Any) -> str | None:
    """ISO 8601 with the zone, to the second: 2024-05-01T09:30:00+08:00."""
    if value is None:
        return None
    return str(timezone.localtime(value).isoformat(timespec="seconds"))


def resident_text(text: str) -> str:
    """A resident's text made public: mobile, ID and landline numbers masked."""
    masked = pii_text.mask_personal_numbers(text or "")
    return _LANDLINE.sub(lambda m: pii.mask_landline(m.group(1) + m.group(2)), masked)


def service_record(category: Category) -> dict[str, Any]:
    parent = category.parent.name if category.parent_id and category.parent else ""
    keywords = ", ".join(dict.fromkeys(n for n in (category.name, parent) if n))
    description = f"{category.name}：承办单位签收后{category.resolve_workdays}个工作日内办理答复"
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": description,
        "metadata": False,
        "type": "realtime",
        "keywords": keywords,
        "group": parent or category.name,
    }


def definition_record(category: Category) -> dict[str, Any]:
    return {"service_code": category.code, "attributes": []}


def request_record(demand: Demand) -> dict[str, Any]:
    closed = demand.status in CLOSED_STATUSES
    if closed:
        notes = pii_text.mask_personal_numbers(demand.reply) or "已办结"
    elif demand.status == Status.ACCEPTED and demand.reopened:
        notes = "重新办理中"
    else:
        notes = OPEN_NOTES.get(Status(demand.status), "")
    agency = (
        demand.unit.name
        if demand.unit_id and demand.unit and demand.status != Status.SENT_BACK
        else None
    )
    expected = demand.resolve_by if demand.status == Status.ACCEPTED else None
    return {
        "service_request_id": str(demand.pk),
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": demand.category.name,
        "service_code": demand.category.code,
        "description": resident_text(demand.description),
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": w3_datetime(demand.created_at),
        "updated_datetime": w3_datetime(demand.updated_at),
        "expected_datetime": w3_datetime(expected),
        "address": resident_text(demand.address) or None,
        "address_id": None,
        "zipcode": None,
        "lat": float(demand.lat) if demand.lat is not None else None,
        "long": float(demand.lon) if demand.lon is not None else None,
        "media_url": None,
    }


def error_records(status: int, messages: list[str]) -> list[dict[str, Any]]:
    return [{"code": status, "description": m} for m in messages]


# --- the two formats -----------------------------------------------------------------------


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _blank_to_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank_to_none(v) for v in value]
    return None if value == "" else value


def to_json(data: Any) -> bytes:
    return json.dumps(_blank_to_none(data), ensure_ascii=False).encode()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, inner in value.items():
            _fill(ET.SubElement(element, name), inner)
    elif isinstance(value, list):
        child = CHILD[element.tag]
        for inner in value:
            _fill(ET.SubElement(element, child), inner)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def render(data: Any, fmt: str, *, root: str, status: int = 200) -> HttpResponse:
    """``data`` (a list for list roots) as ``fmt``; ``root`` names the XML root element."""
    body = to_json(data) if fmt == "json" else to_xml(root, data)
    return HttpResponse(
        body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["xml"])
    )
