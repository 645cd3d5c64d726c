"""The personal-number field types: validation, encryption at rest (no plain number in the
database file), lookup by keyed hash, the bulk writer, key rotation, masking by role."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.apps.registry import Apps
from django.core.exceptions import FieldError, ValidationError
from django.db import connection, models, transaction
from django.template import Context, Template

from shishi.core import bulk, masking, pii
from shishi.core.errors import PermissionDenied
from shishi.core.fields import (
    IDNumberField,
    LookupHashField,
    PersonalNumber,
    PhoneField,
    matching,
    personal_number,
)
from shishi.core.models import AuditEvent
from shishi.core.pii_rotation import columns_of, rotate_column

_apps = Apps(["shishi.core"])  # a registry of its own: no migration, no other test sees it

PHONE = "13812345678"
ID = "11010519491231002X"
MARKER = "MARKERNOTE"  # a plain column, to show the byte search finds what is there


class Resident(models.Model):
    phone = PhoneField(blank=True)
    phone_hash = LookupHashField(source="phone")
    id_number = IDNumberField(blank=True)
    id_number_hash = LookupHashField(source="id_number")
    note = models.CharField(max_length=50, blank=True)

    objects: models.Manager[Resident] = models.Manager()

    class Meta:
        app_label = "core"
        apps = _apps
        db_table = "test_pii_resident"

    def __str__(self) -> str:
        return f"{self.note} {self.phone}"


@pytest.fixture
def residents(transactional_db: Any) -> Iterator[type[Resident]]:
    with connection.schema_editor() as editor:
        editor.create_model(Resident)
    try:
        yield Resident
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Resident)


def _table_bytes(tmp_path: Path) -> bytes:
    """What the database holds for the table: the SQLite file's bytes (an online backup of
    the test database) or PostgreSQL's COPY of the table."""
    if connection.vendor == "sqlite":
        path = tmp_path / "copy.sqlite3"
        target = sqlite3.connect(path)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        return path.read_bytes()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy("COPY test_pii_resident TO STDOUT") as copy,
    ):
        return b"".join(bytes(chunk) for chunk in copy)


def test_values_are_validated_normalised_and_masked_in_repr() -> None:
    r = Resident(phone="+86 138-1234-5678", id_number="11010519491231002x")
    assert isinstance(r.phone, PersonalNumber) and r.phone.reveal() == PHONE
    assert r.id_number.reveal() == ID
    assert str(r.phone) == "138****5678" and PHONE not in repr(r.phone)
    assert PHONE not in repr(r.__dict__) and ID not in repr(r.__dict__)
    assert r.phone == PHONE and r.phone == "138 1234 5678"
    with pytest.raises(ValueError, match="手机号码"):
        Resident(phone="12345")
    with pytest.raises(ValueError, match="身份证号码"):
        Resident(id_number="110105194912310021")
    legacy = Resident(id_number="110105491231002")
    assert legacy.id_number.reveal() == ID  # 15 digits: converted to 18


def test_no_plain_number_in_the_database_and_found_by_hash(
    residents: type[Resident], tmp_path: Path
) -> None:
    residents.objects.create(phone=PHONE, id_number=ID, note=MARKER)
    residents.objects.create(phone="13900000000", note="other")
    raw = _table_bytes(tmp_path)
    assert MARKER.encode() in raw  # the search does see plain columns
    for plain in (PHONE, ID, "13900000000", "1381234", "19491231"):
        assert plain.encode() not in raw, plain
    found = residents.objects.get(matching(residents, "phone", "138 1234 5678"))
    assert found.note == MARKER and found.phone.reveal() == PHONE
    assert residents.objects.get(matching(residents, "id_number", "11010519491231002x")) == found
    assert not residents.objects.filter(matching(residents, "phone", "13700000000")).exists()
    with pytest.raises(FieldError):
        residents.objects.filter(phone=PHONE).count()  # an exact lookup could never match
    with pytest.raises(ValueError):
        matching(residents, "phone", "bad")


def test_an_unchanged_value_is_not_reencrypted_and_an_emptied_one_loses_its_hash(
    residents: type[Resident],
) -> None:
    r = residents.objects.create(phone=PHONE, id_number=ID)
    stored = residents.objects.values_list("phone", flat=True).get()
    token = stored.token()
    r = residents.objects.get(pk=r.pk)
    r.note = "edited"
    r.save()
    assert residents.objects.values_list("phone", flat=True).get().token() == token
    r.phone = ""
    r.save()
    row = residents.objects.values("phone", "phone_hash").get()
    assert row == {"phone": "", "phone_hash": ""}


