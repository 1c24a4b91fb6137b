"""Plain English for the parts of a pack that are written as rules rather than sentences.

A retention rule is data (`{if: {flag: looked-after}, then: {birthday: 75}}`) so that the
system can enforce it; the notice and the record of processing must say the same rule in
words. Names come from the pack (its events and flags) so the words match the pack's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from safehold.policy.schema import (
    BUILTIN_EVENTS,
    CONDITION_WORDS,
    Action,
    After,
    AgeAtIs,
    AllOf,
    AnyOf,
    Birthday,
    Cond,
    Condition,
    Earliest,
    FlagIs,
    GoesWith,
    Keep,
    Latest,
    NoPeriod,
    NotCond,
    Pack,
    RetentionRule,
    When,
)

NO_PERIOD = "no period is stated"

ACTION_WORDS: dict[Action, str] = {
    Action.DESTROY: "securely destroyed",
    Action.ANONYMISE: "anonymised, so that no one can be identified from it",
    Action.ARCHIVE: "archived",
    Action.REVIEW: "reviewed to decide whether it is still needed",
}

_ARTICLES = ("the ", "a ", "an ", "your ", "their ", "his ", "her ")


def join_words(items: Iterable[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c' (or 'or')."""
    words = [item for item in items if item]
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def lower_first(text: str) -> str:
    """Lower-case the first letter of a name used mid-sentence, but keep acronyms ('CAMHS')
    and terms written in title case ('Looked After by a Local Authority')."""
    words = text.split()
    if not words or len(words[0]) < 2 or not words[0][0].isupper() or words[0][1].isupper():
        return text
    if len(words) > 1 and words[1][0].isupper():
        return text
    return text[0].lower() + text[1:]


def sentence(text: str) -> str:
    """Capitalise the first letter and end with a full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


def event_words(code: str, pack: Pack | None = None) -> str:
    """The name of an event mid-sentence: 'the date the service ended'."""
    name: str | None = None
    if pack is not None:
        name = next((event.name for event in pack.events if event.code == code), None)
    if name is None and code in BUILTIN_EVENTS:
        name = BUILTIN_EVENTS[code][1]
    if name is None:
        name = code.replace("-", " ")
    name = lower_first(name)
    return name if name.lower().startswith(_ARTICLES) else f"the {name}"


def flag_words(code: str, pack: Pack | None = None) -> str:
    """The name of a flag mid-sentence: 'looked after by the Local Authority'."""
    name: str | None = None
    if pack is not None:
        name = next((flag.name for flag in pack.flags if flag.code == code), None)
    return lower_first(name) if name else code.replace("-", " ")


def _age_words(at_least: int | None, under: int | None) -> str:
    if at_least is not None and under is not None:
        return f"aged {at_least} or over but under {under}"
    if at_least is not None:
        return f"aged {at_least} or over"
    return f"under {under}"


def describe_condition(cond: Cond, pack: Pack | None = None) -> str:
    """A retention condition in words, without the leading 'if'."""
    if isinstance(cond, FlagIs):
        return flag_words(cond.flag, pack)
    if isinstance(cond, AgeAtIs):
        age = cond.age_at
        return f"{_age_words(age.at_least, age.under)} at {event_words(age.event, pack)}"
    if isinstance(cond, AnyOf):
        return join_words((_nested(c, pack) for c in cond.any), "or")
    if isinstance(cond, AllOf):
        return join_words((_nested(c, pack) for c in cond.all), "and")
    return _negate(cond, pack)


def _nested(cond: Cond, pack: Pack | None) -> str:
    words = describe_condition(cond, pack)
    compound = (
        isinstance(cond, AnyOf | AllOf)
        and len(cond.any if isinstance(cond, AnyOf) else cond.all) > 1
    )
    return f"({words})" if compound else words


def _negate(cond: NotCond, pack: Pack | None) -> str:
    inner = cond.not_
    if isinstance(inner, FlagIs):
        return f"not {flag_words(inner.flag, pack)}"
    if isinstance(inner, AgeAtIs):
        age = inner.age_at
        at = event_words(age.event, pack)
        if age.at_least is not None and age.under is not None:
            return f"not {_age_words(age.at_least, age.under)} at {at}"
        if age.at_least is not None:
            return f"{_age_words(None, age.at_least)} at {at}"
        return f"{_age_words(age.under, None)} at {at}"
    if isinstance(inner, AnyOf):
        parts = [_nested(c, pack) for c in inner.any]
        if len(parts) == 2:
            return f"neither {parts[0]} nor {parts[1]}"
        return f"none of: {join_words(parts, 'or')}"
    if isinstance(inner, AllOf):
        return f"not all of: {join_words((_nested(c, pack) for c in inner.all), 'and')}"
    return describe_condition(inner.not_, pack)  # not (not x) is x


def describe_keep(keep: Keep, pack: Pack | None = None, *, you: bool = False) -> str:
    """A retention period in plain English.

    `you=True` speaks to the person the notice is about ("until your 25th birthday").
    """
    return _keep(keep, pack, you, top=True)


def _keep(keep: Keep, pack: Pack | None, you: bool, *, top: bool) -> str:
    if isinstance(keep, After):
        return f"{keep.for_} after {event_words(keep.after, pack)}"
    if isinstance(keep, Birthday):
        if keep.of == "young-person":
            # A family member's record, counted from the child's birthday, never "yours".
            return f"until the young person's {ordinal(keep.birthday)} birthday"
        whose = "your" if you else "the"
        return f"until {whose} {ordinal(keep.birthday)} birthday"
    if isinstance(keep, GoesWith):
        return "for as long as the case files it belongs to are kept, and no longer"
    if isinstance(keep, Earliest | Latest):
        options = keep.earliest if isinstance(keep, Earliest) else keep.latest
        which = "first" if isinstance(keep, Earliest) else "last"
        words = join_words((_keep(k, pack, you, top=False) for k in options), "or")
        text = f"{words}, whichever is {which}"
        return text if top else f"({text})"
    if isinstance(keep, When):
        text = f"{_keep(keep.then, pack, you, top=False)} if {describe_condition(keep.if_, pack)}"
        if keep.else_ is not None:
            text = f"{text}; otherwise {_keep(keep.else_, pack, you, top=False)}"
        return text if top else f"({text})"
    assert isinstance(keep, NoPeriod)
    reason = keep.no_period_stated.rstrip(". ")
    # The young person is told the gap, not the reasoning behind it.
    return f"{NO_PERIOD} ({lower_first(reason)})" if reason and not you else NO_PERIOD


def describe_rule(rule: RetentionRule, pack: Pack | None = None, *, you: bool = False) -> str:
    """A rule's period in words, with its floor and how an unrecorded fact is read: "5 years
    after the date the service ended or until the 18th birthday, whichever is first, but
    never before the date the service ended"."""
    text = describe_keep(rule.keep, pack, you=you)
    if rule.not_before is not None:
        text = f"{text}, but never before {event_words(rule.not_before, pack)}"
    flags = {f.code: f for f in pack.flags} if pack is not None else {}
    unknown = [flags[code] for code in flags_of(rule.keep) if code in flags]
    longer = [f for f in unknown if f.unknown == "longer"]
    review = [f for f in unknown if f.unknown == "review"]
    if longer:
        whether = join_words((flag_words(f.code, pack) for f in longer), "or")
        text += f"; where it is not recorded whether {whether}, the longer period applies"
    if review:
        whether = join_words((flag_words(f.code, pack) for f in review), "or")
        text += (
            f"; where it is not recorded whether {whether}, a person reviews it before "
            "anything is deleted"
        )
    return text


