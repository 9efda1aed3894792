from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("", views.MemberListView.as_view(), name="members"),
    path("members/<int:pk>/", views.MemberUpdateView.as_view(), name="member_edit"),
    path("members/<int:pk>/remove/", views.MemberRemoveView.as_view(), name="member_remove"),
    path("invitations/", views.InvitationListView.as_view(), name="invitations"),
    path("invitations/new/", views.InviteView.as_view(), name="invite"),
    path("invitations/<int:pk>/resend/", views.InvitationResendView.as_view(), name="invitation_resend"),
    path("invitations/<int:pk>/revoke/", views.InvitationRevokeView.as_view(), name="invitation_revoke"),
    path("security/", views.SecurityView.as_view(), name="security"),
    path("audit/", views.AuditEventListView.as_view(), name="audit"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/<int:pk>/", views.NotificationOpenView.as_view(), name="notification"),
    path("notifications/read/", views.NotificationsReadView.as_view(), name="notifications_read"),
    path("notifications/email/", views.NotificationSettingsView.as_view(), name="notification_settings"),
    path("tokens/", views.ApiTokenListView.as_view(), name="tokens"),
    path("tokens/new/", views.ApiTokenCreateView.as_view(), name="token_create"),
    path("tokens/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="token_revoke"),
    path("invitation/<str:token>/", views.AcceptInvitationView.as_view(), name="invitation"),
]
