"""provisionUsers: bulk user provisioning for an organization (documented function 15).

Up to 1,000 people per call, each answered `created`, `existing`, `conflict` or
`invalid` (see `functions.enterprise.provisioning`); new accounts are invited to choose
a password. Roles: admins, and org admins for their own organization (any other is a
404). Rate: 1,000 new users per hour per organization.
"""

from __future__ import annotations

from typing import Any

from entities import tenancy
from functions.enterprise import provisioning
from functions.enterprise.models import ProvisionUsersRequest
from functions.enterprise.responses import ProvisionUsersResponse
from shared.auth import Caller, Role
from shared.errors import ForbiddenError, NotFoundError, RateLimitedError
from shared.router import Deploy, endpoint

DEPLOY = Deploy(memory="512Mi", timeout="120s")
ERRORS = (ForbiddenError, NotFoundError, RateLimitedError)


def active_organization(caller: Caller, organization_id: str) -> dict[str, Any]:
    org = tenancy.organization_for(caller, organization_id)
    if org.get("status") != "active":
        raise ForbiddenError("This organization is suspended", details={"organization_id": organization_id})
    return org


@endpoint(
    "provisionUsers",
    request=ProvisionUsersRequest,
    response=ProvisionUsersResponse,
    roles={Role.ADMIN, Role.ORG_ADMIN},
    deploy=DEPLOY,
    errors=ERRORS,
)
def provision_users(body: ProvisionUsersRequest, caller: Caller) -> dict[str, Any]:
    org = active_organization(caller, body.organizationId)
    return provisioning.provision(caller, org, body.users, enterprise=False)
