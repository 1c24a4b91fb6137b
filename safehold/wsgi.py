import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehold.settings")
application = get_wsgi_application()

# Refuse to serve rather than log unanchored: say what is missing, once, without a traceback.
from safehold.audit.checkpoints import key_problem  # noqa: E402 - needs the app registry

if (problem := key_problem()) is not None:
    raise SystemExit(f"safehold: not starting: {problem}")
