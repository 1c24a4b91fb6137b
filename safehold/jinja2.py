"""The Jinja2 environment: app templates first, then the GOV.UK Frontend macros."""

from __future__ import annotations

from typing import Any

from django.templatetags.static import static
from django.urls import reverse
from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, PrefixLoader

from safehold.web.govuk import JINJA_GLOBALS as GOVUK_FORM_GLOBALS


def environment(**options: Any) -> Environment:
    app_loader: BaseLoader = options.pop("loader")
    options["autoescape"] = True  # never off: every page shows personal data
    env = Environment(  # noqa: S701 - autoescape is forced on above
        loader=ChoiceLoader(
            [
                app_loader,
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        **options,
    )
    env.globals.update({"static": static, "url": reverse})
    env.globals.update(GOVUK_FORM_GLOBALS)  # Django forms into GOV.UK macros
    return env
