"""Who may open the publication pages: the programme office of the district (or the city
office over it). Others get NotFound when they cannot read the district at all, and
PermissionDenied when they can read it but not decide what is public."""

from __future__ import annotations

from typing import Any

from shishi.core.errors import NotFound, PermissionDenied
from shishi.ledger import permissions as ledger_permissions
from shishi.ledger.models import Attachment, Item, Programme, ProgressUpdate

MANAGE_DENIED = "只有本区专班（或市专班）可以管理公开内容"


def access_publication(user: Any, programme_id: int) -> Programme:
    """The programme if the user may decide what of it is public; else raise."""
    try:
        return ledger_permissions.access_programme(user, programme_id, manage=True)
    except PermissionDenied:
        raise PermissionDenied(MANAGE_DENIED) from None


def _require_manager(user: Any, programme: Programme) -> None:
    if not ledger_permissions.can_manage_programme(user, programme):
        raise PermissionDenied(MANAGE_DENIED)


def access_publication_item(user: Any, programme: Programme, item_id: int) -> Item:
    """An item of a programme the user manages (``access_publication`` first)."""
    item = ledger_permissions.access_item(user, item_id)
    if item.programme_id != programme.pk:
        raise NotFound("事项不存在或不属于本计划")
    return item


def access_publication_update(user: Any, programme: Programme, update_id: int) -> ProgressUpdate:
    """A progress update of a programme the user manages (``access_publication`` first)."""
    _require_manager(user, programme)
    update = (
        ProgressUpdate.objects.select_related("item")
        .filter(pk=update_id, item__programme_id=programme.pk)
        .first()
    )
    if update is None:
        raise NotFound("该条进展已不存在，请刷新页面")
    return update


def access_publication_attachment(
    user: Any, programme: Programme, attachment_id: int
) -> Attachment:
    """An attachment of a programme the user manages (``access_publication`` first)."""
    _require_manager(user, programme)
    attachment = (
        Attachment.objects.select_related("update", "update__item")
        .filter(pk=attachment_id, update__item__programme_id=programme.pk)
        .first()
    )
    if attachment is None:
        raise NotFound("该照片已不存在，请刷新页面")
    return attachment