def test_the_bulk_writer_encrypts_and_hashes(residents: type[Resident], tmp_path: Path) -> None:
    numbers = [personal_number("phone", f"1390000{i:04d}") for i in range(50)]
    with transaction.atomic():
        bulk.insert_many(
            residents,
            ["phone", "phone_hash", "note"],
            [(n, n, f"b{i}") for i, n in enumerate(numbers)],
        )
    raw = _table_bytes(tmp_path)
    assert b"13900000007" not in raw
    row = residents.objects.get(matching(residents, "phone", "13900000007"))
    assert row.note == "b7" and row.phone.reveal() == "13900000007"


def test_rotation_moves_rows_to_the_newest_key_and_keeps_lookups(
    residents: type[Resident], settings: Any
) -> None:
    settings.SHISHI_PII_KEYS = "k1:" + "a" * 32
    for i in range(7):
        residents.objects.create(phone=f"1380000{i:04d}", id_number=ID if i == 0 else "")
    settings.SHISHI_PII_KEYS = f"k2:{'b' * 32},k1:{'a' * 32}"
    old = [r.phone.token() for r in residents.objects.order_by("pk")]
    assert all(t.startswith("aesgcm:k1:") for t in old)
    # Old rows still read before the rotation.
    assert residents.objects.get(matching(residents, "phone", "13800000003")).phone.reveal()
    columns = {c.field: c for c in columns_of(residents)}
    assert columns["phone"].hash_field == "phone_hash"
    report = rotate_column(columns["phone"], batch=3)
    assert (report.scanned, report.rotated, report.rehashed) == (7, 7, 0)
    again = rotate_column(columns["phone"], batch=3)  # run again: nothing left to move
    assert again.rotated == 0 and again.scanned == 7
    rotate_column(columns["id_number"], batch=3)
    settings.SHISHI_PII_KEYS = "k2:" + "b" * 32  # the old key dropped
    rows = list(residents.objects.order_by("pk"))
    assert all(r.phone.token().startswith("aesgcm:k2:") for r in rows)
    assert [r.phone.reveal() for r in rows] == [f"1380000{i:04d}" for i in range(7)]
    assert rows[0].id_number.reveal() == ID
    assert residents.objects.get(matching(residents, "phone", "13800000005")) == rows[5]


def test_rotation_to_gm_rewrites_hashes_with_rehash(
    residents: type[Resident], settings: Any
) -> None:
    residents.objects.create(phone=PHONE)
    settings.SHISHI_CRYPTO = "gm"
    # Found before anything moved: lookups try both algorithms' hashes.
    assert residents.objects.filter(matching(residents, "phone", PHONE)).exists()
    column = next(c for c in columns_of(residents) if c.field == "phone")
    report = rotate_column(column, rehash=True)
    assert (report.rotated, report.rehashed) == (1, 1)
    row = residents.objects.get()
    assert row.phone.token().startswith("sm4gcm:") and row.phone.reveal() == PHONE
    assert row.phone_hash == pii.lookup_hash(PHONE, purpose="phone")
    assert residents.objects.filter(matching(residents, "phone", PHONE)).exists()


def test_a_row_whose_key_is_gone_is_reported_not_changed(
    residents: type[Resident], settings: Any
) -> None:
    settings.SHISHI_PII_KEYS = "k1:" + "a" * 32
    r = residents.objects.create(phone=PHONE)
    settings.SHISHI_PII_KEYS = "k2:" + "b" * 32
    column = next(c for c in columns_of(residents) if c.field == "phone")
    report = rotate_column(column)
    assert report.unreadable == [r.pk] and report.rotated == 0
    row = residents.objects.get()
    assert row.phone.masked == "（无法解密）"  # a page shows this, it does not fail
    with pytest.raises(pii.DecryptionFailed):
        row.phone.reveal()


def test_masking_by_role_and_every_full_view_audited(residents: type[Resident]) -> None:
    r = residents.objects.create(phone=PHONE, id_number=ID, note="n")
    r = residents.objects.get(pk=r.pk)
    V = masking.Viewer
    assert masking.display(r.phone, viewer=V.PUBLIC) == masking.HIDDEN_TEXT
    assert masking.display(r.phone, viewer=V.STAFF) == "138****5678"
    assert masking.display(r.id_number, viewer=V.STAFF) == masking.HIDDEN_TEXT
    assert masking.display(r.id_number, viewer=V.OFFICE) == "1101**********002X"
    assert masking.display(r.phone, viewer=V.OWNER) == "138****5678"
    assert not AuditEvent.objects.filter(action="pii.show").exists()
    from shishi.orgs.models import User

    actor = User.objects.create(username="office-person")
    shown = masking.display(
        r.id_number, viewer=V.OFFICE, show=True, actor=actor, target=r, field="id_number"
    )
    assert shown == ID
    event = AuditEvent.objects.get(action="pii.show")
    assert event.actor_id == actor.pk and event.target_id == str(r.pk)
    assert event.changes == {"field": "id_number", "viewer": "office"}
    assert ID not in event.target_repr and PHONE not in event.target_repr  # str() is masked
    for viewer in (V.STAFF, V.PUBLIC):
        with pytest.raises(PermissionDenied):
            masking.display(r.phone, viewer=viewer, show=True, actor=actor, target=r)
    assert AuditEvent.objects.filter(action="pii.show").count() == 1


