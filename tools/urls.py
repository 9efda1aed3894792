from django.urls import path

from . import views

app_name = "tools"
urlpatterns = [
    path("", views.RegistrationListView.as_view(), name="index"),
    path("registrations/new/", views.RegistrationCreateView.as_view(), name="registration_create"),
    path("registrations/<int:pk>/", views.RegistrationDetailView.as_view(), name="registration_detail"),
    path("registrations/<int:pk>/edit/", views.RegistrationUpdateView.as_view(), name="registration_edit"),
    path(
        "registrations/<int:pk>/submit/", views.RegistrationSubmitView.as_view(), name="registration_submit"
    ),
    path(
        "registrations/<int:pk>/withdraw/",
        views.RegistrationWithdrawView.as_view(),
        name="registration_withdraw",
    ),
    path(
        "registrations/<int:pk>/comment/",
        views.RegistrationCommentView.as_view(),
        name="registration_comment",
    ),
    path(
        "registrations/<int:pk>/attach/", views.RegistrationAttachView.as_view(), name="registration_attach"
    ),
    path("presale/", views.PresaleRequestListView.as_view(), name="presale_list"),
    path("presale/new/", views.PresaleRequestCreateView.as_view(), name="presale_create"),
    path("presale/<int:pk>/", views.PresaleRequestDetailView.as_view(), name="presale_detail"),
    path("presale/<int:pk>/comment/", views.PresaleCommentView.as_view(), name="presale_comment"),
    path("presale/<int:pk>/attach/", views.PresaleAttachView.as_view(), name="presale_attach"),
    path("attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment"),
    path("resources/", views.ResourceListView.as_view(), name="resources"),
    path("resources/<int:pk>/file/", views.ResourceFileView.as_view(), name="resource_file"),
]
