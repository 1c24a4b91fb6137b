"""Every retention form of DESIGN.md's "Retention rules" is written in a pack, without code.

Each case is a retention rule as a data protection officer would write it in YAML, loaded
inside the minimal pack; the rule the schema parses is the rule that was written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml

from safehold.policy.loader import LoadResult, load_bytes
from safehold.policy.schema import (
    Action,
    After,
    AgeAtIs,
    Birthday,
    Earliest,
    NoPeriod,
    RetentionRule,
    When,
)
from tests.builders import MINIMAL, minimal
from tests.policy.helpers import plain

FLAGS = yaml.safe_load(
    """
- {code: looked-after, name: Looked after by the Local Authority}
- {code: child-protection-plan, name: Subject of a Child Protection Plan}
- {code: sen, name: Has special educational needs}
"""
)
# "an event of the service, not of the person": declared by the pack, dated on the service.
EVENTS = yaml.safe_load(
    "- {code: contract-ended, name: The contract for the service ended, of: service}"
)
SERVICES = [
    {**yaml.safe_load(MINIMAL)["services"][0], "dates": {"contract-ended": date(2027, 3, 31)}}
]


def rule(keep: str, *, action: str = "destroy") -> dict[str, Any]:
    """A case-file retention rule whose period is `keep`, written as in a pack."""
    return {
        "code": "rule",
        "name": "Case files",
        "statement": "Case files are kept as the rule says.",
        "unit": "case-file",
        "keep": yaml.safe_load(keep),
        "action": action,
    }


# Someone may record the flags (and relationships) the rules depend on, through the gate.
ROLES = [
    {
        "code": "case-worker",
        "name": "Case worker",
        "grants": [{"categories": ["*"], "actions": ["read", "write"]}],
    }
]


def pack_text(*rules: dict[str, Any], **changes: Any) -> str:
    """The minimal pack, with the flags and service event above, and these retention rules."""
    sections = {"flags": FLAGS, "events": EVENTS, "services": SERVICES, "roles": ROLES}
    return minimal(**{**sections, **changes}, retention=list(rules))


def load(text: str) -> LoadResult:
    return load_bytes(text.encode())


def line_of(text: str, needle: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(lines) == 1, f"'{needle}' is on lines {lines}"
    return lines[0]


def only_rule(result: LoadResult) -> RetentionRule:
    assert result.ok, [p.format("pack") for p in result.errors]
    assert result.pack is not None
    (parsed,) = result.pack.retention
    return parsed


def parsed_rule(keep: str) -> RetentionRule:
    return only_rule(load(pack_text(rule(keep))))


FORMS = [
    pytest.param(
        "{for: 25 years, after: date-of-birth}",
        "destroy",
        After,
        id="25 years from date of birth",
    ),
    pytest.param(
        "{birthday: 25}",
        "destroy",
        Birthday,
        id="25 years from date of birth, as the 25th birthday",
    ),
    pytest.param(
        """
        if: {any: [{flag: looked-after}, {flag: child-protection-plan}]}
        then: {for: 75 years, after: date-of-birth}
        """,
        "destroy",
        When,
        id="75 years if the child was looked after or had a child protection plan",
    ),
    pytest.param(
        "{earliest: [{for: 5 years, after: case-closed}, {birthday: 18}]}",
        "review",
        Earliest,
        id="5 years after the service ended or the 18th birthday, whichever is first",
    ),
    pytest.param(
        "{for: 12 months, after: case-closed}",
        "anonymise",
        After,
        id="12 months after the service ended",
    ),
    pytest.param(
        "{if: {flag: sen}, then: {birthday: 26}, else: {birthday: 22}}",
        "destroy",
        When,
        id="destroyed on the 22nd birthday, or the 26th where the young person has SEN",
    ),
    pytest.param(
        "{for: 10 years, after: last-contact}",
        "archive",
        After,
        id="10 years after the last contact",
    ),
    pytest.param(
        "{for: 3 years, after: contract-ended}",
        "review",
        After,
        id="3 years after the contract for the service ended",
    ),
    pytest.param(
        # "over 18" read as 18 or older at the end of the order.
        """
        if: {age_at: {event: order-ended, at_least: 18}}
        then: {for: 6 years, after: order-ended}
        """,
        "destroy",
        When,
        id="6 years from the end of a supervision order if the person was over 18",
    ),
]


@pytest.mark.parametrize(("keep", "action", "form"), FORMS)
def test_each_form_is_written_as_data(keep: str, action: str, form: type):
    text = pack_text(rule(keep, action=action))
    result = load(text)
    parsed = only_rule(result)
    assert result.problems == []
    assert isinstance(parsed.keep, form)
    assert plain(parsed.keep) == yaml.safe_load(keep)  # what was written is what was parsed
    assert parsed.action == Action(action)


def test_every_action_is_used_by_some_form():
    """'Each rule ends in an action: destroy, anonymise, archive, or review.'"""
    assert {case.values[1] for case in FORMS} == {str(a) for a in Action}


def test_service_event_is_declared_and_dated():
    """'3 years after the contract for the service ended' (an event of the service)."""
    result = load(pack_text(rule("{for: 3 years, after: contract-ended}")))
    assert result.pack is not None
    (event,) = result.pack.events
    assert (event.code, event.of) == ("contract-ended", "service")
    assert result.pack.services[0].dates == {"contract-ended": date(2027, 3, 31)}


def test_the_whichever_is_first_parts():
    """'5 years after the service ended or the 18th birthday, whichever is first'"""
    keep = parsed_rule("{earliest: [{for: 5 years, after: case-closed}, {birthday: 18}]}").keep
    assert isinstance(keep, Earliest)
    after, birthday = keep.earliest
    assert isinstance(after, After) and isinstance(birthday, Birthday)
    assert (after.for_.amount, after.for_.unit, after.after) == (5, "years", "case-closed")
    assert birthday.birthday == 18


def test_age_condition_parts():
    """'6 years from the end of a supervision order if the person was over 18'"""
    keep = parsed_rule(
        """
        if: {age_at: {event: order-ended, at_least: 18}}
        then: {for: 6 years, after: order-ended}
        """
    ).keep
    assert isinstance(keep, When)
    assert isinstance(keep.if_, AgeAtIs)
    age = keep.if_.age_at
    assert (age.event, age.at_least, age.under) == ("order-ended", 18, None)
    assert keep.else_ is None  # the rule does not apply to those under 18


def test_no_period_stated_is_a_warning_not_an_error():
    """'"no period stated" (flagged as a gap, never silently kept forever)'"""
    text = pack_text(
        rule("{no_period_stated: The notice's schedule is not published.}", action="review")
    )
    result = load(text)
    parsed = only_rule(result)
    assert isinstance(parsed.keep, NoPeriod)
    (warning,) = result.warnings
    assert "states no retention period" in warning.message
    assert warning.line == line_of(text, "keep:")  # the rule's period, which is missing


def test_no_period_inside_a_condition_is_also_a_gap():
    text = pack_text(rule("{if: {flag: looked-after}, then: {no_period_stated: Not published.}}"))
    result = load(text)
    only_rule(result)
    (warning,) = result.warnings
    assert warning.line == line_of(text, "then:")


# --- mistakes are errors, at the line where they were written ---------------------------------


@pytest.mark.parametrize(
    ("keep", "mistake", "message"),
    [
        pytest.param(
            "{for: 5 yaers, after: case-closed}",
            "5 yaers",
            "'5 yaers' is not a period: write a number then years, months, weeks or days, "
            "e.g. '5 years' (did you mean '5 years'?)",
            id="misspelt period",
        ),
        pytest.param(
            "{for: 5 years, after: case-closd}",
            "case-closd",
            "is anchored on 'case-closd', an event that does not exist; did you mean "
            "'case-closed'?",
            id="unknown event anchor",
        ),
        pytest.param(
            "{if: {age_at: {event: order-endd, at_least: 18}}, then: {birthday: 25}}",
            "order-endd",
            "is anchored on 'order-endd', an event that does not exist; did you mean "
            "'order-ended'?",
            id="unknown event in an age condition",
        ),
        pytest.param(
            "{if: {flag: looked-afer}, then: {birthday: 75}}",
            "looked-afer",
            "names the flag 'looked-afer', which the pack does not define; did you mean "
            "'looked-after'?",
            id="unknown flag",
        ),
    ],
)
def test_mistake_is_an_error_on_its_line(keep: str, mistake: str, message: str):
    text = pack_text(rule(keep))
    result = load(text)
    assert not result.ok
    assert result.pack is None
    (error,) = result.errors
    assert message in error.message
    assert error.line == line_of(text, mistake)


def test_every_mistake_is_reported_at_once():
    text = pack_text(
        {**rule("{for: 5 yaers, after: case-closed}"), "code": "first"},
        {**rule("{for: 5 years, after: contract-endd}"), "code": "second"},
    )
    errors = load(text).errors
    assert [(e.line, "5 yaers" in e.message, "contract-endd" in e.message) for e in errors] == [
        (line_of(text, "5 yaers"), True, False),
        (line_of(text, "contract-endd"), False, True),
    ]


def test_a_service_date_needs_a_declared_service_event():
    """A date on a service is only for an event the pack declares 'of: service'."""
    text = minimal(
        events=[{"code": "contract-ended", "name": "Contract ended", "of": "person"}],
        services=SERVICES,
    )
    (error,) = load(text).errors
    assert "not an event of a service" in error.message
    assert error.line == line_of(text, "contract-ended: 2027-03-31")


# --- issue 12: rules that depend on facts nobody can record -------------------------------------


def warnings_of(text: str) -> list[str]:
    return [p.message for p in load(text).problems if p.level == "warning"]


def test_pack_check_warns_on_a_flag_nobody_can_record():
    looked_after = rule("{if: {flag: looked-after}, then: {birthday: 75}}")
    assert warnings_of(pack_text(looked_after)) == []
    found = warnings_of(pack_text(looked_after, roles=[]))
    assert found == [
        "retention rule 'rule' depends on the flag 'looked-after', which nobody can record: no "
        "category that a role may write holds personflag.flag and personflag.holds, so it stays "
        "unknown and its units are never dated on this rule"
    ]


def test_pack_check_warns_on_an_event_of_a_person_nobody_can_record():
    events = [*EVENTS, {"code": "adopted", "name": "Adopted", "of": "person"}]
    adopted = rule("{for: 10 years, after: adopted}")
    # Staff record its date on the events page, and retention reads it: no warning...
    assert warnings_of(pack_text(adopted, events=events)) == []
    # ... unless no role may write it: then every unit waits for it for ever.
    found = warnings_of(pack_text(adopted, events=events, roles=[]))
    assert found == [
        "retention rule 'rule' is anchored on 'adopted', an event of a person whose date nobody "
        "can record: no category that a role may write holds recordedevent.event and "
        "recordedevent.on, so every unit this rule applies to waits for it and is never dated "
        "on this rule"
    ]
    # An event of a service is dated by the DPO on the service dates page: no warning.
    assert warnings_of(pack_text(rule("{for: 3 years, after: contract-ended}"))) == []


def test_pack_check_warns_on_a_young_persons_birthday_without_relationships():
    family = {**rule("{birthday: 25, of: young-person}"), "unit": "non-case-file"}
    assert warnings_of(pack_text(family)) == []
    found = warnings_of(pack_text(family, roles=[]))
    assert len(found) == 1 and "no role may record a relationship" in found[0]


def test_a_floor_names_an_event_that_exists():
    floored = {**rule("{birthday: 18}"), "not_before": "case-closd"}
    problems = load(pack_text(floored)).problems
    assert [p.level for p in problems] == ["error"]
    assert "did you mean 'case-closed'?" in problems[0].message
    assert problems[0].line == line_of(pack_text(floored), "not_before")


def test_the_new_forms_are_written_as_data():
    family = {**rule("{birthday: 25, of: young-person}"), "unit": "non-case-file"}
    goes = {**rule("{goes_with: case-file}"), "code": "goes", "unit": "person"}
    floored = {**rule("{birthday: 18}"), "code": "floored", "not_before": "case-closed"}
    result = load(pack_text(family, goes, floored))
    assert result.problems == [] and result.pack is not None
    parsed = {r.code: r for r in result.pack.retention}
    assert parsed["rule"].keep == Birthday(birthday=25, of="young-person")
    assert parsed["goes"].keep.model_dump() == {"goes_with": "case-file"}
    assert parsed["floored"].not_before == "case-closed"
    bad = load(pack_text({**rule("{birthday: 25, of: parent}")})).problems
    assert bad and bad[0].level == "error"
