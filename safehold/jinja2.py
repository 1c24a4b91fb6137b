"""The Jinja2 environment: app templates first, then the GOV.UK Frontend macros."""

from __future__ import annotations

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

from safehold.access.gate import staff_name
from safehold.records.search import case_reference, person_reference
from safehold.web.govuk import JINJA_GLOBALS as GOVUK_FORM_GLOBALS


def environment(**options: Any) -> Environment:
    app_loader: BaseLoader = options.pop("loader")
    options["autoescape"] = True  # never off: every page shows personal data
    # The GOV.UK macros leave out what a caller does not pass (a textarea's `value`), as
    # Nunjucks does: it must print as nothing in every mode. Django's backend picks
    # DebugUndefined under DEBUG, which prints `{{ no such element: ... }}` into the page, and
    # a textarea then posts it back as if someone had typed it.
    options["undefined"] = Undefined
    env = Environment(  # noqa: S701 - autoescape is forced on above
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
        {"static": static, "url": reverse, "govuk_assets": f"{settings.STATIC_URL}govuk/assets"}
    )
    env.globals.update(GOVUK_FORM_GLOBALS)  # Django forms into GOV.UK macros
    env.globals["staff_name"] = staff_name  # people's names, never their usernames
    # References, never a bare record number: P127, C73 (what staff quote and search for).
    env.globals["person_reference"] = person_reference
    env.globals["case_reference"] = case_reference
    return env
