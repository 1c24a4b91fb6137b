"""Signing staff in: Django's ModelBackend, with what every staff page asks next read in the
same query as the member of staff.

Every signed-in request loads its user; the gate and the page's layout then ask for the
controller's pack version and for the user's break-glass grants in force (docs/adr/0019:
once per request, through `safehold.requestmemo`). Here the user's row comes with the pack
version's name (`policy.selectors.controller_version` reads no more) and whether any grant
is in force; when none is, the grants are known to be none without a second query. Both are
remembered for the request only, so nothing is read stale across requests.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, F, OuterRef

from safehold import requestmemo
from safehold.access.models import BreakGlass, User
from safehold.policy.models import PackVersion

PACK_VERSION_FIELDS = ("id", "pack_code", "version", "digest")


class StaffBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        found = (
            User._default_manager.annotate(
                glass_now=Exists(BreakGlass.objects.in_force().filter(user_id=OuterRef("pk"))),
                **{f"pack_{n}": F(f"controller__pack_version__{n}") for n in PACK_VERSION_FIELDS},
            )
            .filter(pk=user_id)
            .first()
        )
        if found is None or not self.user_can_authenticate(found):
            return None
        values = [getattr(found, f"pack_{n}") for n in PACK_VERSION_FIELDS]
        if found.controller_id is not None and values[0] is not None:
            version = PackVersion.from_db(None, list(PACK_VERSION_FIELDS), values)
            requestmemo.remember(("controller_version", found.controller_id), lambda: version)
        if not found.glass_now:
            requestmemo.remember(("glass_in_force", found.pk), list)
        return found
