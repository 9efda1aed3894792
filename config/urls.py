from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from access.views import LanguageView
from dashboard.views import DashboardView, SearchSuggestView, SearchView, SwitchPartnerView
from portal.charts import ChartView
from referral.views import RedirectToLandingView, SignupView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard", permanent=False)),
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("search/", SearchView.as_view(), name="search"),
    path("search/suggest/", SearchSuggestView.as_view(), name="search_suggest"),
    path("switch-partner/", SwitchPartnerView.as_view(), name="switch_partner"),
    path("language/", LanguageView.as_view(), name="language"),
    re_path(
        r"^charts/(?P<digest>[0-9a-f]{64})/(?P<look>light|dark)\.svg$", ChartView.as_view(), name="chart"
    ),
    path("accounts/", include("accounts.urls")),
    path("subaccounts/", include("subaccounts.urls")),
    path("tools/", include("tools.urls")),
    path("tools/", include("referral.urls")),
    path("r/<slug:code>", RedirectToLandingView.as_view(), name="referral_redirect"),
    path("referral/join/", SignupView.as_view(), name="referral_signup"),
    path("finance/", include("finance.urls")),
    path("profile/", include("profiles.urls")),
    path("access/", include("access.urls")),
    path("auth/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
