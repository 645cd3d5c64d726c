"""Personal data: phone numbers validated, encrypted with authentication, found by keyed
hash, masked."""

from __future__ import annotations

from typing import Any

import pytest

from shishi.core import pii


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13812341234", "13812341234"),
        (" 138 1234 1234 ", "13812341234"),
        ("+86 138-1234-1234", "13812341234"),
        ("8613812341234", "13812341234"),
        ("0086-199-0000-0000", "19900000000"),
    ],
)
def test_mainland_mobile_numbers_are_normalised(raw: str, normal: str) -> None:
    assert pii.normalize_phone(raw) == normal
    assert pii.is_valid_phone(raw)


@pytest.mark.parametrize(
    "bad", ["", "1381234123", "138123412345", "12812341234", "23812341234", "1381234abcd", "+1 415"]
)
def test_other_numbers_are_refused_with_a_message(bad: str) -> None:
    with pytest.raises(ValueError, match="手机号码"):
        pii.normalize_phone(bad)
    assert not pii.is_valid_phone(bad)


def test_masking() -> None:
    assert pii.mask_phone("13812341234") == "138****1234"
    assert pii.mask_email("zhang.san@example.org") == "z***@example.org"
    assert "1234123" not in pii.mask_phone("1381234123")


def test_encryption_round_trips_with_a_fresh_nonce_and_binds_its_purpose() -> None:
    a = pii.encrypt("13812341234", purpose="phone")
    b = pii.encrypt("13812341234", purpose="phone")
    assert a != b and "13812341234" not in a
    assert a.startswith("v1:")
    assert pii.decrypt(a, purpose="phone") == "13812341234"
    with pytest.raises(pii.DecryptionFailed):
        pii.decrypt(a, purpose="resident_id")


def test_a_changed_ciphertext_does_not_decrypt() -> None:
    token = pii.encrypt("13812341234")
    tampered = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    with pytest.raises(pii.DecryptionFailed):
        pii.decrypt(tampered)
    with pytest.raises(pii.DecryptionFailed):
        pii.decrypt("13812341234")


def test_keys_come_from_the_pii_key_else_the_secret_key(settings: Any) -> None:
    settings.SHISHI_PII_KEY = ""
    from_secret = pii.encrypt("13812341234")
    hash_secret = pii.lookup_hash("13812341234")
    settings.SHISHI_PII_KEY = "a-separate-key-for-personal-data"
    with pytest.raises(pii.DecryptionFailed):
        pii.decrypt(from_secret)
    assert pii.lookup_hash("13812341234") != hash_secret
    assert pii.decrypt(pii.encrypt("x")) == "x"


def test_lookup_hash_is_keyed_stable_and_separate_per_purpose() -> None:
    h = pii.lookup_hash("13812341234", purpose="phone")
    assert h == pii.lookup_hash("13812341234", purpose="phone")
    assert len(h) == 64
    assert h != pii.lookup_hash("13812341235", purpose="phone")
    assert h != pii.lookup_hash("13812341234", purpose="resident_id")
    import hashlib

    assert h != hashlib.sha256(b"13812341234").hexdigest()
