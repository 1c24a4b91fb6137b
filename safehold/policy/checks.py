"""Cross-checks between a pack's sections, in words a data protection officer understands.

These run on the parsed document itself (not only on a fully valid `Pack`) so that a
misspelt category and a malformed date in the same file are reported together. Each
check tolerates badly-shaped input: the schema validation reports shape; this reports sense.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any

from safehold.policy.enforcement import MECHANISMS
from safehold.policy.law import (
    ARTICLE_9,
    ARTICLE_9_NEEDS_SCHEDULE_1,
    EEA_COUNTRIES,
    SCHEDULE_1,
    UK_COUNTRIES,
)
from safehold.policy.schema import BUILTIN_EVENTS, ROLE_POWERS, holds_cases_by_default
from safehold.policy.source import PathKey, Problem, Source
from safehold.records.fields import CRIMINAL_OFFENCE_FIELDS, FIELDS, SPECIAL_CATEGORY_FIELDS

# The lawful bases under which a person may object (UK GDPR Article 21(1)).
OBJECTABLE_BASES = frozenset({"public-task", "legitimate-interests"})

SECTIONS = (
    "controllers",
    "contacts",
    "legislation",
    "services",
    "subjects",
    "categories",
    "flags",
    "statuses",
    "events",
    "purposes",
    "roles",
    "gateways",
    "recipients",
    "preferences",
    "extracts",
    "retention",
    "commitments",
)

NOUN = {
    "controllers": "controller",
    "contacts": "contact point",
    "legislation": "piece of legislation",
    "services": "service",
    "subjects": "data subject",
    "categories": "data category",
    "flags": "flag",
    "statuses": "status",
    "events": "event",
    "purposes": "purpose",
    "roles": "role",
    "gateways": "legal gateway",
    "recipients": "recipient",
    "preferences": "preference",
    "extracts": "extract",
    "retention": "retention rule",
    "commitments": "commitment",
}


def _items(data: dict[str, Any], section: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = data.get(section)
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _Checker:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.data: dict[str, Any] = source.data
        self.problems: list[Problem] = []
        self.codes: dict[str, dict[str, int]] = {}
        for section in SECTIONS:
            codes: dict[str, int] = {}
            for i, item in _items(self.data, section):
                code = item.get("code")
                if isinstance(code, str):
                    if code in codes:
                        first = self.source.position((section, codes[code], "code"))[0]
                        self.error(
                            (section, i, "code"),
                            f"the {NOUN[section]} code '{code}' is used twice (first at line "
                            f"{first}); each {NOUN[section]} needs its own code",
                        )
                    else:
                        codes[code] = i
            self.codes[section] = codes
        self.events = set(BUILTIN_EVENTS) | set(self.codes["events"])

    def error(self, path: PathKey, message: str) -> None:
        line, column = self.source.position(path)
        self.problems.append(Problem(line, column, "error", message, path))

    def warning(self, path: PathKey, message: str) -> None:
        line, column = self.source.position(path)
        self.problems.append(Problem(line, column, "warning", message, path))

    def category(self, code: str) -> dict[str, Any]:
        index = self.codes["categories"].get(code)
        return self.data["categories"][index] if index is not None else {}

    def refs(
        self,
        path: PathKey,
        values: Any,
        section: str,
        what: str,
        *,
        star: bool = False,
    ) -> None:
        """Every code in `values` must name an entry of `section`."""
        many = values if isinstance(values, list) else [values]
        for i, value in enumerate(many):
            if not isinstance(value, str) or (star and value == "*"):
                continue
            if value not in self.codes[section]:
                at = (*path, i) if isinstance(values, list) else path
                hint = difflib.get_close_matches(value, self.codes[section], n=1)
                suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
                known = (
                    ""
                    if hint
                    else f" (the pack's {section} are: {', '.join(self.codes[section]) or 'none'})"
                )
                self.error(
                    at,
                    f"{what} names the {NOUN[section]} '{value}', which the pack does not "
                    f"define{suggestion}{known}",
                )

    # --- the checks -----------------------------------------------------------------------

    def run(self) -> list[Problem]:
        self.controllers()
        self.services()
        self.categories()
        self.unheld()
        self.purposes()
        self.roles()
        self.recipients()
        self.preferences()
        self.gateways()
        self.extracts()
        self.retention()
        self.rights()
        self.commitments()
        self.accepted_gaps()
        self.statuses()
        self.statistics()
        return self.problems

    def controllers(self) -> None:
        if not any(isinstance(c.get("dpo"), dict) for _, c in _items(self.data, "controllers")):
            self.warning(
                ("controllers",),
                "no controller states its Data Protection Officer's contact details "
                "(UK GDPR Article 13(1)(b) requires them)",
            )
        for i, c in _items(self.data, "controllers"):
            self.refs(
                ("controllers", i, "acts_for"),
                _list(c.get("acts_for")),
                "controllers",
                f"controller '{c.get('code')}'",
            )
        if self.data.get("supervisory_authority") is None:
            self.warning(
                (),
                "the pack does not state the supervisory authority (the Information "
                "Commissioner's Office) to complain to (Article 13(2)(d))",
            )

    def services(self) -> None:
        service_events = {
            code
            for code, i in self.codes["events"].items()
            if self.data["events"][i].get("of") == "service"
        }
        for i, s in _items(self.data, "services"):
            name = f"service '{s.get('code')}'"
            self.refs(("services", i, "controller"), s.get("controller"), "controllers", name)
            if isinstance(s.get("on_behalf_of"), str):
                self.refs(("services", i, "on_behalf_of"), s["on_behalf_of"], "controllers", name)
            self.refs(
                ("services", i, "statutory_basis"),
                _list(s.get("statutory_basis")),
                "legislation",
                name,
            )
            dates = s.get("dates")
            if isinstance(dates, dict):
                for key in dates:
                    if key not in service_events:
                        self.error(
                            ("services", i, "dates", key),
                            f"{name} gives a date for '{key}', which is not an event of a service "
                            "declared under 'events' (with 'of: service')",
                        )

    def categories(self) -> None:
        used: set[str] = set()
        for _, p in _items(self.data, "purposes"):
            used.update(c for c in _list(p.get("categories")) if isinstance(c, str))
        covered_all = False
        covered: set[str] = set()
        for _, r in _items(self.data, "retention"):
            cats = _list(r.get("categories"))
            if not cats:
                covered_all = True
            covered.update(c for c in cats if isinstance(c, str))
        held: dict[str, PathKey] = {}
        for i, c in _items(self.data, "categories"):
            code = c.get("code")
            self.refs(
                ("categories", i, "subjects"),
                _list(c.get("subjects")),
                "subjects",
                f"category '{code}'",
            )
            self.holds(i, c, held)
            if not _list(c.get("holds")):
                self.warning(
                    ("categories", i, "code"),
                    f"no record field is behind the category '{code}' (its 'holds' is empty): "
                    "the notice says it is held, but nothing the system stores is in it",
                )
            if code not in used:
                self.warning(
                    ("categories", i, "code"),
                    f"the category '{code}' is not used by any purpose: why is it held?",
                )
            if not covered_all and code not in covered:
                self.warning(
                    ("categories", i, "code"),
                    f"no retention rule covers the category '{code}': how long is it kept?",
                )

    def holds(self, i: int, category: dict[str, Any], held: dict[str, PathKey]) -> None:
        """Each record field belongs to exactly one category, and must be one Safehold records."""
        for h, name in enumerate(_list(category.get("holds"))):
            if not isinstance(name, str):
                continue
            at: PathKey = ("categories", i, "holds", h)
            if name not in FIELDS:
                hint = difflib.get_close_matches(name, FIELDS, n=1)
                suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
                self.error(at, f"'{name}' is not a field Safehold records{suggestion}")
            elif name in held:
                first = self.source.position(held[name])[0]
                owner = self.data["categories"][held[name][1]].get("code")
                self.error(
                    at,
                    f"'{name}' is already held by the category '{owner}' (line {first}); a "
                    "field belongs to exactly one category",
                )
            else:
                held[name] = at
                if name in SPECIAL_CATEGORY_FIELDS and category.get("special_category") is not True:
                    self.error(
                        at,
                        f"'{name}' is special category data (UK GDPR Article 9), but the category "
                        f"'{category.get('code')}' is not marked special_category",
                    )
                if name in CRIMINAL_OFFENCE_FIELDS and category.get("criminal_offence") is not True:
                    self.error(
                        at,
                        f"'{name}' is criminal offence data (UK GDPR Article 10), but the category "
                        f"'{category.get('code')}' is not marked criminal_offence",
                    )

    def unheld(self) -> None:
        held = {
            name
            for _, c in _items(self.data, "categories")
            for name in _list(c.get("holds"))
            if isinstance(name, str)
        }
        missing = sorted(FIELDS - held)
        if missing:
            self.warning(
                ("categories",),
                f"no category holds {len(missing)} of the record fields Safehold stores, so the "
                f"gate withholds them from everyone: {', '.join(missing)}",
            )

    def purposes(self) -> None:
        for i, p in _items(self.data, "purposes"):
            name = f"purpose '{p.get('code')}'"
            base = ("purposes", i)
            self.refs((*base, "services"), _list(p.get("services")), "services", name)
            self.refs((*base, "controllers"), _list(p.get("controllers")), "controllers", name)
            assumed = p.get("assumed")
            if isinstance(assumed, str) or (
                isinstance(assumed, dict) and "lawful_basis" in assumed
            ):
                self.warning(
                    (*base, "assumed"),
                    f"{name} is assumed: its lawful basis or conditions are not in the "
                    "published notice, so the public notice says so and the DPO's pages and "
                    "the record of processing mark it assumed",
                )
            bases = {b for b in _list(p.get("lawful_basis")) if isinstance(b, str)}
            if (
                p.get("objectable") is True
                and p.get("direct_marketing") is not True
                and not bases & OBJECTABLE_BASES
            ):
                self.error(
                    (*base, "objectable"),
                    f"{name} is marked objectable, but the right to object (UK GDPR Article "
                    "21(1)) applies only to processing for a public task or legitimate "
                    "interests, or to direct marketing",
                )
            self.refs((*base, "subjects"), _list(p.get("subjects")), "subjects", name)
            self.refs((*base, "categories"), _list(p.get("categories")), "categories", name)
            self.refs((*base, "legislation"), _list(p.get("legislation")), "legislation", name)
            cats = [c for c in _list(p.get("categories")) if isinstance(c, str)]
            special = [c for c in cats if self.category(c).get("special_category") is True]
            criminal = [c for c in cats if self.category(c).get("criminal_offence") is True]
            conditions = [
                c for c in _list(p.get("special_category_conditions")) if isinstance(c, str)
            ]
            if special and not any(c in ARTICLE_9 for c in conditions):
                self.error(
                    (*base, "categories"),
                    f"{name} uses special category data ({', '.join(special)}) but states no "
                    "Article 9 condition in 'special_category_conditions'",
                )
            elif (
                special
                and any(c in ARTICLE_9_NEEDS_SCHEDULE_1 for c in conditions)
                and not any(c in SCHEDULE_1 for c in conditions)
            ):
                self.warning(
                    (*base, "special_category_conditions"),
                    f"{name} relies on an Article 9 condition that in UK law also needs a "
                    "DPA 2018 Schedule 1 condition, and none is stated",
                )
            if criminal and not _list(p.get("criminal_offence_conditions")):
                self.error(
                    (*base, "categories"),
                    f"{name} uses criminal offence data ({', '.join(criminal)}) but states no "
                    "Article 10 condition in 'criminal_offence_conditions'",
                )

    def roles(self) -> None:
        for i, r in _items(self.data, "roles"):
            for g, grant in enumerate(_list(r.get("grants"))):
                if isinstance(grant, dict):
                    self.refs(
                        ("roles", i, "grants", g, "categories"),
                        _list(grant.get("categories")),
                        "categories",
                        f"role '{r.get('code')}'",
                        star=True,
                    )
            if r.get("statistics_only") is True:
                self.statistics_role(i, r)
        self.case_holders()

    def statistics_role(self, i: int, r: dict[str, Any]) -> None:
        """A statistics-only role sees aggregate statistics and never a person or a case
        (the gate refuses every record to it), so a grant is inert and a power contradicts
        what the role is."""
        name = f"role '{r.get('code')}' is for statistics only"
        if _list(r.get("grants")):
            self.warning(
                ("roles", i, "grants"),
                f"{name}, so its grants reach no person or case: the gate refuses every "
                "record to it and it sees only aggregate statistics; remove the grants",
            )
        for power in ROLE_POWERS:
            if r.get(power) is True:
                self.error(
                    ("roles", i, power),
                    f"{name}, but '{power}' is a power over individual records; remove one "
                    "or the other",
                )

    def case_holders(self) -> None:
        """Allocation needs someone to allocate to, and a case worker must be able to read the
        cases allocated to them; statistics never come with a caseload."""
        holders = []
        for i, r in _items(self.data, "roles"):
            name = f"role '{r.get('code')}'"
            stated = r.get("holds_cases")
            holds = stated if isinstance(stated, bool) else holds_cases_by_default(r)
            if not holds:
                continue
            holders.append(r)
            at = ("roles", i, "holds_cases") if "holds_cases" in r else ("roles", i, "code")
            if r.get("statistics_only") is True:
                self.error(
                    at,
                    f"{name} is statistics-only, so it cannot hold cases: remove "
                    "'holds_cases' or 'statistics_only'",
                )
            elif not any(
                isinstance(g, dict) and "read" in _list(g.get("actions"))
                for g in _list(r.get("grants"))
            ):
                self.warning(
                    at,
                    f"{name} holds cases but no grant lets it read them: the cases allocated "
                    "to it would be closed to it",
                )
        for i, r in _items(self.data, "roles"):
            if r.get("allocates_cases") is True and not holders:
                self.warning(
                    ("roles", i, "allocates_cases"),
                    f"role '{r.get('code')}' allocates cases, but no role of the pack holds "
                    "them: set 'holds_cases: true' on the roles that do casework",
                )

    def recipients(self) -> None:
        transfers = self.data.get("transfers")
        scope = transfers.get("scope") if isinstance(transfers, dict) else None
        if (
            isinstance(scope, str)
            and "transfers_outside_uk" in self.data
            and (scope == "uk-only") == (self.data.get("transfers_outside_uk") is True)
        ):
            self.error(
                ("transfers", "scope"),
                f"'transfers_outside_uk' and 'transfers: scope: {scope}' disagree; state "
                "the scope only",
            )
        outside_allowed = (
            scope not in {None, "uk-only"}
            if scope is not None
            else self.data.get("transfers_outside_uk") is True
        )
        for i, r in _items(self.data, "recipients"):
            name = f"recipient '{r.get('code')}'"
            shares = _list(r.get("shares"))
            if not shares:
                self.warning(
                    ("recipients", i, "code"), f"{name} does not say what is shared with it"
                )
            for s, share in enumerate(shares):
                if not isinstance(share, dict):
                    continue
                at = ("recipients", i, "shares", s)
                self.refs(
                    (*at, "categories"),
                    _list(share.get("categories")),
                    "categories",
                    name,
                    star=True,
                )
                self.refs((*at, "purposes"), _list(share.get("purposes")), "purposes", name)
                self.conditions((*at, "if"), share.get("if"), name)
                self.share_rules(at, share, name)
                if not _list(share.get("conditions")):
                    self.warning(
                        at,
                        f"{name} has no stated condition for sharing (always, consent, required "
                        "by law, safeguarding risk, ...): the system will not share until one is",
                    )
            country = r.get("country")
            if isinstance(country, str) and country.strip().lower() not in UK_COUNTRIES:
                if scope == "uk-and-eea" and country.strip().lower() not in EEA_COUNTRIES:
                    self.error(
                        ("recipients", i, "country"),
                        f"{name} is in {country}, outside the UK and the EEA, which is all the "
                        "notice allows ('transfers: scope: uk-and-eea')",
                    )
                elif not outside_allowed:
                    self.error(
                        ("recipients", i, "country"),
                        f"{name} is in {country}, but the pack says information is not sent "
                        "outside the UK ('transfers_outside_uk' is not true)",
                    )
                elif scope not in {"uk-and-eea", "adequacy"} and not r.get("transfer_safeguard"):
                    self.error(
                        ("recipients", i, "country"),
                        f"{name} is outside the UK and the pack states no 'transfer_safeguard'",
                    )

    def preferences(self) -> None:
        for i, p in _items(self.data, "preferences"):
            name = f"preference '{p.get('code')}'"
            self.refs(("preferences", i, "given_by"), _list(p.get("given_by")), "subjects", name)
            for effect in ("allows", "withholds"):
                e = p.get(effect)
                if isinstance(e, dict):
                    at = ("preferences", i, effect)
                    self.refs(
                        (*at, "categories"),
                        _list(e.get("categories")),
                        "categories",
                        name,
                        star=True,
                    )
                    self.refs((*at, "recipients"), _list(e.get("recipients")), "recipients", name)
                    self.refs((*at, "purposes"), _list(e.get("purposes")), "purposes", name)

    def gateways(self) -> None:
        for i, g in _items(self.data, "gateways"):
            name = f"legal gateway '{g.get('code')}'"
            self.refs(
                ("gateways", i, "legislation"), _list(g.get("legislation")), "legislation", name
            )

    def share_rules(self, at: PathKey, share: dict[str, Any], name: str) -> None:
        """A share's gateways, items, time condition and approvers name what the pack has."""
        gateways = _list(share.get("gateways"))
        self.refs((*at, "gateways"), gateways, "gateways", name)
        kinds = {
            self.data["gateways"][self.codes["gateways"][g]].get("kind")
            for g in gateways
            if isinstance(g, str) and g in self.codes["gateways"]
        }
        if share.get("consent") in ("sought", "required") and "consent" not in kinds:
            self.error(
                (*at, "consent"),
                f"{name}: consent is '{share.get('consent')}' but none of the share's gateways "
                "is of kind consent: add one",
            )
        override = share.get("override")
        if isinstance(override, dict):
            self.refs(
                (*at, "override", "approvers"), _list(override.get("approvers")), "roles", name
            )
        for key in ("items", "never"):
            self.items((*at, key), _list(share.get(key)), name)
        when = share.get("when")
        if isinstance(when, dict):
            for key in ("after", "before"):
                if isinstance(when.get(key), str):
                    self.event((*at, "when", key), when[key], name)

    def items(self, at: PathKey, items: list[Any], name: str) -> None:
        from safehold.policy.schema import DERIVED_ITEMS
        from safehold.records.fields import FIELDS

        for n, item in enumerate(items):
            if isinstance(item, str) and item not in DERIVED_ITEMS and item not in FIELDS:
                hint = difflib.get_close_matches(item, FIELDS, n=1)
                self.error(
                    (*at, n),
                    f"{name} names the item '{item}', which is not a field Safehold records"
                    + (f"; did you mean '{hint[0]}'?" if hint else ""),
                )

    def extracts(self) -> None:
        for i, x in _items(self.data, "extracts"):
            name = f"extract '{x.get('code')}'"
            at: PathKey = ("extracts", i)
            self.refs((*at, "recipient"), x.get("recipient"), "recipients", name)
            self.refs((*at, "purpose"), x.get("purpose"), "purposes", name)
            self.refs((*at, "gateway"), x.get("gateway"), "gateways", name)
            self.refs((*at, "services"), _list(x.get("services")), "services", name)
            self.refs((*at, "consent"), _list(x.get("consent")), "preferences", name)
            if x.get("controller") is not None:
                self.refs((*at, "controller"), x.get("controller"), "controllers", name)
            self.items((*at, "items"), _list(x.get("items")), name)

    def retention(self) -> None:
        for i, r in _items(self.data, "retention"):
            name = f"retention rule '{r.get('code')}'"
            self.refs(("retention", i, "services"), _list(r.get("services")), "services", name)
            self.refs(
                ("retention", i, "categories"), _list(r.get("categories")), "categories", name
            )
            self.refs(
                ("retention", i, "legislation"), _list(r.get("legislation")), "legislation", name
            )
            self.conditions(("retention", i, "keep"), r.get("keep"), name)
            if isinstance(r.get("not_before"), str):
                self.event(("retention", i, "not_before"), r["not_before"], name)
                self.recordable_event(("retention", i, "not_before"), r["not_before"], name)
            for path, node in _walk(r.get("keep"), ("retention", i, "keep")):
                if "after" in node and isinstance(node["after"], str):
                    self.event((*path, "after"), node["after"], name)
                    self.recordable_event((*path, "after"), node["after"], name)
                if "flag" in node and isinstance(node["flag"], str):
                    self.recordable_flag((*path, "flag"), node["flag"], name)
                age = node.get("age_at")
                if isinstance(age, dict) and isinstance(age.get("event"), str):
                    self.recordable_event((*path, "age_at", "event"), age["event"], name)
                if node.get("of") == "young-person" and not self.writable("relationship.kind"):
                    self.warning(
                        (*path, "of"),
                        f"{name} counts from the young person's birthday, found through the "
                        "person's relationships, but no role may record a relationship (no "
                        "category that a role may write holds relationship.kind): the rule "
                        "can never be dated",
                    )
                if "goes_with" in node and r.get("unit") == "case-file":
                    self.warning(
                        path,
                        f"{name}: a case file does not go with another case file; 'goes_with' "
                        "is for information that is not part of a case file, and people",
                    )
                if "no_period_stated" in node:
                    self.warning(
                        path,
                        f"{name} states no retention period: it is shown as a gap on the DPO's "
                        "dashboard and its records are held for review, never kept silently forever",
                    )

    def writable(self, *fields: str) -> bool:
        """Whether some role may write, through the gate, every one of these fields: a
        category holds each, and a role's grant covers that category for writing."""
        held = [
            {
                code
                for code, i in self.codes["categories"].items()
                if field in _list(self.data["categories"][i].get("holds"))
            }
            for field in fields
        ]
        if not all(held):
            return False
        for _, role in _items(self.data, "roles"):
            for grant in _list(role.get("grants")):
                if not isinstance(grant, dict) or "write" not in _list(grant.get("actions")):
                    continue
                granted = set(_list(grant.get("categories")))
                if "*" in granted or all(h & granted for h in held):
                    return True
        return False

    def recordable_flag(self, path: PathKey, code: str, name: str) -> None:
        """A rule that depends on a flag needs a way to record it (holding or not)."""
        if code not in self.codes["flags"] or self.writable("personflag.flag", "personflag.holds"):
            return
        self.warning(
            path,
            f"{name} depends on the flag '{code}', which nobody can record: no category that a "
            "role may write holds personflag.flag and personflag.holds, so it stays unknown and "
            "its units are never dated on this rule",
        )

    def recordable_event(self, path: PathKey, code: str, name: str) -> None:
        """A rule anchored on an event of a person or a case waits for staff to record its
        date (the case's events page): someone must be able to."""
        index = self.codes["events"].get(code)
        if index is None or code in BUILTIN_EVENTS:
            return
        of = self.data["events"][index].get("of")
        if of in ("person", "case") and not self.writable(
            "recordedevent.event", "recordedevent.on"
        ):
            self.warning(
                path,
                f"{name} is anchored on '{code}', an event of a {of} whose date nobody can "
                "record: no category that a role may write holds recordedevent.event and "
                "recordedevent.on, so every unit this rule applies to waits for it and is "
                "never dated on this rule",
            )

    def conditions(self, at: PathKey, expression: Any, name: str) -> None:
        """Flags and events named anywhere inside a condition must exist."""
        for path, node in _walk(expression, at):
            if "flag" in node and isinstance(node["flag"], str):
                self.refs((*path, "flag"), node["flag"], "flags", name)
            age = node.get("age_at")
            if isinstance(age, dict) and isinstance(age.get("event"), str):
                self.event((*path, "age_at", "event"), age["event"], name)

    def event(self, path: PathKey, code: str, name: str) -> None:
        if code not in self.events:
            hint = difflib.get_close_matches(code, self.events, n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            self.error(
                path,
                f"{name} is anchored on '{code}', an event that does not exist{suggestion} "
                f"(events: {', '.join(sorted(self.events))}; declare others under 'events')",
            )

    def rights(self) -> None:
        rights = self.data.get("rights")
        if isinstance(rights, dict) and isinstance(rights.get("request_to"), str):
            self.refs(("rights", "request_to"), rights["request_to"], "contacts", "rights")
        if isinstance(rights, dict):
            for i, e in enumerate(_list(rights.get("exceptions"))):
                if isinstance(e, dict):
                    at: PathKey = ("rights", "exceptions", i, "purposes")
                    self.refs(at, _list(e.get("purposes")), "purposes", "a right's qualification")
            for i, o in enumerate(_list(rights.get("on_behalf_of_child"))):
                if isinstance(o, dict):
                    at = ("rights", "on_behalf_of_child", i, "by")
                    self.refs(at, _list(o.get("by")), "subjects", "acting for a younger child")
        notice = self.data.get("notice")
        if isinstance(notice, dict):
            ack = notice.get("acknowledgement")
            if isinstance(ack, dict):
                self.refs(
                    ("notice", "acknowledgement", "by"),
                    _list(ack.get("by")),
                    "subjects",
                    "the acknowledgement",
                )

    def _mechanism(self, where: tuple[Any, ...], name: str, mechanism: object) -> None:
        """A commitment or security measure names a mechanism Safehold has."""
        if isinstance(mechanism, str) and mechanism not in MECHANISMS:
            hint = difflib.get_close_matches(mechanism, MECHANISMS, n=1)
            suggestion = (
                f"did you mean '{hint[0]}'?" if hint else (f"known: {', '.join(MECHANISMS)}")
            )
            self.error(
                where,
                f"{name} is enforced by '{mechanism}', which is not a mechanism Safehold "
                f"has ({suggestion}); if nothing enforces it, say 'stated_only: <why>'",
            )

    def commitments(self) -> None:
        for i, m in _items(self.data, "security"):
            if isinstance(m, dict):
                self._mechanism(
                    ("security", i, "enforced_by"),
                    f"security measure {i + 1}",
                    m.get("enforced_by"),
                )
        for i, c in _items(self.data, "commitments"):
            name = f"commitment '{c.get('code')}'"
            self._mechanism(("commitments", i, "enforced_by"), name, c.get("enforced_by"))
            if c.get("printed") is False:
                self.warning(
                    ("commitments", i, "printed"),
                    f"{name} is never printed in the notice: a promise people are not told "
                    "of is not one they can rely on",
                )

    def statuses(self) -> None:
        """Each status kind is in a category the pack defines, its values have codes of their
        own, and an indicator is recorded by one kind only (so the indicator counts it)."""
        indicators: dict[str, int] = {}
        areas: dict[str, int] = {}
        for i, kind in _items(self.data, "statuses"):
            name = f"status '{kind.get('code')}'"
            self.refs(("statuses", i, "category"), kind.get("category"), "categories", name)
            seen: set[str] = set()
            for j, value in enumerate(_list(kind.get("values"))):
                code = value.get("code") if isinstance(value, dict) else None
                if isinstance(code, str) and code in seen:
                    self.error(
                        ("statuses", i, "values", j, "code"),
                        f"{name} has the value '{code}' twice",
                    )
                seen.add(str(code))
            indicator = kind.get("indicator")
            if isinstance(indicator, str):
                if indicator in indicators:
                    first = self.source.position(("statuses", indicators[indicator]))[0]
                    self.error(
                        ("statuses", i, "indicator"),
                        f"the indicator '{indicator}' is already recorded by the status at line "
                        f"{first}; one status records each indicator",
                    )
                indicators.setdefault(indicator, i)
            area = kind.get("outcome_area")
            if isinstance(area, str):
                if isinstance(indicator, str):
                    self.error(
                        ("statuses", i, "outcome_area"),
                        f"{name} records both an indicator and an outcome area: one each",
                    )
                if area in areas:
                    first = self.source.position(("statuses", areas[area]))[0]
                    self.error(
                        ("statuses", i, "outcome_area"),
                        f"the outcome area '{area}' is already recorded by the status at line "
                        f"{first}; one status records each area",
                    )
                areas.setdefault(area, i)
                marks = {
                    v.get("counts_as") for v in _list(kind.get("values")) if isinstance(v, dict)
                }
                for needed in ("need", "achieved"):
                    if needed not in marks:
                        self.error(
                            ("statuses", i, "values"),
                            f"{name} records the outcome area '{area}' but none of its values "
                            f"counts as '{needed}' (counts_as: {needed})",
                        )

    def statistics(self) -> None:
        """Outputs named by their codes; opt-outs recorded as flags the pack defines."""
        from safehold.statistics.codes import OUTPUT_CODES, return_codes

        section = self.data.get("statistics")
        if not isinstance(section, dict):
            return
        returns = return_codes()

        def output(path: PathKey, code: Any, *, or_return: bool = False) -> None:
            known = (*OUTPUT_CODES, *returns) if or_return else OUTPUT_CODES
            if isinstance(code, str) and code != "*" and code not in known:
                hint = difflib.get_close_matches(code, known, n=1)
                self.error(
                    path,
                    f"there is no statistics output '{code}'"
                    + (f"; did you mean '{hint[0]}'?" if hint else "")
                    + f" (the outputs are: {', '.join(known)})",
                )

        seen: dict[str, int] = {}
        for i, item in enumerate(_list(section.get("outputs"))):
            if isinstance(item, dict):
                code = item.get("output")
                output(("statistics", "outputs", i, "output"), code)
                if isinstance(code, str) and code in seen:
                    self.error(
                        ("statistics", "outputs", i, "output"),
                        f"the output '{code}' is given a profile twice (first at line "
                        f"{self.source.position(('statistics', 'outputs', seen[code]))[0]})",
                    )
                seen.setdefault(str(code), i)
        for i, item in enumerate(_list(section.get("opt_outs"))):
            if not isinstance(item, dict):
                continue
            path = ("statistics", "opt_outs", i, "preference")
            code = item.get("preference")
            self.refs(path, code, "preferences", "an opt-out")
            index = self.codes["preferences"].get(code) if isinstance(code, str) else None
            if index is not None:
                kind = self.data["preferences"][index].get("kind")
                if kind not in ("opt-out", "objection"):
                    self.error(
                        path,
                        f"an opt-out of statistics names the preference '{code}', which is a "
                        f"{kind}: only an 'opt-out' or an 'objection' leaves people out",
                    )
            for j, code in enumerate(_list(item.get("outputs"))):
                output(("statistics", "opt_outs", i, "outputs", j), code, or_return=True)
        for i, item in enumerate(_list(section.get("wider_services"))):
            if isinstance(item, dict):
                self.refs(
                    ("statistics", "wider_services", i, "flags"),
                    _list(item.get("flags")),
                    "flags",
                    f"the link to wider services '{item.get('link')}'",
                )

    def accepted_gaps(self) -> None:
        from fnmatch import fnmatchcase

        ids = set(_statement_ids(self.data))
        for i, gap in _items(self.data, "accepted_gaps"):
            for s, pattern in enumerate(_list(gap.get("statements"))):
                if isinstance(pattern, str) and not any(fnmatchcase(x, pattern) for x in ids):
                    self.warning(
                        ("accepted_gaps", i, "statements", s),
                        f"'{pattern}' accepts no statement of this pack "
                        "(`safehold pack conformance` lists their ids)",
                    )


def _statement_ids(data: dict[str, Any]) -> Iterator[str]:
    """The ids the conformance report gives (as far as the raw document says)."""
    prefixes = {
        "categories": "category",
        "purposes": "purpose",
        "roles": "role",
        "recipients": "recipient",
        "preferences": "preference",
        "extracts": "extract",
        "retention": "retention",
        "commitments": "commitment",
    }
    for section, prefix in prefixes.items():
        for _, item in _items(data, section):
            yield f"{prefix}:{item.get('code')}"
            if section == "purposes" and item.get("law_enforcement") is True:
                yield f"purpose:{item.get('code')}:logging"
    from safehold.policy.law import RIGHTS

    for code in RIGHTS:
        yield f"right:{code}"
    yield "right:requests-suspend-disposal"
    for _, item in _items(data, "statuses"):
        yield f"status:{item.get('code')}"
    for n, _ in enumerate(_list(data.get("security")), 1):
        yield f"security:{n}"
    yield from ("transfers", "audit")


def _walk(node: Any, path: PathKey) -> Iterable[tuple[PathKey, dict[str, Any]]]:
    """Every mapping inside a retention expression, with its path."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, (*path, i))


def check(source: Source) -> list[Problem]:
    if not isinstance(source.data, dict):
        return []
    return _Checker(source).run()
