"""Pages for sharing and consent: a person's consents and whom their information was shared
with; recording and withdrawing a consent, refusal, objection or preference; sharing records
of a case (the gate's decision explained before anything is sent, then the package); one
disclosure, printable, with its package to download; and the DPO's disclosure log.

Every page asks the gate (`Gate.consents`, `record_consent`, `withdraw_consent`,
`explain_share`, `share`, `shared_with`, `disclosure`, `disclosure_log`), which decides and
audits; the pages only ask and show, in words from the pack.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from safehold.access.gate import Gate
from safehold.access.gate.sharing import RECORD_KINDS, RefusedShare, ShareOrder
from safehold.access.models import User
from safehold.access.policy import Distance
from safehold.jinja2 import staff_name
from safehold.policy.schema import GATEWAY_WORDS, Pack
from safehold.sharing.decide import ShareDecision
from safehold.sharing.models import (
    Capacity,
    Channel,
    ConsentRecord,
    ConsentState,
    ConsentStatus,
    Disclosure,
    How,
    Outcome,
)
from safehold.sharing.selectors import LogFilter
from safehold.sharing.services import ConsentInput, ConsentProblem
from safehold.web.addresses import address
from safehold.web.cases import with_gate
from safehold.web.display import REACH, Display, explain, label_of
from safehold.web.forms import DateField, GovukForm, choice, long_text, text
from safehold.web.staff import person_url

RECORD_WORDS = {
    "person": "Their details",
    "case": "The case (service and dates)",
    "contact": "Contacts",
    "assessment": "Assessments",
    "plan": "Plans",
    "offence": "Offences",
    "outcome": "Outcomes",
    "report": "Reports",
}
STATE_WORDS = {
    ConsentState.GIVEN: "Given",
    ConsentState.REFUSED: "Refused",
    ConsentState.WITHDRAWN: "Withdrawn",
}
KIND_WORDS = {
    "consent": "Consent",
    "preference": "Preference",
    "objection": "Objection",
    "opt-out": "Opt-out",
}


class Words:
    """The pack's names for its sharing codes."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.recipients = {r.code: r.name for r in pack.recipients}
        self.purposes = {p.code: p.name for p in pack.purposes}
        self.gateways = {g.code: g.name for g in pack.gateways}
        self.preferences = {p.code: p.name for p in pack.preferences}
        self.subjects = dict(_subjects(pack)) | {
            s.code: s.name for s in pack.subjects if s.code not in dict(_subjects(pack))
        }
        self.categories = {c.code: c.name for c in pack.categories}

    def field(self, dotted: str) -> str:
        record, _, name = dotted.partition(".")
        return f"{RECORD_WORDS.get(record, record)}: {name.replace('_', ' ')}"


# --- forms ------------------------------------------------------------------------------------


def _subjects(pack: Pack) -> list[tuple[str, str]]:
    """Who may decide, in words: the young person themselves, or the pack's name for the
    others (a parent, a family member)."""
    codes = {s for p in pack.preferences for s in p.given_by}
    young = set(pack.notice.young_person_subjects)
    return [
        (s.code, "The young person" if s.code in young else s.name)
        for s in pack.subjects
        if s.code in codes
    ]


