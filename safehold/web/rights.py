"""What rights you have: the data protection officer's rights request pages.

- `/data-protection/requests/`: open requests by due date, with views for what is overdue, due
  in the next 7 days, paused and extended (counted in one query, listed a page at a time).
- `/data-protection/requests/new/`: record a request (who it is about, picked from a search
  through the gate and never typed as a number; who made it and with what authority, how it
  came in, what is asked, the identity check).
- `/data-protection/requests/<id>/`: one request, its clock, its history, and the steps that
  progress it (`<id>/<step>/`: identity, a child's understanding, pause, resume, extend, close).
- `/data-protection/requests/chart/`: requests received and answered each month, with the
  on-time rate, as a chart with its table.

Only a member of staff whose pack role manages the policy may use them. People are named
through the gate (`rights.reads`), audited under the rights-request purpose; the due dates come
from `rights.clock`, the rule `safehold rights due` prints.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from safehold.access.gate import Gate, Refused, ShownCase
from safehold.access.models import User
from safehold.policy.law import RIGHTS
from safehold.records.search import person_reference
from safehold.records.validation import as_id
from safehold.rights import clock, objections, reads, selectors, services
from safehold.rights.models import (
    Channel,
    Ground,
    Identity,
    Outcome,
    PauseReason,
    RefusalGround,
    Requester,
    RequestStatus,
    RightsRequest,
    YesNo,
)
from safehold.web import picking
from safehold.web.addresses import address
from safehold.web.audit import display_name
from safehold.web.dpo import NOT_ALLOWED, dpo_only
from safehold.web.forms import DateField, GovukForm, choice, long_text, text
from safehold.web.picking import PicksFound

PER_PAGE = 50
# The rights a person asks to exercise (being informed and complaining are not requests to us).
ASKED_RIGHTS = [
    (code, provision.title)
    for code, provision in RIGHTS.items()
    if code not in {"informed", "complain"}
]


def _refused(request: HttpRequest) -> HttpResponse:
    """What anyone but the DPO is shown (`dpo_only`), and the DPO when the gate refuses."""
    return render(request, NOT_ALLOWED, status=403)


def _page(request: HttpRequest, tab: str) -> dict[str, Any]:
    return {"nav_active": "dpo-home", "rights_tab": tab, "messages": messages.get_messages(request)}


def _request_of(user: User, request_id: int) -> RightsRequest:
    """The controller's request, or 404 (another controller's is answered as a missing one)."""
    assert user.controller_id is not None
    found = (
        RightsRequest.objects.filter(pk=request_id, controller_id=user.controller_id)
        .select_related("created_by", "understanding_by")
        .first()
    )
    if found is None:
        raise Http404("No such request")
    return found


def _gate(user: User) -> Gate:
    return Gate(user, purpose=reads.PURPOSE)


def _name(shown: ShownCase | None, person_id: int) -> str:
    """The person's name as the gate shows it, or their reference (P316) if it shows none."""
    return display_name(shown.person) if shown else person_reference(person_id)


# --- the list ---------------------------------------------------------------------------------


