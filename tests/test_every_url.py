"""No page or API operation shows personal data except through the gate, with an audit event.

Every URL of the project must be listed here: as PUBLIC (it shows no personal data) or with a
way to call it as a member of staff who may. A new URL that is in neither fails the first
tests. Each personal URL is then called with a person whose names are a unique marker; if the
marker reaches the response, the gate must have shown it (a spy on `Gate.show`) and the audit
log must have a new event by the caller about that person. Public URLs must never show it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from safehold.access.gate import Gate, Refused
from safehold.access.gate.sharing import RefusedShare, ShareOrder
from safehold.access.models import BreakGlass, User
from safehold.api.api import RECORD_TYPES
from safehold.audit.models import AuditEvent
from safehold.records.models import (
    Case,
    CaseStatus,
    PersonFlag,
    PlanAction,
    Relationship,
    VictimLink,
)
from safehold.retention import services as retention
from safehold.retention.models import LegalHold, RetentionUnit
from safehold.rights import services as rights
from safehold.rights.models import RightsRequest
from safehold.sharing.models import ConsentRecord, Disclosure
from tests.access.conftest import World
from tests.api.conftest import session_api, token_api
from tests.sharing.conftest import given

MARK_GIVEN, MARK_FAMILY = "Zephyrine", "Quillfeather"

# One valid body per record type, to create it and (the last field) to change it.
RECORD_BODIES: dict[str, dict[str, Any]] = {
    "contacts": {"kind": "home-visit", "occurred_at": "2025-02-03T10:00:00Z", "notes": "Seen"},
    "assessments": {"kind": "assetplus", "completed_on": "2025-02-01", "summary": "Done"},
    "plans": {"kind": "intervention", "starts_on": "2025-02-01", "summary": "Agreed"},
    "offences": {"committed_on": "2024-12-01", "description": "Theft from a shop"},
    "outcomes": {"kind": "referral-order", "starts_on": "2025-02-01", "requirements": "None"},
    "reports": {"kind": "psr", "due_on": "2025-03-01", "body": "Report"},
}


@dataclass
class Scene:
    world: World
    user: User
    case: Case
    records: dict[str, int]

    @property
    def person_id(self) -> int:
        return self.case.person_id


def scene(world: World, role: str) -> Scene:
    user = world.staff(role)
    person = world.person(given_name=MARK_GIVEN, family_name=MARK_FAMILY)
    case = world.case(allocated_to=user, person=person)
    records = {
        name: model.objects.create(
            case=case, pack_version_id=world.version_id, **_values(model, body)
        ).pk
        for name, (model, _schema) in RECORD_TYPES.items()
        for body in [RECORD_BODIES[name]]
    }
    records["flags"] = PersonFlag.objects.create(person=person, flag="child-protection-plan").pk
    return Scene(world, user, case, records)


def _values(model: type[Any], body: dict[str, Any]) -> dict[str, Any]:
    values = dict(body)
    if "occurred_at" in values:
        values["occurred_at"] = timezone.now()
    return values


# URLs that show no personal data, with a path to prove it on the scene. Adding one here is a
# claim a reviewer should check; the test below holds it to that.
NO_PERSONAL_DATA: dict[str, Callable[[Scene], str]] = {
    "web:privacy-index": lambda s: "/privacy/",
    "web:privacy-notice": lambda s: "/privacy/cambridgeshire-yos/",
    "web:privacy-notice-print": lambda s: "/privacy/cambridgeshire-yos/print/",
    "web:privacy-notice-young-people": lambda s: "/privacy/cambridgeshire-yos/young-people/",
    "web:privacy-ropa-csv": lambda s: "/privacy/cambridgeshire-yos/record-of-processing.csv",
    "web:privacy-ropa-json": lambda s: "/privacy/cambridgeshire-yos/record-of-processing.json",
    "web:sign-in": lambda s: "/sign-in/",
    "web:two-factor": lambda s: "/sign-in/two-factor/",
    "web:two-factor-set-up": lambda s: "/sign-in/two-factor/set-up/",
    "web:sign-out": lambda s: "/sign-out/",
    "web:signed-out": lambda s: "/signed-out/",
    # The reason form shows only the case's number: nothing is shown until the glass breaks.
    "web:break-glass": lambda s: f"/cases/{s.case.pk}/break-glass/",
    "api-v1:openapi-json": lambda s: "/api/v1/openapi.json",
    # An empty form for a new young person.
    "web:person-new": lambda s: "/people/new/",
    # Aggregate statistics only, protected by disclosure control (tests/statistics/):
    # checked below as a manager, for whom they are.
    "web:statistics": lambda s: "/statistics/",
    "web:statistics-output": lambda s: "/statistics/open-cases/?split=none",
    "web:statistics-download": lambda s: "/statistics/referrals/csv/?by=sex",
    # The returns page names no one; releasing one (a POST) is tested in tests/web/test_returns.
    "web:statistics-returns": lambda s: "/statistics/returns/",
    # Retention, for the DPO only: counts, rules and dates (the queue and holds name people,
    # so they are PAGES below). Checked below as the DPO, with the scene's case planned.
    "web:retention": lambda s: "/retention/",
    "web:retention-hold-lift": lambda s: (
        f"/retention/holds/{LegalHold.objects.latest('pk').pk}/lift/"
    ),
    "web:retention-disposals": lambda s: "/retention/destruction-records/",
    "web:retention-service-dates": lambda s: "/retention/service-dates/",
    # The DPO's home: counts, dates and request numbers (tests/web/test_dpo.py).
    "web:dpo-home": lambda s: "/data-protection/",
    # The conformance report: the pack's statements only (tests/web/test_dpo.py).
    "web:dpo-conformance": lambda s: "/data-protection/conformance/",
    # The regular returns: their items and counts of people, never who (tests/web/test_sharing).
    "web:extract-runs": lambda s: "/data-protection/extracts/",
    # Rights requests: an empty form, counts by month, and each step's form (the request's
    # number, right and dates only; tests/web/test_rights.py).
    "web:rights-request-new": lambda s: "/data-protection/requests/new/",
    "web:rights-chart": lambda s: "/data-protection/requests/chart/",
    # Approving and releasing a bundle are POSTs (tests/web/test_rights_bundle.py).
    "web:rights-bundle-approve": lambda s: (
        f"/data-protection/requests/{latest_request()}/bundle/approve/"
    ),
    "web:rights-bundle-release": lambda s: (
        f"/data-protection/requests/{latest_request()}/bundle/release/"
    ),
    **{
        f"web:rights-request-{step}": (
            lambda s, step=step: f"/data-protection/requests/{latest_request()}/{step}/"
        )
        for step in ("identity", "understanding", "pause", "resume", "extend", "close")
    },
    **{
        f"web:rights-request-{step}": (
            lambda s, step=step: f"/data-protection/requests/{rectification(s)}/{step}/"
        )
        for step in ("decide", "restrict", "lift")
    },
}
# Of those, the pages for the DPO: checked as the DPO, with the scene's case planned, held,
# broken into and asked about.
DPO_PAGES = {
    name for name in NO_PERSONAL_DATA if name.startswith(("web:retention", "web:rights"))
} | {
    "web:dpo-home",
    "web:dpo-conformance",
    "web:extract-runs",
}
# Statistics: for managers and statistics-only roles (a case worker is refused them).
STATISTICS_PAGES = {name for name in NO_PERSONAL_DATA if name.startswith("web:statistics")}

# Pages of personal data: name -> (a role that may see it, its path on the scene).
PAGES: dict[str, tuple[str, Callable[[Scene], str]]] = {
    "web:person-audit": ("team-manager", lambda s: f"/people/{s.person_id}/audit/"),
    # Sharing and consent (SETUP gives a consent and a share).
    "web:person-sharing": ("youth-justice-officer", lambda s: f"/people/{s.person_id}/sharing/"),
    "web:consent-new": ("youth-justice-officer", lambda s: f"/people/{s.person_id}/consents/new/"),
    "web:consent-withdraw": (
        "youth-justice-officer",
        lambda s: (
            f"/people/{s.person_id}/consents/"
            f"{ConsentRecord.objects.order_by('-pk').values_list('pk', flat=True).first() or 1}"
            "/withdraw/"
        ),
    ),
    "web:case-share": ("youth-justice-officer", lambda s: f"/cases/{s.case.pk}/share/"),
    "web:disclosure": ("youth-justice-officer", lambda s: f"/disclosures/{_latest_share()}/"),
    "web:disclosure-package": (
        "youth-justice-officer",
        lambda s: f"/disclosures/{_latest_share()}/package.json",
    ),
    "web:disclosure-log": ("data-protection-officer", lambda s: "/data-protection/disclosures/"),
    "web:home": ("youth-justice-officer", lambda s: "/"),  # a case worker's caseload
    "web:caseload": ("youth-justice-officer", lambda s: "/caseload/"),
    "web:team-caseload": ("team-manager", lambda s: "/team/"),
    "web:allocate": ("team-manager", lambda s: f"/team/cases/{s.case.pk}/allocate/"),
    "web:person": ("youth-justice-officer", lambda s: f"/people/{s.person_id}/"),
    "web:case-new": ("youth-justice-officer", lambda s: f"/people/{s.person_id}/cases/new/"),
    # Find a person, by the marker's family name with a spelling mistake.
    "web:find-person": ("youth-justice-officer", lambda s: "/people/find/?q=Quillfether"),
    # The DPO's review of break-glass access, with one into the scene's case (SETUP).
    "web:break-glass-review": ("data-protection-officer", lambda s: "/break-glass/"),
    "web:break-glass-use": (
        "data-protection-officer",
        # The latest use; a scene without one (a statistics role's) still asks by some id.
        lambda s: (
            f"/break-glass/{BreakGlass.objects.order_by('-pk').values_list('pk', flat=True).first() or 1}/"
        ),
    ),
    **{
        f"web:{kind}-new": (
            "youth-justice-officer",
            lambda s, kind=kind: f"/cases/{s.case.pk}/{kind}s/new/",
        )
        for kind in ("contact", "assessment", "plan", "offence", "outcome", "report")
    },
    # Rights requests, named through the gate (SETUP records one about the scene's person).
    "web:rights-requests": ("data-protection-officer", lambda s: "/data-protection/requests/"),
    "web:rights-request": (
        "data-protection-officer",
        lambda s: f"/data-protection/requests/{latest_request()}/",
    ),
    "web:rights-bundle": (
        "data-protection-officer",
        lambda s: f"/data-protection/requests/{latest_request()}/bundle/",
    ),
    **{
        f"web:rights-bundle-{fmt}": (
            "data-protection-officer",
            lambda s, fmt=fmt: f"/data-protection/requests/{latest_request()}/bundle.{fmt}",
        )
        for fmt in ("html", "json", "pdf")
    },
    # The DPO's retention queue and holds name people and cases by name and reference, read
    # through the gate as a list (SETUP: the scene's case file due, and held).
    "web:retention-queue": ("data-protection-officer", lambda s: "/retention/queue/"),
    "web:retention-holds": ("data-protection-officer", lambda s: "/retention/holds/"),
    # Facts about a case, a flag, a relationship and a plan's action (SETUP makes each).
    "web:case-facts": ("youth-justice-officer", lambda s: f"/cases/{s.case.pk}/facts/"),
    # Dated statuses on the case (SETUP records one): the history, a new value, a change.
    "web:case-statuses": ("youth-justice-officer", lambda s: f"/cases/{s.case.pk}/statuses/"),
    "web:case-status-record": (
        "youth-justice-officer",
        lambda s: f"/cases/{s.case.pk}/statuses/accommodation/",
    ),
    "web:case-status-change": (
        "youth-justice-officer",
        lambda s: f"/cases/{s.case.pk}/statuses/accommodation/{_latest(CaseStatus)}/edit/",
    ),
    # The dates of the pack's events of a person or a case (tests/web/test_events.py).
    "web:case-events": ("youth-justice-officer", lambda s: f"/cases/{s.case.pk}/events/"),
    "web:flag-edit": (
        "youth-justice-officer",
        lambda s: f"/people/{s.person_id}/flags/{_latest(PersonFlag)}/edit/",
    ),
    "web:relationship-edit": (
        "youth-justice-officer",
        lambda s: f"/people/{s.person_id}/relationships/{_latest(Relationship)}/edit/",
    ),
    "web:victimlink-edit": (
        "youth-justice-officer",
        lambda s: f"/cases/{s.case.pk}/victims/{_latest(VictimLink)}/edit/",
    ),
    "web:planaction-edit": (
        "youth-justice-officer",
        lambda s: (
            f"/cases/{s.case.pk}/plans/{s.records['plans']}/actions/{_latest(PlanAction)}/edit/"
        ),
    ),
    # Correcting what is recorded (each form opens on the values it changes).
    "web:person-edit": ("youth-justice-officer", lambda s: f"/people/{s.person_id}/edit/"),
    "web:case-close": ("youth-justice-officer", lambda s: f"/cases/{s.case.pk}/close/"),
    **{
        f"web:{kind}-edit": (
            "youth-justice-officer",
            lambda s, kind=kind: f"/cases/{s.case.pk}/{kind}s/{s.records[kind + 's']}/edit/",
        )
        for kind in ("contact", "assessment", "plan", "offence", "outcome", "report")
    },
}


def _latest(model: type[Any]) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 1


def due(s: Scene) -> None:
    """The scene's case file due for review (as if its period had run)."""
    retention.recompute_for_case(s.case.pk)
    RetentionUnit.objects.filter(kind="case-file", key=s.case.pk).update(
        status="due", keep_until=date(2020, 1, 1), basis="rule", rule="case-file"
    )


