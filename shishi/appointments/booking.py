"""Slots and bookings: every write of a booking, by every channel.

**Slots.** A service's slots are the mornings and afternoons of the district's working days
(``workdays.calendar``), made lazily, race-safe, for the days asked (``ensure_slots``: one
INSERT that ignores the rows another request made first, then one read). A day's capacity
is the service's active ``Staff`` count × ``per_staff_day``; the morning takes the larger
half (9 → 5 in the morning, 4 in the afternoon). When staff come or go, the slots not yet
full follow on the next read, never below what is already booked.

**A place** is taken with ONE conditional UPDATE (``booked < capacity``): 0 rows means the
slot is full ("这个时段已约满，请另选", on ``slot``). Nothing else counts places, so two
processes booking the last place at once cannot both have it (the database's check
``slot_not_overbooked`` backs it up). Cancel, no-show and reschedule give the place back the
same way. No slot in the past, on a day that is no longer a working day, or more than
``SHISHI_BOOKING_DAYS_AHEAD`` days ahead.

**A booking** (``book``) is for a resident (found, or registered by the operator with
``services.register_resident``) or an enterprise (its USCC checked); made by an operator on
the phone, a family member or grid worker on the resident's behalf (recorded), the resident
on the public site (phone proven by a code) or an enterprise contact. The eligibility answer
(``eligibility.evaluate``) and the conditions the operator confirmed are stored; an
ineligible person is refused with the reasons. One open booking per person (or enterprise)
and service. Each write checks permission, runs in one transaction, writes an audit event
with the numbers masked, and queues an SMS to ``notify_phone`` (none for a landline: the
page tells the operator to call).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from shishi.appointments import eligibility, permissions, services, texts
from shishi.appointments.models import (
    Booking,
    BookingStatus,
    Channel,
    Period,
    Resident,
    Service,
    Slot,
    Staff,
    Where,
)
from shishi.core import audit, uscc
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.fields import PersonalNumber
from shishi.core.inputs import has_control
from shishi.workdays import calendar

FULL = "这个时段已约满，请另选"
# Booking codes: 8 characters without the ones read alike (0/O, 1/I/L, 5/S, 2/Z, 8/B, U/V).
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
CODE_LENGTH = 8
PERIOD_ENDS: dict[str, dt.time] = {Period.MORNING: dt.time(12, 0), Period.AFTERNOON: dt.time(18, 0)}
STAFF_CHANNELS = (Channel.OPERATOR, Channel.FAMILY, Channel.GRID_WORKER, Channel.ENTERPRISE)
PUBLIC_CHANNELS = (Channel.PUBLIC, Channel.ENTERPRISE)
PROXY_CHANNELS = (Channel.FAMILY, Channel.GRID_WORKER)
# ``eligibility.evaluate`` reads a birth date before any rule; for an enterprise (no person)
# it is asked only about the rules that need none, with this well-formed stand-in number.
_NO_AGE_ID = "11010519491231002X"


def days_ahead() -> int:
    return int(getattr(settings, "SHISHI_BOOKING_DAYS_AHEAD", 14))


# --- slots -----------------------------------------------------------------------------------


def day_capacity(service: Service) -> int:
    """Places a working day of ``service`` has: active staff × places per staff member."""
    staff = Staff.objects.filter(service=service, is_active=True).count()
    return staff * service.per_staff_day


def split_day(total: int) -> dict[str, int]:
    """A day's places per half: the morning takes the larger half."""
    return {Period.MORNING: (total + 1) // 2, Period.AFTERNOON: total // 2}


def bookable_days(
    service: Service, start: dt.date, days: int, *, today: dt.date | None = None
) -> list[dt.date]:
    """The working days among ``days`` days from ``start`` that may be booked: not past,
    not beyond ``SHISHI_BOOKING_DAYS_AHEAD``."""
    today = today or timezone.localdate()
    last = today + dt.timedelta(days=days_ahead())
    found = []
    for n in range(max(0, min(days, 62))):
        day = start + dt.timedelta(days=n)
        if today <= day <= last and calendar.is_working_day(
            day, jurisdiction=service.jurisdiction_id
        ):
            found.append(day)
    return found


def ensure_slots(service: Service, days: Iterable[dt.date]) -> list[Slot]:
    """The slots of ``service`` on ``days`` (both halves), made if missing — race-safe: an
    INSERT that skips rows made meanwhile — with the capacity of the staff on duty (not
    below what is booked)."""
    days = sorted(set(days))
    if not days:
        return []
    halves = split_day(day_capacity(service))
    Slot.objects.bulk_create(
        [
            Slot(service=service, day=day, period=period, capacity=halves[period])
            for day in days
            for period in (Period.MORNING, Period.AFTERNOON)
        ],
        ignore_conflicts=True,
    )
    for period, capacity in halves.items():
        Slot.objects.filter(service=service, day__in=days, period=period).exclude(
            capacity=capacity
        ).exclude(booked__gt=capacity, capacity=F("booked")).update(
            capacity=Greatest(F("booked"), capacity)
        )
    return list(Slot.objects.filter(service=service, day__in=days).order_by("day", "period"))


def slots_for(
    service: Service, start: dt.date, days: int, *, today: dt.date | None = None
) -> list[Slot]:
    """The slots of the bookable days among ``days`` from ``start`` (made if missing)."""
    return ensure_slots(service, bookable_days(service, start, days, today=today))


def check_slot(slot: Slot, *, now: dt.datetime | None = None) -> None:
    """Refuse (``ValidationFailed`` on ``slot``) a slot that is over, on a day that is not a
    working day, or too far ahead."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    message = ""
    if slot.day < today or (slot.day == today and now.time() >= PERIOD_ENDS[slot.period]):
        message = "这个时段已过，请另选"
    elif slot.day > today + dt.timedelta(days=days_ahead()):
        message = f"只能预约{days_ahead()}天以内的时段"
    elif not calendar.is_working_day(slot.day, jurisdiction=slot.service.jurisdiction_id):
        message = "这一天不是工作日，请另选"
    if message:
        raise ValidationFailed(message, {"slot": message})


def take_place(slot_id: int) -> None:
    """One place of the slot, by one conditional UPDATE; full → ``ValidationFailed``."""
    taken = Slot.objects.filter(pk=slot_id, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not taken:
        raise ValidationFailed(FULL, {"slot": FULL})


def give_back(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


# --- booking ---------------------------------------------------------------------------------


@dataclass
class BookingInput:
    """What a booking needs. ``resident_id`` names a registered person (an enterprise's
    booking may have none); ``confirmed`` lists the conditions to confirm that the operator
    ticked (the texts of the eligibility answer's ``to_confirm``)."""

    channel: str
    resident_id: int | None = None
    notify_phone: str = ""  # the mobile the SMS go to; default: the resident's, else proxy's
    proxy_name: str = ""
    proxy_relation: str = ""
    proxy_phone: str = ""
    enterprise_name: str = ""
    enterprise_uscc: str = ""
    contact_name: str = ""
    address: str = ""
    request: str = ""
    confirmed: tuple[str, ...] | list[str] = field(default_factory=tuple)
    staff_id: int | None = None


def _text(errors: dict[str, str], name: str, value: str, limit: int, *, label: str) -> str:
    text = (value or "").strip()
    if len(text) > limit or has_control(text):
        errors[name] = f"{label}最多{limit}个字"
    elif not text:
        errors[name] = f"请填写{label}"
    return text


def _mobile(errors: dict[str, str], name: str, raw: str) -> PersonalNumber | None:
    if not (raw or "").strip():
        return None
    try:
        return PersonalNumber.of("phone", raw)
    except ValueError as exc:
        errors[name] = str(exc)
        return None


def judge(
    service: Service, resident: Resident | None, confirmed: Iterable[str], on: dt.date
) -> dict[str, Any]:
    """The eligibility answer for ``resident`` (None: an enterprise) on ``on``, with the
    conditions the operator confirmed: ``{"eligible", "reasons", "to_confirm",
    "confirmed"}``. With "all" every rule is met and every condition confirmed; with "any"
    one rule met or one condition confirmed; a service without rules is open to all."""
    rules = service.rules or []
    if resident is not None:
        verdict = eligibility.evaluate(
            rules,
            id_number=resident.id_number.reveal(),
            on=on,
            match=service.match,
            day_after=service.age_from == "day_after",
        )
        met, reasons, to_confirm = verdict.eligible, verdict.reasons, verdict.to_confirm
    else:  # an enterprise: no age to read; the rest the operator confirms
        reasons = [
            f"需要本人身份证号核对年龄（年满{r.get('min')}周岁）"
            for r in rules
            if r.get("kind") == "age"
        ]
        to_confirm = eligibility.evaluate(
            [r for r in rules if r.get("kind") != "age"], id_number=_NO_AGE_ID, on=on
        ).to_confirm
        ages = [r for r in rules if r.get("kind") == "age"]
        met = not ages if service.match != "any" else False
    ticked = [t for t in to_confirm if t in set(confirmed)]
    if not rules:
        eligible = True
    elif service.match == "any":
        eligible = bool(met) or bool(ticked)
    else:
        eligible = bool(met) and len(ticked) == len(to_confirm)
    return {
        "eligible": eligible,
        "reasons": reasons,
        "to_confirm": to_confirm,
        "confirmed": ticked,
    }


def _why_not(verdict: dict[str, Any]) -> str:
    parts = [r for r in verdict["reasons"] if r.startswith(("未满", "需要"))]
    unticked = [t for t in verdict["to_confirm"] if t not in verdict["confirmed"]]
    if unticked:
        parts.append("未确认：" + "、".join(unticked))
    return "不符合服务条件：" + "；".join(parts or ["请核对服务条件"])


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _check_actor(service: Service, channel: str, actor: Any) -> None:
    if actor is None:
        if channel not in PUBLIC_CHANNELS:
            raise PermissionDenied("请登录后预约")
    elif not permissions.is_operator(actor, service.jurisdiction_id):
        raise PermissionDenied("只有本区接线员和专班可以代为预约")


def book(
    service: Service,
    slot: Slot,
    data: BookingInput,
    *,
    actor: Any,
    now: dt.datetime | None = None,
) -> Booking:
    """Book a place of ``slot`` of ``service`` (see the module's doc). ``actor`` is the
    operator (or office) of the district; None for the public site (the view has proven
    the phone with a code). ``ValidationFailed`` names the field: ``slot`` (full, past, not
    a working day, too far ahead), ``resident``, ``eligibility``, ``notify_phone``,
    ``proxy_*``, ``enterprise_*``, ``contact_*``, ``staff``."""
    channel = data.channel
    if channel not in Channel.values:
        raise ValidationFailed("请选择预约方式", {"channel": "请选择预约方式"})
    _check_actor(service, channel, actor)
    if slot.service_id != service.pk or not service.is_active:
        raise ValidationFailed("请选择这项服务的时段", {"slot": "请选择这项服务的时段"})
    slot.service = service
    now = now or timezone.now()
    check_slot(slot, now=now)
    errors: dict[str, str] = {}
    resident: Resident | None = None
    at_enterprise = service.where == Where.ENTERPRISE
    if data.resident_id is not None:
        resident = Resident.objects.filter(
            pk=data.resident_id, jurisdiction_id=service.jurisdiction_id
        ).first()
        if resident is None:
            errors["resident"] = "请先查找或登记服务对象"
    elif not at_enterprise:
        errors["resident"] = "请先查找或登记服务对象"
    values: dict[str, Any] = {}
    if channel in PROXY_CHANNELS:
        values["proxy_name"] = _text(errors, "proxy_name", data.proxy_name, 50, label="代约人")
        values["proxy_relation"] = _text(
            errors, "proxy_relation", data.proxy_relation, 20, label="与本人关系"
        )
        proxy = _mobile(errors, "proxy_phone", data.proxy_phone)
        values["proxy_phone"] = proxy.reveal() if proxy else ""
    enterprise = at_enterprise or channel == Channel.ENTERPRISE
    if enterprise:
        values["enterprise_name"] = _text(
            errors, "enterprise_name", data.enterprise_name, 200, label="企业名称"
        )
        try:
            values["enterprise_uscc"] = uscc.normalize_uscc(data.enterprise_uscc)
        except ValueError as exc:
            errors["enterprise_uscc"] = str(exc)
        values["contact_name"] = _text(
            errors, "contact_name", data.contact_name, 50, label="联系人"
        )
    notify = _mobile(errors, "notify_phone", data.notify_phone)
    if notify is None and "notify_phone" not in errors:
        fallback = resident.phone if resident is not None and resident.phone else None
        if fallback is None and values.get("proxy_phone"):
            fallback = PersonalNumber.of("phone", values["proxy_phone"])
        notify = fallback if isinstance(fallback, PersonalNumber) else None
    if enterprise and notify is None and "notify_phone" not in errors:
        errors["notify_phone"] = "请填写联系人手机号码"
    if channel == Channel.PUBLIC and notify is None and "notify_phone" not in errors:
        errors["notify_phone"] = "请填写手机号码"
    address = (data.address or "").strip() or (resident.address if resident else "")
    request = (data.request or "").strip()
    if len(address) > 300 or has_control(address):
        errors["address"] = "服务地址最多300个字"
    if len(request) > 2000:
        errors["request"] = "需办理的事项最多2000个字"
    if service.where in (Where.HOME, Where.ENTERPRISE) and not address and "address" not in errors:
        errors["address"] = "请填写上门服务的地址"
    if data.staff_id is not None and not _is_staff(service, data.staff_id):
        errors["staff"] = "请选择这项服务的在岗人员"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    verdict = judge(service, resident, data.confirmed, timezone.localdate(now))
    if not verdict["eligible"]:
        message = _why_not(verdict)
        raise ValidationFailed(message, {"eligibility": message})
    with transaction.atomic():
        _refuse_second(service, resident, values.get("enterprise_uscc", ""))
        take_place(slot.pk)
        booking = _create(
            service=service,
            slot=slot,
            resident=resident,
            channel=channel,
            booked_by=actor if getattr(actor, "pk", None) else None,
            notify_phone=notify.reveal() if notify else "",
            address=address,
            request=request,
            eligibility=verdict,
            staff_id=data.staff_id,
            **values,
        )
        audit.record(
            actor=actor,
            action="appointments.book",
            target=booking,
            changes={
                "service": [None, service.code],
                "slot": [None, str(slot)],
                "channel": [None, channel],
                "resident": [None, resident.pk if resident else None],
                "notify_phone": [None, notify.masked if notify else ""],
                "proxy_name": [None, values.get("proxy_name", "")],
                "proxy_phone": [None, _masked(values.get("proxy_phone", ""))],
                "enterprise_uscc": [None, values.get("enterprise_uscc", "")],
                "eligible": [None, verdict["eligible"]],
                "staff": [None, data.staff_id],
            },
            jurisdiction_id=service.jurisdiction_id,
        )
        _text_resident(booking, slot, "booking")
    return booking


def refuse(name: str, message: str) -> None:
    raise ValidationFailed(message, {name: message})


def _masked(raw: str) -> str:
    return PersonalNumber.of("phone", raw).masked if raw else ""


def _refuse_second(service: Service, resident: Resident | None, enterprise_uscc: str) -> None:
    open_ = Booking.objects.filter(service=service, status=BookingStatus.BOOKED)
    if resident is not None:
        # Lock the person: a second booking made at the same moment waits, then sees this one.
        Resident.objects.select_for_update().filter(pk=resident.pk).first()
        found = open_.filter(resident=resident).values_list("code", flat=True).first()
        name = "resident"
    elif enterprise_uscc:
        found = open_.filter(enterprise_uscc=enterprise_uscc).values_list("code", flat=True).first()
        name = "enterprise_uscc"
    else:
        return
    if found:
        message = f"已有未完成的预约（预约号{found}），请改期或取消后再约"
        raise ValidationFailed(message, {name: message})


def _create(**values: Any) -> Booking:
    service = values["service"]
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Booking.objects.create(
                    jurisdiction_id=service.jurisdiction_id, code=_new_code(), **values
                )
        except IntegrityError:  # the code was taken: another one
            continue
    raise ValidationFailed("预约号生成失败，请重试")


def _is_staff(service: Service, user_id: int) -> bool:
    return Staff.objects.filter(service=service, user_id=user_id, is_active=True).exists()


def _text_resident(booking: Booking, slot: Slot, purpose: str) -> None:
    if not booking.notify_phone:
        return  # a landline: the page tells the operator to call
    service = booking.service
    when = f"{slot.day:%Y-%m-%d}{slot.get_period_display()}"
    if purpose == "booking":
        text = f"您已预约“{service.name}”，时间{when}，预约号{booking.code}。"
    elif booking.status == BookingStatus.CANCELLED:
        text = f"您预约的“{service.name}”（预约号{booking.code}）已取消。"
    else:
        text = f"您预约的“{service.name}”（预约号{booking.code}）已改到{when}。"
    texts.send(
        jurisdiction_id=booking.jurisdiction_id,
        phone=booking.notify_phone.reveal(),
        purpose=purpose,
        text=text,
    )


def public_resident(jurisdiction_id: int, *, name: str, id_number: str, phone: str) -> Resident:
    """The person booking on the public site (their mobile proven by a code): found by ID
    number, or registered. A person registered with another mobile is sent to the phone
    line, so nobody books in a stranger's name."""
    errors: dict[str, str] = {}
    name = _text(errors, "name", name, 50, label="姓名")
    number = mobile = None
    try:
        number = PersonalNumber.of("id_number", id_number)
    except ValueError as exc:
        errors["id_number"] = str(exc)
    try:
        mobile = PersonalNumber.of("phone", phone)
    except ValueError as exc:
        errors["phone"] = str(exc)
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    assert number is not None and mobile is not None
    found = Resident.objects.filter(
        jurisdiction_id=jurisdiction_id, id_hash=number.lookup_hash()
    ).first()
    if found is not None:
        if found.phone and found.phone != mobile:
            refuse("phone", "这个身份证号登记的手机号码不是这个号码，请拨打服务电话预约")
        return found
    return services.add_resident(
        jurisdiction_id,
        services.ResidentInput(name=name, id_number=number.reveal(), phone=mobile.reveal()),
        actor=None,
        channel=Channel.PUBLIC,
    )


# --- changes ---------------------------------------------------------------------------------


def can_manage(user: Any, booking: Booking) -> bool:
    """The district's operators and office, and the delivering unit's people."""
    return permissions.is_operator(user, booking.jurisdiction_id) or permissions.serves(
        user, booking.service
    )


def _lock(booking: Booking, expected_version: int | None, actor: Any) -> Booking:
    locked = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("service", "slot", "resident")
        .filter(pk=booking.pk)
        .first()
    )
    if locked is None:
        raise NotFound("没有这条预约")
    if actor is not None and not can_manage(actor, locked):
        raise PermissionDenied("只有本区接线员、专班和服务单位可以处理预约")
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit("这条预约已被他人修改，请刷新后再操作")
    if locked.status != BookingStatus.BOOKED:
        message = f"这条预约{locked.get_status_display()}，不能再修改"
        raise ValidationFailed(message, {"status": message})
    return locked


def _save(locked: Booking, **changes: Any) -> None:
    changes["version"] = F("version") + 1
    changes["updated_at"] = timezone.now()
    Booking.objects.filter(pk=locked.pk).update(**changes)
    locked.refresh_from_db()


def reveal_contact(booking: Booking, *, actor: Any) -> str:
    """The full number to call about ``booking`` — the SMS mobile, else the resident's
    landline — for the district's operators and office only; each view is an audit event
    (``pii.show``: who, which booking, which field; never the number)."""
    if not permissions.is_operator(actor, booking.jurisdiction_id):
        raise PermissionDenied("无权查看完整号码")
    resident = booking.resident
    if booking.notify_phone:
        number, name = booking.notify_phone, "notify_phone"
    elif resident is not None and resident.landline:
        number, name = resident.landline, "landline"
    else:
        return ""
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="pii.show",
            target=booking,
            changes={"field": name, "viewer": "office"},
            jurisdiction_id=booking.jurisdiction_id,
        )
    return number.reveal()


