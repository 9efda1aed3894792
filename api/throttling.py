from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token (``API_RATE``, e.g. ``600/min``), counted in the shared Redis cache: every web
    process sees the same count. Over the rate: 429 with Retry-After."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = request.auth
        ident = f"t{token.pk}" if token is not None else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
