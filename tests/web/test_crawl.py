"""Every page each role of each shipped pack can reach, in DEBUG (as `make run` serves it) and
in production settings: no server error, no template debris, no markup shown as text, no form
that opens pre-filled, no raw None (see tests/web/crawl.py for the rules).

The world is the demo's (`safehold demo` and its living service: retention due, holds, a
break-glass use; consents, shares and the disclosure log), so every page has real things on it; the staff are the demo's, one of each
role, landing where a person of that role lands and finding the rest by following links.
"""

from __future__ import annotations

import time

from django.test import Client

from safehold.access.models import User
from safehold.demo import services as demo
from safehold.demo.sharing import sharing_demo
from safehold.policy import selectors
from safehold.policy.models import Controller
from safehold.policy.services import load_pack
from safehold.retention import planner
from tests.builders import PACK_FILES
from tests.web.conftest import make_verified_client
from tests.web.crawl import Report, crawl, problems
from tests.web.test_broken_today import mode

PEOPLE = 40
PUBLIC = "/privacy/"
# The pages of sharing (safehold/web/sharing.py), each of which the crawl must reach.
SHARING_PAGES = (
    "person-sharing",
    "consent-new",
    "consent-withdraw",
    "case-share",
    "disclosure",
    "disclosure-package",
    "disclosure-log",
    "extract-runs",
)
# A runaway guard, not a speed test (benchmarks measure speed): it catches a crawl that stops
# converging, and stays far above what a shared, loaded machine takes (80-160 s seen).
SECONDS = 600


def staff_by_role(code: str) -> dict[str, User]:
    """One member of staff of each of the pack's roles: the demo's first."""
    pack = selectors.current_pack(code)
    assert pack is not None
    controllers = Controller.objects.filter(pack_version__pack_code=code)
    users = User.objects.filter(controller__in=controllers, is_active=True).order_by("pk")
    found = {}
    for role in pack.roles:
        user = users.filter(role=role.code).first()
        assert user is not None, f"the demo made no {role.code}"
        found[role.code] = user
    return found


def test_every_page_every_role_can_reach(db: None) -> None:
    # Every shipped pack's controllers share the demo's people (as `safehold demo` without
    # --pack does); then each mode's templates are built once for all of them.
    codes = [load_pack(path).version.pack_code for path in PACK_FILES]
    demo.generate(PEOPLE * len(codes), seed=7)
    demo.living_service()
    sharing_demo()  # consents, a refusal, a withdrawal, shares and an extract run
    planner.plan()
    staff = {(code, role): user for code in codes for role, user in staff_by_role(code).items()}
    started = time.perf_counter()
    failures = []
    reached: dict[str, Report] = {}
    for debug in (True, False):
        name = "DEBUG" if debug else "production"
        with mode(debug):
            # The public pages once, as a visitor; then each role's, from where it lands.
            reached[f"visitor ({name})"] = crawl(Client(), PUBLIC)
            for (code, role), user in staff.items():
                client: Client = make_verified_client(user)
                reached[f"{code} {role} ({name})"] = crawl(client, skip=(PUBLIC,))
    seconds = time.perf_counter() - started
    for who, report in reached.items():
        failures += [f"{who}: {problem}" for problem in report.problems]
    assert not failures, "\n".join(failures)
    # It did crawl: each reached its landing page, most reached more, and forms were sent.
    for who, report in reached.items():
        assert report.pages, f"{who} reached nothing"
    assert sum(sum(r.pages.values()) for r in reached.values()) > 3 * len(reached)
    assert sum(r.forms for r in reached.values()) > len(reached)
    # Every page of sharing was reached through links, with the demo's consents and shares,
    # in each mode.
    for mode_name in ("DEBUG", "production"):
        routes = {
            route.split("?")[0]
            for who, r in reached.items()
            if who.endswith(f"({mode_name})")
            for route in r.pages
        }
        for name in SHARING_PAGES:
            assert f"web:{name}" in routes, f"no role reached web:{name} in {mode_name}"
    assert seconds < SECONDS, f"the crawl took {seconds:.1f}s"


def test_the_crawl_names_internal_numbers_shown_as_text() -> None:
    """The rule itself: "person 316" or "case 173" on a page is a problem; a name with its
    reference (P316, C173), a count of cases, or a number in an address is not."""
    from bs4 import BeautifulSoup

    def found(text: str) -> list[str]:
        html = f"<html><body><main><p>{text}</p></main></body></html>"
        return problems("/x/", html, BeautifulSoup(html, "html.parser"), fresh=False)

    for bad in ("Legal hold on person 316", "Case 173 closed", "case #45", "Case file 12"):
        assert any("internal number" in p for p in found(bad)), bad
    for good in ("Amelia Hughes (P316)", "Case C173 closed", "3 cases", "Holds 2 open cases"):
        assert found(good) == [], good
