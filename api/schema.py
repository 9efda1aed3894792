"""The OpenAPI schema's additions: the bearer-token scheme, and the problem-details answers every
operation may give (schemathesis checks each answer against them)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "detail", "code"],
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "detail": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}

ANSWERS = {
    "400": "The request is not valid: field errors in `errors`.",
    "401": "No token, or one that is not valid, has expired or was revoked.",
    "403": "The token's scope or its member's role does not allow this.",
    "404": "No such object among those the token's member may see (another partner's ids included).",
    "409": "The object's state does not allow this (the rule the page shows).",
    "422": "The Idempotency-Key was used before with a different request.",
    "429": "Too many requests with this token: wait the Retry-After seconds.",
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token of Access management."}


def problem_responses(result, generator, request, public):
    """Every operation documents the problem answers it can give, as ``application/problem+json``."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for code, text in ANSWERS.items():
                if code == "422" and method != "post":
                    continue
                responses.setdefault(
                    code,
                    {
                        "description": text,
                        "content": {
                            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                        },
                    },
                )
            if "429" in responses:
                responses["429"].setdefault(
                    "headers", {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}}
                )
    return result
