"""Every change to users, organizations, memberships and join requests.

Field-level problems raise Django's ``ValidationError`` keyed by field (forms show it next to the field, the API
answers 400 with ``fields``); rule violations raise ``ApplicationError``; acting without the right raises
``PermissionDenied`` (403 in the API).
"""

from accounts.services.join_requests import join_request_create, join_request_decide
from accounts.services.memberships import membership_add, membership_change_role, membership_remove
from accounts.services.organizations import (
    ORGANIZATION_EDITABLE_FIELDS,
    organization_create,
    organization_update,
    organization_verify,
)
from accounts.services.signup import SignupResult, signup_with_join_request, signup_with_new_organization
from accounts.services.users import PROFILE_FIELDS, user_api_token, user_create, user_update_profile

__all__ = [
    "ORGANIZATION_EDITABLE_FIELDS",
    "PROFILE_FIELDS",
    "SignupResult",
    "join_request_create",
    "join_request_decide",
    "membership_add",
    "membership_change_role",
    "membership_remove",
    "organization_create",
    "organization_update",
    "organization_verify",
    "signup_with_join_request",
    "signup_with_new_organization",
    "user_api_token",
    "user_create",
    "user_update_profile",
]
