"""Maturity writes: settings and framework templates, targets, assessments with their answers,
and the score recompute that blends the latest submitted assessment with evidence.

Scoring (``maturity_scores_compute``), per active lever:

* assessment score A = mean consensus stage (1–5) of the lever's active practices in the latest
  submitted assessment (practices without a consensus answer there are left out);
* evidence score E, from (a) D = initiatives on the lever delivered (status done) in the last
  365 days and (b) KPI targets: of the lever's initiatives' KPIs whose metric has an
  organization-wide monthly rollup, M met out of K measured (met: latest value ≥ target, or ≤
  target when lower is better). With D = 0 and K = 0 there is no evidence. Otherwise
  E = 1 + 4 × mean(parts), parts = [min(D, 3) / 3] plus [M / K] when K > 0;
* score = w_a × A + w_e × E with the organization's weights (default 0.7 / 0.3, summing to 1);
  one part alone when the other is missing; no score when both are.

Overall = mean of the lever scores. Values are kept unrounded while blending and stored rounded
half-up to two decimals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cem_levers.models import Lever, Practice
from cxgov.tenancy.models import Membership, Organization, User, tenant_check
from cxgov.webhooks.services import event_publish
from initiatives.models import Initiative, InitiativeKpi
from voc.models import Rollup

from .models import (
    EVIDENCE_EXTENSIONS,
    EVIDENCE_MAX_BYTES,
    Answer,
    Assessment,
    AssessorSubmission,
    FrameworkTemplate,
    LeverScore,
    LeverTarget,
    MaturitySettings,
    MaturitySnapshot,
)

SCORE_PLACES = Decimal("0.01")
EVIDENCE_WINDOW_DAYS = 365
DELIVERIES_FOR_FULL_MARKS = 3


def _q(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def _enqueue_recompute(org: Organization) -> None:
    from .tasks import recompute_scores

    transaction.on_commit(lambda: recompute_scores.delay(org_id=org.pk))


@transaction.atomic
def catalogue_install_default(*, org: Organization) -> None:
    """Install the default catalogue (levers, practices, stages, metrics, data sources) in ``org``
    and its maturity settings (default template, weights 0.7 / 0.3)."""
    from .catalogue import install

    install(org=org)
    MaturitySettings.objects.for_org(org).get_or_create(organization=org)


# --- settings and templates ------------------------------------------------------------------------

def _settings_locked(org: Organization) -> MaturitySettings:
    settings, _created = MaturitySettings.objects.for_org(org).select_for_update().get_or_create(organization=org)
    return settings


@transaction.atomic
def maturity_settings_update(
    *, org: Organization, weight_assessment: Decimal | str, weight_evidence: Decimal | str
) -> MaturitySettings:
    """Change the scoring weights (each 0–1, summing to 1) and recompute the scores after commit."""
    errors: dict[str, list[str]] = {}
    weights: dict[str, Decimal] = {}
    for name, raw in (("weight_assessment", weight_assessment), ("weight_evidence", weight_evidence)):
        try:
            value = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            errors[name] = [_("Enter a number between 0 and 1.")]
            continue
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(1):
            errors[name] = [_("Enter a number between 0 and 1.")]
        elif value != value.quantize(SCORE_PLACES):
            errors[name] = [_("Use at most two decimals.")]
        weights[name] = value
    if not errors and weights["weight_assessment"] + weights["weight_evidence"] != Decimal(1):
        errors["weight_evidence"] = [_("The two weights must add up to 1 (for example 0.7 and 0.3).")]
    if errors:
        raise ValidationError(errors)
    settings = _settings_locked(org)
    settings.weight_assessment = weights["weight_assessment"]
    settings.weight_evidence = weights["weight_evidence"]
    settings.save(update_fields=["weight_assessment", "weight_evidence", "updated_at"])
    _enqueue_recompute(org)
    return settings


@transaction.atomic
def framework_template_switch(*, org: Organization, template: str) -> MaturitySettings:
    """Make ``template`` the organization's framework.

    The current groups and levers are deactivated, never deleted, so past assessments, answers,
    scores and snapshots stay readable (they record their framework); the template's groups,
    levers and practices are installed (or reactivated when the organization used the template
    before) and the stages take the template's names. Scores are recomputed after commit.
    """
    from .catalogue import install_template

    if template not in FrameworkTemplate.values:
        raise ValidationError({"template": [_("Choose one of the framework templates.")]})
    settings = _settings_locked(org)
    if settings.template == template:
        raise ValidationError({"template": [_("This template is already the active framework.")]})
    open_assessments = Assessment.objects.for_org(org).exclude(status=Assessment.Status.SUBMITTED)
    if open_assessments.exists():
        raise ValidationError({"template": [
            _("Submit or delete the open assessments first: their questions belong to the current framework.")
        ]})
    install_template(org=org, code=template)
    settings.template = template
    settings.template_changed_at = timezone.now()
    settings.save(update_fields=["template", "template_changed_at", "updated_at"])
    _enqueue_recompute(org)
    return settings


# --- targets --------------------------------------------------------------------------------------

@transaction.atomic
def lever_target_set(
    *, org: Organization, lever: Lever, target_level: int | None, target_date: dt.date | None = None
) -> LeverTarget | None:
    """Set the stage (1–5) a lever should reach and by when; ``target_level`` None removes the target."""
    tenant_check(org=org, lever=lever)
    existing = LeverTarget.objects.for_org(org).filter(lever=lever).first()
    if target_level is None:
        if existing is not None:
            existing.delete()
        return None
    if isinstance(target_level, bool) or not isinstance(target_level, int) or not 1 <= target_level <= 5:
        raise ValidationError({"target_level": [_("Choose a stage from 1 to 5.")]})
    if target_date is not None and not isinstance(target_date, dt.date):
        raise ValidationError({"target_date": [_("Enter a valid date.")]})
    target = existing or LeverTarget(organization=org, lever=lever)
    target.target_level = target_level
    target.target_date = target_date
    target.save()
    return target


# --- assessments ----------------------------------------------------------------------------------

def _require_member(*, org: Organization, field_name: str, user: User | None) -> None:
    if user is not None and not Membership.objects.filter(user=user, organization=org).exists():
        raise ValidationError({field_name: [_("Not a member of this organization.")]})


@transaction.atomic
def assessment_create(*, org: Organization, title: str, created_by: User | None = None) -> Assessment:
    """Open a draft maturity assessment of the organization's current framework."""
    _require_member(org=org, field_name="created_by", user=created_by)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("This field is required.")]})
    if len(title) > 200:
        raise ValidationError({"title": [_("Keep this under %(n)d characters.") % {"n": 200}]})
    settings = MaturitySettings.objects.for_org(org).first()
    framework = settings.template if settings else FrameworkTemplate.DEFAULT
    return Assessment.objects.create(organization=org, title=title, created_by=created_by, framework=framework)


