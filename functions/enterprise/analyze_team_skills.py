"""analyzeTeamSkills: skills across one team of an organization (documented function 17).

Proficiency per member and skill from completed courses and quiz scores, averages and
coverage per skill category, the team's top skills and gaps, and courses to close the
gaps (formulas in `functions.enterprise.skills`). Roles: admins, and org admins for
their own organization; a team of another organization is a 404.
"""

from __future__ import annotations

from typing import Any

from entities import store, tenancy
from functions.enterprise import skills
from functions.enterprise.models import AnalyzeTeamSkillsRequest
from functions.enterprise.responses import AnalyzeTeamSkillsResponse
from shared.auth import Caller, Role
from shared.errors import NotFoundError
from shared.router import endpoint


@endpoint(
    "analyzeTeamSkills",
    request=AnalyzeTeamSkillsRequest,
    response=AnalyzeTeamSkillsResponse,
    roles={Role.ADMIN, Role.ORG_ADMIN},
    read_only=True,
)
def analyze_team_skills(body: AnalyzeTeamSkillsRequest, caller: Caller) -> dict[str, Any]:
    org = tenancy.organization_for(caller, body.organizationId)
    team = store.find("Team", body.teamId)
    if team is None or team.get("organization_id") != org["id"]:
        raise NotFoundError("Team not found", details={"entity": "Team", "id": body.teamId})
    return skills.team_analysis(org["id"], team["id"])
