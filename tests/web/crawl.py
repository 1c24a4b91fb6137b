"""The whole-site check: every page a member of staff can reach from where they land, as a
person would find them (by following links), and every form on them, opened and sent empty.

`crawl(client)` starts at the landing page ("/" and wherever it redirects), follows every link
and form of the same origin, and returns the problems it found on each page, as text. It is
bounded: at most `PER_ROUTE` pages of each route (the URL pattern's name and the names of the
query parameters), so it reaches every kind of page without visiting every young person.

What counts as a problem (`problems(...)`) is what a person would see as broken:

- a server error (any 5xx; an exception in a view fails the test at once);
- a link of our own that answers 404;
- template debris: `{{`, `}}`, "no such element", "Undefined";
- markup shown as text: `&lt;p`, `&lt;/` (HTML escaped a second time);
- a raw `None` where a value should be (a text or an attribute);
- a form that opens pre-filled where nothing was entered: a text box or textarea with a value
  on a form nobody has sent yet, other than hidden inputs and buttons. A date that opens on
  today is a stated default, and so allowed. Forms that change an existing record (a path
  with an `edit` segment) open with what the record holds.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from django.http import HttpResponse
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

PER_ROUTE = 1
MAX_PAGES = 200
DEBRIS = ("{{", "}}", "no such element", "Undefined")
ESCAPED_MARKUP = ("&lt;p", "&lt;/")
# "None" as Python prints it, not the English word starting a sentence ("None recorded").
RAW_NONE = re.compile(r"\bNone\b(?!\s+[a-z])")
# A record's internal number where a person expects a name or a reference: "person 316",
# "case 173", "case #45", "Case file 12" (a reference is P316 or C173, docs/adr/0023).
# Matched within one run of text (elements apart are not one phrase: "a young person" then
# "1 case"), and not where a date follows ("through the case 26 November 2026").
INTERNAL_ID = re.compile(
    r"\b(?:person|case(?:[ \xa0]file)?)[ \xa0]+#?\d+\b(?![ \xa0]+[A-Z][a-z]+[ \xa0]+\d{4})",
    re.IGNORECASE,
)
TEXT_TYPES = {"", "text", "email", "tel", "number", "search", "url", "password", "date"}
# Never followed or sent: signing out ends the crawl's session.
SKIP_PATHS = ("/sign-out/", "/static/", "/api/")
EDIT_SEGMENT = re.compile(r"/edit(/|$)")


@dataclass
class Report:
    pages: Counter[str] = field(default_factory=Counter)  # route -> pages seen
    forms: int = 0
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.problems)


def route_of(url: str) -> str | None:
    """The pattern's name and the query's parameter names: pages of one kind share it."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    params = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{match.view_name}?{'&'.join(params)}"


def local(base: str, href: str) -> str | None:
    """An address of this site, without its fragment; None for another site or a scheme
    that is not a page (mailto:, tel:, javascript:)."""
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if path.startswith(SKIP_PATHS):
        return None
    return path


