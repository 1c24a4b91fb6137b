"""Words, not codes: staff by their names, and the gate's rules in words with the rule itself
kept in a details component."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from safehold.access.models import User
from safehold.policy import selectors
from safehold.retention import planner, services
from safehold.web.display import explain
from tests.access.conftest import World
from tests.retention.conftest import Place, due_case, make_place


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (
            "cambridgeshire-yos v1: no grant of role 'youth-justice-officer' allows read of "
            "'health' at team distance",
            "A Youth offending case manager may not read health needs on their team's cases.",
        ),
        (
            "cambridgeshire-yos v1: role 'youth-justice-officer' may not read cases at service "
            "distance",
            "A Youth offending case manager may not read cases held by other teams of their "
            "service.",
        ),
        (
            "cambridgeshire-yos v1: role 'team-manager' grant 1 (read * up to team)",
            "A Team manager may read everything on their team's cases.",
        ),
        (
            "cambridgeshire-yos v1: role 'data-protection-officer' may not break glass",
            "A Data Protection Officer may not break glass.",
        ),
        (
            "cambridgeshire-yos v1: processing is restricted (UK GDPR Article 18)",
            "Processing is restricted (UK GDPR Article 18).",
        ),
    ],
)
def test_a_rule_in_words(cambridgeshire: World, rule: str, words: str) -> None:
    pack = selectors.current_pack("cambridgeshire-yos")
    assert pack is not None
    assert explain(rule, pack) == words


def test_a_rule_names_what_it_quotes_by_the_packs_names(cambridgeshire: World) -> None:
    # An extract's rule quotes the extract, its recipient, purpose and gateway by code: the
    # page shows the pack's names for them, not the codes.
    pack = selectors.current_pack("cambridgeshire-yos")
    assert pack is not None
    x = pack.extracts[0]
    codes = (x.code, x.recipient, x.purpose, x.gateway)
    words = explain(
        "cambridgeshire-yos v1: extract '{}' to '{}' for '{}' under '{}'".format(*codes), pack
    )
    assert not [code for code in codes if code in words], words
    recipient = next(r for r in pack.recipients if r.code == x.recipient)
    assert x.name in words and recipient.name in words


def test_an_extracts_rule_reads_as_labelled_parts(cambridgeshire: World) -> None:
    pack = selectors.current_pack("cambridgeshire-yos")
    assert pack is not None
    x = pack.extracts[0]
    name = {i.code: i.name for i in (*pack.recipients, *pack.purposes, *pack.gateways)}
    consent = pack.preferences[0]
    rule = (
        f"cambridgeshire-yos v1: extract '{x.code}' to '{x.recipient}' for '{x.purpose}' "
        f"under '{x.gateway}'; only people with current consent: {consent.code}"
    )
    assert explain(rule, pack) == (
        f"The extract “{x.name}” was sent. Recipient: {name[x.recipient]}. "
        f"Purpose: {name[x.purpose]}. Legal gateway: {name[x.gateway]}. "
        f"Only people who had given their consent: {consent.name}."
    )
    refused = f"cambridgeshire-yos v1: extract '{x.code}' refused: 'case.notes' is not in what the pack lets go to '{x.recipient}'"
    assert explain(refused, pack) == (
        f"The extract “{x.name}” was refused: 'case.notes' is not in what the pack lets go "
        f"to {name[x.recipient]}."
    )


def test_a_refusal_says_why_in_words_and_keeps_the_rule(
    cambridgeshire: World, verified_client: Callable[[User], Client]
) -> None:
    southern = cambridgeshire.staff("youth-justice-officer", team=cambridgeshire.other_team)
    case = cambridgeshire.case()
    html = verified_client(southern).get(f"/cases/{case.pk}/contacts/new/").content.decode()
    assert "A Youth offending case manager may not read cases held by other teams" in html
    details = html[html.index('<details class="govuk-details') :]
    assert "The rule in the privacy policy" in details
    assert "role &#39;youth-justice-officer&#39;" in details  # the code, kept for look-up
    intro = html[: html.index('<details class="govuk-details')]
    assert "youth-justice-officer" not in intro.split("<main", 1)[1]


def test_withheld_values_say_why_in_words(
    cambridgeshire: World, verified_client: Callable[[User], Client]
) -> None:
    officer = cambridgeshire.staff("youth-justice-officer", username="casey")
    colleague = cambridgeshire.staff("youth-justice-officer", username="kim")  # same team
    case = cambridgeshire.case(allocated_to=officer)
    html = verified_client(colleague).get(f"/people/{case.person_id}/").content.decode()
    assert "Withheld" in html
    assert "A Youth offending case manager may not read" in html
    assert "no grant of role" in html  # the rule itself, in the details component


def test_staff_are_named_not_usernamed(db: None, verified_client) -> None:
    place: Place = make_place("cambridgeshire-yos")
    place.dpo.first_name, place.dpo.last_name = "Victoria", "Bell"
    place.dpo.save()
    case = due_case(place)
    planner.plan()
    services.place_hold(
        by=place.dpo,
        reason="Civil claim",
        review_on=timezone.localdate() + timedelta(days=30),
        case=case,
    )
    html = verified_client(place.dpo).get("/retention/holds/").content.decode()
    assert "Victoria Bell" in html
    assert place.dpo.username not in html.split("<main", 1)[1]
