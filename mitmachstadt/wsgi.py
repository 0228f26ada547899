import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mitmachstadt.settings")
application = get_wsgi_application()


def warm_up() -> int:
    """Import every view and compile each of our templates once; returns how many templates.

    `mitmachstadt serve` preloads this module in gunicorn's master, so every worker, including
    one started after another reached --max-requests, is forked warm: without this, a new
    worker's first request imported all apps and URLs and compiled its templates (seconds on a
    busy machine), while visitors queued behind it.
    """
    from pathlib import Path

    from django.conf import settings
    from django.db import connections
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018 (populates the resolver per language)
    count = 0
    # Our templates (third-party ones we don't override compile on first use).
    ours = Path(__file__).resolve().parent
    for engine in engines.all():
        dirs = [Path(d) for d in getattr(engine, "template_dirs", ())]
        for directory in [d for d in dirs if d.resolve().is_relative_to(ours)]:
            for path in sorted(Path(directory).rglob("*.html")):
                name = path.relative_to(directory).as_posix()
                try:
                    engine.get_template(name)
                    count += 1
                except (TemplateDoesNotExist, TemplateSyntaxError) as error:
                    logging.getLogger(__name__).warning("template %s: %s", name, error)
    # Nothing above should have opened one, but no connection may be shared across the fork.
    connections.close_all()
    return count


if os.environ.get("MITMACHSTADT_WARM_UP") == "1":
    warm_up()
