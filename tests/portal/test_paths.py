"""An object's page path is reverse()'s, reversed once per view name."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from portal.paths import object_path


@pytest.mark.parametrize(
    "viewname",
    [
        "accounts:detail",
        "subaccounts:detail",
        "tools:registration_detail",
        "access:member_edit",
        "finance:accrual_detail",
        "finance:subaccount_bonus",
    ],
)
@pytest.mark.parametrize("pk", [1, 7, 42, 8_642_097_531, 10**12])
def test_an_objects_path_is_the_one_reverse_gives(viewname, pk):
    assert object_path(viewname, pk) == reverse(viewname, args=[pk])


def test_the_script_prefix_of_the_request_is_honoured():
    try:
        set_script_prefix("/portal/")
        assert (
            object_path("accounts:detail", 5) == reverse("accounts:detail", args=[5]) == "/portal/accounts/5/"
        )
    finally:
        set_script_prefix("/")
    assert object_path("accounts:detail", 5) == "/accounts/5/"


def test_what_is_not_an_integer_id_is_reversed_as_ever():
    assert object_path("accounts:detail", "5") == reverse("accounts:detail", args=["5"])
    with pytest.raises(NoReverseMatch):  # a view without an id
        object_path("access:members", 5)
