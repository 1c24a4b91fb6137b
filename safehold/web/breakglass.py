"""Break glass: reading a case outside one's allocation in an emergency, with a typed reason,
for a limited time, flagged for the DPO. The gate decides and audits; this page only asks.

The page shows nothing of the case but its number: until the glass is broken, the gate has
not allowed this member of staff to see anything of it.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from safehold.access.gate import BREAK_GLASS_MINUTES, Gate, Refused
from safehold.access.models import User
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
