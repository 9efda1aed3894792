from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import finance, problems, tools, views

router = SimpleRouter()
router.register("accounts", views.AccountViewSet, basename="account")
router.register("subaccounts", views.SubaccountViewSet, basename="subaccount")
router.register("balances", finance.BalanceViewSet, basename="balance")
router.register("accruals", finance.AccrualViewSet, basename="accrual")
router.register("withdrawals", finance.WithdrawalViewSet, basename="withdrawal")
router.register("consumption", finance.ConsumptionViewSet, basename="consumption")
router.register("commission-reports", finance.CommissionReportViewSet, basename="commission-report")
router.register("registrations", tools.RegistrationViewSet, basename="registration")
router.register("referral-links", tools.ReferralLinkViewSet, basename="referral-link")

docs = SpectacularSwaggerSplitView.as_view(url_name="api:schema")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/referral-statistics/", tools.referral_statistics, name="referral-statistics"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from static files (drf-spectacular-sidecar) with its set-up as a script file of its own:
    # the portal's Content-Security-Policy runs no inline script. Swagger UI styles its panels with inline
    # <style> elements: allowed on this page only, which shows no partner's data (scripts stay 'self')
    path("v1/docs/", csp_update({"style-src": [UNSAFE_INLINE]})(docs), name="docs"),
    # anything else under /api/ with its slash (one without is first sent to it, as on the pages): a problem
    re_path(r"^(?:[\s\S]*/)?$", problems.not_found),  # (an address with a line break in it too)
]
