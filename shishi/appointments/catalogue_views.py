"""The office's catalogue pages: ``services`` (the district's services and their counts),
``service`` (edit one: settings, rules as rows, staff, the ledger target it feeds) and
``matters`` (the list staff choose from on a visit). Thin: parse, one selector or service,
render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shishi.appointments import catalogue_forms, catalogue_selectors, catalogue_services
from shishi.core.errors import NotFound, ValidationFailed
from shishi.core.forms import submit


@login_required
@require_GET
def services(request: HttpRequest) -> HttpResponse:
    place, rows = catalogue_selectors.services_page(request.user, request.GET.get("jurisdiction"))
    context = {"place": place, "rows": rows}
    return TemplateResponse(request, "appointments/visits/services.html", context)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def service(request: HttpRequest, pk: int) -> HttpResponse:
    page = catalogue_selectors.service_page(request.user, pk)
    svc = page.service
    units = catalogue_selectors.district_units(svc.jurisdiction_id)
    targets = catalogue_selectors.district_targets(svc.jurisdiction_id)
    form = catalogue_forms.ServiceForm(
        initial=catalogue_forms.ServiceForm.initial_of(svc), units=units, targets=targets
    )
    staff_form = catalogue_forms.StaffForm(users=page.candidates)
    status = 200
    here = reverse("appointments:service", args=[pk])
    if request.method == "POST":
        action = request.POST.get("action") or "save"
        if action in ("staff_off", "staff_on"):
            row = next((s for s in page.staff if s.pk == _int(request.POST.get("staff"))), None)
            if row is None:
                raise NotFound("没有找到这名服务人员")
            catalogue_services.set_staff_active(row, action == "staff_on", actor=request.user)
            messages.success(request, _("服务人员已更新"))
            return redirect(here + "#staff")
        if action == "add_staff":
            staff_form = catalogue_forms.StaffForm(request.POST, users=page.candidates)
            outcome = submit(
                staff_form,
                lambda d: catalogue_services.add_staff(svc, d["user"], actor=request.user),
            )
            if outcome.saved:
                messages.success(request, _("已添加服务人员"))
                return redirect(here + "#staff")
            status = outcome.status
        else:
            form = catalogue_forms.ServiceForm(request.POST, units=units, targets=targets)

            def save(d: dict[str, Any]) -> None:
                catalogue_services.update_service(
                    svc,
                    catalogue_services.ServiceInput(
                        name=d["name"],
                        unit_id=d["unit"],
                        where=d["where"],
                        bring=d["bring"],
                        per_staff_day=d["per_staff_day"],
                        is_active=d["is_active"],
                        age_from=d["age_from"],
                        match=d["match"],
                        rules=d["rules"],
                        target_id=d["target"],
                    ),
                    actor=request.user,
                )

            outcome = submit(form, save)
            if outcome.saved:
                messages.success(request, _("服务设置已保存"))
                return redirect(here)
            status = outcome.status
    context = {"page": page, "form": form, "staff_form": staff_form}
    return TemplateResponse(request, "appointments/visits/service.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def matters(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("jurisdiction") or request.GET.get("jurisdiction")
    place, rows = catalogue_selectors.matters_page(request.user, code)
    form = catalogue_forms.MatterForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action") or "add"
        here = f"{reverse('appointments:matters')}?jurisdiction={place.district.code}"
        if action == "add":
            form = catalogue_forms.MatterForm(request.POST)
            outcome = submit(
                form,
                lambda d: catalogue_services.add_matter(
                    place.district.pk, d["name"], actor=request.user
                ),
            )
            if outcome.saved:
                messages.success(request, _("已添加事项"))
                return redirect(here)
            status = outcome.status
        else:
            matter = next((m for m in rows if m.pk == _int(request.POST.get("matter"))), None)
            if matter is None:
                raise NotFound("没有找到这个事项")
            try:
                if action == "rename":
                    catalogue_services.rename_matter(
                        matter, request.POST.get("name", ""), actor=request.user
                    )
                elif action in ("up", "down"):
                    catalogue_services.move_matter(
                        matter, "up" if action == "up" else "down", actor=request.user
                    )
                elif action in ("off", "on"):
                    catalogue_services.set_matter_active(matter, action == "on", actor=request.user)
                else:
                    raise ValidationFailed("未知的操作", {"action": "未知的操作"})
            except ValidationFailed as exc:
                messages.error(request, f"“{matter.name}”：{exc.message}")
                place, rows = catalogue_selectors.matters_page(request.user, place.district.code)
                context = {"place": place, "rows": rows, "form": form}
                return TemplateResponse(
                    request, "appointments/visits/matters.html", context, status=422
                )
            messages.success(request, _("事项已更新"))
            return redirect(here)
    context = {"place": place, "rows": rows, "form": form}
    return TemplateResponse(request, "appointments/visits/matters.html", context, status=status)
