"""Case-level returns as versioned definitions (docs/statistics.md, docs/adr/0022).

A definition (a YAML file in this folder) names its cohort, the orders it covers and each
column: a source field of the record model and a transform from a fixed vocabulary
(`pseudonym`, `initials`, `date`, `code`, `text`, `postcode-district`). `build` checks the
member of staff may export every category the columns read at the controller's distance
(through their gate's policy: a statistics-only role never may), leaves out restricted
records and people whose opt-out covers the return, reads the cohort in SQL in chunks, and
appends one `export` audit entry per order released, naming the child and the recipient.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from django.db import transaction
from django.db.models import F
from pydantic import BaseModel, ConfigDict, Field

from safehold.access.policy import Decision, Distance
from safehold.audit.models import Action
from safehold.audit.models import Decision as AuditDecision
from safehold.audit.services import AuditEntry, append
from safehold.records.models import Outcome
from safehold.sharing.pseudonyms import pseudonymiser
from safehold.statistics import outputs, profiles
from safehold.statistics.periods import Quarter

if TYPE_CHECKING:
    from safehold.access.gate import Gate

HERE = Path(__file__).resolve().parent
CHUNK = 2000

Transform = Literal["pseudonym", "initials", "date", "code", "text", "postcode-district"]


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    source: str = Field(
        pattern=r"^(person|case|outcome)\.[a-z_]+(\+(person|case|outcome)\.[a-z_]+)*$"
    )
    transform: Transform
    codes: dict[str, str] = {}
    otherwise: str = ""


class Definition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    version: str
    name: str
    recipient: str
    valid_from: date
    cohort: Literal["orders-ending"]
    orders: list[str] = Field(min_length=1)
    columns: list[Column] = Field(min_length=1)

    @property
    def key(self) -> str:
        return f"{self.code}@{self.version}"

    @property
    def sources(self) -> list[str]:
        return sorted({s for c in self.columns for s in c.source.split("+")})


@cache
def definitions() -> dict[str, Definition]:
    """Every shipped definition, by `code@version`."""
    found = {}
    for path in sorted(HERE.glob("*.yaml")):
        definition = Definition.model_validate(yaml.safe_load(path.read_text()))
        found[definition.key] = definition
    return found


def find(code: str, on: date) -> Definition:
    """The definition of a return in force on a day (`code`, or `code@version` exactly)."""
    known = definitions()
    if "@" in code:
        if code not in known:
            raise LookupError(f"there is no return '{code}': the returns are {', '.join(known)}")
        return known[code]
    versions = [d for d in known.values() if d.code == code and d.valid_from <= on]
    if not versions:
        raise LookupError(f"there is no return '{code}' in force on {on:%d %B %Y}")
    return max(versions, key=lambda d: d.valid_from)


# --- the decision ---------------------------------------------------------------------------


_PATHS = {"person": "case__person__", "case": "case__", "outcome": ""}


def _field(source: str) -> tuple[str, str, str]:
    record, name = source.split(".")
    return record, name, f"{_PATHS[record]}{name}" if name != "id" else f"{_PATHS[record]}pk"


def categories(gate: Gate, definition: Definition) -> set[str]:
    found = set()
    for source in definition.sources:
        record, name, _ = _field(source)
        if name != "id" and (category := gate.policy.category(record, name)) is not None:
            found.add(category)
    return found


def decide(gate: Gate, definition: Definition) -> Decision:
    where = gate.policy.label or gate.policy.pack.code
    needed = categories(gate, definition)
    # A return is a disclosure: it goes only to a recipient the pack (the notice) declares,
    # and only what the pack lets go to it, whatever the role may export.
    recipient = next(
        (r for r in gate.policy.pack.recipients if r.code == definition.recipient), None
    )
    if recipient is None:
        return Decision(
            False,
            f"{where}: the pack declares no sharing with '{definition.recipient}', to whom the "
            f"return {definition.key} goes",
        )
    shared = {c for share in recipient.shares for c in share.categories}
    beyond = set() if "*" in shared else needed - shared
    if beyond:
        return Decision(
            False,
            f"{where}: the pack does not let {', '.join(sorted(beyond))} go to "
            f"'{recipient.code}', which the return {definition.key} needs",
        )
    may = gate.policy.categories(gate.role, "export", Distance.CONTROLLER)
    missing = sorted(needed - may)
    if missing:
        return Decision(
            False,
            f"{where}: role '{gate.role}' may not export {', '.join(missing)} across the "
            f"controller, which the return {definition.key} needs",
        )
    return Decision(True, f"{where}: role '{gate.role}' exports {', '.join(sorted(needed))}")


# --- building it ----------------------------------------------------------------------------


def _value(column: Column, row: dict[str, Any], pseudonym: Callable[[int], str]) -> str:
    values = [row[s] for s in column.source.split("+")]
    value = values[0]
    if column.transform == "pseudonym":
        return pseudonym(value)
    if column.transform == "initials":
        return "".join(str(v).strip()[:1].upper() for v in values if v)
    if column.transform == "date":
        return value.isoformat() if value else ""
    if column.transform == "code":
        return column.codes.get(str(value or ""), column.otherwise)
    if column.transform == "postcode-district":
        return str(value or "").strip().upper().split(" ")[0]
    return str(value or "")


def _pseudonymises(definition: Definition) -> bool:
    return any(c.transform == "pseudonym" for c in definition.columns)


def build(gate: Gate, definition: Definition, quarter: Quarter) -> Iterator[list[str]]:
    """The header, then one row per order ending in the quarter; raises `Refused` (audited)
    before anything is read if the member of staff may not export what it needs."""
    from safehold.access.gate import Refused

    decision = decide(gate, definition)
    needed = sorted(categories(gate, definition))
    rule = f"{decision.rule}; return {definition.key} for {quarter.code} to {definition.recipient}"
    if not decision:
        append([_entry(gate, rule, needed, None, None, refused=True)])
        raise Refused(decision)
    controller_id = gate.user.controller_id
    assert controller_id is not None
    opted = profiles.opted_out(gate.policy.pack, definition.code)
    cases = outputs.base(controller_id, service=None, opted_out=opted).filter(
        restricted=False, person__restricted=False
    )
    orders = Outcome.objects.filter(
        kind__in=definition.orders,
        ends_on__gte=quarter.start,
        ends_on__lte=quarter.end,
        case_id__in=cases.values("pk"),
    ).order_by("pk")
    paths = {s: _field(s)[2] for s in definition.sources}
    # The recipient's own pseudonyms, as its extracts have (sharing/pseudonyms.py): the same
    # person the same in every return to it, unlinkable to another recipient's, and under a
    # key of their own, so rotating SECRET_KEY does not change them.
    pseudonym = pseudonymiser(definition.recipient) if _pseudonymises(definition) else str
    yield [c.name for c in definition.columns]
    last = 0
    while True:
        with transaction.atomic():
            chunk = list(
                orders.filter(pk__gt=last).values(
                    "pk",
                    "case_id",
                    "case__person_id",
                    **{f"f{i}": F(path) for i, path in enumerate(paths.values())},
                )[:CHUNK]
            )
            if not chunk:
                return
            names = {f"f{i}": source for i, source in enumerate(paths)}
            rows = [{names[k]: v for k, v in r.items() if k in names} for r in chunk]
            append(
                [
                    _entry(
                        gate,
                        rule,
                        needed,
                        r["case__person_id"],
                        r["case_id"],
                        record_id=r["pk"],
                        recipient=definition.recipient,
                    )
                    for r in chunk
                ]
            )
        for row in rows:
            yield [_value(column, row, pseudonym) for column in definition.columns]
        last = chunk[-1]["pk"]


def _entry(
    gate: Gate,
    rule: str,
    categories: list[str],
    person_id: int | None,
    case_id: int | None,
    *,
    record_id: int | None = None,
    refused: bool = False,
    recipient: str = "",
) -> AuditEntry:
    from safehold.statistics.access import purpose

    why = purpose(gate)
    return AuditEntry(
        actor_label=gate.user.get_username(),
        actor_id=gate.user.pk,
        action=Action.REFUSE if refused else Action.EXPORT,
        decision=AuditDecision.REFUSED if refused else AuditDecision.ALLOWED,
        rule=rule,
        person_id=person_id,
        case_id=case_id,
        record_type="outcome" if record_id else "return",
        record_id=record_id,
        categories=categories,
        purpose=why,
        reason="" if why else "a statutory return",
        recipient=recipient,
        pack_version_id=gate.policy.pack_version_id,
    )


def as_csv(rows: Iterator[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()
