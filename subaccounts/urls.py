from django.urls import path

from . import views

app_name = "subaccounts"
urlpatterns = [
    path("", views.SubaccountListView.as_view(), name="list"),
    path("<int:pk>/", views.SubaccountDetailView.as_view(), name="detail"),
]
