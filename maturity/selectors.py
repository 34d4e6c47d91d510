"""Reads of the maturity map: stages, settings, snapshots with per-lever scores, targets,
assessments with their answers (and who may see which), always for one organization."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from cem_levers.models import Lever, Practice
from cem_levers.selectors import lever_list
from cxgov.tenancy.models import Organization, User
from initiatives.models import Initiative

from .models import (
    Answer,
    Assessment,
    AssessorSubmission,
    LeverScore,
    LeverTarget,
    MaturitySettings,
    MaturitySnapshot,
    Stage,
)

MAX_LEVEL = 5
DISAGREEMENT_SPREAD = 2
OPEN_INITIATIVE_STATUSES = (Initiative.Status.IDEA, Initiative.Status.PLANNED, Initiative.Status.IN_PROGRESS,
                            Initiative.Status.ON_HOLD)


def stage_list(*, org: Organization) -> QuerySet[Stage]:
    """The organization's stages, lowest level first."""
    return Stage.objects.for_org(org).order_by("level")


def maturity_settings_get(*, org: Organization) -> MaturitySettings:
    """The organization's settings; an unsaved default (template default, 0.7 / 0.3) if none yet."""
    return MaturitySettings.objects.for_org(org).first() or MaturitySettings(organization=org)


def snapshot_latest(*, org: Organization) -> MaturitySnapshot | None:
    """The most recent maturity snapshot, or None before the first score computation."""
    return MaturitySnapshot.objects.for_org(org).select_related("assessment").order_by("-computed_at", "-id").first()


def snapshot_history(*, org: Organization, limit: int = 36) -> list[MaturitySnapshot]:
    """The latest ``limit`` snapshots, oldest first (for the trend chart and the history table)."""
    rows = list(
        MaturitySnapshot.objects.for_org(org).select_related("assessment").order_by("-computed_at", "-id")[:limit]
    )
    return list(reversed(rows))


def snapshot_list(*, org: Organization) -> QuerySet[MaturitySnapshot]:
    """Snapshots newest first with their lever scores (API)."""
    return (
        MaturitySnapshot.objects.for_org(org).order_by("-computed_at", "-id")
        .prefetch_related("lever_scores__lever")
    )


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


@dataclass
class MapRow:
    """A lever on the maturity map: where it is, where it should be, and what closes the gap."""

    lever: Lever
    score: LeverScore | None
    previous: Decimal | None
    target: LeverTarget | None
    stage: Stage | None
    target_stage: Stage | None
    initiatives: list[Initiative] = field(default_factory=list)

    @property
    def current(self) -> Decimal | None:
        return self.score.score if self.score else None

    @property
    def gap(self) -> Decimal | None:
        if self.target is None or self.current is None:
            return None
        return max(Decimal(self.target.target_level) - self.current, Decimal(0))

    @property
    def trend(self) -> Decimal | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def percent(self) -> int:
        return 0 if self.current is None else max(0, min(100, round(float(self.current) / MAX_LEVEL * 100)))

    @property
    def target_percent(self) -> int:
        return 0 if self.target is None else self.target.target_level * 100 // MAX_LEVEL


def maturity_map(*, org: Organization, stages: list[Stage] | None = None) -> dict[str, Any]:
    """The map: per active lever its latest score and the previous one, target and gap, and the
    open initiatives on it; with the latest snapshot and the history for the trend.

    A fixed number of queries whatever the number of levers, snapshots or initiatives.
    """
    if stages is None:
        stages = list(stage_list(org=org))
    by_level = {s.level: s for s in stages}
    levers = list(lever_list(org=org))
    history = snapshot_history(org=org)
    latest = history[-1] if history else None
    previous = history[-2] if len(history) > 1 else None
    scores: dict[tuple[int, int], LeverScore] = {}
    wanted = [s.pk for s in (latest, previous) if s is not None]
    if wanted:
        for ls in LeverScore.objects.for_org(org).filter(snapshot_id__in=wanted):
            scores[(ls.snapshot_id, ls.lever_id)] = ls
    targets = {t.lever_id: t for t in LeverTarget.objects.for_org(org).filter(lever__is_active=True)}
    planned: dict[int, list[Initiative]] = {}
    for initiative in (
        Initiative.objects.for_org(org)
        .filter(status__in=OPEN_INITIATIVE_STATUSES, levers__in=[lv.pk for lv in levers])
        .annotate(lever_ref=F("levers__id"))
        .order_by("-priority", "due_date", "id")
    ):
        planned.setdefault(initiative.lever_ref, []).append(initiative)
    rows = []
    for lever in levers:
        current = scores.get((latest.pk, lever.pk)) if latest else None
        before = scores.get((previous.pk, lever.pk)) if previous else None
        target = targets.get(lever.pk)
        rows.append(MapRow(
            lever=lever, score=current, previous=before.score if before else None, target=target,
            stage=stage_for_score(current.score if current else None, stages),
            target_stage=by_level.get(target.target_level) if target else None,
            initiatives=planned.get(lever.pk, []),
        ))
    return {"rows": rows, "snapshot": latest, "previous_snapshot": previous, "history": history,
            "stages": stages}


