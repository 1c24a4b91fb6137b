"""The record of processing activities (UK GDPR Article 30(1)), printed from the pack.

One record per purpose. The keys are named after the paragraphs of Article 30(1) so that a
reader (or the ICO) can check each is covered:

(a) the controller, any joint controller, and the data protection officer;
(b) the purpose of the processing;
(c) the categories of data subjects and of personal data;
(d) the categories of recipients;
(e) transfers outside the UK and their safeguards;
(f) the time limits for erasure;
(g) the technical and organisational security measures.

Where the organisation runs a service as a processor for another controller (a provider
under contract), that service's purposes are recorded under Article 30(2) instead: the
`article` column says which, `a_controller` names the controller it acts for and
`processor` names the organisation. Facts the pack marks `assumed` (the published notice is
silent) say so, with the reason. `c_sources` says where the data comes from (Article 14(2)(f)).

It also states each purpose's lawful basis and Article 9 and 10 conditions. It holds no
personal data, so it can be published.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from typing import Any

from safehold.policy.notice import (
    RECIPIENT_KIND_WORDS,
    category_label,
    contact_summary,
    is_uk,
    provision_label,
)
from safehold.policy.schema import (
    Controller,
    ControllerRole,
    Pack,
    Purpose,
    RetentionRule,
    Service,
)
from safehold.policy.wording import describe_action, describe_rule, join_words

NONE = "None"
ROPA_TRANSFER_WORDS = {
    "uk-only": "None: no personal data is transferred outside the UK",
    "uk-and-eea": "Within the UK and the European Economic Area only",
    "adequacy": "Only to countries covered by UK adequacy regulations",
    "safeguards": "Outside the UK, under safeguards",
}


@dataclass(frozen=True)
class Record:
    """One purpose's entry; every field is a list of statements."""

    purpose_code: list[str]
    article: list[str]
    a_controller: list[str]
    processor: list[str]
    a_joint_controllers: list[str]
    a_dpo: list[str]
    b_purpose: list[str]
    c_data_subjects: list[str]
    c_personal_data: list[str]
    c_sources: list[str]
    d_recipients: list[str]
    e_transfers_outside_uk: list[str]
    f_retention: list[str]
    g_security: list[str]
    lawful_basis: list[str]
    special_category_conditions: list[str]
    criminal_offence_conditions: list[str]
    law_enforcement: list[str]
    legislation: list[str]
    identifiable: list[str]
    assumed: list[str]


COLUMNS: tuple[str, ...] = tuple(Record.__dataclass_fields__)


def _controller_words(controller: Controller) -> str:
    parts = [controller.name]
    if controller.address:
        parts.append(" ".join(controller.address.split()))
    if controller.ico_registration:
        parts.append(f"ICO registration {controller.ico_registration}")
    return ", ".join(parts)


def processor_services(pack: Pack, purpose: Purpose) -> list[Service]:
    """The purpose's services, when every one of them is run as a processor (Article 30(2))."""
    services = [s for s in pack.services if s.code in purpose.services]
    if services and all(s.acting_as == "processor" for s in services):
        return services
    return []


def _controllers_of(pack: Pack, purpose: Purpose) -> list[Controller]:
    """The controllers a purpose belongs to: those it names, else those of its services (for a
    processor's service, the controller it acts for), else every controller."""
    if purpose.controllers:
        return [c for c in pack.controllers if c.code in purpose.controllers]
    if purpose.services:
        services = [s for s in pack.services if s.code in purpose.services]
        owned = [s for s in services if s.acting_as == "controller"] or services
        codes = {
            s.on_behalf_of if s.acting_as == "processor" and s.on_behalf_of else s.controller
            for s in owned
        }
        found = [c for c in pack.controllers if c.code in codes]
        if found:
            return found
    return list(pack.controllers)


def _assumed(words: list[str], why: str | None) -> list[str]:
    if not why:
        return words
    return [*words, f"Assumed (the published notice does not state it): {' '.join(why.split())}"]


def rule_applies(rule: RetentionRule, purpose: Purpose) -> bool:
    """A rule covers a purpose unless both name services and none are shared."""
    return (
        not rule.services
        or not purpose.services
        or bool(set(rule.services) & set(purpose.services))
    )


