"""Maturity writes: the default catalogue, assessments and their answers, and score snapshots."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cem_levers.models import Lever, Practice
from cxgov.tenancy.models import Membership, Organization, User, tenant_check

from .models import Answer, Assessment, LeverScore, MaturitySnapshot

SCORE_PLACES = Decimal("0.01")


@transaction.atomic
def catalogue_install_default(*, org: Organization) -> None:
    """Install the default catalogue (levers, practices, stages, metrics, data sources) in ``org``."""
    from .catalogue import install

    install(org=org)


def _require_member(*, org: Organization, field_name: str, user: User | None) -> None:
    if user is not None and not Membership.objects.filter(user=user, organization=org).exists():
        raise ValidationError({field_name: [_("Not a member of this organization.")]})


@transaction.atomic
def assessment_create(*, org: Organization, title: str, created_by: User | None = None) -> Assessment:
    """Open a draft maturity assessment."""
    _require_member(org=org, field_name="created_by", user=created_by)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("This field is required.")]})
    if len(title) > 200:
        raise ValidationError({"title": [_("Keep this under %(n)d characters.") % {"n": 200}]})
    return Assessment.objects.create(organization=org, title=title, created_by=created_by)


@transaction.atomic
def answer_set(
    *,
    org: Organization,
    assessment: Assessment,
    practice: Practice,
    stage_level: int,
    assessor: User | None = None,
    evidence: str = "",
    evidence_url: str = "",
    comment: str = "",
) -> Answer:
    """Record (or change) one answer for a practice: an assessor's own when ``assessor`` is given,
    the agreed consensus answer when it is None. A submitted assessment is frozen."""
    tenant_check(org=org, assessment=assessment, practice=practice)
    _require_member(org=org, field_name="assessor", user=assessor)
    if assessment.status == Assessment.Status.SUBMITTED:
        raise ValidationError({"assessment": [_("This assessment is submitted and can no longer change.")]})
    if isinstance(stage_level, bool) or not isinstance(stage_level, int) or not 1 <= stage_level <= 5:
        raise ValidationError({"stage_level": [_("Choose a stage from 1 to 5.")]})
    answer = (
        Answer.objects.for_org(org)
        .filter(assessment=assessment, practice=practice, assessor=assessor, is_consensus=assessor is None)
        .first()
    ) or Answer(organization=org, assessment=assessment, practice=practice, assessor=assessor,
                is_consensus=assessor is None)
    answer.stage_level = stage_level
    answer.evidence = evidence.strip()
    answer.evidence_url = evidence_url.strip()
    answer.comment = comment.strip()
    answer.full_clean(exclude=["organization", "assessment", "practice", "assessor"], validate_unique=False)
    answer.save()
    return answer


@transaction.atomic
def assessment_submit(*, org: Organization, assessment: Assessment) -> Assessment:
    """Submit an assessment: it must be open and hold a consensus answer for every practice of
    the organization's active levers. Sets ``submitted_at``; afterwards answers are frozen."""
    tenant_check(org=org, assessment=assessment)
    assessment = Assessment.objects.for_org(org).select_for_update().get(pk=assessment.pk)
    if assessment.status == Assessment.Status.SUBMITTED:
        raise ValidationError({"status": [_("This assessment is already submitted.")]})
    required = set(
        Practice.objects.for_org(org).filter(lever__is_active=True).values_list("pk", flat=True)
    )
    answered = set(
        Answer.objects.for_org(org)
        .filter(assessment=assessment, is_consensus=True)
        .values_list("practice_id", flat=True)
    )
    missing = required - answered
    if missing:
        raise ValidationError({"answers": [
            _("%(n)d practices have no consensus answer yet.") % {"n": len(missing)}
        ]})
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.save(update_fields=["status", "submitted_at"])
    return assessment


@transaction.atomic
def maturity_snapshot_from_assessment(*, org: Organization, assessment: Assessment) -> MaturitySnapshot:
    """Store a snapshot scored from a submitted assessment's consensus answers alone.

    Lever score = mean consensus stage (1–5) of the lever's answered practices, or None when none
    of them was answered. Overall = mean of the lever scores that exist (from the unrounded
    means), or None. Both are rounded half-up to two decimals. ``evidence_score`` stays empty and
    ``score`` equals ``assessment_score``: blending in evidence (initiatives delivered, KPI targets
    met) is the recompute of issue 4, which writes the same two models.
    """
    tenant_check(org=org, assessment=assessment)
    if assessment.status != Assessment.Status.SUBMITTED:
        raise ValidationError({"assessment": [_("Only a submitted assessment can be scored.")]})
    totals = {
        row["practice__lever_id"]: (row["total"], row["n"])
        for row in Answer.objects.for_org(org)
        .filter(assessment=assessment, is_consensus=True)
        .values("practice__lever_id")
        .annotate(total=Sum("stage_level"), n=Count("id"))
    }
    snapshot = MaturitySnapshot.objects.create(organization=org, assessment=assessment, computed_at=timezone.now())
    means: list[Decimal] = []
    scores: list[LeverScore] = []
    for lever in Lever.objects.for_org(org).filter(is_active=True).order_by("position", "id"):
        total, n = totals.get(lever.pk, (None, 0))
        mean = Decimal(total) / Decimal(n) if n else None
        if mean is not None:
            means.append(mean)
        rounded = None if mean is None else mean.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)
        scores.append(LeverScore(
            organization=org, snapshot=snapshot, lever=lever, assessment_score=rounded, evidence_score=None,
            score=rounded,
        ))
    # bulk_create skips TenantScoped.save(); snapshot and levers were read or created in org above.
    LeverScore.objects.bulk_create(scores)
    if means:
        snapshot.overall = (sum(means) / Decimal(len(means))).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)
        snapshot.save(update_fields=["overall"])
    return snapshot