def test_template_filters_never_show_a_full_number(residents: type[Resident]) -> None:
    r = residents.objects.create(phone=PHONE, id_number=ID)
    r = residents.objects.get(pk=r.pk)
    html = Template(
        "{% load pii %}[{{ r.phone }}][{{ r.phone|pii }}][{{ r.phone|pii:'public' }}]"
        "[{{ r.id_number|pii }}][{{ r.id_number|pii:'office' }}][{{ text|mask_personal }}]"
        "[{{ text|personal_kinds }}]"
    ).render(Context({"r": r, "text": f"电话{PHONE}，身份证{ID}"}))
    assert PHONE not in html and ID not in html
    assert html == (
        "[138****5678][138****5678][（已隐藏）][（已隐藏）][1101**********002X]"
        "[电话138****5678，身份证1101**********002X][手机号码、身份证号码]"
    )


class ResidentForm(forms.ModelForm):
    class Meta:
        model = Resident
        fields = ("phone", "id_number", "note")


def test_model_forms_validate_and_show_the_mask(residents: type[Resident]) -> None:
    bad = ResidentForm({"phone": "12345", "id_number": "110105194912310021", "note": ""})
    assert not bad.is_valid()
    assert "手机号码" in bad.errors["phone"][0] and "身份证号码" in bad.errors["id_number"][0]
    form = ResidentForm({"phone": "138 1234 5678", "id_number": ID.lower(), "note": "f"})
    assert form.is_valid(), form.errors
    saved = form.save()
    saved = residents.objects.get(pk=saved.pk)
    assert saved.phone.reveal() == PHONE and saved.id_number.reveal() == ID
    edit = str(ResidentForm(instance=saved)["phone"])
    assert "138****5678" in edit and PHONE not in edit
    # The edit form sent back with the mask as shown keeps the number.
    again = ResidentForm({"phone": "138****5678", "id_number": "", "note": "g"}, instance=saved)
    assert again.is_valid(), again.errors
    again.save()
    kept = residents.objects.get(pk=saved.pk)
    assert kept.phone.reveal() == PHONE and kept.id_number == "" and kept.note == "g"
    with pytest.raises(ValidationError):
        Resident._meta.get_field("phone").clean("999", saved)


def test_a_rotation_stopped_half_way_keeps_its_finished_batches_and_resumes(
    residents: type[Resident], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SHISHI_PII_KEYS = "k1:" + "a" * 32
    for i in range(7):
        residents.objects.create(phone=f"1380000{i:04d}")
    settings.SHISHI_PII_KEYS = f"k2:{'b' * 32},k1:{'a' * 32}"
    column = next(c for c in columns_of(residents) if c.field == "phone")
    real_encrypt, calls = pii.encrypt, []

    def dies_on_the_fifth(text: str, *, purpose: str = "") -> str:
        calls.append(text)
        if len(calls) == 5:
            raise KeyboardInterrupt  # the operator's Ctrl-C in the second batch
        return real_encrypt(text, purpose=purpose)

    monkeypatch.setattr(pii, "encrypt", dies_on_the_fifth)
    with pytest.raises(KeyboardInterrupt):
        rotate_column(column, batch=3)
    keys = [r.phone.token().split(":")[1] for r in residents.objects.order_by("pk")]
    assert keys == ["k2", "k2", "k2", "k1", "k1", "k1", "k1"]  # batch 1 kept, batch 2 undone
    monkeypatch.setattr(pii, "encrypt", real_encrypt)
    report = rotate_column(column, batch=3)
    assert report.rotated == 4
    rows = list(residents.objects.order_by("pk"))
    assert all(r.phone.token().startswith("aesgcm:k2:") for r in rows)
    assert [r.phone.reveal() for r in rows] == [f"1380000{i:04d}" for i in range(7)]


def test_a_lookup_hash_without_its_own_index_stays_so_in_migrations() -> None:
    """``db_index=False`` survives deconstruction (Django leaves a False db_index out, and
    a lookup hash is indexed by default), so the migration state matches the model."""
    from shishi.core.fields import LookupHashField

    _name, _path, _args, kwargs = LookupHashField(source="phone", db_index=False).deconstruct()
    assert kwargs["db_index"] is False
    assert vars(LookupHashField(**kwargs))["db_index"] is False
    _name, _path, _args, kwargs = LookupHashField(source="phone").deconstruct()
    assert "db_index" not in kwargs and vars(LookupHashField(**kwargs))["db_index"] is True
