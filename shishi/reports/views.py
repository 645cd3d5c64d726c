"""The reports pages: the office's cycles and period overviews, the units' submissions.

Thin views: parse, call one selector or service, render (service errors become pages as in
the ledger's views).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.forms import submit, with_version
from shishi.core.http import content_disposition, is_htmx_fragment
from shishi.ledger.models import Programme
from shishi.ledger.permissions import access_programme
from shishi.reports import chasing, permissions, selectors, services
from shishi.reports import forms as report_forms
from shishi.reports import indicators as indicator_rules
from shishi.reports import periods as period_rules
from shishi.reports.indicator_forms import IndicatorForm, initial_of
from shishi.reports.models import Cycle, Indicator, Period, Submission


def _submission_url(submission: Submission) -> str:
    return reverse("reports:submission", args=[submission.pk])


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The office's cycles with their latest periods; a unit's submissions."""
    cycles = list(selectors.office_cycles(request.user))
    latest = selectors.period_counts(
        Period.objects.filter(cycle__in=cycles).select_related("cycle").order_by("-start")[:50]
    )
    context = {
        "cycles": cycles,
        "latest": latest,
        "submissions": list(selectors.my_submissions(request.user)[:100]),
        "is_office": selectors.office_districts(request.user).exists(),
        "now": timezone.now(),
    }
    return TemplateResponse(request, "reports/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cycle(request: HttpRequest, pk: int) -> HttpResponse:
    found = permissions.access_cycle(request.user, pk)
    permissions.require_office(request.user, found.jurisdiction_id)
    status = 200
    if request.method == "POST":
        form = report_forms.OpenPeriodForm(request.POST)

        def save(c: dict[str, Any]) -> None:
            opened = services.open_period(found, c["period"], actor=request.user)
            messages.success(
                request,
                _("%(label)s已开启，新发起%(n)s份报送")
                % {"label": opened.period.label, "n": opened.created},
            )

        outcome = submit(form, save)
        if outcome.saved:
            return redirect("reports:cycle", pk=found.pk)
        status = outcome.status
    else:
        current = period_rules.period_of(timezone.localdate(), found.cadence)
        form = report_forms.OpenPeriodForm(initial={"period": current.key})
    context = {
        "cycle": found,
        "form": form,
        "periods": selectors.period_counts(found.periods.order_by("-start")),
        "sections": list(found.sections.all()),
        "figures": list(found.figures.all()),
        "units": list(found.units.order_by("name")),
        "punctuality": chasing.punctuality(found),
    }
    return TemplateResponse(request, "reports/cycle.html", context, status=status)


@login_required
def period(request: HttpRequest, pk: int) -> HttpResponse:
    found = permissions.access_office_period(request.user, pk)
    overview = selectors.period_overview(request.user, found)
    context = {"period": found, "cycle": found.cycle, "overview": overview}
    return TemplateResponse(request, "reports/period.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def submission(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    found = permissions.access_submission(user, pk)
    page = selectors.submission_page(user, found)
    status = 200
    stale = ""
    if request.method == "POST":
        form = report_forms.SubmissionForm(page, request.POST, request.FILES)

        def save(c: dict[str, Any]) -> None:
            saved = services.save_draft(
                found, form.draft(), actor=user, expected_version=c["version"]
            )
            if c["action"] == "submit":
                saved = services.submit(
                    saved, actor=user, expected_version=saved.version, files=form.uploads()
                )
            elif c["action"] == "sign_off":
                saved = services.sign_off(
                    saved, actor=user, expected_version=saved.version, files=form.uploads()
                )
            messages.success(request, _status_message(saved, c["action"]))

        outcome = submit(form, save)
        if outcome.saved:
            return redirect(_submission_url(found))
        status, stale = outcome.status, outcome.stale_message
        if stale:
            found = permissions.access_submission(user, pk)
            page = selectors.submission_page(user, found)
            form = report_forms.SubmissionForm(page, with_version(request.POST, found.version))
    else:
        form = report_forms.SubmissionForm(page)
    context = {
        "submission": found,
        "period": found.period,
        "cycle": found.period.cycle,
        "page": page,
        "form": form,
        "rows": form.bound_rows(),
        "return_form": report_forms.ReturnForm(initial={"version": found.version}),
        "stale_message": stale,
        "can_return": _can_return(user, found),
        "chases": chasing.chases_of(found),
    }
    return TemplateResponse(request, "reports/submission.html", context, status=status)


def _can_return(user: Any, found: Submission) -> bool:
    if found.status == Submission.Status.SUBMITTED:
        return permissions.is_office(user, found.jurisdiction_id)
    if found.status == Submission.Status.AWAITING_SIGN_OFF:
        return permissions.can_sign_off(user, found)
    return False


def _status_message(saved: Submission, action: str) -> str:
    if saved.status == Submission.Status.SUBMITTED:
        return _("已报送专班")
    if saved.status == Submission.Status.AWAITING_SIGN_OFF and action != "save":
        return _("已提交单位负责人审核")
    return _("草稿已保存")


@login_required
@require_POST
def return_submission(request: HttpRequest, pk: int) -> HttpResponse:
    found = permissions.access_submission(request.user, pk)
    form = report_forms.ReturnForm(request.POST)

    def save(c: dict[str, Any]) -> None:
        services.return_submission(
            found, actor=request.user, comment=c["comment"], expected_version=c["version"]
        )

    outcome = submit(form, save)
    if outcome.saved:
        messages.success(request, _("已退回"))
    else:
        messages.error(request, outcome.stale_message or _("退回未成功：请填写退回意见"))
    return redirect(_submission_url(found))


# --- compiled reports ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """The period's compiled report: the office's texts, compile, the versions."""
    period = permissions.access_office_period(request.user, pk)
    compiled = services.report_of(period)
    headings = list(period.cycle.sections.order_by("order", "pk").values_list("title", flat=True))
    status = 200
    if request.method == "POST" and request.POST.get("action") == "compile":
        version = services.compile_report(period, actor=request.user)
        messages.success(request, _("已编制第%(seq)s版") % {"seq": version.seq})
        return redirect("reports:report", pk=period.pk)
    if request.method == "POST":
        form = report_forms.OfficeTextsForm(headings, compiled.office_texts, request.POST)

        def save(c: dict[str, Any]) -> None:
            services.save_office_texts(
                compiled, form.texts(), actor=request.user, expected_version=c["version"]
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("已保存；重新编制后写入报告"))
            return redirect("reports:report", pk=period.pk)
        status = outcome.status
        if outcome.stale_message:
            messages.error(request, outcome.stale_message)
    else:
        form = report_forms.OfficeTextsForm(
            headings, compiled.office_texts, initial={"version": compiled.version}
        )
    context = {
        "period": period,
        "cycle": period.cycle,
        "compiled": compiled,
        "form": form,
        "versions": list(compiled.versions.select_related("created_by")),
    }
    return TemplateResponse(request, "reports/report.html", context, status=status)


@login_required
def report_file(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    version = permissions.access_report_version(request.user, pk)
    if kind not in ("docx", "xlsx"):
        raise NotFound("没有这种文件")
    stored = version.docx if kind == "docx" else version.xlsx
    period = version.report.period
    name = f"{period.cycle.name}{period.label}第{version.seq}版.{kind}"
    response = FileResponse(stored.open("rb"), as_attachment=True)
    fallback = f"{period.cycle.code}-{period.key}-v{version.seq}.{kind}"
    response["Content-Disposition"] = content_disposition(name, fallback)
    return response


# --- defining cycles -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cycle_new(request: HttpRequest) -> HttpResponse:
    """A new cycle, or an ad-hoc one-off request, in one of the user's districts."""
    districts = list(selectors.office_districts(request.user))
    if not districts:
        raise PermissionDenied("只有专班可以设置反馈机制")
    chosen = next(
        (d for d in districts if str(d.pk) == request.GET.get("jurisdiction")), districts[0]
    )
    return _cycle_form(request, chosen.pk, None, districts=districts)


@login_required
@require_http_methods(["GET", "POST"])
def cycle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = permissions.access_cycle(request.user, pk)
    permissions.require_office(request.user, found.jurisdiction_id)
    return _cycle_form(request, found.jurisdiction_id, found, districts=[])


def _cycle_form(
    request: HttpRequest, jurisdiction_id: int, found: Cycle | None, *, districts: list[Any]
) -> HttpResponse:
    choices = selectors.cycle_choices(jurisdiction_id)
    status = 200
    if request.method == "POST":
        form = report_forms.CycleForm(request.POST, request.FILES, **choices)
        saved: list[Cycle] = []

        def save(c: dict[str, Any]) -> None:
            saved.append(
                services.save_cycle(
                    jurisdiction_id,
                    form.cycle_input(),
                    actor=request.user,
                    cycle=found,
                    expected_version=c.get("version"),
                )
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("已保存"))
            return redirect("reports:cycle", pk=saved[0].pk)
        status = outcome.status
        if outcome.stale_message and found is not None:
            messages.error(request, outcome.stale_message)
            form = report_forms.CycleForm(
                with_version(request.POST, Cycle.objects.get(pk=found.pk).version), **choices
            )
    elif found is not None:
        form = report_forms.CycleForm(initial=report_forms.cycle_initial(found), **choices)
    else:
        form = report_forms.CycleForm(
            initial={"programme": choices["programmes"][0][0] if choices["programmes"] else None},
            **choices,
        )
    context = {"form": form, "cycle": found, "districts": districts}
    return TemplateResponse(request, "reports/cycle_form.html", context, status=status)


# --- chasing (催报) --------------------------------------------------------------------------


@login_required
@require_POST
def chase_submission(request: HttpRequest, pk: int) -> HttpResponse:
    """The office's 催报 button on a submission (403 for anyone else who may see it)."""
    found = permissions.access_submission(request.user, pk)
    try:
        n = chasing.chase_submission(found, actor=request.user)
    except ValidationFailed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已催报%(n)s个单位") % {"n": n})
    return redirect(_submission_url(found))


@login_required
@require_POST
def chase_period(request: HttpRequest, pk: int) -> HttpResponse:
    """The office's 催报 button on a period: every unit whose report is not with the office."""
    found = chasing.access_period(request.user, pk)
    n = chasing.chase_period(found, actor=request.user)
    if n:
        messages.success(request, _("已催报%(n)s个单位") % {"n": n})
    else:
        messages.info(request, _("各单位均已报送，无需催报"))
    return redirect("reports:period", pk=found.pk)


# --- briefings (简报专刊) and circulars (通报) ------------------------------------------------


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def briefings(request: HttpRequest) -> HttpResponse:
    """The office's issues (drafts too) and a new draft; everyone's published issues."""
    from shishi.reports import briefing_forms
    from shishi.reports import briefings as series

    districts = list(selectors.office_districts(request.user))
    office = districts[0] if districts else None
    form = briefing_forms.NewBriefingForm(office.pk) if office else None
    status = 200
    if request.method == "POST":
        if office is None:
            raise PermissionDenied("只有专班可以编辑简报")
        form = briefing_forms.NewBriefingForm(office.pk, request.POST)
        made: list[Any] = []

        def save(c: dict[str, Any]) -> None:
            made.append(
                series.create_briefing(
                    office.pk,
                    actor=request.user,
                    title=c.get("title") or "",
                    report_version=c.get("report_version"),
                    item_ids=[i.pk for i in c.get("items") or []],
                )
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("已新建简报草稿"))
            return redirect("reports:briefing", pk=made[0].pk)
        status = outcome.status
    context = {
        "office": office,
        "form": form,
        "drafts": list(series.office_briefings(request.user).filter(status="draft")[:100]),
        "published": list(series.readable_briefings(request.user)[:200]),
    }
    return TemplateResponse(request, "reports/briefings.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def briefing(request: HttpRequest, pk: int) -> HttpResponse:
    """One issue: the office edits and publishes a draft; readers read a published issue."""
    from shishi.reports import briefing_forms
    from shishi.reports import briefings as series

    found = series.access_briefing(request.user, pk)
    is_office = permissions.is_office(request.user, found.jurisdiction_id)
    status = 200
    failed: dict[str, Any] = {}
    if request.method == "POST":
        if not is_office:
            raise PermissionDenied("只有专班可以编辑简报")
        action = request.POST.get("action", "")
        if action not in briefing_forms.BRIEFING_ACTIONS:
            raise NotFound("没有这种操作")
        articles = {a.pk: a for a in found.articles.all()}
        article = articles.get(_int(request.POST.get("article")) or 0)
        photo = None
        if article is None and action in ("save_article", "remove_article", "add_photo"):
            raise NotFound("没有找到这篇文章")
        if action == "remove_photo":
            photo = next(
                (
                    p
                    for a in articles.values()
                    for p in a.photos.all()
                    if p.pk == _int(request.POST.get("photo"))
                ),
                None,
            )
            if photo is None:
                raise NotFound("没有找到这张照片")
        user = request.user
        form: Any
        if action in ("add_article", "save_article"):
            form = briefing_forms.ArticleForm(request.POST)
        elif action == "add_photo":
            form = briefing_forms.PhotoForm(request.POST, request.FILES)
        elif action in ("publish", "public"):
            form = briefing_forms.PublishForm(request.POST)
        else:
            form = briefing_forms.VersionForm(request.POST)

        def save(c: dict[str, Any]) -> None:
            v = c["version"]
            if action == "add_article":
                series.add_article(
                    found, actor=user, heading=c["heading"], text=c["text"], expected_version=v
                )
            elif action == "save_article" and article is not None:
                series.save_article(
                    article, actor=user, heading=c["heading"], text=c["text"], expected_version=v
                )
            elif action == "remove_article" and article is not None:
                series.remove_article(article, actor=user, expected_version=v)
            elif action == "add_photo" and article is not None:
                series.add_photo(
                    article, c["photo"], actor=user, caption=c["caption"], expected_version=v
                )
            elif action == "remove_photo" and photo is not None:
                series.remove_photo(photo, actor=user, expected_version=v)
            elif action == "publish":
                series.publish(found, actor=user, is_public=c["is_public"], expected_version=v)
            elif action == "public":
                series.set_public(found, actor=user, is_public=c["is_public"], expected_version=v)
            elif action == "delete":
                series.delete_draft(found, actor=user, expected_version=v)

        outcome = submit(form, save)
        if outcome.saved:
            if action == "delete":
                messages.success(request, _("草稿已删除"))
                return redirect("reports:briefings")
            messages.success(request, _("已印发") if action == "publish" else _("已保存"))
            return redirect("reports:briefing", pk=pk)
        status = outcome.status
        if outcome.stale_message:
            messages.error(request, outcome.stale_message)
        found = series.access_briefing(request.user, pk)
        failed = {"action": action, "article": article.pk if article else None, "form": form}
    context = {
        "briefing": found,
        "is_office": is_office,
        "editable": is_office and found.status == "draft",
        "articles": list(found.articles.all()),
        "failed": failed,
        "new_article": failed.get("form") if failed.get("action") == "add_article" else None,
        "publish_form": briefing_forms.PublishForm(
            initial={"version": found.version, "is_public": found.is_public}
        ),
    }
    return TemplateResponse(request, "reports/briefing.html", context, status=status)


@login_required
def briefing_photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponseBase:
    from shishi.reports import briefings as series

    found = series.access_briefing(request.user, pk)
    photo = next(
        (p for a in found.articles.all() for p in a.photos.all() if p.pk == photo_pk), None
    )
    if photo is None:
        raise NotFound("没有找到这张照片")
    try:
        stored = photo.image.open("rb")
    except OSError:
        raise NotFound("照片文件已不存在") from None
    response = FileResponse(stored)
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def briefing_docx(request: HttpRequest, pk: int) -> HttpResponseBase:
    from shishi.reports import briefings as series

    found = series.access_briefing(request.user, pk)
    if not found.docx:
        raise NotFound("这期简报还没有印发")
    response = FileResponse(found.docx.open("rb"), as_attachment=True)
    name = f"{found.series}第{found.number}期.docx"
    fallback = f"briefing-{found.jurisdiction.code}-{found.number}.docx"
    response["Content-Disposition"] = content_disposition(name, fallback)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def circular(request: HttpRequest, pk: int) -> HttpResponse:
    """The period's circular: the office's text, compile, the versions."""
    from shishi.reports import briefing_forms, circulars

    period = permissions.access_office_period(request.user, pk)
    found = circulars.circular_of(period)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "compile":
        version = circulars.compile_circular(period, actor=request.user)
        messages.success(request, _("已编制第%(seq)s版") % {"seq": version.seq})
        return redirect("reports:circular", pk=period.pk)
    if request.method == "POST":
        form = briefing_forms.CircularTextForm(request.POST)

        def save(c: dict[str, Any]) -> None:
            circulars.save_text(found, c["text"], actor=request.user, expected_version=c["version"])

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("已保存；重新编制后写入通报"))
            return redirect("reports:circular", pk=period.pk)
        status = outcome.status
        if outcome.stale_message:
            messages.error(request, outcome.stale_message)
            found = circulars.circular_of(period)
            form = briefing_forms.CircularTextForm(with_version(request.POST, found.version))
    else:
        form = briefing_forms.CircularTextForm(
            initial={"version": found.version, "text": found.text}
        )
    context = {
        "period": period,
        "cycle": period.cycle,
        "circular": found,
        "form": form,
        "versions": circulars.versions(found),
    }
    return TemplateResponse(request, "reports/circular.html", context, status=status)


@login_required
def circular_file(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    from shishi.reports import circulars

    version = circulars.access_version(request.user, pk)
    if kind not in ("docx", "xlsx"):
        raise NotFound("没有这种文件")
    stored = version.docx if kind == "docx" else version.xlsx
    period = version.circular.period
    name = f"{period.cycle.name}{period.label}通报第{version.seq}版.{kind}"
    response = FileResponse(stored.open("rb"), as_attachment=True)
    fallback = f"circular-{period.cycle.code}-{period.key}-v{version.seq}.{kind}"
    response["Content-Disposition"] = content_disposition(name, fallback)
    return response


# --- programme indicators (数据统计) -----------------------------------------------------------


def _indicator_page(
    request: HttpRequest,
    programme: Programme,
    form: IndicatorForm,
    *,
    found: Indicator | None = None,
    status: int = 200,
    stale: str = "",
) -> HttpResponse:
    context = {
        "programme": programme,
        "form": form,
        "indicator": found,
        "stale_message": stale,
    }
    return TemplateResponse(request, "reports/indicators_form.html", context, status=status)


@login_required
@require_GET
def indicators(request: HttpRequest) -> HttpResponse:
    """The office's indicators of one programme (``?programme=``), with today's values."""
    programmes = indicator_rules.office_programmes(request.user)
    if not programmes:
        raise PermissionDenied("只有专班可以设置数据统计指标")
    wanted = request.GET.get("programme", "")
    chosen = next((p for p in programmes if str(p.pk) == wanted), programmes[0])
    values = indicator_rules.board_values(request.user, chosen, None)
    context = {"programmes": programmes, "programme": chosen, "values": values}
    return TemplateResponse(request, "reports/indicators.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_add(request: HttpRequest, pk: int) -> HttpResponse:
    programme = indicator_rules.access_office_programme(request.user, pk)
    figures = indicator_rules.figure_choices(programme)
    if request.method != "POST":
        form = IndicatorForm(figures, initial={"source": Indicator.Source.TARGETS})
        return _indicator_page(request, programme, form)
    form = IndicatorForm(figures, request.POST)

    def save(c: dict[str, Any]) -> None:
        made = indicator_rules.create_indicator(programme, form.given(), actor=request.user)
        messages.success(request, _("已添加指标“%(name)s”") % {"name": made.name})

    outcome = submit(form, save)
    if outcome.saved:
        return redirect(f"{reverse('reports:indicators')}?programme={programme.pk}")
    return _indicator_page(request, programme, form, status=outcome.status)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = indicator_rules.access_indicator(request.user, pk)
    programme = found.programme
    figures = indicator_rules.figure_choices(programme)
    if request.method != "POST":
        initial = initial_of(found, indicator_rules.item_numbers(found))
        form = IndicatorForm(figures, initial=initial)
        return _indicator_page(request, programme, form, found=found)
    form = IndicatorForm(figures, request.POST)

    def save(c: dict[str, Any]) -> None:
        indicator_rules.update_indicator(
            found, form.given(), actor=request.user, expected_version=c["version"]
        )
        messages.success(request, _("指标已保存"))

    outcome = submit(form, save)
    if outcome.saved:
        return redirect(f"{reverse('reports:indicators')}?programme={programme.pk}")
    if outcome.stale_message:
        found = indicator_rules.access_indicator(request.user, pk)
        form = IndicatorForm(figures, with_version(request.POST, found.version))
        form.is_valid()
    return _indicator_page(
        request, programme, form, found=found, status=outcome.status, stale=outcome.stale_message
    )


@login_required
@require_POST
def indicator_delete(request: HttpRequest, pk: int) -> HttpResponse:
    found = indicator_rules.access_indicator(request.user, pk)
    version = request.POST.get("version", "")
    try:
        indicator_rules.delete_indicator(
            found, actor=request.user, expected_version=int(version) if version.isdigit() else None
        )
    except StaleEdit as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除指标“%(name)s”") % {"name": found.name})
    return redirect(f"{reverse('reports:indicators')}?programme={found.programme_id}")


@login_required
@require_GET
def indicator_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The board's 数据统计 values (an htmx fragment; the whole page without script)."""
    programme = access_programme(request.user, pk)
    text = request.GET.get("as_of", "").strip()
    try:
        as_of = dt.date.fromisoformat(text) if text else None
        if as_of is not None and not 1900 <= as_of.year <= 2999:
            raise ValueError(text)
    except ValueError as exc:
        message = f"日期“{text[:20]}”无法识别，请写作2021-06-18（1900年至2999年）"
        raise ValidationFailed(message, {"as_of": message}) from exc
    values = indicator_rules.board_values(request.user, programme, as_of)
    context = {"programme": programme, "values": values, "as_of": as_of}
    if is_htmx_fragment(request):
        return TemplateResponse(request, "reports/indicators_panel.html#values", context)
    return TemplateResponse(request, "reports/indicators_values.html", context)
