"""Translated messages for the lottery package's errors (it is pure and speaks English only)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .lottery import LotteryError


def _templates() -> dict[str, str]:
    return {
        "bad_encoding": _("%(where)sthe file is not UTF-8 encoded."),
        "malformed_csv": _("%(where)sthe CSV is malformed (%(detail)s)."),
        "empty_file": _("%(where)sthe file is empty."),
        "duplicate_column": _("%(where)sthe column appears twice."),
        "wrong_number_of_cells": _(
            "%(where)sexpected %(expected)s cells like the header, found %(found)s."
        ),
        "missing_column": _("%(where)sthe required column is missing (found: %(found)s)."),
        "empty_cell": _("%(where)sthe cell is empty."),
        "not_a_number": _("%(where)s'%(value)s' is not a whole number."),
        "negative_quota": _("%(where)sthe quota %(value)s is negative."),
        "no_rows": _("%(where)sthe file has a header but no rows."),
        "min_greater_than_max": _(
            "%(where)sthe minimum %(min)s is greater than the maximum %(max)s for "
            "%(feature)s/%(value)s."
        ),
        "duplicate_feature_value": _(
            "%(where)s%(feature)s/%(value)s was already defined on line %(first_line)s."
        ),
        "quotas_do_not_add_up": _(
            "%(where)sthe quotas of '%(feature)s' add up to between %(low)s and %(high)s "
            "people, but the panel has %(size)s members."
        ),
        "not_enough_people": _(
            "%(where)sthe minimum for %(feature)s/%(value)s is %(min)s, but only %(available)s "
            "respondents have this value."
        ),
        "empty_id": _("%(where)sthe id is empty."),
        "duplicate_id": _("%(where)sthe id '%(value)s' was already used on line %(first_line)s."),
        "unknown_value": _(
            "%(where)s'%(value)s' is not one of the values of '%(feature)s' (%(allowed)s)."
        ),
        "bad_panel_size": _(
            "The panel size must be between 1 and the number of respondents (%(people)s), "
            "not %(size)s."
        ),
        "empty_feature_value": _("Nobody in the pool can fill a minimum quota of %(min)s."),
        "infeasible_quotas": _(
            "No panel of %(size)s people meets all quotas%(households)s. Please widen the "
            "quotas or invite more people."
        ),
        "remaining_over_quota": _(
            "The remaining members already exceed a maximum of '%(feature)s'."
        ),
        "pool_exhausted": _("Only %(left)s eligible people are left."),
        "empty_seed": _("The seed must not be empty."),
    }


def where(params: dict[str, Any]) -> str:
    """'features.csv, line 3, column 'max': ' from an error's file, line and column."""
    parts = []
    if params.get("file"):
        parts.append(str(params["file"]))
    if params.get("line"):
        parts.append(_("line %(line)s") % {"line": params["line"]})
    if params.get("column"):
        parts.append(_("column '%(column)s'") % {"column": params["column"]})
    return ", ".join(parts) + ": " if parts else ""


def lottery_message(error: LotteryError) -> str:
    """The error in the current language, naming file, line and column where it has them."""
    params = dict(error.params)
    if "households" in params:
        params["households"] = _(" and the one-per-household rule") if params["households"] else ""
    template = _templates().get(error.code)
    if template is None:
        return error.message
    try:
        return template % {"where": where(params), **params}
    except (KeyError, TypeError, ValueError):
        return error.message
