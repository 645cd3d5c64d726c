"""Who sees which personal number how: one small rule table per kind, one function.

Pages (the ``pii`` template filter), the API and exports call ``display``; the caller says how
the viewer stands to the record (``Viewer``), which it knows from its own permissions:

=============  ==========================  ==========================  ===================
viewer         phone                       id_number                   email
=============  ==========================  ==========================  ===================
``public``     hidden                      hidden                      hidden
``staff``      masked                      hidden                      masked
``office``     masked; full on "show"      masked; full on "show"      masked; full on "show"
``owner``      masked; full on "show"      masked; full on "show"      masked; full on "show"
``system``     masked; full on "show"      masked; full on "show"      masked; full on "show"
=============  ==========================  ==========================  ===================

``owner``: the person the number belongs to, or who filed the record holding it (消息设置);
``office``: the office responsible for the record (the programme office of its district, the
city office over it); ``staff``: any other signed-in user who may read the record;
``system``: the superuser checking a complaint (the delivery log). A full number is shown
only when the request asks for it (``show=True``: a "显示完整号码" button), and each such
view writes an audit event (``pii.show``: who, which record, which field — never the
number). Code that
must use the number itself (to send an SMS) calls ``PersonalNumber.reveal()`` and shows
nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db import models, transaction

from shishi.core import audit, pii
from shishi.core.errors import PermissionDenied
from shishi.core.fields import KINDS, PersonalNumber


class Viewer(StrEnum):
    PUBLIC = "public"
    STAFF = "staff"
    OFFICE = "office"
    OWNER = "owner"
    SYSTEM = "system"


class Access(StrEnum):
    HIDDEN = "hidden"
    MASKED = "masked"
    ON_SHOW = "on_show"  # masked, the full number on an explicit, audited "show"


_PRIVILEGED = {Viewer.OFFICE: Access.ON_SHOW, Viewer.OWNER: Access.ON_SHOW}
RULES: dict[str, dict[Viewer, Access]] = {
    "phone": {
        Viewer.PUBLIC: Access.HIDDEN,
        Viewer.STAFF: Access.MASKED,
        Viewer.SYSTEM: Access.ON_SHOW,
        **_PRIVILEGED,
    },
    "id_number": {
        Viewer.PUBLIC: Access.HIDDEN,
        Viewer.STAFF: Access.HIDDEN,
        Viewer.SYSTEM: Access.ON_SHOW,
        **_PRIVILEGED,
    },
    "email": {
        Viewer.PUBLIC: Access.HIDDEN,
        Viewer.STAFF: Access.MASKED,
        Viewer.SYSTEM: Access.ON_SHOW,
        **_PRIVILEGED,
    },
}
HIDDEN_TEXT = "（已隐藏）"
NOT_ALLOWED = "无权查看完整号码"
_MASKS = {"email": pii.mask_email, **{k: kind.mask for k, kind in KINDS.items()}}


def access(kind: str, viewer: Viewer | str) -> Access:
    return RULES[kind].get(Viewer(viewer), Access.HIDDEN)


def can_show(kind: str, viewer: Viewer | str) -> bool:
    return access(kind, viewer) == Access.ON_SHOW


def _plain_and_kind(value: PersonalNumber | str, kind: str | None) -> tuple[str, str]:
    if isinstance(value, PersonalNumber):
        return value.reveal(), value.kind
    if kind is None:
        raise ValueError("a plain value needs its kind")
    return str(value), kind


def masked(value: PersonalNumber | str | None, kind: str | None = None) -> str:
    """The mask of ``value`` ('' for none)."""
    if value is None or value == "":
        return ""
    if isinstance(value, PersonalNumber):
        return value.masked
    assert kind is not None
    return _MASKS[kind](str(value))


def display(
    value: PersonalNumber | str | None,
    *,
    viewer: Viewer | str,
    kind: str | None = None,
    show: bool = False,
    actor: Any = None,
    target: models.Model | None = None,
    field: str = "",
) -> str:
    """``value`` as ``viewer`` may see it. With ``show``, the full number for a viewer the
    table allows (an audit event ``pii.show`` on ``target`` by ``actor``), else
    ``PermissionDenied``."""
    if value is None or value == "":
        return ""
    kind = value.kind if isinstance(value, PersonalNumber) else kind
    assert kind is not None, "a plain value needs its kind"
    rule = access(kind, viewer)
    if show:
        if rule != Access.ON_SHOW or target is None or actor is None:
            raise PermissionDenied(NOT_ALLOWED)
        try:
            plain, _ = _plain_and_kind(value, kind)
        except pii.DecryptionFailed:
            return masked(value, kind)
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="pii.show",
                target=target,
                changes={"field": field or kind, "viewer": str(Viewer(viewer))},
                jurisdiction_id=getattr(target, "jurisdiction_id", None),
            )
        return plain
    if rule == Access.HIDDEN:
        return HIDDEN_TEXT
    return masked(value, kind)


def record_shown(
    *,
    actor: Any,
    target: models.Model,
    fields: dict[str, int],
    viewer: Viewer | str,
    ids: list[Any] | None = None,
) -> None:
    """One audit event for a page that showed many full values at once (``fields``: the
    field and how many; ``ids``: the records), e.g. the delivery log after "显示完整地址"."""
    changes: dict[str, Any] = {"fields": fields, "viewer": str(Viewer(viewer))}
    if ids:
        changes["ids"] = ids
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="pii.show",
            target=target,
            changes=changes,
            jurisdiction_id=getattr(target, "jurisdiction_id", None),
        )
