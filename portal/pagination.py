"""Page numbers without counting every row: a long list is counted only as far as the pages around the one
asked for, so its cost stays that of a page, however many rows the partner has."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django_tables2.paginators import LazyPaginator

# how many pages past the one asked for are counted (and numbered); beyond them the list says "more"
PAGES_AHEAD = 9

# the rows a page may show (``?per_page=``): any other figure asked for gives the first, never a page as long
# as the address wants
PAGE_SIZES = (25, 50, 100)


def page_size(asked) -> int:
    """``asked`` (a ``per_page`` parameter, or None) if it is one of ``PAGE_SIZES``, else the default."""
    try:
        size = int(asked)
    except (TypeError, ValueError):
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


def count_limit(page, per_page: int) -> int:
    """How many rows to count for ``page`` (a number, or anything a query gives): up to ``PAGES_AHEAD``
    pages past it, and one row more, which tells whether there are more."""
    try:
        number = max(int(page), 1)
    except (TypeError, ValueError):
        number = 1
    return (number + PAGES_AHEAD) * per_page + 1


class CappedPaginator(LazyPaginator):
    """Django's paginator whose count stops at ``count_limit`` of the page asked for: page numbers up to
    there work as ever, and ``more`` says rows follow the last page numbered (django-tables2's page range
    then ends with "…", as for its LazyPaginator). ``object_list`` is a queryset, django-tables2's table
    data or a sequence; a caller that counts itself passes ``counted`` (up to the limit), or a function
    that counts when the count is first asked for (after django-tables2 has applied the sort)."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, counted=None, **kwargs):
        Paginator.__init__(self, object_list, per_page, orphans, allow_empty_first_page, **kwargs)
        self._counted = counted
        self.more = False
        self._limit = count_limit(1, self.per_page)

    num_pages = Paginator.num_pages
    page_range = Paginator.page_range
    page = Paginator.page

    def validate_number(self, number):
        """The first page number asked for (``page``, ``get_page``) decides how far the count goes."""
        if "count" not in self.__dict__:
            self._limit = count_limit(number, self.per_page)
        return Paginator.validate_number(self, number)

    @cached_property
    def count(self) -> int:
        """Rows up to the last page numbered (``more``: rows follow)."""
        counted = self._counted() if callable(self._counted) else self._counted
        if counted is None:
            rows = self.object_list
            while not hasattr(rows, "query") and hasattr(rows, "data"):  # django-tables2's rows, its data
                rows = rows.data
            if hasattr(rows, "query"):  # the keys alone: no annotation, join or order computed to count
                rows = rows.order_by().values_list("pk", flat=True)
            counted = len(rows[: self._limit])
        self.more = counted >= self._limit
        return min(counted, self._limit - 1)

    def is_last_page(self, number) -> bool:
        return not self.more


class CountedPaginator(Paginator):
    """Django's paginator told how many rows there are by a page that already knows (the subaccounts' status
    tabs count them): the same pages, one ``COUNT(*)`` fewer."""

    def __init__(self, object_list, per_page, *args, count: int, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached property: known, never asked for
