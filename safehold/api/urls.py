"""/api/v1/: the API authenticates for itself (token or verified session), so Django's
login-required default, which would redirect to a sign-in page, does not apply."""

from django.urls import URLPattern, URLResolver

from safehold.api.api import api


def _api_urls() -> list[URLPattern | URLResolver]:
    patterns, _app, _namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback.login_required = False  # type: ignore[attr-defined]
    return list(patterns)


urlpatterns = _api_urls()
app_name = "api-v1"
