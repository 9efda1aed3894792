from allauth.account.adapter import DefaultAccountAdapter


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Partner users join through an invitation from their administrator, not by open sign-up."""

    def is_open_for_signup(self, request):
        return False
