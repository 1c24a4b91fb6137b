"""A subject access bundle: everything the controller holds about a person, compiled through
the gate, with the third parties in it proposed for redaction.

`compile_bundle` reads as the data protection officer under the rights-request purpose, every
read and export audited by the gate: the person's details, their flags with when each started
and ended, the people around them (family, professionals, victims), every case of every
service with every record the DPO may export, how long each part is kept and why, where the
information came from, and, where the pack says so, who has seen the record. Nothing is
withheld here: `thirdparties` proposes, a reviewer decides (`services.decide_redactions`), and
`apply` withholds what was decided, refusing while anything is undecided.

The person's consents, objections and preferences (given, refused, withdrawn, with the
capacity assessment) and the disclosure log about them (what was shared with whom, when,
under which gateway) are read through the gate's sharing verbs (`Gate.consents`,
`Gate.shared_with`), audited; the people in them (a parent who decided, the recipient's
contact, names in free text) are proposed for redaction like any other record's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone

from safehold.access.gate import Gate, Shown, ShownCase, Withheld, staff_name
from safehold.audit.models import Action as AuditAction
from safehold.audit.selectors import who_has_seen
from safehold.policy.law import ARTICLE_6
from safehold.policy.rights import derive_rights
from safehold.policy.schema import Pack
from safehold.policy.wording import describe_keep
from safehold.records.models import Assessment, Contact, Offence, Outcome, Plan, Report
from safehold.retention.models import RetentionUnit, UnitKind
from safehold.rights.reads import PURPOSE

CASE_RECORDS = (Contact, Assessment, Plan, Offence, Outcome, Report)
SEEN_LIMIT = 500
# The disclosure log about one person: every entry (a person's log is short; an extract run
# covering them is one entry), bounded so a runaway log cannot stall a compile.
DISCLOSURE_LIMIT = 10_000
WITHHELD_MARK = "[withheld]"


@dataclass
class Value:
    name: str
    label: str
    text: str
    free_text: bool = False
    # The value as data (an ISO date, a code), for the machine-readable copy (portability);
    # None where only the words are kept.
    data: Any = None


@dataclass
class Entry:
    key: str  # record:id
    title: str
    values: list[Value]


@dataclass
class Section:
    id: str
    title: str
    entries: list[Entry] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class Proposal:
    key: str
    field: str
    start: int
    end: int
    text: str
    entity: str
    whose: str
    found_by: str

    @property
    def ident(self) -> tuple[str, str, int, int, str]:
        return (self.key, self.field, self.start, self.end, self.text)


@dataclass
class Compiled:
    person_id: int
    name: str
    sections: list[Section]
    proposals: list[Proposal]
    categories: set[str]
    retention: list[str]
    sources: list[str]
    records: int
    shared_with: list[str] = field(default_factory=list)


@cache
def _label(record: str, name: str) -> str:
    try:
        model = apps.get_model("records", record)
        verbose = str(model._meta.get_field(name).verbose_name)
    except (LookupError, Exception):
        verbose = name.replace("_", " ")
    return verbose[:1].upper() + verbose[1:]


@cache
def _choices(record: str, name: str) -> dict[Any, str]:
    try:
        found = apps.get_model("records", record)._meta.get_field(name)
    except Exception:
        return {}
    return {k: str(v) for k, v in (getattr(found, "choices", None) or [])}


@cache
def _is_text(record: str, name: str) -> bool:
    try:
        found = apps.get_model("records", record)._meta.get_field(name)
    except Exception:
        return False
    return isinstance(found, models.TextField)


def words(value: Any, choices: dict[Any, str] | None = None) -> str:
    if isinstance(value, Withheld):
        return "Withheld"
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        local = timezone.localtime(value)
        return f"{local.day} {local:%B %Y} at {local:%H:%M}"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    if choices and value in choices:
        return choices[value]
    return str(value)


SKIP = frozenset({"id", "pk", "version", "pack_version", "case", "person", "plan"})


def _entry(shown: Shown, title: str) -> Entry:
    values = []
    for name, value in shown.values.items():
        if name in SKIP:
            continue
        text = words(value, _choices(shown.record, name))
        if not text:
            continue
        values.append(
            Value(
                name,
                _label(shown.record, name),
                text,
                _is_text(shown.record, name),
                _data(value),
            )
        )
    return Entry(f"{shown.record}:{shown.pk}", title, values)


def _data(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def _person_name(values: dict[str, Any]) -> str:
    parts = [
        str(values.get(n))
        for n in ("given_name", "family_name")
        if values.get(n) and not isinstance(values.get(n), Withheld)
    ]
    return " ".join(parts)


def compile_bundle(
    dpo: Any, person_id: int, *, pack: Pack, with_proposals: bool = True
) -> Compiled:
    """Everything held about the person, read and exported through the gate as the DPO."""
    from safehold.rights import thirdparties

    gate = Gate(dpo, purpose=PURPOSE, emergency=False)
    young = gate.young_person(person_id, limit=100_000)
    person_values = young.person.values
    name = _person_name(person_values) or f"person {person_id}"
    services = {s.code: s.name for s in pack.services}
    categories: set[str] = set(young.person.categories)
    sections: list[Section] = [
        Section("details", "Your details", [_entry(young.person, "Your details")])
    ]
    flag_names = {f.code: f.name for f in pack.flags}
    flags = Section("flags", "What is recorded about your circumstances")
    for flag in young.flags:
        values = flag.values
        title = flag_names.get(str(values.get("flag")), str(values.get("flag")))
        entry = _entry(flag, title)
        entry.values = [v for v in entry.values if v.name != "flag"]
        flags.entries.append(entry)
        categories |= flag.categories
    sections.append(flags)

    related = gate.related_people(young.cases, limit=10_000)
    around = Section(
        "people",
        "People around you in our records",
        note="Other people's details are shown only where a reviewer decided they may be.",
    )
    known: list[thirdparties.Known] = []
    own_names = {
        str(person_values.get(n)).lower()
        for n in ("given_name", "family_name", "preferred_name")
        if person_values.get(n) and not isinstance(person_values.get(n), Withheld)
    }
    proposals: list[Proposal] = []
    for r in related:
        kind = _kind_words(r)
        other_name = _person_name(r.person.values)
        whose = f"{kind}: {other_name}" if other_name else kind
        entry = _entry(r.person, kind)
        entry.key = f"related:{r.link.record}:{r.link.pk}"
        around.entries.append(entry)
        contacts = tuple(
            str(r.person.values[n])
            for n in ("phone", "email")
            if r.person.values.get(n) and not isinstance(r.person.values.get(n), Withheld)
        )
        names = thirdparties.terms_of(
            str(r.person.values.get("given_name") or ""),
            str(r.person.values.get("family_name") or ""),
            own_names,
        )
        known.append(thirdparties.Known(r.person.pk, whose, names, contacts))
        for value in entry.values:
            proposals.append(
                Proposal(
                    entry.key,
                    value.name,
                    0,
                    len(value.text),
                    value.text,
                    "name" if value.name.endswith("name") else value.name,
                    whose,
                    "record-link",
                )
            )
    sections.append(around)

    records = 1 + len(young.flags)
    case_ids = []
    events_seen: set[int] = set()  # a person's event is one row shown under each case
    for shown_case in young.cases:
        exported = gate.export(shown_case.case_id, CASE_RECORDS)
        case_ids.append(shown_case.case_id)
        section = _case_section(exported, services)
        categories |= exported.case.categories
        for items in exported.records.values():
            for item in items:
                categories |= item.categories
                records += 1
        records += _statuses_and_events(gate, shown_case, section, categories, events_seen)
        sections.append(section)

    consents = gate.consents(person_id)
    sections.append(_consents(consents, pack))
    for record in consents:
        if record.given_by_name and record.given_by not in pack.notice.young_person_subjects:
            proposals.append(
                Proposal(
                    f"consentrecord:{record.pk}",
                    "given_by_name",
                    0,
                    len(record.given_by_name),
                    record.given_by_name,
                    "name",
                    f"Who decided: {record.given_by_name}",
                    "record-link",
                )
            )
    shared = gate.shared_with(person_id, limit=DISCLOSURE_LIMIT)
    sections.append(_disclosures(shared, pack))
    for d in shared:
        if d.recipient_contact:
            proposals.append(
                Proposal(
                    f"disclosure:{d.pk}",
                    "recipient_contact",
                    0,
                    len(d.recipient_contact),
                    d.recipient_contact,
                    "name",
                    f"Recipient's contact at {d.recipient_name}",
                    "record-link",
                )
            )
    records += len(consents) + len(shared)
    for d in shared:
        categories |= set(d.categories or ())

    retention = _retention(person_id, case_ids, pack, services)
    sections.append(
        Section(
            "retention",
            "How long we keep it",
            [Entry(f"retention:{i}", line, []) for i, line in enumerate(retention)],
        )
    )
    if pack.rights.access_shows_who_has_seen:
        sections.append(_seen(person_id))
    sources = sorted({s for c in pack.categories if c.code in categories for s in c.sources})
    if with_proposals:
        own = [
            line
            for n in ("phone", "email", "postcode", "address")
            if person_values.get(n) and not isinstance(person_values.get(n), Withheld)
            for line in str(person_values.get(n)).splitlines()
        ]
        finder = thirdparties.Finder(known, own, own_names)
        where = [
            (entry.key, value.name, value.text)
            for section in sections
            if section.id not in {"people", "retention", "seen"}
            for entry in section.entries
            for value in entry.values
            if value.free_text
        ]
        for (key, field_name, _text), found in zip(
            where, finder.find_all([text for _k, _n, text in where]), strict=True
        ):
            proposals += [
                Proposal(key, field_name, f.start, f.end, f.text, f.entity, f.whose, f.found_by)
                for f in found
            ]
    shared_to = sorted({d.recipient_name for d in shared if d.outcome == "shared"})
    return Compiled(
        person_id, name, sections, proposals, categories, retention, sources, records, shared_to
    )


def _consents(records: Sequence[Any], pack: Pack) -> Section:
    """Each consent, objection and preference record: one entry per record, withdrawals and
    refusals as they were recorded (the history, not only what holds now)."""
    from safehold.sharing.models import Capacity, ConsentState, How

    names = {p.code: p for p in pack.preferences}
    subjects = {s.code: s.name for s in pack.subjects}
    states, hows, capacities = (
        dict(ConsentState.choices),
        dict(How.choices),
        dict(Capacity.choices),
    )
    section = Section(
        "consents",
        "Your consents, objections and preferences",
    )
    for r in records:
        preference = names.get(r.preference)
        title = preference.name if preference else r.preference
        values = [
            Value("kind", "What kind", str(r.kind).replace("-", " ").capitalize()),
            Value("state", "Recorded as", states.get(r.state, r.state), data=r.state),
            Value("on", "On", words(r.on), data=_data(r.on)),
            Value("until", "Until", words(r.until), data=_data(r.until)),
            Value("given_by", "Decided by", subjects.get(r.given_by, r.given_by), data=r.given_by),
            Value("given_by_name", "Name of who decided", r.given_by_name),
            Value("how", "How", hows.get(r.how, r.how)),
            Value("evidence", "Evidence", r.evidence, True),
            Value("capacity", "Able to decide for themselves", capacities.get(r.capacity, "")),
            Value(
                "capacity_by",
                "Assessed by",
                staff_name(r.capacity_by) if r.capacity_by_id else "",
            ),
            Value("capacity_reason", "Why", r.capacity_reason, True),
            Value("recorded_at", "Recorded", words(r.recorded_at)),
            Value("recorded_by", "Recorded by", staff_name(r.recorded_by)),
        ]
        section.entries.append(Entry(f"consentrecord:{r.pk}", title, [v for v in values if v.text]))
    return section


def _disclosures(found: Sequence[Any], pack: Pack) -> Section:
    """The disclosure log about the person: each share decided (shared or not) and each
    regular return that covered them, with the gateway and the consent it went under."""
    from safehold.sharing.models import Channel, ConsentStatus, Outcome

    gateways = {g.code: g.name for g in pack.gateways}
    purposes = {p.code: p.name for p in pack.purposes}
    labels = {c.code: c.name for c in pack.categories}
    outcomes, statuses, channels = (
        dict(Outcome.choices),
        dict(ConsentStatus.choices),
        dict(Channel.choices),
    )
    section = Section(
        "disclosures",
        "Who we shared your information with",
        note="Every decision to share, including those where nothing was sent.",
    )
    for d in found:
        what = ", ".join(
            f"{i.get('record', '')} ({', '.join(i.get('fields') or ())})".strip()
            if isinstance(i, dict)
            else str(i)
            for i in d.items or ()
        )
        values = [
            Value("outcome", "Outcome", outcomes.get(d.outcome, d.outcome)),
            Value("at", "When", words(d.at)),
            Value("recipient_name", "To", d.recipient_name),
            Value("recipient_contact", "Their contact", d.recipient_contact),
            Value("purpose", "Why", purposes.get(d.purpose, d.purpose)),
            Value("gateway", "Under", gateways.get(d.gateway, d.gateway)),
            Value("consent_status", "Consent", statuses.get(d.consent_status, "")),
            Value("reason", "Reason given", d.reason, True),
            Value("reference", "Reference", d.reference, True),
            Value(
                "categories",
                "Kinds of information",
                ", ".join(labels.get(c, c) for c in d.categories or ()),
            ),
            Value("items", "What went", what if d.outcome == Outcome.SHARED else ""),
            Value("extract", "Regular return", d.extract),
            Value("channel", "How it went", channels.get(d.channel, "")),
            Value("by", "Decided by", staff_name(d.by) if d.by_id else d.by_label),
            Value(
                "approved_by", "Approved by", staff_name(d.approved_by) if d.approved_by_id else ""
            ),
        ]
        section.entries.append(
            Entry(f"disclosure:{d.pk}", d.recipient_name, [v for v in values if v.text])
        )
    return section


def _kind_words(r: Any) -> str:
    if r.kind == "victim":
        return "Victim of an offence"
    kind = r.link.values.get("kind")
    if isinstance(kind, Withheld) or not kind:
        return "Someone linked to you"
    return _choices("relationship", "kind").get(kind, str(kind))


def _case_section(exported: ShownCase, services: dict[str, str]) -> Section:
    values = exported.case.values
    opened = words(values.get("opened_on"))
    service = services.get(exported.service, exported.service)
    case_entry = _entry(exported.case, "The case")
    for value in case_entry.values:
        if value.name == "service":
            value.text = service  # the pack's name for it, not its code
    section = Section(
        f"case-{exported.case_id}",
        f"{service}{', from ' + opened if opened else ''}",
        [case_entry],
    )
    for record, items in exported.records.items():
        label = str(apps.get_model("records", record)._meta.verbose_name)
        for item in items:
            section.entries.append(_entry(item, label[:1].upper() + label[1:]))
    return section


def _statuses_and_events(
    gate: Gate, shown: ShownCase, section: Section, categories: set[str], seen: set[int]
) -> int:
    """The case's dated statuses (each value with its dates) and the dates of the pack's
    events, read through the gate (audited as lists) into the case's section; how many."""
    added = 0
    histories = gate.case_statuses(shown)
    if not isinstance(histories, Withheld):
        for history in histories:
            for row in reversed(history.rows):  # oldest first, as the case's records read
                values = [
                    Value("value", "Status", row.value_name, data=row.value),
                    Value("started_on", "From", words(row.started_on), data=_data(row.started_on)),
                ]
                if row.ended_on:
                    values.append(
                        Value("ended_on", "Until", words(row.ended_on), data=_data(row.ended_on))
                    )
                section.entries.append(Entry(f"casestatus:{row.pk}", history.kind.name, values))
                categories.add(history.kind.category)
                added += 1
    events = gate.case_events(shown)
    if not isinstance(events, Withheld):
        for event in events:
            if event.on is None or event.pk is None or event.pk in seen:
                continue
            seen.add(event.pk)
            section.entries.append(
                Entry(
                    f"recordedevent:{event.pk}",
                    event.name,
                    [Value("on", "Date", words(event.on), data=_data(event.on))],
                )
            )
            added += 1
    return added


