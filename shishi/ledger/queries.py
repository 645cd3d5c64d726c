"""The ledger's written SQL: the reads every list page, list API call and item page makes.

Why written (measured in-process, CPU time per call, on the 10,000-item bench data on
SQLite): one page of a unit's items (counts per category, the page's rows, their leaders
and partner units) takes 1.9 ms here against 13.2 ms with the ORM (counts, then the page
with ``select_related`` and two ``prefetch_related``, sorted by category order); the item
page's timeline of 50 updates with their attachments 0.4 ms against 3.4 ms as model
instances. The ORM compiles each query in about half a millisecond, more than SQLite takes
to answer these, and builds model instances the pages do not need.

Rules (STYLE.md, "SQL and speed"): table and column names come from ``Model._meta``
(``core.sql.Table``), quoted by the connection; every statement has a parity test against
the ORM (``tests/test_list_sql.py``, ``tests/test_selectors.py``). Besides the ledger's own
tables, a statement reads only the rows the ledger's own foreign keys point at (an item's
lead unit and district, an update's author), joined as ``select_related`` would join them
and named through those keys; lists of another app's rows come from that app.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Model

from shishi.core import sql
from shishi.core.sql import Table
from shishi.ledger.models import (
    FINISHED_LIFECYCLES,
    Attachment,
    Category,
    Item,
    ProgressUpdate,
)
from shishi.ledger.rows import AttachmentRow, ItemRow, JurisdictionRef, Ref, UpdateRow


def _related(model: type[Model], field: str) -> Table:
    """The table a foreign key (or many-to-many field) of a ledger model points at."""
    target: Any = model._meta.get_field(field).related_model
    return Table(target)


@functools.cache
def _tables(vendor: str) -> dict[str, Table]:
    """The tables the statements name, per database vendor (quoting differs)."""
    return {
        "item": Table(Item),
        "category": Table(Category),
        "update": Table(ProgressUpdate),
        "attachment": Table(Attachment),
        "partners": Table(Item.partner_units.through),
        "leaders": Table(Item.sponsor_leaders.through),
        "unit": _related(Item, "lead_unit"),
        "person": _related(Item, "sponsor_leaders"),
        "jurisdiction": _related(Item, "jurisdiction"),
        "user": _related(ProgressUpdate, "author"),
    }


def _t() -> dict[str, Table]:
    return _tables(connection.vendor)


# --- list rows ---------------------------------------------------------------------------


@functools.cache
def _row_select(vendor: str, with_text: bool) -> str:
    t = _tables(vendor)
    i, j, u, c = t["item"], t["jurisdiction"], t["unit"], t["category"]
    text = f", i.{i.progress_text}" if with_text else ""
    return (
        f"SELECT i.{i.id}, i.{i.number}, i.{i.name}, i.{i.seq}, i.{i.programme_id},"
        f" i.{i.jurisdiction_id}, j.{j.code}, j.{j.name}, i.{i.category_id}, c.{c.name},"
        f" i.{i.lead_unit_id}, u.{u.name}, i.{i.deadline_text}, i.{i.due_date},"
        f" i.{i.is_ongoing}, i.{i.completion_rate}, i.{i.lifecycle}, i.{i.progress_date},"
        f" i.{i.updated_at}, i.{i.version}, i.{i.progress_version}{text}"
        " FROM {source}"
        f" JOIN {j} j ON j.{j.id} = i.{i.jurisdiction_id}"
        f" JOIN {u} u ON u.{u.id} = i.{i.lead_unit_id}"
        f" LEFT JOIN {c} c ON c.{c.id} = i.{i.category_id} "
    )


def _read_rows(source: str, rest: str, params: Sequence[Any], *, with_text: bool) -> list[ItemRow]:
    """The list rows of the items FROM ``source`` (the items table aliased ``i``, perhaps
    joined to a page of ids) and ``rest`` (WHERE/ORDER BY), in its order, with their
    leaders and partner units (one more query)."""
    text = _row_select(connection.vendor, with_text).replace("{source}", source) + rest
    jurisdictions: dict[int, JurisdictionRef] = {}
    rows: list[ItemRow] = []
    for r in sql.fetch(text, params):
        jur = jurisdictions.get(r[5])
        if jur is None:
            jur = jurisdictions[r[5]] = JurisdictionRef(r[5], r[6], r[7])
        rows.append(
            ItemRow(
                id=r[0],
                number=r[1],
                name=r[2],
                seq=r[3],
                programme_id=r[4],
                jurisdiction=jur,
                category=Ref(r[8], r[9]) if r[8] is not None else None,
                lead_unit=Ref(r[10], r[11]),
                deadline_text=r[12],
                due_date=r[13],
                is_ongoing=bool(r[14]),
                completion_rate=sql.to_decimal(r[15]) or Decimal(0),
                lifecycle=r[16],
                progress_date=r[17],
                updated_at=sql.to_aware(r[18]),  # type: ignore[arg-type]
                version=r[19],
                progress_version=r[20],
                progress_text=r[21] if with_text else "",
            )
        )
    by_id = {row.id: row for row in rows}
    for item_id, (leaders, partners) in item_links(list(by_id)).items():
        by_id[item_id].leader_list = leaders
        by_id[item_id].partner_list = partners
    return rows


def item_rows(ids: Sequence[int], *, with_text: bool = False) -> list[ItemRow]:
    """The rows of these items, in the order of ``ids``, in two queries. The ids come from
    a query that applied the user's scope already; rows are read by primary key alone."""
    if not ids:
        return []
    ids = list(dict.fromkeys(ids))
    i = _t()["item"]
    rows = _read_rows(
        f"{i} i", f"WHERE i.{i.id} IN ({sql.marks(len(ids))})", ids, with_text=with_text
    )
    by_id = {row.id: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


@functools.cache
def _links_sql(vendor: str) -> str:
    t = _tables(vendor)
    ld, p, pt, u = t["leaders"], t["person"], t["partners"], t["unit"]
    return (
        f"SELECT 0, l.{ld.id}, l.{ld.item_id}, p.{p.id}, p.{p.name} FROM {ld} l"
        f" JOIN {p} p ON p.{p.id} = l.{ld.person_id} WHERE l.{ld.item_id} IN ({{ids}})"
        f" UNION ALL SELECT 1, l.{pt.id}, l.{pt.item_id}, u.{u.id}, u.{u.name} FROM {pt} l"
        f" JOIN {u} u ON u.{u.id} = l.{pt.unit_id} WHERE l.{pt.item_id} IN ({{ids}})"
        " ORDER BY 1, 2"
    )


def item_links(ids: Sequence[int]) -> dict[int, tuple[list[Ref], list[Ref]]]:
    """Each item's sponsor leaders and partner units, in the order they were linked, in one
    query (items with neither are left out)."""
    out: dict[int, tuple[list[Ref], list[Ref]]] = {}
    if not ids:
        return out
    text = _links_sql(connection.vendor).format(ids=sql.marks(len(ids)))
    for kind, _link, item_id, ref_id, name in sql.fetch(text, list(ids) * 2):
        links = out.get(item_id)
        if links is None:
            links = out[item_id] = ([], [])
        links[kind].append(Ref(ref_id, name))
    return out


# --- one programme's list ------------------------------------------------------------------


@dataclass(frozen=True)
class Matching:
    """The items of one programme that match the ledger's filters, as one written WHERE
    over the items table; counted and paged by the statements below.

    Its parity test (``tests/test_list_sql.py``) holds it to ``selectors.filter_items`` for
    every filter and their combinations. The category filter is not part of the condition:
    the counts cover every category (the page's chips show them), and a page picks one.

    The unit's condition takes the form each database answers best: a UNION of the unit's
    led and partner items on SQLite (an OR made it scan the whole programme), an OR of two
    index scans on PostgreSQL (a third of the time of joining the UNION). ``nothing``: the
    user may not read the programme, so nothing matches.
    """

    programme: int
    unit: int | None = None
    leader: int | None = None
    lifecycle: str | None = None
    overdue_on: dt.date | None = None  # due before this day and not finished
    words: tuple[str, ...] = ()  # each in the name, content or measures, or the number
    nothing: bool = False

    def rest(self) -> tuple[str, list[Any]]:
        """Every condition but the unit's, on the items table's own columns."""
        if self.nothing:
            return "1 = 0", []
        t = _t()
        i = t["item"]
        parts = [f"{i.programme_id} = %s"]
        params: list[Any] = [self.programme]
        if self.leader:
            ld = t["leaders"]
            parts.append(f"{i.id} IN (SELECT {ld.item_id} FROM {ld} WHERE {ld.person_id} = %s)")
            params.append(self.leader)
        if self.lifecycle:
            parts.append(f"{i.lifecycle} = %s")
            params.append(self.lifecycle)
        if self.overdue_on:
            finished = sql.marks(len(FINISHED_LIFECYCLES))
            parts.append(f"{i.due_date} < %s AND NOT ({i.lifecycle} IN ({finished}))")
            params += [connection.ops.adapt_datefield_value(self.overdue_on), *FINISHED_LIFECYCLES]
        contains = connection.operators["icontains"]  # as the ORM's icontains lookup
        for word in self.words:
            pattern = f"%{connection.ops.prep_for_like_query(word)}%"
            like = [
                f"{connection.ops.lookup_cast('icontains', 'TextField') % column} {contains}"
                for column in (i.name, i.content, i.measures)
            ]
            parts.append(f"({' OR '.join(like)} OR {i.number} = %s)")
            params += [pattern, pattern, pattern, word]
        return "(" + " AND ".join(parts) + ")", params

    def condition(self) -> tuple[str, list[Any]]:
        """The whole condition, the unit's included."""
        rest, params = self.rest()
        if self.unit is None:
            return rest, params
        t = _t()
        i, pt = t["item"], t["partners"]
        partner_ids = f"SELECT {pt.item_id} FROM {pt} WHERE {pt.unit_id} = %s"
        if connection.vendor == "postgresql":
            unit = f"({i.lead_unit_id} = %s OR {i.id} = ANY(ARRAY({partner_ids})))"
            return f"{rest} AND {unit}", [*params, self.unit, self.unit]
        unit = (
            f"{i.id} IN (SELECT {i.id} FROM {i} WHERE {i.programme_id} = %s"
            f" AND {i.lead_unit_id} = %s UNION {partner_ids})"
        )
        return f"{rest} AND {unit}", [*params, self.programme, self.unit, self.unit]

    def _counts_sql(self) -> tuple[str, list[Any]]:
        """(category_id, n) per category with matches. With a unit, the items it leads and
        those it partners without leading them are counted apart and added up: each part
        follows an index of its own (the (programme, lead unit, category) index; the unit's
        partner links, then items by id), where one count over "led or partnered" walked the
        programme's whole index."""
        t = _t()
        i, pt = t["item"], t["partners"]
        rest, rest_params = self.rest()
        if self.unit is None:
            text = f"SELECT {i.category_id} AS category_id, COUNT(*) AS n FROM {i} WHERE {rest}"
            params = rest_params
        else:
            # The partner items by primary key: on PostgreSQL "= ANY(ARRAY(…))", which it
            # looks up one by one, where "IN (…)" made it hash-join the whole programme.
            partner = "= ANY(ARRAY({}))" if connection.vendor == "postgresql" else "IN ({})"
            partner_ids = f"SELECT {pt.item_id} FROM {pt} WHERE {pt.unit_id} = %s"
            text = (
                "SELECT category_id, COUNT(*) AS n FROM ("
                f"SELECT {i.category_id} AS category_id FROM {i}"
                f" WHERE {rest} AND {i.lead_unit_id} = %s"
                f" UNION ALL SELECT {i.category_id} FROM {i} WHERE {rest}"
                f" AND {i.id} {partner.format(partner_ids)} AND {i.lead_unit_id} <> %s) u"
            )
            params = [*rest_params, self.unit, *rest_params, self.unit, self.unit]
        return f"{text} GROUP BY category_id", params

    def category_counts(self) -> dict[int | None, int]:
        """How many matching items each category has (None: uncategorised)."""
        return dict(sql.fetch(*self._counts_sql()))

    def counts_in_order(self) -> tuple[dict[int | None, int], list[int]]:
        """The counts, and the categories with matches in list order (one query)."""
        text, params = self._counts_sql()
        c = _t()["category"]
        counts: dict[int | None, int] = {}
        order: list[tuple[int, int]] = []
        for category_id, category_order, n in sql.fetch(
            f"SELECT m.category_id, c.{c.order}, m.n FROM ({text}) m"
            f" LEFT JOIN {c} c ON c.{c.id} = m.category_id",
            params,
        ):
            counts[category_id] = n
            if category_id is not None:
                order.append((category_order, category_id))
        return counts, [pk for _order, pk in sorted(order)]

    def page(
        self,
        counts: Mapping[int | None, int],
        category_ids: Sequence[int],
        *,
        offset: int,
        limit: int,
        with_text: bool = False,
    ) -> list[ItemRow]:
        """Rows ``offset`` … ``offset + limit`` in list order: by category (in
        ``category_ids`` order, uncategorised last), then number, then id; in two queries
        (the page's rows, their leaders and partner units).

        ``counts`` (matching items per category, which the page's chips show anyway) tells
        which categories the page spans; each is read in the order of the (programme,
        category, seq, id) index and stops at the page's end. Sorting the whole programme by
        its categories' order instead cost PostgreSQL a sort of every matching row.
        """
        i = _t()["item"]
        parts: list[str] = []
        params: list[Any] = []
        skip, wanted = offset, limit
        for category in (*category_ids, None):
            n = counts.get(category, 0)
            if skip >= n:
                skip -= n
                continue
            take = min(wanted, n - skip)
            where, branch_params = self.condition()
            if category is None:
                where += f" AND {i.category_id} IS NULL"
            else:
                where += f" AND {i.category_id} = %s"
                branch_params.append(category)
            parts.append(
                f"SELECT {len(parts)} AS k, b.* FROM (SELECT {i.seq} AS seq, {i.id} AS pk"
                f" FROM {i} WHERE {where} ORDER BY {i.seq}, {i.id} LIMIT %s OFFSET %s) b"
            )
            params += [*branch_params, take, skip]
            skip, wanted = 0, wanted - take
            if wanted <= 0:
                break
        if not parts:
            return []
        # One query however many categories the page spans (each part sorted in its subquery).
        return _read_rows(
            f"({' UNION ALL '.join(parts)}) page JOIN {i} i ON i.{i.id} = page.pk",
            "ORDER BY page.k, page.seq, page.pk",
            params,
            with_text=with_text,
        )


# --- the item page ------------------------------------------------------------------------


@functools.cache
def _timeline_sql(vendor: str, limited: bool) -> str:
    t = _tables(vendor)
    u, un, au, a = t["update"], t["unit"], t["user"], t["attachment"]
    limit = " LIMIT %s" if limited else ""
    return (
        "WITH page AS ("
        f"SELECT u.{u.id} AS id, u.{u.reported_on} AS reported_on, u.{u.rate}, u.{u.text},"
        f" u.{u.is_note}, u.{u.is_public}, u.{u.target_actuals}, u.{u.done_investment},"
        f" un.{un.name} AS unit_name, au.{au.display_name}, au.{au.username},"
        " COUNT(*) OVER () AS total,"
        f" u.{u.review}, u.{u.review_comment}, u.{u.reason}"
        f" FROM {u} u LEFT JOIN {un} un ON un.{un.id} = u.{u.unit_id}"
        f" LEFT JOIN {au} au ON au.{au.id} = u.{u.author_id}"
        f" WHERE u.{u.item_id} = %s ORDER BY u.{u.reported_on} DESC, u.{u.id} DESC{limit})"
        f" SELECT page.*, a.{a.id} AS attachment_id, a.{a.name}, a.{a.content_type},"
        f" a.{a.size}, a.{a.is_public}"
        f" FROM page LEFT JOIN {a} a ON a.{a.update_id} = page.id"
        f" ORDER BY page.reported_on DESC, page.id DESC, a.{a.id}"
    )


def timeline(item_id: int, *, limit: int | None) -> tuple[list[UpdateRow], int]:
    """The item's latest ``limit`` updates (all when None), newest first, with their
    attachments, and how many updates there are; in one query, without model instances
    (50 updates with their authors, units and attachments as models cost ~10 ms)."""
    params: list[Any] = [item_id]
    if limit is not None:
        params.append(limit)
    rows: list[UpdateRow] = []
    total = 0
    for r in sql.fetch(_timeline_sql(connection.vendor, limit is not None), params):
        if not rows or rows[-1].id != r[0]:
            actuals = sql.to_json(r[6])
            rows.append(
                UpdateRow(
                    id=r[0],
                    reported_on=sql.to_date(r[1]),  # type: ignore[arg-type]
                    rate=sql.to_decimal(r[2]),
                    text=r[3],
                    is_note=bool(r[4]),
                    is_public=bool(r[5]),
                    target_actuals=actuals if isinstance(actuals, dict) else {},
                    done_investment=sql.to_decimal(r[7]),
                    unit_name=r[8] or "",
                    author_name=r[9] or r[10] or "",
                    review=r[12],
                    review_comment=r[13] or "",
                    reason=r[14] or "",
                )
            )
            total = r[11]
        if r[15] is not None:
            rows[-1].attachments.append(AttachmentRow(r[15], r[16], r[17], r[18], bool(r[19])))
    return rows, total
