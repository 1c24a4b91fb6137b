"""The forms that record on a case: GOV.UK date inputs and their messages, an error summary
linked to each field, nothing typed lost, every write through the gate (audited), and the
gate's reason when it refuses."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from safehold.access.models import User
from safehold.audit.models import Action, AuditEvent
from safehold.records.models import Assessment, Case, Contact, Offence, Outcome, Plan, PlanAction
from safehold.web.forms import DateField, GovukForm, time_of
from tests.access.conftest import World
from tests.web.casework import luton_world


class BornForm(GovukForm):
    born = DateField(what="Date of birth", required_message="Enter their date of birth", past=True)


def born(day: str, month: str, year: str) -> BornForm:
    form = BornForm({"born-day": day, "born-month": month, "born-year": year})
    form.is_valid()
    return form


@pytest.mark.parametrize(
    ("typed", "message", "parts"),
    [
        (("", "", ""), "Enter their date of birth", ["day", "month", "year"]),
        (("1", "", "2010"), "Date of birth must include a month", ["month"]),
        (("", "", "2010"), "Date of birth must include a day and month", ["day", "month"]),
        (("31", "2", "2010"), "Date of birth must be a real date", ["day", "month", "year"]),
        (("x", "2", "2010"), "Date of birth must be a real date", ["day"]),
        (("1", "2", "10"), "Year must include 4 numbers", ["year"]),
        (("1", "2", "2999"), "Date of birth must be in the past", ["day", "month", "year"]),
    ],
)
def test_date_messages_and_the_boxes_they_mark(
    typed: tuple[str, str, str], message: str, parts: list[str]
) -> None:
    form = born(*typed)
    assert form.errors["born"] == [message]
    params = form.params("born")
    marked = [i["name"] for i in params["items"] if "govuk-input--error" in i["classes"]]
    assert marked == parts
    assert [i["value"] for i in params["items"]] == list(typed)  # kept as typed
    (link,) = form.error_summary()["errorList"]
    assert link == {"text": message, "href": f"#id_born-{parts[0]}"}


def test_a_real_date_is_a_date() -> None:
    form = born(" 7 ", "03", "2010")
    assert form.is_valid() and form.cleaned_data["born"] == date(2010, 3, 7)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("14:30", time(14, 30)), ("2:30pm", time(14, 30)), ("9.15", time(9, 15)), ("12am", time(0))],
)
def test_times_as_people_type_them(typed: str, expected: time) -> None:
    assert time_of(typed) == expected


@pytest.mark.parametrize("typed", ["14", "25:00", "13pm", "noon", "2:3"])
def test_times_that_are_not(typed: str) -> None:
    with pytest.raises(ValueError):
        time_of(typed)


# --- recording on a case --------------------------------------------------------------------


@pytest.fixture
def officer(cambridgeshire: World) -> User:
    return cambridgeshire.staff("youth-justice-officer", username="casey")


@pytest.fixture
def case(cambridgeshire: World, officer: User) -> Case:
    return cambridgeshire.case(allocated_to=officer)


@pytest.fixture
def client(officer: User, verified_client) -> Client:
    return verified_client(officer)


def url(case: Case, kind: str) -> str:
    return f"/cases/{case.pk}/{kind}s/new/"


def on(day: date, name: str) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def test_record_a_contact(officer: User, case: Case, client: Client) -> None:
    html = client.get(url(case, "contact")).content.decode()
    assert "Record a contact" in html and "Sam Example" in html
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        url(case, "contact"),
        {
            "kind": "home-visit",
            **on(yesterday, "occurred_on"),
            "occurred_time": "2:30pm",
            "notes": "Seen at home",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{case.person_id}/"
    contact = Contact.objects.get()
    assert timezone.localtime(contact.occurred_at).replace(tzinfo=None) == datetime.combine(
        yesterday, time(14, 30)
    )
    assert (contact.notes, contact.created_by, contact.case) == ("Seen at home", officer, case)
    event = AuditEvent.objects.get(action=Action.CREATE)
    assert (event.record_type, event.record_id, event.person_id) == (
        "contact",
        contact.pk,
        case.person_id,
    )
    assert event.category_codes == ("contact-records",)
    html = client.get(response["Location"]).content.decode()
    assert "Contact recorded" in html and "Seen at home" in html


def test_a_contact_with_errors_keeps_what_was_typed(case: Case, client: Client) -> None:
    response = client.post(
        url(case, "contact"),
        {
            "occurred_on-day": "32",
            "occurred_on-month": "1",
            "occurred_on-year": "2025",
            "notes": "Typed notes",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error: Record a contact" in html
    assert 'href="#id_kind"' in html and "Select the type of contact" in html
    assert (
        'href="#id_occurred_on-day"' in html and "Date of the contact must be a real date" in html
    )
    assert 'name="occurred_on-day" type="text" value="32"' in html
    assert ">Typed notes</textarea>" in html
    assert not Contact.objects.exists()


def test_a_contact_cannot_be_in_the_future(case: Case, client: Client) -> None:
    today = timezone.localdate()
    response = client.post(
        url(case, "contact"),
        {"kind": "phone", **on(today, "occurred_on"), "occurred_time": "23:59"},
    )
    if timezone.localtime().time() < time(23, 59):
        assert "Time of the contact must be in the past" in response.content.decode()
    tomorrow = today + timedelta(days=1)
    response = client.post(url(case, "contact"), {"kind": "phone", **on(tomorrow, "occurred_on")})
    assert "Date of the contact must be today or in the past" in response.content.decode()
    response = client.post(
        url(case, "contact"),
        {"kind": "phone", **on(today, "occurred_on"), "occurred_time": "25:00"},
    )
    assert "Enter a real time, like 14:30 or 2:30pm" in response.content.decode()
    assert not Contact.objects.exists()


def test_record_a_plan_with_its_actions(case: Case, client: Client) -> None:
    response = client.post(
        url(case, "plan"),
        {
            "kind": "intervention",
            **on(date(2025, 5, 1), "starts_on"),
            **on(date(2025, 8, 1), "review_on"),
            "action-TOTAL_FORMS": "3",
            "action-INITIAL_FORMS": "0",
            "action-0-description": "Attend school every day",
            **on(date(2025, 6, 1), "action-0-due_on"),
            "action-1-description": "Meet the youth worker weekly",
            "action-2-description": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = Plan.objects.get()
    assert (plan.kind, plan.review_on) == ("intervention", date(2025, 8, 1))
    actions = PlanAction.objects.filter(plan=plan).order_by("pk")
    assert [(a.description, a.due_on) for a in actions] == [
        ("Attend school every day", date(2025, 6, 1)),
        ("Meet the youth worker weekly", None),
    ]
    created = AuditEvent.objects.filter(action=Action.CREATE)
    assert sorted(created.values_list("record_type", flat=True)) == [
        "plan",
        "planaction",
        "planaction",
    ]


def test_a_plan_with_errors_keeps_its_actions(case: Case, client: Client) -> None:
    response = client.post(
        url(case, "plan"),
        {
            "kind": "safety",
            **on(date(2025, 5, 1), "starts_on"),
            **on(date(2025, 4, 1), "review_on"),
            "action-TOTAL_FORMS": "3",
            "action-INITIAL_FORMS": "0",
            "action-0-description": "Keep this",
            **on(date(2025, 6, 1), "action-1-due_on"),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Review date must be after the start date" in html and 'href="#id_review_on-day"' in html
    assert "Enter what will be done, or remove the date due" in html
    assert 'href="#id_action-1-description"' in html
    assert ">Keep this</textarea>" in html
    assert not Plan.objects.exists()


def test_record_an_assessment_an_offence_and_an_outcome(case: Case, client: Client) -> None:
    posts = [
        (
            "assessment",
            {"kind": "chat", **on(date(2025, 4, 1), "completed_on"), "health_findings": "Asthma"},
        ),
        ("offence", {"description": "Took a bicycle", "offence_type": "theft", "gravity": "2"}),
        (
            "outcome",
            {
                "kind": "referral-order",
                **on(date(2025, 4, 1), "starts_on"),
                **on(date(2026, 4, 1), "ends_on"),
            },
        ),
    ]
    for kind, data in posts:
        response = client.post(url(case, kind), data)
        assert response.status_code == 302, (kind, response.content.decode()[:3000])
    assert Assessment.objects.get().health_findings == "Asthma"
    assert Offence.objects.get().gravity == 2
    assert Outcome.objects.get().ends_on == date(2026, 4, 1)
    assert AuditEvent.objects.filter(action=Action.CREATE).count() == 3


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        (
            "offence",
            {"description": "x", "gravity": "9"},
            "Gravity score must be a whole number from 1 to 8",
        ),
        ("offence", {}, "Enter what happened"),
        (
            "outcome",
            {"kind": "yro", **on(date(2025, 4, 1), "starts_on"), **on(date(2025, 3, 1), "ends_on")},
            "End date must be the same as or after the start date",
        ),
        ("outcome", {"kind": "yro"}, "Enter the start date"),
        (
            "outcome",
            {"kind": "yro", **on(date(2025, 4, 1), "starts_on"), **on(date(2999, 3, 1), "ends_on")},
            "End date must be before",
        ),
        (
            "contact",
            {"kind": "phone", **on(date(1899, 12, 31), "occurred_on")},
            "Date of the contact must be on or after 1 January 1900",
        ),
        (
            "plan",
            {"kind": "safety", **on(date(9999, 1, 1), "starts_on")},
            "Start date must be before",
        ),
        (
            "assessment",
            {"kind": "chat", **on(date(1000, 1, 1), "completed_on")},
            "Date completed must be on or after 1 January 1900",
        ),
        (
            "offence",
            {"description": "x", **on(date(1899, 1, 1), "committed_on")},
            "Date of the offence must be on or after 1 January 1900",
        ),
        ("assessment", {"kind": "nope"}, "Select the type of assessment"),
    ],
)
def test_record_errors(case: Case, client: Client, kind: str, data: dict, message: str) -> None:
    response = client.post(url(case, kind), data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_form_offers_only_what_the_role_may_write(db: None, verified_client) -> None:
    luton = luton_world()
    worker = luton.staff("education-worker")  # writes work records and education, not CHAT
    case = luton.case(allocated_to=worker)
    html = verified_client(worker).get(url(case, "assessment")).content.decode()
    assert 'name="summary"' in html and 'name="health_findings"' not in html


def test_a_refused_write_says_why_and_is_audited(
    cambridgeshire: World, case: Case, verified_client
) -> None:
    colleague = cambridgeshire.staff("youth-justice-officer", username="kim")  # same team
    client = verified_client(colleague)
    response = client.get(url(case, "contact"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "You cannot record a contact on this case" in html
    assert "allows write of &#39;contact-records&#39; at team distance" in html
    response = client.post(
        url(case, "contact"), {"kind": "phone", **on(date(2025, 4, 1), "occurred_on")}
    )
    assert response.status_code == 403
    assert not Contact.objects.exists()
    assert AuditEvent.objects.filter(
        actor=colleague, action=Action.REFUSE, record_type="contact"
    ).exists()


def test_a_case_out_of_reach_is_refused_with_break_glass(
    cambridgeshire: World, verified_client
) -> None:
    southern = cambridgeshire.staff("youth-justice-officer", team=cambridgeshire.other_team)
    case = cambridgeshire.case()
    response = verified_client(southern).get(url(case, "outcome"))
    assert response.status_code == 403
    assert f'href="/cases/{case.pk}/break-glass/"' in response.content.decode()


def test_a_plan_sent_without_its_actions_is_an_error_not_a_crash(
    case: Case, client: Client
) -> None:
    # What the crawl sends (no formset management form): a 400 with the errors and the
    # actions offered again, never a 500.
    response = client.post(url(case, "plan"), {})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select the type of plan" in html
    assert 'name="action-0-description"' in html and 'name="action-TOTAL_FORMS"' in html
    assert not Plan.objects.exists()
