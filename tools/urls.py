from django.urls import path

from . import views

app_name = "tools"
urlpatterns = [
    path("", views.RegistrationListView.as_view(), name="index"),
    path("registrations/<int:pk>/", views.RegistrationDetailView.as_view(), name="registration_detail"),
    path("presale/", views.PresaleRequestListView.as_view(), name="presale_list"),
    path("presale/<int:pk>/", views.PresaleRequestDetailView.as_view(), name="presale_detail"),
    path("resources/", views.ResourceListView.as_view(), name="resources"),
]