def assign_staff(
    booking: Booking, *, staff_id: int | None, actor: Any, expected_version: int | None
) -> Booking:
    """Assign the booking to one of the service's active staff (None: nobody)."""
    with transaction.atomic():
        locked = _lock(booking, expected_version, actor)
        if staff_id is not None and not _is_staff(locked.service, staff_id):
            refuse("staff", "请选择这项服务的在岗人员")
        old = locked.staff_id
        _save(locked, staff_id=staff_id)
        audit.record(
            actor=actor,
            action="appointments.assign_staff",
            target=locked,
            changes={"staff": [old, staff_id]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


def reschedule(
    booking: Booking,
    slot: Slot,
    *,
    actor: Any,
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> Booking:
    """Move the booking to ``slot`` of the same service: the new place taken first (full →
    nothing changes), the old one given back."""
    with transaction.atomic():
        locked = _lock(booking, expected_version, actor)
        if slot.service_id != locked.service_id:
            raise ValidationFailed("请选择这项服务的时段", {"slot": "请选择这项服务的时段"})
        if slot.pk == locked.slot_id:
            raise ValidationFailed("请选择另一个时段", {"slot": "请选择另一个时段"})
        slot.service = locked.service
        check_slot(slot, now=now)
        old = locked.slot
        take_place(slot.pk)
        give_back(old.pk)
        _save(locked, slot_id=slot.pk, reminded_at=None)
        audit.record(
            actor=actor,
            action="appointments.reschedule",
            target=locked,
            changes={"slot": [str(old), str(slot)]},
            jurisdiction_id=locked.jurisdiction_id,
        )
        _text_resident(locked, slot, "booking_change")
    return locked


def cancel(booking: Booking, *, reason: str, actor: Any, expected_version: int | None) -> Booking:
    """Cancel with a reason (the resident on the public site: ``actor`` None, after the
    view proved the code and phone); the place is given back."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 200 or has_control(reason):
        refuse("reason", "请填写取消原因（最多200个字）")
    with transaction.atomic():
        locked = _lock(booking, expected_version, actor)
        give_back(locked.slot_id)
        _save(locked, status=BookingStatus.CANCELLED, cancel_reason=reason)
        audit.record(
            actor=actor,
            action="appointments.cancel_booking",
            target=locked,
            changes={
                "status": [BookingStatus.BOOKED, BookingStatus.CANCELLED],
                "cancel_reason": ["", reason],
            },
            jurisdiction_id=locked.jurisdiction_id,
        )
        _text_resident(locked, locked.slot, "booking_change")
    return locked


def mark_no_show(
    booking: Booking,
    *,
    actor: Any,
    expected_version: int | None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Booking:
    """The visit could not happen (nobody home, the person in hospital …): from the slot's
    day on; the place is given back."""
    if actor is None:
        raise PermissionDenied("请登录")
    today = timezone.localdate(now or timezone.now())
    reason = (reason or "").strip()[:200]
    with transaction.atomic():
        locked = _lock(booking, expected_version, actor)
        if locked.slot.day > today:
            message = "预约日期还没到，不能登记为未能服务；需要时请取消或改期"
            raise ValidationFailed(message, {"status": message})
        give_back(locked.slot_id)
        _save(locked, status=BookingStatus.NO_SHOW, cancel_reason=reason)
        audit.record(
            actor=actor,
            action="appointments.mark_no_show",
            target=locked,
            changes={"status": [BookingStatus.BOOKED, BookingStatus.NO_SHOW], "reason": reason},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


# --- reminders -------------------------------------------------------------------------------


def remind_next_day(*, now: dt.datetime | None = None) -> int:
    """Text every open booking of each district's next working day once (``reminded_at``
    set in the same UPDATE that claims the row, so a second run or a second worker sends
    nothing again); how many were texted."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    districts = (
        Booking.objects.filter(status=BookingStatus.BOOKED, slot__day__gt=today)
        .values_list("jurisdiction_id", flat=True)
        .distinct()
    )
    for jurisdiction_id in list(districts):
        day = calendar.add_working_days(today, 1, jurisdiction=jurisdiction_id)
        due = Booking.objects.filter(
            jurisdiction_id=jurisdiction_id,
            status=BookingStatus.BOOKED,
            slot__day=day,
            reminded_at__isnull=True,
        ).select_related("service", "slot")
        for booking in due.iterator():
            if not booking.notify_phone:
                continue  # a landline: the operator calls
            with transaction.atomic():
                claimed = Booking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(
                    reminded_at=now
                )
                if not claimed:
                    continue
                slot = booking.slot
                texts.send(
                    jurisdiction_id=jurisdiction_id,
                    phone=booking.notify_phone.reveal(),
                    purpose="booking_remind",
                    text=(
                        f"提醒：您预约的“{booking.service.name}”在"
                        f"{slot.day:%Y-%m-%d}{slot.get_period_display()}，"
                        f"预约号{booking.code}。"
                    ),
                )
                sent += 1
    return sent
