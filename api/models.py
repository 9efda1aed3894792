from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyKey(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key`` (api/idempotency.py): a retry with the
    same key and the same body gets this answer again and changes nothing; the same key with another body is
    refused. Keyed per token: two tokens never share keys. Not partner-owned on its own: it is only ever read
    through the token that wrote it."""

    token = models.ForeignKey("access.ApiToken", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the method, path and body
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="uniq_idempotency_key")]

    def __str__(self):
        return self.key
