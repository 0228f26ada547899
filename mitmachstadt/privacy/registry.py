"""The personal-data protocol: every app may have a `personal_data.py` module.

A module may define:

- `export(user) -> dict[str, list[dict]]`: everything the app holds about the account, as
  JSON-able rows grouped by name ("comments", "event_registrations", ...);
- `erase(user, *, keep_content: bool) -> None`: remove the person from the app's data; with
  `keep_content` public contributions stay without the name ("deleted account"), else they go;
- `PROCESSING` (a list) or `processing()` (returning one): the app's processing activities for
  the register and the privacy page, dicts with the keys `key`, `name`, `purpose`, `data`,
  `legal_basis`, `retention`, `recipients` (translated strings);
- `CONSENTS`: optional processing that needs consent, dicts with `purpose` (a slug), `label`
  and `description` (translated);
- `purge(now) -> dict[str, int]`: apply the app's retention periods; returns what was removed.

Modules are found with Django's autodiscovery, so apps never import the privacy app (which sits
above them in the layer order).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.apps import apps
from django.utils.module_loading import autodiscover_modules

MODULE = "personal_data"


@dataclass(frozen=True)
class Contributor:
    label: str
    verbose_name: str
    module: ModuleType


def contributors() -> list[Contributor]:
    """Apps with a personal_data module, in the order of INSTALLED_APPS (lowest layer first)."""
    autodiscover_modules(MODULE)
    found = []
    for config in apps.get_app_configs():
        module = sys.modules.get(f"{config.name}.{MODULE}")
        if module is not None:
            found.append(Contributor(config.label, str(config.verbose_name), module))
    return found


def exporters() -> list[Contributor]:
    return [c for c in contributors() if callable(getattr(c.module, "export", None))]


def erasers() -> list[Contributor]:
    """Apps that erase, highest layer first: dependants before what they depend on."""
    found = [c for c in contributors() if callable(getattr(c.module, "erase", None))]
    return list(reversed(found))


def processing_activities() -> list[dict[str, Any]]:
    """The register of processing activities, as the apps describe them."""
    activities: list[dict[str, Any]] = []
    for contributor in contributors():
        source = getattr(contributor.module, "processing", None)
        rows = source() if callable(source) else getattr(contributor.module, "PROCESSING", [])
        for row in rows:
            activities.append({"app": contributor.label, **row})
    return activities


def consent_purposes() -> list[dict[str, Any]]:
    """Optional processing that the apps only do with consent."""
    purposes: list[dict[str, Any]] = []
    for contributor in contributors():
        for row in getattr(contributor.module, "CONSENTS", []):
            purposes.append({"app": contributor.label, **row})
    return purposes


def purgers() -> list[Contributor]:
    return [c for c in contributors() if callable(getattr(c.module, "purge", None))]