def held(s: Scene) -> None:
    retention.recompute_for_case(s.case.pk)
    retention.place_hold(
        by=s.user, case=s.case, reason="Litigation pending", review_on=date(2030, 1, 1)
    )


def flag_and_relative(s: Scene) -> None:
    PersonFlag.objects.create(person_id=s.person_id, flag="looked-after", holds=False)
    parent = s.world.person(given_name="Parent", family_name="Example")
    Relationship.objects.create(person_id=s.person_id, other=parent, kind="parent")
    PlanAction.objects.create(plan_id=s.records["plans"], description="Attend school")
    victim = s.world.person(given_name="Victim", family_name="Example")
    VictimLink.objects.create(offence_id=s.records["offences"], victim=victim)


def a_status(s: Scene) -> None:
    CaseStatus.objects.create(
        case=s.case,
        kind="accommodation",
        value="suitable",
        started_on=date(2025, 1, 6),
        pack_version_id=s.world.version_id,
    )


def break_glass_into(s: Scene) -> None:
    officer = s.world.staff("youth-justice-officer", team=s.world.other_team)
    Gate(officer).break_glass(s.case.pk, "Police report the young person missing tonight")


def _latest_share() -> int:
    return Disclosure.objects.order_by("-pk").values_list("pk", flat=True).first() or 1


