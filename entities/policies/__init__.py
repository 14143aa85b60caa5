"""The access rules of each entity, by name: who may read, create, change and delete its records,
and what a write through the entity API sets off. An entity not named here is for admins only.

Kept apart from the declarations (`entities/<entity>.py`: models, ids, indexes) because rules
read other records through the store, which itself needs every declaration.
"""

from __future__ import annotations

from entities.base import Policy
from entities.bundle import BundlePolicy
from entities.certificate import CertificatePolicy
from entities.policies.course import CoursePolicy
from entities.policies.enrollment import EnrollmentPolicy
from entities.policies.integration import IntegrationPolicy
from entities.policies.organization import MembershipPolicy, OrganizationPolicy, TeamPolicy
from entities.policies.program import ProgramPolicy
from entities.policies.progress import ProgressPolicy
from entities.policies.video import RecordingPolicy, VideoSessionPolicy
from entities.purchase import PurchasePolicy
from entities.skill import SkillPolicy
from entities.subscription import SubscriptionPolicy
from entities.user import UserPolicy

POLICIES: dict[str, Policy] = {
    "Course": CoursePolicy(),
    "Enrollment": EnrollmentPolicy(),
    "Progress": ProgressPolicy(),
    "User": UserPolicy(),
    "Subscription": SubscriptionPolicy(),
    "Certificate": CertificatePolicy(),
    "Purchase": PurchasePolicy(),
    "VideoSession": VideoSessionPolicy(),
    "Recording": RecordingPolicy(),
    "Organization": OrganizationPolicy(),
    "Team": TeamPolicy(),
    "Membership": MembershipPolicy(),
    "Skill": SkillPolicy(),
    "Integration": IntegrationPolicy(),
    "Bundle": BundlePolicy(),
    "Program": ProgramPolicy(),
}
_ADMINS_ONLY = Policy()


def of(entity: str) -> Policy:
    """The rules of an entity (by its name)."""
    return POLICIES.get(entity, _ADMINS_ONLY)
