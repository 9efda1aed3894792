"""Walks the resolver: every URL of the portal, with the view class behind it and how to fill it."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from django.db.models.lookups import Exact
from django.urls import URLPattern, URLResolver, get_resolver
from django.views.generic import RedirectView

from portal.views import PortalMixin, PublicView
from tests import factories

# Not partner pages: Django admin (staff only), allauth (login, MFA), language switch, root redirect; the
# API, whose token-scoped operations have their own sweep, taken from its schema (tests/api/).
EXEMPT_NAMESPACES = {"admin", "api"}
# A chart's image: found by the digest of its figures and partner, not by an id; its own isolation and rights
# tests are tests/portal/test_charts.py's.
EXEMPT_NAMES = {"chart"}
EXEMPT_MODULE_PREFIXES = ("allauth.", "django.views.i18n", "django.contrib.admin")


@dataclass
class PortalUrl:
    name: str
    route: str
    view_class: type
    params: list[str]


def _walk(patterns, namespace="", prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(p.url_patterns, full_ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield namespace, prefix + str(p.pattern), p


def portal_urls() -> list[PortalUrl]:
    """Every partner-facing URL. Anything neither exempt nor a PortalMixin view is an error."""
    found, unscoped = [], []
    for namespace, route, pattern in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        view_class = getattr(callback, "view_class", None)
        module = (view_class or callback).__module__
        if namespace.split(":")[0] in EXEMPT_NAMESPACES or module.startswith(EXEMPT_MODULE_PREFIXES):
            continue
        if pattern.name in EXEMPT_NAMES and not namespace:
            continue
        if view_class is RedirectView or (view_class and issubclass(view_class, PublicView)):
            continue  # the root redirect; the token-addressed public pages
        if view_class is None or not issubclass(view_class, PortalMixin):
            unscoped.append(route)
            continue
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        found.append(PortalUrl(name, route, view_class, list(pattern.pattern.converters)))
    assert not unscoped, f"views outside the portal's scoped base: {unscoped}"
    return found


FACTORIES = {
    f._meta.model: f
    for _, f in inspect.getmembers(factories, inspect.isclass)
    if issubclass(f, factories.factory.django.DjangoModelFactory) and f._meta.model is not None
}


def partner_kwargs(factory_class, partner) -> dict:
    """Factory arguments that put every partner-owned row the factory creates under ``partner``."""
    declared = factory_class._meta.declarations
    kwargs = {"partner": partner} if "partner" in declared else {}
    for name, declaration in declared.items():
        if isinstance(declaration, factories.factory.SubFactory):
            for key, value in partner_kwargs(declaration.get_factory(), partner).items():
                kwargs.setdefault(f"{name}__{key}", value)
    kwargs.pop("partner__partner", None)
    return kwargs


def object_of(model, partner, queryset=None):
    """An object of ``model`` owned by ``partner``, whatever path leads from the model to its partner; with a
    view's ``queryset``, one that the queryset's exact filters (``kind=…``, ``status=…``) let through."""
    factory = FACTORIES[model]
    values = exact_filters(queryset) if queryset is not None else {}
    if not hasattr(model, "partner_field"):
        return factory(**values)  # the provider's shared catalogue belongs to no partner
    return factory(**partner_kwargs(factory, partner), **values)


def exact_filters(queryset) -> dict:
    """``{field: value}`` for each ``field=value`` condition a queryset puts on its own model's columns."""
    values = {}
    for condition in queryset.query.where.children:
        column = getattr(condition, "lhs", None)
        if isinstance(condition, Exact) and getattr(column, "alias", None) == queryset.model._meta.db_table:
            values[column.target.name] = condition.rhs
    return values


def fill(url: PortalUrl, partner) -> dict:
    """URL kwargs pointing at an object of ``partner``; fails for a URL the sweep cannot fill."""
    kwargs = {}
    for param in url.params:
        assert param == "pk", f"{url.name}: the sweep cannot fill <{param}>; teach tests/portal/urlwalk.py"
        queryset = getattr(url.view_class, "queryset", None)
        assert queryset is not None, f"{url.name}: a view with an id needs a queryset to scope"
        assert queryset.model in FACTORIES, f"{url.name}: no factory for {queryset.model.__name__}"
        kwargs[param] = object_of(queryset.model, partner, queryset).pk
    return kwargs
