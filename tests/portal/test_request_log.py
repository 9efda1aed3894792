"""A refusal is logged as one line; an error keeps its traceback (portal/logs.py, LOGGING)."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.views import DashboardView
from portal.permissions import Role


class Collected(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def request_log():
    """The records ``django.request`` hands its handlers (the suite runs without pytest's caplog)."""
    handler = Collected()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_a_member_refused_a_page_is_one_line_in_the_log_with_no_traceback(member, client_for, request_log):
    editor = member(Role.EDITOR)
    assert client_for(editor).get(reverse("finance:bonuses")).status_code == 403

    assert len(request_log) == 1
    record = request_log[0]
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    line = logging.Formatter().format(record)
    assert line == f"Forbidden: GET /finance/bonuses/ (user {editor.user_id}): Your role does not allow this."
    assert "Traceback" not in line


def test_a_record_of_a_request_is_printed_once_whatever_debug_says(settings):
    """Django's own "django" logger printed every record with DEBUG on and passed it to the root's console."""
    printing = [
        handler
        for logger in (logging.getLogger("django.request"), logging.getLogger("django"), logging.getLogger())
        for handler in logger.handlers
        if type(handler) is logging.StreamHandler
    ]
    assert len(printing) == 1


def test_an_error_is_still_logged_with_its_traceback(member, request_log, monkeypatch):
    def broken(self, **kwargs):
        raise RuntimeError("the dashboard broke")

    monkeypatch.setattr(DashboardView, "get_context_data", broken)
    client = Client(raise_request_exception=False)
    client.force_login(member(Role.ADMINISTRATOR).user)
    assert client.get(reverse("dashboard")).status_code == 500

    assert len(request_log) == 1
    record = request_log[0]
    assert record.levelno == logging.ERROR
    assert record.exc_info and record.exc_info[0] is RuntimeError
    assert "Traceback" in logging.Formatter().format(record)