# --- assessments ----------------------------------------------------------------------------------

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


def active_practice_count(*, org: Organization) -> int:
    return Practice.objects.for_org(org).filter(is_active=True, lever__is_active=True).count()


def assessment_progress(*, org: Organization, assessment: Assessment) -> dict[str, Any]:
    """Who answered how much: per assessor the number of answers of active practices and whether
    they handed them in; the number of consensus answers and of active practices. Three queries."""
    active = Q(practice__is_active=True, practice__lever__is_active=True)
    counts = (
        Answer.objects.for_org(org).filter(active, assessment=assessment)
        .values("assessor_id", "is_consensus").annotate(n=Count("id"))
    )
    handed_in = {
        s.assessor_id: s for s in
        AssessorSubmission.objects.for_org(org).filter(assessment=assessment).select_related("assessor")
    }
    per_assessor: dict[int, int] = {}
    consensus = 0
    for row in counts:
        if row["is_consensus"]:
            consensus = row["n"]
        elif row["assessor_id"] is not None:
            per_assessor[row["assessor_id"]] = row["n"]
    users = {u.pk: u for u in User.objects.filter(pk__in=set(per_assessor) | set(handed_in))}
    assessors = [
        {"user": users[uid], "answered": per_assessor.get(uid, 0), "handed_in": handed_in.get(uid)}
        for uid in sorted(users, key=lambda uid: str(users[uid]))
    ]
    return {"assessors": assessors, "consensus": consensus, "total": active_practice_count(org=org)}


def others_visible(*, org: Organization, assessment: Assessment, user: User, can_manage: bool) -> bool:
    """May ``user`` see the other assessors' individual answers?

    The CX lead (programme.manage) always may: they compare answers to agree the consensus. Any
    other assessor only after handing in their own answers, so nobody anchors on a colleague's
    score; after submission the assessment is history and open to everyone who may read it.
    """
    if can_manage or assessment.status == Assessment.Status.SUBMITTED:
        return True
    return AssessorSubmission.objects.for_org(org).filter(assessment=assessment, assessor=user).exists()