def retention_units(person_id: int, case_ids: Sequence[int]) -> models.QuerySet[RetentionUnit]:
    """The person's own units, keyed by the person, and the case files of the cases shown,
    keyed by the case: by (key, kind), the unit table's lookup index. The table has no index
    on person or case, on purpose (the plan rewrites it in bulk), so asking by person_id read
    every unit, a million rows and more, on every compile."""
    return RetentionUnit.objects.filter(
        Q(kind=UnitKind.CASE_FILE, key__in=list(case_ids))
        | Q(kind__in=[UnitKind.NON_CASE_FILE, UnitKind.PERSON], key=person_id)
    )


def _retention(
    person_id: int, case_ids: Sequence[int], pack: Pack, services: dict[str, str]
) -> list[str]:
    rules = {r.code: r for r in pack.retention}
    lines = []
    for unit in retention_units(person_id, case_ids).order_by("kind", "key"):
        what = (
            f"The case file of {services.get(unit.service, unit.service)}"
            if unit.case_id
            else unit.get_kind_display()
        )
        rule = rules.get(unit.rule)
        why = f"{rule.name}: {describe_keep(rule.keep, pack, you=True)}" if rule else unit.note
        until = f"kept until {words(unit.keep_until)}" if unit.keep_until else "no date yet"
        lines.append(f"{what}: {until}. {why}".strip())
    return lines