def share_from(s: Scene) -> None:
    """A manager of the case's team shares it under the first gateway of the pack's shares
    that lets it go (a court order, in Cambridgeshire's)."""
    manager = s.world.staff("team-manager")
    for recipient in s.world.pack.recipients:
        for share in recipient.shares:
            for gateway in share.gateways:
                order = ShareOrder(
                    recipient.code,
                    (share.purposes or [s.world.pack.purposes[0].code])[0],
                    gateway,
                    reference="Order 7",
                    reason="Risk of serious harm reported today",
                )
                try:
                    Gate(manager).share(s.case.pk, order)
                    return
                except RefusedShare:
                    continue


def consent_of(s: Scene) -> None:
    Gate(s.user).record_consent(s.person_id, given("national-data-opt-out"))


def latest_request() -> int:
    """The newest rights request; a scene without one still asks by some id."""
    return RightsRequest.objects.order_by("-pk").values_list("pk", flat=True).first() or 1


def rectification(s: Scene) -> int:
    """A request of rectification about the scene's person, restricting processing while it
    is decided (so every one of its steps has a page)."""
    made = rights.receive(s.case.person, "rectification", received_on=date(2025, 3, 1))
    rights.restrict_while_deciding(made, by=s.user)
    return made.pk


def request_about(s: Scene) -> None:
    rights.receive(s.case.person, "access", received_on=date(2025, 3, 1), by=s.user)


