from django.urls import path

from . import views

# under /tools/: the referral program is one of the partner's tools (the public pages are in config/urls.py)
app_name = "referral"
urlpatterns = [
    path("referral-links/", views.LinkListView.as_view(), name="links"),
    path("referral-links/new/", views.LinkCreateView.as_view(), name="link_create"),
    path("referral-links/<int:pk>/send/", views.LinkSendView.as_view(), name="link_send"),
    path("referral-links/<int:pk>/deactivate/", views.LinkDeactivateView.as_view(), name="link_deactivate"),
    path("referred-customers/", views.CustomerListView.as_view(), name="customers"),
    path("referral-statistics/", views.StatisticsView.as_view(), name="statistics"),
]
