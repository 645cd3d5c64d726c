"""Who may use the appointment services (on top of ``orgs.permissions``): the district's
operators (接线员) and office ask whether a person is eligible and book for them."""

from __future__ import annotations

from typing import Any

from shishi.orgs.permissions import scope_for


def is_operator(user: Any, jurisdiction_id: int) -> bool:
    return scope_for(user).operates(jurisdiction_id)


def operator_jurisdiction_ids(user: Any) -> set[int]:
    return scope_for(user).operated_ids()


# --- visits (the staff's record) and the office's catalogue -----------------------------------


def is_office(user: Any, jurisdiction_id: int) -> bool:
    """The district's programme office (or the city office over it): keeps the catalogue and
    the matters list. Operators are not the office."""
    return scope_for(user).is_office_for(jurisdiction_id)


def office_jurisdiction_ids(user: Any) -> set[int]:
    return scope_for(user).office_covered_ids()


def serves(user: Any, service: Any, staff_ids: set[int] | None = None) -> bool:
    """One of the people who deliver ``service``: a member of its unit (editor, head or
    viewer) or one of its staff (``staff_ids``: the user ids of its active staff, if the
    caller has them)."""
    scope = scope_for(user)
    if scope.is_anonymous:
        return False
    unit_id = service.unit_id
    if scope.edits_unit(unit_id) or scope.heads_unit(unit_id) or unit_id in scope.viewer_unit_ids:
        return True
    if staff_ids is None:
        from shishi.appointments.models import Staff

        staff_ids = set(
            Staff.objects.filter(service_id=service.pk, is_active=True).values_list(
                "user_id", flat=True
            )
        )
    return scope.user_id in staff_ids


def may_record_visit(user: Any, booking: Any) -> bool:
    """Records the visit of ``booking``: the staff member assigned, the people of the
    service's unit and its staff, or the district's office."""
    scope = scope_for(user)
    if scope.is_anonymous:
        return False
    if booking.staff_id is not None and booking.staff_id == scope.user_id:
        return True
    return is_office(user, booking.jurisdiction_id) or serves(user, booking.service)


def may_see_booking(user: Any, booking: Any) -> bool:
    """Sees the booking's visit page: who may record it, and the district's operators."""
    return may_record_visit(user, booking) or is_operator(user, booking.jurisdiction_id)


# certs ---------------------------------------------------------------------------------------
# Health examinations and certificates (``certificates``): a clinic is the unit of one of the
# district's active clinic services (``Where.CLINIC``: the district's ``health-exam``, or any
# other the office adds to its catalogue, which is how the office designates a clinic). Its
# people are the unit's editors and heads and the staff of its clinic services; they and the
# district's office run examinations and issue certificates.


def clinic_ids(jurisdiction_id: int) -> set[int]:
    """The district's clinics (units of its active clinic services)."""
    from shishi.appointments.models import Service, Where

    return set(
        Service.objects.filter(
            jurisdiction_id=jurisdiction_id, where=Where.CLINIC, is_active=True
        ).values_list("unit_id", flat=True)
    )


def staffed_clinic_ids(user: Any) -> set[int]:
    """The clinics ``user`` works at, in any district (none for the office as such)."""
    from shishi.appointments.models import Service, Staff, Where

    scope = scope_for(user)
    if scope.user_id is None:
        return set()
    clinics = Service.objects.filter(where=Where.CLINIC, is_active=True)
    by_unit = set(
        clinics.filter(unit_id__in=scope.editor_unit_ids).values_list("unit_id", flat=True)
    )
    by_staff = set(
        Staff.objects.filter(
            user_id=scope.user_id, is_active=True, service__in=clinics
        ).values_list("service__unit_id", flat=True)
    )
    return by_unit | by_staff


def runs_clinic(user: Any, jurisdiction_id: int, clinic_id: int) -> bool:
    """May register examinations, record results and issue certificates at this clinic."""
    if clinic_id not in clinic_ids(jurisdiction_id):
        return False
    return scope_for(user).is_office_for(jurisdiction_id) or clinic_id in staffed_clinic_ids(user)


def reads_certificates(user: Any, jurisdiction_id: int, issuer_id: int) -> bool:
    """The district's office, and the people of the issuing clinic."""
    return scope_for(user).is_office_for(jurisdiction_id) or issuer_id in staffed_clinic_ids(user)


# booking
def served_unit_ids(user: Any) -> set[int]:
    """The units whose services' bookings this user sees as the unit's people."""
    scope = scope_for(user)
    return scope.editor_unit_ids | scope.head_unit_ids | scope.viewer_unit_ids
