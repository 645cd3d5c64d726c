"""Model fields for personal numbers: encrypted in one column, a keyed hash in a sibling.

The apps to come (residents' demands, appointments, health certificates) declare::

    class Demand(models.Model):
        phone = PhoneField(_("联系电话"), blank=True)
        phone_hash = LookupHashField(source="phone")
        id_number = IDNumberField(_("身份证号码"), blank=True)
        id_number_hash = LookupHashField(source="id_number")

    Demand.objects.create(phone="138 1234 5678", id_number="23010319900307123X")
    Demand.objects.filter(matching(Demand, "phone", "13812345678"))
    demand.phone                # PersonalNumber: str() and repr() are masked (138****5678)
    demand.phone.reveal()       # the number, for the code that must send or print it
    masking.display(demand.phone, viewer=Viewer.OFFICE, show=True, actor=…, target=demand)

- **Validation** on assignment and in forms: ``PhoneField`` takes mainland mobiles
  (normalised to 11 digits), ``IDNumberField`` GB 11643-1999 numbers (18 characters, known
  region, real birth date, MOD 11-2 check character, 'X' upper-cased; a valid 15-digit number
  of before 1999 is converted to its 18-digit form). A bad value raises ``ValueError`` (for
  the user) when assigned, ``ValidationError`` in ``full_clean`` and forms.
- **The column** holds the ciphertext (``shishi.core.pii``: algorithm, key id, nonce, tag); the
  model's attribute is a ``PersonalNumber``, decrypted only when ``reveal()`` or a mask needs
  it; an unchanged value is saved as the same ciphertext (no re-encryption on every save).
- **The hash** (``LookupHashField(source=…)``) is computed on save from its source; queries
  go through ``matching`` (the encrypted column itself accepts no lookup but ``isnull``: an
  ``exact`` on it could never match).
- **The bulk writer** (``core.bulk``) prepares both: pass the same ``PersonalNumber``
  (``personal_number("phone", raw)``) for the field and its hash.
- ``rotate_pii_keys`` finds every such field by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.query_utils import DeferredAttribute, Q

from shishi.core import pii


@dataclass(frozen=True)
class Kind:
    name: str  # also the purpose bound to its ciphertexts and hashes
    label: str
    normalize: Callable[[str], str]
    mask: Callable[[str], str]
    max_input: int


KINDS: dict[str, Kind] = {
    "phone": Kind("phone", "手机号码", pii.normalize_phone, pii.mask_phone, 20),
    "id_number": Kind("id_number", "身份证号码", pii.normalize_id_number, pii.mask_id_number, 24),
    "landline": Kind("landline", "固定电话", pii.normalize_landline, pii.mask_landline, 24),
}
UNREADABLE = "（无法解密）"
UNCHANGED = object()  # a form's input that sent the mask back: keep the stored number


class PersonalNumber:
    """A phone or ID number on its way to or from an encrypted column.

    ``str()``, ``repr()`` and templates show the mask; ``reveal()`` gives the number. Equal to
    another PersonalNumber or a string of the same (normalised) number.
    """

    __slots__ = ("_plain", "_token", "kind")

    def __init__(self, kind: str, *, plain: str | None = None, token: str | None = None):
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        if plain is None and token is None:
            raise ValueError("a PersonalNumber needs a number or a ciphertext")
        self.kind = kind
        self._plain = plain
        self._token = token

    @classmethod
    def of(cls, kind: str, raw: str) -> PersonalNumber:
        """The number typed (validated and normalised); ``ValueError`` with the user's
        message when it is not one."""
        return cls(kind, plain=KINDS[kind].normalize(raw))

    def reveal(self) -> str:
        """The number (``pii.DecryptionFailed`` when its key is gone or the row altered)."""
        if self._plain is None:
            assert self._token is not None
            self._plain = pii.decrypt(self._token, purpose=self.kind)
        return self._plain

    def token(self) -> str:
        """The ciphertext to store (made once; the one read from the row if unchanged)."""
        if self._token is None:
            assert self._plain is not None
            self._token = pii.encrypt(self._plain, purpose=self.kind)
        return self._token

    def lookup_hash(self) -> str:
        return pii.lookup_hash(self.reveal(), purpose=self.kind)

    @property
    def masked(self) -> str:
        try:
            return KINDS[self.kind].mask(self.reveal())
        except pii.DecryptionFailed:
            return UNREADABLE

    @property
    def label(self) -> str:
        return KINDS[self.kind].label

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<PersonalNumber {self.kind} {self.masked}>"

    def _identity(self) -> str:
        """The number, or for a value that does not decrypt its ciphertext."""
        try:
            return self.reveal()
        except pii.DecryptionFailed:
            return "\x00" + self.token()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PersonalNumber):
            return self.kind == other.kind and self._identity() == other._identity()
        if isinstance(other, str):
            try:
                normal = KINDS[self.kind].normalize(other)
            except ValueError:
                return False  # '' and anything that is no number: no need to decrypt
            return self._identity() == normal
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.kind, self._identity()))


def personal_number(kind: str, raw: str | PersonalNumber) -> PersonalNumber:
    """``raw`` as a validated PersonalNumber of ``kind`` (``ValueError`` for the user)."""
    if isinstance(raw, PersonalNumber):
        if raw.kind != kind:
            raise ValueError(f"a {raw.kind} is not a {kind}")
        return raw
    return PersonalNumber.of(kind, raw)


class _PersonalAttribute(DeferredAttribute):
    """Wraps what is assigned into a PersonalNumber (validated), so the instance never holds
    the bare number where a repr or a log could show it."""

    field: PersonalNumberField

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = self.field.to_python_raw(value)


class PersonalNumberField(models.TextField):
    """An encrypted personal number of one ``kind``; see the module's docstring."""

    kind = ""
    descriptor_class = _PersonalAttribute
    prepares_values = True  # core.bulk: run get_db_prep_save on every value

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("default") == "":
            del kwargs["default"]
        return name, path, args, kwargs

    def to_python_raw(self, value: Any) -> Any:
        """None and '' as they are, a ciphertext or a number as a PersonalNumber (never
        decrypting one: loading a row reads no plaintext until it is asked for)."""
        if isinstance(value, PersonalNumber):
            return personal_number(self.kind, value)
        if value is None or value == "":
            return value
        if isinstance(value, str) and pii.is_token(value):
            return PersonalNumber(self.kind, token=value)
        return PersonalNumber.of(self.kind, str(value))

    def to_python(self, value: Any) -> Any:
        try:
            return self.to_python_raw(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return PersonalNumber(self.kind, token=value)

    def get_prep_value(self, value: Any) -> Any:
        value = self.to_python_raw(value)
        if isinstance(value, PersonalNumber):
            return value.token()
        return value

    def value_to_string(self, obj: models.Model) -> str:
        """Serialised (dumpdata) as the ciphertext, never the number."""
        value = self.value_from_object(obj)
        return value.token() if isinstance(value, PersonalNumber) else (value or "")

    def save_form_data(self, instance: models.Model, data: Any) -> None:
        if data is not UNCHANGED:
            super().save_form_data(instance, data)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None  # FieldError: query through ``matching`` and the hash column
        return super().get_lookup(lookup_name)

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> Any:
        defaults: dict[str, Any] = {
            "kind": self.kind,
            "max_length": KINDS[self.kind].max_input,
            **kwargs,
        }
        defaults.pop("widget", None)  # a one-line input, not the TextField's textarea
        return models.Field.formfield(
            self, form_class=form_class or PersonalNumberFormField, **defaults
        )


class PhoneField(PersonalNumberField):
    """A mainland mobile number, encrypted (purpose "phone")."""

    kind = "phone"


class LandlineField(PersonalNumberField):
    """A fixed-line number with its area code, encrypted (purpose "landline"): many residents,
    the elderly first, call from a landline that takes no SMS."""

    kind = "landline"


class IDNumberField(PersonalNumberField):
    """A resident ID number (GB 11643-1999), encrypted (purpose "id_number")."""

    kind = "id_number"


class PersonalNumberFormField(forms.CharField):
    """A form's input for a personal number: validated and normalised to a PersonalNumber
    (the form shows its errors in the kind's words)."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("max_length", KINDS[kind].max_input)
        super().__init__(*args, **kwargs)
        # CharField's length and NUL validators would measure the PersonalNumber; the raw
        # input is bounded by the widget's maxlength and validated by the kind's normaliser.
        self.validators = []

    def prepare_value(self, value: Any) -> Any:
        # An edit form shows the mask; the number itself only through an audited "show".
        return value.masked if isinstance(value, PersonalNumber) else value

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return ""
        if "*" in text:  # the mask sent back as it was shown: the number is kept
            return UNCHANGED
        try:
            return PersonalNumber.of(self.kind, text)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


class LookupHashField(models.CharField):
    """The keyed hash of the PersonalNumberField named ``source``, set on every save."""

    prepares_values = True

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        # Indexed unless told otherwise, unlike Django's fields: Field.deconstruct leaves a
        # False db_index out (its own default), which would read back as True here.
        if getattr(self, "db_index", True):
            kwargs.pop("db_index", None)
        else:
            kwargs["db_index"] = False
        for key, value in (
            ("max_length", 64),
            ("blank", True),
            ("default", ""),
            ("editable", False),
        ):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        return name, path, args, kwargs

    def source_field(self) -> PersonalNumberField:
        assert self.model is not None
        field = self.model._meta.get_field(self.source)
        assert isinstance(field, PersonalNumberField), f"{self.source} is no PersonalNumberField"
        return field

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.source)
        digest = value.lookup_hash() if isinstance(value, PersonalNumber) else ""
        setattr(model_instance, self.attname, digest)
        return digest

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, PersonalNumber):
            return value.lookup_hash()
        return super().get_prep_value(value)


def hash_field_of(model: type[models.Model], name: str) -> LookupHashField:
    for f in model._meta.concrete_fields:
        if isinstance(f, LookupHashField) and f.source == name:
            return f
    raise LookupError(f"{model.__name__}.{name} has no LookupHashField")


def matching(model: type[models.Model], name: str, raw: str | PersonalNumber) -> Q:
    """A filter for the rows whose field ``name`` holds the number ``raw`` (by its keyed
    hash, under either algorithm); ``ValueError`` when ``raw`` is not a valid number."""
    field = model._meta.get_field(name)
    assert isinstance(field, PersonalNumberField)
    number = personal_number(field.kind, raw).reveal()
    digests = pii.lookup_hashes(number, purpose=field.kind)
    return Q(**{f"{hash_field_of(model, name).name}__in": digests})


def personal_fields() -> list[tuple[type[models.Model], PersonalNumberField]]:
    """Every encrypted personal-number field of every installed model."""
    from django.apps import apps

    return [
        (model, f)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if isinstance(f, PersonalNumberField)
    ]
