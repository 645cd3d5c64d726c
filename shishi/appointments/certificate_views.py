"""The clinic's and the office's health-certificate pages (thin: parse, one selector or
service, render): the clinic's day (bookings and registrations, a walk-in registered), an
examination (results, conclusion, the certificate issued), the district's certificates
(by status, expiring, search by number; the export), a certificate (QR code, revocation,
the holder's ID number on an audited click; printable)."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.appointments import certificate_export, certificates
from shishi.appointments import certificate_selectors as selectors
from shishi.appointments.certificate_forms import (
    CertificateFilterForm,
    ConcludeForm,
    ExportForm,
    ResultForm,
    RevokeForm,
    WalkInForm,
)
from shishi.appointments.certificate_qr import qr_path
from shishi.core.errors import NotFound, PermissionDenied
from shishi.core.forms import submit
from shishi.core.http import is_htmx_fragment, stored_file_response
from shishi.orgs.permissions import scope_for


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


# --- the clinic ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def exams(request: HttpRequest) -> HttpResponse:
    """Today's appointments and registrations of the clinic; a walk-in registered."""
    today = timezone.localdate()
    clinic_id = _int(request.POST.get("clinic") or request.GET.get("clinic"))
    day = selectors.clinic_day(request.user, clinic_id, today)
    form = WalkInForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        made: list[int] = []

        def save(c: dict[str, Any]) -> None:
            exam = certificates.register_exam(
                day.clinic.jurisdiction_id,
                certificates.ExamInput(
                    clinic_id=day.clinic.pk,
                    trade=c["trade"],
                    employer=c.get("employer") or "",
                    id_checked=bool(c.get("id_checked")),
                    photo=c.get("photo"),
                    booking_id=c.get("booking"),
                    name=c.get("name") or "",
                    id_number=c.get("id_number") or "",
                    phone=c.get("phone") or "",
                ),
                actor=request.user,
            )
            made.append(exam.pk)

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, "已登记，请录入检查结果")
            return redirect("appointments:exam", pk=made[0])
        status = outcome.status
    return TemplateResponse(
        request,
        "appointments/certs/exams.html",
        {"day": day, "form": form, "booking_id": _int(request.POST.get("booking"))},
        status=status,
    )