def is_html(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def visible_text(soup: BeautifulSoup) -> str:
    for hidden in soup(["script", "style", "template"]):
        hidden.extract()
    return soup.get_text(" ", strip=True)


def problems(url: str, html: str, soup: BeautifulSoup, *, fresh: bool) -> list[str]:
    """What is wrong with this page as a person sees it. `fresh`: nobody has typed into its
    forms yet (a GET without a query string), so none may open with a value. Takes the
    scripts out of `soup`."""
    found = []
    for text in DEBRIS:
        if text in html:
            found.append(f"{url}: template debris {text!r}: {_around(html, text)}")
    for text in ESCAPED_MARKUP:
        if text in html:
            found.append(f"{url}: markup shown as text {text!r}: {_around(html, text)}")
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            values = value if isinstance(value, list) else [value]
            if any(v == "None" or "/None/" in v for v in values):
                found.append(f"{url}: raw None in <{tag.name} {name}={value!r}>")
    if fresh and not EDIT_SEGMENT.search(urlsplit(url).path):
        found += _prefilled(url, soup)
    for hidden in soup(["script", "style", "template"]):
        hidden.extract()
    runs = soup.get_text("\n")
    for match in INTERNAL_ID.finditer(runs):
        found.append(
            f"{url}: an internal number, not a name or reference: "
            f"{runs[max(0, match.start() - 60) : match.end() + 20]!r}"
        )
    text = visible_text(soup)
    for match in RAW_NONE.finditer(text):
        found.append(
            f"{url}: raw None in the text: {text[max(0, match.start() - 60) : match.end() + 20]!r}"
        )
    return found


def _prefilled(url: str, soup: BeautifulSoup) -> list[str]:
    today = timezone.localdate()
    todays = {"-day": str(today.day), "-month": str(today.month), "-year": str(today.year)}
    found = []
    for form in soup.find_all("form"):
        if str(form.get("method", "get")).lower() != "post":
            continue  # a filter shows the filter applied
        for box in form.find_all("input"):
            kind = str(box.get("type", "")).lower()
            value = box.get("value")
            if kind not in TEXT_TYPES or not value:
                continue
            name = str(box.get("name", ""))
            if any(name.endswith(part) and value == v for part, v in todays.items()):
                continue  # a date that opens on today: a stated default
            found.append(f"{url}: input {name!r} opens with {value!r} though nothing was entered")
        for area in form.find_all("textarea"):
            if area.get_text().strip():
                found.append(
                    f"{url}: textarea {area.get('name')!r} opens with "
                    f"{area.get_text().strip()[:80]!r} though nothing was entered"
                )
    return found


def _around(html: str, text: str) -> str:
    at = html.index(text)
    return repr(html[max(0, at - 80) : at + 80])


def crawl(client: Client, start: str = "/", *, skip: tuple[str, ...] = ()) -> Report:
    """Visit every page reachable from `start` (but not under `skip`: pages crawled already,
    as a visitor), open and send every form empty, and report."""
    report = Report()
    queue: deque[tuple[str, str]] = deque([(start, "the landing page")])
    seen: set[str] = set()
    while queue and sum(report.pages.values()) < MAX_PAGES:
        url, found_on = queue.popleft()
        if url in seen or url.startswith(skip):
            continue
        seen.add(url)
        route = route_of(url)
        if route is None:
            report.problems.append(f"{url} (linked from {found_on}): no such page")
            continue
        if report.pages[route] >= PER_ROUTE:
            continue
        report.pages[route] += 1
        page = _check(report, url, client.get(url), found_on=found_on, fresh="?" not in url)
        queue.extend((link, url) for link in page.links)
        for form in page.forms:
            queue.extend((link, url) for link in _send_empty(client, report, url, form))
    return report


@dataclass
class Page:
    links: list[str] = field(default_factory=list)
    forms: list[Tag] = field(default_factory=list)


def _check(report: Report, url: str, response: HttpResponse, *, found_on: str, fresh: bool) -> Page:
    """Check one response; return where it leads (its links and forms, or its redirect)."""
    status = response.status_code
    if status >= 500:
        report.problems.append(f"{url} (from {found_on}): {status}")
        return Page()
    if status == 404:
        report.problems.append(f"{url} (linked from {found_on}): 404")
        return Page()
    if status == 403:
        # A page offered a link its reader may not follow: a dead end, and a hint of what
        # lies behind it. Links come only where the gate would open the page.
        report.problems.append(f"{url} (linked from {found_on}): 403")
        return Page()
    if status in (301, 302, 303):
        target = local(url, response["Location"])
        return Page(links=[target] if target else [])
    if not is_html(response):
        return Page()
    html = response.content.decode()
    soup = BeautifulSoup(html, "html.parser")
    page = Page(
        links=[t for a in soup.find_all("a", href=True) if (t := local(url, str(a["href"])))],
        forms=list(soup.find_all("form")) if status == 200 else [],
    )
    report.problems += problems(url, html, soup, fresh=fresh)
    return page


def _send_empty(client: Client, report: Report, url: str, form: Tag) -> list[str]:
    """Send a form as a person would who filled nothing in: only its CSRF token (a GET form:
    every field empty). Returns where its answer leads."""
    action = local(url, str(form.get("action") or url))
    if action is None:
        return []
    report.forms += 1
    if str(form.get("method", "get")).lower() == "post":
        token = form.find("input", attrs={"name": "csrfmiddlewaretoken"})
        data = {"csrfmiddlewaretoken": str(token["value"])} if token else {}
        response = client.post(action, data)
        sent = f"{action} (sent empty from {url})"
        if response.status_code in (301, 302, 303):
            # A refusal or a message after the redirect: see the page it lands on.
            target = local(action, response["Location"])
            if target is None:
                return []
            response = client.get(target)
            sent = f"{target} (after {action} sent empty from {url})"
        # Nothing was typed, so nothing may come back in a box (fresh) but a default.
        _check(
            report, sent, response, found_on=url, fresh=response.request["REQUEST_METHOD"] == "POST"
        )
        return []
    names = {
        str(box["name"]): ""
        for box in form.find_all(["input", "select", "textarea"], attrs={"name": True})
        if str(box.get("type", "")).lower() not in ("submit", "button")
    }
    response = client.get(action.split("?")[0], names)
    _check(report, f"{action} (filter sent empty)", response, found_on=url, fresh=False)
    return []
