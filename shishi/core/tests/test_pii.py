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
    assert a.startswith("aesgcm:k0:")
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


# --- issue 13: ID numbers, algorithms, key rotation ------------------------------------------

import base64  # noqa: E402
import os  # noqa: E402

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

# GB 11643-1999's own example, and one made here with its check character computed by hand:
# 2,3,0,1,0,3,1,9,9,0,0,3,0,7,1,2,3 · 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2 = 207; 207 mod 11
# = 9 → '3' (of "10X98765432").
STANDARD_ID = "11010519491231002X"
OUR_ID = "230103199003071233"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        (STANDARD_ID, STANDARD_ID),
        ("11010519491231002x", STANDARD_ID),  # 'x' upper-cased
        (" 110105 19491231 002X ", STANDARD_ID),
        ("110105491231002", STANDARD_ID),  # 15 digits (before 1999): converted
        (OUR_ID, OUR_ID),
        ("440524188001010014", "440524188001010014"),  # the standard's other example
    ],
)
def test_id_numbers_are_validated_and_normalised(raw: str, normal: str) -> None:
    assert pii.normalize_id_number(raw) == normal
    assert pii.is_valid_id_number(raw)


@pytest.mark.parametrize(
    "bad",
    [
        "110105194912310021",  # wrong check character
        "990105194912310025",  # no such region
        "110105194902300020",  # 30 February
        "110105299901010020",  # born in the future
        "11010519491231002",  # 17 characters
        "1101051949123100X2",  # X not last
        "110105491331002",  # 15 digits, month 13
        "",
    ],
)
def test_bad_id_numbers_are_refused_with_a_message(bad: str) -> None:
    with pytest.raises(ValueError, match="身份证号码"):
        pii.normalize_id_number(bad)
    assert not pii.is_valid_id_number(bad)


def test_check_character_and_mask() -> None:
    assert pii.id_check_character(OUR_ID[:17]) == "3"
    assert pii.id_check_character(STANDARD_ID[:17]) == "X"
    assert pii.mask_id_number(STANDARD_ID) == "1101**********002X"


def test_a_version_1_ciphertext_still_reads(settings: Any) -> None:
    """Rows written before issue 13 (``v1:``, AES-GCM under SECRET_KEY's first derivation)."""
    settings.SHISHI_PII_KEYS = ""
    key = pii._derive(pii._legacy_secret(), b"shishi pii encryption v1")
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, b"13812341234", b"phone")
    token = "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()
    assert pii.decrypt(token, purpose="phone") == "13812341234"
    assert not pii.is_current(token)
    # Still read once a key list is set: k0 keeps meaning the legacy secret.
    settings.SHISHI_PII_KEYS = "k1:" + "n" * 32
    assert pii.decrypt(token, purpose="phone") == "13812341234"
    assert pii.reencrypt(token, purpose="phone").startswith("aesgcm:k1:")


def test_keys_rotate_old_rows_stay_readable_until_their_key_is_dropped(settings: Any) -> None:
    settings.SHISHI_PII_KEYS = "k1:" + "a" * 32
    old = pii.encrypt("13812341234", purpose="phone")
    assert old.startswith("aesgcm:k1:") and pii.is_current(old)
    settings.SHISHI_PII_KEYS = f"k2:{'b' * 32},k1:{'a' * 32}"
    new = pii.encrypt("13812341234", purpose="phone")
    assert new.startswith("aesgcm:k2:")
    assert not pii.is_current(old) and pii.is_current(new)
    assert pii.decrypt(old, purpose="phone") == pii.decrypt(new, purpose="phone")
    moved = pii.reencrypt(old, purpose="phone")
    assert moved.startswith("aesgcm:k2:") and pii.reencrypt(moved, purpose="phone") == moved
    settings.SHISHI_PII_KEYS = "k2:" + "b" * 32
    with pytest.raises(pii.DecryptionFailed):
        pii.decrypt(old, purpose="phone")
    assert pii.decrypt(moved, purpose="phone") == "13812341234"


def test_the_lookup_hash_does_not_change_with_the_encryption_keys(settings: Any) -> None:
    settings.SHISHI_PII_KEYS = "k1:" + "a" * 32
    before = pii.lookup_hash("13812341234", purpose="phone")
    settings.SHISHI_PII_KEYS = f"k2:{'b' * 32},k1:{'a' * 32}"
    assert pii.lookup_hash("13812341234", purpose="phone") == before
    settings.SHISHI_PII_LOOKUP_KEY = "another-lookup-secret-of-some-length"
    assert pii.lookup_hash("13812341234", purpose="phone") != before


@pytest.mark.parametrize(
    "spec",
    ["k1", "k1:tiny", "bad id:" + "a" * 32, f"k1:{'a' * 32},k1:{'b' * 32}"],
)
def test_malformed_key_lists_are_refused_naming_the_setting(settings: Any, spec: str) -> None:
    settings.SHISHI_PII_KEYS = spec
    with pytest.raises(ImproperlyConfigured, match="SHISHI_PII_KEYS") as exc:
        pii.encrypt("x")
    assert "a" * 32 not in str(exc.value) and "tiny" not in str(exc.value)


