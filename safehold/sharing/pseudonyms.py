"""Stable keyed pseudonyms for extracts: HMAC-SHA256 of (recipient, person) under a key held
in settings (the environment), never in the database.

The same person gets the same pseudonym in every run for one recipient, so the recipient can
link runs; different recipients get unrelated pseudonyms, so they cannot link each other's;
and without the key nobody can go from a pseudonym back to the person.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def key() -> bytes:
    value = getattr(settings, "SHARING_PSEUDONYM_KEY", "")
    if not value:
        raise ImproperlyConfigured(
            "SAFEHOLD_PSEUDONYM_KEY is not set: pseudonymised extracts need a key that is "
            "kept outside the database"
        )
    return str(value).encode()


def pseudonym(recipient: str, person_id: int, secret: bytes | None = None) -> str:
    return pseudonymiser(recipient, secret)(person_id)


def pseudonymiser(recipient: str, secret: bytes | None = None) -> Callable[[int], str]:
    """`pseudonym` for one recipient, the key schedule done once: for an extract's rows."""
    keyed = hmac.new(secret or key(), f"{recipient}\x00".encode(), hashlib.sha256)
    encode = base64.b32encode

    def of(person_id: int) -> str:
        h = keyed.copy()
        h.update(str(person_id).encode())
        return encode(h.digest()[:10]).decode()  # 80 bits: 16 characters, no padding

    return of
