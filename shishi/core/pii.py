"""Personal information: validate, encrypt at rest, look up by keyed hash, mask for display.

Phone numbers (and, from issue 13, resident ID numbers) are stored encrypted with AES-GCM
(authenticated: a changed byte fails to decrypt rather than reading as another number) and,
beside the ciphertext, an HMAC-SHA256 of the normalised value so a row can be found by its
number without decrypting every row. Both keys are derived with HKDF from
``settings.SHISHI_PII_KEY`` (or ``SECRET_KEY`` when that is empty), each for its own purpose,
so the lookup hash reveals nothing about the encryption key and the reverse.

A ciphertext is text: ``v1:`` then URL-safe base64 of nonce (12 bytes) + ciphertext + tag.
The version prefix leaves room for another cipher (SM4 in issue 13) beside this one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
PHONE_INVALID = "手机号码应为11位数字，以13–19开头"
VERSION = "v1"
_NONCE = 12


class DecryptionFailed(ValueError):
    """The ciphertext was altered, truncated or made with another key."""


# --- phone numbers ---------------------------------------------------------------------------


def normalize_phone(value: str) -> str:
    """A mainland mobile number as 11 digits (spaces, dashes and a +86 / 86 prefix dropped).

    Raises ``ValueError`` with a message for the user when it is not one.
    """
    text = re.sub(r"[\s\-()（）]", "", str(value or ""))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif len(text) == 13 and text.startswith("86"):
        text = text[2:]
    if not PHONE_RE.match(text):
        raise ValueError(PHONE_INVALID)
    return text


def is_valid_phone(value: str) -> bool:
    try:
        normalize_phone(value)
    except ValueError:
        return False
    return True


def mask_phone(phone: str) -> str:
    """138****1234; anything that is not 11 characters is masked whole but its ends."""
    phone = phone or ""
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[-4:]}"
    if len(phone) <= 4:
        return "*" * len(phone)
    return f"{phone[:2]}{'*' * (len(phone) - 4)}{phone[-2:]}"


def mask_email(address: str) -> str:
    """a***@example.org: the first letter of the local part and the domain."""
    local, sep, domain = (address or "").partition("@")
    if not sep:
        return mask_phone(address)
    return f"{local[:1]}***@{domain}"


# --- keys --------------------------------------------------------------------------------------


def _secret() -> bytes:
    secret = getattr(settings, "SHISHI_PII_KEY", "") or settings.SECRET_KEY
    return secret.encode("utf-8")


@lru_cache(maxsize=8)
def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


def _encryption_key() -> bytes:
    return _derive(_secret(), b"shishi pii encryption v1")


def _lookup_key() -> bytes:
    return _derive(_secret(), b"shishi pii lookup v1")


@lru_cache(maxsize=8)
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


# --- encryption and lookup ---------------------------------------------------------------------


def encrypt(text: str, *, purpose: str = "") -> str:
    """``text`` encrypted (a fresh nonce each time); ``purpose`` is bound as associated data,
    so a phone ciphertext copied into an ID column does not decrypt there."""
    nonce = os.urandom(_NONCE)
    sealed = _aead(_encryption_key()).encrypt(nonce, text.encode("utf-8"), purpose.encode())
    return f"{VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def decrypt(token: str, *, purpose: str = "") -> str:
    """The text ``encrypt`` sealed; ``DecryptionFailed`` if it was altered or is not ours."""
    version, sep, body = (token or "").partition(":")
    if version != VERSION or not sep:
        raise DecryptionFailed("unknown ciphertext format")
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
        plain = _aead(_encryption_key()).decrypt(raw[:_NONCE], raw[_NONCE:], purpose.encode())
    except (InvalidTag, ValueError) as exc:
        raise DecryptionFailed("ciphertext does not decrypt with this key") from exc
    return plain.decode("utf-8")


def lookup_hash(text: str, *, purpose: str = "") -> str:
    """HMAC-SHA256 (hex) of the normalised value, to find a row by it."""
    message = f"{purpose}\x00{text}".encode()
    return hmac.new(_lookup_key(), message, hashlib.sha256).hexdigest()