def _check_evidence_file(file: UploadedFile) -> None:
    extension = (file.name or "").rsplit(".", 1)[-1].lower() if "." in (file.name or "") else ""
    if extension not in EVIDENCE_EXTENSIONS:
        raise ValidationError({"evidence_file": [
            _("This kind of file is not accepted. Use one of: %(list)s.") % {"list": ", ".join(EVIDENCE_EXTENSIONS)}
        ]})
    if file.size is not None and file.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence_file": [
            _("The file is too large: at most %(mb)d MB.") % {"mb": EVIDENCE_MAX_BYTES // (1024 * 1024)}
        ]})


def assessor_has_submitted(*, org: Organization, assessment: Assessment, assessor: User) -> bool:
    return AssessorSubmission.objects.for_org(org).filter(assessment=assessment, assessor=assessor).exists()


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
    evidence_file: UploadedFile | None = None,
    clear_evidence_file: bool = False,
) -> Answer:
    """Record (or change) one answer for a practice: an assessor's own when ``assessor`` is given,
    the agreed consensus answer when it is None.

    A submitted assessment is frozen, and so are an assessor's answers once they handed them in.
    Only practices of the active framework can be answered. Evidence may be text, a link and a
    file (documents or images, at most 10 MB); ``evidence_file`` None keeps the stored file.
    """
    tenant_check(org=org, assessment=assessment, practice=practice)
    _require_member(org=org, field_name="assessor", user=assessor)
    if assessment.status == Assessment.Status.SUBMITTED:
        raise ValidationError({"assessment": [_("This assessment is submitted and can no longer change.")]})
    if assessor is not None and assessor_has_submitted(org=org, assessment=assessment, assessor=assessor):
        raise ValidationError({"assessment": [_("You handed in your answers; they can no longer change.")]})
    if not (practice.is_active and practice.lever.is_active):
        raise ValidationError({"practice": [_("This practice is not part of the active framework.")]})
    if isinstance(stage_level, bool) or not isinstance(stage_level, int) or not 1 <= stage_level <= 5:
        raise ValidationError({"stage_level": [_("Choose a stage from 1 to 5.")]})
    nul = [name for name, text in (("evidence", evidence), ("evidence_url", evidence_url), ("comment", comment))
           if "\x00" in (text or "")]
    if nul:  # PostgreSQL cannot store a NUL character; this path takes raw form input
        raise ValidationError({name: [_("Remove the NUL character (\\x00); text cannot contain it.")] for name in nul})
    evidence_url = (evidence_url or "").strip()
    if evidence_url:
        try:
            URLValidator(schemes=["http", "https"])(evidence_url)
        except ValidationError:
            raise ValidationError({"evidence_url": [_("Enter a full web address (https://…).")]}) from None
    if evidence_file is not None:
        _check_evidence_file(evidence_file)
    answer = (
        Answer.objects.for_org(org)
        .filter(assessment=assessment, practice=practice, assessor=assessor, is_consensus=assessor is None)
        .first()
    ) or Answer(organization=org, assessment=assessment, practice=practice, assessor=assessor,
                is_consensus=assessor is None)
    answer.stage_level = stage_level
    answer.evidence = (evidence or "").strip()
    answer.evidence_url = evidence_url
    answer.comment = (comment or "").strip()
    if evidence_file is not None:
        answer.evidence_file = evidence_file
    elif clear_evidence_file:
        answer.evidence_file = ""
    answer.full_clean(exclude=["organization", "assessment", "practice", "assessor", "evidence_file"],
                      validate_unique=False)
    answer.save()
    return answer