@require_GET
@dpo_only(NOT_ALLOWED)
def requests(request: HttpRequest, user: User, controller_id: int) -> HttpResponse:
    today = timezone.localdate()
    try:
        show = selectors.Show(request.GET.get("show", "all"))
    except ValueError:
        show = selectors.Show.ALL
    paginator = Paginator(selectors.by_due_date(controller_id, show, today), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    named = reads.people(_gate(user), (r.person_id for r in rows)) if rows else {}
    return render(
        request,
        "web/rights/requests.html",
        {
            "show": show,
            "views": list(selectors.Show),
            "counts": selectors.counts(controller_id, today),
            "page": page,
            "rows": [
                {
                    "request": r,
                    "name": _name(named.get(r.person_id), r.person_id),
                    "person_id": r.person_id,
                    "state": _state(r, today),
                }
                for r in rows
            ],
            "today": today,
            **_page(request, "open"),
        },
    )


def _state(r: RightsRequest, today: date) -> dict[str, str]:
    """The tag a request carries in the list: overdue, due soon, paused, extended."""
    if r.due_on is None:
        since = getattr(r, "paused_since", None)
        when = f" since {since:%-d %B %Y}" if since else ""
        return {"text": f"Paused{when}", "classes": "govuk-tag--grey"}
    days = (r.due_on - today).days
    if days < 0:
        return {
            "text": f"Overdue by {-days} day{'s' if days != -1 else ''}",
            "classes": "govuk-tag--red",
        }
    extended = " (extended)" if r.extension_told_on else ""
    if days <= selectors.WEEK:
        return {
            "text": f"Due in {days} day{'s' if days != 1 else ''}{extended}"
            if days
            else f"Due today{extended}",
            "classes": "govuk-tag--orange",
        }
    return {
        "text": f"{days} days left{extended}",
        "classes": "govuk-tag--blue" if extended else "govuk-tag--green",
    }


# --- recording a request ----------------------------------------------------------------------


class NewRequestForm(PicksFound):
    """Record a request about a person picked from a search (`web.picking`), never typed."""

    person = choice(
        "Who is the request about?", [], required="Select the person the request is about"
    )
    kind = choice("Which right", ASKED_RIGHTS, required="Select the right the request is under")
    received_on = DateField(
        what="Date received", not_future=True, required_message="Enter the date received"
    )
    requester = choice(
        "Who made the request", Requester.choices, required="Select who made the request"
    )
    requester_name = text("Name of the person who made it, if not the person themselves")
    authority = long_text(
        "Their authority to act for the person",
        rows=3,
        help_text=(
            "For example, a signed form of authority, parental responsibility, a court order. "
            "Needed unless the person asked for themselves."
        ),
    )
    channel = choice("How it came in", Channel.choices, required="Select how it came in")
    asked = long_text("What is asked", required="Enter what is asked", rows=4)
    identity = choice(
        "Identity check",
        [c for c in Identity.choices],
        required="Select where the identity check is",
    )
    identity_note = long_text("What was checked", rows=2)
    objected = forms.MultipleChoiceField(
        label="For an objection: what do they object to?",
        required=False,
        choices=[],
        help_text="What the notice says can be objected to. None chosen: all of it.",
    )

    def __init__(
        self,
        *args: Any,
        controller_id: int,
        found: list[picking.Found],
        objectable: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.controller_id = controller_id
        self.offer("person", found)
        objected = self.fields["objected"]
        assert isinstance(objected, forms.MultipleChoiceField)
        objected.choices = objectable

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Only what the search found is a choice at all; what was chosen is looked up again
        # in this controller (another controller's reads as one that exists nowhere).
        data["about"] = None
        if "person" in data:
            data["about"] = picking.chosen_person(data["person"], self.controller_id)
            if data["about"] is None:
                self.add_error("person", "Select the person the request is about")
        if (
            data.get("requester")
            and data["requester"] != Requester.SELF
            and not str(data.get("authority", "")).strip()
        ):
            self.add_error("authority", "Enter what shows the requester may act for the person")
        return data


@require_http_methods(["GET", "POST"])
@dpo_only(NOT_ALLOWED)
def new_request(request: HttpRequest, user: User, controller_id: int) -> HttpResponse:
    gate = _gate(user)
    q = picking.search_words(request)
    initial = {}
    if request.method == "GET" and not q and "person" in request.GET:
        # From a person's page (`?person=127`): found by their reference, through the gate,
        # and offered already chosen.
        person_id = as_id(request.GET["person"].strip().upper().removeprefix("P"))
        q = person_reference(person_id) if person_id else ""
        initial["person"] = f"person:{person_id}"
    found = picking.found(gate, q)
    pack = gate.policy.pack
    objectable = [(code, p.name) for code, p in objections.objectable(pack).items()]
    form = NewRequestForm(
        request.POST if request.method == "POST" else None,
        controller_id=controller_id,
        found=found,
        objectable=objectable,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = data["about"]
        made = services.receive(
            person,
            data["kind"],
            received_on=data["received_on"],
            by=user,
            requester=data["requester"],
            requester_name=data["requester_name"],
            authority=data["authority"],
            channel=data["channel"],
            asked=data["asked"],
            identity=data["identity"],
            identity_note=data["identity_note"],
            objected=tuple(data["objected"]) if data["kind"] == "objection" else (),
        )
        messages.success(request, f"Request {made.reference} recorded: due {made.due_on:%-d %B %Y}")
        return redirect("web:rights-request", request_id=made.pk)
    return render(
        request,
        "web/rights/new.html",
        {
            "form": form,
            "q": q,
            "searched": bool(q),
            "found": found,
            "objected_items": [
                {"value": code, "text": name, "checked": code in (form["objected"].value() or [])}
                for code, name in objectable
            ],
            **_page(request, "new"),
        },
    )


# --- one request ------------------------------------------------------------------------------


@require_GET
@dpo_only(NOT_ALLOWED)
def request_page(
    request: HttpRequest, user: User, controller_id: int, request_id: int
) -> HttpResponse:
    found = _request_of(user, request_id)
    shown = reads.people(_gate(user), [found.person_id]).get(found.person_id)
    today = timezone.localdate()
    pauses = list(found.pauses.all())
    the_clock = services.clock_of(found, pauses)
    born = shown.person.values.get("date_of_birth") if shown else None
    age = _age(born, found.received_on) if isinstance(born, date) else None
    return render(
        request,
        "web/rights/request.html",
        {
            "r": found,
            "name": _name(shown, found.person_id),
            "shown": shown,
            "age": age,
            "child": age is None or age < 18,
            "clock": the_clock,
            "moved_why": _moved_why(the_clock),
            "nation": clock.NATION_NAMES[found.nation],
            "state": _state(found, today) if found.status == RequestStatus.OPEN else None,
            "pauses": pauses,
            "steps": list(found.steps.select_related("by")),
            "objected": list(found.objections.order_by("pk")) if found.kind == "objection" else [],
            "refusal_words": dict(RefusalGround.choices).get(found.refusal_ground, ""),
            "is_open": found.status == RequestStatus.OPEN,
            "paused": bool(pauses and pauses[-1].ended_on is None),
            "steps_allowed": steps_allowed(
                found, bool(pauses and pauses[-1].ended_on is None), child=age is None or age < 18
            ),
            "today": today,
            **_page(request, "open"),
        },
    )


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _moved_why(found: clock.Clock) -> str:
    if not found.moved_from:
        return ""
    holiday = clock.bank_holiday(found.moved_from, found.nation)
    day = f"a bank holiday ({holiday})" if holiday else "a weekend"
    return f"{found.moved_from:%-d %B %Y} is {day}, so it is due the next working day"


# --- the steps --------------------------------------------------------------------------------


class IdentityForm(GovukForm):
    identity = choice(
        "Identity check", Identity.choices, required="Select where the identity check is"
    )
    note = long_text("What was asked for or checked", rows=3)


class UnderstandingForm(GovukForm):
    understands = choice(
        "Can the child understand their rights?",
        YesNo.choices,
        required="Select whether the child can understand their rights",
    )
    authorised = choice(
        "Did the child authorise the person acting for them?",
        YesNo.choices,
        required="Select whether the child authorised the person acting for them",
    )
    reason = long_text(
        "Why: what the decision rests on",
        required="Enter why: what the decision rests on",
        rows=4,
        help_text=(
            "There is no fixed age in England and Wales (12 is the common starting point): "
            "say who you spoke to and what showed the child's understanding."
        ),
    )

    def __init__(self, *args: Any, acting_for: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not acting_for:
            del self.fields["authorised"]


class PauseForm(GovukForm):
    on = DateField(
        what="Date the clock stopped", not_future=True, required_message="Enter the date"
    )
    reason = choice("Why", PauseReason.choices, required="Select why the clock is paused")


class ResumeForm(GovukForm):
    on = DateField(
        what="Date what was asked for arrived", not_future=True, required_message="Enter the date"
    )


class ExtendForm(GovukForm):
    told_on = DateField(
        what="Date the requester was told",
        not_future=True,
        required_message="Enter the date the requester was told",
    )
    reason = long_text(
        "Why the request is complex or numerous",
        required="Enter why the request is complex or numerous",
        rows=3,
    )


class CloseForm(GovukForm):
    closed_on = DateField(
        what="Date answered or closed", not_future=True, required_message="Enter the date"
    )
    outcome = choice("Outcome", Outcome.choices, required="Select the outcome")
    note = long_text(
        "Ground for any refusal, or a note",
        rows=4,
        help_text="A refusal, in full or in part, must say on what ground.",
    )


class DecideForm(GovukForm):
    decision = choice(
        "Decision",
        [("accept", "Accept the request"), ("refuse", "Refuse the request")],
        required="Select whether the request is accepted or refused",
    )
    ground = choice(
        "Ground, if refused",
        [("", "Not refused"), *RefusalGround.choices],
        required="Select the ground",
        radios=False,
    )
    reason = long_text(
        "Reason, as the requester will be told it",
        required="Enter the reason, as the requester will be told it",
        rows=4,
    )
    statement = long_text(
        "The person's own statement (a refused correction keeps it with the record)", rows=3
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ground"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "refuse" and not data.get("ground"):
            self.add_error("ground", "Select the ground for refusing")
        return data


class LiftForm(GovukForm):
    reason = long_text(
        "Why the restriction ends",
        required="Enter why the restriction ends",
        rows=3,
        help_text="The person must be told before a restriction is lifted (Article 18(3)).",
    )


class RestrictForm(GovukForm):
    pass


STEPS: dict[str, tuple[str, type[GovukForm], str]] = {
    "decide": ("Decide the request", DecideForm, "Record the decision"),
    "restrict": ("Restrict processing while deciding", RestrictForm, "Restrict processing"),
    "lift": ("Lift the restriction", LiftForm, "Lift the restriction"),
    "identity": ("Record the identity check", IdentityForm, "Save"),
    "understanding": ("Record the child's understanding", UnderstandingForm, "Save"),
    "pause": ("Pause the clock", PauseForm, "Pause the clock"),
    "resume": ("Resume the clock", ResumeForm, "Resume the clock"),
    "extend": ("Extend by two months", ExtendForm, "Extend"),
    "close": ("Close the request", CloseForm, "Close the request"),
}


@require_http_methods(["GET", "POST"])
@dpo_only(NOT_ALLOWED)
def request_step(
    request: HttpRequest, user: User, controller_id: int, request_id: int, step: str
) -> HttpResponse:
    found = _request_of(user, request_id)
    title, form_class, button = STEPS[step]
    if found.status != RequestStatus.OPEN:
        messages.error(request, f"Request {found.reference} is closed: it cannot change")
        return redirect("web:rights-request", request_id=found.pk)
    if step in {"decide", "restrict", "lift"} and found.kind not in services.DECIDED_RIGHTS:
        raise Http404("Only rectification, erasure, restriction and objection are decided")
    kwargs: dict[str, Any] = {}
    if form_class is UnderstandingForm:
        kwargs["acting_for"] = found.requester != Requester.SELF
    form = form_class(request.POST if request.method == "POST" else None, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = _do(step, found, data, user)
        except services.RequestProblem as problem:
            field = problem.field if problem.field in form.fields else None
            form.add_error(field, str(problem))
        else:
            messages.success(request, done)
            return redirect("web:rights-request", request_id=found.pk)
    right = None
    if step == "decide":
        from safehold.policy import selectors as policy
        from safehold.policy.rights import derive_rights

        pack = policy.pack_of(policy.controller_version(controller_id))
        right = next((r for r in derive_rights(pack) if r.code == found.kind), None)
    return render(
        request,
        "web/rights/step.html",
        {
            "right": right,
            "r": found,
            "form": form,
            "title": title,
            "button": button,
            "step": step,
            "back": address("web:rights-request", found.pk),
            **_page(request, "open"),
        },
    )


def _do(step: str, found: RightsRequest, data: dict[str, Any], user: User) -> str:
    if step == "decide":
        accept = data["decision"] == "accept"
        services.decide(
            found,
            accept=accept,
            ground=data.get("ground", ""),
            reason=data["reason"],
            statement=data.get("statement", ""),
            by=user,
        )
        return f"Request {found.reference} {'accepted' if accept else 'refused'}"
    if step == "restrict":
        services.restrict_while_deciding(found, by=user)
        return "Processing restricted while the request is decided"
    if step == "lift":
        services.lift_restriction(found, by=user, reason=data["reason"])
        return "Restriction lifted"
    if step == "identity":
        services.record_identity(found, data["identity"], data["note"], by=user)
        return f"Identity check recorded: {Identity(data['identity']).label.lower()}"
    if step == "understanding":
        services.decide_understanding(
            found,
            understands=data["understands"],
            authorised=data.get("authorised", ""),
            reason=data["reason"],
            by=user,
        )
        return "The child's understanding is recorded"
    if step == "pause":
        services.pause(found, on=data["on"], reason=data["reason"], by=user)
        return "Clock paused"
    if step == "resume":
        services.resume(found, on=data["on"], by=user)
        return f"Clock resumed: due {found.due_on:%-d %B %Y}"
    if step == "extend":
        services.extend(found, told_on=data["told_on"], reason=data["reason"], by=user)
        due = f"due {found.due_on:%-d %B %Y}" if found.due_on else "the clock is still paused"
        return f"Extended by two months: {due}"
    services.close(
        found, closed_on=data["closed_on"], outcome=data["outcome"], note=data["note"], by=user
    )
    timing = {True: " on time", False: " late", None: ""}[found.on_time]
    return f"Request {found.reference} closed{timing}"


# --- over time --------------------------------------------------------------------------------


@require_GET
@dpo_only(NOT_ALLOWED)
def chart(request: HttpRequest, user: User, controller_id: int) -> HttpResponse:
    months = selectors.by_month(controller_id, today=timezone.localdate())
    closed = sum(m.closed for m in months)
    on_time = sum(m.on_time for m in months)
    return render(
        request,
        "web/rights/chart.html",
        {
            "months": months,
            "chart": _chart(months),
            "closed": closed,
            "on_time": on_time,
            "rate": round(100 * on_time / closed) if closed else None,
            **_page(request, "chart"),
        },
    )


def _chart(months: list[selectors.Month]) -> dict[str, Any]:
    """Bars of requests received each month, and a dot for the month's on-time rate."""
    from safehold.web.retention import _nice

    top = max((max(m.received, m.closed) for m in months), default=0)
    scale = _nice(top)
    height, gap, width = 200, 10, 16
    bars = []
    for i, month in enumerate(months):
        x = 50 + i * (2 * width + gap)
        received = round(height * month.received / scale) if scale else 0
        closed = round(height * month.closed / scale) if scale else 0
        bars.append(
            {
                "x": x,
                "width": width,
                "received": {"y": 10 + height - received, "height": received},
                "closed": {"y": 10 + height - closed, "height": closed},
                "rate_y": None if month.rate is None else 10 + height - height * month.rate / 100,
                "month": month,
            }
        )
    ticks = (
        [{"value": scale * i // 4, "y": 10 + height - height * i // 4} for i in range(5)]
        if scale
        else []
    )
    return {
        "bars": bars,
        "ticks": ticks,
        "width": 50 + len(months) * (2 * width + gap) + 40,
        "height": height + 60,
        "base": 10 + height,
        "total": sum(m.received for m in months),
    }


def steps_allowed(found: RightsRequest, paused: bool, *, child: bool) -> list[str]:
    """Which steps the request page offers."""
    if found.status != RequestStatus.OPEN:
        return []
    allowed = ["identity", *(["understanding"] if child else []), "resume" if paused else "pause"]
    if found.kind in BUNDLE_KINDS:
        allowed.append("bundle")
    if found.kind in services.DECIDED_RIGHTS:
        if not found.decision:
            allowed.append("decide")
        if found.restriction_set:
            allowed.append("lift")
        elif found.kind != "erasure":
            allowed.append("restrict")
    if found.extension_told_on is None:
        allowed.append("extend")
    return [*allowed, "close"]


# --- the subject access bundle ------------------------------------------------------------------

BUNDLE_KINDS = frozenset({"access", "portability"})
GROUND_CHOICES = [("", "Not yet decided"), *Ground.choices]


def _compiled(user: User, found: RightsRequest, *, fresh: bool = False) -> tuple[Any, Any, Any]:
    """The bundle under review: the compilation kept with the request (read through the gate,
    audited), or, the first time and when the DPO asks (`fresh`), compiled through the gate
    again, kept, and its proposals put in the redaction log. Returns (compiled, pack, when)."""
    from safehold.policy import selectors as policy
    from safehold.rights import bundle

    assert user.controller_id is not None
    pack = policy.pack_of(policy.controller_version(user.controller_id))
    gate = _gate(user)
    stored = None if fresh else gate.stored_bundle(found)
    if stored is not None:
        return bundle.from_data(stored.content), pack, stored.compiled_at
    compiled = bundle.compile_bundle(user, found.person_id, pack=pack)
    gate.keep_bundle(found, bundle.to_data(compiled), compiled.records)
    services.propose(found, compiled)
    return compiled, pack, timezone.now()


def _context(text: str, start: int, end: int, around: int = 60) -> dict[str, str]:
    return {
        "before": ("…" if start > around else "") + text[max(0, start - around) : start],
        "match": text[start:end],
        "after": text[end : end + around] + ("…" if end + around < len(text) else ""),
    }


@require_http_methods(["GET", "POST"])
@dpo_only(NOT_ALLOWED)
def bundle_review(
    request: HttpRequest, user: User, controller_id: int, request_id: int
) -> HttpResponse:
    """The bundle kept with the request (compiled through the gate the first time, and again
    only when asked), its proposed redactions in the log, each decided with its legal ground.
    Once released, what was released."""
    from types import SimpleNamespace

    found = _request_of(user, request_id)
    if found.kind not in BUNDLE_KINDS:
        raise Http404("Only a request of access or portability has a bundle")
    gate = _gate(user)
    try:
        release_row = gate.release_of(found)
        released = bool(release_row and release_row.released_at)
        if request.method == "POST" and not released and request.POST.get("action") == "compile":
            _compiled(user, found, fresh=True)
            messages.success(request, "Compiled again from the records as they are now")
            return redirect("web:rights-bundle", request_id=found.pk)
        if released:
            assert release_row is not None
            content = release_row.content or {}
            compiled: Any = SimpleNamespace(
                name=content.get("name") or person_reference(found.person_id),
                sections=content.get("sections") or [],
                proposals=[],
            )
            pack, compiled_at = None, None
        else:
            compiled, pack, compiled_at = _compiled(user, found)
        log = gate.redaction_log(found)
    except Refused:
        return _refused(request)
    current = {p.ident for p in compiled.proposals}
    rows = [
        r
        for r in log
        if (r.key, r.field, r.start, r.end, r.text) in current or r.decided_at or released
    ]
    if request.method == "POST" and not released:
        decisions = {
            r.pk: (
                request.POST.get(f"ground-{r.pk}", ""),
                request.POST.get(f"note-{r.pk}", "")[:2000],
            )
            for r in rows
            if request.POST.get(f"ground-{r.pk}", "") in Ground.values
        }
        done = services.decide_redactions(found, decisions, by=user)
        messages.success(request, f"{done} decision{'s' if done != 1 else ''} recorded")
        return redirect("web:rights-bundle", request_id=found.pk)
    texts = {
        (entry.key, value.name): value.text
        for section in compiled.sections
        if not released
        for entry in section.entries
        for value in entry.values
    }
    pending = [r for r in rows if r.decided_at is None]
    decided = [r for r in rows if r.decided_at is not None]
    paginator = Paginator(pending, PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    deciders = {r.decided_by_id for r in decided}
    return render(
        request,
        "web/rights/bundle.html",
        {
            "r": found,
            "name": compiled.name,
            "compiled": compiled,
            "compiled_at": compiled_at,
            "page": page,
            "pending": [
                {
                    "row": r,
                    "context": _context(texts.get((r.key, r.field), r.text), r.start, r.end),
                }
                for r in page.object_list
            ],
            "pending_count": len(pending),
            "decided": decided,
            "grounds": GROUND_CHOICES,
            "release": release_row,
            "released": released,
            "second_approval": bool(pack and pack.rights.second_approval),
            "may_approve": user.pk not in deciders,
            **_page(request, "open"),
        },
    )


@require_http_methods(["POST"])
@dpo_only(NOT_ALLOWED)
def bundle_approve(
    request: HttpRequest, user: User, controller_id: int, request_id: int
) -> HttpResponse:
    found = _request_of(user, request_id)
    if found.kind not in BUNDLE_KINDS:
        raise Http404("Only a request of access or portability has a bundle")
    try:
        compiled, _pack, _when = _compiled(user, found)
        services.approve_release(found, compiled, by=user)
    except Refused:
        return _refused(request)
    except services.RequestProblem as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, "Approved for release")
    return redirect("web:rights-bundle", request_id=found.pk)


@require_http_methods(["POST"])
@dpo_only(NOT_ALLOWED)
def bundle_release(
    request: HttpRequest, user: User, controller_id: int, request_id: int
) -> HttpResponse:
    found = _request_of(user, request_id)
    if found.kind not in BUNDLE_KINDS:
        raise Http404("Only a request of access or portability has a bundle")
    try:
        compiled, pack, _when = _compiled(user, found)
        services.release(
            found, compiled, by=user, pack=pack, second_approval=pack.rights.second_approval
        )
    except Refused:
        return _refused(request)
    except services.RequestProblem as problem:
        messages.error(request, str(problem))
        return redirect("web:rights-bundle", request_id=found.pk)
    messages.success(request, f"Bundle released; request {found.reference} closed")
    return redirect("web:rights-bundle", request_id=found.pk)


@require_GET
@dpo_only(NOT_ALLOWED)
def bundle_file(
    request: HttpRequest, user: User, controller_id: int, request_id: int, fmt: str
) -> HttpResponse:
    """The released bundle as HTML, PDF or JSON. The gate decides, and audits, whether this
    DPO may still read the person before what was released is given again."""
    import json

    found = _request_of(user, request_id)
    gate = _gate(user)
    try:
        gate.person(found.person_id)
        row = gate.release_of(found)
    except Refused:
        return _refused(request)
    if row is None or row.released_at is None:
        raise Http404("The bundle has not been released")
    if row.content is None:
        raise Http404("The copy released has been deleted after the time the notice keeps it")
    name = f"subject-access-{found.reference}"
    if fmt == "json":
        # Portability (Article 20) is what the person provided, not the whole bundle; an
        # access request's JSON is the bundle itself, machine-readable.
        data = row.content
        if found.kind == "portability" and "portable" in row.content:
            data = row.content["portable"]
            name = f"portability-{found.reference}"
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False),
            content_type="application/json",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response
    html = render(
        request,
        "web/rights/bundle_document.html",
        {"b": row.content, "r": found, "release": row},
    ).content
    if fmt == "pdf":
        from weasyprint import HTML

        pdf = HTML(string=html.decode(), base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.html"'
    return response
