"""The notify app's settings, read when used (never at import), with their defaults.

See ``shishi/settings.py`` for the environment variables behind them.
"""

from __future__ import annotations

from django.conf import settings


def _get(name: str, default: object) -> object:
    return getattr(settings, name, default)


def rate_limits() -> dict[str, int]:
    """Most messages per recipient and channel per hour (excess waits for the next hour)."""
    value = _get("SHISHI_NOTIFY_RATE_LIMITS", {"sms": 5, "email": 30})
    return dict(value)  # type: ignore[call-overload]


def max_attempts() -> int:
    return int(_get("SHISHI_NOTIFY_MAX_ATTEMPTS", 5))  # type: ignore[call-overload]


def retry_seconds() -> float:
    """The first back-off; it doubles with each attempt (capped at an hour)."""
    return float(_get("SHISHI_NOTIFY_RETRY_SECONDS", 30))  # type: ignore[arg-type]


def sending_timeout() -> float:
    """Seconds after which a delivery still ``sending`` is taken as a worker that died."""
    return float(_get("SHISHI_NOTIFY_SENDING_TIMEOUT", 600))  # type: ignore[arg-type]


def robot_per_minute() -> int:
    return int(_get("SHISHI_NOTIFY_ROBOT_PER_MINUTE", 20))  # type: ignore[call-overload]


def batch_size() -> int:
    """Deliveries per worker task."""
    return int(_get("SHISHI_NOTIFY_BATCH", 500))  # type: ignore[call-overload]