def _active_practices(org: Organization) -> list[Practice]:
    return list(
        Practice.objects.for_org(org).filter(is_active=True, lever__is_active=True).select_related("lever")
        .order_by("lever__group__position", "lever__position", "position", "id")
    )


def _missing_message(practices: list[Practice], intro: str) -> str:
    names = [f"{p.name} ({p.lever.name})" for p in practices]
    shown = "; ".join(names[:12])
    if len(names) > 12:
        shown += " " + _("and %(n)d more") % {"n": len(names) - 12}
    return f"{intro} {shown}."


@transaction.atomic
def assessor_answers_submit(*, org: Organization, assessment: Assessment, assessor: User) -> AssessorSubmission:
    """An assessor hands in their answers: every active practice answered, then frozen.

    From then on the assessor may see the other assessors' answers (the independence rule).
    """
    tenant_check(org=org, assessment=assessment)
    _require_member(org=org, field_name="assessor", user=assessor)
    if assessment.status == Assessment.Status.SUBMITTED:
        raise ValidationError({"assessment": [_("This assessment is submitted and can no longer change.")]})
    if assessor_has_submitted(org=org, assessment=assessment, assessor=assessor):
        raise ValidationError({"assessment": [_("You already handed in your answers.")]})
    answered = set(
        Answer.objects.for_org(org).filter(assessment=assessment, assessor=assessor, is_consensus=False)
        .values_list("practice_id", flat=True)
    )
    missing = [p for p in _active_practices(org) if p.pk not in answered]
    if missing:
        raise ValidationError({"answers": [_missing_message(missing, _("Answer every practice first. Missing:"))]})
    submission = AssessorSubmission.objects.create(organization=org, assessment=assessment, assessor=assessor)
    if assessment.status == Assessment.Status.DRAFT:
        assessment.status = Assessment.Status.IN_REVIEW
        assessment.save(update_fields=["status"])
    return submission


