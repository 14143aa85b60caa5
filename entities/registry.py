"""The entity names the API knows; any other name is a 404."""

from __future__ import annotations

from entities import (
    access_change,
    ai_usage,
    bundle,
    certificate,
    course,
    enrollment,
    integration,
    organization,
    payment_state,
    program,
    progress,
    purchase,
    recording,
    skill,
    stripe_event,
    subscription,
    user,
    video_session,
)
from entities.base import EntityType

ENTITIES: dict[str, EntityType] = {
    e.name: e
    for e in (
        course.ENTITY,
        enrollment.ENTITY,
        progress.ENTITY,
        user.ENTITY,
        subscription.ENTITY,
        certificate.ENTITY,
        purchase.ENTITY,
        stripe_event.ENTITY,
        ai_usage.ENTITY,
        video_session.ENTITY,
        recording.ENTITY,
        organization.ORGANIZATION,
        organization.TEAM,
        organization.MEMBERSHIP,
        skill.ENTITY,
        integration.ENTITY,
        access_change.ENTITY,
        payment_state.ENTITY,
        bundle.ENTITY,
        program.ENTITY,
    )
}
