from django.urls import path

from . import views

app_name = "finance"
urlpatterns = [
    path("", views.AccrualListView.as_view(), name="index"),
    path("accruals/<int:pk>/", views.AccrualDetailView.as_view(), name="accrual_detail"),
]