def flags_of(keep: Keep) -> list[str]:
    """The flags a retention expression's conditions read, in the order they are written."""
    found: dict[str, None] = {}
    _keep_flags(keep, found)
    return list(found)


def _keep_flags(keep: Keep, found: dict[str, None]) -> None:
    if isinstance(keep, Earliest | Latest):
        for k in keep.earliest if isinstance(keep, Earliest) else keep.latest:
            _keep_flags(k, found)
    elif isinstance(keep, When):
        _cond_flags(keep.if_, found)
        _keep_flags(keep.then, found)
        if keep.else_ is not None:
            _keep_flags(keep.else_, found)


def _cond_flags(cond: Cond, found: dict[str, None]) -> None:
    if isinstance(cond, FlagIs):
        found[cond.flag] = None
    elif isinstance(cond, AnyOf | AllOf):
        for c in cond.any if isinstance(cond, AnyOf) else cond.all:
            _cond_flags(c, found)
    elif isinstance(cond, NotCond):
        _cond_flags(cond.not_, found)


def has_gap(keep: Keep) -> bool:
    """Whether a retention expression contains 'no period stated' anywhere."""
    if isinstance(keep, NoPeriod):
        return True
    if isinstance(keep, Earliest):
        return any(has_gap(k) for k in keep.earliest)
    if isinstance(keep, Latest):
        return any(has_gap(k) for k in keep.latest)
    if isinstance(keep, When):
        return has_gap(keep.then) or (keep.else_ is not None and has_gap(keep.else_))
    return False


def describe_action(action: Action) -> str:
    return ACTION_WORDS[action]


def condition_words(condition: Condition | str) -> str:
    """One sharing condition in the notice's words: 'if you agree'."""
    return CONDITION_WORDS[Condition(condition)]


def describe_conditions(conditions: Sequence[Condition | str]) -> str:
    """When a share happens: any one of its conditions allows it."""
    if not conditions:
        return "not stated"
    return join_words((condition_words(c) for c in conditions), "or")
