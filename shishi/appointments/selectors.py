"""Reads of the appointment services."""

from __future__ import annotations

from typing import Any

from shishi.appointments import permissions
from shishi.appointments.models import Service
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.orgs.models import Jurisdiction


def service_for(user: Any, code: str, jurisdiction_code: str | None) -> Service:
    """The active service ``code`` of the district named by its division code, or of the
    user's one district when none is named (several: 422 asking for ``jurisdiction``)."""
    ids = permissions.operator_jurisdiction_ids(user)
    if not ids:
        raise PermissionDenied("只有接线员和专班可以查询服务条件")
    districts = Jurisdiction.objects.filter(pk__in=ids, level=Jurisdiction.Level.DISTRICT)
    if jurisdiction_code:
        district = districts.filter(code=jurisdiction_code).first()
        if district is None:
            raise NotFound("没有找到这个区县")
    else:
        found = list(districts[:2])
        if len(found) != 1:
            message = "请用 jurisdiction 指明区县（行政区划代码）"
            raise ValidationFailed(message, {"jurisdiction": message})
        district = found[0]
    service = Service.objects.filter(jurisdiction=district, code=code, is_active=True).first()
    if service is None:
        raise NotFound("本区没有这项服务")
    return service
