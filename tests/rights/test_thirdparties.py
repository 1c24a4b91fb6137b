"""Names the system does not know, found from the words before them in case notes (a title, a
relationship, "called"): proposed for review with a lower score than the names the records
link, never for the person's own name, a day, a place or a team (docs/adr/0035)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from safehold.records.models import Contact
from safehold.rights import services
from safehold.rights.bundle import WITHHELD_MARK, compile_bundle
from safehold.rights.models import Ground, Redaction
from safehold.rights.thirdparties import (
    CONTEXT_SCORES,
    Finder,
    Known,
    _context_recogniser,
    terms_of,
)
from tests.retention.conftest import Place
from tests.rights.test_bundle import pack_of, world

CHILD = ("Kai", "Fenwick")


def names(text: str, known: tuple[Known, ...] = ()) -> list[str]:
    return [f.text for f in Finder(known, [], CHILD).find(text) if f.entity == "name"]


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Kai was arrested by PC Jones and interviewed by DC Hargreaves.", ["Jones", "Hargreaves"]),
        (
            "Spoke to Mr Okonkwo, then to Mrs Ellis and Ms Varga; Miss Dunn rang.",
            ["Okonkwo", "Ellis", "Varga", "Dunn"],
        ),
        (
            "Dr Patel at the surgery; Dr. Sharma's letter; Sgt McAllister attended.",
            ["Patel", "Sharma", "McAllister"],
        ),
        (
            "Nurse Adeyemi saw him. Cllr Anne-Marie Hughes asked for an update.",
            ["Adeyemi", "Anne-Marie Hughes"],
        ),
        ("Mr J Whitlock, his football coach, came too.", ["J Whitlock"]),
        ("Seen by PC  Jones (two spaces) and (Dr Patel).", ["Jones", "Patel"]),
        (
            "His step-dad Tony and half-brother Callum; her best friend Amira.",
            ["Tony", "Callum", "Amira"],
        ),
        ("Her brother Jake was at home with his friend Liam Carter.", ["Jake", "Liam Carter"]),
        ("Kai says mum's partner Dave hits his mum.", ["Dave"]),
        ("His girlfriend, Chloe, is pregnant; her cousin Tayla will help.", ["Chloe", "Tayla"]),
        (
            "The neighbour Mr Grant complained. Teacher Sophie Lamb reports better attendance.",
            ["Grant", "Sophie Lamb"],
        ),
        (
            "Kai was with a boy called Tyler O'Neill and an older lad named Reece.",
            ["Tyler O'Neill", "Reece"],
        ),
        (
            "Known as Tiny on the estate; his mate Connor McBride supplies.",
            ["Tiny", "Connor McBride"],
        ),
    ],
)
def test_a_name_after_a_title_a_relationship_or_called_is_proposed(
    note: str, expected: list[str]
) -> None:
    assert names(note) == expected


@pytest.mark.parametrize(
    "note",
    [
        "Kai appeared at Peterborough Magistrates' Court on Monday with the Youth Offending Team.",
        "He lives in Peterborough and goes to school in March.",
        "Referred by his teacher at Ely College. His friend from Wisbech rang on Tuesday.",
        "He called the police, then called Childline. Mum called on Friday.",
        "A school called Ely College. Her friend Ely College.",
        "The Youth Offending Team manager and the Social Worker met at Cambridge Crown Court.",
        "Seen by the school nurse and the police officer; his friend is doing well.",
        "Her brother. Jake was not there.",  # a sentence ends after the relationship
        "PC\nJones",  # never across a line
        "x" * 60 + " Jones: a long word before a capital is no trigger",
        "Her brother Monday; his teacher English; called YOT.",
        # The person's own name: theirs, not someone else's.
        "Kai is called Kai Fenwick by staff. Mr Fenwick was not home. Known as Kai.",
    ],
)
def test_days_places_teams_and_the_persons_own_name_are_not_proposed(note: str) -> None:
    assert names(note) == []


def test_a_title_and_a_relationship_propose_the_name_not_the_words_before_it() -> None:
    found = Finder([], [], CHILD).find("His teacher Mrs Khan phoned.")
    assert [(f.text, f.found_by) for f in found] == [("Khan", "recogniser")]
    assert "“Mrs”" in found[0].whose and "Not linked in the records" in found[0].whose


def test_a_name_the_records_link_is_theirs_not_a_guess_from_context() -> None:
    """The same words found by both: the known name's higher score wins, with whose it is."""
    worker = Known(7, "Social worker: Nadia Okafor", terms_of("Nadia", "Okafor", set()), ())
    found = Finder([worker], [], CHILD).find("Seen with social worker Nadia Okafor and PC Lee.")
    assert [(f.text, f.whose, f.found_by) for f in found] == [
        ("Nadia Okafor", "Social worker: Nadia Okafor", "record-link"),
        ("Lee", found[1].whose, "recogniser"),
    ]
    guesses = _context_recogniser().analyze("PC Lee, his friend Sam, a boy called Ash", ["NAME"])
    assert [r.score for r in guesses] == [
        CONTEXT_SCORES["title"],
        CONTEXT_SCORES["relationship"],
        CONTEXT_SCORES["named"],
    ]
    deny_list_score = 1.0  # Presidio's for a deny list: the names the records link
    assert max(CONTEXT_SCORES.values()) < deny_list_score


def test_found_in_many_texts_at_once_as_in_each() -> None:
    texts = ["Her brother Jake", "no one", "PC Jones and Mr Okafor", "called Kai"]
    finder = Finder([], [], CHILD)
    assert [[f.text for f in found] for found in finder.find_all(texts)] == [
        ["Jake"],
        [],
        ["Jones", "Okafor"],
        [],
    ]


def test_a_name_found_from_context_waits_for_a_reviewer_and_is_withheld_only_if_decided(
    yos: Place,
) -> None:
    request, made = world(yos)
    Contact.objects.create(
        case=made["second"],
        kind="home-visit",
        occurred_at=datetime(2024, 6, 3, 10, tzinfo=UTC),
        notes="Kai's brother Jake Fenwick was there with his friend Liam Carter and PC Jones.",
        pack_version_id=yos.version_id,
    )
    pack = pack_of(yos)
    compiled = compile_bundle(yos.dpo, request.person_id, pack=pack)
    guessed = {p.text: p for p in compiled.proposals if "Not linked in the records" in p.whose}
    assert set(guessed) == {"Jake Fenwick", "Liam Carter", "Jones"}
    services.propose(request, compiled)
    rows = Redaction.objects.filter(request=request)
    assert set(rows.filter(text__in=guessed).values_list("ground", flat=True)) == {""}
    with pytest.raises(services.RequestProblem, match="not yet decided"):
        services.release(request, compiled, by=yos.dpo, pack=pack, second_approval=True)
    # The reviewer withholds the brother and the friend, and discloses the officer.
    services.decide_redactions(
        request,
        {r.pk: (Ground.REASONABLE if r.text == "Jones" else Ground.THIRD_PARTY, "") for r in rows},
        by=yos.dpo,
    )
    services.approve_release(request, compiled, by=yos.staff("data-protection-officer"))
    released = json.dumps(
        services.release(request, compiled, by=yos.dpo, pack=pack, second_approval=True)
    )
    assert "Jake Fenwick" not in released and "Liam Carter" not in released
    assert f"Kai's brother {WITHHELD_MARK} was there" in released
    assert "PC Jones" in released
