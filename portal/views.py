"""The one base for every portal view: login, current membership, the role's right, the tenant scope.

Foreign or unknown ids answer 404 because objects are only ever fetched from the restricted queryset;
a role without the view's right answers 403 before anything is read.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import DetailView, TemplateView
from django.views.generic.detail import SingleObjectMixin
from django.views.generic.edit import CreateView, UpdateView
from django_filters.views import FilterView
from django_scopes import scopes_disabled
from django_tables2 import SingleTableMixin
from django_tables2.rows import BoundRow

from portal.csv import csv_response
from portal.pagination import page_size
from portal.permissions import Right
from portal.replica import read_alias

EXPORT_CHUNK = 2000


class PortalMixin(LoginRequiredMixin):
    """Every portal view: ``right`` is what the role must hold for any method of this view."""

    right: Right | None = None
    section: str = ""
    partner_wide = False  # shows figures of the whole partner: not for members restricted to some accounts

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.membership is None:
            raise PermissionDenied(_("Your user is not a member of any partner yet."))
        if self.right is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must name the right it needs")
        if not request.membership.has(self.right):
            raise PermissionDenied(_("Your role does not allow this."))
        if self.partner_wide and request.membership.restricted:
            raise PermissionDenied(
                _("This page covers every customer; your access is limited to some of them.")
            )
        self.membership = request.membership
        self.partner = request.partner
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().restrict(self.membership)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("section", self.section)
        return super().get_context_data(**kwargs)


class CsvExportMixin:
    """``?export=csv``: what the page shows, as a CSV file — the one way a portal page offers its figures for
    download. ``load()`` reads what the page and its file share (the period, the selector's result) once;
    ``export_csv()`` returns the file (``portal.csv.csv_response``), or None where the page has none and
    simply shows itself. A list's file comes from its table (``PortalListView``)."""

    def load(self) -> None:
        """Read what both the page and its CSV show, before either is made."""

    def export_csv(self):
        return None

    def get(self, request, *args, **kwargs):
        self.load()
        if request.GET.get("export") == "csv":
            response = self.export_csv()
            if response is not None:
                return response
        return super().get(request, *args, **kwargs)


class PortalSearchView(PortalMixin, View):
    """The choices of a search-as-you-type select (portal/widgets.py ``SearchSelect``) as JSON: ``?q=``
    searched in ``search_fields`` (never personal data: label, hint and fields are what every role with the
    right sees), ``PER_PAGE`` a page in ``ordering``, and the URL of the next page while there is one:
    ``{"results": [{"id": …, "text": …, "hint": …}], "next": url | null}``. Scoped like every page: another
    partner's rows, or a restricted member's hidden accounts, are never among them."""

    PER_PAGE = 20
    http_method_names = ["get"]
    queryset = None
    search_fields: tuple[str, ...] = ()
    ordering: tuple[str, ...] = ("name", "pk")
    value_field = "pk"  # what a choice submits: the row's id, or a key of the provider's (a cloud's id)

    def get_queryset(self):
        return self.queryset.restrict(self.membership)

    def label(self, obj) -> str:
        return str(obj)

    def hint(self, obj) -> str:
        """A second line under the label in the list (a tax id, a billing account id)."""
        return ""

    def get(self, request, *args, **kwargs):
        query = request.GET.get("q", "").strip()[:100]
        page = request.GET.get("page", "")
        page = int(page) if page.isdigit() and 0 < int(page) < 10**4 else 1
        queryset = self.get_queryset()
        if query:
            found = Q()
            for field in self.search_fields:
                found |= Q(**{f"{field}__icontains": query})
            queryset = queryset.filter(found)
        start = (page - 1) * self.PER_PAGE
        rows = list(queryset.order_by(*self.ordering)[start : start + self.PER_PAGE + 1])  # one more: a next?
        following = None
        if len(rows) > self.PER_PAGE:
            params = request.GET.copy()
            params["page"] = page + 1
            following = f"{request.path}?{params.urlencode()}"
        results = [
            {"id": getattr(obj, self.value_field), "text": self.label(obj), "hint": self.hint(obj)}
            for obj in rows[: self.PER_PAGE]
        ]
        return JsonResponse({"results": results, "next": following})


class PublicView(View):
    """A page deliberately open without login (a customer's emailed link). The isolation sweep skips these
    and only these; such a view must find its object from a signed token, never from a plain id. It runs
    with partner scopes disabled, on purpose: the visitor belongs to no partner, and a signed-in user of
    one partner may open another's link."""

    @classmethod
    def as_view(cls, **initkwargs):
        return scopes_disabled()(super().as_view(**initkwargs))


class PortalPageView(PortalMixin, CsvExportMixin, TemplateView):
    """A page with no object of its own; its data comes from the section's selectors."""


class PortalListView(PortalMixin, CsvExportMixin, SingleTableMixin, FilterView):
    """A filtered, sorted, paginated table; ``?export=csv`` streams exactly the filtered, sorted rows."""

    template_name = "portal/object_list.html"
    table_pagination = {"per_page": 25}  # the table paginates; the ListView's own paginator stays off
    filterset_class = None
    title = ""
    create_url_name = ""
    create_label = _lazy("Create")
    read_replica = False  # a heavy list reads from the replica when there is one (portal/replica.py)

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.using(read_alias()) if self.read_replica else queryset

    def get_table_kwargs(self):
        return {"membership": self.membership}

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        for one in filterset.filters.values():
            # a form field the class's filter already built (the API schema's generator reads the classes
            # the pages share) is built again, from this page's own choices (a view may narrow them)
            one.__dict__.pop("_field", None)
        return filterset

    def may_create(self) -> bool:
        """The create button shows only to roles that hold the create page's own right."""
        if not self.create_url_name:
            return False
        create_view = resolve(reverse(self.create_url_name)).func.view_class
        return self.membership.has(create_view.right)

    def export_csv(self):
        """Stream every filtered, sorted row through one server-side cursor: memory stays flat."""
        filterset = self.get_filterset(self.get_filterset_class())
        # the page's own rule (FilterView, strict): invalid filters show nothing, never everything
        queryset = (
            filterset.qs if not filterset.is_bound or filterset.is_valid() else filterset.queryset.none()
        )
        table = self.get_table_class()(queryset, **self.get_table_kwargs())
        table.order_by = self.request.GET.get("sort") or ()
        columns = [c.name for c in table.columns if c.name not in getattr(table, "exclude_from_export", ())]

        def rows():
            for record in table.data.data.iterator(chunk_size=EXPORT_CHUNK):
                row = BoundRow(record, table=table)
                yield [row.get_cell_value(name) for name in columns]

        header = [str(table.columns[name].header) for name in columns]
        return csv_response(f"{slugify(self.title)}.csv", header, rows())

    def get_context_data(self, **kwargs):
        kwargs.setdefault("title", self.title)
        kwargs.setdefault("create_url_name", self.create_url_name if self.may_create() else "")
        kwargs.setdefault("create_label", self.create_label)
        return super().get_context_data(**kwargs)


class PortalDetailView(PortalMixin, CsvExportMixin, DetailView):
    pass


class PortalActionView(PortalMixin, SingleObjectMixin, View):
    """A state change of one object (archive, suspend, …): POST acts; GET shows the confirmation page.

    ``act(obj, **cleaned_data)`` calls the service and returns the response; a ``ValidationError`` from
    it is shown as an error message and nothing is changed. ``form_class`` (optional) collects a reason.
    """

    template_name = "portal/confirm.html"
    form_class = None
    confirm_title = ""
    confirm_text = ""
    confirm_button = _lazy("Confirm")
    danger = False

    def act(self, obj, **data):
        raise NotImplementedError

    def render_confirmation(self, form=None):
        context = {
            "object": self.object,
            "form": form,
            "title": self.confirm_title,
            "confirm_text": self.confirm_text,
            "confirm_button": self.confirm_button,
            "danger": self.danger,
            "section": self.section,
        }
        return render(self.request, self.template_name, context)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_confirmation(self.form_class() if self.form_class else None)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        data = {}
        if self.form_class:
            form = self.form_class(request.POST, request.FILES)
            if not form.is_valid():
                return self.render_confirmation(form)
            data = form.cleaned_data
        try:
            with transaction.atomic():
                return self.act(self.object, **data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(self.object.get_absolute_url())


class PortalFormMixin(PortalMixin):
    """Create and edit pages: the form's choices are scoped; the write goes through ``save_object``.

    A ``ValidationError`` raised by a service lands on the form as field errors and nothing is written
    (ATOMIC_REQUESTS rolls the request back).
    """

    template_name = "portal/object_form.html"
    success_message = ""
    title = ""
    formset_class = None  # an inline formset edited with the object (e.g. its contacts)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "membership": self.membership}

    def formset_allowed(self) -> bool:
        return self.formset_class is not None

    def get_formset(self):
        """The inline formset, bound on POST; None when the view has none or the role may not edit it."""
        if not self.formset_allowed():
            return None
        data = self.request.POST if self.request.method == "POST" else None
        return self.formset_class(data, instance=self.object if self.object is not None else self.model())

    def get_context_data(self, **kwargs):
        kwargs.setdefault("title", self.title)
        kwargs.setdefault("formset", self.get_formset())
        kwargs.setdefault("cancel_url", self.get_cancel_url())
        return super().get_context_data(**kwargs)

    def get_cancel_url(self) -> str:
        """Where Cancel leads: the object edited, else the portal page the user came from, else home."""
        edited = getattr(self, "object", None)
        if edited is not None and hasattr(edited, "get_absolute_url"):
            return edited.get_absolute_url()
        came_from = self.request.headers.get("Referer", "")
        ours = url_has_allowed_host_and_scheme(
            came_from, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        if ours and came_from != self.request.build_absolute_uri():
            return came_from
        return reverse("dashboard")

    def save_object(self, form):
        return form.save()

    def form_valid(self, form):
        self.formset = self.get_formset()
        if self.formset is not None and not self.formset.is_valid():
            return self.render_to_response(self.get_context_data(form=form, formset=self.formset))
        try:
            with transaction.atomic():
                self.object = self.save_object(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": self.object})
        return HttpResponseRedirect(self.get_success_url())


class PortalCreateView(PortalFormMixin, CreateView):
    pass


class PortalUpdateView(PortalFormMixin, UpdateView):
    pass


def page_number(request, name: str = "page") -> int:
    """The ``?page=`` asked for (django-tables2's parameter too; ``name``: a prefixed table's), 1 when absent
    or not a number."""
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) < 10**6 else 1


def rows_per_page(request, name: str = "per_page") -> int:
    """The ``?per_page=`` asked for if the lists offer it (portal.pagination.PAGE_SIZES), else the default:
    for a page that fetches its own rows, as django-tables2's tables take it (PortalTable.paginate)."""
    return page_size(request.GET.get(name))
