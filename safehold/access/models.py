"""Staff accounts. Teams, roles and allocation arrive with the access gate."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A member of staff. A custom model from the start, so staff facts can live on it."""

    class Meta:
        db_table = "access_user"
