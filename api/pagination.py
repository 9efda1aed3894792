from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Cursor pages: each page is one indexed range read from where the last one ended, as fast on the
    10,000th page as on the first (an offset would count past every row before it)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("name", "pk")

    def get_page_size(self, request):
        """``page_size`` if given as a whole number from 1 (above ``max_page_size``: the maximum); anything
        else is refused (DRF would quietly give the default page)."""
        asked = request.query_params.getlist(self.page_size_query_param)
        if not asked:
            return self.page_size
        try:
            size = int(asked[-1])
        except ValueError:
            size = 0
        if size < 1 or len(asked) > 1:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give one whole number from 1 to %(maximum)s.") % {"maximum": self.max_page_size}
                    ]
                }
            )
        return min(size, self.max_page_size)
