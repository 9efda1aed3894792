from django.urls import path

from . import views

app_name = "finance"
urlpatterns = [
    path("", views.AccrualListView.as_view(), name="index"),
    path("accruals/<int:pk>/", views.AccrualDetailView.as_view(), name="accrual_detail"),
    path("usage/", views.UsageView.as_view(), name="usage"),
    path("usage/clouds/", views.CloudSearchView.as_view(), name="clouds"),
    path("usage/folders/", views.FolderSearchView.as_view(), name="folders"),
    path("balance/", views.BalanceView.as_view(), name="balance"),
    path("balance/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("commission/", views.CommissionView.as_view(), name="commission"),
    path("bonuses/", views.BonusesView.as_view(), name="bonuses"),
    path("statements/", views.StatementListView.as_view(), name="statements"),
    path("statements/request/", views.StatementRequestView.as_view(), name="statement_request"),
    path("reports/<int:pk>/", views.ReportDownloadView.as_view(), name="report"),
    path("partner-bonus/", views.PartnerBonusView.as_view(), name="partner_bonus"),
    path("partner-bonus/<int:pk>/", views.SubaccountBonusView.as_view(), name="subaccount_bonus"),
    path(
        "commission/prepare/", views.CommissionReportRequestView.as_view(), name="commission_report_request"
    ),
    path("export/", views.BucketExportView.as_view(), name="bucket_export"),
]