class ConsentForm(GovukForm):
    # The choices of who and what come from the pack (__init__).
    preference = choice(
        "What is it about?",
        [],
        required="Choose what the consent, objection or preference is about",
    )
    state = choice(
        "What did they decide?",
        [
            (ConsentState.GIVEN, "They agreed, or asked for it"),
            (ConsentState.REFUSED, "They refused"),
        ],
        required="Choose what they decided",
    )
    given_by = choice("Who decided?", [], required="Choose who decided")
    given_by_name = text("Their name, if not the young person")
    how = choice("How did they tell us?", How.choices, required="Choose how they told us")
    evidence = long_text(
        "Evidence",
        rows=3,
        help_text="For example, where the signed form is kept, or what was said and to whom.",
    )
    on = DateField(what="Date they decided", not_future=True)
    until = DateField(
        what="Date it ends", required=False, help_text="Leave empty if it has no end date."
    )
    capacity = choice(
        "Can the young person decide for themselves?",
        Capacity.choices,
        required="Choose whether the young person can decide for themselves",
        help_text=(
            "A child under 16 decides only when assessed as able to (Gillick competence); a "
            "parent or carer decides only for a child who cannot."
        ),
    )
    capacity_reason = long_text(
        "Why they can or cannot decide (the assessment)",
        rows=3,
        help_text="Needed when the young person's capacity was assessed.",
    )

    def __init__(self, pack: Pack, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preference"].choices = [  # type: ignore[attr-defined]
            (p.code, f"{p.name} ({KIND_WORDS[p.kind].lower()})") for p in pack.preferences
        ]
        self.fields["given_by"].choices = _subjects(pack)  # type: ignore[attr-defined]

    def input(self) -> ConsentInput:
        d = self.cleaned_data
        return ConsentInput(
            preference=d["preference"],
            state=d["state"],
            given_by=d["given_by"],
            given_by_name=d["given_by_name"],
            how=d["how"],
            evidence=d["evidence"],
            on=d["on"],
            until=d["until"],
            capacity=d["capacity"],
            capacity_reason=d["capacity_reason"],
        )


