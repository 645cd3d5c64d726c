"""Form helpers shared by the apps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any


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