def _record(pack: Pack, purpose: Purpose) -> Record:
    categories = {c.code: c for c in pack.categories}
    subjects = {s.code: s for s in pack.subjects}
    legislation = {law_.code: law_.title for law_ in pack.legislation}

    controllers = _controllers_of(pack, purpose)
    by_processor = processor_services(pack, purpose)
    processors = [c for c in pack.controllers if c.code in {s.controller for s in by_processor}]
    main = [c for c in controllers if c.role is not ControllerRole.JOINT_CONTROLLER] or controllers
    joint = [
        c for c in pack.controllers if c.role is ControllerRole.JOINT_CONTROLLER and c not in main
    ]
    dpos = []
    for controller in controllers:
        if controller.dpo is not None:
            words = f"{controller.name}: {contact_summary(controller.dpo)}"
            if controller.dpo.post:
                words += f", {' '.join(controller.dpo.post.split())}"
            dpos.append(words)

    purpose_words = purpose.name
    if purpose.description:
        purpose_words += f": {' '.join(purpose.description.split())}"

    subject_codes = purpose.subjects or [s.code for s in pack.subjects]
    data_subjects = [subjects[c].name if c in subjects else c for c in subject_codes]
    personal_data = [
        category_label(categories[c]) if c in categories else c for c in purpose.categories
    ]
    sources = [
        f"{categories[c].name}: {join_words(categories[c].sources)}"
        for c in purpose.categories
        if c in categories and categories[c].sources
    ]

    recipients = []
    transfers = []
    for recipient in pack.recipients:
        shares = [s for s in recipient.shares if not s.purposes or purpose.code in s.purposes]
        if not shares:
            continue
        recipients.append(f"{recipient.name} ({RECIPIENT_KIND_WORDS[recipient.kind]})")
        if not is_uk(recipient.country):
            safeguard = recipient.transfer_safeguard or "safeguard not stated"
            transfers.append(f"{recipient.name}, {recipient.country}: {safeguard}")
    scope = pack.transfer_scope
    where = ROPA_TRANSFER_WORDS[scope.scope]
    if scope.countries:
        where += f": {join_words(scope.countries)}"
    if scope.safeguards:
        where += f"; safeguards: {' '.join(scope.safeguards.split())}"
    transfers = _assumed([where, *transfers], scope.assumed)

    retention = []
    for rule in pack.retention:
        if rule_applies(rule, purpose):
            line = f"{rule.name}: {describe_rule(rule, pack)}, then {describe_action(rule.action)}"
            if rule.assumed:
                line += f" (assumed: {' '.join(rule.assumed.split())})"
            retention.append(line)
    assumed = purpose.assumed_about

    return Record(
        purpose_code=[purpose.code],
        article=["30(2)" if processors else "30(1)"],
        a_controller=[_controller_words(c) for c in main],
        processor=[
            f"{_controller_words(c)}, acting as processor (UK GDPR Article 30(2))"
            for c in processors
        ]
        or [NONE],
        a_joint_controllers=[_controller_words(c) for c in joint] or [NONE],
        a_dpo=dpos or ["Not stated"],
        b_purpose=[purpose_words],
        c_data_subjects=data_subjects,
        c_personal_data=personal_data,
        c_sources=sources or ["Not stated"],
        d_recipients=recipients or ["None stated: not shared outside the service"],
        e_transfers_outside_uk=transfers,
        f_retention=retention or ["Not stated: no retention rule covers this purpose"],
        g_security=[s.text for s in pack.security_measures] or ["Not stated"],
        lawful_basis=_assumed(
            [provision_label(b) for b in purpose.lawful_basis], assumed("lawful_basis")
        ),
        special_category_conditions=_assumed(
            [provision_label(c) for c in purpose.special_category_conditions] or [NONE],
            assumed("special_category_conditions"),
        ),
        criminal_offence_conditions=_assumed(
            [provision_label(c) for c in purpose.criminal_offence_conditions] or [NONE],
            assumed("criminal_offence_conditions"),
        ),
        law_enforcement=_assumed(
            [
                "Yes: DPA 2018 Part 3 (law enforcement processing)"
                if purpose.law_enforcement
                else "No"
            ],
            assumed("law_enforcement"),
        ),
        legislation=[legislation.get(c, c) for c in purpose.legislation] or [NONE],
        identifiable=[purpose.identifiable],
        assumed=[purpose.assumed_words] if purpose.assumed_words else [NONE],
    )


def ropa_records(pack: Pack) -> list[Record]:
    return [_record(pack, purpose) for purpose in pack.purposes]


def ropa_rows(pack: Pack) -> list[dict[str, str]]:
    """One row per purpose, every value a string (lists joined with '; ')."""
    return [
        {key: "; ".join(values) for key, values in asdict(record).items()}
        for record in ropa_records(pack)
    ]


def ropa_csv(pack: Pack) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(ropa_rows(pack))
    return out.getvalue()


def ropa_json(pack: Pack) -> dict[str, Any]:
    records: list[dict[str, Any]] = []
    processor_records: list[dict[str, Any]] = []
    for record in ropa_records(pack):
        data: dict[str, Any] = {
            key: [] if values == [NONE] else values for key, values in asdict(record).items()
        }
        data["purpose_code"] = record.purpose_code[0]
        data["article"] = record.article[0]
        data["law_enforcement"] = record.law_enforcement[0] != "No"
        data["identifiable"] = record.identifiable[0]
        (processor_records if record.article == ["30(2)"] else records).append(data)
    return {
        "pack": pack.code,
        "name": pack.name,
        "title": "Record of processing activities",
        "legal_basis_of_record": "UK GDPR Article 30(1)",
        "controllers": join_words(c.name for c in pack.controllers),
        "records": records,
        "processor_records": processor_records,
    }