def test_gm_uses_sm4_and_hmac_sm3_and_both_kinds_read_back(settings: Any) -> None:
    settings.SHISHI_PII_KEYS = "k1:" + "a" * 32
    settings.SHISHI_CRYPTO = "intl"
    intl_token = pii.encrypt("13812341234", purpose="phone")
    intl_hash = pii.lookup_hash("13812341234", purpose="phone")
    settings.SHISHI_CRYPTO = "gm"
    assert pii.sm4_gcm_supported()  # the OpenSSL of cryptography's wheels has SM4-GCM
    gm_token = pii.encrypt("13812341234", purpose="phone")
    assert gm_token.startswith("sm4gcm:k1:")
    gm_hash = pii.lookup_hash("13812341234", purpose="phone")
    assert gm_hash != intl_hash and len(gm_hash) == 64
    assert pii.lookup_hashes("13812341234", purpose="phone") == [gm_hash, intl_hash]
    for token in (intl_token, gm_token):
        assert pii.decrypt(token, purpose="phone") == "13812341234"
        with pytest.raises(pii.DecryptionFailed):
            pii.decrypt(token, purpose="email")
    assert not pii.is_current(intl_token) and pii.is_current(gm_token)
    settings.SHISHI_CRYPTO = "intl"
    assert pii.decrypt(gm_token, purpose="phone") == "13812341234"
    assert pii.lookup_hashes("13812341234", purpose="phone") == [intl_hash, gm_hash]


def test_gm_without_sm4_gcm_uses_sm4_ctr_with_an_hmac_sm3_tag(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SHISHI_PII_KEYS = "k1:" + "a" * 32
    settings.SHISHI_CRYPTO = "gm"
    monkeypatch.setattr(pii, "sm4_gcm_supported", lambda: False)
    token = pii.encrypt("23010319900307123X", purpose="id_number")
    assert token.startswith("sm4ctr:k1:")
    assert pii.decrypt(token, purpose="id_number") == "23010319900307123X"
    raw = bytearray(base64.urlsafe_b64decode(token.split(":")[2]))
    raw[20] ^= 1  # a flipped bit of the ciphertext: the tag no longer matches
    tampered = "sm4ctr:k1:" + base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(pii.DecryptionFailed):
        pii.decrypt(tampered, purpose="id_number")
    with pytest.raises(pii.DecryptionFailed):
        pii.decrypt(token, purpose="phone")


@pytest.mark.parametrize("mode", ["intl", "gm"])
def test_every_algorithm_refuses_a_flipped_bit(settings: Any, mode: str) -> None:
    settings.SHISHI_CRYPTO = mode
    token = pii.encrypt("13812341234", purpose="phone")
    algorithm, key_id, body = token.split(":")
    raw = bytearray(base64.urlsafe_b64decode(body))
    for i in (0, len(raw) // 2, len(raw) - 1):  # nonce, body, tag
        flipped = bytearray(raw)
        flipped[i] ^= 0x80
        bad = f"{algorithm}:{key_id}:" + base64.urlsafe_b64encode(bytes(flipped)).decode()
        with pytest.raises(pii.DecryptionFailed):
            pii.decrypt(bad, purpose="phone")
    with pytest.raises(pii.DecryptionFailed):
        pii.decrypt(f"{algorithm}:k9:{body}", purpose="phone")  # no such key


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHISHI_CRYPTO": "maybe"}, "SHISHI_CRYPTO must be intl or gm"),
        ({"SHISHI_PII_KEYS": "k1:tiny"}, "SHISHI_PII_KEYS: the secret of k1 is too short"),
        ({"SHISHI_PII_KEYS": "no-colon-here-at-all-long"}, "SHISHI_PII_KEYS: each key is"),
    ],
)
def test_bad_settings_stop_start_up_naming_the_variable(env: dict[str, str], message: str) -> None:
    import subprocess
    import sys

    code = "import django; django.setup()"
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "shishi.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0 and message in run.stderr
    assert "tiny" not in run.stderr.replace("SHISHI_PII_KEYS: the secret of k1", "")


def test_good_key_settings_start() -> None:
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from shishi.core import pii; print(pii.encrypt('x')[:10])"
    )
    env = {"SHISHI_PII_KEYS": "k7:" + "s" * 32 + ",k6:" + "t" * 32, "SHISHI_CRYPTO": "gm"}
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "shishi.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "sm4gcm:k7:"


def test_landlines_are_normalised_masked_and_refused_when_not_one() -> None:
    from shishi.core import pii as p

    assert p.normalize_landline("0451-8765 4321") == "045187654321"
    assert p.normalize_landline("(010) 6512-3456") == "01065123456"
    assert p.normalize_landline("0755-88886666转123") == "075588886666"
    assert p.mask_landline("045187654321") == "0451****4321"
    assert p.mask_landline("01065123456") == "010****3456"
    for bad in ("12345", "13812345678", "0451-1234567", "", "0451-8765432100"):
        with pytest.raises(ValueError, match="区号"):
            p.normalize_landline(bad)