def released_bundle(s: Scene) -> None:
    """A request about the scene's person, its bundle approved by a second DPO and released."""
    from safehold.policy import selectors as policy
    from safehold.rights.bundle import compile_bundle

    request_about(s)
    request = RightsRequest.objects.latest("pk")
    pack = policy.pack_of(policy.controller_version(s.user.controller_id))
    compiled = compile_bundle(s.user, s.person_id, pack=pack)
    rights.propose(request, compiled)
    rights.approve_release(request, compiled, by=s.world.staff("data-protection-officer"))
    rights.release(request, compiled, by=s.user, pack=pack, second_approval=True)


# What a page needs on the scene before it is called.
SETUP: dict[str, Callable[[Scene], None]] = {
    "web:break-glass-review": break_glass_into,
    "web:break-glass-use": break_glass_into,
    "web:person-sharing": share_from,
    "web:consent-withdraw": consent_of,
    "web:disclosure": share_from,
    "web:disclosure-package": share_from,
    "web:disclosure-log": share_from,
    "web:rights-requests": request_about,
    "web:rights-request": request_about,
    "web:rights-bundle": request_about,
    "web:rights-bundle-html": released_bundle,
    "web:rights-bundle-json": released_bundle,
    "web:rights-bundle-pdf": released_bundle,
    "web:retention-queue": due,
    "web:retention-holds": held,
    "web:case-facts": flag_and_relative,
    "web:case-statuses": a_status,
    "web:case-status-record": a_status,
    "web:case-status-change": a_status,
    "web:flag-edit": flag_and_relative,
    "web:relationship-edit": flag_and_relative,
    "web:planaction-edit": flag_and_relative,
    "web:victimlink-edit": flag_and_relative,
}


