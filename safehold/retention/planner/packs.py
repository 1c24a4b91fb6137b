"""What the rules of one controller need: its current pack, its rules by kind of unit, the
facts they read, and the dates of services' events the DPO has set."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from safehold.policy import selectors as policy_selectors
from safehold.policy.models import Controller
from safehold.policy.schema import Pack, Unit
from safehold.policy.wording import event_words
from safehold.retention import rules
from safehold.retention.models import (
    ServiceDate,
    UnitKind,
)
from safehold.retention.rules import (
    Basis,
    Reckoning,
)


@dataclass
class PackRules:
    """A controller's current pack, its rules by kind of unit, and what they read."""

    version_id: int
    version_label: str
    pack: Pack
    # Dates of services' events the DPO has set (`ServiceDate`), by service and event.
    dates_set: dict[str, dict[str, date | None]] = field(default_factory=dict)

    @cached_property
    def longer(self) -> frozenset[str]:
        """Flags read the longer way while nobody has recorded them."""
        return frozenset(f.code for f in self.pack.flags if f.unknown == "longer")

    @cached_property
    def _by_service(self) -> dict[str, rules.Reckoner]:
        return {s.code: self._case_reckoner(s.code) for s in self.pack.services}

    def _case_reckoner(self, service: str) -> rules.Reckoner:
        return rules.Reckoner(
            rules.rules_for(self.pack, Unit.CASE_FILE, service), self.case_events, self.longer
        )

    def case_file(self, service: str) -> rules.Reckoner:
        found = self._by_service.get(service)
        if found is None:  # a service the pack no longer states: the rules for every service
            found = self._by_service[service] = self._case_reckoner(service)
        return found

    @cached_property
    def person(self) -> rules.Reckoner:
        # A person's own record, once no case file holds them, is information that is not
        # part of a case file: both kinds of rule apply to it, and the longest wins.
        return rules.Reckoner(
            rules.rules_for(self.pack, Unit.PERSON) + rules.rules_for(self.pack, Unit.NON_CASE),
            self.person_events,
            self.longer,
        )

    @cached_property
    def non_case_file(self) -> rules.Reckoner:
        return rules.Reckoner(
            rules.rules_for(self.pack, Unit.NON_CASE), self.person_events, self.longer
        )

    @cached_property
    def case_needs(self) -> rules.Needs:
        return rules.needs(r for r in self.pack.retention if r.unit == Unit.CASE_FILE)

    @cached_property
    def person_needs(self) -> rules.Needs:
        return rules.needs(r for r in self.pack.retention if r.unit != Unit.CASE_FILE)

    @cached_property
    def case_events(self) -> tuple[str, ...]:
        return tuple(sorted(self.case_needs.events))

    @cached_property
    def person_events(self) -> tuple[str, ...]:
        return tuple(sorted(self.person_needs.events))

    @cached_property
    def pack_events(self) -> dict[str, str]:
        return {event.code: event.of for event in self.pack.events}

    @cached_property
    def service_dates(self) -> dict[str, dict[str, date | None]]:
        """A service's event dates: those the DPO set on the service dates page, over any
        the pack itself states."""
        found: dict[str, dict[str, date | None]] = {
            s.code: dict(s.dates) for s in self.pack.services
        }
        for service, dates in self.dates_set.items():
            found.setdefault(service, {}).update(dates)
        return found

    @cached_property
    def _described(self) -> dict[tuple[int, str], tuple[Reckoning, tuple[str, str, str, str]]]:
        return {}

    def note(self, reckoning: Reckoning, service: str) -> str:
        """Why a unit has no date, in words; a service's event is named with the service
        ("waiting for the end date of the contract for Prevention")."""
        return self.described(reckoning, service)[3]

    def described(self, reckoning: Reckoning, service: str) -> tuple[str, str, str, str]:
        """A unit's rule, action, basis and note (cut to its column's 300 characters) as they
        are stored. Remembered by the reckoning (the reckoners hand out the same one for the
        same answers)."""
        key = (id(reckoning), service)
        found = self._described.get(key)
        if found is not None and found[0] is reckoning:
            return found[1]
        if len(self._described) > 100_000:
            self._described.clear()
        said = (
            reckoning.rule_code,
            str(reckoning.action or ""),
            str(reckoning.basis),
            self._note(reckoning, service)[:300],
        )
        self._described[key] = (reckoning, said)  # kept alive with it: the id stays its own
        return said

    def _note(self, reckoning: Reckoning, service: str) -> str:
        waiting = [e for e in reckoning.events if self.pack_events.get(e) == "service"]
        if reckoning.basis != Basis.PENDING or not waiting:
            return reckoning.note
        service_name = next((s.name for s in self.pack.services if s.code == service), service)
        said = [f"{event_words(e, self.pack)} for {service_name}" for e in waiting]
        rest = [e for e in reckoning.events if e not in waiting]
        return "waiting for " + ", ".join(said + rest)