class WithdrawForm(GovukForm):
    on = DateField(what="Date they withdrew it", not_future=True)
    given_by = choice("Who withdrew it?", [], required="Choose who withdrew it")
    how = choice("How did they tell us?", How.choices, required="Choose how they told us")
    evidence = long_text("Evidence", rows=3)

    def __init__(self, pack: Pack, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["given_by"].choices = _subjects(pack)  # type: ignore[attr-defined]


class ShareForm(GovukForm):
    # Recipients, purposes, gateways and approvers come from the pack and the staff (__init__).
    recipient = choice(
        "Who are you sharing with?", [], required="Choose who you are sharing with", radios=False
    )
    recipient_contact = text(
        "Who will receive it",
        max_length=300,
        help_text="The organisation and their role, for example 'PC Hall, Cambridgeshire Police'.",
    )
    purpose = choice("What is it for?", [], required="Choose what it is for", radios=False)
    gateway = choice(
        "Under which legal gateway?", [], required="Choose the legal gateway", radios=False
    )
    records = forms.MultipleChoiceField(
        label="What do you want to share?",
        choices=[(k, RECORD_WORDS[k]) for k in RECORD_KINDS],
        error_messages={"required": "Choose what you want to share"},
    )
    reason = long_text("Why are you sharing it? (needed without consent)", rows=3)
    reference = text(
        "Reference (needed for a court order or a legal duty)",
        help_text="For example, the order's number or the letter asking for it.",
    )
    approver = choice(
        "Who approved it?",
        [],
        required=None,
        radios=False,
        help_text="Needed where the notice says a second person must approve the share.",
    )
    channel = choice(
        "How will it be sent?",
        [c for c in Channel.choices if c[0] != Channel.FILE],
        required="Choose how it will be sent",
    )

    def __init__(self, gate: Gate, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pack = gate.policy.pack
        self.fields["recipient"].choices = [("", "Choose")] + [  # type: ignore[attr-defined]
            (r.code, r.name) for r in pack.recipients if any(s.gateways for s in r.shares)
        ]
        self.fields["purpose"].choices = [("", "Choose")] + [  # type: ignore[attr-defined]
            (p.code, p.name) for p in pack.purposes
        ]
        self.fields["gateway"].choices = [("", "Choose")] + [  # type: ignore[attr-defined]
            (g.code, g.name) for g in pack.gateways
        ]
        approvers = User.objects.filter(
            controller_id=gate.controller_id,
            is_active=True,
            role__in=[r.code for r in pack.roles if r.approves_disclosures],
        ).exclude(pk=gate.user.pk)
        self.fields["approver"].choices = (  # type: ignore[attr-defined]
            [("", "No one")]
            + [
                (str(u.pk), staff_name(u))
                for u in approvers.order_by("last_name", "first_name", "pk")[:200]
            ]
        )

    def order(self) -> ShareOrder:
        d = self.cleaned_data
        return ShareOrder(
            recipient=d["recipient"],
            purpose=d["purpose"],
            gateway=d["gateway"],
            records=tuple(d["records"]),
            reason=d["reason"],
            reference=d["reference"],
            approver_id=int(d["approver"]) if d["approver"] else None,
            channel=d["channel"],
            recipient_contact=d["recipient_contact"],
        )


# --- a person's consents and whom their information went to -----------------------------------


@require_GET
@with_gate
def person_sharing(request: HttpRequest, gate: Gate, person_id: int) -> HttpResponse:
    shown = gate.person(person_id)
    records = gate.consents(person_id)
    disclosures = gate.shared_with(person_id)
    display = Display(gate.policy.pack)
    words = Words(gate.policy.pack)
    may_record = gate.is_dpo or bool(
        gate.policy.categories(gate.role, "write", Distance(shown.distance))
    )
    current: dict[str, ConsentRecord] = {}
    for record in records:  # newest first
        current.setdefault(record.preference, record)
    withdrawable = {p.code for p in gate.policy.pack.preferences if p.withdrawable}
    return render(
        request,
        "web/sharing/person.html",
        {
            "name": label_of(shown, display),
            "person_id": person_id,
            "person_url": person_url(person_id),
            "current": [
                {
                    "record": r,
                    "name": words.preferences.get(r.preference, r.preference),
                    "kind": KIND_WORDS.get(r.kind, r.kind),
                    "state": STATE_WORDS.get(ConsentState(r.state), r.state),
                    "by": words.subjects.get(r.given_by, r.given_by),
                    "withdraw_url": address("web:consent-withdraw", person_id, r.pk)
                    if may_record and r.state == ConsentState.GIVEN and r.preference in withdrawable
                    else None,
                }
                for r in current.values()
            ],
            "history": records,
            "words": words,
            "state_words": STATE_WORDS,
            "disclosures": disclosures,
            "openable": {d.pk for d in disclosures if gate.opens_disclosure(d)},
            "record_url": address("web:consent-new", person_id) if may_record else None,
            "share_url": address("web:case-share", shown.case_id)
            if gate.policy.widest(gate.role, "share") != Distance.NONE
            else None,
            "messages": messages.get_messages(request),
        },
    )


@require_http_methods(["GET", "POST"])
@with_gate
def consent_new(request: HttpRequest, gate: Gate, person_id: int) -> HttpResponse:
    shown = gate.person(person_id)
    form = ConsentForm(gate.policy.pack, request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            record = gate.record_consent(person_id, form.input())
        except ConsentProblem as problem:
            form.add_error(problem.field if problem.field in form.fields else None, str(problem))
        else:
            words = Words(gate.policy.pack)
            messages.success(
                request,
                f"{words.preferences.get(record.preference, record.preference)}: "
                f"{STATE_WORDS[ConsentState(record.state)].lower()}, recorded",
            )
            return redirect("web:person-sharing", person_id)
    display = Display(gate.policy.pack)
    return render(
        request,
        "web/sharing/consent_form.html",
        {
            "form": form,
            "name": label_of(shown, display),
            "back_url": address("web:person-sharing", person_id),
            "title": "Record a consent, refusal, objection or preference",
            "button": "Save",
        },
    )


@require_http_methods(["GET", "POST"])
@with_gate
def consent_withdraw(
    request: HttpRequest, gate: Gate, person_id: int, record_id: int
) -> HttpResponse:
    shown = gate.person(person_id)
    record = next((r for r in gate.consents(person_id) if r.pk == record_id), None)
    if record is None:
        return render(request, "404.html", status=404)
    form = WithdrawForm(gate.policy.pack, request.POST if request.method == "POST" else None)
    if form.is_valid():
        d = form.cleaned_data
        try:
            gate.withdraw_consent(
                record_id, on=d["on"], how=d["how"], given_by=d["given_by"], evidence=d["evidence"]
            )
        except ConsentProblem as problem:
            form.add_error("on" if problem.field == "on" else None, str(problem))
        else:
            messages.success(request, "Withdrawal recorded: it takes effect from the date given")
            return redirect("web:person-sharing", person_id)
    words = Words(gate.policy.pack)
    display = Display(gate.policy.pack)
    return render(
        request,
        "web/sharing/consent_form.html",
        {
            "form": form,
            "name": label_of(shown, display),
            "back_url": address("web:person-sharing", person_id),
            "title": f"Withdraw: {words.preferences.get(record.preference, record.preference)}",
            "lead": (
                f"Given on {record.on:%-d %B %Y}. The withdrawal takes effect from the date you "
                "enter; what was shared before stays in the log as it was."
            ),
            "button": "Record the withdrawal",
        },
    )


# --- sharing from a case ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@with_gate
def case_share(request: HttpRequest, gate: Gate, case_id: int) -> HttpResponse:
    shown = gate.case(case_id)
    form = ShareForm(gate, request.POST if request.method == "POST" else None)
    decision: ShareDecision | None = None
    status = 200
    if form.is_valid():
        order = form.order()
        if request.POST.get("action") == "share":
            try:
                disclosure = gate.share(case_id, order)
            except RefusedShare as refused:
                decision = refused.decision
                form.add_error(
                    None, f"Not shared: {_first_missing(refused.decision, gate.policy.pack)}"
                )
                status = 403
            else:
                messages.success(request, f"Shared with {disclosure.recipient_name}")
                return redirect("web:disclosure", disclosure.pk)
        else:
            decision = gate.explain_share(case_id, order)
    display = Display(gate.policy.pack)
    words = Words(gate.policy.pack)
    return render(
        request,
        "web/sharing/share.html",
        {
            "form": form,
            "name": label_of(shown, display),
            "case_id": case_id,
            "service": display.services.get(shown.service, shown.service),
            "person_url": person_url(shown.person_id),
            "decision": decision,
            "decision_rows": _decision_rows(decision, words) if decision is not None else [],
            "reasons": [share_words(r, gate.policy.pack) for r in decision.reasons]
            if decision is not None
            else [],
            "records_items": [
                {
                    "value": k,
                    "text": RECORD_WORDS[k],
                    "checked": k in (form["records"].value() or []),
                }
                for k in RECORD_KINDS
            ],
            "gateway_words": {
                g.code: f"{g.name}: {GATEWAY_WORDS[g.kind]}" for g in gate.policy.pack.gateways
            },
        },
        status=status,
    )


_SHARE_NO = re.compile(r"recipient '([a-z0-9-]+)' share \d+")
_MAY_SHARE = re.compile(r"^role '([^']+)' may share (.+) at (\w+) distance$")


def share_words(rule: str, pack: Pack) -> str:
    """A share decision's reason with the pack's names for its codes (the codes themselves
    stay in a details component on the page)."""
    recipients = {r.code: r.name for r in pack.recipients}
    names = {
        **{p.code: p.name for p in pack.purposes},
        **{g.code: g.name for g in pack.gateways},
        **{p.code: p.name for p in pack.preferences},
        **recipients,
    }
    categories = {c.code: c.name.lower() for c in pack.categories}
    text = rule.split(": ", 1)[1] if re.match(r"^[a-z0-9-]+ v\d+: ", rule) else rule
    if match := _MAY_SHARE.match(text):
        what = ", ".join(categories.get(c.strip(), c.strip()) for c in match[2].split(","))
        text = f"role '{match[1]}' may share {what} {REACH.get(match[3], match[3])}"
    text = _SHARE_NO.sub(lambda m: f"the notice's sharing with {recipients.get(m[1], m[1])}", text)
    text = re.sub(r"'([a-z0-9-]+)'", lambda m: f"“{names[m[1]]}”" if m[1] in names else m[0], text)
    text = re.sub(r" \(([a-z0-9-]+)\)", lambda m: "" if m[1] in names else m[0], text)
    return explain(text, pack)


def _first_missing(decision: ShareDecision, pack: Pack) -> str:
    return share_words(decision.rule, pack)


def _decision_rows(decision: ShareDecision, words: Words) -> list[dict[str, Any]]:
    going = [
        f"{RECORD_WORDS.get(r, r)}: {', '.join(n.replace('_', ' ') for n in names)}"
        for r, names in decision.fields.items()
    ]
    going += [f"Derived: {d.replace('-', ' ')}" for d in decision.derived]
    held: dict[str, list[str]] = {}
    for dotted, why in decision.not_sent.items():
        held.setdefault(why, []).append(words.field(dotted))
    rows = [
        {
            "key": {"text": "Decision"},
            "value": {"text": "It can be shared" if decision else "It cannot be shared"},
        },
        {"key": {"text": "What would go"}, "value": {"html": _lines(going) or "Nothing"}},
        {
            "key": {"text": "Not sent"},
            "value": {
                "html": _lines(f"{'; '.join(fields)} ({why})" for why, fields in held.items())
                or "Nothing held back"
            },
        },
        {
            "key": {"text": "Consent"},
            "value": {"text": ConsentStatus(decision.consent_status).label},
        },
        {
            "key": {"text": "Identifiable"},
            "value": {
                "text": {
                    "yes": "Yes",
                    "pseudonymised": "Pseudonymised",
                    "anonymised": "Anonymised",
                }.get(decision.identifiable, decision.identifiable)
            },
        },
    ]
    needs = [
        text
        for flag, text in (
            (decision.needs_reason, "a reason"),
            (decision.needs_reference, "a reference"),
            (decision.needs_approval, "a second person's approval"),
        )
        if flag
    ]
    if needs:
        rows.append({"key": {"text": "Needs"}, "value": {"text": ", ".join(needs).capitalize()}})
    return rows


# --- one disclosure, and the DPO's log --------------------------------------------------------


@require_GET
@with_gate
def disclosure(request: HttpRequest, gate: Gate, disclosure_id: int) -> HttpResponse:
    found = gate.disclosure(disclosure_id)
    words = Words(gate.policy.pack)
    name = ""
    if found.person_id is not None:
        display = Display(gate.policy.pack)
        name = (
            label_of(gate.person(found.person_id), display)
            if not gate.is_dpo
            else _dpo_name(gate, found.person_id, display)
        )
    return render(
        request,
        "web/sharing/disclosure.html",
        {
            "d": found,
            "name": name,
            "words": words,
            "person_url": person_url(found.person_id) if found.person_id else None,
            "rows": _disclosure_rows(found, words),
            "package_rows": _package_rows(gate.disclosure_package(found)),
            "download_url": address("web:disclosure-package", found.pk) if found.package else None,
            "messages": messages.get_messages(request),
        },
    )


def _dpo_name(gate: Gate, person_id: int, display: Display) -> str:
    cases = gate.show_cases(gate._nearest_cases([person_id]))
    return label_of(cases[0], display) if cases else f"Person {person_id}"


def _disclosure_rows(d: Disclosure, words: Words) -> list[dict[str, Any]]:
    rows: list[tuple[str, str]] = [
        ("Outcome", Outcome(d.outcome).label),
        (
            "Shared with",
            d.recipient_name + (f" ({d.recipient_contact})" if d.recipient_contact else ""),
        ),
        ("Purpose", words.purposes.get(d.purpose, d.purpose)),
        ("Legal gateway", words.gateways.get(d.gateway, d.gateway) or "None"),
        ("Consent", ConsentStatus(d.consent_status).label),
    ]
    if d.reason:
        rows.append(("Reason", d.reason))
    if d.reference:
        rows.append(("Reference", d.reference))
    if d.approved_by_id:
        rows.append(("Approved by", staff_name(d.approved_by)))
    rows += [
        ("By", staff_name(d.by) if d.by else d.by_label),
        (
            "When",
            timezone.localtime(d.at)
            .strftime("%-d %B %Y at %-I:%M%p")
            .replace("AM", "am")
            .replace("PM", "pm"),
        ),
        ("Categories", ", ".join(words.categories.get(c, c) for c in d.categories) or "None"),
    ]
    if d.channel:
        rows.append(("Sent by", Channel(d.channel).label))
    if d.extract:
        rows.append(("People covered", f"{d.people_count:,}"))
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in rows]


def _package_rows(package: dict[str, Any] | None) -> list[list[dict[str, str]]]:
    rows: list[list[dict[str, str]]] = []
    package = package or {}
    for key, value in (package.get("subject") or {}).items():
        rows.append(
            [
                {"text": "About the person"},
                {"text": key.replace("-", " ").capitalize()},
                {"text": str(value)},
            ]
        )
    for record, items in (package.get("records") or {}).items():
        for n, item in enumerate(items, 1):
            for field, value in item.items():
                label = RECORD_WORDS.get(record, record) + (f" {n}" if len(items) > 1 else "")
                rows.append(
                    [
                        {"text": label},
                        {"text": field.replace("_", " ").capitalize()},
                        {"text": "" if value is None else str(value)},
                    ]
                )
    return rows


@require_GET
@with_gate
def disclosure_package(request: HttpRequest, gate: Gate, disclosure_id: int) -> HttpResponse:
    found = gate.disclosure(disclosure_id)
    package = gate.disclosure_package(found)
    if not package:
        return render(request, "404.html", status=404)
    response = HttpResponse(
        json.dumps(package, indent=2, ensure_ascii=False, default=str),
        content_type="application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="disclosure-{found.pk}.json"'
    return response


class LogFilterForm(GovukForm):
    # A filter: every field may be left as "any", so none is marked optional.
    recipient = forms.ChoiceField(label="Shared with", required=False)
    outcome = forms.ChoiceField(
        label="Outcome", required=False, choices=[("", "Any"), *list(Outcome.choices)]
    )
    gateway = forms.ChoiceField(label="Legal gateway", required=False)
    consent_status = forms.ChoiceField(
        label="Consent", required=False, choices=[("", "Any"), *list(ConsentStatus.choices)]
    )
    since = DateField(what="From", required=False)
    until = DateField(what="To", required=False)

    def __init__(self, pack: Pack, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = [("", "Anyone")] + [  # type: ignore[attr-defined]
            (r.code, r.name) for r in pack.recipients
        ]
        self.fields["gateway"].choices = [("", "Any")] + [  # type: ignore[attr-defined]
            (g.code, g.name) for g in pack.gateways
        ]


@require_GET
@with_gate
def disclosure_log(request: HttpRequest, gate: Gate) -> HttpResponse:
    form = LogFilterForm(gate.policy.pack, request.GET or None)
    f = LogFilter()
    if form.is_valid():
        d = form.cleaned_data
        f = LogFilter(
            recipient=d["recipient"],
            outcome=d["outcome"],
            gateway=d["gateway"],
            consent_status=d["consent_status"],
            since=d["since"],
            until=d["until"],
        )
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    page, people = gate.disclosure_log(f, number)
    display = Display(gate.policy.pack)
    words = Words(gate.policy.pack)
    query = {k: str(v) for k, v in request.GET.items() if k != "page"}
    rows = []
    for d in page.object_list:
        if d.person_id is not None:
            shown = people.get(d.person_id)
            who = (
                f'<a class="govuk-link" href="{person_url(d.person_id)}">{_escape(label_of(shown, display))}</a>'
                if shown
                else f"Person {d.person_id}"
            )
        else:
            who = f"{d.people_count:,} people (extract)"
        rows.append(
            [
                {"text": timezone.localtime(d.at).strftime("%-d %b %Y %H:%M")},
                {"html": who},
                {"text": d.recipient_name},
                {"text": words.purposes.get(d.purpose, d.purpose)},
                {"text": words.gateways.get(d.gateway, d.gateway)},
                {"text": ConsentStatus(d.consent_status).label},
                {"html": _outcome_tag(d.outcome)},
                {"text": staff_name(d.by) if d.by else d.by_label},
                {
                    "html": f'<a class="govuk-link" href="{address("web:disclosure", d.pk)}">View<span class="govuk-visually-hidden"> disclosure of {timezone.localtime(d.at):%-d %B %Y}</span></a>'
                },
            ]
        )
    return render(
        request,
        "web/sharing/log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "pagination": _pagination(page, query),
        },
    )


def _lines(texts: Any) -> str:
    from markupsafe import escape

    return "".join(f'<p class="govuk-body govuk-!-margin-bottom-1">{escape(t)}</p>' for t in texts)


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _outcome_tag(outcome: str) -> str:
    colour = "govuk-tag--green" if outcome == Outcome.SHARED else "govuk-tag--red"
    return f'<strong class="govuk-tag {colour}">{Outcome(outcome).label}</strong>'


def _pagination(page: Any, query: dict[str, str]) -> dict[str, Any] | None:
    if page.paginator.num_pages <= 1:
        return None

    def href(n: int) -> str:
        return "?" + urlencode({**query, "page": n})

    items = [
        {"ellipsis": True}
        if n == page.paginator.ELLIPSIS
        else {"number": n, "href": href(n), "current": n == page.number}
        for n in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    return {
        "previous": {"href": href(page.previous_page_number())} if page.has_previous() else None,
        "next": {"href": href(page.next_page_number())} if page.has_next() else None,
        "items": items,
    }


# --- recurring extracts (the DPO) ------------------------------------------------------------


class ExtractForm(GovukForm):
    extract = choice("Which return?", [], required="Choose the return to run")

    def __init__(self, pack: Pack, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["extract"].choices = [(x.code, x.name) for x in pack.extracts]  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
@with_gate
def extract_runs(request: HttpRequest, gate: Gate) -> HttpResponse:
    """The pack's regular returns: what each sends, its last runs, and running one now (the
    CSV downloads; the run is one disclosure listing whom it covered)."""
    from safehold.sharing import extracts

    if not gate.is_dpo:
        from safehold.access.gate import Refused
        from safehold.access.policy import Decision

        decision = Decision(
            False,
            f"{gate.policy.label}: role '{gate.role}' may not run regular returns; only a role "
            "that manages the policy may",
        )
        gate._refuse(decision, record="disclosure")
        raise Refused(decision)
    pack = gate.policy.pack
    form = ExtractForm(pack, request.POST if request.method == "POST" else None)
    if form.is_valid():
        code = form.cleaned_data["extract"]
        out = io.StringIO()
        try:
            done = extracts.run(code, out, controller=gate.user.controller.code, by=gate.user)  # type: ignore[union-attr]
        except extracts.ExtractRefused as refused:
            form.add_error("extract", f"Not run: {refused}")
        else:
            response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="{code}-{done.disclosure.pk}.csv"'
            )
            return response
    words = Words(pack)
    # Each return's last run only: the log grows with every run, so not one row per run ever.
    ran = Disclosure.objects.filter(controller_id=gate.controller_id).exclude(extract="")
    last = ran.values("extract").annotate(last=Max("pk")).values("last")
    runs = {d.extract: d for d in Disclosure.objects.filter(pk__in=last)}
    from safehold.policy.notice.full import item_words

    rows = [
        [
            {"text": x.name},
            {"text": words.recipients.get(x.recipient, x.recipient)},
            {"text": ", ".join(item_words(i) for i in x.items)},
            {"text": x.identifiable.capitalize()},
            {"text": ", ".join(words.preferences.get(c, c) for c in x.consent) or "Not needed"},
            {
                "text": (
                    f"{timezone.localtime(runs[x.code].at):%-d %B %Y}, "
                    f"{runs[x.code].people_count:,} "
                    f"{'person' if runs[x.code].people_count == 1 else 'people'}"
                )
                if x.code in runs
                else "Never run"
            },
        ]
        for x in pack.extracts
    ]
    return render(
        request,
        "web/sharing/extracts.html",
        {"form": form, "rows": rows, "has_extracts": bool(pack.extracts)},
    )
