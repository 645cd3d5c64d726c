"""The portal's own rows: a version of what each programme shows the public."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shishi.ledger.models import Programme


class PublicationVersion(models.Model):
    """Goes up after every committed change of a programme's items (the ledger's
    ``items_changed``: publishing, withdrawing, the office's edits, published updates and
    photos, imports), so the open data kept under ``(programme, version)`` is never served
    after a change (``portal.views``; ``portal.services.bump_publication_version``)."""

    programme = models.OneToOneField(
        Programme, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("公开版本")
        verbose_name_plural = _("公开版本")

    def __str__(self) -> str:
        return f"{self.programme_id} v{self.version}"
