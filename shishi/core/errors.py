"""Errors every service may raise; views and the API turn them into clear responses."""

from __future__ import annotations


class ServiceError(Exception):
    """Base for errors a user can act on. ``message`` is shown to them as is."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDenied(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class ValidationFailed(ServiceError):
    status = 422

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class StaleEdit(ServiceError):
    """Someone else changed the record since the form was loaded."""

    status = 409
