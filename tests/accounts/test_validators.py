import pytest
from django.core.exceptions import ValidationError

from accounts.validators import is_valid_uscc, uscc_check_character, validate_uscc
from tests.factories import make_uscc


@pytest.mark.parametrize("code", ["91350100M000100Y43", make_uscc(1), make_uscc(99999)])
def test_valid_credit_codes_pass(code):
    assert is_valid_uscc(code)
    validate_uscc(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y44", "check character"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100YI3", "uses only digits"),
        ("", "18 characters"),
    ],
)
def test_invalid_credit_codes_are_rejected_with_the_reason(code, reason):
    assert not is_valid_uscc(code)
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(code)
    assert reason in str(excinfo.value)


def test_check_character_changes_with_any_body_character():
    body = "91110108MA01ABCD0"
    assert uscc_check_character(body) != uscc_check_character("91110108MA01ABCD1")