_RULES: dict[tuple[object, ...], PackRules] = {}


class Packs:
    """Each controller's current pack, loaded once per run."""

    def __init__(self) -> None:
        self._by_controller: dict[int, PackRules | None] = {}
        self._dates: dict[tuple[int, str, str], date | None] | None = None
        self._recorded: dict[frozenset[str], dict[str, frozenset[str]]] = {}

    def _dates_set(self, controller_id: int) -> dict[str, dict[str, date | None]]:
        if self._dates is None:
            self._dates = ServiceDate.objects.current()
        found: dict[str, dict[str, date | None]] = defaultdict(dict)
        for (controller, service, event), on in self._dates.items():
            if controller == controller_id:
                found[service][event] = on
        return dict(found)

    def __call__(self, controller_id: int) -> PackRules | None:
        if controller_id not in self._by_controller:
            controller = (
                Controller.objects.select_related("pack_version").filter(pk=controller_id).first()
            )
            found = None
            if controller is not None:
                version = controller.pack_version
                dates = self._dates_set(controller_id)
                # The same pack version and service dates give the same rules and answers:
                # their reckoners (and what they remember) serve every run of this process,
                # so each batch of a sweep does not work out the same dates again.
                key = (
                    version.pk,
                    version.digest,
                    tuple(sorted((s, tuple(sorted(d.items()))) for s, d in dates.items())),
                )
                found = _RULES.get(key)
                if found is None:
                    if len(_RULES) > 16:
                        _RULES.clear()
                    found = _RULES[key] = PackRules(
                        version.pk,
                        f"{version.pack_code} v{version.version}",
                        policy_selectors.pack_of(version),
                        dates,
                    )
            self._by_controller[controller_id] = found
        return self._by_controller[controller_id]

    def recorded(self, needs: rules.Needs) -> dict[str, frozenset[str]]:
        """Of the events `needs` reads, those any controller's pack declares `of: case` and
        `of: person`: their dates are recorded by staff (`sharing.RecordedEvent`)."""
        key = frozenset(needs.events)
        if key in self._recorded:
            return self._recorded[key]
        found: dict[str, set[str]] = {"case": set(), "person": set()}
        for controller_id in Controller.objects.values_list("pk", flat=True):
            pack = self(controller_id)
            if pack is not None:
                for code, of in pack.pack_events.items():
                    if of in found and code in needs.events:
                        found[of].add(code)
        self._recorded[key] = {of: frozenset(codes) for of, codes in found.items()}
        return self._recorded[key]

    def needs(self, kind: str) -> rules.Needs:
        """What any controller's rules read, for units of a kind: the columns to fetch."""
        found = rules.Needs()
        for controller_id in Controller.objects.values_list("pk", flat=True):
            pack = self(controller_id)
            if pack is not None:
                read = pack.case_needs if kind == UnitKind.CASE_FILE else pack.person_needs
                found.events |= read.events
                found.flags |= read.flags
        return found
