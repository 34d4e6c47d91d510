"""Reads of the maturity map: stages, snapshots with per-lever scores, assessments and answers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from cem_levers.selectors import lever_list
from cxgov.tenancy.models import Organization

from .models import Answer, Assessment, LeverScore, MaturitySnapshot, Stage

MAX_LEVEL = 5


def stage_list(*, org: Organization) -> QuerySet[Stage]:
    """The organization's stages, lowest level first."""
    return Stage.objects.for_org(org).order_by("level")


def snapshot_latest(*, org: Organization) -> MaturitySnapshot | None:
    """The most recent maturity snapshot, or None before the first score computation."""
    return MaturitySnapshot.objects.for_org(org).select_related("assessment").order_by("-computed_at", "-id").first()


@dataclass(frozen=True)
class LeverMaturity:
    """One lever's row in the maturity chart."""

    lever: Any
    score: Decimal | None
    assessment_score: Decimal | None
    evidence_score: Decimal | None
    stage: Stage | None

    @property
    def percent(self) -> int:
        """Bar length: the score on the 0–5 axis, as a whole percentage (0 when unscored)."""
        if self.score is None:
            return 0
        return max(0, min(100, round(float(self.score) / MAX_LEVEL * 100)))


def stage_for_score(score: Decimal | None, stages: list[Stage]) -> Stage | None:
    """The stage a score has reached: the highest stage whose level is at most the score."""
    if score is None:
        return None
    reached = [s for s in stages if s.level <= score]
    return reached[-1] if reached else None


def lever_maturity(
    *, org: Organization, snapshot: MaturitySnapshot | None = None, stages: list[Stage] | None = None
) -> list[LeverMaturity]:
    """Every active lever with its score in ``snapshot`` (default: the latest), in framework order.

    Levers not scored in that snapshot are listed with no score, so the chart always shows the
    whole framework. Pass ``stages`` when the caller already read them; at most four queries.
    """
    if snapshot is None:
        snapshot = snapshot_latest(org=org)
    if stages is None:
        stages = list(stage_list(org=org))
    scores: dict[int, LeverScore] = {}
    if snapshot is not None:
        scores = {s.lever_id: s for s in LeverScore.objects.for_org(org).filter(snapshot=snapshot)}
    rows = []
    for lever in lever_list(org=org):
        ls = scores.get(lever.pk)
        score = ls.score if ls else None
        rows.append(LeverMaturity(
            lever=lever, score=score,
            assessment_score=ls.assessment_score if ls else None,
            evidence_score=ls.evidence_score if ls else None,
            stage=stage_for_score(score, stages),
        ))
    return rows


def assessment_list(*, org: Organization) -> QuerySet[Assessment]:
    """Assessments newest first, with ``consensus_count``, ``answer_count`` and ``assessor_count``."""
    return (
        Assessment.objects.for_org(org)
        .select_related("created_by")
        .annotate(
            answer_count=Count("answers", filter=Q(answers__is_consensus=False)),
            consensus_count=Count("answers", filter=Q(answers__is_consensus=True)),
            assessor_count=Count("answers__assessor", distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def assessment_detail_queryset(*, org: Organization) -> QuerySet[Assessment]:
    return Assessment.objects.for_org(org).select_related("created_by")


def assessment_answers_by_lever(*, org: Organization, assessment: Assessment) -> list[dict[str, Any]]:
    """The assessment's answers grouped lever → practice: each practice with its consensus answer
    (or None) and the individual assessors' answers; each answer carries its ``stage`` (or None).
    Two queries (stages, then answers with practice, lever and assessor joined)."""
    stages = {s.level: s for s in stage_list(org=org)}
    answers = (
        Answer.objects.for_org(org)
        .filter(assessment=assessment)
        .select_related("practice__lever__group", "assessor")
        .order_by("practice__lever__position", "practice__lever_id", "practice__position", "practice_id",
                  "-is_consensus", "id")
    )
    levers: dict[int, dict[str, Any]] = {}
    for answer in answers:
        answer.stage = stages.get(answer.stage_level)
        practice = answer.practice
        lever_row = levers.setdefault(practice.lever_id, {"lever": practice.lever, "practices": {}})
        row = lever_row["practices"].setdefault(
            practice.pk, {"practice": practice, "consensus": None, "individual": []}
        )
        if answer.is_consensus:
            row["consensus"] = answer
        else:
            row["individual"].append(answer)
    return [{"lever": v["lever"], "practices": list(v["practices"].values())} for v in levers.values()]
