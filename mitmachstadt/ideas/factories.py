from __future__ import annotations

from typing import Any

from mitmachstadt.tenants.factories import FieldOfActionFactory

from . import services
from .models import Idea


def make_idea(
    *,
    municipality: Any,
    author: Any,
    title: str = "Mehr Sitzbänke in der Innenstadt",
    text: str = "Auf dem Weg zum Markt fehlen Bänke zum Ausruhen, vor allem für ältere Menschen.",
    fields: list[Any] | None = None,
    submit: bool = True,
    **kwargs: Any,
) -> Idea:
    """An idea created through the service (submitted unless submit=False)."""
    if fields is None:
        fields = [FieldOfActionFactory(municipality=municipality)]
    return services.idea_create(
        municipality=municipality,
        author=author,
        title=title,
        text=text,
        fields=fields,
        submit=submit,
        **kwargs,
    )
