"""The supervision pages: the overview, groups and rounds (the office), a round's figures
and findings, a finding and its rectification, instructions and the 督办 list.

Thin views: parse, call one selector or service, render (service errors become pages as in
the ledger's views). The visit form is ``visit_views``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core.errors import NotFound, PermissionDenied
from shishi.core.forms import submit, with_version
from shishi.core.http import is_htmx_fragment, stored_file_response
from shishi.supervision import figures, permissions, selectors
from shishi.supervision import forms as sv_forms
from shishi.supervision.models import InspectionGroup, Instruction, Round
from shishi.supervision.services import findings, instructions, setup


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def _page(value: str | None) -> int:
    return _int(value) or 1


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The district's rounds with their figures, open rectifications by card and deadline,
    instructions; a unit's own findings and instructions."""
    page = selectors.overview(request.user, request.GET.get("jurisdiction"))
    if page.district is None and not permissions.unit_ids_of(request.user):
        raise PermissionDenied("巡回指导由专班、督导员、包保领导和有关单位查看")
    return TemplateResponse(request, "supervision/index.html", {"page": page})


# --- groups ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def group_new(request: HttpRequest) -> HttpResponse:
    district, _mine = selectors.pick_district(request.user, request.GET.get("jurisdiction"))
    if district is None:
        raise PermissionDenied("只有专班可以设置巡回指导组")
    permissions.require_office(request.user, district.pk)
    return _group_form(request, district.pk, None)


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = permissions.access_group(request.user, pk)
    permissions.require_office(request.user, found.jurisdiction_id)
    return _group_form(request, found.jurisdiction_id, found)


def _group_form(
    request: HttpRequest, jurisdiction_id: int, found: InspectionGroup | None
) -> HttpResponse:
    choices = {
        "inspectors": selectors.inspector_choices(jurisdiction_id),
        "units": selectors.unit_choices(jurisdiction_id),
    }
    status = 200
    if request.method == "POST":
        form = sv_forms.GroupForm(request.POST, **choices)

        def save(c: dict[str, Any]) -> None:
            setup.save_group(
                jurisdiction_id,
                form.group_input(),
                actor=request.user,
                group=found,
                expected_version=c.get("version"),
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("已保存"))
            return redirect(f"{_index_url()}?jurisdiction={jurisdiction_id}")
        status = outcome.status
        if outcome.stale_message and found is not None:
            messages.error(request, outcome.stale_message)
            form = sv_forms.GroupForm(
                with_version(request.POST, InspectionGroup.objects.get(pk=found.pk).version),
                **choices,
            )
    else:
        initial = selectors.group_initial(found) if found else {}
        form = sv_forms.GroupForm(initial=initial, **choices)
    return TemplateResponse(
        request, "supervision/group_form.html", {"form": form, "group": found}, status=status
    )


def _index_url() -> str:
    return reverse("supervision:index")


# --- rounds ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request: HttpRequest) -> HttpResponse:
    district, _mine = selectors.pick_district(request.user, request.GET.get("jurisdiction"))
    if district is None:
        raise PermissionDenied("只有专班可以设置巡回指导轮次")
    permissions.require_office(request.user, district.pk)
    return _round_form(request, district.pk, None)


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = permissions.access_round(request.user, pk)
    permissions.require_office(request.user, found.jurisdiction_id)
    return _round_form(request, found.jurisdiction_id, found)


def _round_form(request: HttpRequest, jurisdiction_id: int, found: Round | None) -> HttpResponse:
    choices = {
        "groups": selectors.group_choices(jurisdiction_id),
        "rounds": selectors.round_choices(jurisdiction_id, exclude=found.pk if found else None),
    }
    status = 200
    if request.method == "POST":
        form = sv_forms.RoundForm(request.POST, **choices)
        saved: list[Round] = []

        def save(c: dict[str, Any]) -> None:
            saved.append(
                setup.save_round(
                    jurisdiction_id,
                    form.round_input(),
                    actor=request.user,
                    round=found,
                    expected_version=c.get("version"),
                )
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("已保存"))
            return redirect("supervision:round", pk=saved[0].pk)
        status = outcome.status
        if outcome.stale_message and found is not None:
            messages.error(request, outcome.stale_message)
            form = sv_forms.RoundForm(
                with_version(request.POST, Round.objects.get(pk=found.pk).version), **choices
            )
    else:
        initial = selectors.round_initial(found) if found else {"red_after_workdays": 5}
        form = sv_forms.RoundForm(initial=initial, **choices)
    return TemplateResponse(
        request, "supervision/round_form.html", {"form": form, "round": found}, status=status
    )