def api_call(s: Scene, method: str, template: str) -> tuple[str, Any]:
    kind = template.split("/")[5] if template.count("/") >= 5 else ""
    path = (
        template.replace("{case_id}", str(s.case.pk))
        .replace("{person_id}", str(s.person_id))
        .replace("{record_id}", str(s.records.get(kind, 0)))
        .replace("{flag_id}", str(s.records["flags"]))
    )
    body: Any = None
    if method == "post" and kind in RECORD_BODIES:
        body = RECORD_BODIES[kind]
    elif method == "patch" and kind in RECORD_BODIES:
        field, _value = list(RECORD_BODIES[kind].items())[-1]
        body = {field: f"Changed for {MARK_GIVEN}"}
    elif method == "post" and template == "/api/v1/cases":
        body = {
            "person_id": s.person_id,
            "service": s.case.service,
            "team_id": s.case.team_id,
            "allocated_to_id": s.user.pk,
            "opened_on": "2025-03-01",
        }
    elif template == "/api/v1/people":
        path += f"?q={MARK_GIVEN}"  # find a person
    elif template == "/api/v1/people/{person_id}/consents" and method == "post":
        body = {
            "preference": "national-data-opt-out",
            "state": "given",
            "given_by": "young-person",
            "how": "written",
            "on": "2025-06-01",
        }
    elif template.endswith("/consents/{consent_id}/withdraw"):
        try:
            consent = Gate(s.user).record_consent(s.person_id, given("national-data-opt-out"))
            consent_id = consent.pk
        except Refused:  # a statistics-only role records nothing; it asks all the same
            consent_id = 1
        path = path.replace("{consent_id}", str(consent_id))
        body = {"on": str(date.today()), "how": "verbal", "given_by": "young-person"}
    elif template.startswith("/api/v1/cases/{case_id}/shares"):
        body = {
            "recipient": "courts",
            "purpose": s.world.pack.purposes[0].code,
            "gateway": "court-order",
            "reference": "Order 7",
            "records": ["person", "case"],
        }
    elif template == "/api/v1/disclosures/{disclosure_id}":
        share_from(s)
        path = path.replace("{disclosure_id}", str(_latest_share()))
    elif method == "patch" and template == "/api/v1/cases/{case_id}":
        body = {"closed_on": "2025-03-01", "closed_reason": "completed"}
    elif method == "patch" and template.endswith("/flags/{flag_id}"):
        body = {"ended_on": "2025-03-01"}
    elif method == "patch" and template.startswith("/api/v1/people/"):
        body = {"phone": "01234 567890"}
    elif method == "post" and template.endswith("/facts"):
        body = {"flag": "looked-after", "holds": False}
    return path, body


