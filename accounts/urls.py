from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.AccountListView.as_view(), name="list"),
    path("search/", views.AccountSearchView.as_view(), name="search"),
    path("new/", views.AccountCreateView.as_view(), name="create"),
    path("<int:pk>/", views.AccountDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.AccountUpdateView.as_view(), name="edit"),
    path("<int:pk>/archive/", views.AccountArchiveView.as_view(), name="archive"),
    path("<int:pk>/restore/", views.AccountRestoreView.as_view(), name="restore"),
]