def _seen(person_id: int) -> Section:
    from safehold.access.models import User

    section = Section("seen", "Who has seen your record")
    events = list(
        who_has_seen(person_id).values_list(
            "seq", "at", "actor_id", "actor_label", "action", "record_type"
        )[:SEEN_LIMIT]
    )
    names = {
        u.pk: staff_name(u) for u in User.objects.filter(pk__in={e[2] for e in events if e[2]})
    }
    actions = dict(AuditAction.choices)
    for seq, at, actor_id, label, action, record in events:
        section.entries.append(
            Entry(
                f"audit:{seq}",
                f"{words(at)}: {names.get(actor_id, label)}",
                [Value("action", "What", f"{actions.get(action, action)} {record}".strip())],
            )
        )
    if len(events) == SEEN_LIMIT:
        section.note = f"The latest {SEEN_LIMIT}; ask us for the rest."
    return section


# --- applying the reviewer's decisions -----------------------------------------------------------


class Undecided(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(f"{count} proposed redaction(s) not yet decided")
        self.count = count


def apply(
    compiled: Compiled, withheld: Iterable[tuple[str, str, int, int, str]], decided: set[Any]
) -> list[Section]:
    """The sections with every withheld span replaced; Undecided if any proposal found in this
    compilation has no decision (nothing of another person is released unreviewed)."""
    pending = [p for p in compiled.proposals if p.ident not in decided]
    if pending:
        raise Undecided(len(pending))
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for key, name, start, end, _text in withheld:
        spans.setdefault((key, name), []).append((start, end))
    out: list[Section] = []
    for section in compiled.sections:
        entries = []
        for entry in section.entries:
            values = []
            for value in entry.values:
                cut = sorted(spans.get((entry.key, value.name), []), reverse=True)
                text = value.text
                for start, end in cut:
                    text = text[:start] + WITHHELD_MARK + text[end:]
                # The data goes only where nothing in the text was withheld.
                data = value.data if text == value.text else None
                values.append(Value(value.name, value.label, text, value.free_text, data))
            entries.append(Entry(entry.key, entry.title, values))
        out.append(Section(section.id, section.title, entries, section.note))
    return out


def letter(pack: Pack, compiled: Compiled, request_received: date) -> dict[str, Any]:
    """The covering letter's Article 15 information, from the pack and the bundle."""
    controller = pack.controllers[0]
    authority = pack.supervisory_authority
    return {
        "controller": controller.name,
        "received": words(request_received),
        "purposes": [
            f"{p.name} ({', '.join(ARTICLE_6[b].title.lower() for b in p.lawful_basis)})"
            for p in pack.purposes
        ],
        "categories": [c.name for c in pack.categories if c.code in compiled.categories],
        "recipients": [r.name for r in pack.recipients],
        "shared_with": compiled.shared_with,
        "retention": compiled.retention,
        "rights": [r.title for r in derive_rights(pack) if r.applies.value != "does-not-apply"],
        "sources": compiled.sources,
        "complain": authority.name if authority else "Information Commissioner's Office",
        "automated": pack.automated_decisions.statement
        or ("We do not make decisions about you by automated means alone."),
    }


def content(compiled: Compiled, sections: list[Section], letter_: dict[str, Any]) -> dict[str, Any]:
    """The released bundle as JSON (portability: machine-readable)."""
    return {
        "person": compiled.person_id,
        "name": compiled.name,
        "letter": letter_,
        "sections": [asdict(s) for s in sections],
    }


def to_data(compiled: Compiled) -> dict[str, Any]:
    """A compilation as JSON, to keep with the request while it is reviewed."""
    data = asdict(compiled)
    data["categories"] = sorted(compiled.categories)
    return data


def from_data(data: dict[str, Any]) -> Compiled:
    sections = [
        Section(
            s["id"],
            s["title"],
            [Entry(e["key"], e["title"], [Value(**v) for v in e["values"]]) for e in s["entries"]],
            s.get("note", ""),
        )
        for s in data["sections"]
    ]
    return Compiled(
        data["person_id"],
        data["name"],
        sections,
        [Proposal(**p) for p in data["proposals"]],
        set(data["categories"]),
        list(data["retention"]),
        list(data["sources"]),
        int(data["records"]),
        list(data.get("shared_with") or []),
    )


PORTABLE_FORMAT = "safehold-portability/1"


def portable(pack: Pack, compiled: Compiled, sections: list[Section]) -> dict[str, Any]:
    """What the person provided, machine-readable (UK GDPR Article 20): the fields of the
    categories the pack marks `provided` or `observed`, from the person's own record and
    their case records, and the consents, objections and preferences they decided
    themselves. Not the bundle: what we or others recorded or inferred stays out, and so
    does everyone else's information (related people; anything a reviewer withheld)."""
    kinds = {f: c.provided for c in pack.categories if c.provided for f in c.holds}
    own = set(pack.notice.young_person_subjects)
    records: dict[str, list[dict[str, Any]]] = {}
    consents: list[dict[str, Any]] = []
    for section in sections:
        if section.id in {"people", "retention", "seen", "disclosures"}:
            continue
        for entry in section.entries:
            record = entry.key.split(":", 1)[0]
            if record == "consentrecord":
                values = {v.name: v.data for v in entry.values if v.data is not None}
                if values.get("given_by") in own:
                    consents.append({"about": entry.title, **values})
                continue
            item = {
                v.name: v.data if v.data is not None else v.text
                for v in entry.values
                if f"{record}.{v.name}" in kinds
            }
            if item:
                records.setdefault(record, []).append(item)
    return {
        "format": PORTABLE_FORMAT,
        "controller": pack.controllers[0].name,
        "provided": sorted(f for f, k in kinds.items() if k == "provided"),
        "observed": sorted(f for f, k in kinds.items() if k == "observed"),
        "records": records,
        "consents": consents,
    }


def digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
