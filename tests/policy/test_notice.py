"""The privacy notice, regenerated from the pack, says everything the published one says."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from safehold.policy.loader import load_file
from safehold.policy.notice import (
    SECTION_ORDER,
    VARIANTS,
    notice_document,
    notice_text,
    render_html,
    render_markdown,
)
from safehold.policy.ropa import ropa_csv
from safehold.policy.schema import Pack
from tests.builders import PACK_FILES
from tests.policy.helpers import load_pack

POSTAL = (
    "Information and Records Team, OCT1224, Cambridgeshire County Council, Shire Hall, "
    "Cambridge, CB3 0AP"
)


@pytest.fixture(scope="module")
def text(cambridgeshire: Pack) -> str:
    return notice_text(cambridgeshire)


def test_states_every_retention_period(text: str) -> None:
    for period in ("25", "75", "6 years"):
        assert period in text
    # Cambridgeshire's readings of its periods are assumed ("25 years" has no anchor): the
    # public sees the notice's own words, never the reading as if the notice had said it.
    assert "Young Offenders case files are kept for 25years." in text
    assert "Until the 25th birthday" not in text
    assert "6 years after the date the record was last changed" not in text
    # The notice's own sentences are kept, and the action is stated.
    assert "If a young person is looked after by the Local Authority" in text
    assert "It is securely destroyed." in text


def test_states_every_recipient(cambridgeshire: Pack, text: str) -> None:
    for recipient in cambridgeshire.recipients:
        assert recipient.name in text
    for name in (
        "Police",
        "Courts",
        "Inspectorates of our service",
        "Regulatory bodies",
        "People with authority to investigate complaints",
        "NHS",
    ):
        assert name in text
    assert "when there is a risk to the safety of you or other people" in text.lower()
    # Cambridgeshire's notice says nothing of transfers abroad: its 'uk-only' is assumed, so
    # the public is told the notice is silent rather than a promise it never made.
    assert "This notice does not say whether information is sent outside the UK." in text
    assert "We do not send your information outside the UK." not in text


@pytest.mark.parametrize(
    "right",
    [
        "Right of access",
        "Right to rectification",
        "Right to erasure",
        "Right to restrict processing",
        "Right to data portability",
        "Right to object",
        "automated decision-making",
    ],
)
def test_states_every_right_in_the_original(text: str, right: str) -> None:
    assert right in text


def test_states_every_contact(text: str) -> None:
    assert "Data.protection@cambridgeshire.gov.uk" in text
    assert "01223 699137" in text
    assert POSTAL in text
    assert "Information Commissioner's Office" in text
    assert "https://ico.org.uk" in text


def test_lawful_basis_is_cited_unless_assumed(text: str) -> None:
    # Cambridgeshire's notice states no lawful basis: its assumed ones are not printed.
    assert "Public task (UK GDPR Article 6(1)(e))" not in text
    assert "UK GDPR Article 9(2)(g)" not in text
    assert text.count("Lawful basis: Not stated in this notice.") == 4
    assert "Crime and Disorder Act 1998" in text
    # Leicestershire states its bases; only its assumed Article 10 reading is left out.
    leicestershire = notice_text(load_pack("leicestershire-cfws").pack)  # type: ignore[arg-type]
    assert "Public task (UK GDPR Article 6(1)(e))" in leicestershire
    assert "DPA 2018 Schedule 1 paragraph 2" in leicestershire


def test_categories_marked_special_and_criminal(text: str) -> None:
    assert "Health needs (special category data)" in text
    assert "Details of offences and the response to these (criminal offence data)" in text


def test_sections_in_order(cambridgeshire: Pack, text: str) -> None:
    document = notice_document(cambridgeshire)
    assert [s.id for s in document.sections] == [*SECTION_ORDER, "enforcement"]
    positions = [text.index(f"\n{s.heading}\n") for s in document.sections]
    assert positions == sorted(positions)


def test_pack_wording_comes_before_the_facts(text: str) -> None:
    words = text.index("We only keep information for as long as it is needed")
    assert words < text.index("Young Offenders case files are kept for 25years.")
    assert text.index("Any such request can be submitted") < text.index("Right of access")


def test_full_page(cambridgeshire: Pack) -> None:
    html = render_html(cambridgeshire, "full")
    assert html.startswith("<!DOCTYPE html>")
    assert '<h1 class="govuk-heading-xl">Youth Offending service privacy notice</h1>' in html
    assert 'href="mailto:Data.protection@cambridgeshire.gov.uk"' in html
    assert "govuk-summary-card" in html and "govuk-table" in html
    assert "/static/css/app.css" in html and "/static/js/govuk-frontend.min.js" in html
    assert "initAll()" in html
    assert "Information Commissioner&#39;s Office" in html
    assert 'href="/privacy/cambridgeshire-yos/young-people/"' in html
    assert 'href="/privacy/cambridgeshire-yos/record-of-processing.csv"' in html


def test_print_has_the_same_facts_and_a_print_button(cambridgeshire: Pack) -> None:
    full = notice_document(cambridgeshire, "full")
    printed = notice_document(cambridgeshire, "print")
    assert printed.sections == full.sections
    html = render_html(cambridgeshire, "print")
    assert "Print this notice" in html
    button = re.search(r"<button[^>]*>\s*Print this notice", html)
    assert button is not None and "app-no-print" in button.group(0)
    assert 'class="app-notice-section"' in html
    assert "1. Who we are" in html


def test_young_persons_version_uses_plain_words(cambridgeshire: Pack) -> None:
    text = notice_text(cambridgeshire, "young-person")
    html = render_html(cambridgeshire, "young-person")
    for legal in ("Article 6(1)(e)", "Article", "UK GDPR", "Schedule 1", "DPA 2018"):
        assert legal not in text
        assert legal not in html
    # The pack's plain words and its young person's texts.
    assert "This tells you what the Youth Offending Service writes down about you" in text
    assert "your health" in text
    # Assumed bases and readings are not told to the young person as if the notice said them.
    assert "it is part of our official job, set out in law" not in text
    assert "until your 25th birthday" not in text
    assert "Young offenders' case files: Young Offenders case files are kept for 25years." in text
    assert "to get a copy of your information" in text
    assert "Data.protection@cambridgeshire.gov.uk" in text
    assert "Information Commissioner's Office" in text


def test_markdown(cambridgeshire: Pack) -> None:
    markdown = render_markdown(cambridgeshire)
    assert markdown.startswith("# Youth Offending service privacy notice\n")
    assert "\n## How long we keep it\n" in markdown
    assert "| Information | What we say | How long we keep it | What happens then |" in markdown
    assert (
        "[Data.protection@cambridgeshire.gov.uk](mailto:Data.protection@cambridgeshire.gov.uk)"
        in markdown
    )


def test_any_valid_pack_renders(build: Callable[..., Pack]) -> None:
    pack = build()
    for variant in VARIANTS:
        assert "Test Youth Justice Service" in render_html(pack, variant)
    text = notice_text(pack)
    assert "Courts" in text and "Until the 25th birthday" in text
    # A pack without consents, security or an acknowledgement still says so.
    assert "does not list any consents or preferences" in text
    assert "does not describe the security measures" in text


def test_gaps_transfers_and_authority_details(build: Callable[..., Pack]) -> None:
    pack = build(
        recipients=[
            {
                "code": "cloud",
                "name": "Case system supplier",
                "kind": "processor",
                "country": "United States",
                "transfer_safeguard": "UK International Data Transfer Agreement",
                "shares": [{"categories": ["*"], "purposes": ["youth-justice"]}],
            }
        ],
        retention=[
            {
                "code": "other",
                "name": "Other records",
                "statement": "Retention periods are set out in our Retention Schedule.",
                "unit": "non-case-file",
                "keep": {"no_period_stated": "The schedule is not published."},
            }
        ],
        transfers_outside_uk=True,
        supervisory_authority={
            "name": "Information Commissioner's Office",
            "post": "Wycliffe House, Water Lane, Wilmslow, Cheshire. SK9 5AF",
            "phone": [
                {"number": "0303 123 1113", "label": "local rate"},
                {"number": "01625 545 745", "label": "national rate"},
            ],
            "email": "casework@ico.org.uk",
            "website": "www.ico.org.uk",
            "complain_first": True,
        },
    )
    text = notice_text(pack)
    assert "Case system supplier" in text
    assert "United States, outside the UK." in text
    assert "UK International Data Transfer Agreement" in text
    assert "We send some information outside the UK" in text
    assert "No period is stated" in text
    assert (
        "Warning: This notice does not say when we share information with Case system supplier."
        in text
    )
    assert "Warning: No retention period is stated for: Other records." in text
    assert "0303 123 1113 (local rate)" in text and "01625 545 745 (national rate)" in text
    assert "casework@ico.org.uk" in text and "Wycliffe House" in text
    assert "would like you to complain to us first" in text
    html = render_html(pack, "full")
    assert 'href="https://www.ico.org.uk"' in html
    assert "govuk-warning-text" in html and "govuk-inset-text" in html


def test_html_is_escaped(build: Callable[..., Pack]) -> None:
    pack = build(name="Test <script>alert(1)</script> Service")
    for variant in VARIANTS:
        html = render_html(pack, variant)
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;" in html


def test_unknown_variant(cambridgeshire: Pack) -> None:
    with pytest.raises(ValueError, match="unknown notice variant"):
        notice_document(cambridgeshire, "large-print")  # type: ignore[arg-type]


@pytest.mark.parametrize("path", PACK_FILES, ids=[p.stem for p in PACK_FILES])
def test_pack_renders_in_every_variant(path: Path) -> None:
    result = load_file(path)
    assert result.pack is not None, result.problems
    for variant in VARIANTS:
        html = render_html(result.pack, variant)
        assert result.pack.name in html.replace("&#39;", "'")
    young = notice_text(result.pack, "young-person")
    assert "Article 6(1)" not in young
    assert render_markdown(result.pack).startswith("# ")


def test_empty_table_columns_are_left_out(build: Callable[..., Pack]) -> None:
    pack = build()  # its one service has no description and no ages
    services = next(
        b
        for b in notice_document(pack).sections[0].blocks
        if getattr(b, "caption", None) == "Our services"
    )
    assert services.head == ["Service", "Law"]  # type: ignore[union-attr]


def test_the_floor_and_unrecorded_facts_are_printed(cambridgeshire: Pack) -> None:
    """Issue 12: what the rules now enforce, in regenerated sentences."""
    luton = load_file(next(p for p in PACK_FILES if p.name == "luton-yps.yaml")).pack
    assert luton is not None
    # Both packs' readings of these sentences are the pack author's (`assumed`): the DPO's
    # record of processing says them, the public notice keeps the notice's own words
    # (ADR 0017).
    floor = (
        "5 years after the date the service ended or until the 18th birthday, whichever is "
        "first, but never before the date the service ended"
    )
    assert floor in " ".join(ropa_csv(luton).split())
    assert floor not in " ".join(notice_text(luton).split())
    regenerated = (
        "until the 75th birthday if looked after by the Local Authority or subject of a Child "
        "Protection Plan; where it is not recorded whether looked after by the Local Authority "
        "or subject of a Child Protection Plan, a person reviews it before anything is deleted"
    )
    flat = " ".join(ropa_csv(cambridgeshire).split())
    assert regenerated in flat.replace("Until", "until")
    assert regenerated not in " ".join(notice_text(cambridgeshire).split()).replace(
        "Until", "until"
    )


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_young_persons_version_says_who_we_tell_under_what_rule(path: Path) -> None:
    """Each recipient's gateways, items, what is never sent and whether the young person's
    agreement decides, in their words, from the statements the gate enforces."""
    from safehold.policy.notice.full import item_words
    from safehold.sharing.decide import consent_dependence

    pack = load_file(path).pack
    assert pack is not None
    text = notice_text(pack, "young-person")
    section = text[text.index("Who we tell") :]
    gateways = {g.code: g for g in pack.gateways}
    words = {
        "required": "Only if you agree. You can change your mind at any time",
        "sought": "We ask you first.",
        "not-needed": "We do not need you to agree to this.",
    }
    for recipient in pack.recipients:
        assert f"\n{recipient.name}\n" in section
        card = section[section.index(f"\n{recipient.name}\n") :]
        for share in recipient.shares:
            assert words[consent_dependence(share, gateways)] in card
            for item in share.never:
                assert item_words(item).lower() in card.lower()
            kinds = {gateways[g].kind for g in share.gateways if g in gateways}
            if "safeguarding" in kinds:
                assert "if you or someone else may be in danger" in card
            if "court-order" in kinds:
                assert "When a court tells us to" in card
    for legal in ("Article", "UK GDPR", "Schedule 1", "DPA 2018"):
        assert legal not in section


def test_young_persons_version_prints_a_share_in_time_and_its_items() -> None:
    import yaml

    from safehold.policy.loader import load_bytes

    path = next(p for p in PACK_FILES if p.stem == "cambridgeshire-yos")
    data = yaml.safe_load(path.read_text())
    data.setdefault("events", []).append(
        {"code": "moved-school", "name": "You move to another school", "of": "person"}
    )
    police = next(r for r in data["recipients"] if r["code"] == "police")
    police["shares"][0].update(
        when={"after": "moved-school", "within": "30 days"},
        items=["initials", "year-of-birth"],
        identifiable="pseudonymised",
    )
    loaded = load_bytes(yaml.safe_dump(data, sort_keys=False).encode())
    assert loaded.pack is not None, loaded.problems
    text = notice_text(loaded.pack, "young-person")
    card = text[text.index("\nPolice\n") :]
    card = card[: card.index("\n\n")]
    assert "Only: Within 30 days after You move to another school." in card
    assert "What we tell them: The person's initials and the year of birth." in card
    assert "Can they tell it is you?: No. They get a code instead of your name" in card
