"""Every write of the notify app. Other apps call ``notify()``; the worker calls the engine;
the SMS delivery-report view calls ``apply_delivery_reports``."""

from shishi.notify.services.digest import send_digests
from shishi.notify.services.engine import (
    BatchReport,
    DeliveryReport,
    apply_delivery_reports,
    deliver_batch,
    sweep,
)
from shishi.notify.services.hooks import add_robot_hook, send_test_message, update_robot_hook
from shishi.notify.services.inbox import mark_all_read, mark_read
from shishi.notify.services.log import mark_delivery_failed, resend_delivery
from shishi.notify.services.notices import Notice, hand_over, notify
from shishi.notify.services.preferences import save_preferences

__all__ = [
    "BatchReport",
    "DeliveryReport",
    "Notice",
    "add_robot_hook",
    "apply_delivery_reports",
    "deliver_batch",
    "hand_over",
    "mark_all_read",
    "mark_delivery_failed",
    "mark_read",
    "notify",
    "resend_delivery",
    "save_preferences",
    "send_digests",
    "send_test_message",
    "sweep",
    "update_robot_hook",
]
