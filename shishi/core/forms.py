"""Form helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import QueryDict

from shishi.core.errors import StaleEdit, ValidationFailed


class ServiceErrorsMixin:
    """For a ``forms.Form``: put a service's ``ValidationFailed.errors`` next to its fields.

    A service names fields as the model does (``lead_unit_id``); the form's field may drop
    the ``_id``. Errors for no field of the form, or none at all, go on top with ``message``.
    """

    if TYPE_CHECKING:  # provided by forms.Form
        fields: dict[str, Any]

        def add_error(self, field: str | None, error: Any) -> None: ...

    def add_service_errors(self, errors: dict[str, str], message: str) -> None:
        placed = False
        for key, text in errors.items():
            name = key if key in self.fields else key.removesuffix("_id")
            if name in self.fields:
                self.add_error(name, text)
                placed = True
        if not placed:
            self.add_error(None, message)


@dataclass(frozen=True)
class Outcome:
    """What became of a form sent to a service: saved, or the status to re-render it with
    (422 invalid, 409 someone else saved first) and the stale edit's message."""

    saved: bool
    status: int = 200
    stale_message: str = ""


def submit(form: Any, save: Callable[[dict[str, Any]], object]) -> Outcome:
    """Validate ``form`` and call ``save(form.cleaned_data)``, the one service call.

    ``ValidationFailed`` puts the service's errors beside the form's fields (422).
    ``StaleEdit`` is not an error to show on the fields: the view reads the record again and
    re-renders the user's input against its current version (``with_version``), with the
    current values beside it, so nothing typed is lost and nothing is overwritten (409).
    """
    if not form.is_valid():
        return Outcome(saved=False, status=422)
    try:
        save(form.cleaned_data)
    except StaleEdit as exc:
        return Outcome(saved=False, status=409, stale_message=exc.message)
    except ValidationFailed as exc:
        form.add_service_errors(exc.errors, exc.message)
        return Outcome(saved=False, status=422)
    return Outcome(saved=True)


def with_version(data: QueryDict, version: int) -> QueryDict:
    """The submitted ``data`` carrying the record's current ``version``."""
    data = data.copy()
    data["version"] = str(version)
    return data
