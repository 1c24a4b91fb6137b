"""Who has seen this record: the audit trail of one young person, for team managers and the
data protection officer only.

The gate decides who may read it and audits the reading (or the refusal) before any entry is
shown, so the reader's own visit is the newest entry on the page.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from safehold.access.gate import Gate, Refused, Shown, Withheld
from safehold.access.models import User
from safehold.audit.models import Action
from safehold.audit.selectors import who_has_seen as trail_of
from safehold.records.search import person_reference
from safehold.web.display import Display, explain, record_words
from safehold.web.edits import change_rows
from safehold.web.staff import optional_url

PER_PAGE = 50


def display_name(person: Shown) -> str:
    """The name as far as the role may see it; the record number where it may not."""
    parts = [
        str(value)
        for value in (person.values.get("given_name"), person.values.get("family_name"))
        if value and not isinstance(value, Withheld)
    ]
    return " ".join(parts) or person_reference(person.pk)


@require_GET
def who_has_seen(request: HttpRequest, person_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    gate = Gate(user)
    try:
        person = gate.audit_trail(person_id)
    except Refused as refused:
        return render(
            request,
            "web/audit/not_allowed.html",
            {
                "person_id": person_id,
                "rule": str(refused),
                "because": explain(str(refused), gate.policy.pack),
            },
            status=403,
        )
    paginator = Paginator(trail_of(person_id), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    # What each change on this page changed, old and new values, as far as the reader may
    # see them (the history lives beside the log, not in it: docs/adr/0007). One query.
    updates = [e.seq for e in page.object_list if e.action == Action.UPDATE]
    display = Display(gate.policy.pack)
    changes = {
        seq: change_rows(found, display)
        for seq, found in (gate.changes_of(person_id, updates).items() if updates else ())
    }
    return render(
        request,
        "web/audit/who_has_seen.html",
        {
            "name": display_name(person),
            "purposes": {p.code: p.name for p in gate.policy.pack.purposes},
            "categories": {c.code: c.name for c in gate.policy.pack.categories},
            "record_words": record_words,
            "explain_rule": lambda rule: explain(rule, gate.policy.pack),
            "person_id": person_id,
            "page": page,
            "person_url": optional_url("web:person", person_id),
            "changes": changes,
        },
    )
