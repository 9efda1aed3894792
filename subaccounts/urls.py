from django.urls import path

from . import views

app_name = "subaccounts"
urlpatterns = [
    path("", views.SubaccountListView.as_view(), name="list"),
    path("search/", views.SubaccountSearchView.as_view(), name="search"),
    path("new/", views.SubaccountPickAccountView.as_view(), name="create_pick"),
    path("new/for-account/<int:pk>/", views.SubaccountCreateView.as_view(), name="create"),
    path("<int:pk>/", views.SubaccountDetailView.as_view(), name="detail"),
    path("<int:pk>/resend/", views.InvitationResendView.as_view(), name="resend"),
    *(
        path(f"<int:pk>/{action}/", views.SubaccountActionView.as_view(action=action, **options), name=action)
        for action, options in views.PARTNER_ACTIONS.items()
    ),
    path("invitation/<str:token>/", views.InvitationView.as_view(), name="invitation"),
]
