"""Personal information: validate, encrypt at rest, look up by keyed hash, mask for display.

Phone numbers and resident ID numbers (and, in notify, e-mail addresses and robot URLs) are
stored encrypted with authenticated encryption: a changed byte fails to decrypt rather than
reading as another number. Beside the ciphertext a keyed hash of the normalised value lets a
row be found by its number without decrypting every row. Models use the field types of
``shishi.core.fields`` (``PhoneField``, ``IDNumberField``, ``LookupHashField``), which call
this module.

**Algorithms** (``SHISHI_CRYPTO``): ``intl`` (the default) encrypts with AES-256-GCM and
hashes with HMAC-SHA256; ``gm`` encrypts with SM4-GCM (SM4-CTR with an HMAC-SM3 tag,
encrypt-then-MAC, where the OpenSSL in use has no SM4-GCM) and hashes with HMAC-SM3. The
algorithm only decides what is written: every ciphertext names its algorithm and key, so rows
of both kinds read back.

**Keys** (``SHISHI_PII_KEYS``, ``"k2:secret…,k1:secret…"``, newest first): new ciphertexts use
the newest; any key of the list decrypts. Each algorithm derives its own key from a secret
with HKDF (SHA-256, or SM3 for ``gm``). Without ``SHISHI_PII_KEYS`` the one key is ``k0``, the
secret ``SHISHI_PII_KEY`` or else ``SECRET_KEY``; ``k0`` keeps meaning that secret when a list
is set, so rows written before the list still read until ``shishi rotate_pii_keys`` has moved
them to the newest key.

**Ciphertext**: ``<algorithm>:<key id>:<base64 url-safe>``, e.g. ``aesgcm:k2:…``,
``sm4gcm:k2:…``, ``sm4ctr:k2:…``. The oldest form, ``v1:<base64>`` (AES-GCM under ``k0``'s
first derivation), is still read. The ``purpose`` ("phone", "id_number", "email", "robot") is
bound as associated data, so a phone ciphertext copied into an ID column does not decrypt
there.

**Lookup hashes** do not rotate with the encryption keys: one lookup secret,
``SHISHI_PII_LOOKUP_KEY`` (default: ``SHISHI_PII_KEY`` or else ``SECRET_KEY``, what it was
before keys rotated), so a number is found with one hash whatever key encrypted its row.
Changing the lookup secret or ``SHISHI_CRYPTO`` changes every hash: ``lookup_hashes`` gives
the hash under both algorithms (a switch keeps finding rows), and ``rotate_pii_keys
--rehash`` rewrites the stored hashes after the lookup secret changed (rows not yet rewritten
are not found meanwhile).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
PHONE_INVALID = "手机号码应为11位数字，以13–19开头"
ID_INVALID = "身份证号码应为18位（最后一位可为X），地区码、出生日期和校验位须正确"
VERSION = "v1"  # the oldest ciphertext form, read only
_NONCE = 12
INTL, GM = "intl", "gm"
AES_GCM, SM4_GCM, SM4_CTR = "aesgcm", "sm4gcm", "sm4ctr"
ALGORITHMS = (AES_GCM, SM4_GCM, SM4_CTR)
LEGACY_KEY_ID = "k0"
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class DecryptionFailed(ValueError):
    """The ciphertext was altered, truncated, made with another key or names no key we have."""


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


LANDLINE_RE = re.compile(r"^0\d{2,3}[2-9]\d{6,7}$")


def normalize_landline(value: str) -> str:
    """A fixed-line number with its area code, as digits ("0451-8765 4321" → "045187654321");
    an extension after "转" or "-" at the end is not kept. ``ValueError`` for the user when it
    is not one."""
    text = re.split(r"转|ext|分机", str(value or ""), maxsplit=1)[0]
    text = re.sub(r"[\s\-()（）]", "", text)
    if text.startswith("+86"):
        text = "0" + text[3:]
    if not LANDLINE_RE.match(text):
        raise ValueError("固定电话号码应带区号，如 0451-87654321")
    return text


def mask_landline(number: str) -> str:
    """0451****4321: the area code and the last four digits."""
    number = number or ""
    if len(number) < 8:
        return "*" * len(number)
    head = 4 if number[1] in "3456789" else 3  # 0451, 0755 …; 010, 021, 022 …
    return f"{number[:head]}{'*' * (len(number) - head - 4)}{number[-4:]}"


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


# --- resident ID numbers (GB 11643-1999) -------------------------------------------------------

# The first two digits: provinces, autonomous regions, municipalities (GB/T 2260), and 71/81/82
# (Taiwan, Hong Kong, Macao: residence permits), 83 (Taiwan residents' permits).
# fmt: off
PROVINCES = frozenset((
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
))
# fmt: on
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _valid_birth(yyyymmdd: str) -> bool:
    try:
        born = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return dt.date(1880, 1, 1) <= born <= dt.date.today()


def is_id_number_shape(text: str) -> bool:
    """18 characters with a known region, a real birth date and the right check character."""
    return (
        len(text) == 18
        and text[:17].isdigit()
        and text[:17].isascii()
        and text[:2] in PROVINCES
        and _valid_birth(text[6:14])
        and text[17].upper() == id_check_character(text[:17])
    )


def upgrade_id15(text: str) -> str:
    """A 15-digit number (issued before 1999, born 19YY) as the 18-digit one it became."""
    first17 = text[:6] + "19" + text[6:]
    return first17 + id_check_character(first17)


def normalize_id_number(value: str) -> str:
    """A resident ID number as 18 characters, 'X' upper-cased; a valid 15-digit number of
    before 1999 is converted to its 18-digit form. ``ValueError`` (for the user) otherwise."""
    text = re.sub(r"[\s\-]", "", str(value or "")).upper()
    if len(text) == 15 and text.isdigit() and text.isascii():
        text = upgrade_id15(text)
    if not is_id_number_shape(text):
        raise ValueError(ID_INVALID)
    return text


def is_valid_id_number(value: str) -> bool:
    try:
        normalize_id_number(value)
    except ValueError:
        return False
    return True


def mask_id_number(number: str) -> str:
    """2301**********123X: the city (4 digits) and the last four."""
    number = number or ""
    if len(number) < 10:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


# --- keys --------------------------------------------------------------------------------------


def _legacy_secret() -> bytes:
    secret = getattr(settings, "SHISHI_PII_KEY", "") or settings.SECRET_KEY
    return secret.encode("utf-8")


@lru_cache(maxsize=8)
def parse_keys(spec: str) -> tuple[tuple[str, bytes], ...]:
    """``"k2:secret,k1:secret"`` as ((id, secret), …), newest first; ImproperlyConfigured
    (naming the setting, never a secret) when malformed."""
    out: list[tuple[str, bytes]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        key_id, sep, secret = part.partition(":")
        if not sep or not KEY_ID_RE.match(key_id):
            raise ImproperlyConfigured(
                "SHISHI_PII_KEYS: each key is id:secret (id of letters, digits, - or _)"
            )
        if len(secret) < 16:
            raise ImproperlyConfigured(f"SHISHI_PII_KEYS: the secret of {key_id} is too short")
        if any(key_id == k for k, _ in out):
            raise ImproperlyConfigured(f"SHISHI_PII_KEYS: {key_id} is listed twice")
        out.append((key_id, secret.encode("utf-8")))
    return tuple(out)


def keyring() -> list[tuple[str, bytes]]:
    """The keys, newest first (``k0``: the legacy secret, when no list is set)."""
    ring = list(parse_keys(getattr(settings, "SHISHI_PII_KEYS", "") or ""))
    return ring or [(LEGACY_KEY_ID, _legacy_secret())]


def newest_key_id() -> str:
    return keyring()[0][0]


def _secret_of(key_id: str) -> bytes:
    for kid, secret in keyring():
        if kid == key_id:
            return secret
    if key_id == LEGACY_KEY_ID:
        return _legacy_secret()
    raise DecryptionFailed("no key with this id")


def crypto_mode() -> str:
    mode = getattr(settings, "SHISHI_CRYPTO", INTL) or INTL
    if mode not in (INTL, GM):
        raise ImproperlyConfigured("SHISHI_CRYPTO must be intl or gm")
    return mode


@lru_cache(maxsize=1)
def sm4_gcm_supported() -> bool:
    try:
        return bool(
            default_backend().cipher_supported(algorithms.SM4(b"\0" * 16), modes.GCM(b"\0" * 12))
        )
    except Exception:
        return False


def current_algorithm() -> str:
    if crypto_mode() == INTL:
        return AES_GCM
    return SM4_GCM if sm4_gcm_supported() else SM4_CTR


@lru_cache(maxsize=64)
def _derive(secret: bytes, purpose: bytes, length: int = 32, sm3: bool = False) -> bytes:
    algorithm: hashes.HashAlgorithm = hashes.SM3() if sm3 else hashes.SHA256()
    return HKDF(algorithm=algorithm, length=length, salt=None, info=purpose).derive(secret)


# --- ciphers -----------------------------------------------------------------------------------


def _aad(purpose: str) -> bytes:
    return purpose.encode("utf-8")


def _seal_aes(secret: bytes, plain: bytes, purpose: str) -> bytes:
    key = _derive(secret, b"shishi pii aesgcm")
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plain, _aad(purpose))


def _open_aes(secret: bytes, raw: bytes, purpose: str, *, legacy: bool = False) -> bytes:
    info = b"shishi pii encryption v1" if legacy else b"shishi pii aesgcm"
    key = _derive(secret, info)
    return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], _aad(purpose))


def _seal_sm4_gcm(secret: bytes, plain: bytes, purpose: str) -> bytes:
    key = _derive(secret, b"shishi pii sm4gcm", 16, sm3=True)
    nonce = os.urandom(_NONCE)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(_aad(purpose))
    body = encryptor.update(plain) + encryptor.finalize()
    return nonce + body + encryptor.tag


def _open_sm4_gcm(secret: bytes, raw: bytes, purpose: str) -> bytes:
    key = _derive(secret, b"shishi pii sm4gcm", 16, sm3=True)
    if len(raw) < _NONCE + 16:
        raise ValueError("too short")
    nonce, body, tag = raw[:_NONCE], raw[_NONCE:-16], raw[-16:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(_aad(purpose))
    return decryptor.update(body) + decryptor.finalize()


def _sm4_ctr_keys(secret: bytes) -> tuple[bytes, bytes]:
    material = _derive(secret, b"shishi pii sm4ctr+hmac-sm3", 48, sm3=True)
    return material[:16], material[16:]


def _ctr_tag(mac_key: bytes, purpose: str, iv: bytes, body: bytes) -> bytes:
    aad = _aad(purpose)
    mac = crypto_hmac.HMAC(mac_key, hashes.SM3())
    mac.update(struct.pack(">I", len(aad)) + aad + iv + body)
    return mac.finalize()


def _seal_sm4_ctr(secret: bytes, plain: bytes, purpose: str) -> bytes:
    """SM4-CTR, then HMAC-SM3 over (associated data, IV, ciphertext): encrypt-then-MAC."""
    enc_key, mac_key = _sm4_ctr_keys(secret)
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.SM4(enc_key), modes.CTR(iv)).encryptor()
    body = encryptor.update(plain) + encryptor.finalize()
    return iv + body + _ctr_tag(mac_key, purpose, iv, body)


def _open_sm4_ctr(secret: bytes, raw: bytes, purpose: str) -> bytes:
    enc_key, mac_key = _sm4_ctr_keys(secret)
    if len(raw) < 16 + 32:
        raise ValueError("too short")
    iv, body, tag = raw[:16], raw[16:-32], raw[-32:]
    if not hmac.compare_digest(_ctr_tag(mac_key, purpose, iv, body), tag):
        raise InvalidTag
    decryptor = Cipher(algorithms.SM4(enc_key), modes.CTR(iv)).decryptor()
    return decryptor.update(body) + decryptor.finalize()


_SEAL: dict[str, Callable[[bytes, bytes, str], bytes]] = {
    AES_GCM: _seal_aes,
    SM4_GCM: _seal_sm4_gcm,
    SM4_CTR: _seal_sm4_ctr,
}
_OPEN: dict[str, Callable[[bytes, bytes, str], bytes]] = {
    AES_GCM: _open_aes,
    SM4_GCM: _open_sm4_gcm,
    SM4_CTR: _open_sm4_ctr,
}


# --- encryption and lookup ---------------------------------------------------------------------


@dataclass(frozen=True)
class TokenInfo:
    algorithm: str  # "v1" for the oldest form
    key_id: str
    body: str


def token_info(token: str) -> TokenInfo | None:
    """What a ciphertext says of itself, or None when it is not one of ours."""
    parts = (token or "").split(":")
    if len(parts) == 2 and parts[0] == VERSION and parts[1]:
        return TokenInfo(VERSION, LEGACY_KEY_ID, parts[1])
    if len(parts) == 3 and parts[0] in ALGORITHMS and KEY_ID_RE.match(parts[1]) and parts[2]:
        return TokenInfo(parts[0], parts[1], parts[2])
    return None


def is_token(value: str) -> bool:
    return token_info(value) is not None


def is_current(token: str) -> bool:
    """Written with today's algorithm and the newest key (``rotate_pii_keys`` skips it)."""
    info = token_info(token)
    return info is not None and (info.algorithm, info.key_id) == (
        current_algorithm(),
        newest_key_id(),
    )


