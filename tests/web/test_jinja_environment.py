"""Safehold's Jinja2 environment renders exactly what Jinja2's own does, only cheaper.

`safehold.jinja2.SafeholdEnvironment` keeps each template's globals in a plain dict and reads
a plain dict's keys without first trying them as attributes (docs/adr/0033). Both are only
worth having if no page changes: the GOV.UK components and our own macros are rendered here
by both environments, from the same loader and globals, and must be identical.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.template import engines
from jinja2 import Environment, Undefined

from safehold.jinja2 import SafeholdEnvironment
from safehold.web.display import Cell


def _plain(ours: Environment) -> Environment:
    """Jinja2's own Environment, with our loader, options and globals."""
    env = Environment(  # autoescape on, as ours
        loader=ours.loader, autoescape=True, undefined=Undefined, auto_reload=False
    )
    env.globals.update(ours.globals)
    env.filters.update(ours.filters)
    return env


def _ours() -> Environment:
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    assert isinstance(env, SafeholdEnvironment)
    return env


COMPONENTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "table",
        "govukTable",
        {
            "caption": "Cases",
            "captionClasses": "govuk-table__caption--m",
            "firstCellIsHeader": True,
            "head": [
                {"text": "Name"},
                {"text": "Count", "format": "numeric", "attributes": {"aria-sort": "none"}},
            ],
            "rows": [
                [{"html": "<a href='/p/1/'>Jo &amp; Al</a>"}, {"text": "<3", "format": "numeric"}],
                [{"text": "Sam"}, {"text": "", "colspan": 2, "classes": "x"}],
                [],
            ],
            "attributes": {"id": "cases", "data-x": True, "hidden": {"value": None}},
        },
    ),
    ("tag", "govukTag", {"text": "Withheld <b>", "classes": "govuk-tag--grey"}),
    ("tag", "govukTag", {"html": "<i>Due</i>", "attributes": "data-a=1"}),
    (
        "summary-list",
        "govukSummaryList",
        {
            "rows": [
                {
                    "key": {"text": "Name"},
                    "value": {"html": "Jo"},
                    "actions": {
                        "items": [{"href": "/e/", "text": "Change", "visuallyHiddenText": "name"}]
                    },
                },
                {"key": {"text": "Born"}, "value": {"text": "1 May 2010"}, "actions": None},
            ],
            "attributes": {"id": "summary"},
        },
    ),
    (
        "pagination",
        "govukPagination",
        {
            "items": [
                {"number": 1, "href": "?page=1", "current": True},
                {"ellipsis": True},
                {"number": 9, "href": "?page=9"},
            ],
            "next": {"href": "?page=2"},
            "landmarkLabel": "Pages",
        },
    ),
    (
        "service-navigation",
        "govukServiceNavigation",
        {
            "serviceName": "Safehold",
            "serviceUrl": "/",
            "navigation": [{"href": "/", "text": "My caseload", "active": True}],
            "slots": {"end": "<form></form>"},
        },
    ),
    ("button", "govukButton", {"text": "Add", "href": "/new/", "classes": "b"}),
    ("notification-banner", "govukNotificationBanner", {"titleText": "T", "html": "<p>x</p>"}),
    ("warning-text", "govukWarningText", {"text": "Careful", "iconFallbackText": "Warning"}),
    ("details", "govukDetails", {"summaryText": "Why", "html": "<p>because</p>"}),
]


@pytest.mark.parametrize(("component", "macro", "params"), COMPONENTS)
def test_a_govuk_component_renders_the_same(
    component: str, macro: str, params: dict[str, Any]
) -> None:
    source = (
        f'{{% from "govuk_frontend_jinja/components/{component}/macro.html" import {macro} %}}'
        f"{{{{ {macro}(params) }}}}"
    )
    ours = _ours().from_string(source).render(params=params)
    assert ours == _plain(_ours()).from_string(source).render(params=params)
    assert ours.strip()


def test_our_macros_and_the_layout_render_the_same() -> None:
    source = (
        '{% extends "web/base.html" %}'
        '{% from "web/macros/shown.html" import shown, withheldReasons %}'
        "{% block content %}{% for c in cells %}[{{ shown(c) }}|"
        '{{ shown(c, empty="Open", reason="visible") }}]{% endfor %}'
        "{{ withheldReasons(reasons) }}{% endblock %}"
    )
    withheld = Cell(withheld="case.x: distance > 0", category="Health", because="Not yours")
    context = {
        "cells": [Cell("Jo <Smith>"), Cell(), withheld],
        "reasons": [("Health", withheld)],
        "staff": None,
        "nav_active": "privacy",
    }
    ours = _ours().get_template("web/base.html")
    assert ours is not None
    rendered = _ours().from_string(source).render(context)
    assert rendered == _plain(_ours()).from_string(source).render(context)
    assert "Jo &lt;Smith&gt;" in rendered and "Withheld" in rendered


