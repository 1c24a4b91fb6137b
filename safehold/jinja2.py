"""The Jinja2 environment: app templates first, then the GOV.UK Frontend macros."""

from __future__ import annotations

import threading
from collections.abc import MutableMapping, Sequence
from typing import Any

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    PackageLoader,
    PrefixLoader,
    Undefined,
)
from jinja2.runtime import Macro
from markupsafe import Markup

from safehold.access.gate import staff_name
from safehold.records.search import case_reference, person_reference
from safehold.web.addresses import address
from safehold.web.govuk import JINJA_GLOBALS as GOVUK_FORM_GLOBALS

# What a plain dict answers to as attributes (`.items`, `.get`...): Jinja2 gives these first.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class SafeholdEnvironment(Environment):
    """Jinja2's environment with two costs of the GOV.UK macros taken out, the output the same.

    Every component macro imports `govukAttributes` inside its body, so each call (one per
    table cell, tag, summary row) asks the imported template for its module; Jinja2 compares
    the caller's globals with the template's, a `ChainMap`, one Python-level lookup per
    global. And every `params.text` on the dict a macro is given is first tried as an
    attribute, which raises and catches an AttributeError before the key is read.
    """

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        # A plain dict, not a ChainMap over `self.globals`: the same names and values, as
        # `environment()` sets every global before any template is loaded (Jinja2's own
        # advice: do not change globals after). Dict lookups are C, not Python.
        return {**self.globals, **(d or {})}

    def getattr(self, obj: Any, attribute: str) -> Any:
        # For a plain dict and a name that is not one of dict's own attributes, Jinja2's
        # getattr would fail the attribute and read the key: read the key straight away.
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


# --- rendering a macro once for the parameters it is given again ----------------------------

# A macro's output for each set of parameters seen, in this process. Bounded: when full it is
# emptied and refilled (the pages use a few dozen fragments, so it rarely fills).
MEMO_SIZE = 512
# (Markup, as every macro gives under autoescape, which is always on.)
_memo: dict[tuple[Macro, Any], str] = {}
_memo_lock = threading.Lock()


class _NotFrozen(Exception):
    """A parameter that is not a plain value (a lazy string, an object): render, not memo."""


# Not float: -0.0 == 0.0, and they print differently.
_SCALARS = (str, Markup, int, bool, type(None))


def _frozen(value: Any) -> Any:
    """`value` as a hashable key that tells apart what renders differently: the type of every
    value is part of it (True and 1, a str and Markup of the same text), and a dict keeps its
    order (a macro may print its items in order)."""
    kind = type(value)
    if kind in _SCALARS:
        return (kind, value)
    if kind is dict:
        return (dict, tuple((_frozen(k), _frozen(v)) for k, v in value.items()))
    if kind is list or kind is tuple:
        return (kind, tuple(_frozen(v) for v in value))
    raise _NotFrozen(kind.__name__)


def memo(macro: Macro, params: Any, shared: bool = True) -> str:
    """`macro(params)`, rendered once per process for each distinct `params`.

    For the parts of a page that are the same from request to request and hold nothing about
    a person (the navigation, the footer, the caseload's filter, a "Withheld" or "Overdue"
    tag): a GOV.UK macro is a function of its parameters alone. `shared=False` (say, a search
    box holding what someone typed) renders without keeping anything.
    """
    if not shared:
        return macro(params)
    try:
        key = (macro, _frozen(params))
    except _NotFrozen:
        return macro(params)
    found = _memo.get(key)
    if found is not None:
        return found
    rendered = macro(params)
    with _memo_lock:
        if len(_memo) >= MEMO_SIZE:
            _memo.clear()
        _memo[key] = rendered
    return rendered


def _url(name: str, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None) -> str:
    """Templates' `url(name, args=[...])`: Django's reverse, by ids without resolving the
    pattern again (web/addresses.py)."""
    if kwargs:
        return reverse(name, kwargs=kwargs)
    return address(name, *args)


def environment(**options: Any) -> Environment:
    app_loader: BaseLoader = options.pop("loader")
    options["autoescape"] = True  # never off: every page shows personal data
    # The GOV.UK macros leave out what a caller does not pass (a textarea's `value`), as
    # Nunjucks does: it must print as nothing in every mode. Django's backend picks
    # DebugUndefined under DEBUG, which prints `{{ no such element: ... }}` into the page, and
    # a textarea then posts it back as if someone had typed it.
    options["undefined"] = Undefined
    env = SafeholdEnvironment(  # autoescape is forced on above
        loader=ChoiceLoader(
            [
                app_loader,
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        **options,
    )
    # The GOV.UK template builds favicon and manifest addresses under `assetPath`, a folder:
    # folders have no entry in the hashed-static manifest, so it is the unhashed prefix.
    env.globals.update(
        {"static": static, "url": _url, "govuk_assets": f"{settings.STATIC_URL}govuk/assets"}
    )
    env.globals.update(GOVUK_FORM_GLOBALS)  # Django forms into GOV.UK macros
    env.globals["staff_name"] = staff_name  # people's names, never their usernames
    # References, never a bare record number: P127, C73 (what staff quote and search for).
    env.globals["person_reference"] = person_reference
    env.globals["case_reference"] = case_reference
    env.globals["memo"] = memo  # a fragment the same on every request, rendered once
    return env
