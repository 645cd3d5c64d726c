"""The kinds of message: what each is called, where it goes by default, how it reads.

Each kind has its templates under ``templates/notify/kinds/<kind>/``, one per channel:
``inbox.txt`` (the inbox line), ``email_subject.txt`` and ``email.txt``, ``sms.txt`` (the
text as the phone shows it, sign first) and ``robot.md`` (a group robot's markdown). They
are plain text (not autoescaped), rendered in the recipient's language, with the notice's
context plus ``link`` (the path in the site), ``url`` (the absolute address, from
``SHISHI_SITE_URL``) and ``sms_sign``.

SMS providers send only pre-approved templates: ``sms_template`` is the provider's template
id and ``sms_params`` the context keys it takes, in order (the channel sends those; the
rendered ``sms.txt`` is what the approved template reads like, for the log and for gateways
that take text).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.template import Context, Engine
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shishi.notify.models import Channel

SMS_SINGLE = 70  # characters in one SMS
SMS_SEGMENT = 67  # characters per segment of a long SMS (the rest carries the join header)
PARTS = ("inbox.txt", "email_subject.txt", "email.txt", "sms.txt", "robot.md")


@dataclass(frozen=True)
class Kind:
    name: str
    label: str | Promise
    channels: tuple[str, ...] = ()  # besides the inbox, unless the person chose otherwise
    urgent: bool = False  # sent at night and past the digest unless a call says otherwise
    to_robots: bool = False  # a unit or district recipient also means its group robots
    sms_template: str = ""
    sms_params: tuple[str, ...] = ()
    chosen_by_people: bool = True  # listed on the preferences page


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if kind.name in KINDS and KINDS[kind.name] != kind:
        raise ValueError(f"two message kinds are named {kind.name!r}")
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown message kind {name!r}") from None


DEADLINE_TOMORROW = register(
    Kind(
        "deadline.tomorrow",
        _("明天到期"),
        channels=(Channel.SMS, Channel.EMAIL),
        urgent=True,
        sms_template="SMS_DEADLINE_TOMORROW",
        sms_params=("number", "name", "due"),
    )
)
DEADLINE_OVERDUE = register(
    Kind(
        "deadline.overdue",
        _("已逾期"),
        channels=(Channel.EMAIL,),
        to_robots=True,
        sms_template="SMS_DEADLINE_OVERDUE",
        sms_params=("number", "name", "due"),
    )
)
PROGRESS_REJECTED = register(
    Kind(
        "progress.rejected",
        _("进展被退回"),
        channels=(Channel.EMAIL,),
        sms_template="SMS_PROGRESS_REJECTED",
        sms_params=("number", "name"),
    )
)
CHANGE_REQUEST_FILED = register(
    Kind(
        "change_request.filed",
        _("调整申请待审批"),
        channels=(Channel.EMAIL,),
        sms_template="SMS_CHANGE_FILED",
        sms_params=("number", "unit"),
    )
)
CHANGE_REQUEST_DECIDED = register(
    Kind(
        "change_request.decided",
        _("调整申请已处理"),
        channels=(Channel.EMAIL,),
        sms_template="SMS_CHANGE_DECIDED",
        sms_params=("number", "decision"),
    )
)
DEMAND_DISPATCHED = register(
    Kind(
        "demand.dispatched",
        _("诉求派单"),
        channels=(Channel.SMS,),
        urgent=True,
        to_robots=True,
        sms_template="SMS_DEMAND_DISPATCHED",
        sms_params=("number", "title", "due"),
    )
)
REPORT_DUE = register(
    Kind(
        "report.due",
        _("报送提醒"),
        channels=(Channel.EMAIL,),
        to_robots=True,
        sms_template="SMS_REPORT_DUE",
        sms_params=("title", "due"),
    )
)
ROBOT_TEST = register(Kind("robot.test", _("测试消息"), chosen_by_people=False))
# The audit chain's daily signed checkpoint (core.checkpoints): a copy outside the database.
AUDIT_CHECKPOINT = register(
    Kind("audit.checkpoint", _("审计检查点"), channels=(Channel.EMAIL,), chosen_by_people=False)
)
# A published issue of the district's briefing series (reports.briefings), to the units.
BRIEFING_PUBLISHED = register(Kind("briefing.published", _("简报印发")))
# Supervision (supervision.notices): a unit's rectification notice (整改通知), the inspectors'
# rectification to verify, the verdict; a leader's instruction (批示) and its answer.
RECTIFICATION_NOTICE = register(
    Kind(
        "rectification.notice",
        _("整改通知"),
        channels=(Channel.EMAIL,),
        to_robots=True,
        sms_template="SMS_RECTIFICATION_NOTICE",
        sms_params=("problem", "deadline"),
    )
)
RECTIFICATION_SUBMITTED = register(Kind("rectification.submitted", _("整改待核验")))
RECTIFICATION_VERIFIED = register(
    Kind("rectification.verified", _("整改核验结果"), channels=(Channel.EMAIL,))
)
INSTRUCTION_NEW = register(
    Kind(
        "instruction.new",
        _("领导批示"),
        channels=(Channel.SMS, Channel.EMAIL),
        urgent=True,
        to_robots=True,
        sms_template="SMS_INSTRUCTION_NEW",
        sms_params=("author", "answer_by"),
    )
)
INSTRUCTION_ANSWERED = register(Kind("instruction.answered", _("批示已答复")))
# Supervision's overdue cards (supervision.overdue, the morning job): a rectification due
# the next working day (level "due"), or carrying a yellow or red card; an instruction not
# answered in time (yellow, red). ``level`` in the context says which.
RECTIFICATION_OVERDUE = register(
    Kind(
        "rectification.overdue",
        _("整改到期和逾期"),
        channels=(Channel.EMAIL,),
        to_robots=True,
        sms_template="SMS_RECTIFICATION_OVERDUE",
        sms_params=("card", "brief", "deadline"),
    )
)
INSTRUCTION_OVERDUE = register(
    Kind(
        "instruction.overdue",
        _("批示逾期未答复"),
        channels=(Channel.SMS, Channel.EMAIL),
        to_robots=True,
        sms_template="SMS_INSTRUCTION_OVERDUE",
        sms_params=("card", "author", "answer_by"),
    )
)
# A demand past its time to sign for or to reply (demands.overdue): the unit, its head, and
# the office once it is a day late.
DEMAND_OVERDUE = register(
    Kind(
        "demand.overdue",
        _("诉求超时"),
        channels=(Channel.SMS,),
        urgent=True,
        to_robots=True,
        sms_template="SMS_DEMAND_OVERDUE",
        sms_params=("number", "stage", "due"),
    )
)
# A unit's request for more time on a demand (to the office) and the office's answer (to the
# unit).
DEMAND_EXTENSION = register(
    Kind(
        "demand.extension",
        _("诉求延期申请"),
        channels=(Channel.EMAIL,),
        to_robots=True,
        sms_template="SMS_DEMAND_EXTENSION",
        sms_params=("number", "what"),
    )
)
DIGEST = "digest"  # the daily e-mail's own templates: notify/digest_subject.txt, digest.txt


def people_kinds() -> list[Kind]:
    return [k for k in KINDS.values() if k.chosen_by_people]


# --- rendering ----------------------------------------------------------------------------------


@cache
def _engine(dirs: tuple[str, ...]) -> Engine:
    """Django's template language without HTML escaping, for text, SMS and markdown."""
    return Engine(
        dirs=list(dirs),
        autoescape=False,
        libraries={"i18n": "django.templatetags.i18n"},
        builtins=["django.templatetags.i18n"],
        loaders=[
            ("django.template.loaders.cached.Loader", ["django.template.loaders.filesystem.Loader"])
        ],
    )


