"""Dated statuses on a young person's case (docs/adr/0027): each of the pack's status kinds
(`statuses`) is a history of values, one in force at a time, read and written through the
gate and audited like every other record.

A status row's fields are in the data category the pack gives its kind, not one category
for the record type, so decisions are made kind by kind here: a role sees the kinds whose
category it reads at its distance to the case and records those whose category it writes.
Recording a value ends the one in force (the day before the new one starts), so nothing is
overwritten; a correction or an ending is a checked change of one row (the version the page
was opened at), its old values kept in `Change` with the audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from safehold.access.gate import batching
from safehold.access.gate.reading import Reading
from safehold.access.gate.values import Refused, ShownCase, Stale, Withheld
from safehold.access.policy import Decision
from safehold.audit.models import Action
from safehold.audit.services import append
from safehold.policy.schema import StatusKind
from safehold.records.models import Case, CaseStatus, Change

RECORD = "casestatus"
FIELDS = ("kind", "value", "started_on", "ended_on")


@dataclass(frozen=True)
class StatusRow:
    pk: int
    value: str
    value_name: str
    started_on: date
    ended_on: date | None
    version: int

    @property
    def in_force(self) -> bool:
        return self.ended_on is None


@dataclass(frozen=True)
class StatusHistory:
    """One kind of status on one case: its values, its history (newest first), and whether
    this member of staff may record it."""

    kind: StatusKind
    rows: tuple[StatusRow, ...]
    may_write: Decision

    @property
    def current(self) -> StatusRow | None:
        return next((r for r in self.rows if r.in_force), None)


class Statuses(Reading):
    """Dated statuses: read and written kind by kind, by the category the pack gives each."""

    def _status_kind(self, code: str) -> StatusKind:
        kind = next((k for k in self.policy.pack.statuses if k.code == code), None)
        if kind is None:
            raise ValueError(f"the pack has no status '{code}'")
        return kind

    def _status_decision(self, action: str, kind: StatusKind, shown: ShownCase) -> Decision:
        distance = self._reading_distance(shown) if action == "read" else shown.distance
        return self.policy.decide(self.role, action, kind.category, distance)

    def case_statuses(self, shown: ShownCase) -> list[StatusHistory] | Withheld:
        """The history of each status kind this role reads on this case (one query), audited
        as a list naming the categories read; Withheld if it reads none of them."""
        readable = [
            (k, d)
            for k in self.policy.pack.statuses
            if (d := self._status_decision("read", k, shown))
        ]
        if not readable:
            if not self.policy.pack.statuses:
                return Withheld(None, "the pack records no statuses")
            refused = self._status_decision("read", self.policy.pack.statuses[0], shown)
            return Withheld(self.policy.pack.statuses[0].category, refused.rule)
        codes = [k.code for k, _ in readable]
        rows = list(
            CaseStatus.objects.filter(case_id=shown.case_id, kind__in=codes).order_by(
                "-started_on", "-pk"
            )
        )
        histories = []
        for kind, _ in readable:
            names = {v.code: v.name for v in kind.values}
            histories.append(
                StatusHistory(
                    kind,
                    tuple(
                        StatusRow(
                            r.pk,
                            r.value,
                            names.get(r.value, r.value),
                            r.started_on,
                            r.ended_on,
                            r.version,
                        )
                        for r in rows
                        if r.kind == kind.code
                    ),
                    self._status_decision("write", kind, shown),
                )
            )
        batching.append(  # a read: with the rest of the page's, where a batch is open
            [
                self._entry(
                    Action.LIST,
                    readable[0][1].rule,
                    {k.category for k, _ in readable},
                    case_id=shown.case_id,
                    person_id=shown.person_id,
                    record=RECORD,
                    service=shown.service,
                )
            ]
        )
        return histories

    def may_record_status(self, shown: ShownCase, kind_code: str, *, audit: bool) -> Decision:
        """Whether this role records this kind of status on this case; with `audit` (a form
        posted all the same) a refusal is audited here, as no write will be reached."""
        decision = self._status_decision("write", self._status_kind(kind_code), shown)
        if audit and not decision:
            self._refuse(decision, case_id=shown.case_id, person_id=shown.person_id, record=RECORD)
        return decision

    def _check_status_write(self, kind: StatusKind, shown: ShownCase, case: Case) -> Decision:
        decision = self._status_decision("write", kind, shown)
        if decision and (case.restricted or case.person.restricted) and not self.is_dpo:
            decision = Decision(
                False, f"{self.policy.label}: processing is restricted (Article 18)"
            )
        if not decision:
            self._refuse(decision, case_id=case.pk, person_id=case.person_id, record=RECORD)
            raise Refused(decision)
        return decision

    def _status_entry(self, action: str, rule: str, kind: StatusKind, case: Case, pk: int) -> Any:
        return self._entry(
            action,
            rule,
            {kind.category},
            case_id=case.pk,
            person_id=case.person_id,
            record=RECORD,
            record_id=pk,
            service=case.service,
        )

    def record_status(
        self, shown: ShownCase, kind_code: str, value: str, started_on: date
    ) -> CaseStatus:
        """A new value from `started_on`: the value in force (if any, and begun earlier) ends
        the day before; both writes are audited, in one transaction, or neither is made."""
        kind = self._status_kind(kind_code)
        if value not in {v.code for v in kind.values}:
            raise ValueError(f"'{value}' is not a value of the status '{kind.code}'")
        case = self.case_to_write(shown)  # type: ignore[attr-defined]
        decision = self._check_status_write(kind, shown, case)
        with transaction.atomic():
            current = (
                CaseStatus.objects.select_for_update()
                .filter(case_id=case.pk, kind=kind.code, ended_on__isnull=True)
                .order_by("-started_on")
                .first()
            )
            entries = []
            if current is not None:
                if current.started_on >= started_on:
                    raise ValueError(
                        f"the value in force began on {current.started_on:%-d %B %Y}: a new one "
                        "must begin after it (correct that one instead)"
                    )
                self._change_status(
                    current, {"ended_on": started_on - timedelta(days=1)}, case, decision.rule, kind
                )
            row = CaseStatus(
                case=case,
                kind=kind.code,
                value=value,
                started_on=started_on,
                created_by=self.user,
            )
            row.pack_version_id = self.policy.pack_version_id  # type: ignore[assignment]
            row.save()
            entries.append(self._status_entry(Action.CREATE, decision.rule, kind, case, row.pk))
            append(entries)
        return row

    def status_to_write(self, shown: ShownCase, pk: int) -> CaseStatus | None:
        """A status row of this case (None if the case has no such row)."""
        return CaseStatus.objects.filter(case_id=shown.case_id, pk=pk).first()

    def change_status(
        self, shown: ShownCase, pk: int, values: dict[str, Any], *, version: int
    ) -> CaseStatus:
        """Correct or end one status row, from the version the editor opened: refused with
        `Stale` if someone saved it since; the old values kept in its history."""
        row = self.status_to_write(shown, pk)
        if row is None:
            raise Stale(RECORD, pk, version, None)
        kind = self._status_kind(row.kind)
        if "value" in values and values["value"] not in {v.code for v in kind.values}:
            raise ValueError(f"'{values['value']}' is not a value of the status '{kind.code}'")
        start = values.get("started_on", row.started_on)
        end = values.get("ended_on", row.ended_on)
        if end is not None and end < start:
            raise ValueError("it cannot end before it began")
        case = self.case_to_write(shown)  # type: ignore[attr-defined]
        decision = self._check_status_write(kind, shown, case)
        with transaction.atomic():
            return self._change_status(row, values, case, decision.rule, kind, version=version)

    def _change_status(
        self,
        row: CaseStatus,
        values: dict[str, Any],
        case: Case,
        rule: str,
        kind: StatusKind,
        *,
        version: int | None = None,
    ) -> CaseStatus:
        rows = CaseStatus.objects.filter(pk=row.pk)
        current = rows.select_for_update().values(*values, "version").first()
        if current is None or (version is not None and current["version"] != version):
            raise Stale(RECORD, row.pk, version, None if current is None else current["version"])
        changed = {n: v for n, v in values.items() if current[n] != v}
        if not changed:
            return row
        made = current["version"] + 1
        now = timezone.now()
        updated = rows.filter(version=current["version"]).update(
            **changed, version=made, updated_at=now, pack_version_id=self.policy.pack_version_id
        )
        if updated != 1:
            raise Stale(RECORD, row.pk, version, None)
        event = append([self._status_entry(Action.UPDATE, rule, kind, case, row.pk)])[0]
        Change.objects.bulk_create(
            Change(
                case_id=case.pk,
                record_type=RECORD,
                record_id=row.pk,
                field=name,
                old=current[name],
                new=value,
                version=made,
                changed_at=now,
                changed_by=self.user,
                audit_seq=event.seq,
            )
            for name, value in changed.items()
        )
        for name, value in changed.items():
            setattr(row, name, value)
        row.version = made
        return row
