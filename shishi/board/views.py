"""The battle board's pages (挂图作战): thin views over ``board.selectors``.

Every board figure links to the items behind it (``items``), so any number on the wall can
be opened. Bad parameters become a 400 page with the reason, a board the user may not see
a 403 or 404 page (``core.http``) — never a 500.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shishi.board import exports, forms, panels, permissions, selectors, services
from shishi.board.schedule import Light
from shishi.board.templatetags.board_ui import board_url
from shishi.core import errors
from shishi.core.forms import Outcome, submit, with_version
from shishi.core.http import content_disposition, error_pages
from shishi.ledger import permissions as ledger_permissions
from shishi.ledger.models import Programme

ITEMS_PER_PAGE = 50
ALERTS_SHOWN = 12  # on the board; the link under them opens all
WALL_ROWS = 12  # units on the wall screen's ranking
WALL_ALERTS = 10  # red and yellow items on the wall screen
WALL_GANTT_ROWS = 16
EXPORT_ALERT_LIMIT = 5000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _board(request: HttpRequest, pk: int, **kwargs: Any) -> tuple[Programme, selectors.Board]:
    query = forms.parse_board_query(request.GET)
    programme = ledger_permissions.access_programme(request.user, pk)
    services.reassess_before_read([programme.pk], query.as_of)
    board = selectors.programme_board(
        request.user,
        programme,
        as_of=query.as_of,
        unit_id=query.unit,
        leader_id=query.leader,
        **kwargs,
    )
    return programme, board


# --- /board/: the user's own board ---------------------------------------------------------


@require_GET
@login_required
@error_pages("board")
def home(request: HttpRequest) -> HttpResponse:
    """The user's own board (``selectors.own_board``)."""
    target = selectors.own_board(request.user)
    if target.city_code:
        return redirect("board:city", code=target.city_code)
    url = reverse("board:programme", args=[target.programme_id])
    return redirect(f"{url}?{urlencode(target.params)}" if target.params else url)


# --- the programme board (also a unit's or a leader's) ---------------------------------------


def _as_of_choices(user: Any, programme: Programme) -> list[Any]:
    return sorted(selectors.snapshot_dates(user, programme), reverse=True)


def _board_context(
    request: HttpRequest,
    programme: Programme,
    board: selectors.Board,
    *,
    gantt_rows: int | None = None,
) -> dict[str, Any]:
    user = request.user
    is_office = permissions.can_view_programme_board(user, programme)
    scope_name = board.unit_name or board.leader_name
    return {
        "programme": programme,
        "board": board,
        "data": exports.board_data(board, gantt_rows=gantt_rows),
        "scope_name": scope_name,
        "is_office": is_office,
        "can_set_thresholds": permissions.can_set_thresholds(user, programme),
        "alerts_top": board.alerts[:ALERTS_SHOWN],
        "alerts_params": {**board.params, "light": f"{Light.RED},{Light.YELLOW}"},
        "whole_params": {"programme": str(programme.pk), "as_of": board.params.get("as_of")},
        "as_of_dates": _as_of_choices(user, programme),
        "years": selectors.district_years(user, programme),
        "title": exports.board_title(board),
    }


@require_GET
@login_required
@error_pages("board")
def programme_board(request: HttpRequest, pk: int) -> HttpResponse:
    programme, board = _board(request, pk)
    context = _board_context(request, programme, board)
    as_of = None if board.is_live else board.requested_as_of
    page = panels.BoardPage(unit_id=board.unit_id, leader_id=board.leader_id)
    context["panels"] = panels.board_panels(request.user, programme, as_of, page)
    return TemplateResponse(request, "board/programme.html", context)


@require_GET
@login_required
@error_pages("board")
def wall(request: HttpRequest, pk: int) -> HttpResponse:
    """The wall screen: 1920×1080, dark, panels in turn, data refreshed every 5 minutes."""
    programme, board = _board(request, pk)
    context = _board_context(request, programme, board, gantt_rows=WALL_GANTT_ROWS)
    context.update(
        units_top=board.units[:WALL_ROWS],
        alerts_wall=board.alerts[:WALL_ALERTS],
        time_zone=settings.TIME_ZONE,
        refresh_seconds=300,
        rotate_seconds=20,
    )
    response = TemplateResponse(request, "board/wall.html", context)
    add_never_cache_headers(response)
    return response


@require_GET
@login_required
@error_pages("board")
def print_board(request: HttpRequest, pk: int) -> HttpResponse:
    """One A4 landscape page of the board for a briefing (print → PDF, or a PNG)."""
    programme, board = _board(request, pk)
    context = _board_context(request, programme, board)
    context.update(units_top=board.units[:8], alerts_print=board.alerts[:8])
    return TemplateResponse(request, "board/print.html", context)


