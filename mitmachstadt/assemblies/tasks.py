"""Background work of the assembly lottery (django-tasks): solving and drawing.

Both tasks write their progress to the Selection row, which the pages poll. Drawing solves
again from the stored files and refuses to draw unless the result hashes exactly to the
published lottery: the draw is its own first reproduction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from . import pool as pool_files
from .lottery import (
    LotteryError,
    Pool,
    Result,
    audit_record,
    draw,
    draw_replacements,
    replacement_pool,
    solve,
    summary,
)
from .messages import lottery_message
from .models import Selection

logger = logging.getLogger(__name__)


def _progress(selection_id: int, start: float, span: float) -> Callable[[float, str], None]:
    last = [0.0]

    def report(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - last[0] < 0.4 and fraction < 1.0:
            return
        last[0] = now
        Selection.objects.filter(pk=selection_id).update(
            progress=round(start + span * max(0.0, min(1.0, fraction)), 4),
            progress_message=message[:200],
        )

    return report


def _fail(selection_id: int, message: str) -> None:
    Selection.objects.filter(pk=selection_id).update(status=Selection.Status.FAILED, error=message)


def _round(value: float) -> float:
    return float(f"{value:.12g}")


def _solve(selection: Selection, report: Callable[[float, str], None]) -> tuple[Pool, Result]:
    pool = pool_files.load(selection.features_csv, selection.people_csv, selection.household_column)
    if selection.kind == Selection.Kind.REPLACEMENT:
        pool, _remaining = replacement_pool(
            pool, [*selection.remaining, *selection.dropped], selection.dropped
        )
    if selection.algorithm == "legacy":
        # Legacy tickets are single greedy draws; their number is the number of draws.
        result = solve(
            pool, selection.size, "legacy", progress=report, legacy_draws=selection.tickets
        )
    else:
        result = solve(
            pool, selection.size, selection.algorithm, tickets=selection.tickets, progress=report
        )
    return pool, result


@task()
def solve_selection(*, selection_id: int) -> None:
    """Compute the panel distribution and publish its numbered lottery."""
    selection = Selection.objects.get(pk=selection_id)
    if selection.status not in {Selection.Status.QUEUED, Selection.Status.FAILED}:
        return
    Selection.objects.filter(pk=selection_id).update(
        status=Selection.Status.SOLVING, progress=0.0, error=""
    )
    with translation.override(settings.LANGUAGE_CODE):
        try:
            pool, result = _solve(selection, _progress(selection_id, 0.0, 1.0))
        except LotteryError as error:
            _fail(selection_id, lottery_message(error))
            return
        except Exception:
            logger.exception("lottery %s failed", selection_id)
            _fail(selection_id, _("The computation failed unexpectedly; please try again."))
            return
    probabilities = {pid: _round(p) for pid, p in result.probabilities.items()}
    figures = {k: _round(v) for k, v in summary(list(result.probabilities.values())).items()}
    if result.maximin is not None:
        figures["maximin"] = _round(result.maximin)
    Selection.objects.filter(pk=selection_id).update(
        status=Selection.Status.READY,
        pool_sha256=pool.sha256(),
        lottery_sha256=result.lottery_sha256,
        tickets=result.tickets,
        lottery=[
            {
                "number": n,
                "tickets": [first, last],
                "people": list(result.panels[index]),
                "probability": _round((last - first + 1) / result.tickets),
            }
            for n, (first, last, index) in enumerate(result.ticket_ranges, start=1)
        ],
        probabilities=probabilities,
        summary=figures,
        stats={k: v for k, v in result.stats.items() if isinstance(v, int | float | str | bool)},
        progress=1.0,
        progress_message="",
        solved_at=timezone.now(),
    )


@task()
def draw_selection(*, selection_id: int) -> None:
    """Re-solve, check the lottery hash, draw with the revealed seed and seat the panel."""
    from .services import record_drawn

    selection = Selection.objects.select_related("seed").get(pk=selection_id)
    if selection.status != Selection.Status.DRAWING or selection.seed is None:
        return
    seed = selection.seed.value
    report = _progress(selection_id, 0.0, 0.95)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            if selection.kind == Selection.Kind.REPLACEMENT:
                pool = pool_files.load(
                    selection.features_csv, selection.people_csv, selection.household_column
                )
                replacement = draw_replacements(
                    pool,
                    len(selection.remaining) + len(selection.dropped),
                    [*selection.remaining, *selection.dropped],
                    selection.dropped,
                    seed,
                    selection.algorithm,
                    tickets=selection.tickets,
                    progress=report,
                )
                result, drawn, record = replacement.result, replacement.draw, replacement.audit
            else:
                _pool, result = _solve(selection, report)
                drawn = draw(result, seed)
                record = audit_record(result, drawn)
        except LotteryError as error:
            _fail(selection_id, lottery_message(error))
            return
        except Exception:
            logger.exception("draw %s failed", selection_id)
            _fail(selection_id, _("The draw failed unexpectedly; please try again."))
            return
        if result.lottery_sha256 != selection.lottery_sha256:
            _fail(
                selection_id,
                _("The re-computed lottery differs from the published one; nothing was drawn."),
            )
            return
    record_drawn(selection, number=drawn.number, selected=sorted(drawn.selected), audit=record)
