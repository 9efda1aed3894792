from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Cursor pages: each page is one indexed range read from where the last one ended, as fast on the
    10,000th page as on the first (an offset would count past every row before it)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("name", "pk")
