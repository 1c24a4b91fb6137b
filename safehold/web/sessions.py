"""Staff sessions: Django's database sessions, written when they change or when their clock
needs restarting, not on every request.

A session ends after `SESSION_COOKIE_AGE` seconds without a request (docs/adr/0004). Django
does that by saving the session on every request (`SESSION_SAVE_EVERY_REQUEST`): three
statements on every page, whatever it shows, for a clock that moves a second. Here the store
remembers when the session it loaded expires, and `SessionClockMiddleware` has it saved
again only when that is more than `SESSION_CLOCK_SLACK` seconds short of a full age: a
session still ends at most `SESSION_COOKIE_AGE` seconds after the last request, and at
least `SESSION_COOKIE_AGE - SESSION_CLOCK_SLACK` (stricter, never longer). Sessions stay in
the database, so signing out or removing a member of staff ends them at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connections, router
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

# How far short of a full age the stored expiry may fall before a request saves it again.
SESSION_CLOCK_SLACK = timedelta(seconds=60)


class SessionStore(db.SessionStore):
    """Database sessions that remember when the stored row expires."""

    stored_expiry: datetime | None = None

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        # Every signed-in request loads its session: one plain statement, as Django's
        # `objects.get(session_key=..., expire_date__gt=now)` would send, without building
        # and compiling that query each time (docs/adr/0041).
        model = self.model
        alias = router.db_for_read(model)
        ops = connections[alias].ops
        found = next(
            iter(
                model._default_manager.db_manager(alias).raw(
                    _session_sql(alias, model._meta.db_table),
                    [self.session_key, ops.adapt_datetimefield_value(timezone.now())],
                )
            ),
            None,
        )
        if found is None:
            self._session_key = None
        self.stored_expiry = found.expire_date if found is not None else None
        return found


@functools.cache
def _session_sql(alias: str, table: str) -> str:
    q = connections[alias].ops.quote_name
    return (
        f"SELECT {q('session_key')}, {q('session_data')}, {q('expire_date')} FROM {q(table)}"  # noqa: S608 - names only
        f" WHERE {q('session_key')} = %s AND {q('expire_date')} > %s"
    )


class SessionClockMiddleware:
    """Restart a signed-in session's inactivity clock when it has run down by more than the
    slack (below SessionMiddleware, so the session is saved after this has looked)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        expiry = getattr(session, "stored_expiry", None)
        if session is None or expiry is None or session.modified:
            return response
        full = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
        if expiry < full - SESSION_CLOCK_SLACK:
            session.modified = True  # SessionMiddleware saves it, with a new expiry
        return response
