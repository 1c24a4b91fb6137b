from tests.retention.conftest import yos  # noqa: F401 - a controller with people and cases
