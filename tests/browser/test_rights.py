"""Rights requests, in a browser: the DPO records a subject access request made by a parent for
a child, finds it by due date, pauses the clock for identity, resumes it, records the child's
understanding, and closes it; then reads requests over time. Every page passes axe."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from safehold.rights.models import RightsRequest

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SAFEHOLD_SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"rights-{name}.png"), full_page=True)


def fill_date(page: Page, group: str, day: date) -> None:
    fieldset = page.get_by_role("group", name=group)
    fieldset.get_by_label("Day").fill(str(day.day))
    fieldset.get_by_label("Month").fill(str(day.month))
    fieldset.get_by_label("Year").fill(str(day.year))


def test_dpo_records_and_answers_a_request_on_its_clock(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    page = browser_page
    world = browser_world
    today = timezone.localdate()
    child = world.person(
        given_name="Tamsin", family_name="Oakhurst", date_of_birth=today - timedelta(days=13 * 366)
    )
    world.case(person=child)
    dpo = staff("data-protection-officer", username="dana")

    signed_in(page, dpo)
    page.goto("/data-protection/")
    expect(page.get_by_role("heading", name="Rights requests")).to_be_visible()
    page.get_by_role("link", name="Record a request").first.click()
    expect(page.get_by_role("heading", name="Record a request")).to_be_visible()
    axe(page)
    # Sent empty: every problem named, nothing recorded; the error on the search box.
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_role("alert")).to_contain_text("Select the person the request is about")
    page.get_by_role("alert").get_by_role("link", name="Select the person").click()
    expect(page.get_by_label("Find the person the request is about")).to_be_focused()
    shot(page, "new-error")
    axe(page)
    # Found by searching (a misspelt family name forgiven), picked from what was found.
    page.get_by_label("Find the person the request is about").fill("Tamsin Oakhirst")
    page.get_by_role("button", name="Search").click()
    choice = page.get_by_role("radio", name=f"Tamsin Oakhurst (P{child.pk})")
    expect(choice).to_be_visible()
    shot(page, "new-found")
    axe(page)
    received = today - timedelta(days=3)
    choice.check()
    page.get_by_label("Right of access").check()
    fill_date(page, "Date received", received)
    page.get_by_label("A parent or carer").check()
    page.get_by_label("Name of the person who made it").fill("Mrs Oakhurst")
    page.get_by_label("Their authority to act for the person").fill(
        "Mother, parental responsibility; birth certificate seen"
    )
    page.get_by_label("Email").check()
    page.get_by_label("What is asked").fill("Everything the service holds about my daughter")
    page.get_by_label("Asked for, awaited").check()
    page.get_by_role("button", name="Record the request").click()
    made = RightsRequest.objects.get()
    expect(page.get_by_role("heading", name="Right of access: Tamsin Oakhurst")).to_be_visible()
    expect(page.get_by_text(f"Request {made.reference} recorded")).to_be_visible()
    shot(page, "request")
    axe(page)

    page.get_by_role("button", name="Pause the clock").click()
    fill_date(page, "Date the clock stopped", received + timedelta(days=1))
    page.get_by_label("Awaiting proof of identity").check()
    page.get_by_role("button", name="Pause the clock").click()
    expect(page.get_by_text("Clock paused", exact=True)).to_be_visible()
    expect(page.get_by_text("days left when it resumes")).to_be_visible()
    axe(page)

    page.get_by_role("link", name="Open requests").click()
    page.get_by_role("link", name="Paused: 1").click()
    expect(page.get_by_role("table")).to_contain_text("Tamsin Oakhurst")
    shot(page, "list")
    axe(page)
    page.get_by_role("link", name=made.reference).click()

    page.get_by_role("button", name="Resume the clock").click()
    fill_date(page, "Date what was asked for arrived", today)
    page.get_by_role("button", name="Resume the clock").click()
    expect(page.get_by_text("Clock resumed: due")).to_be_visible()

    page.get_by_role("button", name="Record the child's understanding").click()
    page.get_by_role("group", name="Can the child understand their rights?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("group", name="Did the child authorise").get_by_label("Yes").check()
    page.get_by_label("Why: what the decision rests on").fill(
        "Aged 12; met with her case manager and agreed her mother may ask"
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The child's understanding is recorded")).to_be_visible()

    page.get_by_role("button", name="Close the request").click()
    axe(page)
    fill_date(page, "Date answered or closed", today)
    page.get_by_label("Answered in full").check()
    page.get_by_role("button", name="Close the request").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Request {made.reference} closed on time")
    history = page.get_by_role("table", name="What was done on this request")
    expect(history).to_contain_text("Clock paused")
    expect(history).to_contain_text("authorised the requester")
    shot(page, "closed")
    axe(page)

    page.get_by_role("link", name="Requests over time").click()
    expect(page.get_by_text("1 of 1 requests closed were answered on time")).to_be_visible()
    expect(page.get_by_role("img", name="Requests received and closed each month")).to_be_visible()
    shot(page, "chart")
    axe(page)


def test_a_subject_access_request_from_receipt_to_release(
    browser, live_server, browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    """Received, compiled through the gate, each third party decided with its ground,
    approved by a second DPO, released: the request closes and the files are there."""
    from safehold.records.models import Contact, Relationship
    from safehold.rights import services

    page = browser_page
    world = browser_world
    child = world.person(given_name="Rowan", family_name="Ellery")
    mum = world.person(given_name="Delphine", family_name="Ellery", phone="07700 900321")
    Relationship.objects.create(person=child, other=mum, kind="parent")
    case = world.case(person=child)
    Contact.objects.create(
        case=case,
        kind="home-visit",
        occurred_at=timezone.now(),
        notes="Rowan at home; Delphine Ellery said the neighbour at 3 Orchard Close helps.",
        pack_version_id=world.version_id,
    )
    reviewer = staff("data-protection-officer", username="dana")
    approver = staff("data-protection-officer", username="ade")
    made = services.receive(child, "access", received_on=timezone.localdate(), by=reviewer)

    signed_in(page, reviewer)
    page.goto(f"/data-protection/requests/{made.pk}/")
    page.get_by_role("button", name="Compile and review the bundle").click()
    expect(page.get_by_role("heading", name="Bundle: Rowan Ellery")).to_be_visible()
    table = page.get_by_role("table", name="Proposed redactions")
    expect(table).to_contain_text("Parent: Delphine Ellery")
    expect(table).to_contain_text("3 Orchard Close")
    shot(page, "bundle-review")
    axe(page)
    for select in page.locator("select.govuk-select").all():
        label = select.evaluate("e => e.labels[0].textContent")
        select.select_option(
            label="Disclose: already known to the requester"
            if "Delphine" in label and "Ellery" in label
            else "Withhold: another person's information (DPA 2018 Sch 2 para 16)"
        )
    page.get_by_role("button", name="Save these decisions").click()
    expect(page.get_by_text("Every proposed redaction is decided")).to_be_visible()
    expect(page.get_by_role("table", name="Redaction log")).to_contain_text(
        "Withhold: another person's information"
    )
    axe(page)

    other = browser.new_context(base_url=live_server.url, locale="en-GB")
    second = other.new_page()
    signed_in(second, approver)
    second.goto(f"/data-protection/requests/{made.pk}/bundle/")
    second.get_by_role("button", name="Approve the release").click()
    expect(second.get_by_text("Approved for release by")).to_be_visible()
    other.close()

    page.reload()
    page.get_by_role("button", name="Release the bundle and close the request").click()
    expect(page.get_by_role("alert")).to_contain_text(f"request {made.reference} closed")
    expect(page.get_by_role("link", name="The same as a PDF")).to_be_visible()
    shot(page, "bundle-released")
    axe(page)
    if SHOTS:
        pdf = page.request.get(f"/data-protection/requests/{made.pk}/bundle.pdf")
        (Path(SHOTS) / "rights-bundle.pdf").write_bytes(pdf.body())
        html = page.request.get(f"/data-protection/requests/{made.pk}/bundle.html")
        (Path(SHOTS) / "rights-bundle.html").write_bytes(html.body())
    made.refresh_from_db()
    assert (made.status, made.outcome) == ("closed", "part")


def test_a_rectification_restricted_while_decided_then_refused_with_a_statement(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    from safehold.rights import services

    page = browser_page
    world = browser_world
    person = world.person(given_name="Ines", family_name="Harrowgate")
    world.case(person=person)
    dpo = staff("data-protection-officer", username="dana")
    made = services.receive(person, "rectification", received_on=timezone.localdate(), by=dpo)
    signed_in(page, dpo)
    page.goto(f"/data-protection/requests/{made.pk}/")
    expect(page.get_by_role("link", name="edit Ines Harrowgate's details")).to_be_visible()
    page.get_by_role("button", name="Restrict processing while deciding").click()
    page.get_by_role("button", name="Restrict processing").click()
    expect(page.get_by_role("alert")).to_contain_text("Processing restricted")
    page.get_by_role("button", name="Decide the request").click()
    axe(page)
    page.get_by_label("Refuse the request").check()
    page.get_by_label("Ground, if refused").select_option(
        label="The information is accurate (a record of what was said or assessed)"
    )
    page.get_by_label("Reason, as the requester will be told it").fill(
        "The assessment records what the assessor found on the day."
    )
    page.get_by_label("The person's own statement").fill("I did not say that at the meeting.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Request {made.reference} refused")
    expect(page.get_by_text("I did not say that at the meeting.")).to_be_visible()
    expect(page.get_by_role("table", name="What was done on this request")).to_contain_text(
        "Restriction of processing ended"
    )
    shot(page, "rectification")
    axe(page)


def test_an_erasure_refused_on_the_lawful_basis(
    browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    from safehold.rights import services

    page = browser_page
    world = browser_world
    person = world.person(given_name="Bram", family_name="Ostrowski")
    world.case(person=person)
    dpo = staff("data-protection-officer", username="dana")
    made = services.receive(person, "erasure", received_on=timezone.localdate(), by=dpo)
    signed_in(page, dpo)
    page.goto(f"/data-protection/requests/{made.pk}/")
    expect(page.get_by_role("button", name="Restrict processing while deciding")).to_have_count(0)
    page.get_by_role("button", name="Decide the request").click()
    # Sent without a ground: the error names it; nothing is decided.
    page.get_by_label("Refuse the request").check()
    page.get_by_label("Reason, as the requester will be told it").fill("We must keep it.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Select the ground for refusing")
    axe(page)
    page.get_by_label("Ground, if refused").select_option(
        label="Erasure does not apply: we process it to meet a legal obligation (Article 17(3)(b))"
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Request {made.reference} refused")
    expect(page.get_by_text("Refused: Erasure does not apply").first).to_be_visible()
    shot(page, "erasure-refused")
    axe(page)


def test_the_bundle_holds_consents_and_the_disclosure_log_reviewed(
    browser, live_server, browser_page: Page, browser_world, staff, signed_in, axe
) -> None:
    """A young person's consents (a parent deciding for them, then withdrawn) and a share to
    the police are in the bundle the DPO compiles; the parent's name and the police officer
    are proposed for redaction like anyone's, and the released copy has both sections."""
    from safehold.access.gate import Gate, ShareOrder
    from safehold.rights import services
    from safehold.sharing.models import Capacity
    from tests.sharing.conftest import given

    page = browser_page
    world = browser_world
    child = world.person(given_name="Orla", family_name="Penhallow")
    worker = staff("youth-justice-officer", username="yasmin")
    case = world.case(person=child, allocated_to=worker)
    gate = Gate(worker)
    consent = gate.record_consent(
        child.pk,
        given(
            "national-data-opt-out",
            by="family-member",
            given_by_name="Morwenna Penhallow",
            capacity=Capacity.NOT_COMPETENT,
            capacity_reason="Orla was too unwell that week to decide for herself.",
        ),
    )
    gate.withdraw_consent(consent.pk, on=date(2025, 7, 1), how="verbal", given_by="young-person")
    gate.share(
        case.pk,
        ShareOrder(
            "police",
            "statutory-youth-justice",
            "safeguarding",
            records=("person",),
            reason="Risk of harm reported at the visit.",
            recipient_contact="PC Gideon Trask, Cambridge station",
        ),
    )
    reviewer = staff("data-protection-officer", username="dana")
    approver = staff("data-protection-officer", username="ade")
    made = services.receive(child, "access", received_on=timezone.localdate(), by=reviewer)

    signed_in(page, reviewer)
    page.goto(f"/data-protection/requests/{made.pk}/bundle/")
    contents = page.locator("#contents")
    expect(contents).to_contain_text("Your consents, objections and preferences")
    expect(contents).to_contain_text("Who we shared your information with")
    expect(page.locator("#compiled")).to_contain_text("Compiled through the gate")
    table = page.get_by_role("table", name="Proposed redactions")
    expect(table).to_contain_text("Morwenna Penhallow")
    expect(table).to_contain_text("PC Gideon Trask, Cambridge station")
    shot(page, "bundle-consents-review")
    axe(page)
    page.get_by_role("button", name="Compile again").click()
    expect(page.get_by_text("Compiled again from the records as they are now")).to_be_visible()
    for select in page.locator("select.govuk-select").all():
        select.select_option(
            label="Withhold: another person's information (DPA 2018 Sch 2 para 16)"
        )
    page.get_by_role("button", name="Save these decisions").click()
    expect(page.get_by_text("Every proposed redaction is decided")).to_be_visible()
    axe(page)
    other = browser.new_context(base_url=live_server.url, locale="en-GB")
    second = other.new_page()
    signed_in(second, approver)
    second.goto(f"/data-protection/requests/{made.pk}/bundle/")
    second.get_by_role("button", name="Approve the release").click()
    expect(second.get_by_text("Approved for release by")).to_be_visible()
    other.close()
    page.reload()
    page.get_by_role("button", name="Release the bundle and close the request").click()
    expect(page.get_by_role("alert")).to_contain_text(f"request {made.reference} closed")
    axe(page)
    # The accessible HTML copy (a download), opened as the requester would.
    page.set_content(page.request.get(f"/data-protection/requests/{made.pk}/bundle.html").text())
    expect(page.get_by_role("heading", name="Who we shared your information with")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Your consents, objections and preferences")
    ).to_be_visible()
    body = page.locator("body")
    expect(body).to_contain_text("Risk of harm reported at the visit.")
    expect(body).not_to_contain_text("Gideon Trask")
    expect(body).not_to_contain_text("Morwenna")
    shot(page, "bundle-consents-released")
    axe(page)
