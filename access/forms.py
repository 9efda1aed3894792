from portal.forms import PortalModelForm

from .models import Membership


class MembershipForm(PortalModelForm):
    class Meta:
        model = Membership
        fields = ["role", "restricted"]
