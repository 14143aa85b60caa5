"""enterpriseProvisionUsers: provisioning with custom attributes (documented function 16).

As provisionUsers, with department, employee_id (unique within the organization),
manager_email (a member, or a row of the same call; no self-management, no loops)
and custom_fields; each person joins the team named by the custom field `team`, else
by their department. Roles: admins, and org admins for their own organization.
"""

from __future__ import annotations

from typing import Any

from functions.enterprise import provisioning
from functions.enterprise.models import EnterpriseProvisionUsersRequest
from functions.enterprise.provision_users import DEPLOY, ERRORS, active_organization
from functions.enterprise.responses import EnterpriseProvisionUsersResponse
from shared.auth import Caller, Role
from shared.router import endpoint


@endpoint(
    "enterpriseProvisionUsers",
    request=EnterpriseProvisionUsersRequest,
    response=EnterpriseProvisionUsersResponse,
    roles={Role.ADMIN, Role.ORG_ADMIN},
    deploy=DEPLOY,
    errors=ERRORS,
)
def enterprise_provision_users(body: EnterpriseProvisionUsersRequest, caller: Caller) -> dict[str, Any]:
    org = active_organization(caller, body.organizationId)
    return provisioning.provision(caller, org, body.users, enterprise=True)
