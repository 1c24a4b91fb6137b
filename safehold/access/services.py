"""Writes to staff credentials: API tokens for integrations."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from safehold.access.models import ApiToken, User

TOKEN_PREFIX = "sht_"  # noqa: S105 (a marker that tells a token, not a secret)
# A token is used on every request; its last use is worth knowing, not worth a write each time.
LAST_USED_GRANULARITY = timedelta(minutes=5)


def digest(raw: str) -> str:
    # The token carries 256 random bits, so a fast unsalted hash is enough to keep it unusable
    # if the table leaks, and lets the lookup be one indexed equality.
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, name: str, *, days: int = 90) -> tuple[ApiToken, str]:
    """A new token for `user`; the raw value is returned once and never stored."""
    if not name.strip():
        raise ValueError("Say what the token is for.")
    if days < 1 or days > 366:
        raise ValueError("A token lasts between 1 and 366 days.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=raw[:10],
        digest=digest(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, raw


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def user_for_token(raw: str) -> User | None:
    """The member of staff a bearer token acts for, or None if it is unknown, expired or revoked."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.usable().select_related("user").filter(digest=digest(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
