from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import get_ip


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Partner users join through an invitation from their administrator, not by open sign-up.

    Failed logins count per account *and* client address (allauth counts per account alone, so anyone
    anywhere could lock a known email out, the right password refused): one address guessing one account
    is slowed; its owner, signing in from anywhere else, is not.
    """

    def is_open_for_signup(self, request):
        return False

    def _get_login_attempts_cache_key(self, request, **credentials):
        # the "key" of ACCOUNT_RATE_LIMITS["login_failed"]; allauth's get_ip, as for its per-address limits
        # (trusted proxies honoured, IPv6 by /64 so a host's many addresses count as one)
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{get_ip(request)}"