def _median_stage(levels: list[int]) -> int | None:
    """The median of the assessors' stages, halves rounded up (2 and 3 → 3)."""
    if not levels:
        return None
    return int(Decimal(str(statistics.median(levels))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class PracticeRow:
    practice: Practice
    answer: Answer | None = None          # the assessor's own (questionnaire) or the consensus
    individual: list[Answer] = field(default_factory=list)

    @property
    def levels(self) -> list[int]:
        return [a.stage_level for a in self.individual]

    @property
    def spread(self) -> int | None:
        return max(self.levels) - min(self.levels) if self.individual else None

    @property
    def disagreement(self) -> bool:
        return self.spread is not None and self.spread >= DISAGREEMENT_SPREAD

    @property
    def median(self) -> int | None:
        return _median_stage(self.levels)

    @property
    def selected(self) -> int | None:
        """The stage preselected in the form: the stored answer, else (consensus) the median."""
        if self.answer is not None:
            return self.answer.stage_level
        return self.median


@dataclass
class LeverSection:
    lever: Lever
    practices: list[PracticeRow]

    @property
    def answered(self) -> int:
        return sum(1 for p in self.practices if p.answer is not None)

    @property
    def disagreements(self) -> int:
        return sum(1 for p in self.practices if p.disagreement)


def assessment_sheet(
    *, org: Organization, assessment: Assessment, assessor: User | None, with_individual: bool
) -> list[LeverSection]:
    """The questionnaire of the active framework, one section per lever, each practice with
    ``answer`` — ``assessor``'s own, or the consensus when ``assessor`` is None — and, when
    ``with_individual``, every assessor's answer (for the disagreement view). Two queries."""
    practices = list(
        Practice.objects.for_org(org).filter(is_active=True, lever__is_active=True)
        .select_related("lever__group")
        .order_by("lever__group__position", "lever__position", "lever_id", "position", "id")
    )
    answers = Answer.objects.for_org(org).filter(assessment=assessment, practice__in=[p.pk for p in practices])
    if assessor is None:
        answers = answers if with_individual else answers.filter(is_consensus=True)
    elif with_individual:
        answers = answers.filter(is_consensus=False)
    else:
        answers = answers.filter(is_consensus=False, assessor=assessor)
    rows = {p.pk: PracticeRow(practice=p) for p in practices}
    for answer in answers.select_related("assessor").order_by("assessor__full_name", "assessor_id", "id"):
        row = rows[answer.practice_id]
        mine = answer.is_consensus if assessor is None else answer.assessor_id == assessor.pk
        if mine:
            row.answer = answer
        if not answer.is_consensus and with_individual:
            row.individual.append(answer)
    sections: dict[int, LeverSection] = {}
    for p in practices:
        sections.setdefault(p.lever_id, LeverSection(lever=p.lever, practices=[])).practices.append(rows[p.pk])
    return list(sections.values())


def assessment_answers_by_lever(*, org: Organization, assessment: Assessment) -> list[dict[str, Any]]:
    """Every answer of the assessment grouped lever → practice (history view; practices of
    inactive levers included): each practice with its consensus answer (or None) and the
    individual assessors' answers; each answer carries its ``stage`` (or None). Two queries."""
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
    result = []
    for v in levers.values():
        practices = list(v["practices"].values())
        for row in practices:
            levels = [a.stage_level for a in row["individual"]]
            row["spread"] = (max(levels) - min(levels)) if levels else None
            row["disagreement"] = row["spread"] is not None and row["spread"] >= DISAGREEMENT_SPREAD
        result.append({"lever": v["lever"], "practices": practices})
    return result


def answer_detail_queryset(*, org: Organization) -> QuerySet[Answer]:
    return Answer.objects.for_org(org).select_related("assessment")


# --- executive dashboard and report ---------------------------------------------------------------

@dataclass(frozen=True)
class LeverPeriodRow:
    """A lever's maturity at the end of a period, at the end of the period before, and its target."""

    lever: Lever
    current: Decimal | None
    previous: Decimal | None
    target: int | None

    @property
    def change(self) -> Decimal | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


def maturity_for_period(
    *, org: Organization, until: Any, previous_until: Any, history_limit: int = 24
) -> dict[str, Any]:
    """Maturity as it stood at the end of a period: the latest snapshot computed before ``until``
    (``snapshot``), the latest computed before ``previous_until`` (``previous_snapshot``, the last
    period's outline), one ``LeverPeriodRow`` per active lever with its target (``rows``, framework
    order) and the last ``history_limit`` snapshots before ``until``, oldest first (``history``).

    ``until`` / ``previous_until`` are aware datetimes (exclusive). Five queries whatever the number
    of levers or snapshots.
    """
    snapshots = MaturitySnapshot.objects.for_org(org).order_by("-computed_at", "-id")
    history = list(reversed(list(snapshots.filter(computed_at__lt=until)[:history_limit])))
    current = history[-1] if history else None
    previous = snapshots.filter(computed_at__lt=previous_until).first()
    levers = list(lever_list(org=org))
    scores: dict[tuple[int, int], Decimal | None] = {}
    wanted = [s.pk for s in (current, previous) if s is not None]
    if wanted:
        for snapshot_id, lever_id, score in LeverScore.objects.for_org(org).filter(
            snapshot_id__in=wanted
        ).values_list("snapshot_id", "lever_id", "score"):
            scores[(snapshot_id, lever_id)] = score
    targets = dict(LeverTarget.objects.for_org(org).values_list("lever_id", "target_level"))
    rows = [
        LeverPeriodRow(
            lever=lever,
            current=scores.get((current.pk, lever.pk)) if current else None,
            previous=scores.get((previous.pk, lever.pk)) if previous else None,
            target=targets.get(lever.pk),
        )
        for lever in levers
    ]
    return {"snapshot": current, "previous_snapshot": previous, "rows": rows, "history": history}
