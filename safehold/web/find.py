"""Find a person: the search box on every staff page leads here.

By name (in any order, forgiving a letter or two), date of birth or reference (a person's
number, P127, or a case's, C73), across every case of the controller this member of staff
may read. The gate finds, redacts and audits the results as a list (`Gate.find_people`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from safehold.access.gate import FoundPeople, Gate, ShownCase
from safehold.audit.models import Action
from safehold.records import search
from safehold.web.addresses import address
from safehold.web.cases import with_gate
from safehold.web.display import Display, label_of

LIMIT = 20
DROPPED = {"name": "name", "date_of_birth": "date of birth"}


reference = search.person_reference  # a person's reference as staff quote it: P127


@require_GET
@with_gate
def find(request: HttpRequest, gate: Gate) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    found = gate.find_people(text, limit=LIMIT) if text else None
    display = Display(gate.policy.pack)
    # Safeguarding first, here too: the alerts of those found, where the role reads flags.
    rows = []
    if found is not None:
        alerts = gate.alerts(found.people, action=Action.LIST)
        rows = [
            _row(shown, found, display)
            | {
                "alerts": [
                    display.flag(a.values["flag"]).text for a in alerts.get(shown.person_id, [])
                ]
            }
            for shown in found.people
        ]
    error = None
    if found is not None and found.terms.bad_date:
        error = "Enter a real date of birth, for example 27/3/2010"
    elif len(text) > 200:
        error = "Enter 200 characters or fewer"
    return render(
        request,
        "web/people/find.html",
        {
            "find_query": text,
            "searched": found is not None,
            "rows": rows,
            "limit": LIMIT,
            "error": error,
            "dropped": [
                (DROPPED.get(term, term), rule)
                for term, rule in (found.dropped if found else {}).items()
            ],
            "reasons": display.reasons(cell for row in rows for cell in row["cells"]),
        },
    )


def _row(shown: ShownCase, found: FoundPeople, display: Display) -> dict[str, Any]:
    values = shown.case.values
    closed = values["closed_on"] if isinstance(values["closed_on"], date) else None
    return {
        "person_url": address("web:person", shown.person_id),
        "label": label_of(shown, display),
        "name": display.name(shown.person),
        "reference": reference(shown.person_id),
        "cells": [
            display(shown.person.values["date_of_birth"]),
            display.service(values["service"]),
            display(closed) if closed else display(values["opened_on"]),
        ],
        "closed": bool(closed),
        "worker": found.workers.get(shown.case_id) or "Not allocated",
        "team": found.teams.get(shown.case_id, ""),
    }
