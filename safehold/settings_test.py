"""Settings for the test suite: the real settings, with a throwaway key and fast hashing."""

import os
import tempfile

os.environ.setdefault("SAFEHOLD_SECRET_KEY", "test-only-secret-key-not-for-use-anywhere-else")

from safehold.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
# Tests serve the built assets directly; there is no collectstatic output to point at.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = BASE_DIR / "safehold" / "static"  # noqa: F405

# As in DEBUG, a checkpoint key is made in the data dir if absent. Checkpoints go to a directory
# of this process's own, gone when it ends: the test database is made anew on every run, and
# its checkpoints must not outlive it (tests/conftest.py gives each test its own directory).
AUDIT_CHECKPOINT_KEY_FILE = os.environ.get("SAFEHOLD_AUDIT_KEY_FILE") or str(
    DATA_DIR / "audit-checkpoint.key"  # noqa: F405
)
AUDIT_CHECKPOINT_KEY_GENERATE = True
_checkpoints = tempfile.TemporaryDirectory(prefix="safehold-test-checkpoints-")
AUDIT_CHECKPOINT_DIR = Path(_checkpoints.name)  # noqa: F405
SHARING_PSEUDONYM_KEY = "test-only-pseudonym-key"

# Every query compiled once per shape (safehold.compiled) is also built and compiled with its
# real values, and must come out the same.
VERIFY_COMPILED = True