def _exam_page(
    request: HttpRequest, pk: int, *, status: int = 200, **forms: Any
) -> TemplateResponse:
    page = selectors.exam_page(request.user, pk)
    version = page.exam.version
    result_forms = []
    for row in page.rows:
        form = forms.get(f"result_{row.item}") or ResultForm(
            initial={
                "item": row.item,
                "result": row.result.result if row.result else "",
                "normal": row.result.normal if row.result else True,
                "version": version,
            },
            prefix=row.item,
        )
        result_forms.append((row, form))
    conclude = forms.get("conclude") or ConcludeForm(initial={"version": version})
    return TemplateResponse(
        request,
        "appointments/certs/exam.html",
        {"page": page, "result_forms": result_forms, "conclude": conclude},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def exam(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Results entry (one form per item), the conclusion, the certificate issued."""
    if request.method != "POST":
        return _exam_page(request, pk)
    current = selectors.access_exam(request.user, pk)
    action = request.POST.get("action", "")
    if action == "result":
        item = request.POST.get("item", "")
        form = ResultForm(request.POST, prefix=item if item in dict(_items()) else None)
        outcome = submit(
            form,
            lambda c: certificates.record_result(
                current,
                c["item"],
                result=c["result"],
                normal=bool(c.get("normal")),
                actor=request.user,
                expected_version=c.get("version"),
            ),
        )
        if outcome.saved:
            messages.success(request, "已记录")
            return redirect("appointments:exam", pk=pk)
        if outcome.stale_message:
            messages.error(request, outcome.stale_message)
            return _exam_page(request, pk, status=409)
        if item not in dict(_items()):
            messages.error(request, "没有这个检查项目")
        elif form.non_field_errors():
            messages.error(request, str(form.non_field_errors()[0]))
        return _exam_page(request, pk, status=outcome.status, **{f"result_{item}": form})
    if action == "conclude":
        form_c = ConcludeForm(request.POST)
        outcome = submit(
            form_c,
            lambda c: certificates.conclude(
                current,
                c["conclusion"],
                barred_condition=c.get("barred_condition") or "",
                actor=request.user,
                expected_version=c.get("version"),
            ),
        )
        if outcome.saved:
            messages.success(request, "已作出结论")
            return redirect("appointments:exam", pk=pk)
        if outcome.stale_message:
            messages.error(request, outcome.stale_message)
            return _exam_page(request, pk, status=409)
        return _exam_page(request, pk, status=outcome.status, conclude=form_c)
    if action == "issue":
        cert = certificates.issue_certificate(current, actor=request.user)
        messages.success(request, f"已发证，证号{cert.number}")
        return redirect("appointments:certificate", pk=cert.pk)
    raise NotFound("没有这个操作")


def _items() -> list[tuple[str, str]]:
    from shishi.appointments.models import ExamItem

    return [(v, str(label)) for v, label in ExamItem.choices]


@login_required
@require_GET
def exam_photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = selectors.access_exam(request.user, pk)
    if not found.photo:
        raise NotFound("没有照片")
    return stored_file_response(found.photo, f"exam-{found.pk}.jpg", "")


# --- certificates ------------------------------------------------------------------------------


@login_required
@require_GET
def certificates_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = CertificateFilterForm(request.GET)
    given = form.filters()
    filters = selectors.CertificateFilters(
        status=given.get("status") or "",
        expiring=bool(given.get("expiring")),
        number=given.get("number") or "",
    )
    page, rows = selectors.certificate_page(
        request.user, filters, request.GET.get("page") or 1, today=today
    )
    districts = selectors.office_districts(request.user)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "paginator": page.paginator,
        "page_range": page.paginator.get_elided_page_range(page.number),
        "rows": rows,
        "form": form,
        "export": ExportForm(districts=districts) if districts else None,
        "query": query.urlencode(),
        "hx_target": "cert-list",
    }
    if is_htmx_fragment(request):
        return TemplateResponse(request, "appointments/certs/certificates.html#list", context)
    return TemplateResponse(request, "appointments/certs/certificates.html", context)


@login_required
@require_POST
def certificates_export(request: HttpRequest) -> HttpResponseBase:
    """The office's download of the province's file (audited; full ID numbers)."""
    districts = selectors.office_districts(request.user)
    if not districts:
        raise PermissionDenied("只有专班可以导出健康证（含完整身份证号）")
    form = ExportForm(request.POST, districts=districts)
    if not form.is_valid():
        messages.error(request, "请选择区县并填写起始日期（YYYY-MM-DD）")
        return redirect("appointments:certificates")
    c = form.cleaned_data
    buffer = io.StringIO()
    certificate_export.export(
        buffer, jurisdiction_code=c["jurisdiction"], since=c["since"], actor=request.user
    )
    response = HttpResponse(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    name = f"health-certificates-{c['jurisdiction']}-since-{c['since']:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _certificate_context(request: HttpRequest, pk: int, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    cert = selectors.access_certificate(request.user, pk)
    return {
        "row": selectors.certificate_row(cert, today),
        "cert": cert,
        "qr": qr_path(certificates.verification_url(cert.number)),
        "verify_url": certificates.verification_url(cert.number),
        "is_office": scope_for(request.user).is_office_for(cert.jurisdiction_id),
        "revoke_form": extra.pop("revoke_form", None) or RevokeForm(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def certificate(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The certificate with its QR code; revoke with a reason; the holder's ID number shown
    on the office's audited click (an htmx fragment, or the page)."""
    if request.method == "POST":
        cert = selectors.access_certificate(request.user, pk)
        action = request.POST.get("action", "")
        if action == "reveal":
            shown = certificates.reveal_id_number(cert, actor=request.user)
            context = _certificate_context(request, pk, shown_id=shown)
            if is_htmx_fragment(request):
                return TemplateResponse(
                    request, "appointments/certs/certificate.html#id-number", context
                )
            return TemplateResponse(request, "appointments/certs/certificate.html", context)
        if action == "revoke":
            form = RevokeForm(request.POST)
            outcome = submit(
                form,
                lambda c: certificates.revoke(cert, reason=c["reason"], actor=request.user),
            )
            if outcome.saved:
                messages.success(request, "已撤销，公开查验即显示为已撤销")
                return redirect("appointments:certificate", pk=pk)
            if outcome.stale_message:
                messages.error(request, outcome.stale_message)
            return TemplateResponse(
                request,
                "appointments/certs/certificate.html",
                _certificate_context(request, pk, revoke_form=form),
                status=outcome.status,
            )
        raise NotFound("没有这个操作")
    return TemplateResponse(
        request, "appointments/certs/certificate.html", _certificate_context(request, pk)
    )


@login_required
@require_GET
def certificate_print(request: HttpRequest, pk: int) -> HttpResponse:
    return TemplateResponse(
        request, "appointments/certs/certificate_print.html", _certificate_context(request, pk)
    )
