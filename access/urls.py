from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("", views.MemberListView.as_view(), name="members"),
    path("members/<int:pk>/", views.MemberUpdateView.as_view(), name="member_edit"),
    path("audit/", views.AuditEventListView.as_view(), name="audit"),
]