@pytest.mark.parametrize(
    "expression",
    [
        "d.text",  # a key
        "d.missing is undefined",  # neither key nor attribute
        "d.items() | list",  # dict's own method, not the key "items"
        "d['items']",  # the key, asked for as one
        "d.get('text')",
        "d.keys | string",  # a bound method, as Jinja2 gives it
        "o.real",  # not a dict: attributes as before
        "ud.text",  # a dict subclass: as before
    ],
)
def test_attributes_of_a_dict_read_as_jinja2_reads_them(expression: str) -> None:
    class Sub(dict):
        text = "the attribute"

    context = {
        "d": {"text": "<the key>", "items": "the items key"},
        "o": 3,
        "ud": Sub(text="the key"),
    }
    source = "{{ " + expression + " }}"
    ours = _ours().from_string(source).render(context)
    assert ours == _plain(_ours()).from_string(source).render(context)


# --- memo: a macro rendered once per process for parameters it has had before ----------------


def _tag() -> Any:
    return _ours().get_template("govuk_frontend_jinja/components/tag/macro.html").module.govukTag  # type: ignore[attr-defined]


def test_memo_gives_what_the_macro_gives_and_keeps_it() -> None:
    from safehold import jinja2 as ours

    tag = _tag()
    params = {"text": "Overdue", "classes": "govuk-tag--red"}
    first = ours.memo(tag, params)
    assert first == tag(params) and "Overdue" in first
    assert ours.memo(tag, dict(params)) is first  # kept: equal parameters, not the same dict


def test_memo_tells_apart_what_renders_differently() -> None:
    from markupsafe import Markup

    from safehold import jinja2 as ours

    tag = _tag()
    # Text and markup of the same characters: one is escaped, the other is not.
    as_text = ours.memo(tag, {"text": "<b>x</b>"})
    as_markup = ours.memo(tag, {"text": Markup("<b>x</b>")})
    assert "&lt;b&gt;" in as_text and "<b>x</b>" in as_markup
    # True and 1 are equal, and hash alike, in Python; not to a template.
    assert ours._frozen({"a": True}) != ours._frozen({"a": 1})
    # A dict's order is kept: a macro may print its items in order.
    assert ours._frozen({"a": "1", "b": "2"}) != ours._frozen({"b": "2", "a": "1"})


def test_memo_keeps_nothing_it_is_told_not_to_or_cannot_key() -> None:
    from django.utils.functional import lazystr

    from safehold import jinja2 as ours

    tag = _tag()
    ours._memo.clear()
    typed = {"text": "Someone typed this"}
    assert "Someone typed this" in ours.memo(tag, typed, shared=False)
    lazy = {"text": lazystr("A lazy string")}
    assert "A lazy string" in ours.memo(tag, lazy)
    assert ours._memo == {}


def test_memo_is_bounded() -> None:
    from safehold import jinja2 as ours

    tag = _tag()
    for i in range(ours.MEMO_SIZE + 10):
        ours.memo(tag, {"text": f"tag {i}"})
    assert 0 < len(ours._memo) <= ours.MEMO_SIZE


def test_a_plain_cell_prints_in_a_table_as_the_shown_macro_prints_it() -> None:
    # Cell.plain skips the `shown` macro for plain text; the table must not change.
    source = (
        '{% from "govuk_frontend_jinja/components/table/macro.html" import govukTable %}'
        '{% from "web/macros/shown.html" import shown %}'
        "{% set ns = namespace(a=[], b=[]) %}{% for c in cells %}"
        '{% set ns.a = ns.a + [{"html": shown(c)}] %}'
        '{% set ns.b = ns.b + [c.plain or {"html": shown(c)}] %}{% endfor %}'
        '{{ govukTable({"rows": [ns.a], "firstCellIsHeader": true}) }}|'
        '{{ govukTable({"rows": [ns.b], "firstCellIsHeader": true}) }}'
    )
    cells = [
        Cell("Jo <O'Neil> & co"),
        Cell("1 May 2010"),
        Cell(),
        Cell(withheld="case.x: distance > 0", category="Health", because="Not yours"),
    ]
    with_macro, plain = _ours().from_string(source).render(cells=cells).split("|")
    assert with_macro == plain
    assert "Jo &lt;O&#39;Neil&gt; &amp; co" in plain and "Withheld" in plain
    assert cells[0].plain == {"text": cells[0].text}
    assert cells[2].plain is None and cells[3].plain is None
