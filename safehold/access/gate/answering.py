"""Answering, the gate's part for what a rights request keeps about the person it is about:
the bundle compiled for review, the redaction log (other people's information proposed for
withholding, with the reviewer's decisions) and the release (the copy as sent).

All three are personal data (the person's own records, and third parties' names, numbers and
addresses in the log), so they are read here: only by the DPO of the request's controller
(another controller's request is refused exactly as a missing one), each read audited with
the person it is about.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safehold.access.gate.reading import Reading
from safehold.access.gate.values import Refused
from safehold.access.policy import Decision
from safehold.audit.models import Action
from safehold.audit.services import append

if TYPE_CHECKING:
    from safehold.rights.models import CompiledBundle, Redaction, Release, RightsRequest


class Answering(Reading):
    """The bundle under review, the redaction log and the release of a rights request."""

    def _answering(
        self, request: RightsRequest, record: str, what: str, action: str = Action.READ
    ) -> None:
        if not self.is_dpo or request.controller_id != self._controller_id:
            decision = Decision(
                False,
                f"{self.policy.label}: only the controller's data protection officer reads "
                "what a rights request holds",
            )
            self._refuse(decision, record=record)
            raise Refused(decision)
        append(
            [
                self._entry(
                    action,
                    f"{self.policy.label}: {what} of {request.reference}, for the DPO",
                    (),
                    person_id=request.person_id,
                    record=record,
                    record_id=request.pk,
                )
            ]
        )

    def redaction_log(self, request: RightsRequest) -> list[Redaction]:
        """Every proposal and decision of the request's redaction log, audited as one read."""
        from safehold.rights.models import Redaction

        self._answering(request, "redaction", "the redaction log")
        return list(Redaction.objects.filter(request=request).select_related("decided_by"))

    def release_of(self, request: RightsRequest) -> Release | None:
        """The approval and release of the request's bundle (with the copy as sent)."""
        from safehold.rights.models import Release

        self._answering(request, "release", "the released bundle")
        return Release.objects.filter(request=request).first()

    def stored_bundle(self, request: RightsRequest) -> CompiledBundle | None:
        """The bundle as compiled for review, if it is kept."""
        from safehold.rights.models import CompiledBundle

        self._answering(request, "compiledbundle", "the bundle compiled for review")
        return CompiledBundle.objects.filter(request=request).select_related("compiled_by").first()

    def keep_bundle(self, request: RightsRequest, content: dict[str, Any], records: int) -> None:
        """Keep a fresh compilation with the request (replacing the last), audited."""
        from django.utils import timezone

        from safehold.rights.models import CompiledBundle

        self._answering(request, "compiledbundle", "a new compilation of the bundle", Action.CREATE)
        CompiledBundle.objects.update_or_create(
            request=request,
            defaults={
                "content": content,
                "records": records,
                "compiled_at": timezone.now(),
                "compiled_by": self.user,
            },
        )