def _template_dirs() -> tuple[str, ...]:
    return tuple(str(d) for t in settings.TEMPLATES for d in t.get("DIRS", []))


def base_context(context: Mapping[str, Any], link: str) -> dict[str, Any]:
    site = getattr(settings, "SHISHI_SITE_URL", "").rstrip("/")
    return {
        **context,
        "link": link,
        "url": f"{site}{link}" if link.startswith("/") else link,
        "sms_sign": settings.SHISHI_SMS_SIGN,
    }


def render(
    kind: str, part: str, context: Mapping[str, Any], *, language: str, link: str = ""
) -> str:
    """One part (``inbox.txt``, ``sms.txt``, …) of a kind, in ``language``, stripped."""
    template = _engine(_template_dirs()).get_template(f"notify/{_folder(kind)}/{part}")
    with translation.override(language):
        return template.render(Context(base_context(context, link), autoescape=False)).strip()


def _folder(kind: str) -> str:
    return "digest" if kind == DIGEST else f"kinds/{kind}"


def sms_segments(text: str) -> int:
    """How many SMS ``text`` takes: one up to 70 characters, else 67 per segment."""
    n = len(text)
    if n <= SMS_SINGLE:
        return 1 if n else 0
    return math.ceil(n / SMS_SEGMENT)


def sms_params(kind: Kind, context: Mapping[str, Any]) -> dict[str, str]:
    """The provider template's parameters, from the context (missing ones empty)."""
    return {name: str(context.get(name, "")) for name in kind.sms_params}


# --- chasing (reports.chasing) ------------------------------------------------------------------

# After a report's due time: to the unit's editors (and groups), then also its head.
REPORT_OVERDUE = register(
    Kind(
        "report.overdue",
        _("逾期未报催报"),
        channels=(Channel.EMAIL,),
        to_robots=True,
        sms_template="SMS_REPORT_OVERDUE",
        sms_params=("title", "due"),
    )
)
# To a sponsor leader, from the third reminder after the due time: not urgent, so a leader
# who chose the daily e-mail digest reads it there (and in the inbox).
REPORT_OVERDUE_LEADER = register(
    Kind(
        "report.overdue_leader",
        _("包保单位逾期未报"),
        channels=(Channel.EMAIL,),
        sms_template="SMS_REPORT_OVERDUE_LEADER",
        sms_params=("title", "count"),
    )
)