def encrypt(text: str, *, purpose: str = "") -> str:
    """``text`` encrypted under the newest key with today's algorithm (a fresh nonce each
    time); ``purpose`` is bound as associated data."""
    algorithm = current_algorithm()
    key_id, secret = keyring()[0]
    sealed = _SEAL[algorithm](secret, text.encode("utf-8"), purpose)
    return f"{algorithm}:{key_id}:" + base64.urlsafe_b64encode(sealed).decode("ascii")


def decrypt(token: str, *, purpose: str = "") -> str:
    """The text ``encrypt`` sealed; ``DecryptionFailed`` if it was altered or is not ours."""
    info = token_info(token)
    if info is None:
        raise DecryptionFailed("unknown ciphertext format")
    secret = _secret_of(info.key_id)
    try:
        raw = base64.urlsafe_b64decode(info.body.encode("ascii"))
        if info.algorithm == VERSION:
            plain = _open_aes(secret, raw, purpose, legacy=True)
        else:
            plain = _OPEN[info.algorithm](secret, raw, purpose)
        return plain.decode("utf-8")
    except (InvalidTag, ValueError, UnicodeError) as exc:
        raise DecryptionFailed("ciphertext does not decrypt with this key") from exc


def reencrypt(token: str, *, purpose: str = "") -> str:
    """``token`` under the newest key and today's algorithm (itself if it already is)."""
    if is_current(token):
        return token
    return encrypt(decrypt(token, purpose=purpose), purpose=purpose)


def _lookup_secret() -> bytes:
    secret = getattr(settings, "SHISHI_PII_LOOKUP_KEY", "") or ""
    return secret.encode("utf-8") if secret else _legacy_secret()


def _lookup_hash(text: str, purpose: str, mode: str) -> str:
    message = f"{purpose}\x00{text}".encode()
    if mode == INTL:
        key = _derive(_lookup_secret(), b"shishi pii lookup v1")
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    key = _derive(_lookup_secret(), b"shishi pii lookup sm3", 32, sm3=True)
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(message)
    return mac.finalize().hex()


def lookup_hash(text: str, *, purpose: str = "") -> str:
    """The keyed hash (64 hex digits: HMAC-SHA256, or HMAC-SM3 under ``gm``) of the
    normalised value, to store beside its ciphertext."""
    return _lookup_hash(text, purpose, crypto_mode())


def lookup_hashes(text: str, *, purpose: str = "") -> list[str]:
    """The hashes a stored row may carry for ``text``: today's algorithm first, then the
    other (rows hashed before ``SHISHI_CRYPTO`` changed). Filter with ``__in``."""
    first = crypto_mode()
    other = GM if first == INTL else INTL
    return [_lookup_hash(text, purpose, first), _lookup_hash(text, purpose, other)]
