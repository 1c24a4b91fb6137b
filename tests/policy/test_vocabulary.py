"""What a pack can now say that the notices we had not seen needed, each as the sentence the
notice or the record of processing prints from it (issue 12, all but retention)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from safehold.policy.loader import load_bytes
from safehold.policy.notice import notice_text
from safehold.policy.ropa import ropa_json, ropa_rows
from safehold.policy.schema import Pack
from tests.builders import MINIMAL, minimal

PURPOSE: dict[str, Any] = {
    "code": "youth-justice",
    "name": "Youth justice",
    "categories": ["identity", "health", "offending"],
    "lawful_basis": ["public-task"],
    "special_category_conditions": ["substantial-public-interest", "sch1-p2-6"],
    "criminal_offence_conditions": ["official-authority"],
}
TWO_ORGANISATIONS = [
    {"code": "provider", "name": "Youth Provider Ltd"},
    {"code": "council", "name": "Test Council"},
]
SERVICES = [
    {"code": "court-orders", "name": "Court orders", "controller": "provider"},
    {
        "code": "early-help",
        "name": "Early help",
        "controller": "provider",
        "acting_as": "processor",
        "on_behalf_of": "council",
    },
]


def test_controller_for_some_services_processor_for_others(build: Callable[..., Pack]) -> None:
    pack = build(
        controllers=TWO_ORGANISATIONS,
        services=SERVICES,
        purposes=[
            {**PURPOSE, "services": ["court-orders"]},
            {
                **PURPOSE,
                "code": "early-help-work",
                "name": "Early help",
                "services": ["early-help"],
            },
        ],
    )
    text = notice_text(pack)
    assert "Court orders; Data controller: Youth Provider Ltd" in text
    assert (
        "Early help; Data controller: Test Council (controller); Youth Provider Ltd runs it "
        "for them as processor" in text
    )
    rows = {r["purpose_code"]: r for r in ropa_rows(pack)}
    assert rows["youth-justice"]["article"] == "30(1)"
    assert rows["youth-justice"]["a_controller"] == "Youth Provider Ltd"
    assert rows["youth-justice"]["processor"] == "None"
    assert rows["early-help-work"]["article"] == "30(2)"
    assert rows["early-help-work"]["a_controller"] == "Test Council"
    assert rows["early-help-work"]["processor"] == (
        "Youth Provider Ltd, acting as processor (UK GDPR Article 30(2))"
    )
    record = ropa_json(pack)
    assert [r["purpose_code"] for r in record["records"]] == ["youth-justice"]
    assert [r["purpose_code"] for r in record["processor_records"]] == ["early-help-work"]


def test_a_processor_service_must_say_for_whom() -> None:
    services = [{**SERVICES[1], "on_behalf_of": None}]
    data = minimal(controllers=TWO_ORGANISATIONS, services=services, purposes=[PURPOSE])
    messages = [p.message for p in load_bytes(data.encode()).errors]
    assert any("must say for which controller, in 'on_behalf_of'" in m for m in messages)
    services = [{**SERVICES[1], "on_behalf_of": "counsil"}]
    data = minimal(controllers=TWO_ORGANISATIONS, services=services, purposes=[PURPOSE])
    messages = [p.message for p in load_bytes(data.encode()).errors]
    assert any("did you mean 'council'?" in m for m in messages), messages


def test_a_purpose_belongs_to_the_controllers_it_names(build: Callable[..., Pack]) -> None:
    pack = build(
        controllers=TWO_ORGANISATIONS,
        services=SERVICES[:1],
        purposes=[PURPOSE, {**PURPOSE, "code": "council-only", "controllers": ["council"]}],
    )
    rows = {r["purpose_code"]: r for r in ropa_rows(pack)}
    # Without services or controllers a purpose is every controller's; naming one narrows it.
    assert rows["youth-justice"]["a_controller"] == "Youth Provider Ltd; Test Council"
    assert rows["council-only"]["a_controller"] == "Test Council"


def test_where_the_data_comes_from(build: Callable[..., Pack]) -> None:
    pack = build(
        categories=[
            {**c, "sources": ["the police", "schools", "you"]} if c["code"] == "offending" else c
            for c in _categories()
        ]
    )
    text = notice_text(pack)
    assert "Where it comes from: The police, schools and you." in text
    assert ropa_rows(pack)[0]["c_sources"] == "Offences: the police, schools and you"


def _categories() -> list[dict[str, Any]]:
    import yaml

    return yaml.safe_load(MINIMAL)["categories"]


def test_the_territorial_scope_of_transfers(build: Callable[..., Pack]) -> None:
    eea = build(transfers={"scope": "uk-and-eea"})
    assert (
        "Your information stays in the UK and the European Economic Area (EEA); we do not send "
        "it anywhere else." in notice_text(eea)
    )
    assert ropa_rows(eea)[0]["e_transfers_outside_uk"] == (
        "Within the UK and the European Economic Area only"
    )
    adequacy = build(transfers={"scope": "adequacy", "countries": ["Ireland", "Canada"]})
    assert (
        "We send information outside the UK only to countries the UK recognises as protecting "
        "it adequately (UK adequacy regulations). Countries: Ireland and Canada."
        in notice_text(adequacy)
    )
    assert "We do not send your information outside the UK." in notice_text(build())
    messages = [
        p.message
        for p in load_bytes(
            minimal(transfers={"scope": "uk-only"}, transfers_outside_uk=True).encode()
        ).errors
    ]
    assert any("disagree" in m for m in messages)


def test_several_qualifications_a_child_and_direct_marketing(build: Callable[..., Pack]) -> None:
    pack = build(
        subjects=[
            {"code": "young-person", "name": "Young people"},
            {"code": "parent", "name": "Parents and carers"},
        ],
        rights={
            "exceptions": [
                {"right": "erasure", "applies": "limited", "reason": "Court records are kept."},
                {
                    "right": "erasure",
                    "applies": "limited",
                    "reason": "Health notes can be deleted when wrong.",
                    "purposes": ["youth-justice"],
                },
            ],
            "on_behalf_of_child": [
                {"child_under": 13, "by": ["parent"], "note": "Older children act for themselves."}
            ],
            "direct_marketing": True,
        },
    )
    text = notice_text(pack)
    assert "Court records are kept.; For Youth justice: Health notes can be deleted" in text
    assert (
        "For a child under 13, this right may be exercised by: Parents and carers. Older "
        "children act for themselves." in text
    )
    assert (
        "Absolute: You can object at any time to our using your information for direct "
        "marketing, and we will then stop: this right is absolute and no exception applies "
        "(UK GDPR Article 21(2) and (3))." in text
    )
    young = notice_text(pack, "young-person")
    assert "Court records are kept. For Youth justice: Health notes can be deleted" in young
    assert "You can always tell us to stop using your information for direct marketing" in young


def test_the_young_persons_version_keeps_every_right(build: Callable[..., Pack]) -> None:
    pack = build(purposes=[{**PURPOSE, "lawful_basis": ["legal-obligation"]}])
    young = notice_text(pack, "young-person")
    assert "Here the law does not give you the right:" in young
    assert "to ask us to delete information" in young.split("does not give you the right:")[1]


def test_the_young_persons_version_speaks_to_the_young_person(
    build: Callable[..., Pack],
) -> None:
    categories = [
        *_categories(),
        {"code": "parents", "name": "Parents' details", "subjects": ["parent"]},
    ]
    pack = build(
        subjects=[
            {"code": "young-person", "name": "Young people"},
            {"code": "parent", "name": "Parents"},
        ],
        categories=categories,
        retention=[
            {
                "code": "yours",
                "name": "Your case file",
                "statement": "Until the 25th birthday.",
                "unit": "case-file",
                "categories": ["identity"],
                "keep": {"birthday": 25},
            },
            {
                "code": "parents",
                "name": "Your parents' details",
                "statement": "Until the 25th birthday.",
                "unit": "case-file",
                "categories": ["parents"],
                "keep": {"birthday": 25},
            },
        ],
    )
    young = notice_text(pack, "young-person")
    assert "Your case file: until your 25th birthday. Then it is" in young
    assert "Your parents' details: until the 25th birthday. Then it is" in young


def test_commitments_are_printed_with_what_keeps_them(build: Callable[..., Pack]) -> None:
    pack = build(
        commitments=[
            {
                "code": "a",
                "text": "Only staff who need it see it.",
                "enforced_by": "gate-role-and-allocation",
            },
            {"code": "b", "text": "We will tell you of a breach.", "stated_only": "not built"},
            {"code": "c", "text": "We never sell it.", "section": "sharing"},
        ]
    )
    text = notice_text(pack)
    assert (
        "Only staff who need it see it. How we keep it: the system enforces it, by access "
        "control (who may see what)." in text
    )
    assert (
        "We will tell you of a breach. How we keep it: stated only; the system does not check it."
        in text
    )
    sharing = text.split("Who we share it with and why")[1].split("How long we keep it")[0]
    assert "We never sell it. How we keep it: stated only" in sharing
    assert "  * We never sell it.\n" in notice_text(pack, "young-person")


def test_assumed_facts_are_marked_for_the_dpo_and_not_printed(build: Callable[..., Pack]) -> None:
    pack = build(purposes=[{**PURPOSE, "assumed": {"lawful_basis": "The notice names no basis."}}])
    text = notice_text(pack)
    assert "Lawful basis: Not stated in this notice." in text
    assert "Public task (UK GDPR Article 6(1)(e))" not in text
    row = ropa_rows(pack)[0]
    assert row["lawful_basis"] == (
        "Public task (UK GDPR Article 6(1)(e)); Assumed (the published notice does not state "
        "it): The notice names no basis."
    )
    assert row["assumed"] == "lawful basis: The notice names no basis."


# --- checks ----------------------------------------------------------------------------------


def _warnings(**changes: object) -> list[str]:
    return [p.message for p in load_bytes(minimal(**changes).encode()).warnings]


def test_check_warns_on_a_category_with_no_field_behind_it() -> None:
    warnings = _warnings(categories=[*_categories(), {"code": "employment", "name": "Jobs"}])
    assert any("no record field is behind the category 'employment'" in w for w in warnings)


def test_check_warns_on_a_commitment_never_printed() -> None:
    warnings = _warnings(commitments=[{"code": "x", "text": "t", "printed": False}])
    assert any("commitment 'x' is never printed in the notice" in w for w in warnings)


def test_check_warns_on_an_assumed_lawful_basis() -> None:
    warnings = _warnings(purposes=[{**PURPOSE, "assumed": "Not in the notice."}])
    assert any("purpose 'youth-justice' is assumed" in w for w in warnings)
    warnings = _warnings(purposes=[{**PURPOSE, "assumed": {"identifiable": "Not in it."}}])
    assert not any("is assumed" in w for w in warnings)


def test_check_warns_on_a_recipient_with_no_condition() -> None:
    warnings = _warnings(
        recipients=[{"code": "police", "name": "Police", "shares": [{"categories": ["*"]}]}]
    )
    assert any("recipient 'police' has no stated condition for sharing" in w for w in warnings)


def test_an_unquoted_comma_in_a_flow_mapping_is_named_at_its_line() -> None:
    text = MINIMAL.replace(
        "  - {code: identity, name: Names,",
        "  - {code: midwifery, name: Midwifery, examples: doctors, midwives}\n"
        "  - {code: identity, name: Names,",
    )
    line = (
        text.splitlines().index(
            "  - {code: midwifery, name: Midwifery, examples: doctors, midwives}"
        )
        + 1
    )
    errors = load_bytes(text.encode()).errors
    assert not any("is not something a pack can say here" in p.message for p in errors)
    cut = [p for p in errors if "'midwives' has no value" in p.message]
    assert len(cut) == 1
    column = text.splitlines()[line - 1].index("midwives") + 1
    assert (cut[0].line, cut[0].column) == (line, column)
    assert "the text after 'doctors' was cut at the comma" in cut[0].message
    assert 'Put text that contains a comma in quotes, e.g. "..., midwives"' in cut[0].message


def test_who_acts_for_a_child_and_qualified_purposes_must_exist() -> None:
    data = minimal(
        rights={
            "exceptions": [
                {"right": "erasure", "applies": "limited", "reason": "r", "purposes": ["youth"]}
            ],
            "on_behalf_of_child": [{"child_under": 13, "by": ["parents"]}],
        }
    )
    messages = [p.message for p in load_bytes(data.encode()).errors]
    assert any("names the purpose 'youth'" in m for m in messages), messages
    assert any("names the data subject 'parents'" in m for m in messages), messages


def test_an_assumed_qualification_is_for_the_dpo_only(build: Callable[..., Pack]) -> None:
    from safehold.policy.conformance import conformance

    pack = build(
        rights={
            "exceptions": [
                {
                    "right": "portability",
                    "applies": "limited",
                    "reason": "Only what you gave us.",
                    "assumed": "The notice is silent on portability.",
                }
            ]
        }
    )
    assert "Only what you gave us." not in notice_text(pack)
    statements = {s.id: s for s in conformance(pack).statements}
    assert statements["right:portability"].assumed == (
        "Only what you gave us. (The notice is silent on portability.)"
    )