@login_required
@require_GET
def round_view(request: HttpRequest, pk: int) -> HttpResponse:
    g = request.GET
    filters = selectors.FindingFilter(
        group=_int(g.get("group")),
        unit=_int(g.get("unit")),
        unit_q=g.get("unit_q", "").strip()[:50],
        kind=g.get("kind", ""),
        status=g.get("status", ""),
        card=g.get("card", ""),
        page=_page(g.get("page")),
    )
    page = selectors.round_page(request.user, pk, filters)
    query = g.copy()
    query.pop("page", None)
    return TemplateResponse(
        request, "supervision/round.html", {"page": page, "query": query.urlencode()}
    )


@login_required
@require_GET
def round_units(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's figures per unit: loaded into the round page when its 各单位 opens (a
    round has hundreds of units), or a page of its own without script."""
    found = permissions.access_round(request.user, pk)
    name = "_round_units.html" if is_htmx_fragment(request) else "round_units.html"
    context = {"figures": figures.round_figures(found)}
    return TemplateResponse(request, f"supervision/{name}", context)


@login_required
@require_http_methods(["GET", "POST"])
def round_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The office plans visits: a group, the units, a day."""
    found = permissions.access_round(request.user, pk)
    permissions.require_office(request.user, found.jurisdiction_id)
    groups = [(g.pk, g.name) for g in found.groups.all()]
    wanted = _int(request.POST.get("group") or request.GET.get("group"))
    group_id = wanted if wanted in {pk for pk, _n in groups} else (groups[0][0] if groups else None)
    choices = {"groups": groups, "units": selectors.plan_units(found, group_id)}
    status = 200
    if request.method == "POST":
        form = sv_forms.PlanForm(request.POST, **choices)

        def save(c: dict[str, Any]) -> None:
            rows = [setup.PlanRow(c["group"], unit, c["planned_on"]) for unit in c["units"]]
            n = setup.plan_visits(found, rows, actor=request.user)
            messages.success(request, _("已安排%(n)s个单位的走访") % {"n": n})

        outcome = submit(form, save)
        if outcome.saved:
            return redirect("supervision:round", pk=found.pk)
        status = outcome.status
    else:
        form = sv_forms.PlanForm(initial={"group": group_id}, **choices)
    context = {"form": form, "round": found, "plans": list(selectors.round_plans(found))}
    return TemplateResponse(request, "supervision/plan_form.html", context, status=status)


# --- findings ----------------------------------------------------------------------------------


