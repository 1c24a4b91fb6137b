"""The bundle pages: review the proposed redactions with their grounds, a second DPO approves,
release, and the released HTML, JSON and PDF, each read again through the gate."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.test import Client

from safehold.access.models import User
from safehold.audit.models import AuditEvent
from safehold.records.models import Contact
from safehold.rights.models import Redaction, RightsRequest
from tests.retention.conftest import Place, make_place
from tests.rights.test_bundle import MUM, MUM_PHONE, world
from tests.web.casework import count_queries


@pytest.fixture
def yos(db: None) -> Place:
    return make_place("cambridgeshire-yos")


def test_review_approve_release_and_download(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    request, _made = world(yos)
    reviewer = verified_client(yos.dpo)
    base = f"/data-protection/requests/{request.pk}/bundle"
    page = reviewer.get(f"{base}/").content.decode()
    assert "Proposed redactions to decide" in page
    assert f"<mark>{MUM[0]} {MUM[1]}</mark>" in page
    assert "Decide every proposed redaction before the bundle can be released" in page
    rows = list(Redaction.objects.filter(request=request))
    # Releasing now is refused with the reason; nothing is released.
    response = reviewer.post(f"{base}/release/")
    assert response.status_code == 302
    assert "not yet decided" in reviewer.get(f"{base}/").content.decode()
    assert reviewer.get(f"{base}.json").status_code == 404
    reviewer.post(f"{base}/", {f"ground-{r.pk}": "sch2-16" for r in rows})
    assert not Redaction.objects.filter(request=request, decided_at=None).exists()
    page = reviewer.get(f"{base}/").content.decode()
    assert "Every proposed redaction is decided" in page
    assert "Approve the release" not in page  # not by the reviewer
    second = verified_client(yos.staff("data-protection-officer"))
    second.post(f"{base}/approve/")
    assert "Approved for release by" in reviewer.get(f"{base}/").content.decode()
    reviewer.post(f"{base}/release/")
    request.refresh_from_db()
    assert request.status == "closed"
    page = reviewer.get(f"{base}/").content.decode()
    assert "Released by" in page and "Withheld" in page
    data = json.loads(reviewer.get(f"{base}.json").content)
    assert MUM_PHONE not in json.dumps(data) and "[withheld]" in json.dumps(data)
    html = reviewer.get(f"{base}.html").content.decode()
    assert "About this copy" in html and "Kai" in html and MUM_PHONE not in html
    assert re.search(r"<h2[^>]*>Who has seen your record</h2>", html)
    pdf = reviewer.get(f"{base}.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    reads = AuditEvent.objects.filter(actor_id=yos.dpo.pk, person_id=request.person_id)
    assert reads.filter(action="disclose").exists()


def test_the_review_page_queries_do_not_grow_with_the_records(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    request, made = world(yos)
    client = verified_client(yos.dpo)
    path = f"/data-protection/requests/{request.pk}/bundle/"
    client.get(path)
    few = count_queries(lambda: client.get(path))
    for n in range(30):
        Contact.objects.create(
            case=made["second"],  # type: ignore[misc]
            kind="office",
            occurred_at=datetime(2024, 6, 1, 10, tzinfo=UTC),
            notes=f"Session {n} with {MUM[0]}",
            pack_version_id=yos.version_id,
        )
    client.post(path, {"action": "compile"})  # the new proposals go in the log once
    assert count_queries(lambda: client.get(path)) == few


def test_the_review_keeps_its_compilation_and_compiles_again_only_when_asked(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    request, made = world(yos)
    client = verified_client(yos.dpo)
    path = f"/data-protection/requests/{request.pk}/bundle/"
    exports = AuditEvent.objects.filter(actor_id=yos.dpo.pk, action="export")
    assert "Compiled through the gate" in client.get(path).content.decode()
    compiled = exports.count()
    assert compiled > 0
    page = client.get(path).content.decode()
    assert exports.count() == compiled, "a second view reads the kept compilation"
    # The kept compilation, the redaction log and the release are read through the gate.
    reads = AuditEvent.objects.filter(actor_id=yos.dpo.pk, person_id=request.person_id)
    assert {"compiledbundle", "redaction", "release"} <= set(
        reads.values_list("record_type", flat=True)
    )
    Contact.objects.create(
        case=made["second"],  # type: ignore[misc]
        kind="office",
        occurred_at=datetime(2024, 6, 1, 10, tzinfo=UTC),
        notes=f"Spoke with Wendell Quartermaine and {MUM[0]}",
        pack_version_id=yos.version_id,
    )
    before = Redaction.objects.filter(request=request).count()
    client.get(path)
    assert Redaction.objects.filter(request=request).count() == before
    assert client.post(path, {"action": "compile"}).status_code == 302
    assert exports.count() > compiled
    assert Redaction.objects.filter(request=request).count() > before
    assert "Compile again" in page


def test_only_requests_for_access_have_a_bundle(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    from safehold.rights import services

    other = services.receive(yos.person(), "erasure", received_on=datetime.now(UTC).date())
    client = verified_client(yos.dpo)
    assert client.get(f"/data-protection/requests/{other.pk}/bundle/").status_code == 404
    assert RightsRequest.objects.count() == 1


def test_a_portability_request_downloads_what_the_person_provided(
    yos: Place, verified_client: Callable[[User], Client]
) -> None:
    from safehold.rights import services
    from safehold.rights.bundle import compile_bundle
    from safehold.rights.models import Ground
    from tests.rights.test_bundle import pack_of

    _access, made = world(yos)
    child = made["child"]
    request = services.receive(child, "portability", received_on=datetime.now(UTC).date())
    pack = pack_of(yos)
    compiled = compile_bundle(yos.dpo, child.pk, pack=pack)
    services.propose(request, compiled)
    services.decide_redactions(
        request,
        {r.pk: (Ground.THIRD_PARTY, "") for r in Redaction.objects.filter(request=request)},
        by=yos.dpo,
    )
    services.approve_release(request, compiled, by=yos.staff("data-protection-officer"))
    services.release(request, compiled, by=yos.dpo, pack=pack, second_approval=True)
    client = verified_client(yos.dpo)
    base = f"/data-protection/requests/{request.pk}/bundle"
    assert "to take to another organisation" in client.get(f"{base}/").content.decode()
    response = client.get(f"{base}.json")
    assert f'portability-{request.reference}.json"' in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["format"] == "safehold-portability/1" and "sections" not in data
    assert data["records"]["person"][0]["given_name"] == "Kai"