@transaction.atomic
def assessment_submit(*, org: Organization, assessment: Assessment) -> Assessment:
    """Submit the consensus: every active practice needs a consensus answer. Scores are recomputed
    after commit."""
    tenant_check(org=org, assessment=assessment)
    assessment = Assessment.objects.for_org(org).select_for_update().get(pk=assessment.pk)
    if assessment.status == Assessment.Status.SUBMITTED:
        raise ValidationError({"status": [_("This assessment is already submitted.")]})
    answered = set(
        Answer.objects.for_org(org).filter(assessment=assessment, is_consensus=True)
        .values_list("practice_id", flat=True)
    )
    missing = [p for p in _active_practices(org) if p.pk not in answered]
    if missing:
        raise ValidationError({"answers": [
            _missing_message(missing, _("%(n)d practices have no consensus answer yet:") % {"n": len(missing)})
        ]})
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.save(update_fields=["status", "submitted_at"])
    _enqueue_recompute(org)
    return assessment


@transaction.atomic
def assessment_delete(*, org: Organization, assessment: Assessment) -> None:
    """Delete an assessment that was never submitted (a submitted one is history and stays)."""
    tenant_check(org=org, assessment=assessment)
    if assessment.status == Assessment.Status.SUBMITTED:
        raise ValidationError({"status": [_("A submitted assessment is part of the history and cannot be deleted.")]})
    assessment.delete()


# --- scoring --------------------------------------------------------------------------------------

def _evidence_score(done: int, met: int, measured: int) -> Decimal | None:
    """Evidence on the 1–5 scale; None when the lever has neither deliveries nor measured KPIs."""
    if done == 0 and measured == 0:
        return None
    parts = [Decimal(min(done, DELIVERIES_FOR_FULL_MARKS)) / Decimal(DELIVERIES_FOR_FULL_MARKS)]
    if measured:
        parts.append(Decimal(met) / Decimal(measured))
    return Decimal(1) + Decimal(4) * sum(parts) / Decimal(len(parts))


def _latest_org_values(org: Organization, metric_ids: set[int]) -> dict[int, Decimal]:
    """The latest organization-wide monthly rollup value per metric."""
    latest: dict[int, Decimal] = {}
    rows = (
        Rollup.objects.for_org(org)
        .filter(metric_id__in=metric_ids, grain=Rollup.Grain.ORGANIZATION, period=Rollup.Period.MONTH,
                value__isnull=False)
        .order_by("metric_id", "-period_start")
        .values_list("metric_id", "value")
    )
    for metric_id, value in rows:
        latest.setdefault(metric_id, value)
    return latest


