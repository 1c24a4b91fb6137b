"""Picking a person (or one of their cases) found by searching, never by typing an id.

A form that acts on someone (a legal hold, a rights request) has a search box, `q`, and
offers as radio choices only what `Gate.find_people` found for it, each by name and
reference (P316, C73) with a hint: the person's date of birth, a case's service and dates.
Both reads go through the gate and are audited as a list: `find_people` for the people,
`Gate.show_cases` for their cases. The form's field takes the choices (`PicksFound.offer`), so
a value the search did not find is refused as "not chosen" however it was sent; the value
chosen is then looked up again within the caller's own controller (`chosen_person`,
`chosen_case`), so another controller's record and one that exists nowhere read the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from django import forms
from django.http import HttpRequest

from safehold.access.gate import Gate, ShownCase
from safehold.records.models import Case, Person
from safehold.records.search import case_reference, person_reference
from safehold.records.validation import as_id
from safehold.web.display import Display, label_of
from safehold.web.forms import GovukForm

FIND_LIMIT = 10
MAX_WORDS = 200


class Found(NamedTuple):
    """One radio choice: its value (`person:127`, `case:73`), its words and its hint."""

    value: str
    text: str
    hint: str


def search_words(request: HttpRequest) -> str:
    """What was typed in the search box (sent with the form, or on its own), as far as a
    search takes it."""
    source = request.POST if request.method == "POST" else request.GET
    return str(source.get("q", "")).strip()[:MAX_WORDS]


def found(gate: Gate, q: str, *, cases: bool = False, about: str = "") -> list[Found]:
    """The people `q` finds through the gate, each as a choice hinted with `about` and their
    date of birth; with `cases`, each followed by their cases (newest first) as choices."""
    if not q:
        return []
    people = gate.find_people(q, limit=FIND_LIMIT).people
    if not people:
        return []
    display = Display(gate.policy.pack)
    by_person: dict[int, list[ShownCase]] = {}
    if cases:
        shown_cases = gate.show_cases(
            gate.cases()
            .filter(person_id__in=[s.person_id for s in people])
            .select_related("person")
            .order_by("person_id", "-pk")[: FIND_LIMIT * 5]
        )
        for shown in shown_cases:
            by_person.setdefault(shown.person_id, []).append(shown)
    items = []
    for shown in people:
        born = display(shown.person.values["date_of_birth"]).text
        hint = ", ".join(t for t in (about, f"born {born}" if born else "") if t)
        items.append(
            Found(
                f"person:{shown.person_id}",
                f"{label_of(shown, display)} ({person_reference(shown.person_id)})",
                hint[:1].upper() + hint[1:],
            )
        )
        for case in by_person.get(shown.person_id, []):
            values = case.case.values
            service = display.service(values["service"]).text
            opened = display(values["opened_on"]).text
            closed = display(values["closed_on"]).text
            when = f"closed {closed}" if closed else (f"open since {opened}" if opened else "")
            items.append(
                Found(
                    f"case:{case.case_id}",
                    f"Case {case_reference(case.case_id)} of {label_of(case, display)}",
                    ", ".join(t for t in (service, when) if t),
                )
            )
    return items


def picked(value: object) -> tuple[str, int | None]:
    """The kind and id of a chosen value: `person:127` is ("person", 127)."""
    kind, _, key = str(value or "").partition(":")
    return kind, as_id(key)


def chosen_person(value: object, controller_id: int) -> Person | None:
    """The person a chosen value names, if it is one of this controller's."""
    kind, pk = picked(value)
    if kind != "person" or pk is None:
        return None
    return Person.objects.filter(pk=pk, controller_id=controller_id).first()


def chosen_case(value: object, controller_id: int) -> Case | None:
    """The case a chosen value names, if it is one of this controller's."""
    kind, pk = picked(value)
    if kind != "case" or pk is None:
        return None
    return Case.objects.filter(pk=pk, controller_id=controller_id).first()


class PicksFound(GovukForm):
    """A form with a radio field whose choices are what a search found, each with its hint."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hints: dict[str, str] = {}

    def offer(
        self, name: str, found: Sequence[Found], more: Sequence[tuple[str, str]] = ()
    ) -> None:
        """Make what was found (then `more`) the only values field `name` accepts."""
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(f.value, f.text) for f in found] + list(more)
        self.hints |= {f.value: f.hint for f in found if f.hint}

    def params(self, name: str, **extra: Any) -> dict[str, Any]:
        result = super().params(name, **extra)
        for item in result.get("items", []) if self.macro(name) == "radios" else []:
            if item.get("value") in self.hints:
                item["hint"] = {"text": self.hints[item["value"]]}
        return result
