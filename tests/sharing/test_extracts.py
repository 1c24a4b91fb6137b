"""Recurring extracts: in scope, with consent, without objection; pseudonymised by a keyed hash
stable per recipient; one disclosure per run listing whom; refused when the pack does not
allow it; and the `safehold share` command."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from safehold.access.gate import Gate
from safehold.audit.models import AuditEvent
from safehold.sharing import extracts
from safehold.sharing.models import Disclosure, DisclosureSubject
from safehold.sharing.pseudonyms import pseudonym
from tests.access.conftest import World
from tests.sharing.conftest import allocated, consent_sought, given, variant

pytestmark = pytest.mark.django_db
CODE = "planning-research-return"


def run(code: str = CODE) -> tuple[list[dict[str, str]], Disclosure]:
    out = io.StringIO()
    done = extracts.run(code, out)
    return list(csv.DictReader(io.StringIO(out.getvalue()))), done.disclosure


def test_an_extract_is_one_disclosure_listing_whom(cambridgeshire: World) -> None:
    user, first = allocated(cambridgeshire)
    second = cambridgeshire.case(
        person=cambridgeshire.person(given_name="Alex", postcode="PE1 2XY")
    )
    # Victims are not in the youth services this extract covers.
    cambridgeshire.case(person=cambridgeshire.person(given_name="Vic"), service="victim-support")
    rows, disclosure = run()
    assert len(rows) == 2
    assert list(rows[0]) == [
        "pseudonym",
        "year-of-birth",
        "postcode-district",
        "person.sex",
        "case.service",
        "case.opened_on",
        "case.closed_on",
    ]
    assert {r["postcode-district"] for r in rows} == {"CB1", "PE1"}
    assert {r["year-of-birth"] for r in rows} == {"2009"}
    text = str(rows)
    assert "Sam" not in text and "Alex" not in text and "Example" not in text
    assert disclosure.people_count == 2 and disclosure.outcome == "shared"
    assert set(DisclosureSubject.objects.values_list("person_id", flat=True)) == {
        first.person_id,
        second.person_id,
    }
    event = AuditEvent.objects.get(record_type="disclosure", record_id=disclosure.pk)
    assert (event.action, event.recipient, event.actor_label) == (
        "disclose",
        "wider-council-planning",
        "extract:planning-research-return",
    )
    # The person's page lists the run among whom their information went to.
    assert disclosure in Gate(user).shared_with(first.person_id)


def test_pseudonyms_are_stable_per_recipient_and_keyed(
    cambridgeshire: World, settings: Any
) -> None:
    _user, case = allocated(cambridgeshire)
    first, _ = run()
    again, _ = run()
    assert first[0]["pseudonym"] == again[0]["pseudonym"]
    assert first[0]["pseudonym"] == pseudonym("wider-council-planning", case.person_id)
    assert pseudonym("another-recipient", case.person_id) != first[0]["pseudonym"]
    assert (
        pseudonym("wider-council-planning", case.person_id, b"a guessed key")
        != (first[0]["pseudonym"])
    ), "without the key the pseudonym cannot be made again"
    settings.SHARING_PSEUDONYM_KEY = "another key"
    assert run()[0][0]["pseudonym"] != first[0]["pseudonym"], "the key makes the pseudonym"
    settings.SHARING_PSEUDONYM_KEY = ""
    with pytest.raises(Exception, match="SAFEHOLD_PSEUDONYM_KEY"):
        run()


def test_a_withdrawal_removes_the_person_from_the_next_run(cambridgeshire: World) -> None:
    def consented(data: dict[str, Any]) -> None:
        consent_sought(data)
        data["extracts"][0]["consent"] = ["sharing-with-other-services"]

    world = variant(cambridgeshire, consented)
    user, case = allocated(world)
    world.case(person=world.person(given_name="Alex"))
    assert run()[1].people_count == 0, "nobody has consented yet"
    consent = Gate(user).record_consent(case.person_id, given("sharing-with-other-services"))
    rows, first = run()
    assert first.people_count == 1
    Gate(user).withdraw_consent(consent.pk, on=date.today(), how="verbal", given_by="young-person")
    rows, second = run()
    assert second.people_count == 0 and rows == []
    assert list(first.subjects.values_list("person_id", flat=True)) == [case.person_id], (
        "the earlier run still lists whom it covered"
    )


def test_an_opt_out_stops_the_extract_it_withholds(cambridgeshire: World) -> None:
    user, case = allocated(cambridgeshire)
    cambridgeshire.case(person=cambridgeshire.person(given_name="Alex"))
    Gate(user).record_consent(case.person_id, given("national-data-opt-out"))
    _rows, disclosure = run()
    assert disclosure.people_count == 1
    assert case.person_id not in disclosure.subjects.values_list("person_id", flat=True)


def test_an_extract_the_pack_does_not_allow_is_refused_and_logged(cambridgeshire: World) -> None:
    def names(data: dict[str, Any]) -> None:
        data["extracts"][0]["items"].append("person.family_name")

    variant(cambridgeshire, names)
    with pytest.raises(extracts.ExtractRefused, match=r"'person\.family_name' is not in what"):
        run()
    refused = Disclosure.objects.get()
    assert refused.outcome == "refused" and refused.extract == CODE
    assert AuditEvent.objects.filter(action="refuse", record_id=refused.pk).exists()


def test_the_share_command(sought: World, tmp_path: Path) -> None:
    user, case = allocated(sought)
    out = io.StringIO()
    call_command(
        "share",
        "explain",
        "--as",
        user.username,
        "--case",
        str(case.pk),
        "--recipient",
        "nhs",
        "--purpose",
        "statutory-youth-justice",
        stdout=out,
    )
    text = out.getvalue()
    assert "Under 'your-agreement': WOULD NOT SHARE" in text
    assert "needs the consent 'Agreeing to share information with other services" in text
    assert "Under 'safeguarding': WOULD NOT SHARE" in text
    assert "needs: a reason, a second person's approval" in text
    assert not Disclosure.objects.exists()
    target = tmp_path / "return.csv"
    call_command("share", "extract", CODE, "--out", str(target), stderr=io.StringIO())
    assert target.read_text().startswith("pseudonym,year-of-birth")
    with pytest.raises(CommandError, match="no loaded pack has an extract 'nope'"):
        call_command("share", "extract", "nope")


def test_an_extracts_derived_items_read_from_the_row_as_value_of_says() -> None:
    """The row getters for derived items give exactly what `items.value_of` gives."""
    from datetime import date as date_

    from safehold.policy.schema import DERIVED_ITEMS
    from safehold.sharing.items import value_of

    today = date_(2026, 11, 26)
    people = [
        {
            "given_name": "Ada",
            "family_name": "Lovel",
            "date_of_birth": date_(2009, 2, 28),
            "postcode": "cb1 1aa",
            "sex": "female",
        },
        {"given_name": "", "family_name": "", "date_of_birth": None, "postcode": "", "sex": ""},
    ]
    for item, (_, sources) in DERIVED_ITEMS.items():
        names = [f.split(".", 1)[1] for f in sources]
        at = {f"person__{n}": i for i, n in enumerate(names)}
        get = extracts._getter(item, at, today)
        for person in people:
            row = tuple(person[n] for n in names)
            expected = value_of(item, extracts._Row(person), today)
            assert get(row) == expected, (item, person)