@require_GET
@login_required
@error_pages("board")
def data_json(request: HttpRequest, pk: int) -> HttpResponse:
    _programme, board = _board(request, pk)
    data = exports.board_data(board, full=True)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    add_never_cache_headers(response)
    return response


@require_GET
@login_required
@error_pages("board")
def export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    programme, board = _board(request, pk, gantt_limit=0, alert_limit=EXPORT_ALERT_LIMIT)
    response = HttpResponse(exports.board_workbook(board), content_type=XLSX)
    day = board.as_of.isoformat()
    name = f"{exports.board_title(board)}-{day}.xlsx"
    fallback = f"board-{programme.pk}-{day}.xlsx"
    response["Content-Disposition"] = content_disposition(name, fallback)
    return response


@require_GET
@login_required
@error_pages("board")
def circular_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The overdue and lagging items as .xlsx for a 通报 (the programme office)."""
    programme = ledger_permissions.access_programme(request.user, pk)
    services.reassess_before_read([programme.pk], None)
    circular = selectors.circular_items(request.user, programme)
    response = HttpResponse(exports.circular_workbook(circular), content_type=XLSX)
    day = circular.on.isoformat()
    name = f"{exports.circular_title(circular)}-{day}.xlsx"
    response["Content-Disposition"] = content_disposition(
        name, f"circular-{programme.pk}-{day}.xlsx"
    )
    return response


# --- the items behind a figure --------------------------------------------------------------


@require_GET
@login_required
@error_pages("board")
def items(request: HttpRequest, pk: int) -> HttpResponse:
    filters = selectors.BoardFilter.from_params(request.GET)
    as_of = forms.parse_date(request.GET.get("as_of"))
    page = forms.parse_page(request.GET.get("page"))
    programme = ledger_permissions.access_programme(request.user, pk)
    services.reassess_before_read([programme.pk], as_of)
    result = selectors.board_items(
        request.user,
        programme,
        filters,
        as_of=as_of,
        offset=(page - 1) * ITEMS_PER_PAGE,
        limit=ITEMS_PER_PAGE,
    )
    pages = max(1, math.ceil(result.total / ITEMS_PER_PAGE))
    if page > pages:
        raise errors.NotFound("没有这一页")
    board_params = {"programme": str(programme.pk), **result.params}
    context = {
        "programme": programme,
        "page_obj": result,
        "rows": result.rows,
        "total": result.total,
        "page": page,
        "pages": pages,
        "chips": selectors.filter_words(request.user, programme, filters),
        "board_link": board_url(board_params),
    }
    return TemplateResponse(request, "board/items.html", context)


# --- the city board ------------------------------------------------------------------------------


@require_GET
@login_required
@error_pages("board")
def city(request: HttpRequest, code: str) -> HttpResponse:
    year = forms.parse_year(request.GET.get("year"))
    as_of = forms.parse_date(request.GET.get("as_of"))
    found = selectors.access_city(request.user, code)
    programme_ids = selectors.city_programme_ids(request.user, found, year=year)
    services.reassess_before_read(programme_ids, as_of)
    board = selectors.city_board(request.user, found, year=year, as_of=as_of)
    years = selectors.city_years(request.user, found, board.year)
    context = {
        "city": found,
        "board": board,
        "data": exports.city_data(board),
        "years": years,
        "title": _("%(city)s%(year)s年为民办实事挂图作战")
        % {"city": board.city_name, "year": board.year},
    }
    return TemplateResponse(request, "board/city.html", context)


# --- warning rules --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@error_pages("board")
def thresholds(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    programme = ledger_permissions.access_programme(user, pk)
    current = selectors.programme_thresholds(user, programme)
    can_edit = permissions.can_set_thresholds(user, programme)
    outcome = Outcome(saved=False)
    if request.method == "POST":
        if not can_edit:
            raise errors.PermissionDenied("只有专班可以设置预警规则")
        form = forms.ThresholdsForm(request.POST)

        def save(c: dict[str, Any]) -> None:
            services.set_thresholds(
                programme, actor=user, expected_version=c["version"], **form.values()
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("预警规则已保存，各事项的红黄灯已按新规则重新评估"))
            return redirect("board:thresholds", pk=programme.pk)
        if outcome.stale_message:
            current = selectors.programme_thresholds(user, programme)
            form = forms.ThresholdsForm(with_version(request.POST, current.version))
            form.is_valid()
    else:
        form = forms.ThresholdsForm(
            initial=forms.thresholds_initial(current), disabled=not can_edit
        )
    initial = forms.thresholds_initial(current)
    context = {
        "programme": programme,
        "form": form,
        "can_edit": can_edit,
        "current": initial,
        "stale_message": outcome.stale_message,
        "current_rows": [
            (form.fields[name].label, value) for name, value in initial.items() if name != "version"
        ],
        "board_link": reverse("board:programme", args=[programme.pk]),
    }
    return TemplateResponse(request, "board/thresholds.html", context, status=outcome.status)
