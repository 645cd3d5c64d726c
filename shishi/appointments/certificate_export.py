"""Health certificates exported to a provincial e-certificate platform: the file contract
(docs/appointments.md, "Export to the province") and its one writer, used by the office's
download on the certificates page and by ``shishi export_certificates``.

The file: CSV (RFC 4180: comma, double quotes, CRLF), UTF-8 without a byte-order mark, one
header row, then one row per certificate of the district issued or revoked on or after the
day asked for, in the order issued. A row is the certificate as it stands now: a revocation
is the same number again with ``status`` ``revoked`` and ``revoked_at``/``revoke_reason``
filled; a re-issue is a new number whose ``previous_number`` is the holder's certificate
before it. The province upserts by ``number``. The ID number is in full (the province
matches people by it), so the export is the office's alone and every export is audited
(who, which district, since when, how many rows — never a number)."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any, TextIO

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shishi.appointments import permissions
from shishi.appointments.certificate_selectors import status_of
from shishi.appointments.models import HealthCertificate
from shishi.core import audit
from shishi.core.errors import NotFound, PermissionDenied
from shishi.orgs.models import Jurisdiction

COLUMNS = (
    "number",
    "district_code",
    "holder_name",
    "id_number",
    "trade",
    "issuer",
    "valid_from",
    "valid_until",
    "status",
    "revoked_at",
    "revoke_reason",
    "previous_number",
)


def _district(code: str) -> Jurisdiction:
    district = Jurisdiction.objects.filter(code=code, level=Jurisdiction.Level.DISTRICT).first()
    if district is None:
        raise NotFound("没有找到这个区县")
    return district


def export(
    out: TextIO,
    *,
    jurisdiction_code: str,
    since: dt.date,
    actor: Any = None,
    via: str = "page",
    today: dt.date | None = None,
) -> int:
    """Write the district's file to ``out``; how many certificates. ``actor`` None is the
    server's command (its operator, not a user); a user must be the district's office."""
    district = _district(jurisdiction_code)
    if actor is not None and not permissions.is_office(actor, district.pk):
        raise PermissionDenied("只有专班可以导出健康证（含完整身份证号）")
    today = today or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(since, dt.time()))
    rows = (
        HealthCertificate.objects.filter(jurisdiction=district)
        .filter(Q(valid_from__gte=since) | Q(revoked_at__gte=start))
        .select_related("resident", "issuer")
        .order_by("valid_from", "pk")
    )
    chosen = list(rows)
    earlier: dict[int, list[tuple[dt.date, int, str]]] = {}
    for resident_id, valid_from, pk, number in (
        HealthCertificate.objects.filter(
            jurisdiction=district, resident_id__in={c.resident_id for c in chosen}
        )
        .order_by("valid_from", "pk")
        .values_list("resident_id", "valid_from", "pk", "number")
    ):
        earlier.setdefault(resident_id, []).append((valid_from, pk, number))
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for c in chosen:
        before = [
            n for f, pk, n in earlier.get(c.resident_id, []) if (f, pk) < (c.valid_from, c.pk)
        ]
        writer.writerow(
            [
                c.number,
                district.code,
                c.holder_name,
                c.resident.id_number.reveal(),
                c.trade,
                c.issuer.name,
                c.valid_from.isoformat(),
                c.valid_until.isoformat(),
                status_of(c.revoked_at, c.valid_until, today),
                timezone.localtime(c.revoked_at).isoformat(timespec="seconds")
                if c.revoked_at
                else "",
                c.revoke_reason,
                before[-1] if before else "",
            ]
        )
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="appointments.export_certificates",
            target=district,
            changes={"since": since.isoformat(), "rows": len(chosen), "via": via},
            jurisdiction_id=district.pk,
        )
    return len(chosen)
