"""Break glass: reading a case outside one's allocation in an emergency, with a typed reason,
for a limited time, flagged for the DPO. The gate decides and audits; this page only asks.
The DPO reviews every access (`/break-glass/`): who, which child, why, when and what was read,
marked reviewed with a note.

The page shows nothing of the case but its number: until the glass is broken, the gate has
not allowed this member of staff to see anything of it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from safehold.access.gate import BREAK_GLASS_MINUTES, Gate, GlassUse, Refused
from safehold.access.models import User
from safehold.audit.models import Action
from safehold.audit.models import Decision as AuditDecision
from safehold.web.cases import with_gate
from safehold.web.display import Display, label_of, record_words
from safehold.web.find import reference
from safehold.web.staff import person_url

MIN_REASON = 10


class BreakGlassForm(forms.Form):
    MAX = 2000

    reason = forms.CharField(
        label="Why do you need to see this case now?",
        help_text=(
            "Say what the emergency is. Your reason is recorded and the data protection "
            "officer reviews every break-glass access."
        ),
        min_length=MIN_REASON,
        max_length=MAX,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter why you need to see this case",
            "min_length": f"Reason must be {MIN_REASON} characters or more",
            "max_length": "Reason must be 2,000 characters or fewer",
        },
    )


@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest, case_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    gate = Gate(user)
    context = {"case_id": case_id, "minutes": BREAK_GLASS_MINUTES}
    if not gate.may_break_glass:
        # Asking is an attempt, refused and audited by the gate like any other (with what was
        # typed, if anything); the role check comes before the reason's, so it always refuses.
        try:
            gate.break_glass(case_id, request.POST.get("reason", "")[: BreakGlassForm.MAX])
        except Refused:
            return render(request, "web/breakglass/not_allowed.html", context, status=403)
        raise AssertionError("the gate let a role without break-glass break glass")
    form = BreakGlassForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        try:
            glass = gate.break_glass(case_id, form.cleaned_data["reason"])
        except Refused as refused:
            form.add_error("reason", f"You cannot break glass into this case: {refused}")
            status = 403
        except ValueError as error:  # the gate's own check of the reason
            form.add_error("reason", str(error))
        else:
            return redirect(person_url(glass.case.person_id))
    return render(request, "web/breakglass/reason.html", {**context, "form": form}, status=status)


# --- the DPO's review -------------------------------------------------------------------------


class ReviewForm(forms.Form):
    note = forms.CharField(
        label="What did you find?",
        help_text=(
            "For example, whether the reason justified the access and what was read. "
            "Your note is kept with the access and in the audit log."
        ),
        max_length=2000,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter what you found",
            "max_length": "Note must be 2,000 characters or fewer",
        },
    )


def _use_row(use: GlassUse, display: Display) -> dict[str, Any]:
    """A break-glass use as the review pages show it: words, not codes."""
    categories = display.categories
    reads = [
        {
            "text": f"{Action(read.action).label} {record_words(read.record)}"
            + (f" ({read.count} times)" if read.count > 1 else ""),
            "refused": read.decision == AuditDecision.REFUSED,
            "categories": ", ".join(categories.get(c, c) for c in read.categories),
        }
        for read in use.reads
    ]
    return {
        "use": use,
        "name": label_of(use.person, display),
        "name_cell": display.name(use.person),
        "born": display(use.person.values["date_of_birth"]),
        "service": display.service(use.case.values["service"]),
        "person_url": person_url(use.person_id),
        "reference": reference(use.person_id),
        "review_url": reverse("web:break-glass-use", args=[use.pk]),
        "reads": reads,
    }


@require_GET
@with_gate
def review_list(request: HttpRequest, gate: Gate) -> HttpResponse:
    """Every break-glass access into the controller's cases, for the DPO: those still to
    review first. Through the gate, which refuses other roles and audits what it shows."""
    page, uses = gate.break_glass_review(request.GET.get("page"))
    display = Display(gate.policy.pack)
    rows = [_use_row(use, display) for use in uses]
    return render(
        request,
        "web/breakglass/review_list.html",
        {
            "nav_active": "break-glass-review",
            "page": page,
            "rows": rows,
            "to_review": sum(1 for use in uses if not use.reviewed),
            "reasons": display.reasons(
                [c for row in rows for c in (row["name_cell"], row["born"], row["service"])]
            ),
            "messages": messages.get_messages(request),
        },
    )


@require_http_methods(["GET", "POST"])
@with_gate
def review_use(request: HttpRequest, gate: Gate, glass_id: int) -> HttpResponse:
    """One break-glass access in full, with the form that marks it reviewed with a note."""
    use = gate.break_glass_use(glass_id)
    display = Display(gate.policy.pack)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    status = 200
    if not use.reviewed and form.is_valid():
        try:
            gate.review_break_glass(glass_id, form.cleaned_data["note"])
        except ValueError as error:
            form.add_error("note", str(error))
        else:
            row = _use_row(use, display)
            messages.success(
                request, f"Break-glass access by {use.staff} to {row['name']} reviewed"
            )
            return redirect("web:break-glass-review")
    if request.method == "POST" and form.errors:
        status = 400
    row = _use_row(use, display)
    return render(
        request,
        "web/breakglass/review_use.html",
        {
            "nav_active": "break-glass-review",
            "row": row,
            "form": form,
            "reasons": display.reasons([row["name_cell"], row["born"], row["service"]]),
        },
        status=status,
    )
