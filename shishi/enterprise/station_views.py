"""The station pages (``/enterprise/stations/…``): the list with a new station's form for the
office; a station's page with its facts (edited by the office against the stamp it was
loaded with), its staff and the enterprises it serves (added and removed by the office), its
recent requests and this year's figures."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from shishi.core.errors import PermissionDenied
from shishi.core.forms import submit
from shishi.enterprise import station_selectors as sel
from shishi.enterprise import stations as svc
from shishi.enterprise.station_forms import EnterpriseForm, RemoveForm, StaffForm, StationForm


@login_required
@require_http_methods(["GET", "POST"])
def stations(request: HttpRequest) -> HttpResponseBase:
    districts = sel.office_districts(request.user)
    rows = sel.station_list(request.user)
    if not districts and not rows:
        raise PermissionDenied("您的账号没有益企工作站方面的工作")
    form = StationForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"rows": rows, "districts": districts, "form": form}
    if request.method != "POST":
        return TemplateResponse(request, "enterprise/stations/list.html", context)
    district = sel.office_district(request.user, request.POST.get("district"))
    made: dict[str, int] = {}

    def save(data: dict[str, Any]) -> None:
        made["pk"] = svc.create_station(
            district.pk,
            name=data["name"],
            address=data.get("address") or "",
            is_active=bool(data.get("is_active")),
            actor=request.user,
        ).pk

    outcome = submit(form, save)
    if outcome.saved:
        return redirect("enterprise:station", pk=made["pk"])
    return TemplateResponse(
        request, "enterprise/stations/list.html", context, status=outcome.status
    )


ACTIONS = ("edit", "add_staff", "remove_staff", "add_enterprise", "remove_enterprise")


@login_required
@require_http_methods(["GET", "POST"])
def station(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = sel.access_station(request.user, pk)
    view = sel.station_view(request.user, found)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    data = request.POST if request.method == "POST" else None
    forms: dict[str, Any] = {
        "edit": StationForm(
            data if action == "edit" else None,
            initial={
                "name": found.name,
                "address": found.address,
                "is_active": found.is_active,
                "stamp": view.stamp,
            },
        ),
        "add_staff": StaffForm(data if action == "add_staff" else None),
        "add_enterprise": EnterpriseForm(data if action == "add_enterprise" else None),
        "remove_staff": RemoveForm(data if action == "remove_staff" else None),
        "remove_enterprise": RemoveForm(data if action == "remove_enterprise" else None),
    }
    context: dict[str, Any] = {"v": view, "forms": forms, "stale": ""}
    status = 200
    if action in ACTIONS:
        if not view.can_manage:
            raise PermissionDenied("只有本区专班可以管理益企工作站")
        form = forms[action]

        def save(d: dict[str, Any]) -> None:
            if action == "edit":
                svc.update_station(
                    found,
                    name=d["name"],
                    address=d.get("address") or "",
                    is_active=bool(d.get("is_active")),
                    actor=request.user,
                    expected_stamp=d.get("stamp") or None,
                )
            elif action == "add_staff":
                svc.add_staff(found, username=d["username"], actor=request.user)
            elif action == "remove_staff":
                svc.remove_staff(found, user_id=d["target"], actor=request.user)
            elif action == "add_enterprise":
                svc.add_enterprise(found, code=d["uscc"], actor=request.user)
            else:
                svc.remove_enterprise(found, enterprise_id=d["target"], actor=request.user)

        outcome = submit(form, save)
        if outcome.saved:
            return redirect("enterprise:station", pk=found.pk)
        status = outcome.status
        if outcome.status == 409:
            context["stale"] = outcome.stale_message
            fresh = sel.access_station(request.user, pk)
            context["v"] = sel.station_view(request.user, fresh)
            form.data = request.POST.copy()
            form.data["stamp"] = context["v"].stamp
    return TemplateResponse(request, "enterprise/stations/station.html", context, status=status)