@login_required
@require_GET
def finding(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.finding_page(request.user, pk)
    return _finding_page(request, page)


def _finding_page(
    request: HttpRequest,
    page: selectors.FindingPage,
    *,
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    f = page.finding
    if page.can_rectify and "rectify_form" not in forms:
        forms["rectify_form"] = sv_forms.RectifyForm(initial={"version": f.version})
    if page.can_verify and "verify_form" not in forms:
        forms["verify_form"] = sv_forms.VerifyForm(initial={"version": f.version})
    if page.can_edit and "edit_form" not in forms:
        forms["edit_form"] = sv_forms.FindingForm(
            initial=selectors.finding_initial(f), units=selectors.unit_choices(f.jurisdiction_id)
        )
    return TemplateResponse(
        request, "supervision/finding.html", {"page": page, **forms}, status=status
    )


P = TypeVar("P", selectors.FindingPage, selectors.InstructionPage)


def _act(
    request: HttpRequest,
    *,
    load: Callable[[], P],
    version_of: Callable[[P], int],
    form_class: type[forms.Form],
    save: Callable[[P, dict[str, Any]], str],
    done: str,
    render: Callable[..., HttpResponse],
    key: str,
    form_kwargs: dict[str, Any] | None = None,
) -> HttpResponse:
    """One action form on a finding's or an instruction's page: call the service through
    ``submit``; saved → the page again with ``save``'s message; invalid → the page with the
    form's errors (422); stale → the page read again, the user's input kept against the
    current version (409)."""
    page = load()
    extra = form_kwargs or {}
    form = form_class(request.POST, request.FILES, **extra)
    said: list[str] = []
    outcome = submit(form, lambda c: said.append(save(page, c)))
    if outcome.saved:
        messages.success(request, said[0])
        return redirect(done)
    if outcome.stale_message:
        messages.error(request, outcome.stale_message)
        page = load()
        form = form_class(with_version(request.POST, version_of(page)), **extra)
    return render(request, page, status=outcome.status, **{key: form})


def _finding_action(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    key: str,
    save: Callable[[selectors.FindingPage, dict[str, Any]], str],
    **form_kwargs: Any,
) -> HttpResponse:
    return _act(
        request,
        load=lambda: selectors.finding_page(request.user, pk),
        version_of=lambda page: page.finding.version,
        form_class=form_class,
        save=save,
        done=reverse("supervision:finding", args=[pk]),
        render=_finding_page,
        key=key,
        form_kwargs=form_kwargs,
    )


@login_required
@require_POST
def finding_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    def save(page: selectors.FindingPage, c: dict[str, Any]) -> str:
        findings.submit_rectification(
            page.finding,
            actor=request.user,
            measures=c["measures"],
            files=c.get("evidence") or [],
            expected_version=c.get("version"),
        )
        return _("整改情况已报送，等待核验")

    return _finding_action(request, pk, sv_forms.RectifyForm, "rectify_form", save)


@login_required
@require_POST
def finding_verify(request: HttpRequest, pk: int) -> HttpResponse:
    def save(page: selectors.FindingPage, c: dict[str, Any]) -> str:
        accept = c["verdict"] == "accept"
        findings.verify_rectification(
            page.finding,
            actor=request.user,
            accept=accept,
            reason=c.get("reason") or "",
            expected_version=c.get("version"),
        )
        return _("已销号") if accept else _("已退回重改")

    return _finding_action(request, pk, sv_forms.VerifyForm, "verify_form", save)


@login_required
@require_POST
def finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    def save(page: selectors.FindingPage, c: dict[str, Any]) -> str:
        if not page.can_edit:
            raise PermissionDenied("只有本组督导员和专班可以修改未销号的问题")
        item_ids = list(page.finding.items.values_list("pk", flat=True))
        findings.edit_finding(
            page.finding,
            sv_forms.finding_input(c, page.finding.kind, item_ids),
            actor=request.user,
            expected_version=c.get("version"),
        )
        return _("已保存")

    jurisdiction_id = permissions.access_finding(request.user, pk).jurisdiction_id
    units = selectors.unit_choices(jurisdiction_id)
    return _finding_action(request, pk, sv_forms.FindingForm, "edit_form", save, units=units)


# --- instructions ------------------------------------------------------------------------------


@login_required
@require_GET
def instruction_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    filters = selectors.InstructionFilter(
        status=g.get("status", "open"),
        unit=_int(g.get("unit")),
        unit_q=g.get("unit_q", "").strip()[:50],
        card=g.get("card", ""),
        mine=g.get("mine") == "1",
        page=_page(g.get("page")),
    )
    page = selectors.instruction_list(request.user, g.get("jurisdiction"), filters)
    if page.district is None and not permissions.unit_ids_of(request.user):
        raise PermissionDenied("督办清单由专班、包保领导、督导员和承办单位查看")
    query = g.copy()
    query.pop("page", None)
    return TemplateResponse(
        request, "supervision/instructions.html", {"page": page, "query": query.urlencode()}
    )


@login_required
@require_http_methods(["GET", "POST"])
def instruction_new(request: HttpRequest) -> HttpResponse:
    g = request.GET
    target = selectors.instruction_target(
        request.user,
        item=g.get("item"),
        finding=g.get("finding"),
        unit=g.get("unit"),
        jurisdiction=g.get("jurisdiction"),
    )
    paper = g.get("paper") == "1" and permissions.is_office(request.user, target.jurisdiction_id)
    units = selectors.unit_choices(target.jurisdiction_id)
    status = 200
    if request.method == "POST":
        form = sv_forms.InstructionForm(request.POST, request.FILES, units=units, paper=paper)
        saved: list[Instruction] = []

        def save(c: dict[str, Any]) -> None:
            data = form.instruction_input(
                target.item.pk if target.item else None,
                target.finding.pk if target.finding else None,
            )
            if target.unit is not None and data.unit_id is None:
                data.unit_id = target.unit.pk
            saved.append(
                instructions.write_instruction(target.jurisdiction_id, data, actor=request.user)
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("批示已送承办单位"))
            return redirect("supervision:instruction", pk=saved[0].pk)
        status = outcome.status
    else:
        initial = {"unit": target.unit.pk} if target.unit else {}
        form = sv_forms.InstructionForm(initial=initial, units=units, paper=paper)
    context = {
        "form": form,
        "target": target,
        "paper": paper,
        "can_paper": permissions.is_office(request.user, target.jurisdiction_id),
    }
    return TemplateResponse(request, "supervision/instruction_form.html", context, status=status)


@login_required
@require_GET
def instruction(request: HttpRequest, pk: int) -> HttpResponse:
    return _instruction_page(request, selectors.instruction_page(request.user, pk))


def _instruction_page(
    request: HttpRequest, page: selectors.InstructionPage, *, status: int = 200, **forms: Any
) -> HttpResponse:
    version = page.instruction.version
    if page.can_answer and "answer_form" not in forms:
        forms["answer_form"] = sv_forms.AnswerForm(initial={"version": version})
    if page.can_settle and "follow_form" not in forms:
        forms["follow_form"] = sv_forms.FollowUpForm(initial={"version": version})
    return TemplateResponse(
        request, "supervision/instruction.html", {"page": page, **forms}, status=status
    )


def _instruction_action(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    key: str,
    save: Callable[[selectors.InstructionPage, dict[str, Any]], str],
) -> HttpResponse:
    return _act(
        request,
        load=lambda: selectors.instruction_page(request.user, pk),
        version_of=lambda page: page.instruction.version,
        form_class=form_class,
        save=save,
        done=reverse("supervision:instruction", args=[pk]),
        render=_instruction_page,
        key=key,
    )


@login_required
@require_POST
def instruction_answer(request: HttpRequest, pk: int) -> HttpResponse:
    def save(page: selectors.InstructionPage, c: dict[str, Any]) -> str:
        instructions.answer_instruction(
            page.instruction,
            actor=request.user,
            text=c["text"],
            files=c.get("attachments") or [],
            expected_version=c.get("version"),
        )
        return _("已答复")

    return _instruction_action(request, pk, sv_forms.AnswerForm, "answer_form", save)


@login_required
@require_POST
def instruction_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    def save(page: selectors.InstructionPage, c: dict[str, Any]) -> str:
        if c["action"] == "settle":
            instructions.settle_instruction(
                page.instruction,
                actor=request.user,
                text=c.get("text") or "",
                expected_version=c.get("version"),
            )
            return _("已办结")
        instructions.ask_again(
            page.instruction,
            actor=request.user,
            text=c.get("text") or "",
            answer_by=c.get("answer_by"),
            expected_version=c.get("version"),
        )
        return _("已再次批示")

    return _instruction_action(request, pk, sv_forms.FollowUpForm, "follow_form", save)


# --- files -------------------------------------------------------------------------------------


@login_required
@require_GET
def rectification_file(request: HttpRequest, pk: int) -> FileResponse:
    found = selectors.rectification_file(request.user, pk)
    return stored_file_response(found.file, found.name, found.content_type)


@login_required
@require_GET
def step_file(request: HttpRequest, pk: int) -> FileResponse:
    found = selectors.step_file(request.user, pk)
    return stored_file_response(found.file, found.name, found.content_type)


@login_required
@require_GET
def instruction_scan(request: HttpRequest, pk: int) -> FileResponse:
    found = permissions.access_instruction(request.user, pk)
    if not found.scan:
        raise NotFound("这条批示没有扫描件")
    return stored_file_response(found.scan, found.scan.name.rsplit("/", 1)[-1], "")
