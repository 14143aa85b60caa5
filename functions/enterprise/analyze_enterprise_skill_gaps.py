"""analyzeEnterpriseSkillGaps: the organization's gaps against target skills (documented function 18).

For each target skill the members' mean proficiency, the gap to the target, the
employees below it; the courses recommended to close the gaps and their estimated
cost (formulas in `functions.enterprise.skills`). Roles: admins, and org admins for
their own organization.
"""

from __future__ import annotations

from typing import Any

from entities import tenancy
from functions.enterprise import skills
from functions.enterprise.models import AnalyzeEnterpriseSkillGapsRequest
from functions.enterprise.responses import AnalyzeEnterpriseSkillGapsResponse
from shared.auth import Caller, Role
from shared.router import endpoint


@endpoint(
    "analyzeEnterpriseSkillGaps",
    request=AnalyzeEnterpriseSkillGapsRequest,
    response=AnalyzeEnterpriseSkillGapsResponse,
    roles={Role.ADMIN, Role.ORG_ADMIN},
    read_only=True,
)
def analyze_enterprise_skill_gaps(body: AnalyzeEnterpriseSkillGapsRequest, caller: Caller) -> dict[str, Any]:
    org = tenancy.organization_for(caller, body.organizationId)
    return skills.organization_gaps(org["id"], body.targetSkills, round(body.targetProficiency, 2))