def maturity_evidence(*, org: Organization, now: dt.datetime | None = None) -> dict[int, dict[str, int]]:
    """Per active lever id: ``done`` (initiatives delivered in the last 365 days), ``met`` and
    ``measured`` (KPI targets of the lever's non-cancelled initiatives). Three queries."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=EVIDENCE_WINDOW_DAYS)
    delivered = Q(initiatives__status=Initiative.Status.DONE) & (
        Q(initiatives__completed_at__gte=since)
        | Q(initiatives__completed_at__isnull=True, initiatives__updated_at__gte=since)
    )
    evidence = {
        lever_id: {"done": done, "met": 0, "measured": 0}
        for lever_id, done in Lever.objects.for_org(org).filter(is_active=True)
        .annotate(done=Count("initiatives", filter=delivered, distinct=True)).values_list("pk", "done")
    }
    kpis = list(
        InitiativeKpi.objects.for_org(org)
        .exclude(initiative__status=Initiative.Status.CANCELLED)
        .filter(initiative__levers__in=list(evidence))
        .values_list("pk", "initiative__levers", "metric_id", "target", "metric__higher_is_better")
        .distinct()
    )
    values = _latest_org_values(org, {row[2] for row in kpis})
    for _pk, lever_id, metric_id, target, higher_is_better in kpis:
        value = values.get(metric_id)
        if value is None or lever_id not in evidence:
            continue
        evidence[lever_id]["measured"] += 1
        if (value >= target) if higher_is_better else (value <= target):
            evidence[lever_id]["met"] += 1
    return evidence


def _latest_submitted(org: Organization) -> Assessment | None:
    return (
        Assessment.objects.for_org(org).filter(status=Assessment.Status.SUBMITTED)
        .order_by("-submitted_at", "-id").first()
    )


@transaction.atomic
def maturity_scores_compute(*, org: Organization, now: dt.datetime | None = None) -> MaturitySnapshot | None:
    """Score every active lever and the organization (formula in the module docstring).

    Stores a ``MaturitySnapshot`` with one ``LeverScore`` per active lever only when the result
    differs from the latest snapshot's (same assessment, framework, weights and scores leave the
    history untouched): recomputing is idempotent and the trend shows changes only. Returns the
    snapshot that holds the current result, or None when there is nothing to score yet.
    Concurrent recomputes of one organization queue on the settings row.
    """
    settings = _settings_locked(org)
    now = now or timezone.now()
    assessment = _latest_submitted(org)
    sums: dict[int, list[int]] = defaultdict(list)
    if assessment is not None:
        for lever_id, level in (
            Answer.objects.for_org(org)
            .filter(assessment=assessment, is_consensus=True, practice__is_active=True)
            .values_list("practice__lever_id", "stage_level")
        ):
            sums[lever_id].append(level)
    evidence = maturity_evidence(org=org, now=now)
    levers = list(Lever.objects.for_org(org).filter(is_active=True).order_by("position", "id"))
    wa, we = settings.weight_assessment, settings.weight_evidence
    rows: list[dict[str, Any]] = []
    scores: list[Decimal] = []
    for lever in levers:
        levels = sums.get(lever.pk, [])
        a = Decimal(sum(levels)) / Decimal(len(levels)) if levels else None
        ev = evidence.get(lever.pk, {"done": 0, "met": 0, "measured": 0})
        e = _evidence_score(ev["done"], ev["met"], ev["measured"])
        parts = [(w, v) for w, v in ((wa, a), (we, e)) if v is not None]
        # Both parts: the weighted blend (weights sum to 1). One part: that part alone.
        score = (sum(w * v for w, v in parts) if len(parts) == 2 else parts[0][1]) if parts else None
        if score is not None:
            scores.append(score)
        rows.append({"lever": lever, "a": _q(a), "e": _q(e), "score": _q(score), **ev})
    if not any(r["a"] is not None for r in rows):
        assessment = None  # e.g. after a template switch: the last assessment scored other levers
    if not any(r["score"] is not None for r in rows) and MaturitySnapshot.objects.for_org(org).count() == 0:
        return None
    overall = _q(sum(scores) / Decimal(len(scores))) if scores else None
    fingerprint = hashlib.sha256(json.dumps({
        "assessment": assessment.pk if assessment else None,
        "framework": settings.template,
        "weights": [str(wa), str(we)],
        "overall": str(overall),
        "levers": [[r["lever"].pk, str(r["a"]), str(r["e"]), str(r["score"]), r["done"], r["met"], r["measured"]]
                   for r in rows],
    }, sort_keys=True).encode()).hexdigest()
    latest = MaturitySnapshot.objects.for_org(org).order_by("-computed_at", "-id").first()
    if latest is not None and latest.fingerprint == fingerprint:
        return latest
    snapshot = MaturitySnapshot.objects.create(
        organization=org, assessment=assessment, computed_at=now, overall=overall, framework=settings.template,
        weight_assessment=wa, weight_evidence=we, fingerprint=fingerprint,
    )
    # bulk_create skips TenantScoped.save(); snapshot and levers were created or read in org above.
    LeverScore.objects.bulk_create([
        LeverScore(
            organization=org, snapshot=snapshot, lever=r["lever"], assessment_score=r["a"], evidence_score=r["e"],
            score=r["score"], initiatives_done=r["done"], kpis_met=r["met"], kpis_measured=r["measured"],
        )
        for r in rows
    ])
    event_publish(org=org, event="maturity.recomputed", payload={
        "snapshot": snapshot.pk, "overall": snapshot.overall, "computed_at": snapshot.computed_at,
        "framework": snapshot.framework,
    })
    return snapshot
