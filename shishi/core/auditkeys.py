"""The audit chain's keys and algorithms: events are sealed with an HMAC, not a bare hash.

A bare ``sha256(prev_hash + event)`` can be recomputed by anyone who can write to the
database: edit an event, rehash every later one with the project's own function, and the
chain verifies. An HMAC needs a key the database does not hold: ``SHISHI_AUDIT_KEYS`` in the
environment, ``"id1:secret1,id2:secret2"``. The first key seals new events; the others only
verify the events they sealed (rotation = put a new key first, keep the old ones after it).
Each event records its key id and algorithm. Without ``SHISHI_AUDIT_KEYS`` the key is derived
from ``SECRET_KEY`` (id ``sk-`` + 8 hex digits of its fingerprint; ``shishi check`` warns in
production, where the key should live apart from the other settings).

The algorithm is HMAC-SHA256, or HMAC-SM3 where a 密评 assessment asks for the national
algorithms: ``SHISHI_AUDIT_HASH=sm3``, or ``SHISHI_CRYPTO=gm`` (which also chooses SM4 for
personal data). SM3 comes from OpenSSL (through ``hashlib``, else ``cryptography``).

Events written before keys existed carry key id ``""`` and algorithm ``sha256`` (legacy):
they still verify, but only as the chain's first events: see ``audit.verify_chain``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

LEGACY = "sha256"  # events hashed with plain sha256, before keys
HMAC_SHA256 = "hmac-sha256"
HMAC_SM3 = "hmac-sm3"
ALGORITHMS = {HMAC_SHA256: "sha256", HMAC_SM3: "sm3"}
CRYPTO_CHOICES = ("intl", "gm")  # SHISHI_CRYPTO: international or 国密 (SM3/SM4)
HASH_CHOICES = ("", "sha256", "sm3")  # SHISHI_AUDIT_HASH; "" follows SHISHI_CRYPTO
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
MIN_SECRET_CHARS = 16


class KeyError_(ValueError):
    """``SHISHI_AUDIT_KEYS`` is malformed, or an event names a key that is not configured."""


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    secret: bytes = b""
    derived: bool = False  # from SECRET_KEY, not SHISHI_AUDIT_KEYS

    def __repr__(self) -> str:  # never print the secret
        return f"AuditKey({self.key_id!r})"


def parse_keys(text: str) -> list[AuditKey]:
    """``"id1:secret1,id2:secret2"`` as keys, first first; ValueError naming the setting."""
    keys: list[AuditKey] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key_id, sep, secret = part.partition(":")
        key_id = key_id.strip()
        if not sep or not secret:
            raise KeyError_(f"SHISHI_AUDIT_KEYS: entry {key_id!r} has no secret (id:secret)")
        if not KEY_ID_RE.match(key_id):
            raise KeyError_(
                f"SHISHI_AUDIT_KEYS: key id {key_id!r} must be 1-32 letters, digits, '_', '.', '-'"
            )
        if any(k.key_id == key_id for k in keys):
            raise KeyError_(f"SHISHI_AUDIT_KEYS: key id {key_id!r} is given twice")
        keys.append(AuditKey(key_id, secret.encode("utf-8")))
    return keys


@lru_cache(maxsize=8)
def _derived(secret_key: str) -> AuditKey:
    secret = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"shishi audit chain v1"
    ).derive(secret_key.encode("utf-8"))
    return AuditKey("sk-" + hashlib.sha256(secret).hexdigest()[:8], secret, derived=True)


@lru_cache(maxsize=8)
def _keys(text: str, secret_key: str) -> tuple[AuditKey, ...]:
    keys = parse_keys(text)
    return tuple(keys) if keys else (_derived(secret_key),)


def configured_keys() -> tuple[AuditKey, ...]:
    """The keys, the signing one first (from ``SHISHI_AUDIT_KEYS``, else from SECRET_KEY)."""
    return _keys(getattr(settings, "SHISHI_AUDIT_KEYS", "") or "", settings.SECRET_KEY)


def keys_by_id() -> dict[str, AuditKey]:
    keys = {k.key_id: k for k in configured_keys()}
    # The key derived from SECRET_KEY keeps verifying what it sealed after real keys are set.
    derived = _derived(settings.SECRET_KEY)
    keys.setdefault(derived.key_id, derived)
    return keys


def chain_algorithm() -> str:
    """The algorithm new events are sealed with (``SHISHI_AUDIT_HASH``, else ``SHISHI_CRYPTO``)."""
    choice = getattr(settings, "SHISHI_AUDIT_HASH", "") or ""
    if not choice:
        choice = "sm3" if getattr(settings, "SHISHI_CRYPTO", "intl") == "gm" else "sha256"
    return HMAC_SM3 if choice == "sm3" else HMAC_SHA256


class _Digest(Protocol):
    def copy(self) -> Any: ...
    def update(self, data: bytes, /) -> None: ...


class Mac:
    """An HMAC prepared with its key once; each message costs one copy and one update."""

    def __init__(self, algorithm: str, secret: bytes) -> None:
        name = ALGORITHMS[algorithm]
        self._base: _Digest
        self._crypto = name not in hashlib.algorithms_available
        if self._crypto:  # OpenSSL through cryptography (hashlib without SM3)
            self._base = crypto_hmac.HMAC(secret, hashes.SM3())
        else:
            self._base = hmac.new(secret, digestmod=name)

    def hexdigest(self, data: bytes) -> str:
        h = self._base.copy()
        h.update(data)
        digest: str = h.finalize().hex() if self._crypto else h.hexdigest()
        return digest


@lru_cache(maxsize=32)
def _mac(algorithm: str, key: AuditKey) -> Mac:
    return Mac(algorithm, key.secret)


def signer() -> tuple[str, str, Mac]:
    """(key id, algorithm, MAC) for new events and checkpoints."""
    key = configured_keys()[0]
    algorithm = chain_algorithm()
    return key.key_id, algorithm, _mac(algorithm, key)


def mac_for(key_id: str, algorithm: str) -> Mac:
    """The MAC an event or checkpoint sealed with ``key_id`` verifies with; KeyError_ when
    that key is not configured (any more) or the algorithm is unknown."""
    if algorithm not in ALGORITHMS:
        raise KeyError_(f"unknown algorithm {algorithm!r}")
    key = keys_by_id().get(key_id)
    if key is None:
        raise KeyError_(f"key {key_id!r} is not configured (SHISHI_AUDIT_KEYS)")
    return _mac(algorithm, key)


def legacy_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sm3_available() -> bool:
    """Whether OpenSSL here provides SM3 (through hashlib or cryptography)."""
    if "sm3" in hashlib.algorithms_available:
        return True
    try:
        digest = hashes.Hash(hashes.SM3())
    except Exception:  # UnsupportedAlgorithm
        return False
    digest.update(b"abc")
    return bool(digest.finalize())
