"""What the procurement API views share: error responses for the schema, the requester's institution."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.request import Request

from accounts.models import Organization
from accounts.policies import user_organization_ids

ERRORS = {400: OpenApiResponse(description="Invalid input: `fields` names each bad field.")}
EDIT_ERRORS = {
    **ERRORS,
    403: OpenApiResponse(description="Not a member of the demand's institution."),
    404: OpenApiResponse(description="No such demand visible to you."),
}


def one_institution(request: Request, given: Organization | None) -> Organization:
    """The institution named in the request, or the requester's only one."""
    if given is not None:
        return given
    org_ids = user_organization_ids(request.user, kind=Organization.Kind.INSTITUTION)
    if len(org_ids) == 1:
        return Organization.objects.get(pk=next(iter(org_ids)))
    if not org_ids:
        raise PermissionDenied(_("You are not a member of a research institution."))
    raise serializers.ValidationError({"institution": [_("You belong to several institutions: name one.")]})