# (method, path) -> a role that may use it on the scene, for operations the scene can exercise.
# Record types other than contacts share their code with contacts (one route factory).
API_ROLE = "youth-justice-officer"
API_EXPORT_ROLE = "data-protection-officer"


def all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern):
                names.add(f"{namespace}{p.name}" if p.name else f"{namespace}<unnamed {p.pattern}>")

    walk(get_resolver().url_patterns, "")
    return names


def api_operations(client: Client) -> set[tuple[str, str]]:
    schema = client.get("/api/v1/openapi.json").json()
    return {(method, path) for path, item in schema["paths"].items() for method in item}


class Spy:
    """Counts what the gate showed during one request."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.shown = 0
        original = Gate.show

        def show(gate: Gate, *args: Any, **kwargs: Any) -> Any:
            self.shown += 1
            return original(gate, *args, **kwargs)

        monkeypatch.setattr(Gate, "show", show)


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


# --- every URL is accounted for -------------------------------------------------------------------


def test_every_page_is_listed() -> None:
    # The API's operations are enumerated from its OpenAPI schema, below.
    names = {n for n in all_url_names() if not n.startswith("api-v1:") or n in NO_PERSONAL_DATA}
    unaccounted = sorted(names - set(NO_PERSONAL_DATA) - set(PAGES))
    assert not unaccounted, (
        f"{unaccounted}: list each in NO_PERSONAL_DATA or in PAGES (called below, where it "
        "must pass the gate and be audited)"
    )
    assert not set(NO_PERSONAL_DATA) & set(PAGES)


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_shows_personal_data_only_through_the_gate(
    name: str, cambridgeshire: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    role, path = PAGES[name]
    s = scene(cambridgeshire, role)
    SETUP.get(name, lambda s: None)(s)
    api = session_api(s.user)
    spy = Spy(monkeypatch)
    before = last_seq()
    response = api.client.get(path(s))
    assert response.status_code == 200, (name, response.status_code)
    if response["Content-Type"] == "application/pdf":
        # Its text is glyph-encoded: the HTML it is made from (rights-bundle-html) is checked.
        assert response.content.startswith(b"%PDF")
    else:
        # A page listed here must show the person, or this test proves nothing about it.
        assert MARK_FAMILY in response.content.decode(), f"{name} did not show the person"
    assert spy.shown, f"{name} shows personal data that did not pass Gate.show"
    new = AuditEvent.objects.filter(seq__gt=before, actor_id=s.user.pk, person_id=s.person_id)
    assert new.exists(), f"{name} shows personal data without an audit event"


@pytest.mark.parametrize("name", sorted(NO_PERSONAL_DATA))
def test_pages_without_personal_data_show_none(name: str, cambridgeshire: World) -> None:
    # Signed in and verified as the worker the person is allocated to (or, for the DPO's
    # pages, as the DPO): if any of these pages could show them, it would be to this user.
    dpo_page = name in DPO_PAGES
    role = "data-protection-officer" if dpo_page else "youth-justice-officer"
    s = scene(cambridgeshire, "team-manager" if name in STATISTICS_PAGES else role)
    if dpo_page:
        retention.recompute_for_case(s.case.pk)
        retention.place_hold(
            by=s.user, case=s.case, reason="Litigation pending", review_on=date(2030, 1, 1)
        )
        officer = s.world.staff("youth-justice-officer", team=s.world.other_team)
        Gate(officer).break_glass(s.case.pk, "Checking the record after a complaint")
        rights.receive(s.case.person, "access", received_on=date(2025, 3, 1), by=s.user)
    response = session_api(s.user).client.get(NO_PERSONAL_DATA[name](s))
    assert response.status_code in {200, 302, 405}, (name, response.status_code)
    body = response.content.decode()
    assert MARK_FAMILY not in body and MARK_GIVEN not in body, name


# --- API operations ------------------------------------------------------------------------------


def test_every_api_operation_passes_the_gate_and_is_audited(
    cambridgeshire: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    operations = api_operations(client)
    assert len(operations) >= 18
    spy = Spy(monkeypatch)
    for method, template in sorted(operations):
        role = API_EXPORT_ROLE if template.endswith("/export") else API_ROLE
        s = scene(cambridgeshire, role)
        if template == "/api/v1/me":
            continue  # the caller's own staff account, no personal data of the people we serve
        path, body = api_call(s, method, template)
        api = token_api(s.user)
        call = getattr(api.client, method)
        # A PATCH must name the version it changes (428 without If-Match); "*" is any.
        headers = {**api.headers, "If-Match": "*"} if method == "patch" else api.headers
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs |= {"data": json.dumps(body, default=str), "content_type": "application/json"}
        before, shown = last_seq(), spy.shown
        response = call(path, **kwargs)
        assert response.status_code in {200, 201}, (method, path, response.content)
        new = AuditEvent.objects.filter(seq__gt=before, actor_id=s.user.pk, decision="allowed")
        assert new.exists(), f"{method.upper()} {template} has no audit event"
        if MARK_FAMILY in response.content.decode() or MARK_GIVEN in response.content.decode():
            assert spy.shown > shown, f"{method.upper()} {template} bypasses Gate.show"


# --- a statistics-only role ----------------------------------------------------------------------


def test_a_statistics_role_reaches_no_one_by_any_page_or_operation(
    statistics_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A statistics-only role, given every grant there is and a case allocated to it in its
    own team, by every page of personal data (GET, and POST where the page takes one) and
    every API operation: it sees no one, writes nothing, and no read of anyone is allowed."""
    role = next(r for r in statistics_world.pack.roles if r.statistics_only)
    s = scene(statistics_world, role.code)
    spy = Spy(monkeypatch)
    before = last_seq()
    stored = {name: model._default_manager.count() for name, (model, _) in RECORD_TYPES.items()}
    client = session_api(s.user).client
    for name in sorted(PAGES):
        path = PAGES[name][1](s)
        for response in (client.get(path), client.post(path, {"reason": "An emergency now"})):
            # Refused, or (its caseload) sent to the statistics it may have.
            assert response.status_code in {302, 403, 405}, (name, response.status_code)
            if response.status_code == 302:
                assert response["Location"] == "/statistics/", name
            assert MARK_FAMILY not in response.content.decode(), name
    api = token_api(s.user)
    for method, template in sorted(api_operations(Client())):
        path, body = api_call(s, method, template)
        # A PATCH must name the version it changes (428 without If-Match); "*" is any.
        headers = {**api.headers, "If-Match": "*"} if method == "patch" else api.headers
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs |= {"data": json.dumps(body, default=str), "content_type": "application/json"}
        response = getattr(api.client, method)(path, **kwargs)
        text = response.content.decode()
        if response["Content-Type"].startswith("application/problem+json"):
            # A problem names the request (`instance`), which may hold what was searched for.
            text = json.dumps({k: v for k, v in json.loads(text).items() if k != "instance"})
        assert MARK_FAMILY not in text and MARK_GIVEN not in text, (method, template)
        if template == "/api/v1/me":
            continue
        if template == "/api/v1/cases" and method == "get":
            assert response.json()["count"] == 0  # the caseload is empty, not refused
            continue
        assert response.status_code == 403, (method, template, response.status_code)
    # What it may have: the statistics pages, each run audited as an aggregate use.
    for name in sorted(STATISTICS_PAGES):
        response = client.get(NO_PERSONAL_DATA[name](s))
        assert response.status_code == 200, (name, response.status_code)
        assert MARK_FAMILY not in response.content.decode(), name
    assert spy.shown == 0
    allowed = AuditEvent.objects.filter(seq__gt=before, actor_id=s.user.pk, decision="allowed")
    assert set(allowed.values_list("action", flat=True)) == {"aggregate"}, list(
        allowed.values("action", "rule")
    )
    assert not allowed.filter(person_id__isnull=False).exists()
    assert not allowed.filter(case_id__isnull=False).exists()
    assert {
        name: model._default_manager.count() for name, (model, _) in RECORD_TYPES.items()
    } == stored
