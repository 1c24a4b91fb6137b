"""The pack as stored: every loaded version kept, so records can name the one they were
processed under and older notices stay readable."""

from __future__ import annotations

from django.db import models


class PackVersionQuerySet(models.QuerySet["PackVersion"]):
    def of(self, code: str) -> PackVersionQuerySet:
        return self.filter(pack_code=code)

    def current(self) -> PackVersionQuerySet:
        """The newest version of every pack, in one query."""
        newest = PackVersion.objects.filter(pack_code=models.OuterRef("pack_code")).order_by(
            "-version"
        )
        return self.filter(pk=models.Subquery(newest.values("pk")[:1]))


class PackVersion(models.Model):
    pack_code = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    schema_version = models.PositiveSmallIntegerField()
    digest = models.CharField(
        max_length=64, help_text="SHA-256 of the validated pack; the same content is one version."
    )
    document = models.JSONField(help_text="The validated pack, as the system reads it.")
    source_text = models.TextField(help_text="The YAML exactly as it was loaded.")
    source_name = models.CharField(max_length=255, blank=True)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.CharField(max_length=150, blank=True)

    objects = PackVersionQuerySet.as_manager()

    class Meta:
        ordering = ["pack_code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["pack_code", "version"], name="pack_version_unique"),
            models.UniqueConstraint(fields=["pack_code", "digest"], name="pack_digest_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pack_code} v{self.version}"


class Controller(models.Model):
    """A data controller named by a pack; records will be owned by one."""

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    pack_version = models.ForeignKey(
        PackVersion,
        on_delete=models.PROTECT,
        related_name="controllers",
        help_text="The pack version that last stated this controller.",
    )

    def __str__(self) -> str:
        return self.name
